//! Collecting an invoice through the tenant's gateway accounts.
//!
//! (1) In one transaction, lock the invoice and record a `pending` attempt; (2) with no connection
//! held, charge through the gateway with the attempt's id as idempotency key, retrying transport
//! failures with the same key; (3) in a second transaction, record the outcome and, on success,
//! the payment on the invoice. At most one attempt per invoice is pending (a unique index): a
//! second collection racing the first is told [`Error::PaymentInProgress`]. A process killed
//! between (2) and (3) leaves the attempt pending; the collection job re-drives it
//! ([`redrive_pending`]) with the same key, and the provider answers with the payment it made.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Collection, NextAction};
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, GatewayAccountId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::ports::{
    AttemptHealth, ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, Gateways, PaymentMethodKind,
    PaymentMethodRef, RoutableAccount, RoutedAccount, RoutingInput,
};
use crate::service::gateway_accounts;
use crate::store;
use crate::store::payment_methods::ChargeableMethod;

/// Transport failures are retried this often with the same idempotency key.
const RETRIES: u32 = 2;

/// How far back the ledger feeds the circuit breaker (its window plus its cool-down, generously).
const HEALTH_LOOKBACK_MINUTES: i64 = 15;

fn method_kind(kind: &str) -> PaymentMethodKind {
    if kind == "sepa_debit" { PaymentMethodKind::SepaDebit } else { PaymentMethodKind::Card }
}

/// The result of one charge call, reduced to what the ledger stores.
struct Recorded {
    status: &'static str,
    class: Option<&'static str>,
    action: Option<(String, String)>,
}

/// Whether a new attempt could be started under the invoice lock.
enum Start {
    Started(Uuid),
    /// Another attempt is pending: someone else is collecting this invoice right now.
    InProgress,
    /// Paid (or no longer open) in the meantime.
    NothingDue(String),
}

/// Collects what is due on an open invoice. The tenant's routing rules choose the accounts (in
/// order); a timeout, a transport failure or an open circuit fails over to the next account, a soft
/// decline cascades to the next account where the customer has a usable method, a hard decline
/// stops. While another collection of the invoice is under way (its attempt is pending) this one
/// is refused with [`Error::PaymentInProgress`] and charges nothing.
pub async fn collect(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<Collection> {
    let mut conn = pool.acquire().await?;
    let due =
        store::invoices::due(&mut conn, tenant, invoice).await?.ok_or_else(|| Error::not_found("invoice", invoice))?;
    let (customer, status, currency, total, paid) =
        (due.customer_id, due.status, due.currency, due.total, due.amount_paid);
    let currency = Currency::from_code(currency.trim())?;
    let pending = store::payment_attempts::pending_for_invoice(&mut conn, tenant, invoice).await?;
    if pending.is_some() {
        return Err(Error::PaymentInProgress);
    }
    if status != InvoiceStatus::Open.as_str() || total - paid <= 0 {
        return Err(Error::InvoiceNotPayable { status });
    }

    // Route.
    let methods = store::payment_methods::chargeable(&mut conn, tenant, customer).await?;
    let Some(default) = methods.first() else { return Err(Error::NoPaymentMethod) };
    let kind = method_kind(&default.kind);
    let c = store::customers::get(&mut conn, tenant, CustomerId(customer))
        .await?
        .ok_or_else(|| Error::not_found("customer", CustomerId(customer)))?;
    let specs = gateway_accounts::active_specs(&mut conn, tenant).await?;
    let rules = gateway_accounts::rules(&mut conn, tenant).await?;
    let mut accounts = Vec::new();
    for spec in specs {
        let usable: Vec<PaymentMethodKind> =
            methods.iter().filter(|m| m.gateway_account_id == Some(spec.id)).map(|m| method_kind(&m.kind)).collect();
        let since = now - chrono::TimeDelta::minutes(HEALTH_LOOKBACK_MINUTES);
        let recent = store::payment_attempts::recent_on_account(&mut conn, tenant, spec.id, since).await?;
        accounts.push(RoutableAccount {
            account: spec,
            usable_methods: usable,
            recent_attempts: recent
                .into_iter()
                .map(|(at, gateway_error)| AttemptHealth { at, gateway_error })
                .collect(),
        });
    }
    drop(conn);
    let input = RoutingInput {
        amount: Money::from_minor(total - paid, currency),
        customer_country: c.country,
        method: kind,
        segment: c.segment.clone(),
        routing_key: invoice.to_string(),
        accounts,
    };
    let plan = if rules.as_array().is_none_or(|r| r.is_empty()) {
        // No rules: the account of the customer's default method, as before routing existed.
        let account = default.gateway_account_id.ok_or(Error::NoPaymentMethod)?;
        let name = input.accounts.iter().find(|a| a.account.id == account).map(|a| a.account.name.clone());
        let Some(name) = name else {
            return Err(Error::NoRoute { reason: "the default payment method's account is not active".into() });
        };
        vec![RoutedAccount { account, reason: format!("no routing rules: default payment method on {name}") }]
    } else {
        gateways.route(&rules, &input, now).map_err(|reason| Error::NoRoute { reason })?
    };

    // Try the accounts in order.
    let mut made = Vec::new();
    let mut next_action = None;
    let mut last_error = None;
    let mut why_next = String::new();
    for routed in plan {
        let Some(method) =
            methods.iter().find(|m| m.gateway_account_id == Some(routed.account) && method_kind(&m.kind) == kind)
        else {
            continue;
        };
        let reason = format!("{}{why_next}", routed.reason);
        let attempt_id = match start_attempt(pool, tenant, invoice, method, routed.account, &reason, now).await? {
            Start::Started(id) => id,
            // A racing request got there first: it is the one collecting, not us.
            Start::InProgress if made.is_empty() => return Err(Error::PaymentInProgress),
            Start::NothingDue(status) if made.is_empty() => return Err(Error::InvoiceNotPayable { status }),
            Start::InProgress | Start::NothingDue(_) => break,
        };
        made.push(attempt_id);
        match drive(pool, tenant, invoice, attempt_id, gateways, now).await {
            Ok(r) => {
                if let Some(a) = r.action {
                    next_action = Some(a);
                }
                match (r.status, r.class) {
                    ("failed", Some("soft")) => {
                        why_next = format!(" (cascade after a soft decline on {})", GatewayAccountId(routed.account));
                        continue;
                    }
                    ("error", _) => {
                        why_next = format!(" (failover: {} did not answer)", GatewayAccountId(routed.account));
                        continue;
                    }
                    _ => break,
                }
            }
            Err(e @ Error::Gateway { .. }) => {
                why_next = format!(" (failover: {} did not answer)", GatewayAccountId(routed.account));
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    if made.is_empty() {
        return Err(Error::NoRoute { reason: "no routed account holds a usable payment method".into() });
    }
    finish(pool, tenant, invoice, currency, made, next_action, last_error).await
}

/// Re-drives the attempt of this invoice that a killed process left pending, on its own account
/// and with its own id as idempotency key, so that the provider replays instead of charging again.
/// `None` when nothing is pending.
pub async fn redrive_pending(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<Option<Collection>> {
    let mut conn = pool.acquire().await?;
    let pending = store::payment_attempts::pending_with_currency(&mut conn, tenant, invoice).await?;
    drop(conn);
    let Some((attempt, currency)) = pending else { return Ok(None) };
    let currency = Currency::from_code(currency.trim())?;
    let outcome = drive(pool, tenant, invoice, attempt, gateways, now).await?;
    finish(pool, tenant, invoice, currency, vec![attempt], outcome.action, None).await.map(Some)
}

/// When dunning will charge the invoice again after this failure (recorded in the transaction
/// that is open): the next retry of the invoice's policy not yet taken, counted from the first
/// failure; `None` after a hard decline (the customer must add a new method) or when the policy
/// retries no more. A stored policy that no longer parses counts as the default.
pub(crate) async fn next_retry(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    class: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    use crate::dunning::Policy;
    if class == Some("hard") {
        return Ok(None);
    }
    // The invoice's policy (segment, method kind, tenant: docs/adr/0046), as dunning chooses it.
    let policy = match store::dunning::policy_for_invoice(conn, tenant, invoice.0).await?.map(|(_, steps)| steps) {
        Some(steps) => Policy::from_json(steps).unwrap_or_else(|_| Policy::default_policy()),
        None => Policy::default_policy(),
    };
    let first = store::dunning::first_failed_at(conn, tenant, invoice.0).await?.unwrap_or(now);
    let taken = store::dunning::taken(conn, tenant.0, invoice.0).await?;
    Ok(policy.next_retry_day(&taken).map(|day| first + chrono::TimeDelta::days(i64::from(day))))
}

async fn finish(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    currency: Currency,
    made: Vec<Uuid>,
    next_action: Option<NextAction>,
    last_error: Option<Error>,
) -> Result<Collection> {
    let mut conn = pool.acquire().await?;
    let mut attempts = Vec::new();
    for id in &made {
        attempts.push(store::payment_attempts::get(&mut conn, tenant, *id).await?);
    }
    let attempt = attempts.last().cloned().ok_or(Error::NoPaymentMethod)?;
    if attempt.status == "error" {
        // No account answered: the caller sees the gateway failure (502), the ledger keeps why.
        return Err(last_error.unwrap_or_else(|| Error::Gateway {
            detail: format!("no gateway account answered ({})", attempt.gateway_error.clone().unwrap_or_default()),
        }));
    }
    let due =
        store::invoices::due(&mut conn, tenant, invoice).await?.ok_or_else(|| Error::not_found("invoice", invoice))?;
    let (status, total, paid) = (due.status, due.total, due.amount_paid);
    Ok(Collection {
        attempt,
        attempts,
        invoice_status: InvoiceStatus::parse(&status).map(|s| s.as_str()).unwrap_or("open"),
        amount_paid: Money::from_minor(paid, currency),
        amount_due: Money::from_minor((total - paid).max(0), currency),
        next_action,
    })
}

/// Records a pending attempt under the invoice lock, unless another one is pending or nothing is
/// due any more.
async fn start_attempt(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    method: &ChargeableMethod,
    account: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Start> {
    let mut tx = pool.begin().await?;
    // FOR UPDATE serializes racing collections of one invoice: the second sees the first's
    // pending attempt (and the unique index would refuse a second one anyway).
    let due = store::invoices::lock_due(&mut tx, tenant, invoice)
        .await?
        .ok_or_else(|| Error::not_found("invoice", invoice))?;
    let (status, currency, total, paid) = (due.status, due.currency, due.total, due.amount_paid);
    let pending = store::payment_attempts::pending_for_invoice(&mut tx, tenant, invoice).await?;
    if pending.is_some() {
        return Ok(Start::InProgress);
    }
    if status != InvoiceStatus::Open.as_str() || total - paid <= 0 {
        return Ok(Start::NothingDue(status));
    }
    let provider = store::gateway_accounts::provider(&mut tx, tenant, account).await?;
    let id = Uuid::now_v7();
    let new = store::payment_attempts::NewAttempt {
        id,
        invoice,
        method: method.id,
        provider: &provider,
        account,
        amount: total - paid,
        currency: currency.trim(),
        reason,
        now,
    };
    store::payment_attempts::insert_pending(&mut tx, tenant, &new).await?;
    tx.commit().await?;
    Ok(Start::Started(id))
}

/// What became of one driven attempt.
struct RecordedOutcome {
    status: &'static str,
    class: Option<&'static str>,
    action: Option<NextAction>,
}

/// Charges a pending attempt (with no connection held, retrying transport failures with the same
/// key) and records the outcome, settling the invoice on success.
async fn drive(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    attempt_id: Uuid,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<RecordedOutcome> {
    let (spec, request) = {
        let mut conn = pool.acquire().await?;
        let (account, amount, currency, provider_customer, provider_method) =
            store::payment_attempts::charge_parts(&mut conn, tenant, attempt_id).await?;
        let currency = Currency::from_code(currency.trim())?;
        let spec = gateway_accounts::spec(&mut conn, tenant, account).await?;
        let request = ChargeRequest {
            idempotency_key: attempt_id.to_string(),
            customer: GatewayCustomerRef(provider_customer),
            method: PaymentMethodRef(provider_method),
            amount: Money::from_minor(amount, currency),
            description: format!("Invoice {invoice}"),
            metadata: BTreeMap::from([("invoice".to_string(), invoice.to_string())]),
        };
        (spec, request)
    };
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let started = Instant::now();
    let mut outcome = gateway.charge(&request).await;
    let mut tries = 0;
    while let Err(e) = &outcome {
        if !e.is_retryable() || tries >= RETRIES {
            break;
        }
        tries += 1;
        outcome = gateway.charge(&request).await;
    }
    let latency = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let recorded = record_outcome(pool, tenant, invoice, attempt_id, &outcome, gateways, latency, now).await?;
    let action = recorded.action.clone().map(|(provider_payment_id, client_secret)| NextAction {
        kind: "three_d_secure",
        gateway_account: GatewayAccountId(spec.id),
        provider_payment_id,
        client_secret,
    });
    if let Err(e) = &outcome
        && recorded.status != "error"
    {
        return Err(Error::Gateway { detail: e.to_string() });
    }
    Ok(RecordedOutcome { status: recorded.status, class: recorded.class, action })
}

#[allow(clippy::too_many_arguments)]
async fn record_outcome(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    attempt_id: Uuid,
    outcome: &std::result::Result<ChargeOutcome, GatewayError>,
    gateways: &dyn Gateways,
    latency: i32,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    // The card network's advice (a Mastercard MAC) and the retry-after time it sets, if any.
    let network_advice = match outcome {
        Ok(ChargeOutcome::Failed { network_advice_code, .. }) => network_advice_code.clone(),
        _ => None,
    };
    let retry_after = crate::retry_rules::retry_after(now, network_advice.as_deref());
    let (status, provider_id, code, class, gateway_error, action) = match outcome {
        Ok(ChargeOutcome::Succeeded { provider_payment_id, .. }) => {
            ("succeeded", Some(provider_payment_id.clone()), None, None, None, None)
        }
        Ok(ChargeOutcome::RequiresAction { provider_payment_id, client_secret }) => (
            "requires_action",
            Some(provider_payment_id.clone()),
            None,
            None,
            None,
            Some((provider_payment_id.clone(), client_secret.clone())),
        ),
        Ok(ChargeOutcome::Pending { provider_payment_id }) => {
            ("pending", Some(provider_payment_id.clone()), None, None, None, None)
        }
        Ok(ChargeOutcome::Failed { provider_payment_id, decline_code, advice_code, .. }) => (
            "failed",
            provider_payment_id.clone(),
            Some(decline_code.clone()),
            // MAC 03/21 ("do not try again") make any decline hard.
            Some(crate::retry_rules::class_with_advice(
                gateways.classify(decline_code, advice_code.as_deref()),
                network_advice.as_deref(),
            )),
            None,
            None,
        ),
        // No answer after the retries: the attempt is abandoned and collection fails over. Should the
        // money have moved after all, the provider's webhook still settles this attempt (its surplus
        // becomes credit balance), so nothing is lost.
        Err(GatewayError::Timeout) => ("error", None, None, None, Some("timeout"), None),
        Err(GatewayError::Transport(_)) => ("error", None, None, None, Some("transport"), None),
        Err(GatewayError::Misconfigured(_)) => ("error", None, None, None, Some("misconfigured"), None),
        Err(GatewayError::Rejected { code, .. }) => {
            ("failed", None, Some(code.clone()), Some("hard"), Some("rejected"), None)
        }
    };
    let mut tx = pool.begin().await?;
    // Only a still-pending attempt takes this outcome: a webhook that came first (or a re-drive
    // racing this one) has already written the final state, which a replayed first answer (say
    // `requires_action`) must not overwrite.
    let recorded = store::payment_attempts::AttemptOutcome {
        status,
        provider_payment_id: provider_id.as_deref(),
        decline_code: code.as_deref(),
        decline_class: class,
        latency_ms: latency,
        gateway_error,
        client_secret: action.as_ref().map(|(_, secret)| secret.as_str()),
        network_advice_code: network_advice.as_deref(),
        retry_after,
        now,
    };
    let updated = store::payment_attempts::record_outcome(&mut tx, tenant, attempt_id, &recorded).await?;
    let Some((amount, currency)) = updated else {
        tx.rollback().await?;
        return Ok(Recorded { status, class, action });
    };
    if status == "succeeded" {
        let amount = Money::from_minor(amount, Currency::from_code(currency.trim())?);
        // The attempt id is the receipt's reference: a re-driven attempt and the provider's
        // webhook for it record the money once.
        crate::service::settlement::apply_payment(
            &mut tx,
            tenant,
            invoice,
            amount,
            crate::service::settlement::PaymentSource::Card,
            &attempt_id.to_string(),
            now,
        )
        .await?;
        // The attempt's own event (merchants' webhooks), in the transaction that records it.
        let succeeded = crate::outbox::OutboxMessage::PaymentSucceeded { invoice, amount, attempt: attempt_id };
        store::outbox::enqueue(&mut tx, tenant, &[succeeded], now).await?;
    } else if status == "failed" {
        // The customer hears of it (the payment-failed mail, with a link to fix it) and the
        // merchant's webhooks too, exactly when the failure is recorded.
        let failed = crate::outbox::OutboxMessage::PaymentFailed {
            invoice,
            amount: Money::from_minor(amount, Currency::from_code(currency.trim())?),
            attempt: attempt_id,
            decline_code: code.clone(),
            next_attempt_at: next_retry(&mut tx, tenant, invoice, class, now)
                .await?
                .map(|at| retry_after.map_or(at, |after| at.max(after))),
        };
        store::outbox::enqueue(&mut tx, tenant, &[failed], now).await?;
    }
    tx.commit().await?;
    Ok(Recorded { status, class, action })
}

/// A customer added a payment method (it is their default now): each of their invoices in dunning
/// is collected with it at once, each on its own (issue 12's recovery), instead of waiting for the
/// policy's next retry step: a declined one, and one never charged past its due date (a customer
/// who had no method at all; docs/adr/0048). A collection that fails is left to dunning, which
/// goes on as before. Returns how many of the invoices are paid afterwards.
pub async fn collect_in_dunning(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<u32> {
    let invoices = {
        let mut conn = pool.acquire().await?;
        store::dunning::recoverable_for_customer(&mut conn, tenant, customer.0, now.date_naive()).await?
    };
    let mut paid = 0;
    for id in invoices {
        let invoice = InvoiceId(id);
        match collect(pool, tenant, invoice, gateways, now).await {
            Ok(c) if c.invoice_status == "paid" => paid += 1,
            Ok(_) => {}
            Err(e) => {
                tracing::info!(%invoice, error = %e, "collecting with the new payment method failed; dunning goes on")
            }
        }
    }
    Ok(paid)
}
