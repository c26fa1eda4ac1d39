//! E-invoices of finalized documents: the structured XML (XRechnung CII or UBL, or the Factur-X
//! CII that goes into the hybrid PDF), the settings behind them, and the attachment the invoice
//! mail carries per the customer's preference.
//!
//! The seller and buyer facts frozen at finalization are used; a fact that was not set then (or
//! an invoice finalized before e-invoices existed) is taken from today's settings. These are
//! routing and contact data (Leitweg-ID, Peppol ids, the seller's contact), not amounts or
//! parties, so filling one in later corrects delivery without changing the invoice's content.

use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgConnection;

use crate::einvoice::{
    self, BuyerFacts, Document, EInvoiceError, Format, PaymentInstrument, Preference, Profile, SellerFacts, Source,
};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::money::Money;
use crate::party::{BuyerAddress, SellerSnapshot};
use crate::store;
pub use crate::store::einvoice::CustomerSettings;
use crate::store::invoices::Invoice;

/// The document built for `profile`, with the invoice it came from.
pub async fn document(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    profile: Profile,
) -> Result<(Invoice, Document)> {
    let inv = super::invoices::get(conn, tenant, id).await?;
    if inv.number.is_none() {
        return Err(EInvoiceError::NotFinalized.into());
    }
    let extras = store::einvoice::invoice_extras(conn, tenant, id).await?;
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let current_seller = store::einvoice::seller_facts(conn, tenant).await?;
    let current_buyer = store::einvoice::customer_settings(conn, tenant, inv.customer_id).await.map(|s| s.buyer);
    let current_buyer = current_buyer.unwrap_or_default();
    let seller_facts = merge_seller(extras.seller, current_seller);
    let buyer_facts = merge_buyer(extras.buyer, current_buyer);
    let seller = inv.seller.clone().unwrap_or_else(|| {
        let mut s = SellerSnapshot::of(&t);
        s.vat_id = inv.seller_vat_id.clone().or(s.vat_id);
        s
    });
    let buyer_address: Option<BuyerAddress> = match inv.buyer_address.clone() {
        Some(b) => Some(b),
        None => store::customers::get(conn, tenant, inv.customer_id)
            .await?
            .and_then(|c| Some(BuyerAddress { company_name: c.company_name.clone(), address: c.address.clone()? })),
    };
    let payment = match extras.card_last4 {
        Some(last4) => PaymentInstrument::Card { last4 },
        None => PaymentInstrument::Transfer,
    };
    let doc = einvoice::build(
        &Source {
            invoice: &inv,
            seller: &seller,
            seller_facts: &seller_facts,
            buyer_address: buyer_address.as_ref(),
            buyer_facts: &buyer_facts,
            preceding_issue_date: extras.preceding_issue_date,
            payment,
            prepaid: Money::from_minor(extras.credit_applied, inv.currency),
        },
        profile,
    )?;
    Ok((inv, doc))
}

fn merge_seller(frozen: Option<SellerFacts>, current: SellerFacts) -> SellerFacts {
    let f = frozen.unwrap_or_default();
    SellerFacts {
        contact_name: f.contact_name.or(current.contact_name),
        contact_phone: f.contact_phone.or(current.contact_phone),
        contact_email: f.contact_email.or(current.contact_email),
        peppol_id: f.peppol_id.or(current.peppol_id),
    }
}

fn merge_buyer(frozen: Option<BuyerFacts>, current: BuyerFacts) -> BuyerFacts {
    let f = frozen.unwrap_or_default();
    BuyerFacts {
        buyer_reference: f.buyer_reference.or(current.buyer_reference),
        public_buyer: f.public_buyer || current.public_buyer,
        peppol_id: f.peppol_id.or(current.peppol_id),
    }
}

/// An e-invoice's XML and the name to save it under.
#[derive(Debug, Clone)]
pub struct EInvoiceXml {
    pub number: String,
    /// `<number>.xml` with characters outside `[A-Za-z0-9._-]` replaced.
    pub file_name: String,
    pub xml: String,
    pub issue_date: NaiveDate,
}

/// The XML of `format`: XRechnung CII or UBL, or for `Zugferd` the Factur-X CII (the portal-web
/// PDF renderer embeds it).
pub async fn xml(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, format: Format) -> Result<EInvoiceXml> {
    let (inv, doc) = document(conn, tenant, id, format.profile()).await?;
    let xml = match format {
        Format::XrechnungUbl => einvoice::ubl::write(&doc),
        Format::XrechnungCii | Format::Zugferd => einvoice::cii::write(&doc),
    };
    let number = inv.number.clone().unwrap_or_default();
    Ok(EInvoiceXml { file_name: format!("{}.xml", file_stem(&number)), number, xml, issue_date: doc.issue_date })
}

/// A document number as a file name stem.
pub fn file_stem(number: &str) -> String {
    number.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// The e-invoice format the invoice mail should carry for this invoice's customer, if any.
pub async fn preferred_format(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<Format>> {
    let inv = super::invoices::get(conn, tenant, id).await?;
    Ok(store::einvoice::customer_settings(conn, tenant, inv.customer_id).await?.preference.format())
}

/// Documents issued in `from..=to` (neither drafts nor voided), for the bulk export.
pub async fn issued_between(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<InvoiceId>> {
    if to < from {
        return Err(Error::invalid("to", "the period ends before it starts"));
    }
    if (to - from).num_days() > 366 {
        return Err(Error::invalid("to", "export at most one year at a time"));
    }
    store::einvoice::issued_between(conn, tenant, from, to).await
}

// ---- Settings ---------------------------------------------------------------------------------

/// Changes to a customer's e-invoice settings: an absent field keeps its value, an empty string
/// clears it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerEInvoiceInput {
    /// `pdf`, `zugferd`, `xrechnung_ubl` or `xrechnung_cii`.
    pub format: Option<String>,
    pub buyer_reference: Option<String>,
    pub public_buyer: Option<bool>,
    pub peppol_id: Option<String>,
}

/// Changes to the seller's e-invoice profile, read like [`CustomerEInvoiceInput`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerEInvoiceInput {
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub peppol_id: Option<String>,
}

/// `Some(None)` clear, `Some(Some(v))` set, `None` keep.
fn change(value: &Option<String>) -> Option<Option<&str>> {
    value.as_deref().map(|v| Some(v.trim()).filter(|v| !v.is_empty()))
}

fn plain(field: &'static str, v: &str, max: usize) -> Result<String> {
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(field, format!("at most {max} characters, no line breaks")));
    }
    Ok(v.to_string())
}

/// A Peppol participant id as `scheme:id`, the scheme an EAS code (four digits, e.g. 0204 for a
/// Leitweg-ID, 9930 for a German VAT id, 0088 for a GLN).
pub fn parse_peppol_id(text: &str) -> Result<String> {
    let bad = || Error::invalid("peppol_id", "use scheme:id with a four-digit EAS scheme, e.g. 0204:991-33333TEST-33");
    let (scheme, id) = text.trim().split_once(':').ok_or_else(bad)?;
    let ok = scheme.len() == 4
        && scheme.chars().all(|c| c.is_ascii_digit())
        && (1..=100).contains(&id.len())
        && !id.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(format!("{scheme}:{id}")) } else { Err(bad()) }
}

/// A phone number as printed: at least three digits, and only digits, spaces and `+-()/.`.
fn parse_phone(text: &str) -> Result<String> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits >= 3 && text.len() <= 40 && text.chars().all(|c| c.is_ascii_digit() || " +-()/.".contains(c)) {
        Ok(text.to_string())
    } else {
        Err(Error::invalid("contact_phone", "a phone number has at least three digits, e.g. +49 30 1234567"))
    }
}

pub async fn customer_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<CustomerSettings> {
    store::einvoice::customer_settings(conn, tenant, customer).await
}

/// Applies `input`; nothing changes on an error. A public buyer's reference must be a valid
/// Leitweg-ID (BT-10 routes the invoice inside the administration).
pub async fn set_customer_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    input: &CustomerEInvoiceInput,
) -> Result<CustomerSettings> {
    let mut s = store::einvoice::customer_settings(conn, tenant, customer).await?;
    if let Some(f) = &input.format {
        s.preference = Preference::parse(f)
            .ok_or_else(|| Error::invalid("format", "must be pdf, zugferd, xrechnung_ubl or xrechnung_cii"))?;
    }
    if let Some(p) = input.public_buyer {
        s.buyer.public_buyer = p;
    }
    if let Some(v) = change(&input.buyer_reference) {
        s.buyer.buyer_reference = v.map(|r| plain("buyer_reference", r, 100)).transpose()?;
    }
    if s.buyer.public_buyer
        && let Some(r) = &s.buyer.buyer_reference
    {
        s.buyer.buyer_reference = Some(einvoice::parse_leitweg_id(r)?);
    }
    if let Some(v) = change(&input.peppol_id) {
        s.buyer.peppol_id = v.map(parse_peppol_id).transpose()?;
    }
    store::einvoice::set_customer_settings(conn, tenant, customer, &s).await?;
    Ok(s)
}

pub async fn seller_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<SellerFacts> {
    store::einvoice::seller_facts(conn, tenant).await
}

pub async fn set_seller_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &SellerEInvoiceInput,
) -> Result<SellerFacts> {
    let mut f = store::einvoice::seller_facts(conn, tenant).await?;
    if let Some(v) = change(&input.contact_name) {
        f.contact_name = v.map(|n| plain("contact_name", n, 100)).transpose()?;
    }
    if let Some(v) = change(&input.contact_phone) {
        f.contact_phone = v.map(parse_phone).transpose()?;
    }
    if let Some(v) = change(&input.contact_email) {
        f.contact_email =
            v.map(|e| crate::email::EmailAddress::parse(e).map(|e| e.as_str().to_string())).transpose()?;
    }
    if let Some(v) = change(&input.peppol_id) {
        f.peppol_id = v.map(parse_peppol_id).transpose()?;
    }
    store::einvoice::set_seller_facts(conn, tenant, &f).await?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peppol_ids_need_a_four_digit_scheme() {
        assert_eq!(parse_peppol_id(" 0204:991-33333TEST-33 ").unwrap(), "0204:991-33333TEST-33");
        assert!(parse_peppol_id("991-33333TEST-33").is_err());
        assert!(parse_peppol_id("02:x").is_err());
        assert!(parse_peppol_id("0204:a b").is_err());
    }

    #[test]
    fn phones_need_digits() {
        assert!(parse_phone("+49 (30) 123-4567").is_ok());
        assert!(parse_phone("call me").is_err());
        assert!(parse_phone("12").is_err());
    }

    #[test]
    fn file_stems_are_plain_ascii() {
        assert_eq!(file_stem("RE 2026/001"), "RE_2026_001");
    }
}
