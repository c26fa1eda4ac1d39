//! ECB euro reference rates imported from a file's bytes: parsed (XML, or CSV as the ECB's data
//! portal gives it) and upserted into `fx_rates`. Called by `billing fx-import` and by the
//! `fx-import` job (which fetches the daily file from a URL or takes the newest in a folder).
//! Safe to repeat: the same rates are written over themselves.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::{Error, Result};

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FxImport {
    /// Rates written.
    pub rates: u64,
    /// Publication days in the file.
    pub days: usize,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    /// Currency codes in the file that the currency table does not know (left out).
    pub skipped: Vec<String>,
}

/// Parses `bytes` (CSV when `csv`, else the ECB XML) and upserts the rates. `source` names the
/// file or URL in the error a malformed file gets.
pub async fn import(
    conn: &mut PgConnection,
    bytes: &[u8],
    csv: bool,
    source: &str,
    now: DateTime<Utc>,
) -> Result<FxImport> {
    let parsed =
        if csv { crate::fx::parse_ecb_csv(&String::from_utf8_lossy(bytes)) } else { crate::fx::parse_ecb_xml(bytes) }
            .map_err(|e| Error::invalid("file", format!("{source} is not an ECB reference-rate file: {e}")))?;
    let rates = crate::store::fx::upsert(conn, &parsed.rates, now).await?;
    let days: BTreeSet<NaiveDate> = parsed.rates.iter().map(|r| r.date).collect();
    Ok(FxImport {
        rates,
        days: days.len(),
        first: days.first().copied(),
        last: days.last().copied(),
        skipped: parsed.skipped,
    })
}

/// Whether a file or URL name says CSV (else it is read as the ECB's XML).
pub fn is_csv(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".csv")
}
