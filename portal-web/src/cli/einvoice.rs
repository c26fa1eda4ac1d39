//! `billing einvoice export`: a period's e-invoices as one ZIP file, as the API's
//! `GET /api/v1/einvoices/export` gives it (same files, same `manifest.csv`).

use std::path::Path;

use billing_core::einvoice::Format;
use chrono::NaiveDate;

use super::{Ctx, t};

pub async fn export(
    ctx: &Ctx,
    slug: &str,
    from: NaiveDate,
    to: NaiveDate,
    format: &str,
    output: &Path,
) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let message = |e: billing_core::Error| {
        let e = crate::api::error::ApiError::from(e);
        anyhow::anyhow!("{}", e.body(lang)["error"]["message"].as_str().unwrap_or(e.code))
    };
    let format = Format::parse(format)
        .ok_or_else(|| anyhow::anyhow!("unknown format `{format}`; use xrechnung-cii, xrechnung-ubl or zugferd"))?;
    let tenant = super::tenant::by_slug(ctx, slug).await?;
    let mut conn = ctx.db().pool.acquire().await?;
    let out = crate::einvoice::export(&mut conn, tenant.id, from, to, format).await.map_err(message)?;
    drop(conn);
    let output = ctx.path(output);
    std::fs::write(&output, &out.zip).map_err(|e| anyhow::anyhow!("writing {}: {e}", output.display()))?;
    for (number, reason) in &out.skipped {
        ctx.out.warn(t(lang, "cli-einvoice-skipped", &[("number", number.clone()), ("reason", reason.clone())]));
    }
    ctx.out.line(t(
        lang,
        "cli-einvoice-exported",
        &[
            ("files", out.files.to_string()),
            ("format", format.as_str().to_string()),
            ("from", from.to_string()),
            ("to", to.to_string()),
            ("file", output.display().to_string()),
        ],
    ));
    Ok(())
}
