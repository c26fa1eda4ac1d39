//! Pre-dunning (docs/adr/0032): the daily job that tells customers before a payment can fail. It
//! queues, once each, the card-expiring notice (the customer's default card expires at the end of
//! this month or the next), the trial-ending notice (the tenant's `trial_notice_days` ahead,
//! default 7), the annual renewal notice (`renewal_notice_days` ahead, default 30) and the SEPA
//! pre-notification of a direct debit ([`SEPA_PRENOTIFICATION_DAYS`] before it). Each is one
//! outbox message: a mail to the customer and a webhook event for the merchant.
//!
//! Once each: a notice is claimed under a key per reason, object and period
//! (`trial_ending:<subscription>:<trial end>`) in the transaction that enqueues it, so a re-run,
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

/// The SEPA Core rulebook's default pre-notification period (domain reference § 10.2); the engine
/// keeps no per-mandate agreed period yet.
pub const SEPA_PRENOTIFICATION_DAYS: i32 = 14;

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
        let key = format!("debit_upcoming:{}:{}", d.invoice_id, d.due_date);
        let message = OutboxMessage::DebitUpcoming {
            invoice: InvoiceId(d.invoice_id),
            customer: CustomerId(d.customer_id),
            amount: Money::from_minor(d.amount_due, Currency::from_code(&d.currency)?),
            debit_on: d.due_date,
            mandate_reference: d.mandate_reference,
            creditor_id: d.creditor_id,
        };
        s.debit_upcoming += u64::from(once(pool, d.tenant_id, &key, message, now).await?);
    }
    s.mandates_expired = crate::service::sepa_mandates::expire_unused(pool, as_of, now).await?;
    Ok(s)
}
