//! SEPA Direct Debit mandates (docs/adr/0040): the merchant's creditor identifier, and a mandate
//! the customer signs in the portal (payment methods page or checkout). The IBAN is checked as
//! typed (`crate::sepa::parse_iban`) by the caller, which shows the mandate text with the
//! reference before the customer confirms; [`sign`] stores the method at the tenant's gateway
//! (the IBAN is the provider token) and the mandate with the text the customer saw.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::outbox::OutboxMessage;
use crate::ports::{Gateways, MandateAcceptance};
use crate::service::payments::{self, AddedMethod, PaymentMethod};
pub use crate::store::sepa_mandates::Mandate;
use crate::store::{self, sepa_mandates as db};

/// The merchant as the mandate names it.
#[derive(Debug, Clone)]
pub struct Creditor {
    pub id: String,
    pub name: String,
    /// The pre-notification period the merchant's terms agree for mandates signed in the portal
    /// (`None`: the rulebook's 14 days; docs/adr/0048).
    pub prenotification_days: Option<i16>,
}

/// The tenant's creditor (legal name, else the display name, and the creditor identifier), or
/// `None` when no creditor identifier is set: then no mandate can be signed.
pub async fn creditor(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<Creditor>> {
    let Some(id) = db::creditor_id(conn, tenant).await? else { return Ok(None) };
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let prenotification_days = db::tenant_period(conn, tenant).await?;
    Ok(Some(Creditor { id, name: t.profile.legal_name.unwrap_or(t.name), prenotification_days }))
}

pub async fn creditor_id(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<String>> {
    db::creditor_id(conn, tenant).await
}

/// Sets the creditor identifier (checked: `crate::sepa::parse_creditor_id`); empty clears it.
pub async fn set_creditor_id(conn: &mut PgConnection, tenant: TenantId, text: &str) -> Result<Option<String>> {
    let id = if text.trim().is_empty() { None } else { Some(crate::sepa::parse_creditor_id(text)?) };
    db::set_creditor_id(conn, tenant, id.as_deref()).await?;
    Ok(id)
}

/// The account holder's name as typed: 1 to 70 characters (the scheme's limit), no control
/// characters.
pub fn parse_holder(text: &str) -> Result<String> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 70 || crate::text::check(name).is_err() {
        return Err(Error::invalid("account_holder", "give the account holder's name (up to 70 characters)"));
    }
    Ok(name.to_owned())
}

/// What the customer confirmed.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The IBAN in electronic form, already checked.
    pub iban: String,
    pub account_holder: String,
    pub reference: String,
    /// The mandate text exactly as shown, in `locale`.
    pub text: String,
    pub locale: String,
    pub client_address: Option<String>,
    /// The browser's user agent, for the provider's record of the acceptance (Stripe's
    /// `mandate_data`).
    pub user_agent: Option<String>,
    /// The pre-notification period agreed with the mandate (`None`: the rulebook's 14 days).
    pub prenotification_days: Option<i16>,
}

/// Stores the mandate: the method at the tenant's default gateway (it becomes the default), then
/// the mandate row naming it. Refused before anything is stored when the tenant has no creditor
/// identifier or the reference is taken (the same form confirmed twice is the caller's once-only
/// claim).
pub async fn sign(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    s: &Signed,
    now: DateTime<Utc>,
) -> Result<(PaymentMethod, Mandate)> {
    let creditor = {
        let mut conn = pool.acquire().await?;
        if db::reference_taken(&mut conn, tenant, &s.reference).await? {
            return Err(Error::Duplicate { resource: "SEPA mandate", code: s.reference.clone() });
        }
        creditor(&mut conn, tenant)
            .await?
            .ok_or_else(|| Error::invalid("sepa_creditor_id", "the merchant has no SEPA creditor identifier"))?
    };
    // The acceptance, for providers that keep it with the mandate (Stripe's `mandate_data`).
    let acceptance = match (&s.client_address, &s.user_agent) {
        (Some(ip), Some(ua)) => {
            Some(MandateAcceptance { accepted_at: now, ip_address: ip.clone(), user_agent: ua.clone() })
        }
        _ => None,
    };
    let method =
        match payments::add_sepa_mandate(pool, tenant, customer, gateways, s.iban.clone(), acceptance, now).await? {
            AddedMethod::Ready(m) => m,
            AddedMethod::RequiresAction(_) => {
                return Err(Error::invalid("iban", "this payment provider needs its own page to sign a mandate"));
            }
        };
    let mandate = Mandate {
        id: uuid::Uuid::now_v7(),
        customer_id: customer.0,
        payment_method_id: method.id,
        reference: s.reference.clone(),
        creditor_id: creditor.id,
        creditor_name: creditor.name,
        account_holder: s.account_holder.clone(),
        iban: s.iban.clone(),
        text_version: crate::sepa::MANDATE_TEXT_VERSION.to_owned(),
        text_locale: s.locale.clone(),
        mandate_text: s.text.clone(),
        signed_at: now,
        client_address: s.client_address.clone(),
        user_agent: s.user_agent.clone(),
        status: "active".into(),
        ended_at: None,
        end_reason: None,
        prenotification_days: s.prenotification_days,
    };
    let mut conn = pool.acquire().await?;
    db::insert(&mut conn, tenant, &mandate).await?;
    Ok((method, mandate))
}

/// The merchant's pre-notification period for mandates signed in the portal from now on
/// (`None`: the rulebook's 14 days; checked by the caller with `crate::sepa::prenotification_days`).
pub async fn set_default_period(conn: &mut PgConnection, tenant: TenantId, days: Option<i16>) -> Result<()> {
    db::set_tenant_period(conn, tenant, days).await
}

pub async fn default_period(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<i16>> {
    db::tenant_period(conn, tenant).await
}

/// A mandate the merchant holds (signed on paper or on the merchant's own site), registered
/// through the API: what it says, as the merchant gives it.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The IBAN as typed (checked here).
    pub iban: String,
    pub account_holder: String,
    /// The merchant's reference; `None`: one is made (`MDT-` and 16 hexadecimal digits).
    pub reference: Option<String>,
    /// The text the customer agreed to.
    pub text: String,
    /// The language of the text (a supported tag); `None`: the customer's language.
    pub locale: Option<String>,
    pub prenotification_days: Option<i16>,
}

/// Registers a mandate the merchant holds: checked (IBAN, holder, reference, text), then stored
/// as [`sign`] stores one signed in the portal (the method at the tenant's default gateway, the
/// customer's default; the mandate naming it).
pub async fn register(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    r: &Registration,
    now: DateTime<Utc>,
) -> Result<(PaymentMethod, Mandate)> {
    let iban = crate::sepa::parse_iban(&r.iban)
        .map_err(|e| Error::invalid("iban", format!("not a valid SEPA IBAN ({})", e.code())))?;
    let account_holder = parse_holder(&r.account_holder)?;
    let reference = match &r.reference {
        Some(text) => crate::sepa::parse_reference(text)?,
        None => crate::sepa::mandate_reference(tenant.0, &uuid::Uuid::now_v7().to_string()),
    };
    let text = r.text.trim();
    if text.is_empty() || crate::text::check(text).is_err() {
        return Err(Error::invalid(
            "mandate_text",
            "give the mandate's text as the customer agreed to it (up to 5000 characters)",
        ));
    }
    let locale = match r.locale.as_deref() {
        Some(tag) => crate::customer::match_locale(tag)
            .ok_or_else(|| Error::invalid("locale", "one of en, de, fr, zh-CN, es, it, nl, pl, pt-BR, ja"))?
            .to_owned(),
        None => {
            let mut conn = pool.acquire().await?;
            let c = store::customers::get(&mut conn, tenant, customer)
                .await?
                .ok_or_else(|| Error::not_found("customer", customer))?;
            c.locale
        }
    };
    let signed = Signed {
        iban,
        account_holder,
        reference,
        text: text.to_owned(),
        locale,
        client_address: None,
        user_agent: None,
        prenotification_days: r.prenotification_days,
    };
    sign(pool, tenant, customer, gateways, &signed, now).await
}

/// Who changes a mandate, for the audit log (`api:<key id>` through the API).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub staff: Option<uuid::Uuid>,
    pub actor: &'a str,
}

/// Changes the pre-notification period agreed with the customer's active mandate `id` (`None`:
/// back to the rulebook's 14 days), with a line in the audit log (before and after) in the
/// caller's transaction. Notices already queued keep the debit date they announced; the next
/// ones use the new period. Another customer's mandate is not found; an ended one is refused.
pub async fn set_period(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    days: Option<i16>,
    who: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Mandate> {
    let m = db::lock(conn, tenant, customer, id).await?.ok_or_else(|| Error::not_found("mandate", id))?;
    if m.status != "active" {
        return Err(Error::invalid("prenotification_days", "the mandate has ended: no debit follows under it"));
    }
    if m.prenotification_days == days {
        return Ok(m);
    }
    let changed = db::set_period(conn, tenant, id, days).await?;
    let entry = crate::service::staff::AuditEntry {
        staff: who.staff,
        actor: who.actor,
        action: "sepa_mandate.prenotification_days",
        outcome: "done",
        target: Some(format!("sepa_mandate:{id}")),
        customer: Some(customer),
        reason: None,
        before: Some(serde_json::json!({ "reference": m.reference, "prenotification_days": m.prenotification_days })),
        after: Some(
            serde_json::json!({ "reference": changed.reference, "prenotification_days": changed.prenotification_days }),
        ),
        client: None,
    };
    crate::service::staff::audit(conn, tenant, &entry, now).await?;
    Ok(changed)
}

/// The customer's mandate `id` (locked for the caller's transaction); another customer's, or
/// another tenant's, is not found.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId, id: uuid::Uuid) -> Result<Mandate> {
    db::lock(conn, tenant, customer, id).await?.ok_or_else(|| Error::not_found("mandate", id))
}

/// The customer's mandates, newest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<Mandate>> {
    db::for_customer(conn, tenant, customer).await
}

/// The customer's mandates for the API, newest first; another tenant's customer (or none) is not
/// found.
pub async fn of_customer(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<Mandate>> {
    store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    db::for_customer(conn, tenant, customer).await
}

/// Revokes the active mandate of the customer's method `payment_method`, which the customer is
/// removing (in the caller's transaction, the one that removes the method). The mandate ended,
/// or `None` when the method had none.
pub async fn revoke_for_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    payment_method: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Mandate>> {
    let Some(m) = db::active_for_method(conn, tenant, customer, payment_method).await? else { return Ok(None) };
    end(conn, tenant, m.id, "revoked", "payment_method_removed", now).await
}

/// Ends the active mandate `id` and, in the same transaction, queues what tells of it: the
/// merchant's `mandate.revoked` / `mandate.expired` event and the customer's mail (once: an
/// ended mandate stays ended, so a repeat queues nothing). `None` when it had ended already.
async fn end(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: uuid::Uuid,
    status: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Mandate>> {
    let Some(m) = db::end(conn, tenant, id, status, reason, now).await? else { return Ok(None) };
    let customer = CustomerId(m.customer_id);
    let iban_last4: String = {
        let tail: Vec<char> = m.iban.chars().rev().take(4).collect();
        tail.into_iter().rev().collect()
    };
    let message = if status == "expired" {
        OutboxMessage::MandateExpired {
            customer,
            mandate: m.id,
            reference: m.reference.clone(),
            creditor_id: m.creditor_id.clone(),
            iban_last4,
            ended_at: now,
        }
    } else {
        OutboxMessage::MandateRevoked {
            customer,
            mandate: m.id,
            reference: m.reference.clone(),
            creditor_id: m.creditor_id.clone(),
            iban_last4,
            reason: reason.to_string(),
            ended_at: now,
        }
    };
    store::outbox::enqueue(conn, tenant, &[message], now).await?;
    Ok(Some(m))
}

/// The merchant cancels the customer's mandate `id` (the API): it is revoked and its method
/// removed, even when it is the customer's only one (nothing may be debited without a mandate).
/// In the caller's transaction. An ended mandate is answered as it is, unchanged.
pub async fn cancel(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Mandate> {
    let m = db::lock(conn, tenant, customer, id).await?.ok_or_else(|| Error::not_found("mandate", id))?;
    if m.status != "active" {
        return Ok(m);
    }
    payments::remove_method_anyway(conn, tenant, customer, m.payment_method_id, now).await?;
    end(conn, tenant, id, "revoked", "cancelled_by_merchant", now).await?.ok_or_else(|| Error::not_found("mandate", id))
}

/// How long a mandate lives without a debit (SEPA Core rulebook: 36 months after the last one).
pub const UNUSED_MONTHS: u32 = 36;

/// Expires every active mandate with no debit in the [`UNUSED_MONTHS`] before `as_of` (counted
/// from its last payment attempt, else from its signing) and removes its payment method: it can
/// no longer be debited. Each mandate in its own transaction; safe to repeat. Returns how many.
pub async fn expire_unused(pool: &PgPool, as_of: chrono::NaiveDate, now: DateTime<Utc>) -> Result<u64> {
    let Some(cutoff) = as_of.checked_sub_months(chrono::Months::new(UNUSED_MONTHS)) else { return Ok(0) };
    let cutoff = cutoff.and_time(chrono::NaiveTime::MIN).and_utc();
    let candidates = db::unused_since(&mut *pool.acquire().await?, cutoff).await?;
    let mut expired = 0;
    for (tenant, customer, id) in candidates {
        let (tenant, customer) = (TenantId(tenant), CustomerId(customer));
        let mut conn = pool.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        if let Some(m) = db::lock(&mut tx, tenant, customer, id).await?
            && m.status == "active"
        {
            payments::remove_method_anyway(&mut tx, tenant, customer, m.payment_method_id, now).await?;
            if end(&mut tx, tenant, id, "expired", "unused_36_months", now).await?.is_some() {
                expired += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(expired)
}
