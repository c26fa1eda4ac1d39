//! The neutral EN 16931 document both syntax writers read: one field per business term (BT-n),
//! amounts as [`Money`] with the sign the document type implies (a credit note's are positive).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::currency::Currency;
use crate::money::Money;
use crate::tax::VatCategory;

use super::Profile;

/// UNTDID 1001 document type (BT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    /// 380, commercial invoice.
    Invoice,
    /// 381, credit note.
    CreditNote,
}

impl DocumentType {
    pub const fn code(self) -> &'static str {
        match self {
            DocumentType::Invoice => "380",
            DocumentType::CreditNote => "381",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub profile: Profile,
    pub document_type: DocumentType,
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: NaiveDate,
    /// BT-9.
    pub due_date: Option<NaiveDate>,
    /// BT-5.
    pub currency: Currency,
    /// BT-6 with BT-111: the VAT in the seller's national currency (Art. 230 Directive).
    pub vat_in_accounting_currency: Option<Money>,
    /// BT-10 (the Leitweg-ID for German public buyers).
    pub buyer_reference: Option<String>,
    /// BT-22.
    pub notes: Vec<String>,
    /// BG-3: the invoice a credit note corrects (BT-25, BT-26).
    pub preceding_invoice: Option<(String, Option<NaiveDate>)>,
    /// BG-14 (BT-73, BT-74), both days inclusive.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// BT-72, when there is no period.
    pub delivery_date: Option<NaiveDate>,
    /// BG-15 deliver-to address; needed for intra-Community supplies (BR-IC-12).
    pub deliver_to: Option<Address>,
    pub seller: Party,
    pub seller_contact: Option<Contact>,
    pub buyer: Party,
    pub buyer_contact: Option<Contact>,
    /// BG-16.
    pub payment_means: Option<PaymentMeans>,
    /// BT-20.
    pub payment_terms: Option<String>,
    pub lines: Vec<Line>,
    /// BG-23, one per category and rate.
    pub vat_breakdown: Vec<VatBreakdown>,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// BT-27 / BT-44.
    pub name: String,
    pub address: Address,
    /// BT-31 / BT-48.
    pub vat_id: Option<String>,
    /// BT-32 (seller only): the national tax number, scheme "FC".
    pub tax_number: Option<String>,
    /// BT-34 / BT-49 with its scheme (EAS code list: "EM" e-mail, "0204" Leitweg, "9930" DE VAT).
    pub electronic_address: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// BG-16: how the amount due is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentMeans {
    /// 58, SEPA credit transfer to the seller's account (BG-17), with the payment reference BT-83.
    CreditTransfer { iban: String, account_name: String, bic: Option<String>, reference: String },
    /// 48, bank card on file (BG-18: BT-87 holds only the last digits).
    Card { last_digits: String },
    /// 97, clearing between partners: a credit note settled against open invoices or the
    /// customer's credit balance, so no money moves.
    Clearing,
}

impl PaymentMeans {
    /// UNTDID 4461 (BT-81).
    pub const fn code(&self) -> &'static str {
        match self {
            PaymentMeans::CreditTransfer { .. } => "58",
            PaymentMeans::Card { .. } => "48",
            PaymentMeans::Clearing => "97",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// BT-126.
    pub id: String,
    /// BT-153.
    pub name: String,
    /// BT-129, signed: a negative line (a proration credit) has a negative quantity and a
    /// positive price, since BT-146 may not be negative (BR-27).
    pub quantity: Decimal,
    /// BT-146, net of VAT.
    pub net_price: Decimal,
    /// BT-149, when the price is for more than one unit (a price that is not exact per unit is
    /// stated for the whole quantity instead of being rounded).
    pub price_base_quantity: Option<Decimal>,
    /// BG-27 / BG-28: line allowances (discounts) and charges, net.
    pub allowances: Vec<AllowanceCharge>,
    /// BT-131 = quantity × price / base − allowances + charges.
    pub net_amount: Money,
    pub vat_category: VatCategory,
    /// BT-152; absent for "not subject to VAT" (BR-O-05).
    pub vat_rate: Option<Decimal>,
    /// BG-26 (BT-134, BT-135).
    pub period: Option<(NaiveDate, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceCharge {
    /// true: a charge (fee); false: an allowance (discount).
    pub charge: bool,
    pub amount: Money,
    /// UNTDID 5189 (allowances) or 7161 (charges).
    pub reason_code: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatBreakdown {
    pub category: VatCategory,
    /// BT-119 (0 for every category but S).
    pub rate: Decimal,
    /// BT-116.
    pub taxable: Money,
    /// BT-117.
    pub tax: Money,
    /// BT-120.
    pub exemption_reason: Option<String>,
    /// BT-121 (VATEX code list).
    pub exemption_code: Option<&'static str>,
}

/// BG-22.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// BT-106.
    pub line_total: Money,
    /// BT-109.
    pub tax_exclusive: Money,
    /// BT-110.
    pub tax_total: Money,
    /// BT-112.
    pub tax_inclusive: Money,
    /// BT-113: paid before the invoice was issued (the customer's credit balance applied).
    pub prepaid: Money,
    /// BT-115.
    pub payable: Money,
}
