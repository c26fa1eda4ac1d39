//! UN/CEFACT Cross Industry Invoice (CII D16B) serialization, as XRechnung CII and as the
//! Factur-X / ZUGFeRD EN 16931 XML (the file embedded in the hybrid PDF). Element order follows
//! the D16B schema; the BT-n comments name what each element carries.

use chrono::NaiveDate;

use super::model::{Address, AllowanceCharge, Contact, Document, Line, Party, PaymentMeans};
use super::xml::{Xml, amount, decimal, percent};

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

fn date(x: &mut Xml, name: &str, d: NaiveDate) {
    x.el(name, &[], |x| x.leaf("udt:DateTimeString", &[("format", "102")], &d.format("%Y%m%d").to_string()));
}

/// The document as CII XML (UTF-8).
pub fn write(doc: &Document) -> String {
    let mut x = Xml::new();
    let ns = [("xmlns:rsm", RSM), ("xmlns:qdt", QDT), ("xmlns:ram", RAM), ("xmlns:udt", UDT)];
    x.el("rsm:CrossIndustryInvoice", &ns, |x| {
        x.el("rsm:ExchangedDocumentContext", &[], |x| {
            if let Some(bp) = doc.profile.business_process() {
                x.el("ram:BusinessProcessSpecifiedDocumentContextParameter", &[], |x| x.text("ram:ID", bp));
            }
            x.el("ram:GuidelineSpecifiedDocumentContextParameter", &[], |x| {
                x.text("ram:ID", doc.profile.customization_id())
            });
        });
        x.el("rsm:ExchangedDocument", &[], |x| {
            x.text("ram:ID", &doc.number);
            x.text("ram:TypeCode", doc.document_type.code());
            date(x, "ram:IssueDateTime", doc.issue_date);
            for note in &doc.notes {
                x.el("ram:IncludedNote", &[], |x| x.text("ram:Content", note));
            }
        });
        x.el("rsm:SupplyChainTradeTransaction", &[], |x| {
            for line in &doc.lines {
                line_item(x, line);
            }
            x.el("ram:ApplicableHeaderTradeAgreement", &[], |x| {
                x.opt("ram:BuyerReference", doc.buyer_reference.as_deref());
                party(x, "ram:SellerTradeParty", &doc.seller, doc.seller_contact.as_ref(), true);
                party(x, "ram:BuyerTradeParty", &doc.buyer, doc.buyer_contact.as_ref(), false);
            });
            x.el("ram:ApplicableHeaderTradeDelivery", &[], |x| {
                if let Some(to) = &doc.deliver_to {
                    x.el("ram:ShipToTradeParty", &[], |x| {
                        x.text("ram:Name", &doc.buyer.name);
                        address(x, to);
                    });
                }
                if let Some(d) = doc.delivery_date {
                    x.el("ram:ActualDeliverySupplyChainEvent", &[], |x| date(x, "ram:OccurrenceDateTime", d));
                }
            });
            settlement(x, doc);
        });
    });
    x.finish()
}

fn line_item(x: &mut Xml, line: &Line) {
    x.el("ram:IncludedSupplyChainTradeLineItem", &[], |x| {
        x.el("ram:AssociatedDocumentLineDocument", &[], |x| x.text("ram:LineID", &line.id));
        x.el("ram:SpecifiedTradeProduct", &[], |x| x.text("ram:Name", &line.name));
        x.el("ram:SpecifiedLineTradeAgreement", &[], |x| {
            x.el("ram:NetPriceProductTradePrice", &[], |x| {
                x.text("ram:ChargeAmount", &decimal(line.net_price));
                if let Some(base) = line.price_base_quantity {
                    x.leaf("ram:BasisQuantity", &[("unitCode", "C62")], &decimal(base));
                }
            });
        });
        x.el("ram:SpecifiedLineTradeDelivery", &[], |x| {
            x.leaf("ram:BilledQuantity", &[("unitCode", "C62")], &decimal(line.quantity));
        });
        x.el("ram:SpecifiedLineTradeSettlement", &[], |x| {
            x.el("ram:ApplicableTradeTax", &[], |x| {
                x.text("ram:TypeCode", "VAT");
                x.text("ram:CategoryCode", line.vat_category.code());
                if let Some(rate) = line.vat_rate {
                    x.text("ram:RateApplicablePercent", &percent(rate));
                }
            });
            if let Some((start, end)) = line.period {
                x.el("ram:BillingSpecifiedPeriod", &[], |x| {
                    date(x, "ram:StartDateTime", start);
                    date(x, "ram:EndDateTime", end);
                });
            }
            for a in &line.allowances {
                allowance_charge(x, a);
            }
            x.el("ram:SpecifiedTradeSettlementLineMonetarySummation", &[], |x| {
                x.text("ram:LineTotalAmount", &amount(line.net_amount))
            });
        });
    });
}

fn allowance_charge(x: &mut Xml, a: &AllowanceCharge) {
    x.el("ram:SpecifiedTradeAllowanceCharge", &[], |x| {
        x.el("ram:ChargeIndicator", &[], |x| x.text("udt:Indicator", if a.charge { "true" } else { "false" }));
        x.text("ram:ActualAmount", &amount(a.amount));
        x.text("ram:ReasonCode", a.reason_code);
        x.text("ram:Reason", &a.reason);
    });
}

fn address(x: &mut Xml, a: &Address) {
    x.el("ram:PostalTradeAddress", &[], |x| {
        x.opt("ram:PostcodeCode", a.postal_code.as_deref());
        x.opt("ram:LineOne", a.line1.as_deref());
        x.opt("ram:LineTwo", a.line2.as_deref());
        x.opt("ram:CityName", a.city.as_deref());
        x.text("ram:CountryID", &a.country);
    });
}

fn party(x: &mut Xml, name: &str, p: &Party, contact: Option<&Contact>, seller: bool) {
    x.el(name, &[], |x| {
        // BT-29: without a VAT id the tax number identifies the seller (BR-CO-26).
        if seller && p.vat_id.is_none() {
            x.opt("ram:ID", p.tax_number.as_deref());
        }
        x.text("ram:Name", &p.name);
        if let Some(c) = contact {
            x.el("ram:DefinedTradeContact", &[], |x| {
                x.opt("ram:PersonName", c.name.as_deref());
                if let Some(phone) = &c.phone {
                    x.el("ram:TelephoneUniversalCommunication", &[], |x| x.text("ram:CompleteNumber", phone));
                }
                if let Some(email) = &c.email {
                    x.el("ram:EmailURIUniversalCommunication", &[], |x| x.text("ram:URIID", email));
                }
            });
        }
        address(x, &p.address);
        if let Some((scheme, id)) = &p.electronic_address {
            x.el("ram:URIUniversalCommunication", &[], |x| x.leaf("ram:URIID", &[("schemeID", scheme)], id));
        }
        if let Some(vat) = &p.vat_id {
            x.el("ram:SpecifiedTaxRegistration", &[], |x| x.leaf("ram:ID", &[("schemeID", "VA")], vat));
        }
        if let Some(number) = &p.tax_number {
            x.el("ram:SpecifiedTaxRegistration", &[], |x| x.leaf("ram:ID", &[("schemeID", "FC")], number));
        }
    });
}

fn settlement(x: &mut Xml, doc: &Document) {
    let cur = doc.currency.code();
    x.el("ram:ApplicableHeaderTradeSettlement", &[], |x| {
        if let Some(PaymentMeans::CreditTransfer { reference, .. }) = &doc.payment_means {
            x.text("ram:PaymentReference", reference);
        }
        if let Some(vat) = &doc.vat_in_accounting_currency {
            x.text("ram:TaxCurrencyCode", vat.currency().code());
        }
        x.text("ram:InvoiceCurrencyCode", cur);
        if let Some(pm) = &doc.payment_means {
            x.el("ram:SpecifiedTradeSettlementPaymentMeans", &[], |x| {
                x.text("ram:TypeCode", pm.code());
                match pm {
                    PaymentMeans::CreditTransfer { iban, account_name, bic, .. } => {
                        x.el("ram:PayeePartyCreditorFinancialAccount", &[], |x| {
                            x.text("ram:IBANID", iban);
                            x.text("ram:AccountName", account_name);
                        });
                        if let Some(bic) = bic {
                            x.el("ram:PayeeSpecifiedCreditorFinancialInstitution", &[], |x| x.text("ram:BICID", bic));
                        }
                    }
                    PaymentMeans::Card { last_digits } => {
                        x.el("ram:ApplicableTradeSettlementFinancialCard", &[], |x| x.text("ram:ID", last_digits));
                    }
                    PaymentMeans::Clearing => {}
                }
            });
        }
        for g in &doc.vat_breakdown {
            x.el("ram:ApplicableTradeTax", &[], |x| {
                x.text("ram:CalculatedAmount", &amount(g.tax));
                x.text("ram:TypeCode", "VAT");
                x.opt("ram:ExemptionReason", g.exemption_reason.as_deref());
                x.text("ram:BasisAmount", &amount(g.taxable));
                x.text("ram:CategoryCode", g.category.code());
                x.opt("ram:ExemptionReasonCode", g.exemption_code);
                // XRechnung wants the rate on every group (BR-DE-14), 0 where no VAT is charged.
                x.text("ram:RateApplicablePercent", &percent(g.rate));
            });
        }
        if let Some((start, end)) = doc.period {
            x.el("ram:BillingSpecifiedPeriod", &[], |x| {
                date(x, "ram:StartDateTime", start);
                date(x, "ram:EndDateTime", end);
            });
        }
        if doc.payment_terms.is_some() || doc.due_date.is_some() {
            x.el("ram:SpecifiedTradePaymentTerms", &[], |x| {
                x.opt("ram:Description", doc.payment_terms.as_deref());
                if let Some(d) = doc.due_date {
                    date(x, "ram:DueDateDateTime", d);
                }
            });
        }
        let t = &doc.totals;
        x.el("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[], |x| {
            x.text("ram:LineTotalAmount", &amount(t.line_total));
            x.text("ram:TaxBasisTotalAmount", &amount(t.tax_exclusive));
            x.leaf("ram:TaxTotalAmount", &[("currencyID", cur)], &amount(t.tax_total));
            if let Some(vat) = &doc.vat_in_accounting_currency {
                x.leaf("ram:TaxTotalAmount", &[("currencyID", vat.currency().code())], &amount(*vat));
            }
            x.text("ram:GrandTotalAmount", &amount(t.tax_inclusive));
            if !t.prepaid.is_zero() {
                x.text("ram:TotalPrepaidAmount", &amount(t.prepaid));
            }
            x.text("ram:DuePayableAmount", &amount(t.payable));
        });
        if let Some((number, issued)) = &doc.preceding_invoice {
            x.el("ram:InvoiceReferencedDocument", &[], |x| {
                x.text("ram:IssuerAssignedID", number);
                if let Some(d) = issued {
                    x.el("ram:FormattedIssueDateTime", &[], |x| {
                        x.leaf("qdt:DateTimeString", &[("format", "102")], &d.format("%Y%m%d").to_string())
                    });
                }
            });
        }
    });
}
