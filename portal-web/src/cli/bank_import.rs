//! `billing bank-import`: reconcile a bank statement file (camt.053 XML or CSV) for one merchant,
//! exactly as `POST /api/v1/bank_statements` does.

use std::path::Path;

use anyhow::Context;
use billing_core::clock::Clock;

use super::t;
use crate::api::bank_transfer::{self, StatementFormat};
use crate::db::Database;

/// How to read the file and what to print.
pub struct Options<'a> {
    /// camt053 or csv; by default from the file extension.
    pub format: Option<&'a str>,
    /// The CSV layout (german, english); by default recognized from the header row.
    pub layout: Option<&'a str>,
    /// Print every entry's outcome as JSON.
    pub json: bool,
}

pub async fn run(
    db: &Database,
    clock: &dyn Clock,
    lang: &str,
    slug: &str,
    file: &Path,
    options: Options<'_>,
) -> anyhow::Result<()> {
    let Options { format, layout, json } = options;
    let message = |e: crate::api::error::ApiError| {
        anyhow::anyhow!("{}", e.body(lang)["error"]["message"].as_str().unwrap_or(e.code))
    };
    let layout = bank_transfer::csv_layout(layout).map_err(message)?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // Without --format the file's extension decides: .csv is CSV, anything else camt.053 XML.
    let format = match format {
        Some(f) => StatementFormat::parse(f).ok_or_else(|| anyhow::anyhow!("unknown format `{f}`"))?,
        None if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => StatementFormat::Csv,
        None => StatementFormat::Camt053,
    };
    let mut conn = db.pool.acquire().await?;
    let tenant = billing_core::store::tenants::get_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?;
    drop(conn);
    let result = bank_transfer::import(&db.pool, tenant.id, &bytes, format, layout.as_ref(), clock.now())
        .await
        .map_err(message)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "{}",
            t(
                lang,
                "cli-bank-imported",
                &[
                    ("id", result.id.to_string()),
                    ("entries", result.entries.len().to_string()),
                    ("matched", result.matched.to_string()),
                    ("unmatched", result.unmatched.to_string()),
                    ("ambiguous", result.ambiguous.to_string()),
                ]
            )
        );
    }
    Ok(())
}
