//! Pre-dunning (docs/adr/0032): the daily job that tells customers before a payment can fail. It
//! queues, once each, the card-expiring notice (the customer's default card expires at the end of
//! this month or the next), the trial-ending notice (the tenant's `trial_notice_days` ahead,
//! default 7), the annual renewal notice (`renewal_notice_days` ahead, default 30) and the SEPA
//! pre-notification of a direct debit (the mandate's agreed period before it, else
//! [`SEPA_PRENOTIFICATION_DAYS`]; docs/adr/0048). Each is one outbox message: a mail to the
//! customer and a webhook event for the merchant.
//!
//! A SEPA notice announces its debit date: the due date, or the notice's day plus the period when
//! the due date comes sooner (an invoice due at once, a mandate added late). The collection job
//! debits the invoice only from that date on (`store::payment_attempts::collection_work`).
//!
//! Once each: a notice is claimed under a key per reason, object and period
//! (`trial_ending:<subscription>:<trial end>`; a SEPA notice: one row per invoice in
//! `sepa_debit_notices`) in the transaction that enqueues it, so a re-run,
//! a run that crashed half-way, or a second server queue nothing twice. One run at a time per
//! database: the lease `predunning`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Connection, PgPool};

use crate::currency::Currency;
use crate::error::Result;
use crate::ids::{CustomerId, InvoiceId, SubscriptionId, TenantId};
use crate::money::Money;
use crate::outbox::OutboxMessage;
use crate::store;

const LEASE: &str = "predunning";
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// The SEPA Core rulebook's default pre-notification period (domain reference § 10.2), for a
/// mandate that agrees none (docs/adr/0048).
pub const SEPA_PRENOTIFICATION_DAYS: i32 = crate::sepa::PRENOTIFICATION_DEFAULT_DAYS as i32;

#[derive(Debug, Clone, Default, Serialize)]
pub struct PredunningSummary {
    /// False when another run held the lease and this one did nothing.
    pub ran: bool,
    pub card_expiring: u64,
    pub trial_ending: u64,
    pub renewal_upcoming: u64,
    pub debit_upcoming: u64,
    /// SEPA mandates expired after 36 months without a debit (docs/adr/0044); their methods removed.
    pub mandates_expired: u64,
}

impl PredunningSummary {
    pub fn queued(&self) -> u64 {
        self.card_expiring + self.trial_ending + self.renewal_upcoming + self.debit_upcoming
    }
}

/// Queues the notices due on `as_of` (the date of `now` when `None`).
pub async fn run(pool: &PgPool, now: DateTime<Utc>, as_of: Option<NaiveDate>) -> Result<PredunningSummary> {
    let as_of = as_of.unwrap_or_else(|| now.date_naive());
    let ran = store::locks::with_lease(pool, LEASE, LEASE_TTL, run_all(pool, now, as_of)).await?;
    Ok(ran.unwrap_or_default())
}

/// Enqueues `message` unless `key` was queued before; true when it was queued now.
async fn once(
    pool: &PgPool,
    tenant: uuid::Uuid,
    key: &str,
    message: OutboxMessage,
    now: DateTime<Utc>,
) -> Result<bool> {
    let tenant = TenantId(tenant);
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let fresh = store::predunning::claim(&mut tx, tenant, key, now).await?;
    if fresh {
        store::outbox::enqueue(&mut tx, tenant, &[message], now).await?;
    }
    tx.commit().await?;
    Ok(fresh)
}

async fn run_all(pool: &PgPool, now: DateTime<Utc>, as_of: NaiveDate) -> Result<PredunningSummary> {
    let mut s = PredunningSummary { ran: true, ..PredunningSummary::default() };
    let cards = store::predunning::cards_expiring(&mut *pool.acquire().await?, as_of).await?;
    for (tenant, customer, method, expires, last4) in cards {
        let key = format!("card_expiring:{method}:{}", expires.format("%Y-%m"));
        let message = OutboxMessage::CardExpiring { customer: CustomerId(customer), expires, last4 };
        s.card_expiring += u64::from(once(pool, tenant, &key, message, now).await?);
    }
    let trials = store::predunning::trials_ending(&mut *pool.acquire().await?, as_of).await?;
    for (tenant, sub, customer, trial_end) in trials {
        let key = format!("trial_ending:{sub}:{trial_end}");
        let (subscription, customer) = (SubscriptionId(sub), CustomerId(customer));
        let message = OutboxMessage::TrialEnding { subscription, customer, trial_end };
        s.trial_ending += u64::from(once(pool, tenant, &key, message, now).await?);
    }
    let renewals = store::predunning::renewals_upcoming(&mut *pool.acquire().await?, as_of).await?;
    for (tenant, sub, customer, renews_on) in renewals {
        let key = format!("renewal_upcoming:{sub}:{renews_on}");
        let (subscription, customer) = (SubscriptionId(sub), CustomerId(customer));
        let message = OutboxMessage::RenewalUpcoming { subscription, customer, renews_on };
        s.renewal_upcoming += u64::from(once(pool, tenant, &key, message, now).await?);
    }
    let debits =
        store::predunning::debits_upcoming(&mut *pool.acquire().await?, as_of, SEPA_PRENOTIFICATION_DAYS).await?;
    for d in debits {
        s.debit_upcoming += u64::from(notify_debit(pool, &d, as_of, now).await?);
    }
    s.mandates_expired = crate::service::sepa_mandates::expire_unused(pool, as_of, now).await?;
    Ok(s)
}

/// The debit date a pre-notification sent on `notified_on` announces: the due date, but never
/// before the period has passed after the notice.
pub fn debit_date(due: NaiveDate, notified_on: NaiveDate, period_days: i32) -> NaiveDate {
    due.max(notified_on + chrono::Days::new(u64::try_from(period_days.max(0)).unwrap_or(0)))
}

/// Queues the pre-notification of the debit `d` unless the invoice had one: the notice row (its
/// debit date, which the collection job waits for) and the message, in one transaction.
async fn notify_debit(
    pool: &PgPool,
    d: &store::predunning::UpcomingDebit,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let tenant = TenantId(d.tenant_id);
    let debit_on = debit_date(d.due_date, as_of, d.period_days);
    let notice = store::predunning::DebitNotice {
        invoice: d.invoice_id,
        notified_on: as_of,
        debit_on,
        period_days: i16::try_from(d.period_days).unwrap_or(crate::sepa::PRENOTIFICATION_DEFAULT_DAYS),
        mandate: d.mandate_id,
    };
    let message = OutboxMessage::DebitUpcoming {
        invoice: InvoiceId(d.invoice_id),
        customer: CustomerId(d.customer_id),
        amount: Money::from_minor(d.amount_due, Currency::from_code(&d.currency)?),
        debit_on,
        mandate_reference: d.mandate_reference.clone(),
        creditor_id: d.creditor_id.clone(),
    };
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let fresh = store::predunning::claim_debit_notice(&mut tx, tenant, &notice, now).await?;
    if fresh {
        store::outbox::enqueue(&mut tx, tenant, &[message], now).await?;
    }
    tx.commit().await?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debit_is_announced_for_its_due_date_or_once_the_period_has_passed() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        // Due in 20 days, told 14 days ahead: the due date.
        assert_eq!(debit_date(day(21), day(7), 14), day(21));
        // Due at once: not before 14 (or the agreed 3) days after the notice.
        assert_eq!(debit_date(day(1), day(1), 14), day(15));
        assert_eq!(debit_date(day(1), day(1), 3), day(4));
        // Due in the past (a mandate added late): the same.
        assert_eq!(debit_date(day(1), day(10), 5), day(15));
    }
}
