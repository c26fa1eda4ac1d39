//! How each VAT case of the tax engine appears in an e-invoice: the EN 16931 category (BT-118)
//! and, for every category without VAT, the exemption reason text (BT-120) and VATEX code
//! (BT-121) that the rules BR-E-10, BR-AE-10, BR-IC-10, BR-G-10 and BR-O-10 demand.
//!
//! The category itself comes from the frozen VAT group (`tax::decide` chose it); only the E
//! category has two legal sources, told apart by the invoice's notices: the small-business rule
//! (§ 19 UStG) and an exempt supply or customer (Art. 132 ff., 151 Directive 2006/112/EC).
//! The texts are fixed, not translated: the XML is the legal document and the same for every
//! reader; the phrase "Reverse charge" is the one Art. 226 (11a) of the Directive prescribes.

use crate::tax::{TaxNotice, VatCategory};

/// The exemption reason (BT-120) and code (BT-121) for a group of `category` on an invoice that
/// carries `notices`; `(None, None)` for taxed categories (S, and Z whose rate is simply 0).
pub fn exemption(category: VatCategory, notices: &[TaxNotice]) -> (Option<String>, Option<&'static str>) {
    let with_basis = |text: &str, notice: TaxNotice| format!("{text} ({})", notice.legal_basis());
    match category {
        VatCategory::S | VatCategory::Z => (None, None),
        VatCategory::E if notices.contains(&TaxNotice::SmallBusinessExempt) => (
            Some(
                "Kein Ausweis von Umsatzsteuer: Kleinunternehmer gemäß § 19 UStG (small business, no VAT charged)"
                    .into(),
            ),
            None,
        ),
        VatCategory::E => (Some(with_basis("Exempt from VAT", TaxNotice::Exempt)), None),
        VatCategory::AE => (Some("Reverse charge".into()), Some("VATEX-EU-AE")),
        VatCategory::K => (
            Some(with_basis("Intra-Community supply, exempt from VAT", TaxNotice::IntraCommunitySupply)),
            Some("VATEX-EU-IC"),
        ),
        VatCategory::G => {
            (Some(with_basis("Export outside the EU, exempt from VAT", TaxNotice::ExportOfGoods)), Some("VATEX-EU-G"))
        }
        VatCategory::O => {
            let notice = if notices.contains(&TaxNotice::NotSubjectDamages) {
                TaxNotice::NotSubjectDamages
            } else if notices.contains(&TaxNotice::NotTaxableAbroad) {
                TaxNotice::NotTaxableAbroad
            } else {
                TaxNotice::NotTaxableOutsideEu
            };
            (Some(with_basis("Not subject to VAT", notice)), Some("VATEX-EU-O"))
        }
    }
}

/// Reads a stored notice key back (`tax_notices` holds `TaxNotice::key`s).
pub fn notice_from_key(key: &str) -> Option<TaxNotice> {
    [
        TaxNotice::ReverseCharge,
        TaxNotice::IntraCommunitySupply,
        TaxNotice::NotTaxableOutsideEu,
        TaxNotice::NotTaxableAbroad,
        TaxNotice::SmallBusinessExempt,
        TaxNotice::ExportOfGoods,
        TaxNotice::Exempt,
        TaxNotice::NotSubjectDamages,
    ]
    .into_iter()
    .find(|n| n.key() == key)
}

/// Reads a stored category code back.
pub fn category_from_code(code: &str) -> Option<VatCategory> {
    use VatCategory as C;
    [C::S, C::Z, C::E, C::AE, C::K, C::G, C::O].into_iter().find(|c| c.code() == code.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::standard(VatCategory::S, &[], None, None)]
    #[case::zero_rated(VatCategory::Z, &[], None, None)]
    #[case::reverse_charge(VatCategory::AE, &[TaxNotice::ReverseCharge], Some("Reverse charge"), Some("VATEX-EU-AE"))]
    #[case::intra_community(VatCategory::K, &[TaxNotice::IntraCommunitySupply], Some("Intra-Community supply"), Some("VATEX-EU-IC"))]
    #[case::export(VatCategory::G, &[TaxNotice::ExportOfGoods], Some("Export outside the EU"), Some("VATEX-EU-G"))]
    #[case::not_subject(VatCategory::O, &[TaxNotice::NotTaxableOutsideEu], Some("Not subject to VAT"), Some("VATEX-EU-O"))]
    #[case::small_business(VatCategory::E, &[TaxNotice::SmallBusinessExempt], Some("§ 19 UStG"), None)]
    #[case::exempt(VatCategory::E, &[TaxNotice::Exempt], Some("Exempt from VAT (Art. 132"), None)]
    fn every_category_gets_the_reason_its_rule_demands(
        #[case] category: VatCategory,
        #[case] notices: &[TaxNotice],
        #[case] text: Option<&str>,
        #[case] code: Option<&str>,
    ) {
        let (reason, vatex) = exemption(category, notices);
        match text {
            None => assert_eq!(reason, None),
            Some(t) => assert!(reason.as_deref().is_some_and(|r| r.contains(t)), "{reason:?} lacks {t}"),
        }
        assert_eq!(vatex, code);
    }

    #[test]
    fn the_reverse_charge_text_is_exactly_the_directives_phrase() {
        assert_eq!(exemption(VatCategory::AE, &[]).0.as_deref(), Some("Reverse charge"));
    }

    #[test]
    fn stored_codes_and_keys_read_back() {
        assert_eq!(category_from_code("AE"), Some(VatCategory::AE));
        assert_eq!(category_from_code("X"), None);
        assert_eq!(notice_from_key("small_business_exempt"), Some(TaxNotice::SmallBusinessExempt));
    }
}
