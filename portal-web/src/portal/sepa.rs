//! SEPA Direct Debit mandates in the portal (docs/adr/0040): the form on the payment methods page
//! and on the checkout's payment step. The mandate text (the tenant's creditor name and creditor
//! identifier, the mandate reference, the customer's rights) is on the form itself, above the
//! button that confirms it, so it is read before anything is signed, with or without
//! JavaScript. The reference is derived from the form's once-only nonce
//! (`billing_core::sepa::mandate_reference`): the page shows it and the confirmation stores the
//! same one. The IBAN is checked as typed; a wrong one is refused with a message tied to the
//! field and nothing is stored.

use billing_core::sepa::{self, IbanError};
use billing_core::service::sepa_mandates::{self, Creditor, Signed};

use super::ctx::Portal;
use crate::i18n::I18n;
use crate::web::error::PageResult;

/// The mandate form as a page shows it.
pub struct SepaView {
    pub creditor_line: String,
    pub reference_line: String,
    pub text: String,
    pub rights: String,
    /// The pre-notification period the merchant's terms agree, when they agree one
    /// (docs/adr/0048): part of the mandate's text.
    pub period_line: Option<String>,
    pub iban: String,
    pub holder: String,
    pub iban_error: Option<String>,
    pub holder_error: Option<String>,
}

/// The mandate's text and the rights text for `reference`, in the page's language.
pub fn mandate_texts(ctx: &Portal, creditor: &Creditor) -> (String, String) {
    let i18n = I18n::global();
    let text = i18n.text(ctx.lang(), "portal-sepa-mandate-text", &[("creditor", creditor.name.clone())]);
    (text, ctx.t("portal-sepa-mandate-rights"))
}

/// The sentence that states the agreed pre-notification period, in the page's language.
pub fn period_line(ctx: &Portal, days: i16) -> String {
    let key = if days == 1 { "sepa-period-mandate-line-one" } else { "sepa-period-mandate-line" };
    ctx.chrome.t1(key, "days", &days.to_string())
}

/// Everything the customer reads before confirming, as one text: what is stored with the mandate.
fn stored_text(ctx: &Portal, creditor: &Creditor, reference: &str) -> String {
    let v = view_for(ctx, creditor, reference);
    let mut text = format!("{}\n{}\n\n{}\n\n{}", v.creditor_line, v.reference_line, v.text, v.rights);
    if let Some(line) = v.period_line {
        text.push_str("\n\n");
        text.push_str(&line);
    }
    text
}

/// The form for a mandate signed with the form `nonce`.
pub fn view(ctx: &Portal, creditor: &Creditor, nonce: &str) -> SepaView {
    view_for(ctx, creditor, &sepa::mandate_reference(ctx.tenant.id.0, nonce))
}

fn view_for(ctx: &Portal, creditor: &Creditor, reference: &str) -> SepaView {
    let (text, rights) = mandate_texts(ctx, creditor);
    SepaView {
        creditor_line: ctx.chrome.t2("portal-sepa-creditor", "name", &creditor.name, "id", &creditor.id),
        reference_line: ctx.chrome.t1("portal-sepa-reference", "reference", reference),
        text,
        rights,
        period_line: creditor.prenotification_days.map(|d| period_line(ctx, d)),
        iban: String::new(),
        holder: String::new(),
        iban_error: None,
        holder_error: None,
    }
}

/// The tenant's creditor, when it takes SEPA mandates.
pub async fn creditor(ctx: &Portal) -> PageResult<Option<Creditor>> {
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(sepa_mandates::creditor(&mut conn, ctx.tenant.id).await?)
}

/// The localized message for a refused IBAN.
pub fn iban_message(ctx: &Portal, e: &IbanError) -> String {
    let i18n = I18n::global();
    match e {
        IbanError::Shape => ctx.t("portal-sepa-iban-shape"),
        IbanError::Checksum => ctx.t("portal-sepa-iban-checksum"),
        IbanError::Country { country } => {
            i18n.text(ctx.lang(), "portal-sepa-iban-country", &[("country", country.clone())])
        }
        IbanError::Length { country, expected, got } => i18n.text(
            ctx.lang(),
            "portal-sepa-iban-length",
            &[("country", country.clone()), ("expected", expected.to_string()), ("got", got.to_string())],
        ),
    }
}

/// What the customer typed, with the fields' messages, for showing the form again.
#[derive(Default)]
pub struct Typed {
    pub iban: String,
    pub holder: String,
    pub iban_error: Option<String>,
    pub holder_error: Option<String>,
}

impl SepaView {
    pub fn with(mut self, t: Typed) -> Self {
        self.iban = t.iban;
        self.holder = t.holder;
        self.iban_error = t.iban_error;
        self.holder_error = t.holder_error;
        self
    }
}

/// The typed IBAN and holder checked: `Ok((iban, holder))`, or what to show again.
pub fn check(ctx: &Portal, iban: &str, holder: &str) -> Result<(String, String), Typed> {
    match (sepa::parse_iban(iban), sepa_mandates::parse_holder(holder)) {
        (Ok(i), Ok(h)) => Ok((i, h)),
        (i, h) => Err(Typed {
            iban: iban.trim().to_string(),
            holder: holder.trim().to_string(),
            iban_error: i.err().map(|e| iban_message(ctx, &e)),
            holder_error: h.err().map(|_| ctx.t("portal-sepa-holder-invalid")),
        }),
    }
}

/// Signs the mandate the form `nonce` showed (the caller has claimed the form): the method is
/// stored as the default and the mandate with the text in the page's language.
pub async fn sign(
    ctx: &Portal,
    customer: billing_core::ids::CustomerId,
    creditor: &Creditor,
    nonce: &str,
    iban: String,
    holder: String,
) -> PageResult<(billing_core::service::payments::PaymentMethod, sepa_mandates::Mandate)> {
    let reference = sepa::mandate_reference(ctx.tenant.id.0, nonce);
    let signed = Signed {
        iban,
        account_holder: holder,
        text: stored_text(ctx, creditor, &reference),
        reference,
        locale: ctx.lang().tag().to_string(),
        client_address: Some(ctx.client.clone()),
        user_agent: ctx
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(500).collect()),
        // The merchant's terms as the form stated them (docs/adr/0048).
        prenotification_days: creditor.prenotification_days,
    };
    Ok(sepa_mandates::sign(&ctx.state.pool, ctx.tenant.id, customer, ctx.state.gateways.as_ref(), &signed, ctx.now)
        .await?)
}
