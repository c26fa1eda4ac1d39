//! The card networks' retry rules applied to dunning's retry steps (docs/adr/0032): before a retry
//! charges, [`gate`] decides (hard decline, the 15-attempts-in-30-days cap per payment method, a
//! retry-after advice), and [`record`] writes the decision with its reason on the ledger
//! (`retry_decisions`), once per invoice, step and decision.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};
use crate::retry_rules::{self, RetryDecision, RetryInput};
use crate::store;
use crate::store::dunning::InDunning;

/// A decision on a due retry, with what it was based on.
#[derive(Debug, Clone)]
pub struct Gate {
    pub decision: RetryDecision,
    /// The latest (failed) attempt on the invoice.
    pub attempt: Option<Uuid>,
    /// The method a retry would charge.
    pub method: Option<Uuid>,
    pub attempts_in_window: u32,
}

impl Gate {
    /// The decision when dunning already knows the retry is blocked by a hard decline.
    pub fn hard_decline(inv: &InDunning) -> Gate {
        Gate {
            decision: RetryDecision::SkipHardDecline,
            attempt: None,
            method: inv.last_method_id,
            attempts_in_window: 0,
        }
    }
}

/// Decides whether the invoice's due retry may charge now.
pub async fn gate(conn: &mut PgConnection, inv: &InDunning, now: DateTime<Utc>) -> Result<Gate> {
    let tenant = TenantId(inv.tenant_id);
    let methods = store::payment_methods::chargeable(conn, tenant, inv.customer_id).await?;
    let method = methods.first().map(|m| m.id);
    let latest = store::retry_decisions::latest_attempt(conn, tenant, inv.invoice_id).await?;
    // A decline's advice is about the method declined; a new default method starts afresh.
    let same_method = |l: &store::retry_decisions::LatestAttempt| method.is_none_or(|m| m == l.payment_method_id);
    let hard = latest.as_ref().is_some_and(|l| l.decline_class.as_deref() == Some("hard") && same_method(l));
    let retry_after = latest.as_ref().filter(|l| same_method(l)).and_then(|l| l.retry_after);
    let (count, oldest) = match method {
        Some(m) => {
            let since = now - TimeDelta::days(retry_rules::WINDOW_DAYS);
            store::retry_decisions::attempts_on_method(conn, tenant, m, since).await?
        }
        None => (0, None),
    };
    let input = RetryInput {
        hard_declined_same_method: hard,
        retry_after,
        attempts_in_window: u32::try_from(count).unwrap_or(u32::MAX),
        oldest_in_window: oldest,
    };
    Ok(Gate {
        decision: retry_rules::decide(&input, now),
        attempt: latest.map(|l| l.id),
        method,
        attempts_in_window: input.attempts_in_window,
    })
}

/// Records the decision for the invoice's step `step` (and the attempt a retry made); a deferral
/// until the same time, or any other decision on the same step, is recorded once.
pub async fn record(
    conn: &mut PgConnection,
    inv: &InDunning,
    step: u32,
    gate: &Gate,
    retry_attempt: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let decision = gate.decision.as_str();
    let (retry_after, key) = match &gate.decision {
        RetryDecision::Defer { until } => (Some(*until), format!("step:{step}:{decision}:{}", until.timestamp())),
        RetryDecision::SkipCap { until, .. } => (*until, format!("step:{step}:{decision}")),
        _ => (None, format!("step:{step}:{decision}")),
    };
    let attempt = match gate.attempt {
        Some(a) => Some(a),
        None => {
            store::retry_decisions::latest_attempt(conn, TenantId(inv.tenant_id), inv.invoice_id).await?.map(|l| l.id)
        }
    };
    let reason = gate.decision.reason();
    let d = store::retry_decisions::NewDecision {
        invoice: inv.invoice_id,
        attempt,
        retry_attempt,
        method: gate.method,
        step: Some(step),
        decision,
        reason: &reason,
        retry_after,
        attempts_in_window: Some(gate.attempts_in_window),
        dedupe_key: &key,
    };
    store::retry_decisions::insert(conn, TenantId(inv.tenant_id), &d, now).await
}

/// The invoice's retry decisions, oldest first.
pub async fn for_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Vec<store::retry_decisions::Decision>> {
    store::retry_decisions::for_invoice(conn, tenant, invoice).await
}

/// `None` when the gate lets the retry charge now; otherwise `deferred` or the skip's decision.
pub fn not_now(gate: &Gate) -> Option<&'static str> {
    match gate.decision {
        RetryDecision::Retry => None,
        ref d => Some(d.as_str()),
    }
}
