//! ECB reference rates: import (idempotent upsert) and loading a window as a `RateTable`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::corrupt;
use crate::currency::Currency;
use crate::error::Result;
use crate::fx::{EcbRate, RateTable};

/// Stores rates; a rate already stored for the same day and currency is replaced (the ECB does
/// not revise published rates, so a re-import changes nothing). Returns how many rows were written.
pub async fn upsert(conn: &mut PgConnection, rates: &[EcbRate], now: DateTime<Utc>) -> Result<u64> {
    let mut written = 0;
    for chunk in rates.chunks(5000) {
        let dates: Vec<NaiveDate> = chunk.iter().map(|r| r.date).collect();
        let codes: Vec<&str> = chunk.iter().map(|r| r.currency.code()).collect();
        let values: Vec<Decimal> = chunk.iter().map(|r| r.per_eur).collect();
        written += sqlx::query(
            "INSERT INTO fx_rates (source, rate_date, currency, per_eur, imported_at)
             SELECT 'ECB', u.d, u.c, u.v, $4 FROM UNNEST($1::date[], $2::text[], $3::numeric[]) AS u(d, c, v)
             ON CONFLICT (source, rate_date, currency) DO UPDATE SET per_eur = EXCLUDED.per_eur",
        )
        .bind(&dates)
        .bind(&codes)
        .bind(&values)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(written)
}

/// The rates published from `from` through `until`, both included.
pub async fn table_between(conn: &mut PgConnection, from: NaiveDate, until: NaiveDate) -> Result<RateTable> {
    table_until(conn, until, (until - from).num_days() + 1).await
}

/// The rates published within `days` before `until` (enough for a previous-day fallback).
pub async fn table_until(conn: &mut PgConnection, until: NaiveDate, days: i64) -> Result<RateTable> {
    let rows: Vec<(NaiveDate, String, Decimal)> = sqlx::query_as(
        "SELECT rate_date, currency::text, per_eur FROM fx_rates WHERE source = 'ECB' AND rate_date > $1 AND rate_date <= $2",
    )
    .bind(until - Duration::days(days))
    .bind(until)
    .fetch_all(conn)
    .await?;
    let rates = rows.into_iter().filter_map(|(date, code, per_eur)| {
        Currency::from_code(&code).ok().map(|currency| EcbRate { date, currency, per_eur })
    });
    RateTable::new(rates).map_err(|e| corrupt("fx rate", e))
}
