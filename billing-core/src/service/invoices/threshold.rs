//! The seller's Art. 59c turnover, summed from the issued documents, and the decision it changes:
//! a cross-border B2C supply kept at home below the EUR 10 000 threshold is taxed at destination
//! once the threshold is exceeded (see [`crate::tax::art59c`]).

use chrono::{Datelike, NaiveDate};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::fx::{Fallback, RateTable};
use crate::ids::TenantId;
use crate::money::Money;
use crate::rounding::RoundingPolicy;
use crate::store;
use crate::tax::art59c::Turnover;

/// The turnover of the calendar year before `date` and of its own year up to `date`, in EUR, with
/// the ECB rates that converted it (kept for converting the next supplies).
pub async fn load(conn: &mut PgConnection, tenant: TenantId, date: NaiveDate) -> Result<(Turnover, RateTable)> {
    let previous_start =
        NaiveDate::from_ymd_opt(date.year() - 1, 1, 1).ok_or_else(|| Error::invalid("date", "out of range"))?;
    let days = (date - previous_start).num_days() + 14;
    let rates = store::fx::table_until(conn, date, days).await?;
    let mut turnover = Turnover::default();
    for (currency, issued, net) in store::invoices::art59c_turnover(conn, tenant, previous_start, date).await? {
        let eur = to_eur(&rates, Money::from_minor(net, currency), issued)?;
        if issued.year() == date.year() {
            turnover.current_year = turnover.current_year.saturating_add(eur.minor());
        } else {
            turnover.previous_year = turnover.previous_year.saturating_add(eur.minor());
        }
    }
    Ok((turnover, rates))
}

/// `amount` in EUR at the ECB rate of `date` (the latest publication on or before it).
pub fn to_eur(rates: &RateTable, amount: Money, date: NaiveDate) -> Result<Money> {
    rates
        .convert(amount, crate::currency::Currency::EUR, date, Fallback::Previous, RoundingPolicy::default())
        .map(|c| c.amount)
        .map_err(|e| {
            Error::invalid(
                "fx_rate",
                format!(
                    "the EUR 10 000 threshold needs {} in EUR on {date}: {e}; import ECB rates first",
                    amount.currency()
                ),
            )
        })
}
