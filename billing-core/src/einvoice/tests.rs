//! Table tests of the pure e-invoice code: the mapping from frozen invoices to EN 16931 terms,
//! the refusals when data is missing, and the shape of both syntaxes. The official rule sets run
//! over real documents in tests/tests/it/einvoice.rs.

use chrono::{NaiveDate, TimeZone, Utc};
use rstest::rstest;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::model::{DocumentType, PaymentMeans};
use super::*;
use crate::catalog::TaxBehavior;
use crate::country::Country;
use crate::currency::Currency;
use crate::ids::{CustomerId, InvoiceId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::party::{BankAccount, BuyerAddress, PostalAddress, SellerSnapshot};
use crate::store::invoices::{Invoice, InvoiceLine};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn line(no: u32, description: &str, qty: i64, unit: i64, discount: i64, cat: &str, rate: Decimal) -> InvoiceLine {
    InvoiceLine {
        line_no: no,
        kind: "one_off".into(),
        description: description.into(),
        quantity: Decimal::from(qty),
        unit_price: eur(unit),
        amount: eur(unit * qty),
        discount: eur(discount),
        vat_category: Some(cat.into()),
        vat_rate: Some(rate),
        period_start: None,
        period_end: None,
    }
}

/// A group as the engine stores it.
fn group(cat: &str, rate: &str, taxable: i64, tax: i64) -> serde_json::Value {
    serde_json::json!({ "category_code": cat, "rate": rate, "country": "DE",
        "taxable": { "amount": taxable, "currency": "EUR" }, "tax": { "amount": tax, "currency": "EUR" } })
}

fn invoice(lines: Vec<InvoiceLine>, groups: Vec<serde_json::Value>, notices: &[&str]) -> Invoice {
    let net: i64 = groups.iter().map(|g| g["taxable"]["amount"].as_i64().unwrap()).sum();
    let tax: i64 = groups.iter().map(|g| g["tax"]["amount"].as_i64().unwrap()).sum();
    let subtotal: i64 = lines.iter().map(|l| l.amount.minor()).sum();
    let discount: i64 = lines.iter().map(|l| l.discount.minor()).sum();
    Invoice {
        id: InvoiceId::new(),
        customer_id: CustomerId(uuid::Uuid::nil()),
        subscription_id: None,
        status: InvoiceStatus::Open,
        kind: "one_off".into(),
        number: Some("INV-2026-000042".into()),
        currency: Currency::EUR,
        tax_behavior: TaxBehavior::Exclusive,
        subtotal: eur(subtotal),
        discount: eur(discount),
        tax: eur(tax),
        total: eur(net + tax),
        period_start: Some(d("2026-03-01")),
        period_end: Some(d("2026-04-01")),
        issue_date: Some(d("2026-03-01")),
        due_date: Some(d("2026-03-15")),
        customer_name: "Max Huber".into(),
        customer_email: "einkauf@brauerei.example".into(),
        customer_country: "DE".into(),
        customer_vat_id: None,
        seller_vat_id: Some("DE136695976".into()),
        tax_groups: serde_json::Value::Array(groups),
        tax_notices: notices.iter().map(|n| n.to_string()).collect(),
        vat_national: None,
        fx_per_eur: None,
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
        finalized_at: Some(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()),
        lines,
        amount_paid: eur(0),
        amount_credited: eur(0),
        amount_refunded: eur(0),
        memo: String::new(),
        credit_note_for: None,
        auto_finalize_at: None,
        payment_terms_days: Some(14),
        seller: None,
        buyer_address: None,
        original_invoice_number: None,
    }
}

fn de_address(line1: &str, postal: &str, city: &str) -> PostalAddress {
    PostalAddress {
        line1: line1.into(),
        line2: None,
        postal_code: postal.into(),
        city: city.into(),
        country: Country::parse("DE").unwrap(),
    }
}

fn seller() -> SellerSnapshot {
    SellerSnapshot {
        name: "Acme Software GmbH".into(),
        address: Some(de_address("Friedrichstraße 123", "10117", "Berlin")),
        vat_id: Some("DE136695976".into()),
        tax_number: Some("37/123/45678".into()),
        bank: Some(BankAccount {
            account_holder: "Acme Software GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
        }),
        brand_color: "#1f4e79".into(),
    }
}

fn contact() -> SellerFacts {
    SellerFacts {
        contact_name: Some("Erika Muster".into()),
        contact_phone: Some("+49 30 1234567".into()),
        contact_email: Some("billing@acme.example".into()),
        peppol_id: None,
    }
}

fn buyer() -> BuyerAddress {
    BuyerAddress {
        company_name: Some("Brauerei Huber GmbH".into()),
        address: de_address("Am Brauhaus 3", "80331", "München"),
    }
}

struct Case {
    invoice: Invoice,
    seller: SellerSnapshot,
    facts: SellerFacts,
    buyer: Option<BuyerAddress>,
    buyer_facts: BuyerFacts,
    payment: PaymentInstrument,
    prepaid: Money,
}

impl Case {
    fn new(invoice: Invoice) -> Self {
        Case {
            invoice,
            seller: seller(),
            facts: contact(),
            buyer: Some(buyer()),
            buyer_facts: BuyerFacts::default(),
            payment: PaymentInstrument::Transfer,
            prepaid: eur(0),
        }
    }

    fn build(&self, profile: Profile) -> Result<Document, EInvoiceError> {
        build(
            &Source {
                invoice: &self.invoice,
                seller: &self.seller,
                seller_facts: &self.facts,
                buyer_address: self.buyer.as_ref(),
                buyer_facts: &self.buyer_facts,
                preceding_issue_date: Some(d("2026-02-01")),
                payment: self.payment.clone(),
                prepaid: self.prepaid,
            },
            profile,
        )
    }
}

fn standard() -> Invoice {
    invoice(vec![line(1, "Pro plan, March 2026", 1, 2900, 0, "S", dec!(19))], vec![group("S", "19", 2900, 551)], &[])
}

#[test]
fn a_standard_invoice_maps_to_the_en16931_terms() {
    let doc = Case::new(standard()).build(Profile::XRechnung).unwrap();
    assert_eq!(doc.document_type, DocumentType::Invoice);
    assert_eq!(doc.number, "INV-2026-000042");
    assert_eq!(doc.period, Some((d("2026-03-01"), d("2026-03-31"))));
    assert_eq!(doc.delivery_date, None);
    assert_eq!(doc.totals.line_total, eur(2900));
    assert_eq!(doc.totals.tax_total, eur(551));
    assert_eq!(doc.totals.payable, eur(3451));
    assert_eq!(doc.vat_breakdown[0].exemption_reason, None);
    assert_eq!(doc.seller.electronic_address, Some(("EM".into(), "billing@acme.example".into())));
    assert_eq!(doc.buyer.electronic_address, Some(("EM".into(), "einkauf@brauerei.example".into())));
    assert_eq!(doc.buyer.name, "Brauerei Huber GmbH");
    assert!(
        matches!(doc.payment_means, Some(PaymentMeans::CreditTransfer { ref reference, .. }) if reference == "INV-2026-000042")
    );
    // A business buyer without its own reference quotes our customer id (BR-DE-15).
    assert_eq!(doc.buyer_reference.as_deref(), Some(CustomerId(uuid::Uuid::nil()).to_string().as_str()));
}

#[test]
fn a_credit_note_is_positive_and_names_the_invoice_it_corrects() {
    let mut inv = invoice(
        vec![line(1, "Credit for invoice INV-2026-000042", 1, -2900, 0, "S", dec!(19))],
        vec![group("S", "19", -2900, -551)],
        &[],
    );
    inv.kind = "credit_note".into();
    inv.original_invoice_number = Some("INV-2026-000042".into());
    inv.number = Some("CN-2026-000001".into());
    let doc = Case::new(inv).build(Profile::XRechnung).unwrap();
    assert_eq!(doc.document_type, DocumentType::CreditNote);
    assert_eq!(doc.totals.payable, eur(3451));
    assert_eq!(doc.lines[0].quantity, dec!(1));
    assert_eq!(doc.lines[0].net_amount, eur(2900));
    assert_eq!(doc.preceding_invoice, Some(("INV-2026-000042".into(), Some(d("2026-02-01")))));
    assert_eq!(doc.payment_means, Some(PaymentMeans::Clearing));
    assert_eq!(doc.due_date, None);
    let ubl = ubl::write(&doc);
    assert!(ubl.contains("<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""));
    assert!(ubl.contains("<cac:CreditNoteLine>"));
    assert!(ubl.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
    assert!(cii::write(&doc).contains("<ram:IssuerAssignedID>INV-2026-000042</ram:IssuerAssignedID>"));
}

#[test]
fn a_discount_becomes_a_line_allowance_and_the_lines_still_add_up() {
    let inv = invoice(
        vec![line(1, "Pro plan", 3, 1000, 300, "S", dec!(19)), line(2, "Setup", 1, 5000, 500, "S", dec!(19))],
        vec![group("S", "19", 7200, 1368)],
        &[],
    );
    let doc = Case::new(inv).build(Profile::FacturX).unwrap();
    assert_eq!(doc.lines[0].net_price, dec!(10));
    assert_eq!(doc.lines[0].allowances[0].amount, eur(300));
    assert_eq!(doc.lines[0].net_amount, eur(2700));
    assert_eq!(doc.totals.line_total, eur(7200));
}

#[test]
fn a_negative_line_has_a_negative_quantity_and_a_positive_price() {
    let inv = invoice(
        vec![
            line(1, "Upgrade to Business", 1, 5000, 0, "S", dec!(19)),
            line(2, "Unused Pro time", 1, -1450, 0, "S", dec!(19)),
        ],
        vec![group("S", "19", 3550, 675)],
        &[],
    );
    let doc = Case::new(inv).build(Profile::XRechnung).unwrap();
    assert_eq!((doc.lines[1].quantity, doc.lines[1].net_price), (dec!(-1), dec!(14.5)));
    assert_eq!(doc.lines[1].net_amount, eur(-1450));
}

#[test]
fn inclusive_prices_get_line_nets_that_sum_to_the_groups_net() {
    // 3 × 9.99 incl. 19 %: the group carries 25.18 net + 4.79 VAT (one rounding per group);
    // each line alone would give 8.39, together 25.17, so one line takes the cent.
    let mut inv = invoice(
        (1..=3).map(|i| line(i, "E-book", 1, 999, 0, "S", dec!(19))).collect(),
        vec![group("S", "19", 2518, 479)],
        &[],
    );
    inv.tax_behavior = TaxBehavior::Inclusive;
    inv.total = eur(2997);
    let doc = Case::new(inv).build(Profile::FacturX).unwrap();
    let nets: Vec<i64> = doc.lines.iter().map(|l| l.net_amount.minor()).collect();
    assert_eq!(nets.iter().sum::<i64>(), 2518);
    assert_eq!(nets, vec![840, 839, 839]);
    assert_eq!(doc.totals.tax_inclusive, eur(2997));
}

#[test]
fn a_price_that_is_not_exact_per_unit_is_stated_for_the_whole_quantity() {
    let mut inv = invoice(vec![line(1, "Seats", 3, 1000, 0, "S", dec!(19))], vec![group("S", "19", 2521, 479)], &[]);
    inv.tax_behavior = TaxBehavior::Inclusive;
    inv.lines[0].amount = eur(3000);
    inv.total = eur(3000);
    let doc = Case::new(inv).build(Profile::FacturX).unwrap();
    assert_eq!(doc.lines[0].net_amount, eur(2521));
    assert_eq!((doc.lines[0].net_price, doc.lines[0].price_base_quantity), (dec!(25.21), Some(dec!(3))));
}

#[rstest]
#[case::reverse_charge("AE", &["reverse_charge"], "VATEX-EU-AE")]
#[case::intra_community("K", &["intra_community_supply"], "VATEX-EU-IC")]
#[case::export("G", &["export_of_goods"], "VATEX-EU-G")]
#[case::not_subject("O", &["not_taxable_outside_eu"], "VATEX-EU-O")]
fn zero_vat_categories_carry_their_exemption_code(#[case] cat: &str, #[case] notices: &[&str], #[case] code: &str) {
    let mut inv = invoice(vec![line(1, "Item", 1, 10000, 0, cat, dec!(0))], vec![group(cat, "0", 10000, 0)], notices);
    inv.customer_vat_id = Some("FR40303265045".into());
    let doc = Case::new(inv).build(Profile::XRechnung).unwrap();
    assert_eq!(doc.vat_breakdown[0].exemption_code, Some(code));
    let cii = cii::write(&doc);
    assert!(cii.contains(&format!("<ram:ExemptionReasonCode>{code}</ram:ExemptionReasonCode>")));
    if cat == "O" {
        // BR-O-02: no VAT ids at all; the tax number identifies the seller.
        assert_eq!((doc.seller.vat_id.as_deref(), doc.buyer.vat_id.as_deref()), (None, None));
        assert!(cii.contains("<ram:ID>37/123/45678</ram:ID>"));
        assert!(!cii.contains("<ram:RateApplicablePercent>0.00</ram:RateApplicablePercent>\n          </ram:ApplicableTradeTax>\n          <ram:SpecifiedTradeSettlementLine"));
    }
    if cat == "K" {
        // BR-IC-12: the deliver-to country.
        assert_eq!(doc.deliver_to.as_ref().map(|a| a.country.as_str()), Some("DE"));
    }
}

#[test]
fn xrechnung_lists_everything_it_misses_and_zugferd_needs_less() {
    let mut case = Case::new(standard());
    case.facts = SellerFacts::default();
    case.buyer = None;
    case.seller.bank = None;
    case.buyer_facts.public_buyer = true;
    let err = case.build(Profile::XRechnung).unwrap_err();
    assert_eq!(
        err,
        EInvoiceError::Incomplete {
            format: "XRechnung",
            missing: vec![
                Missing::SellerContactName,
                Missing::SellerContactPhone,
                Missing::SellerContactEmail,
                Missing::BuyerAddress,
                Missing::BuyerReference,
                Missing::PaymentMeans,
            ],
        }
    );
    assert!(case.build(Profile::FacturX).is_ok());
    case.seller.address = None;
    assert!(
        matches!(case.build(Profile::FacturX), Err(EInvoiceError::Incomplete { ref missing, .. }) if missing == &[Missing::SellerAddress])
    );
}

#[test]
fn a_public_buyers_leitweg_id_is_the_buyer_reference() {
    let mut case = Case::new(standard());
    case.buyer_facts =
        BuyerFacts { buyer_reference: Some("991-33333TEST-33".into()), public_buyer: true, peppol_id: None };
    let doc = case.build(Profile::XRechnung).unwrap();
    assert_eq!(doc.buyer_reference.as_deref(), Some("991-33333TEST-33"));
    assert!(ubl::write(&doc).contains("<cbc:BuyerReference>991-33333TEST-33</cbc:BuyerReference>"));
}

#[test]
fn a_card_on_file_is_the_payment_means_and_credit_applied_is_prepaid() {
    let mut case = Case::new(standard());
    case.payment = PaymentInstrument::Card { last4: "4242".into() };
    case.prepaid = eur(1000);
    let doc = case.build(Profile::XRechnung).unwrap();
    assert_eq!(doc.payment_means, Some(PaymentMeans::Card { last_digits: "4242".into() }));
    assert_eq!((doc.totals.prepaid, doc.totals.payable), (eur(1000), eur(2451)));
    let cii = cii::write(&doc);
    assert!(cii.contains("<ram:TotalPrepaidAmount>10.00</ram:TotalPrepaidAmount>"));
    assert!(cii.contains("<ram:TypeCode>48</ram:TypeCode>"));
}

#[test]
fn a_usd_invoice_states_its_vat_in_euro_too() {
    let mut inv = standard();
    let usd = |m| Money::from_minor(m, Currency::USD);
    inv.currency = Currency::USD;
    inv.tax_groups = serde_json::json!([{ "category_code": "S", "rate": "19", "taxable": { "amount": 2900, "currency": "USD" },
        "tax": { "amount": 551, "currency": "USD" } }]);
    inv.lines[0].amount = usd(2900);
    inv.lines[0].unit_price = usd(2900);
    inv.lines[0].discount = usd(0);
    inv.total = usd(3451);
    inv.vat_national = Some((eur(510), dec!(1.0800), d("2026-02-27")));
    let doc = Case::new(inv).build(Profile::XRechnung).unwrap();
    assert_eq!(doc.vat_in_accounting_currency, Some(eur(510)));
    let cii = cii::write(&doc);
    assert!(cii.contains("<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>"));
    assert!(cii.contains("<ram:TaxTotalAmount currencyID=\"EUR\">5.10</ram:TaxTotalAmount>"));
    assert!(ubl::write(&doc).contains("<cbc:TaxAmount currencyID=\"EUR\">5.10</cbc:TaxAmount>"));
}

#[test]
fn lines_that_contradict_the_vat_groups_are_refused_not_written() {
    let inv = invoice(vec![line(1, "Pro", 1, 2900, 0, "S", dec!(19))], vec![group("S", "19", 3000, 570)], &[]);
    assert!(matches!(Case::new(inv).build(Profile::FacturX), Err(EInvoiceError::Inconsistent(_))));
}

#[test]
fn a_draft_has_no_e_invoice() {
    let mut inv = standard();
    inv.status = InvoiceStatus::Draft;
    inv.number = None;
    assert_eq!(Case::new(inv).build(Profile::FacturX), Err(EInvoiceError::NotFinalized));
}

#[test]
fn the_profiles_claim_their_specification() {
    let doc = Case::new(standard()).build(Profile::FacturX).unwrap();
    let cii = cii::write(&doc);
    assert!(cii.contains("<ram:ID>urn:cen.eu:en16931:2017</ram:ID>"));
    assert!(!cii.contains("BusinessProcessSpecifiedDocumentContextParameter"));
    let doc = Case::new(standard()).build(Profile::XRechnung).unwrap();
    let cii = cii::write(&doc);
    assert!(cii.contains("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"));
    assert!(cii.contains("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"));
}

#[rstest]
#[case("xrechnung-cii", Some(Format::XrechnungCii))]
#[case("zugferd", Some(Format::Zugferd))]
#[case("pdf", None)]
fn formats_parse_from_their_url_spelling(#[case] text: &str, #[case] want: Option<Format>) {
    assert_eq!(Format::parse(text), want);
}
