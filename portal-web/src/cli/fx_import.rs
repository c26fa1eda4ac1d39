//! `billing fx-import`: ECB euro reference rates from a file, standard input or a URL.

use std::path::Path;

use anyhow::Context;

use super::{Ctx, t};

pub async fn run(ctx: &Ctx, file: Option<&Path>, url: Option<&str>) -> anyhow::Result<()> {
    let (bytes, source, csv) = match (file, url) {
        (_, Some(url)) => {
            let resp = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()?
                .get(url)
                .send()
                .await
                .with_context(|| format!("downloading {url}"))?
                .error_for_status()
                .with_context(|| format!("downloading {url}"))?;
            let bytes = resp.bytes().await.with_context(|| format!("downloading {url}"))?.to_vec();
            (bytes, url.to_string(), url.to_ascii_lowercase().ends_with(".csv"))
        }
        (Some(file), None) => (
            ctx.read_input(file)?,
            file.display().to_string(),
            file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")),
        ),
        (None, None) => anyhow::bail!("give --file or --url"),
    };
    let parsed = if csv {
        billing_core::fx::parse_ecb_csv(&String::from_utf8_lossy(&bytes))
    } else {
        billing_core::fx::parse_ecb_xml(&bytes)
    }
    .with_context(|| format!("{source} is not an ECB reference-rate file"))?;
    let mut conn = ctx.db().pool.acquire().await?;
    let written = billing_core::store::fx::upsert(&mut conn, &parsed.rates, ctx.clock().now()).await?;
    let days: std::collections::BTreeSet<_> = parsed.rates.iter().map(|r| r.date).collect();
    ctx.out.line(t(
        ctx.lang,
        "cli-fx-imported",
        &[
            ("rates", written.to_string()),
            ("days", days.len().to_string()),
            ("first", days.first().map(|d| d.to_string()).unwrap_or_default()),
            ("last", days.last().map(|d| d.to_string()).unwrap_or_default()),
            ("skipped", parsed.skipped.join(", ")),
        ],
    ));
    Ok(())
}
