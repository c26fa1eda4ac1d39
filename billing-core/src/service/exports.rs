//! Exports for accountants: the DATEV Buchungsstapel (docs/metrics.md, "DATEV") and the rows of
//! the invoice, credit note and payment CSV exports (rendered by portal-web's `ops::exports`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::datev::{Booking, DatevSettings, VatCase};
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::store;
use crate::store::exports::{DocumentRow, PaymentRow};

/// The tenant's DATEV settings, SKR03 defaults when none were saved.
pub async fn datev_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<DatevSettings> {
    Ok(store::exports::datev_settings(conn, tenant).await?.unwrap_or_default())
}

pub async fn set_datev_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &DatevSettings,
    now: DateTime<Utc>,
) -> Result<DatevSettings> {
    s.validate()?;
    store::exports::put_datev_settings(conn, tenant, s, now).await?;
    Ok(s.clone())
}

/// The amount in EUR cents of `minor` units of a currency quoted at `per_eur` units per EUR.
fn to_eur_cents(minor: i64, currency: Currency, per_eur: Decimal) -> Option<i64> {
    let shift = 2i32 - currency.exponent() as i32;
    let mut v = Decimal::from(minor).checked_div(per_eur)?;
    for _ in 0..shift.max(0) {
        v = v.checked_mul(Decimal::TEN)?;
    }
    for _ in 0..(-shift).max(0) {
        v = v.checked_div(Decimal::TEN)?;
    }
    i64::try_from(v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).mantissa()).ok()
}

/// The bookings of the documents issued in `[from, to]`: one per document and VAT group.
pub async fn datev_bookings(
    conn: &mut PgConnection,
    tenant: TenantId,
    settings: &DatevSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Booking>> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let seller = t.country.code();
    let groups = store::exports::document_groups(conn, tenant, from, to).await?;
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let currency = Currency::from_code(&g.currency).map_err(|e| store::corrupt("currency", e))?;
        let gross = g.taxable + g.tax;
        if gross == 0 {
            continue;
        }
        let rate = g.rate.unwrap_or_default();
        let case = VatCase::of(
            g.category.as_deref().unwrap_or("S"),
            rate,
            g.vat_country.as_deref(),
            seller,
            &g.customer_country,
        );
        let (eu_id, eu_rate) = match case {
            VatCase::ReverseCharge | VatCase::Section13b => (g.customer_vat_id.clone().unwrap_or_default(), None),
            VatCase::Oss => (g.vat_country.clone().unwrap_or_default(), Some(rate)),
            _ => (String::new(), None),
        };
        let per_eur = g.per_eur.filter(|_| currency != Currency::EUR);
        out.push(Booking {
            amount_minor: gross,
            currency,
            rate_per_eur: per_eur,
            base_eur_minor: per_eur.and_then(|r| to_eur_cents(gross, currency, r)),
            account: settings.receivables_account.clone(),
            contra_account: case.account(&settings.revenue_accounts).to_string(),
            date: g.issue_date,
            number: g.number,
            text: g.customer_name,
            eu_id,
            eu_rate,
        });
    }
    Ok(out)
}

/// The Buchungsstapel of `[from, to]` as Windows-1252 bytes, with its file name. The range must
/// lie in one fiscal year (the Belegdatum carries no year: the header's dates give it).
pub async fn datev(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>)> {
    if from > to {
        return Err(Error::invalid("from", "must not be after `to`"));
    }
    let settings = datev_settings(conn, tenant).await?;
    let next_year = settings.fiscal_year_start(from + Duration::days(366));
    if settings.fiscal_year_start(from) != settings.fiscal_year_start(to) || to >= next_year {
        return Err(Error::invalid("to", "a DATEV export must lie within one fiscal year"));
    }
    let bookings = datev_bookings(conn, tenant, &settings, from, to).await?;
    let title = format!("Rechnungen {}-{}", from.format("%Y%m%d"), to.format("%Y%m%d"));
    let text = crate::datev::file(&settings, now.naive_utc(), from, to, &title, &bookings);
    let name = format!("EXTF_Buchungsstapel_{}_{}.csv", from.format("%Y%m%d"), to.format("%Y%m%d"));
    Ok((name, crate::datev::windows_1252(&text)))
}

/// Finalized invoices (or credit notes) issued in `[from, to]`.
pub async fn documents(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    credit_notes: bool,
) -> Result<Vec<DocumentRow>> {
    check_range(from, to)?;
    store::exports::documents(conn, tenant, from, to, credit_notes).await
}

/// Money received on or refunded from invoices in `[from, to]` (days in the tenant's time zone).
pub async fn payments(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PaymentRow>> {
    check_range(from, to)?;
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let start = crate::tenant::start_of_day(t.timezone, from);
    let until = crate::tenant::start_of_day(t.timezone, to + Duration::days(1));
    store::exports::payments(conn, tenant, start, until).await
}

fn check_range(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if from > to {
        return Err(Error::invalid("from", "must not be after `to`"));
    }
    if (to - from).num_days() > 3660 {
        return Err(Error::invalid("to", "the range must not exceed ten years"));
    }
    Ok(())
}
