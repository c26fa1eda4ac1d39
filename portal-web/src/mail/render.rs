//! Rendering a mail: the facts it speaks of (loaded from the database, or a sample for the
//! preview API), Fluent strings of the `mail` area in the recipient's language, amounts and
//! dates through `crate::i18n::format`, and one askama layout for HTML and one for text, branded
//! with the tenant's name, colour and logo.

use askama::Template;
use billing_core::mail::MailTemplate;
use billing_core::money::Money;
use chrono::{DateTime, NaiveDate, Utc};

use crate::i18n::{I18n, Locale, format};

/// The tenant's look and sender identity.
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub logo_url: Option<String>,
    /// The `From` display name (default: the tenant's name).
    pub sender_name: String,
    pub reply_to: Option<String>,
    /// Where the customer acts (pays, updates a card): the portal of this tenant.
    pub portal_url: String,
}

/// What a mail speaks of; each template uses the facts it needs.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub customer_name: String,
    pub number: Option<String>,
    pub amount: Option<Money>,
    pub due_date: Option<NaiveDate>,
    /// The date the mail announces: next retry, trial end, renewal, cancellation, card expiry,
    /// debit date.
    pub date: Option<NaiveDate>,
    pub last4: Option<String>,
    /// A dunning step's number (1 = first reminder).
    pub step: Option<u32>,
    /// A link the mail carries itself (the sign-in link).
    pub url: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the customer must act (a hard decline): no automatic retry follows.
    pub needs_new_method: bool,
    /// Staff paused the invoice's dunning until further notice: no retry date is promised
    /// (docs/adr/0045).
    pub retry_paused: bool,
    /// A text the mail quotes (the merchant's answer to a billing question).
    pub text: Option<String>,
    /// A page of the portal the mail links to, below the portal's root.
    pub question_path: Option<String>,
    /// A dunning step's action (`email`, `late_fee`, `first_notice`, ...); `None` reads as `email`.
    pub dunning_action: Option<String>,
    /// What the dunning step charged (late fee, interest pieces, flat fee), and the number of
    /// the invoice that carries the charges.
    pub charges: Vec<ChargeFact>,
    pub charges_number: Option<String>,
    /// A SEPA debit's mandate reference and the creditor identifier (the pre-notification).
    pub mandate_reference: Option<String>,
    pub creditor_id: Option<String>,
    /// A dunning reminder on an invoice never charged (overdue from its due date, docs/adr/0047):
    /// it asks for a transfer or a payment in the portal instead of speaking of a failed charge.
    pub overdue: bool,
    /// The merchant's receiving account the overdue reminder names: holder, IBAN, BIC.
    pub bank: Option<(String, String, Option<String>)>,
    /// How a SEPA mandate ended: `revoked` or `expired` (docs/adr/0044).
    pub mandate_end: Option<String>,
}

/// One charge of a dunning step, as the step mail shows it.
#[derive(Debug, Clone)]
pub struct ChargeFact {
    /// `late_fee`, `interest` or `flat_fee`.
    pub kind: String,
    pub amount: Money,
    /// Interest: the days from and to (both counted), how many, and the annual rate in percent.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub days: Option<i64>,
    pub rate: Option<rust_decimal::Decimal>,
}

/// A rendered mail.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub lang: &'static str,
}

#[derive(Template)]
#[template(path = "mail/layout.html")]
struct Html<'a> {
    lang: &'a str,
    subject: &'a str,
    brand: &'a Brand,
    heading: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    facts: &'a [(String, String)],
    action: &'a Option<(String, String)>,
    signoff: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/layout.txt")]
struct Text<'a> {
    brand: &'a Brand,
    heading: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    /// `label: value` as the language writes it (French puts a space before the colon).
    lines: &'a [String],
    action_line: &'a Option<String>,
    signoff: &'a str,
    footer: &'a str,
}

/// The Fluent id prefix of a template (`invoice_issued` -> `mail-invoice-issued`); a dunning
/// step other than a plain reminder has its own texts (`first_notice` -> `mail-dunning-first-notice`).
fn prefix(template: MailTemplate, facts: &Facts) -> String {
    match facts.dunning_action.as_deref() {
        Some(action) if template == MailTemplate::DunningStep && action != "email" => {
            format!("mail-dunning-{}", action.replace('_', "-"))
        }
        // The plain reminder on an invoice never charged: overdue, pay by transfer or in the portal.
        _ if template == MailTemplate::DunningStep && facts.overdue => "dunning-due".to_string(),
        // A mandate's end has its texts under the portal's mandate keys, one set per way it ends.
        _ if template == MailTemplate::MandateEnded => {
            format!(
                "portal-mandate-end-{}",
                if facts.mandate_end.as_deref() == Some("expired") { "expired" } else { "revoked" }
            )
        }
        _ => format!("mail-{}", template.as_str().replace('_', "-")),
    }
}

/// Renders `template` for `facts` in `locale`.
pub fn render(template: MailTemplate, locale: Locale, brand: &Brand, facts: &Facts) -> anyhow::Result<Rendered> {
    let i18n = I18n::global();
    let t = |id: &str, args: &[(&str, String)]| i18n.text(locale, id, args);
    let p = prefix(template, facts);
    let number = facts.number.clone().unwrap_or_default();
    let amount = facts.amount.map(|m| format::money(m, locale)).unwrap_or_default();
    let due = facts.due_date.map(|d| format::date_long(d, locale)).unwrap_or_default();
    let date = facts.date.map(|d| format::date_long(d, locale)).unwrap_or_default();
    let expires = facts
        .expires_at
        .map(|e| format!("{} {} UTC", format::date_long(e.date_naive(), locale), e.format("%H:%M")))
        .unwrap_or_default();
    let args: Vec<(&str, String)> = vec![
        ("tenant", brand.name.clone()),
        ("name", facts.customer_name.clone()),
        ("number", number.clone()),
        ("amount", amount.clone()),
        ("due", due.clone()),
        ("date", date.clone()),
        ("last4", facts.last4.clone().unwrap_or_default()),
        ("step", facts.step.unwrap_or(1).to_string()),
        ("expires", expires),
        ("reference", facts.mandate_reference.clone().unwrap_or_default()),
    ];
    let subject = t(&format!("{p}-subject"), &args);
    let heading = t(&format!("{p}-heading"), &args);
    let mut paragraphs = vec![t(&format!("{p}-body"), &args)];
    let mut facts_table: Vec<(String, String)> = Vec::new();
    let fact = |id: &str, value: &str| (t(id, &[]), value.to_string());
    let mut action = None;
    let portal = brand.portal_url.clone();
    match template {
        MailTemplate::InvoiceIssued | MailTemplate::CreditNoteIssued => {
            facts_table.push(fact("mail-fact-number", &number));
            facts_table.push(fact("mail-fact-amount", &amount));
            if template == MailTemplate::InvoiceIssued && facts.due_date.is_some() {
                facts_table.push(fact("mail-fact-due-date", &due));
            }
            action = Some((t("mail-action-view", &[]), portal));
        }
        MailTemplate::PaymentReceipt => {
            facts_table.push(fact("mail-fact-number", &number));
            facts_table.push(fact("mail-fact-amount-paid", &amount));
        }
        MailTemplate::PaymentFailed => {
            paragraphs.push(if facts.retry_paused {
                t("console-gap-mail-payment-failed-paused", &args)
            } else if facts.needs_new_method || facts.date.is_none() {
                t("mail-payment-failed-update", &args)
            } else {
                t("mail-payment-failed-retry", &args)
            });
            facts_table.push(fact("mail-fact-number", &number));
            facts_table.push(fact("mail-fact-amount-due", &amount));
            action = Some((t("mail-action-update-method", &[]), portal));
        }
        MailTemplate::DunningStep => {
            facts_table.push(fact("mail-fact-number", &number));
            facts_table.push(fact("mail-fact-amount-due", &amount));
            if facts.due_date.is_some() {
                facts_table.push(fact("mail-fact-due-date", &due));
            }
            let mut owed = facts.amount;
            for c in &facts.charges {
                let label = match (c.kind.as_str(), c.period, c.days, c.rate) {
                    ("interest", Some((from, to)), Some(days), Some(rate)) => t(
                        "mail-fact-interest",
                        &[
                            ("rate", format::percent(rate, locale)),
                            ("from", format::date(from, locale)),
                            ("to", format::date(to, locale)),
                            ("days", days.to_string()),
                        ],
                    ),
                    ("flat_fee", ..) => t("mail-fact-flat-fee", &[]),
                    _ => t("mail-fact-late-fee", &[]),
                };
                facts_table.push((label, format::money(c.amount, locale)));
                owed = owed.and_then(|o| o.checked_add(c.amount).ok());
            }
            if !facts.charges.is_empty() {
                paragraphs.push(t("mail-dunning-charges-explained", &args));
                if let Some(n) = &facts.charges_number {
                    facts_table.push(fact("mail-fact-charges-invoice", n));
                }
                if let Some(owed) = owed {
                    facts_table.push(fact("mail-fact-total-owed", &format::money(owed, locale)));
                }
            }
            if facts.overdue && facts.dunning_action.as_deref().is_none_or(|a| a == "email") {
                match &facts.bank {
                    Some((holder, iban, bic)) => {
                        paragraphs.push(t("dunning-due-transfer", &args));
                        facts_table.push(fact("dunning-due-fact-holder", holder));
                        facts_table.push(fact("dunning-due-fact-iban", iban));
                        if let Some(bic) = bic {
                            facts_table.push(fact("dunning-due-fact-bic", bic));
                        }
                        facts_table.push(fact("dunning-due-fact-reference", &number));
                    }
                    None => paragraphs.push(t("dunning-due-portal", &args)),
                }
            }
            action = Some((t("mail-action-pay", &[]), portal));
        }
        MailTemplate::CardExpiring => action = Some((t("mail-action-update-method", &[]), portal)),
        MailTemplate::MandateEnded => {
            if let Some(r) = &facts.mandate_reference {
                facts_table.push(fact("mail-sepa-fact-mandate-reference", r));
            }
            if let Some(c) = &facts.creditor_id {
                facts_table.push(fact("mail-sepa-fact-creditor-id", c));
            }
            facts_table.push(fact(
                "portal-mandate-end-fact-iban",
                &format!("•••• {}", facts.last4.clone().unwrap_or_default()),
            ));
            facts_table.push(fact("portal-mandate-end-fact-date", &date));
            action = Some((t("mail-action-update-method", &[]), portal));
        }
        MailTemplate::TrialEnding | MailTemplate::RenewalNotice | MailTemplate::SubscriptionChanged => {
            action = Some((t("mail-action-manage", &[]), portal))
        }
        MailTemplate::SubscriptionCanceled => {}
        MailTemplate::DebitNotice => {
            facts_table.push(fact("mail-fact-number", &number));
            facts_table.push(fact("mail-fact-amount", &amount));
            facts_table.push(fact("mail-fact-debit-date", &date));
            if let Some(r) = &facts.mandate_reference {
                facts_table.push(fact("mail-sepa-fact-mandate-reference", r));
            }
            if let Some(c) = &facts.creditor_id {
                facts_table.push(fact("mail-sepa-fact-creditor-id", c));
            }
        }
        MailTemplate::SignInLink => {
            paragraphs.push(t("mail-sign-in-link-ignore", &args));
            action = facts.url.clone().map(|url| (t("mail-action-sign-in", &[]), url));
        }
        MailTemplate::Welcome => {
            paragraphs.push(t("mail-welcome-portal", &args));
            action = Some((t("mail-welcome-action", &[]), facts.url.clone().unwrap_or(portal)));
        }
        MailTemplate::BillingQuestionReply => {
            // The answer itself, as the merchant wrote it, one paragraph per paragraph.
            if let Some(text) = &facts.text {
                paragraphs.extend(text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string));
            }
            let url = format!("{portal}{}", facts.question_path.as_deref().unwrap_or("/help"));
            action = Some((t("mail-action-view-question", &[]), url));
        }
    }
    let greeting =
        if facts.customer_name.is_empty() { t("mail-greeting-anonymous", &[]) } else { t("mail-greeting", &args) };
    let signoff = t("mail-signoff", &[]);
    let footer = t("mail-footer", &args);
    let html = Html {
        lang: locale.tag(),
        subject: &subject,
        brand,
        heading: &heading,
        greeting: &greeting,
        paragraphs: &paragraphs,
        facts: &facts_table,
        action: &action,
        signoff: &signoff,
        footer: &footer,
    }
    .render()?;
    let line =
        |label: &str, value: &str| t("mail-text-line", &[("label", label.to_string()), ("value", value.to_string())]);
    let lines: Vec<String> = facts_table.iter().map(|(l, v)| line(l, v)).collect();
    let action_line = action.as_ref().map(|(l, u)| line(l, u));
    let text = Text {
        brand,
        heading: &heading,
        greeting: &greeting,
        paragraphs: &paragraphs,
        lines: &lines,
        action_line: &action_line,
        signoff: &signoff,
        footer: &footer,
    }
    .render()?;
    Ok(Rendered { subject, text, html, lang: locale.tag() })
}

/// Sample facts for the preview API.
pub fn sample_facts(template: MailTemplate, now: DateTime<Utc>) -> Facts {
    let today = now.date_naive();
    let eur = |minor| Some(Money::from_minor(minor, billing_core::currency::Currency::EUR));
    let mut f = Facts { customer_name: "Ana Example".into(), ..Facts::default() };
    match template {
        MailTemplate::InvoiceIssued | MailTemplate::DunningStep | MailTemplate::DebitNotice => {
            if template == MailTemplate::DebitNotice {
                f.mandate_reference = Some("MDT-0123456789ABCDEF".into());
                f.creditor_id = Some("DE98ZZZ09999999999".into());
            }
            f.number = Some("INV-2026-000042".into());
            f.amount = eur(11_900);
            f.due_date = Some(today + chrono::Duration::days(14));
            f.date = Some(today + chrono::Duration::days(14));
            f.step = Some(1);
        }
        MailTemplate::PaymentReceipt | MailTemplate::PaymentFailed => {
            f.number = Some("INV-2026-000042".into());
            f.amount = eur(11_900);
            f.date = Some(today + chrono::Duration::days(3));
        }
        MailTemplate::CreditNoteIssued => {
            f.number = Some("CN-2026-000007".into());
            f.amount = eur(2_380);
        }
        MailTemplate::MandateEnded => {
            f.last4 = Some("3000".into());
            f.date = Some(today);
            f.mandate_reference = Some("MDT-0123456789ABCDEF".into());
            f.creditor_id = Some("DE98ZZZ09999999999".into());
            f.mandate_end = Some("revoked".into());
        }
        MailTemplate::CardExpiring => {
            f.last4 = Some("4242".into());
            f.date = Some(today + chrono::Duration::days(30));
        }
        MailTemplate::TrialEnding
        | MailTemplate::RenewalNotice
        | MailTemplate::SubscriptionChanged
        | MailTemplate::SubscriptionCanceled => f.date = Some(today + chrono::Duration::days(7)),
        MailTemplate::SignInLink => {
            f.url = Some("https://billing.example/portal/sign-in/sample".into());
            f.expires_at = Some(now + chrono::Duration::minutes(15));
        }
        MailTemplate::Welcome => f.url = Some("https://billing.example/p/acme".into()),
        MailTemplate::BillingQuestionReply => {
            f.text = Some("Thank you for asking. The second charge was the prorated upgrade of 11 March.".into());
            f.question_path = Some("/help".into());
        }
    }
    f
}
