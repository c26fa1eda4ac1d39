//! E-invoices (EN 16931): the structured twin of a finalized invoice or credit note, in both
//! syntaxes the standard binds to, UN/CEFACT CII D16B and UBL 2.1, under two specifications:
//! the German **XRechnung 3.0** CIUS and the **ZUGFeRD 2.3 / Factur-X 1.07 EN 16931** profile.
//!
//! Pure code: [`build`] turns the frozen document (the stored invoice with its seller and buyer
//! snapshots, plus the few e-invoice facts the service loads) into a neutral [`Document`] that
//! carries the EN 16931 business terms (BT-n), refusing with the list of what is missing when the
//! chosen format needs data the invoice does not have (never a file that fails validation).
//! [`cii::write`] and [`ubl::write`] serialize it. The hybrid PDF (PDF/A-3 with the CII embedded)
//! is made in portal-web, which owns the PDF renderer.
//!
//! Why the XML is not built from the API types: an e-invoice is a legal document and must show
//! exactly what was frozen at finalization (ARCHITECTURE §5), so it reads the same stored row the
//! PDF reads. How each VAT case maps to a category and exemption reason is in [`vat`].

pub mod build;
pub mod cii;
pub mod leitweg;
pub mod model;
pub mod ubl;
pub mod vat;
mod xml;

#[cfg(test)]
mod tests;

pub use build::{BuyerFacts, Parties, PaymentInstrument, SellerFacts, Source, build, missing_party_data};
pub use leitweg::parse_leitweg_id;
pub use model::Document;

use serde::{Deserialize, Serialize};

/// The specification a document claims (BT-24) and whose rules it must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Profile {
    /// XRechnung 3.0, the German CIUS (KoSIT): adds the seller contact, electronic addresses,
    /// buyer reference and payment instructions as mandatory.
    XRechnung,
    /// ZUGFeRD 2.3 / Factur-X 1.07, profile EN 16931 ("COMFORT"): the core standard as is.
    FacturX,
}

impl Profile {
    /// BT-24, the specification identifier.
    pub const fn customization_id(self) -> &'static str {
        match self {
            Profile::XRechnung => "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            Profile::FacturX => "urn:cen.eu:en16931:2017",
        }
    }

    /// BT-23, the business process: XRechnung requires it (PEPPOL-EN16931-R001), Factur-X
    /// EN 16931 leaves it out.
    pub const fn business_process(self) -> Option<&'static str> {
        match self {
            Profile::XRechnung => Some("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"),
            Profile::FacturX => None,
        }
    }
}

/// A file format a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// XRechnung 3.0 in CII syntax.
    XrechnungCii,
    /// XRechnung 3.0 in UBL syntax (Invoice or CreditNote).
    XrechnungUbl,
    /// ZUGFeRD 2.3 / Factur-X EN 16931: the invoice PDF as PDF/A-3b with the CII embedded.
    Zugferd,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::XrechnungCii, Format::XrechnungUbl, Format::Zugferd];

    /// The stable spelling in URLs and the CLI (`xrechnung-cii`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::XrechnungCii => "xrechnung-cii",
            Format::XrechnungUbl => "xrechnung-ubl",
            Format::Zugferd => "zugferd",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == text.trim())
    }

    pub const fn profile(self) -> Profile {
        match self {
            Format::XrechnungCii | Format::XrechnungUbl => Profile::XRechnung,
            Format::Zugferd => Profile::FacturX,
        }
    }

    /// The file name extension of what is delivered.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::XrechnungCii | Format::XrechnungUbl => "xml",
            Format::Zugferd => "pdf",
        }
    }

    pub const fn media_type(self) -> &'static str {
        match self {
            Format::XrechnungCii | Format::XrechnungUbl => "application/xml",
            Format::Zugferd => "application/pdf",
        }
    }
}

/// What a customer wants with their invoices (per customer; `PdfOnly` by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// The PDF, as before: no structured data.
    #[default]
    Pdf,
    /// The PDF as ZUGFeRD/Factur-X hybrid (readable by people and machines).
    Zugferd,
    XrechnungUbl,
    XrechnungCii,
}

impl Preference {
    pub const fn as_str(self) -> &'static str {
        match self {
            Preference::Pdf => "pdf",
            Preference::Zugferd => "zugferd",
            Preference::XrechnungUbl => "xrechnung_ubl",
            Preference::XrechnungCii => "xrechnung_cii",
        }
    }

    pub fn parse(text: &str) -> Option<Preference> {
        [Preference::Pdf, Preference::Zugferd, Preference::XrechnungUbl, Preference::XrechnungCii]
            .into_iter()
            .find(|p| p.as_str() == text.trim())
    }

    /// The e-invoice format this preference delivers, if any.
    pub const fn format(self) -> Option<Format> {
        match self {
            Preference::Pdf => None,
            Preference::Zugferd => Some(Format::Zugferd),
            Preference::XrechnungUbl => Some(Format::XrechnungUbl),
            Preference::XrechnungCii => Some(Format::XrechnungCii),
        }
    }
}

/// A piece of data the chosen format needs and the document lacks. Stable codes: the API lists
/// them, the invoice run's dry run reports them, the docs say where each is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The seller's postal address (§ 14 Abs. 4 Nr. 1 UStG; BR-DE-3/4): `POST /tenant`.
    SellerAddress,
    /// Neither a VAT id nor a tax number for the seller (BR-CO-26, BR-DE-16).
    SellerTaxId,
    /// A document not subject to VAT may not show the seller's VAT id (BR-O-02), so it needs the
    /// seller's tax number instead.
    SellerTaxNumber,
    /// XRechnung's seller contact (BR-DE-5/6/7): name, phone and e-mail.
    SellerContactName,
    SellerContactPhone,
    SellerContactEmail,
    /// The buyer's postal address with city and postal code (BR-DE-8/9).
    BuyerAddress,
    /// A public buyer (B2G) needs its Leitweg-ID as buyer reference (BT-10).
    BuyerReference,
    /// XRechnung needs payment instructions (BR-DE-1): a seller bank account or a card on file.
    PaymentMeans,
    /// EN 16931 amounts have at most two decimals (BR-DEC-*): a three-decimal currency cannot be
    /// expressed.
    CurrencyPrecision,
    /// EN 16931 allows no other VAT category beside "not subject to VAT" (BR-O-11).
    MixedNotSubjectToVat,
}

impl Missing {
    pub const fn code(self) -> &'static str {
        match self {
            Missing::SellerAddress => "seller_address",
            Missing::SellerTaxId => "seller_tax_id",
            Missing::SellerTaxNumber => "seller_tax_number",
            Missing::SellerContactName => "seller_contact_name",
            Missing::SellerContactPhone => "seller_contact_phone",
            Missing::SellerContactEmail => "seller_contact_email",
            Missing::BuyerAddress => "buyer_address",
            Missing::BuyerReference => "buyer_reference",
            Missing::PaymentMeans => "payment_means",
            Missing::CurrencyPrecision => "currency_precision",
            Missing::MixedNotSubjectToVat => "mixed_not_subject_to_vat",
        }
    }
}

/// Why no e-invoice can be made from a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EInvoiceError {
    /// The format needs data the document or its parties lack; nothing is produced.
    #[error("the {format} e-invoice needs data the invoice lacks: {}", codes(.missing))]
    Incomplete { format: &'static str, missing: Vec<Missing> },
    /// Drafts have no number and may still change: only finalized documents become e-invoices.
    #[error("only finalized invoices and credit notes have e-invoices")]
    NotFinalized,
    /// The stored document contradicts itself (e.g. lines that do not add up to the VAT
    /// groups); a bug, reported instead of writing a file that fails validation.
    #[error("the stored invoice is inconsistent: {0}")]
    Inconsistent(String),
}

fn codes(missing: &[Missing]) -> String {
    missing.iter().map(|m| m.code()).collect::<Vec<_>>().join(", ")
}
