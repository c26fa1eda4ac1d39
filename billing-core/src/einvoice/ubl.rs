//! OASIS UBL 2.1 serialization (an `Invoice`, or a `CreditNote` for type 381), as XRechnung UBL.
//! Element order follows the UBL 2.1 schemas, which differ between the two roots in places
//! (a credit note has no header due date and calls its lines `CreditNoteLine`).

use super::model::{Address, Contact, Document, DocumentType, Line, Party, PaymentMeans};
use super::xml::{Xml, amount, decimal, percent};
use crate::tax::VatCategory;

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The document as UBL XML (UTF-8).
pub fn write(doc: &Document) -> String {
    let credit = doc.document_type == DocumentType::CreditNote;
    let (root, root_ns) = if credit {
        ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")
    } else {
        ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    };
    let cur = doc.currency.code();
    let mut x = Xml::new();
    x.el(root, &[("xmlns", root_ns), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)], |x| {
        x.text("cbc:CustomizationID", doc.profile.customization_id());
        x.opt("cbc:ProfileID", doc.profile.business_process());
        x.text("cbc:ID", &doc.number);
        x.text("cbc:IssueDate", &doc.issue_date.to_string());
        if !credit && let Some(d) = doc.due_date {
            x.text("cbc:DueDate", &d.to_string());
        }
        x.text(if credit { "cbc:CreditNoteTypeCode" } else { "cbc:InvoiceTypeCode" }, doc.document_type.code());
        for note in &doc.notes {
            x.text("cbc:Note", note);
        }
        x.text("cbc:DocumentCurrencyCode", cur);
        if let Some(vat) = &doc.vat_in_accounting_currency {
            x.text("cbc:TaxCurrencyCode", vat.currency().code());
        }
        x.opt("cbc:BuyerReference", doc.buyer_reference.as_deref());
        if let Some((start, end)) = doc.period {
            x.el("cac:InvoicePeriod", &[], |x| {
                x.text("cbc:StartDate", &start.to_string());
                x.text("cbc:EndDate", &end.to_string());
            });
        }
        if let Some((number, issued)) = &doc.preceding_invoice {
            x.el("cac:BillingReference", &[], |x| {
                x.el("cac:InvoiceDocumentReference", &[], |x| {
                    x.text("cbc:ID", number);
                    if let Some(d) = issued {
                        x.text("cbc:IssueDate", &d.to_string());
                    }
                });
            });
        }
        x.el("cac:AccountingSupplierParty", &[], |x| party(x, &doc.seller, doc.seller_contact.as_ref(), true));
        x.el("cac:AccountingCustomerParty", &[], |x| party(x, &doc.buyer, doc.buyer_contact.as_ref(), false));
        if doc.delivery_date.is_some() || doc.deliver_to.is_some() {
            x.el("cac:Delivery", &[], |x| {
                if let Some(d) = doc.delivery_date {
                    x.text("cbc:ActualDeliveryDate", &d.to_string());
                }
                if let Some(to) = &doc.deliver_to {
                    x.el("cac:DeliveryLocation", &[], |x| address(x, "cac:Address", to));
                    x.el("cac:DeliveryParty", &[], |x| {
                        x.el("cac:PartyName", &[], |x| x.text("cbc:Name", &doc.buyer.name))
                    });
                }
            });
        }
        if let Some(pm) = &doc.payment_means {
            x.el("cac:PaymentMeans", &[], |x| {
                x.text("cbc:PaymentMeansCode", pm.code());
                if credit && let Some(d) = doc.due_date {
                    x.text("cbc:PaymentDueDate", &d.to_string());
                }
                match pm {
                    PaymentMeans::CreditTransfer { iban, account_name, bic, reference } => {
                        x.text("cbc:PaymentID", reference);
                        x.el("cac:PayeeFinancialAccount", &[], |x| {
                            x.text("cbc:ID", iban);
                            x.text("cbc:Name", account_name);
                            if let Some(bic) = bic {
                                x.el("cac:FinancialInstitutionBranch", &[], |x| x.text("cbc:ID", bic));
                            }
                        });
                    }
                    PaymentMeans::Card { last_digits } => {
                        x.el("cac:CardAccount", &[], |x| {
                            x.text("cbc:PrimaryAccountNumberID", last_digits);
                            // UBL requires a network id; the card's brand is not kept, so "NA".
                            x.text("cbc:NetworkID", "NA");
                        });
                    }
                    PaymentMeans::Clearing => {}
                }
            });
        }
        if let Some(terms) = &doc.payment_terms {
            x.el("cac:PaymentTerms", &[], |x| x.text("cbc:Note", terms));
        }
        x.el("cac:TaxTotal", &[], |x| {
            x.leaf("cbc:TaxAmount", &[("currencyID", cur)], &amount(doc.totals.tax_total));
            for g in &doc.vat_breakdown {
                x.el("cac:TaxSubtotal", &[], |x| {
                    x.leaf("cbc:TaxableAmount", &[("currencyID", cur)], &amount(g.taxable));
                    x.leaf("cbc:TaxAmount", &[("currencyID", cur)], &amount(g.tax));
                    x.el("cac:TaxCategory", &[], |x| {
                        x.text("cbc:ID", g.category.code());
                        // XRechnung wants the rate on every group (BR-DE-14), 0 without VAT.
                        x.text("cbc:Percent", &percent(g.rate));
                        x.opt("cbc:TaxExemptionReasonCode", g.exemption_code);
                        x.opt("cbc:TaxExemptionReason", g.exemption_reason.as_deref());
                        x.el("cac:TaxScheme", &[], |x| x.text("cbc:ID", "VAT"));
                    });
                });
            }
        });
        if let Some(vat) = &doc.vat_in_accounting_currency {
            // BT-111: a second TaxTotal with only the amount, in the accounting currency.
            x.el("cac:TaxTotal", &[], |x| {
                x.leaf("cbc:TaxAmount", &[("currencyID", vat.currency().code())], &amount(*vat))
            });
        }
        let t = &doc.totals;
        x.el("cac:LegalMonetaryTotal", &[], |x| {
            let m = |x: &mut Xml, name: &str, v| x.leaf(name, &[("currencyID", cur)], &amount(v));
            m(x, "cbc:LineExtensionAmount", t.line_total);
            m(x, "cbc:TaxExclusiveAmount", t.tax_exclusive);
            m(x, "cbc:TaxInclusiveAmount", t.tax_inclusive);
            if !t.prepaid.is_zero() {
                m(x, "cbc:PrepaidAmount", t.prepaid);
            }
            m(x, "cbc:PayableAmount", t.payable);
        });
        for line in &doc.lines {
            invoice_line(x, line, credit, cur);
        }
    });
    x.finish()
}

fn address(x: &mut Xml, name: &str, a: &Address) {
    x.el(name, &[], |x| {
        x.opt("cbc:StreetName", a.line1.as_deref());
        x.opt("cbc:AdditionalStreetName", a.line2.as_deref());
        x.opt("cbc:CityName", a.city.as_deref());
        x.opt("cbc:PostalZone", a.postal_code.as_deref());
        x.el("cac:Country", &[], |x| x.text("cbc:IdentificationCode", &a.country));
    });
}

fn party(x: &mut Xml, p: &Party, contact: Option<&Contact>, seller: bool) {
    x.el("cac:Party", &[], |x| {
        if let Some((scheme, id)) = &p.electronic_address {
            x.leaf("cbc:EndpointID", &[("schemeID", scheme)], id);
        }
        // BT-29: without a VAT id the tax number identifies the seller (BR-CO-26).
        if seller
            && p.vat_id.is_none()
            && let Some(number) = &p.tax_number
        {
            x.el("cac:PartyIdentification", &[], |x| x.text("cbc:ID", number));
        }
        address(x, "cac:PostalAddress", &p.address);
        if let Some(vat) = &p.vat_id {
            x.el("cac:PartyTaxScheme", &[], |x| {
                x.text("cbc:CompanyID", vat);
                x.el("cac:TaxScheme", &[], |x| x.text("cbc:ID", "VAT"));
            });
        }
        if let Some(number) = &p.tax_number {
            // BT-32: any scheme other than VAT marks the national tax number.
            x.el("cac:PartyTaxScheme", &[], |x| {
                x.text("cbc:CompanyID", number);
                x.el("cac:TaxScheme", &[], |x| x.text("cbc:ID", "FC"));
            });
        }
        x.el("cac:PartyLegalEntity", &[], |x| x.text("cbc:RegistrationName", &p.name));
        if let Some(c) = contact {
            x.el("cac:Contact", &[], |x| {
                x.opt("cbc:Name", c.name.as_deref());
                x.opt("cbc:Telephone", c.phone.as_deref());
                x.opt("cbc:ElectronicMail", c.email.as_deref());
            });
        }
    });
}

fn invoice_line(x: &mut Xml, line: &Line, credit: bool, cur: &str) {
    let (name, quantity) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    x.el(name, &[], |x| {
        x.text("cbc:ID", &line.id);
        x.leaf(quantity, &[("unitCode", "C62")], &decimal(line.quantity));
        x.leaf("cbc:LineExtensionAmount", &[("currencyID", cur)], &amount(line.net_amount));
        if let Some((start, end)) = line.period {
            x.el("cac:InvoicePeriod", &[], |x| {
                x.text("cbc:StartDate", &start.to_string());
                x.text("cbc:EndDate", &end.to_string());
            });
        }
        for a in &line.allowances {
            x.el("cac:AllowanceCharge", &[], |x| {
                x.text("cbc:ChargeIndicator", if a.charge { "true" } else { "false" });
                x.text("cbc:AllowanceChargeReasonCode", a.reason_code);
                x.text("cbc:AllowanceChargeReason", &a.reason);
                x.leaf("cbc:Amount", &[("currencyID", cur)], &amount(a.amount));
            });
        }
        x.el("cac:Item", &[], |x| {
            x.text("cbc:Name", &line.name);
            x.el("cac:ClassifiedTaxCategory", &[], |x| {
                x.text("cbc:ID", line.vat_category.code());
                if line.vat_category != VatCategory::O
                    && let Some(rate) = line.vat_rate
                {
                    x.text("cbc:Percent", &percent(rate));
                }
                x.el("cac:TaxScheme", &[], |x| x.text("cbc:ID", "VAT"));
            });
        });
        x.el("cac:Price", &[], |x| {
            x.leaf("cbc:PriceAmount", &[("currencyID", cur)], &decimal(line.net_price));
            if let Some(base) = line.price_base_quantity {
                x.leaf("cbc:BaseQuantity", &[("unitCode", "C62")], &decimal(base));
            }
        });
    });
}
