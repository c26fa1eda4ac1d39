//! From the frozen invoice to the neutral EN 16931 [`Document`]: parties, VAT breakdown, lines
//! whose net amounts add up to it, totals, payment instructions, and the check that the chosen
//! profile has every piece of data it makes mandatory.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::{
    Address, AllowanceCharge, Contact, Document, DocumentType, Line, Party, PaymentMeans, Totals, VatBreakdown,
};
use super::{EInvoiceError, Missing, Profile, vat};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::party::{BuyerAddress, SellerSnapshot};
use crate::rounding::RoundingPolicy;
use crate::store::invoices::{Invoice, InvoiceLine};
use crate::tax::{TaxNotice, VatCategory};

/// What the seller adds for e-invoices, frozen with the invoice (or the current profile for
/// invoices finalized before e-invoices existed).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct SellerFacts {
    /// BT-41..43: whom the buyer's accounts payable can reach.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// BT-34 as `scheme:id` (e.g. `0204:991-12345-67`); the contact e-mail otherwise.
    pub peppol_id: Option<String>,
}

/// What the buyer adds for e-invoices, frozen with the invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct BuyerFacts {
    /// BT-10: the Leitweg-ID of a public buyer, or the reference a business buyer asked for.
    pub buyer_reference: Option<String>,
    /// A German public body (B2G): the Leitweg-ID is then mandatory.
    #[serde(default)]
    pub public_buyer: bool,
    /// BT-49 as `scheme:id`; the customer's e-mail otherwise.
    pub peppol_id: Option<String>,
}

/// How the customer pays, when it is not a bank transfer to the seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentInstrument {
    /// The customer's default card (its last four digits), charged by the collection run.
    Card { last4: String },
    /// No card on file: the buyer transfers to the seller's bank account.
    Transfer,
}

/// Everything [`build`] reads.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub invoice: &'a Invoice,
    pub seller: &'a SellerSnapshot,
    pub seller_facts: &'a SellerFacts,
    pub buyer_address: Option<&'a BuyerAddress>,
    pub buyer_facts: &'a BuyerFacts,
    /// BT-26: the issue date of the invoice a credit note corrects.
    pub preceding_issue_date: Option<NaiveDate>,
    pub payment: PaymentInstrument,
    /// BT-113: what the customer's credit balance paid when the invoice was issued.
    pub prepaid: Money,
}

/// One row of the frozen VAT breakdown (`tax::TaxGroup` as stored).
#[derive(Deserialize)]
struct StoredGroup {
    category_code: VatCategory,
    rate: Decimal,
    taxable: Money,
    tax: Money,
}

/// The party data a profile needs, known before any invoice exists: the invoice run's dry run
/// asks this for each customer whose preference is an e-invoice.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    pub seller: &'a SellerSnapshot,
    pub seller_facts: &'a SellerFacts,
    pub buyer_has_address: bool,
    pub buyer_facts: &'a BuyerFacts,
    pub pays_by_card: bool,
}

/// What `profile` needs of the parties and they lack, sorted.
pub fn missing_party_data(profile: Profile, p: &Parties<'_>) -> Vec<Missing> {
    let xr = profile == Profile::XRechnung;
    let mut missing = Vec::new();
    if p.seller.address.is_none() {
        missing.push(Missing::SellerAddress);
    }
    if p.seller.vat_id.is_none() && p.seller.tax_number.is_none() {
        missing.push(Missing::SellerTaxId);
    }
    if xr {
        let f = p.seller_facts;
        for (value, code) in [
            (&f.contact_name, Missing::SellerContactName),
            (&f.contact_phone, Missing::SellerContactPhone),
            (&f.contact_email, Missing::SellerContactEmail),
        ] {
            if value.is_none() {
                missing.push(code);
            }
        }
        if !p.buyer_has_address {
            missing.push(Missing::BuyerAddress);
        }
        if p.buyer_facts.public_buyer && p.buyer_facts.buyer_reference.is_none() {
            missing.push(Missing::BuyerReference);
        }
        if !p.pays_by_card && p.seller.bank.is_none() {
            missing.push(Missing::PaymentMeans);
        }
    }
    missing.sort_unstable();
    missing
}

type GroupKey = (VatCategory, Decimal);

/// Builds the document for `profile`, or lists every piece of data it lacks.
pub fn build(src: &Source<'_>, profile: Profile) -> Result<Document, EInvoiceError> {
    let inv = src.invoice;
    let (Some(number), Some(issue_date)) = (inv.number.clone(), inv.issue_date) else {
        return Err(EInvoiceError::NotFinalized);
    };
    if inv.status == InvoiceStatus::Draft {
        return Err(EInvoiceError::NotFinalized);
    }
    let credit = inv.kind == "credit_note";
    // A credit note's stored amounts are negative; the 381 document type carries the sign.
    let flip = |m: Money| if credit { Money::from_minor(-m.minor(), m.currency()) } else { m };
    let xr = profile == Profile::XRechnung;
    let mut missing = missing_party_data(
        profile,
        &Parties {
            seller: src.seller,
            seller_facts: src.seller_facts,
            buyer_has_address: src.buyer_address.is_some(),
            buyer_facts: src.buyer_facts,
            // A credit note is settled by clearing, so it needs no payment instrument.
            pays_by_card: credit || matches!(src.payment, PaymentInstrument::Card { .. }),
        },
    );
    if inv.currency.exponent() > 2 {
        missing.push(Missing::CurrencyPrecision);
    }
    let notices: Vec<TaxNotice> = inv.tax_notices.iter().filter_map(|k| vat::notice_from_key(k)).collect();

    // The VAT breakdown, merged per (category, rate): EN 16931 has one group per pair, while the
    // engine keeps whose VAT it is too (always one country per document in practice).
    let stored: Vec<StoredGroup> = serde_json::from_value(inv.tax_groups.clone())
        .map_err(|e| EInvoiceError::Inconsistent(format!("VAT groups unreadable: {e}")))?;
    let mut groups: BTreeMap<GroupKey, (Money, Money)> = BTreeMap::new();
    for g in &stored {
        let e = groups
            .entry((g.category_code, g.rate.normalize()))
            .or_insert((Money::zero(inv.currency), Money::zero(inv.currency)));
        *e = (add(e.0, flip(g.taxable))?, add(e.1, flip(g.tax))?);
    }
    let not_subject = groups.keys().any(|(c, _)| *c == VatCategory::O);
    if not_subject && groups.len() > 1 {
        missing.push(Missing::MixedNotSubjectToVat);
    }

    let lines = lines(inv, &groups, flip)?;

    // Seller (BG-4). BR-O-02: a document not subject to VAT shows no VAT ids at all.
    let seller = src.seller;
    let seller_address = match &seller.address {
        Some(a) => Address {
            line1: Some(a.line1.clone()),
            line2: a.line2.clone(),
            postal_code: Some(a.postal_code.clone()),
            city: Some(a.city.clone()),
            country: a.country.code().to_string(),
        },
        None => Address { line1: None, line2: None, postal_code: None, city: None, country: String::new() },
    };
    let seller_vat = if not_subject { None } else { seller.vat_id.clone() };
    let needs_vat_id = groups.keys().any(|(c, _)| matches!(c, VatCategory::K | VatCategory::G));
    if not_subject && seller.tax_number.is_none() {
        missing.push(Missing::SellerTaxNumber);
    }
    // BR-IC-02, BR-G-02: intra-Community supplies and exports need the seller's VAT id itself.
    if needs_vat_id && seller.vat_id.is_none() {
        missing.push(Missing::SellerTaxId);
    }
    let facts = src.seller_facts;
    let seller_party = Party {
        name: seller.name.clone(),
        address: seller_address,
        vat_id: seller_vat,
        tax_number: seller.tax_number.clone(),
        electronic_address: electronic_address(facts.peppol_id.as_deref(), facts.contact_email.as_deref()),
    };
    let seller_contact = (facts.contact_name.is_some()
        || facts.contact_phone.is_some()
        || facts.contact_email.is_some())
    .then(|| Contact {
        name: facts.contact_name.clone(),
        phone: facts.contact_phone.clone(),
        email: facts.contact_email.clone(),
    });

    // Buyer (BG-7).
    let buyer = src.buyer_address;
    let buyer_address = match buyer {
        Some(b) => Address {
            line1: Some(b.address.line1.clone()),
            line2: b.address.line2.clone(),
            postal_code: Some(b.address.postal_code.clone()),
            city: Some(b.address.city.clone()),
            country: b.address.country.code().to_string(),
        },
        None => {
            Address { line1: None, line2: None, postal_code: None, city: None, country: inv.customer_country.clone() }
        }
    };
    let company = buyer.and_then(|b| b.company_name.clone());
    let buyer_contact = Some(Contact {
        name: company.as_ref().map(|_| inv.customer_name.clone()),
        phone: None,
        email: Some(inv.customer_email.clone()),
    });
    let buyer_party = Party {
        name: company.unwrap_or_else(|| inv.customer_name.clone()),
        address: buyer_address.clone(),
        vat_id: if not_subject { None } else { inv.customer_vat_id.clone() },
        tax_number: None,
        electronic_address: electronic_address(src.buyer_facts.peppol_id.as_deref(), Some(&inv.customer_email)),
    };
    let buyer_reference = match (&src.buyer_facts.buyer_reference, xr) {
        (Some(r), _) => Some(r.clone()),
        (None, true) if src.buyer_facts.public_buyer => None,
        // BR-DE-15 makes BT-10 mandatory; a business buyer that gave no reference of its own
        // quotes our customer id back (docs/adr/0016).
        (None, true) => Some(inv.customer_id.to_string()),
        (None, false) => None,
    };

    // Payment (BG-16, BT-20).
    let payment_means = if credit {
        Some(PaymentMeans::Clearing)
    } else {
        match (&src.payment, &seller.bank) {
            (PaymentInstrument::Card { last4 }, _) => Some(PaymentMeans::Card { last_digits: last4.clone() }),
            (PaymentInstrument::Transfer, Some(bank)) => Some(PaymentMeans::CreditTransfer {
                iban: bank.iban.clone(),
                account_name: bank.account_holder.clone(),
                bic: bank.bic.clone(),
                reference: number.clone(),
            }),
            (PaymentInstrument::Transfer, None) => None,
        }
    };
    let due_date = if credit { None } else { inv.due_date };
    let payment_terms = if credit {
        Some("Credited to the customer's account (against open invoices or as credit balance); nothing to pay.".into())
    } else {
        due_date.map(|d| match inv.payment_terms_days {
            Some(days) => format!("Payable without deduction by {d} ({days} days net)."),
            None => format!("Payable without deduction by {d}."),
        })
    };

    if !missing.is_empty() {
        missing.sort_unstable();
        missing.dedup();
        let format = if xr { "XRechnung" } else { "ZUGFeRD" };
        return Err(EInvoiceError::Incomplete { format, missing });
    }

    // The supply date (BT-72) or period (BG-14): the invoice's service period, else its lines'
    // span, else the issue date. Hook: staff drafts get their own supply date or period
    // (BT-72/73, branch `finance`); once the row carries it, read it here first.
    let period = supply_period(inv);
    let delivery_date = if period.is_none() { Some(issue_date) } else { None };
    let deliver_to = groups.keys().any(|(c, _)| *c == VatCategory::K).then(|| buyer_address.clone());

    let vat_breakdown: Vec<VatBreakdown> = groups
        .iter()
        .map(|(&(category, rate), &(taxable, tax))| {
            let (exemption_reason, exemption_code) = vat::exemption(category, &notices);
            VatBreakdown { category, rate, taxable, tax, exemption_reason, exemption_code }
        })
        .collect();
    let line_total = Money::sum(inv.currency, lines.iter().map(|l| l.net_amount)).map_err(money)?;
    let tax_total = Money::sum(inv.currency, vat_breakdown.iter().map(|g| g.tax)).map_err(money)?;
    let tax_inclusive = add(line_total, tax_total)?;
    if tax_inclusive != flip(inv.total) {
        return Err(EInvoiceError::Inconsistent(format!(
            "lines and VAT give {tax_inclusive}, the invoice's total is {}",
            flip(inv.total)
        )));
    }
    let prepaid = if credit || src.prepaid.currency() != inv.currency {
        Money::zero(inv.currency)
    } else {
        Money::from_minor(src.prepaid.minor().clamp(0, tax_inclusive.minor().max(0)), inv.currency)
    };
    let payable = tax_inclusive.checked_sub(prepaid).map_err(money)?;

    let mut notes = Vec::new();
    if !inv.memo.trim().is_empty() {
        notes.push(inv.memo.trim().to_string());
    }
    let vat_in_accounting_currency = match &inv.vat_national {
        Some((amount, rate, date)) if amount.currency() != inv.currency => {
            notes.push(format!(
                "VAT in {}: {} at the ECB reference rate of {date}, {rate} {} per {} (Art. 230 Directive 2006/112/EC).",
                amount.currency().code(),
                flip(*amount).to_decimal(),
                inv.currency.code(),
                amount.currency().code(),
            ));
            Some(flip(*amount))
        }
        _ => None,
    };

    Ok(Document {
        profile,
        document_type: if credit { DocumentType::CreditNote } else { DocumentType::Invoice },
        number,
        issue_date,
        due_date,
        currency: inv.currency,
        vat_in_accounting_currency,
        buyer_reference,
        notes,
        preceding_invoice: if credit {
            inv.original_invoice_number.clone().map(|n| (n, src.preceding_issue_date))
        } else {
            None
        },
        period,
        delivery_date,
        deliver_to,
        seller: seller_party,
        seller_contact,
        buyer: buyer_party,
        buyer_contact,
        payment_means,
        payment_terms,
        lines,
        vat_breakdown,
        totals: Totals { line_total, tax_exclusive: line_total, tax_total, tax_inclusive, prepaid, payable },
    })
}

fn money(e: crate::money::MoneyError) -> EInvoiceError {
    EInvoiceError::Inconsistent(e.to_string())
}

fn add(a: Money, b: Money) -> Result<Money, EInvoiceError> {
    a.checked_add(b).map_err(money)
}

/// `scheme:id` as (scheme, id), else an e-mail address under the EAS scheme "EM".
fn electronic_address(peppol: Option<&str>, email: Option<&str>) -> Option<(String, String)> {
    if let Some((scheme, id)) = peppol.and_then(|p| p.split_once(':')) {
        return Some((scheme.to_string(), id.to_string()));
    }
    email.map(|e| ("EM".to_string(), e.to_string()))
}

/// Stored ends are exclusive; EN 16931 periods end on their last day.
fn inclusive(start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
    (start, (end - Duration::days(1)).max(start))
}

fn supply_period(inv: &Invoice) -> Option<(NaiveDate, NaiveDate)> {
    if let (Some(s), Some(e)) = (inv.period_start, inv.period_end) {
        return Some(inclusive(s, e));
    }
    let start = inv.lines.iter().filter_map(|l| l.period_start).min()?;
    let end = inv.lines.iter().filter_map(|l| l.period_end).max()?;
    Some(inclusive(start, end))
}

/// The lines with net amounts that add up, per (category, rate), to the frozen breakdown.
///
/// Tax-exclusive: a line's net is its amount less its share of the discount. Tax-inclusive: the
/// amounts include VAT, which the engine carved out once per group; each line's net is its gross
/// less its own carve-out, and the rounding difference to the group's net goes to the group's
/// largest line, so the lines sum exactly to BT-116 (BR-S-08 and its siblings).
fn lines(
    inv: &Invoice,
    groups: &BTreeMap<GroupKey, (Money, Money)>,
    flip: impl Fn(Money) -> Money,
) -> Result<Vec<Line>, EInvoiceError> {
    let policy = RoundingPolicy::default();
    let inclusive_prices = inv.tax_behavior.includes_tax();
    let mut keyed = Vec::with_capacity(inv.lines.len());
    for l in &inv.lines {
        let category = l
            .vat_category
            .as_deref()
            .and_then(vat::category_from_code)
            .ok_or_else(|| EInvoiceError::Inconsistent(format!("line {} has no VAT category", l.line_no)))?;
        let rate = l.vat_rate.unwrap_or_default().normalize();
        if !groups.contains_key(&(category, rate)) {
            return Err(EInvoiceError::Inconsistent(format!("line {} has no VAT group", l.line_no)));
        }
        keyed.push(((category, rate), l));
    }
    // Net per line, and its allowance (positive) or charge (negative), both in net terms.
    let mut nets: Vec<(Money, Money)> = Vec::with_capacity(keyed.len());
    for ((_, rate), l) in &keyed {
        let gross = flip(l.amount.checked_sub(l.discount).map_err(money)?);
        if inclusive_prices {
            let share = rate / (Decimal::ONE_HUNDRED + rate);
            let tax = gross.mul_decimal(share, policy).map_err(money)?;
            let discount = flip(l.discount).mul_decimal(Decimal::ONE - share, policy).map_err(money)?;
            nets.push((gross.checked_sub(tax).map_err(money)?, discount));
        } else {
            nets.push((gross, flip(l.discount)));
        }
    }
    for (key, (taxable, _)) in groups {
        let members: Vec<usize> = keyed.iter().enumerate().filter(|(_, (k, _))| k == key).map(|(i, _)| i).collect();
        let sum = Money::sum(inv.currency, members.iter().map(|&i| nets[i].0)).map_err(money)?;
        let diff = taxable.checked_sub(sum).map_err(money)?;
        if diff.is_zero() {
            continue;
        }
        // Only the carve-out of inclusive prices may leave a difference, at most a cent a line.
        let largest = members.iter().rev().copied().max_by_key(|&i| keyed[i].1.amount.minor().abs());
        match largest {
            Some(i) if inclusive_prices && diff.minor().abs() <= members.len() as i64 => {
                nets[i].0 = add(nets[i].0, diff)?;
            }
            _ => {
                return Err(EInvoiceError::Inconsistent(format!(
                    "the {} {} lines sum to {sum}, the VAT group's net is {taxable}",
                    key.0.code(),
                    key.1
                )));
            }
        }
    }
    keyed
        .iter()
        .zip(nets)
        .map(|(((category, rate), l), (net, allowance))| line(l, *category, *rate, net, allowance))
        .collect()
}

fn line(
    l: &InvoiceLine,
    category: VatCategory,
    rate: Decimal,
    net: Money,
    allowance: Money,
) -> Result<Line, EInvoiceError> {
    // BR-27: the price is never negative; a negative line has a negative quantity instead.
    let before_allowance = add(net, allowance)?;
    let mut quantity = if l.quantity.is_zero() { Decimal::ONE } else { l.quantity.abs() };
    let magnitude = before_allowance.to_decimal().abs();
    if before_allowance.is_negative() {
        quantity = -quantity;
    }
    let per_unit = magnitude.checked_div(quantity.abs());
    let (net_price, price_base_quantity) = match per_unit {
        Some(p) if p.normalize().scale() <= 6 && p * quantity.abs() == magnitude => (p.normalize(), None),
        // Not exact per unit: state the price for the whole quantity (BT-149) rather than round.
        _ => (magnitude, Some(quantity.abs())),
    };
    let mut allowances = Vec::new();
    if !allowance.is_zero() {
        let charge = allowance.is_negative();
        allowances.push(AllowanceCharge {
            charge,
            amount: Money::from_minor(allowance.minor().abs(), allowance.currency()),
            reason_code: if charge { "ZZZ" } else { "95" },
            reason: if charge { "Surcharge".into() } else { "Discount".into() },
        });
    }
    Ok(Line {
        id: l.line_no.to_string(),
        name: l.description.clone(),
        quantity,
        net_price,
        price_base_quantity,
        allowances,
        net_amount: net,
        vat_category: category,
        vat_rate: (category != VatCategory::O).then_some(rate),
        period: match (l.period_start, l.period_end) {
            (Some(s), Some(e)) => Some(inclusive(s, e)),
            _ => None,
        },
    })
}
