//! The mail job: fan the outbox out into mails, then claim due mails, render and send each with
//! the connection given back (the embedded database has only one; a mail server can be slow),
//! and record the outcome.

use std::time::SystemTime;

use billing_core::ids::{CustomerId, InvoiceId, TenantId};
use billing_core::mail::MailTemplate;
use billing_core::money::Money;
use billing_core::outbox::OutboxMessage;
use billing_core::store;
use billing_core::store::mail::{ClaimedMail, SendOutcome};
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use sqlx::{PgConnection, PgPool};

use super::config::MailConfig;
use super::render::{Brand, Facts, render};
use super::transport::Outgoing;
use crate::i18n::Locale;

/// The configured way out and its settings.
#[derive(Debug)]
pub struct Mailer {
    pub config: MailConfig,
    pub outgoing: Outgoing,
}

impl Mailer {
    pub fn new(config: &MailConfig, embedded_dir: &std::path::Path) -> anyhow::Result<Self> {
        Ok(Self { config: config.clone(), outgoing: Outgoing::from_config(config, embedded_dir)? })
    }
}

/// What one run of the mail job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailRun {
    pub messages: u64,
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub suppressed: u64,
}

/// Runs the mail job once at `now`: everything due is sent or rescheduled. Safe with other
/// workers on the same database at the same time (`SKIP LOCKED` and timed claims).
pub async fn run(pool: &PgPool, mailer: &Mailer, now: DateTime<Utc>) -> anyhow::Result<MailRun> {
    let mut out = MailRun::default();
    loop {
        let mut conn = pool.acquire().await?;
        let f = billing_core::service::delivery::fan_out(&mut conn, mailer.config.message_domain(), now, 500).await?;
        drop(conn);
        out.messages += f.messages;
        if f.messages == 0 {
            break;
        }
    }
    loop {
        let claimed = {
            let mut conn = pool.acquire().await?;
            store::mail::claim(&mut conn, now, mailer.config.claim_secs, i64::from(mailer.config.batch)).await?
        };
        if claimed.is_empty() {
            break;
        }
        for mail in &claimed {
            let outcome = send_one(pool, mailer, mail, now).await;
            match &outcome {
                SendOutcome::Sent => out.sent += 1,
                SendOutcome::Retry(e) => {
                    tracing::warn!(mail = %mail.id, attempt = mail.attempts, error = %e, "mail not sent; retried later");
                    out.retried += 1
                }
                SendOutcome::Bounced(e) => {
                    tracing::warn!(mail = %mail.id, error = %e, "mail refused; address suppressed");
                    out.failed += 1
                }
                SendOutcome::Suppressed => out.suppressed += 1,
            }
            let mut conn = pool.acquire().await?;
            store::mail::finish(&mut conn, mail, now, &outcome, now).await?;
        }
    }
    Ok(out)
}

async fn send_one(pool: &PgPool, mailer: &Mailer, mail: &ClaimedMail, now: DateTime<Utc>) -> SendOutcome {
    let message = {
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => return SendOutcome::Retry(format!("database: {e}")),
        };
        match store::mail::is_suppressed(&mut conn, mail.tenant_id, &mail.to_address).await {
            Ok(true) => return SendOutcome::Suppressed,
            Ok(false) => {}
            Err(e) => return SendOutcome::Retry(format!("database: {e}")),
        }
        match compose(&mut conn, mailer, mail, now).await {
            Ok(m) => m,
            Err(Composed::Invalid(e)) => return SendOutcome::Bounced(e),
            Err(Composed::Later(e)) => return SendOutcome::Retry(e),
        }
        // The connection goes back here, before the mail server is contacted.
    };
    let stem = format!("{}-{}-{}", mail.created_at.format("%Y%m%dT%H%M%S"), mail.template, mail.id.simple());
    mailer.outgoing.send(message, &stem).await
}

enum Composed {
    /// The mail can never be made (an address lettre refuses).
    Invalid(String),
    /// Rendering failed for now (database, a missing document).
    Later(String),
}

/// The tenant's brand for mails.
pub async fn brand(conn: &mut PgConnection, tenant: TenantId, config: &MailConfig) -> billing_core::Result<Brand> {
    let t = store::tenants::get(conn, tenant)
        .await?
        .ok_or_else(|| billing_core::Error::NotFound { resource: "tenant", id: tenant.to_string() })?;
    let (sender_name, reply_to) = store::tenants::mail_identity(conn, tenant).await?;
    // An uploaded logo is served by `billing serve` at the portal's /logo (docs/adr/0039).
    let uploaded = billing_core::service::portal_options::logo_meta(conn, tenant).await?;
    let logo_url = match uploaded {
        Some(l) => Some(format!(
            "{}/p/{}/logo?v={}",
            config.public_url.trim_end_matches('/'),
            t.slug,
            l.sha256.get(..12).unwrap_or(&l.sha256)
        )),
        None => t.profile.logo_url.clone(),
    };
    Ok(Brand {
        sender_name: sender_name.unwrap_or_else(|| t.name.clone()),
        reply_to,
        color: t.profile.brand_color.clone(),
        logo_url,
        portal_url: format!("{}/p/{}", config.public_url.trim_end_matches('/'), t.slug),
        name: t.name,
    })
}

/// The facts a message's mail speaks of, read from the tenant's records.
pub async fn facts(conn: &mut PgConnection, tenant: TenantId, message: &OutboxMessage) -> billing_core::Result<Facts> {
    let mut f = Facts::default();
    let (invoice, customer): (Option<InvoiceId>, Option<CustomerId>) = match message {
        OutboxMessage::InvoiceFinalized { invoice, .. }
        | OutboxMessage::InvoicePaid { invoice, .. }
        | OutboxMessage::CreditNoteIssued { invoice, .. }
        | OutboxMessage::InvoicePaymentReceived { invoice, .. }
        | OutboxMessage::InvoiceVoided { invoice }
        | OutboxMessage::InvoiceMarkedUncollectible { invoice }
        | OutboxMessage::InvoiceRefunded { invoice, .. }
        | OutboxMessage::PaymentSucceeded { invoice, .. } => (Some(*invoice), None),
        OutboxMessage::PaymentFailed { invoice, next_attempt_at, .. } => {
            f.date = next_attempt_at.map(|d| d.date_naive());
            f.needs_new_method = next_attempt_at.is_none();
            (Some(*invoice), None)
        }
        OutboxMessage::DunningStep { invoice, customer, step, action, .. } => {
            f.step = Some(*step);
            f.dunning_action = Some(action.clone());
            // Never charged: the reminder asks for a transfer to the merchant's account (ADR 0047).
            f.overdue = store::dunning::never_charged(conn, tenant, invoice.0).await?;
            if f.overdue {
                f.bank = store::bank::account(conn, tenant).await?.map(|a| (a.holder, a.iban, a.bic));
            }
            let charges = store::dunning::charges(conn, tenant.0, invoice.0).await?;
            let step = i32::try_from(*step).unwrap_or(i32::MAX);
            for c in charges.iter().filter(|c| c.step == step) {
                let currency = billing_core::currency::Currency::from_code(c.currency.trim())?;
                f.charges.push(super::render::ChargeFact {
                    kind: c.kind.clone(),
                    amount: Money::from_minor(c.amount, currency),
                    period: c.period_start.zip(c.period_end),
                    days: c.period_start.zip(c.period_end).map(|(a, b)| (b - a).num_days() + 1),
                    rate: c.rate,
                });
                if f.charges_number.is_none() {
                    let doc = store::invoices::get(conn, tenant, InvoiceId(c.charge_invoice_id)).await?;
                    f.charges_number = doc.and_then(|d| d.number);
                }
            }
            (Some(*invoice), Some(*customer))
        }
        OutboxMessage::DebitUpcoming { invoice, customer, debit_on, mandate_reference, creditor_id, .. } => {
            f.date = Some(*debit_on);
            f.mandate_reference = mandate_reference.clone();
            f.creditor_id = creditor_id.clone();
            (Some(*invoice), Some(*customer))
        }
        OutboxMessage::CardExpiring { customer, expires, last4 } => {
            f.date = Some(*expires);
            f.last4 = last4.clone();
            (None, Some(*customer))
        }
        OutboxMessage::TrialEnding { customer, trial_end: date, .. }
        | OutboxMessage::RenewalUpcoming { customer, renews_on: date, .. }
        | OutboxMessage::SubscriptionCanceled { customer, effective: date, .. } => {
            f.date = Some(*date);
            (None, Some(*customer))
        }
        OutboxMessage::SubscriptionChanged { customer, .. }
        | OutboxMessage::CustomerCreated { customer, .. }
        | OutboxMessage::CustomerUpdated { customer, .. }
        | OutboxMessage::SubscriptionCreated { customer, .. }
        | OutboxMessage::SubscriptionPaused { customer, .. }
        | OutboxMessage::SubscriptionResumed { customer, .. }
        | OutboxMessage::SubscriptionReactivated { customer, .. }
        | OutboxMessage::SubscriptionCancellationWithdrawn { customer, .. } => (None, Some(*customer)),
        OutboxMessage::InvoiceRunCompleted { .. } | OutboxMessage::WebhookEndpointDisabled { .. } => (None, None),
        OutboxMessage::SignInLink { customer_id, url, expires_at, .. } => {
            f.url = Some(url.clone());
            f.expires_at = Some(*expires_at);
            (None, Some(*customer_id))
        }
        OutboxMessage::MandateRevoked { customer, reference, creditor_id, iban_last4, ended_at, .. }
        | OutboxMessage::MandateExpired { customer, reference, creditor_id, iban_last4, ended_at, .. } => {
            f.date = Some(ended_at.date_naive());
            f.last4 = Some(iban_last4.clone());
            f.mandate_reference = Some(reference.clone());
            f.creditor_id = Some(creditor_id.clone());
            f.mandate_end = Some(
                if matches!(message, OutboxMessage::MandateExpired { .. }) { "expired" } else { "revoked" }.into(),
            );
            (None, Some(*customer))
        }
        OutboxMessage::Welcome { customer, url } => {
            f.url = Some(url.clone());
            (None, Some(*customer))
        }
        OutboxMessage::BillingQuestionReplied { question, customer } => {
            let thread = billing_core::service::billing_questions::thread(conn, tenant, *question).await?;
            f.text = thread.messages.iter().rev().find(|m| m.author == "staff").map(|m| m.body.clone());
            f.question_path = Some(format!("/help/questions/{question}"));
            (None, Some(*customer))
        }
    };
    let mut customer = customer;
    if let Some(id) = invoice {
        let inv = store::invoices::get(conn, tenant, id)
            .await?
            .ok_or_else(|| billing_core::Error::NotFound { resource: "invoice", id: id.to_string() })?;
        f.number = inv.number.clone();
        f.due_date = inv.due_date;
        let due = inv.total.minor() - inv.amount_paid.minor() - inv.amount_credited.minor();
        f.amount = Some(match message {
            // What was paid or tried, not what is due when the mail goes out (it may be paid by then).
            OutboxMessage::InvoicePaid { amount, .. }
            | OutboxMessage::DebitUpcoming { amount, .. }
            | OutboxMessage::PaymentFailed { amount, .. } => *amount,
            OutboxMessage::DunningStep { .. } => Money::from_minor(due.max(0), inv.currency),
            _ => Money::from_minor(inv.total.minor().abs(), inv.currency),
        });
        customer = customer.or(Some(inv.customer_id));
        f.customer_name = inv.customer_name.clone();
    }
    if let Some(id) = customer
        && f.customer_name.is_empty()
    {
        f.customer_name = store::customers::name(conn, tenant, id).await?.unwrap_or_default();
    }
    Ok(f)
}

async fn compose(
    conn: &mut PgConnection,
    mailer: &Mailer,
    mail: &ClaimedMail,
    now: DateTime<Utc>,
) -> Result<Message, Composed> {
    let later = |e: &dyn std::fmt::Display| Composed::Later(e.to_string());
    let template =
        MailTemplate::parse(&mail.template).ok_or_else(|| later(&format!("unknown template {}", mail.template)))?;
    let message: OutboxMessage =
        serde_json::from_value(mail.payload.clone()).map_err(|e| later(&format!("payload: {e}")))?;
    let locale = Locale::negotiate_tag(&mail.locale).unwrap_or(Locale::FALLBACK);
    let brand = brand(conn, mail.tenant_id, &mailer.config).await.map_err(|e| later(&e))?;
    let mut facts = facts(conn, mail.tenant_id, &message).await.map_err(|e| later(&e))?;
    // The retry the mail promises is the one dunning will make as things stand when it is sent
    // (or sent again): a pause staff took since the failure moves it or stops it (docs/adr/0045).
    if let OutboxMessage::PaymentFailed { invoice, next_attempt_at: Some(at), .. } = &message {
        use billing_core::service::dunning_pauses::{RetryPromise, retry_promise};
        match retry_promise(conn, mail.tenant_id, *invoice, *at, now.date_naive()).await.map_err(|e| later(&e))? {
            RetryPromise::On(day) => facts.date = Some(day.date_naive()),
            RetryPromise::Paused => {
                facts.date = None;
                facts.retry_paused = true;
            }
        }
    }
    let rendered = render(template, locale, &brand, &facts).map_err(|e| later(&e))?;
    let attachment = match (template, &message) {
        (MailTemplate::InvoiceIssued, OutboxMessage::InvoiceFinalized { invoice, .. })
        | (MailTemplate::CreditNoteIssued, OutboxMessage::CreditNoteIssued { invoice, .. }) => Some(
            crate::pdf::render_invoice(conn, mail.tenant_id, *invoice, Some(locale)).await.map_err(|e| later(&e))?,
        ),
        _ => None,
    };
    let invalid = |e: &dyn std::fmt::Display| Composed::Invalid(e.to_string());
    let from = Mailbox::new(Some(brand.sender_name.clone()), mailer.config.from.parse().map_err(|e| later(&e))?);
    let to_name = Some(facts.customer_name.clone()).filter(|n| !n.is_empty());
    let to = Mailbox::new(to_name, mail.to_address.parse().map_err(|e| invalid(&e))?);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(mail.message_id.clone()))
        .date(SystemTime::from(mail.created_at));
    if let Some(reply_to) = brand.reply_to.as_deref().and_then(|r| r.parse().ok()) {
        builder = builder.reply_to(Mailbox::new(None, reply_to));
    }
    let alternative = MultiPart::alternative_plain_html(rendered.text, rendered.html);
    let body = match attachment {
        None => alternative,
        Some(doc) => MultiPart::mixed().multipart(alternative).singlepart(
            Attachment::new(doc.file_name)
                .body(doc.bytes, ContentType::parse("application/pdf").map_err(|e| later(&e))?),
        ),
    };
    builder.multipart(body).map_err(|e| later(&e))
}
