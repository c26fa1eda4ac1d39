//! Invoice and credit-note PDF documents, rendered in-process on request (never in the invoice
//! run): krilla writes the PDF, one embedded CJK-capable font renders every shipped language,
//! labels come from `locales/<lang>/documents.ftl` (docs/adr/0008).

pub mod canvas;
pub mod facturx;
pub mod invoice;

use billing_core::ids::{InvoiceId, TenantId};
use billing_core::party::{BuyerAddress, SellerSnapshot};
use billing_core::store;
use sqlx::PgConnection;

use crate::i18n::Locale;

/// A rendered document and the name to download it under.
#[derive(Debug)]
pub struct RenderedDocument {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub lang: &'static str,
}

/// Loads the invoice (of this tenant only) and renders it in `lang`, else the customer's language,
/// else the merchant's default.
///
/// The parties come from the snapshot frozen at finalization; an invoice finalized before
/// snapshots existed (or a draft) shows the current seller profile and billing address.
pub async fn render_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    lang: Option<Locale>,
) -> billing_core::Result<RenderedDocument> {
    render(conn, tenant, id, lang, None).await
}

/// The invoice as ZUGFeRD 2.3 / Factur-X hybrid: the same PDF, as PDF/A-3b with the EN 16931
/// CII embedded as `factur-x.xml`. Refused (with what is missing) when no e-invoice can be made.
pub async fn render_zugferd(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    lang: Option<Locale>,
) -> billing_core::Result<RenderedDocument> {
    let xml = billing_core::service::einvoices::xml(conn, tenant, id, billing_core::einvoice::Format::Zugferd).await?;
    let hybrid = facturx::Hybrid {
        xml: xml.xml.into_bytes(),
        file_name: "factur-x.xml",
        conformance_level: "EN 16931",
        created: facturx::pdf_date(xml.issue_date),
    };
    render(conn, tenant, id, lang, Some(hybrid)).await
}

async fn render(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    lang: Option<Locale>,
    hybrid: Option<facturx::Hybrid>,
) -> billing_core::Result<RenderedDocument> {
    let inv = billing_core::service::invoices::get(conn, tenant, id).await?;
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| billing_core::Error::not_found("tenant", tenant))?;
    let customer = store::customers::get(conn, tenant, inv.customer_id).await?;
    let seller = inv.seller.clone().unwrap_or_else(|| {
        let mut s = SellerSnapshot::of(&t);
        s.vat_id = inv.seller_vat_id.clone().or(s.vat_id);
        s
    });
    let buyer_address = inv.buyer_address.clone().or_else(|| {
        let c = customer.as_ref()?;
        Some(BuyerAddress { company_name: c.company_name.clone(), address: c.address.clone()? })
    });
    // A document has no browser behind it: the customer's language when the merchant's portal
    // offers it, else the merchant's (as the portal and the mails fall back).
    let lang = match lang {
        Some(l) => l,
        None => {
            let tag = match customer.as_ref() {
                Some(c) => {
                    Some(billing_core::service::portal_options::customer_language(conn, tenant, &c.locale).await?)
                }
                None => None,
            };
            Locale::negotiate(tag.as_deref(), None, Some(&t.default_locale))
        }
    };
    let bytes =
        invoice::render_with(&invoice::DocumentInput { invoice: &inv, seller, buyer_address, lang }, hybrid.as_ref())
            .map_err(|e| billing_core::Error::invalid("pdf", e))?;
    let stem = inv.number.clone().unwrap_or_else(|| format!("draft-{}", inv.id));
    // Numbers are printable by construction; keep the header value plain ASCII regardless.
    let file_name: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    Ok(RenderedDocument { file_name: format!("{file_name}.pdf"), bytes, lang: lang.tag() })
}
