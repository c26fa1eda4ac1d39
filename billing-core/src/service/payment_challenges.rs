//! A payment that waits for the customer (docs/adr/0044): the issuer asked for 3-D Secure when an
//! invoice was charged (`ChargeOutcome::RequiresAction`, the attempt `requires_action`). The
//! portal shows the attempt's own challenge (the sandbox's test bank, or Stripe.js
//! `confirmCardPayment` with the attempt's client secret) and then asks the provider how the
//! payment ended ([`confirm`]): the answer is applied exactly as the provider's webhook would be
//! (`webhooks::handle`, under the same event id the collection run's re-check uses), so the money is
//! recorded once whichever of the three comes first. Nothing the browser says is believed: only
//! our own attempt id comes from it, and the attempt must be on an invoice of the customer.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{ChargeOutcome, GatewayEvent, Gateways};
use crate::service::{gateway_accounts, webhooks};
use crate::store;

/// One payment attempt of the customer's, as the challenge page shows it.
#[derive(Debug, Clone)]
pub struct PaymentChallenge {
    pub attempt: Uuid,
    pub invoice: InvoiceId,
    pub invoice_number: Option<String>,
    /// The invoice is still open with something due.
    pub invoice_open: bool,
    /// `requires_action`, `pending`, `succeeded`, `failed` or `error`.
    pub status: String,
    /// The provider (`sandbox`, `stripe`, ...).
    pub gateway: String,
    pub gateway_account: Option<Uuid>,
    pub provider_payment_id: Option<String>,
    /// For the provider's browser SDK while the customer has to act (Stripe.js
    /// `confirmCardPayment`); `None` otherwise.
    pub client_secret: Option<String>,
    pub amount: Money,
    pub decline_code: Option<String>,
}

impl PaymentChallenge {
    pub fn needs_customer(&self) -> bool {
        self.status == "requires_action"
    }
}

/// The customer's attempt `id`, or not found (another customer's or tenant's, or no such id).
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
) -> Result<PaymentChallenge> {
    let a = store::payment_attempts::for_customer(conn, tenant, customer, id)
        .await?
        .ok_or_else(|| Error::not_found("payment_attempt", id))?;
    let currency = Currency::from_code(a.currency.trim())?;
    let waiting = a.status == "requires_action";
    Ok(PaymentChallenge {
        attempt: a.id,
        invoice: InvoiceId(a.invoice_id),
        invoice_number: a.invoice_number,
        invoice_open: a.invoice_status == "open" && a.invoice_total > a.invoice_paid,
        status: a.status,
        gateway: a.gateway,
        gateway_account: a.gateway_account_id,
        provider_payment_id: a.provider_payment_id,
        client_secret: a.client_secret.filter(|_| waiting),
        amount: Money::from_minor(a.amount, currency),
        decline_code: a.decline_code,
    })
}

/// The customer's open invoices whose newest attempt waits for the customer, as (attempt,
/// invoice), oldest first: the overview and the invoice page link to the challenge.
pub async fn awaiting(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<(Uuid, InvoiceId)>> {
    Ok(store::payment_attempts::awaiting_customer(conn, tenant, customer)
        .await?
        .into_iter()
        .map(|(a, i)| (a, InvoiceId(i)))
        .collect())
}

/// The provider's final answer about a payment, as the event its webhook would have carried,
/// under the event id the collection run's re-check uses (`recheck:<payment>:<outcome>`): a
/// webhook, a re-check and this page record the money once between them. `None` while the
/// payment is not final.
pub fn final_event(attempt: Uuid, provider_payment_id: &str, outcome: ChargeOutcome) -> Option<GatewayEvent> {
    match outcome {
        ChargeOutcome::Succeeded { amount, .. } => Some(GatewayEvent::PaymentSucceeded {
            provider_event_id: format!("recheck:{provider_payment_id}:succeeded"),
            provider_payment_id: provider_payment_id.to_owned(),
            amount,
            attempt_reference: Some(attempt.to_string()),
        }),
        ChargeOutcome::Failed { decline_code, .. } => Some(GatewayEvent::PaymentFailed {
            provider_event_id: format!("recheck:{provider_payment_id}:failed"),
            provider_payment_id: provider_payment_id.to_owned(),
            decline_code,
        }),
        ChargeOutcome::RequiresAction { .. } | ChargeOutcome::Pending { .. } => None,
    }
}

/// Asks the provider how the customer's payment attempt `id` stands and applies a final answer
/// (paid, or failed with the bank's code) as its webhook would; then the attempt as it is now.
/// A finished attempt is answered from our records without asking. Safe to repeat: a replayed or
/// forged return changes nothing the provider did not say.
pub async fn confirm(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<PaymentChallenge> {
    let (challenge, spec) = {
        let mut conn = pool.acquire().await?;
        let c = get(&mut conn, tenant, customer, id).await?;
        let spec = match (c.status.as_str(), c.gateway_account, &c.provider_payment_id) {
            ("requires_action" | "pending", Some(account), Some(_)) => {
                Some(gateway_accounts::spec(&mut conn, tenant, account).await?)
            }
            _ => None,
        };
        (c, spec)
    };
    let (Some(spec), Some(payment)) = (spec, challenge.provider_payment_id.clone()) else {
        return Ok(challenge);
    };
    // No connection is held while the provider answers.
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let outcome = gateway.payment_status(&payment).await.map_err(|e| Error::Gateway { detail: e.to_string() })?;
    let mut conn = pool.acquire().await?;
    if let Some(event) = final_event(id, &payment, outcome) {
        let applied = webhooks::handle(&mut conn, tenant, spec.id, &event, now).await?;
        tracing::info!(attempt = %id, outcome = %applied.outcome, duplicate = applied.duplicate, "payment confirmed with the provider");
    }
    get(&mut conn, tenant, customer, id).await
}

/// The key the account's browser SDK starts with (Stripe's publishable key), when it has one.
pub async fn browser_key(
    pool: &PgPool,
    tenant: TenantId,
    account: Uuid,
    gateways: &dyn Gateways,
) -> Result<Option<String>> {
    let spec = {
        let mut conn = pool.acquire().await?;
        gateway_accounts::spec(&mut conn, tenant, account).await?
    };
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    Ok(gateway.browser_key())
}
