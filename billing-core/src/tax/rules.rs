//! Place of supply: which country's VAT applies to a supply, at which rate, under which EN 16931 category.
//!
//! [`decide`] encodes the EU rules for the supplies a subscription business makes (domain.md §2):
//! - domestic supply: the seller's VAT;
//! - B2B services across EU borders: taxable where the customer is established (Art. 44 Directive
//!   2006/112/EC), VAT due from the customer (reverse charge, Art. 196; § 13b Abs. 1, 5 UStG);
//! - B2B goods across EU borders: exempt intra-Community supply (Art. 138; § 4 Nr. 1 Buchst. b, § 6a UStG);
//! - B2C electronically supplied services: the consumer's country (Art. 58), unless the supplier uses
//!   the EUR 10 000 micro-business threshold (Art. 59c; § 3a Abs. 5 UStG), declared via OSS
//!   (Art. 369a ff.); B2C distance sales of goods likewise (Art. 33, 59c);
//! - customers outside the EU: services are outside the scope of EU VAT (Art. 44, 58), goods leave
//!   as exempt exports (Art. 146; § 4 Nr. 1 Buchst. a, § 6 UStG);
//! - small businesses (§ 19 UStG, Art. 282 ff.) and exempt supplies or customers charge no VAT.
//!
//! # Policy for business customers without a confirmed VAT ID
//!
//! Reg. (EU) 282/2011 Art. 18(1) lets the supplier treat a customer as a taxable person (and so apply
//! the reverse charge) only once it has the customer's VAT ID **and** has confirmed it (VIES). With
//! no VAT ID, an ID VIES says is invalid, an ID not yet verified (VIES down: "no answer" is
//! "unchecked", never "invalid"), or an ID from a country other than the customer's, this engine
//! **charges VAT as for a consumer** (Art. 18(2)): the destination rate when the B2C rules put the
//! supply there (OSS or local registration), the home rate below the Art. 59c threshold. The `rule`
//! then starts with `eu_b2b_unconfirmed_vat_id_as_b2c`. Charging and later correcting with a credit
//! note once VIES confirms is safe; not charging VAT that turns out to be due makes the seller liable.
//!
//! # Limits (deliberate, documented)
//! - Countries are ISO codes; territories outside the EU VAT area (Canary Islands, Åland, Büsingen, …,
//!   Art. 6–7) and Northern Ireland's goods status (XI) are not modelled.
//! - E-books take the customer country's `Reduced` rate (fallback: standard). This approximates
//!   Annex III point 6 (books "on all physical means of support or supplied electronically", since
//!   Directive (EU) 2018/1713): several Member States use another rate for e-books (e.g. IT and ES
//!   4 % super-reduced, LU 3 %, IE 9 %; GB zero-rates e-publications).
//! - Non-EU sellers: their own domestic supplies and registrations are taxed at the table's rate; the
//!   EU side (reverse charge, non-Union OSS) is modelled; other national place-of-supply rules (e.g.
//!   UK s. 7A VATA 1994, Art. 8 MWSTG) are approximated by "outside the seller's country: not taxable".
//! - A non-established seller's domestic B2B reverse charge (Art. 194; § 13b Abs. 2 Nr. 1 UStG) is not
//!   modelled.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::tax::TaxError;
use crate::tax::rates::{RateKind, rate_on};
use crate::tax::vat_id::{VatId, VatIdStatus};

/// The seller (the tenant issuing invoices).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SellerProfile {
    /// Country of establishment.
    pub country: Country,
    pub vat_id: Option<VatId>,
    /// Registered for the One-Stop-Shop (Union scheme for EU sellers, non-Union scheme otherwise).
    pub oss_registered: bool,
    /// Further VAT registrations outside the country of establishment (e.g. GB, CH, NO, or an EU
    /// Member State registered in directly instead of via OSS).
    pub registrations: Vec<Country>,
    /// Kleinunternehmer (§ 19 UStG; Art. 282 ff. Directive): no VAT on domestic supplies.
    pub small_business_exempt: bool,
    /// Uses the Art. 59c micro-business rule: cross-border B2C supplies stay taxed at home while the
    /// EU-wide cross-border B2C turnover is at most EUR 10 000. `false`: always destination (the seller
    /// opted out, which binds for two calendar years, or does not qualify).
    pub eu_b2c_below_threshold_opt: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A taxable person acting as such.
    Business,
    /// A non-taxable person.
    Consumer,
}

/// The buyer, with the evidence for its status.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CustomerProfile {
    /// Where the customer is established or usually resides (for consumers: from two non-contradictory
    /// pieces of evidence, Art. 24b(d), 24f Reg. 282/2011, decided before this call).
    pub country: Country,
    pub kind: CustomerKind,
    /// The VAT ID the customer gave and the outcome of its VIES check.
    pub vat_id: Option<(VatId, VatIdStatus)>,
    /// The customer is exempt from VAT (e.g. diplomatic missions, international organisations, Art. 151).
    pub exempt: bool,
}

/// What the product is, for tax purposes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    /// Electronically supplied service (Art. 7 Reg. 282/2011, Annex II Directive): SaaS, subscriptions.
    DigitalService,
    /// Electronically supplied book (Annex III point 6).
    EBook,
    /// Goods shipped to the customer.
    PhysicalGoods,
    /// A supply exempt by law (e.g. Art. 132 education). Treated as a service for the place of supply.
    Exempt,
    /// Not a supply at all, so outside the scope of VAT: damages such as default interest, the
    /// flat fee of § 288 Abs. 5 BGB and dunning fees (Art. 2(1) Directive 2006/112/EC needs a
    /// supply for consideration; UStAE Abschn. 1.3 Abs. 6: Verzugszinsen, Fälligkeitszinsen,
    /// Prozesszinsen and Mahngebühren are Schadensersatz, not Entgelt).
    NotSubject,
}

/// EN 16931 VAT category code (UNCL5305 subset, BT-118/BT-151).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)] // the codes are the standard's own spelling
pub enum VatCategory {
    /// Standard rate (any positive rate, reduced rates included).
    S,
    /// Zero rated.
    Z,
    /// Exempt from tax.
    E,
    /// VAT reverse charge.
    AE,
    /// Intra-Community supply (VAT exempt for EEA intra-community supply of goods and services).
    K,
    /// Free export item, VAT not charged.
    G,
    /// Services outside scope of tax.
    O,
}

impl VatCategory {
    /// The UNCL5305 code as it appears in the e-invoice.
    pub const fn code(self) -> &'static str {
        match self {
            VatCategory::S => "S",
            VatCategory::Z => "Z",
            VatCategory::E => "E",
            VatCategory::AE => "AE",
            VatCategory::K => "K",
            VatCategory::G => "G",
            VatCategory::O => "O",
        }
    }
}

/// A mention the invoice must carry. Stable keys for translations and the e-invoice's exemption
/// reason (BT-120/BT-121).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxNotice {
    /// "Reverse charge" (Art. 226(11a)); DE "Steuerschuldnerschaft des Leistungsempfängers" (§ 14a Abs. 5 UStG).
    ReverseCharge,
    /// Exempt intra-Community supply of goods (Art. 138, 226(11); § 14a Abs. 3 UStG).
    IntraCommunitySupply,
    /// Place of supply outside the EU: not taxable here (Art. 44, 58).
    NotTaxableOutsideEu,
    /// A non-EU seller's supply whose place of supply is outside its country.
    NotTaxableAbroad,
    /// Kleinunternehmer: no VAT charged under § 19 UStG.
    SmallBusinessExempt,
    /// Exempt export of goods (Art. 146; § 4 Nr. 1 Buchst. a, § 6 UStG).
    ExportOfGoods,
    /// Exempt supply (Art. 132 ff., 151), reference to the exemption required by Art. 226(11).
    Exempt,
    /// Damages (default interest, dunning fees): no supply, outside the scope of VAT.
    NotSubjectDamages,
}

impl TaxNotice {
    /// Stable identifier (also the serde form), used as the translation key.
    pub const fn key(self) -> &'static str {
        match self {
            TaxNotice::ReverseCharge => "reverse_charge",
            TaxNotice::IntraCommunitySupply => "intra_community_supply",
            TaxNotice::NotTaxableOutsideEu => "not_taxable_outside_eu",
            TaxNotice::NotTaxableAbroad => "not_taxable_abroad",
            TaxNotice::SmallBusinessExempt => "small_business_exempt",
            TaxNotice::ExportOfGoods => "export_of_goods",
            TaxNotice::Exempt => "exempt",
            TaxNotice::NotSubjectDamages => "not_subject_damages",
        }
    }

    /// The legal provisions behind the notice (EU, then German), for the invoice footnote or the
    /// e-invoice's exemption reason text.
    pub const fn legal_basis(self) -> &'static str {
        match self {
            TaxNotice::ReverseCharge => "Art. 196 Directive 2006/112/EC; § 13b UStG",
            TaxNotice::IntraCommunitySupply => "Art. 138 Directive 2006/112/EC; § 4 Nr. 1 Buchst. b, § 6a UStG",
            TaxNotice::NotTaxableOutsideEu => "Art. 44, 58 Directive 2006/112/EC; § 3a UStG",
            TaxNotice::NotTaxableAbroad => "place of supply outside the supplier's country",
            TaxNotice::SmallBusinessExempt => "§ 19 UStG; Art. 282 ff. Directive 2006/112/EC",
            TaxNotice::ExportOfGoods => "Art. 146 Directive 2006/112/EC; § 4 Nr. 1 Buchst. a, § 6 UStG",
            TaxNotice::Exempt => "Art. 132 ff., 151 Directive 2006/112/EC; § 4 UStG",
            TaxNotice::NotSubjectDamages => {
                "Art. 2(1) Directive 2006/112/EC; § 1 Abs. 1 Nr. 1 UStG, UStAE Abschn. 1.3 Abs. 6 (Schadensersatz)"
            }
        }
    }
}

/// The answer for one supply.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct TaxDecision {
    pub category_code: VatCategory,
    /// Percent (19 = 19 %); 0 for every category except S.
    pub rate: Decimal,
    /// Whose VAT applies (the place of supply); `None` when the supply is outside the scope of any VAT
    /// this engine knows.
    pub country: Option<Country>,
    pub notice: Option<TaxNotice>,
    /// Short id of the rule applied, for the audit trail (stable; stored with the invoice).
    pub rule: &'static str,
}

impl TaxDecision {
    fn zero(category_code: VatCategory, country: Option<Country>, notice: TaxNotice, rule: &'static str) -> Self {
        TaxDecision { category_code, rate: Decimal::ZERO, country, notice: Some(notice), rule }
    }
}

/// Decides the VAT treatment of one supply on `supply_date` (the tax point: rates are looked up for
/// that date).
///
/// `eu_cross_border_b2c_turnover_exceeded`: the seller's EU cross-border B2C turnover (services
/// and distance sales of goods) exceeded EUR 10 000 in the previous or the current calendar year up to
/// and including this supply (Art. 59c(1)(c)); only relevant when
/// [`SellerProfile::eu_b2c_below_threshold_opt`] is set.
///
/// Errors: [`TaxError::NoRate`] when the place of supply has no rate in the table on that date;
/// [`TaxError::RegistrationRequired`] when the supply is taxable in a country where the seller can
/// neither use OSS nor a local registration (the seller must register before invoicing).
pub fn decide(
    seller: &SellerProfile,
    customer: &CustomerProfile,
    category: TaxCategory,
    supply_date: NaiveDate,
    eu_cross_border_b2c_turnover_exceeded: bool,
) -> Result<TaxDecision, TaxError> {
    if category == TaxCategory::NotSubject {
        // Damages are no supply: no place of supply, no VAT, whoever the parties are.
        return Ok(TaxDecision::zero(VatCategory::O, None, TaxNotice::NotSubjectDamages, "damages_not_subject"));
    }
    let base = match place_of_supply(seller, customer, category, supply_date, eu_cross_border_b2c_turnover_exceeded) {
        // An exempt supply owes no VAT, so a missing registration where it takes place is no obstacle.
        Err(TaxError::RegistrationRequired { country }) if category == TaxCategory::Exempt => {
            return Ok(TaxDecision::zero(VatCategory::E, Some(country), TaxNotice::Exempt, "exempt_supply"));
        }
        other => other?,
    };
    if base.category_code != VatCategory::S {
        // Reverse charge, intra-Community supply, export, out of scope: no VAT is charged anyway and
        // their notice is the one the invoice needs.
        return Ok(base);
    }
    if category == TaxCategory::Exempt {
        return Ok(TaxDecision::zero(VatCategory::E, base.country, TaxNotice::Exempt, "exempt_supply"));
    }
    if customer.exempt {
        return Ok(TaxDecision::zero(VatCategory::E, base.country, TaxNotice::Exempt, "exempt_customer"));
    }
    if seller.small_business_exempt && base.country == Some(seller.country) {
        // § 19 Abs. 1 UStG: no VAT on supplies taxable at home, which includes cross-border B2C
        // supplies kept at home by Art. 59c.
        return Ok(TaxDecision::zero(
            VatCategory::E,
            base.country,
            TaxNotice::SmallBusinessExempt,
            "small_business_exempt",
        ));
    }
    Ok(base)
}

/// Where the supply is taxed, ignoring exemptions.
fn place_of_supply(
    seller: &SellerProfile,
    customer: &CustomerProfile,
    category: TaxCategory,
    date: NaiveDate,
    threshold_exceeded: bool,
) -> Result<TaxDecision, TaxError> {
    let (home, there) = (seller.country, customer.country);
    let goods = category == TaxCategory::PhysicalGoods;
    let taxed = |country: Country, rule: &'static str| taxed_in(country, category, date, rule);

    if same_vat_area(home, there) {
        return taxed(home, "domestic");
    }

    // Art. 18(1) Reg. 282/2011: reverse charge / exempt intra-Community supply only with a VAT ID of
    // the customer's country that VIES confirmed.
    let confirmed_business = customer.kind == CustomerKind::Business
        && customer.vat_id.as_ref().is_some_and(|(id, status)| status.is_valid() && id.country() == there);

    if home.is_eu() {
        if there.is_eu() {
            if confirmed_business {
                return Ok(if goods {
                    TaxDecision::zero(
                        VatCategory::K,
                        Some(there),
                        TaxNotice::IntraCommunitySupply,
                        "eu_b2b_intra_community_supply",
                    )
                } else {
                    TaxDecision::zero(VatCategory::AE, Some(there), TaxNotice::ReverseCharge, "eu_b2b_reverse_charge")
                });
            }
            let as_b2c = customer.kind == CustomerKind::Business;
            // Art. 59c: home taxation while the seller uses the threshold and has not exceeded it.
            if seller.eu_b2c_below_threshold_opt && !threshold_exceeded {
                let rule = match (as_b2c, goods) {
                    (true, _) => "eu_b2b_unconfirmed_vat_id_as_b2c_home_below_threshold",
                    (false, false) => "eu_b2c_art59c_home_below_threshold",
                    (false, true) => "eu_b2c_art59c_goods_home_below_threshold",
                };
                return taxed(home, rule);
            }
            let oss = seller.oss_registered;
            if !oss && !seller.registrations.contains(&there) {
                return Err(TaxError::RegistrationRequired { country: there });
            }
            let rule = match (as_b2c, goods, oss) {
                (true, _, _) => "eu_b2b_unconfirmed_vat_id_as_b2c_destination",
                (false, false, true) => "eu_b2c_art58_destination_oss",
                (false, false, false) => "eu_b2c_art58_destination_registered",
                (false, true, true) => "eu_b2c_art33_distance_sale_oss",
                (false, true, false) => "eu_b2c_art33_distance_sale_registered",
            };
            return taxed(there, rule);
        }
        if goods {
            return Ok(TaxDecision::zero(VatCategory::G, Some(home), TaxNotice::ExportOfGoods, "export_of_goods"));
        }
        if seller.registrations.contains(&there) {
            // E.g. UK, Swiss or Norwegian VAT on digital services (VOEC) for a seller registered there.
            return taxed(there, "registered_non_eu_destination");
        }
        return Ok(TaxDecision::zero(VatCategory::O, None, TaxNotice::NotTaxableOutsideEu, "outside_eu_not_taxable"));
    }

    // Seller established outside the EU.
    if goods {
        return Ok(TaxDecision::zero(VatCategory::G, Some(home), TaxNotice::ExportOfGoods, "export_of_goods"));
    }
    if there.is_eu() {
        if confirmed_business {
            // Art. 44 + 196: the EU business accounts for the VAT.
            return Ok(TaxDecision::zero(
                VatCategory::AE,
                Some(there),
                TaxNotice::ReverseCharge,
                "non_eu_seller_b2b_reverse_charge",
            ));
        }
        // Art. 58 from the first euro: Art. 59c is for EU-established suppliers only.
        if !seller.oss_registered && !seller.registrations.contains(&there) {
            return Err(TaxError::RegistrationRequired { country: there });
        }
        return taxed(there, "non_eu_seller_b2c_destination");
    }
    if seller.registrations.contains(&there) {
        return taxed(there, "registered_non_eu_destination");
    }
    Ok(TaxDecision::zero(VatCategory::O, None, TaxNotice::NotTaxableAbroad, "non_eu_seller_abroad_not_taxable"))
}

/// Switzerland and Liechtenstein form one VAT area (CH–LI VAT treaty of 1994); otherwise a country
/// is its own area.
fn same_vat_area(a: Country, b: Country) -> bool {
    let ch_li = |c: Country| matches!(c.code(), "CH" | "LI");
    a == b || (ch_li(a) && ch_li(b))
}

/// S at `country`'s rate for the category on `date`.
fn taxed_in(
    country: Country,
    category: TaxCategory,
    date: NaiveDate,
    rule: &'static str,
) -> Result<TaxDecision, TaxError> {
    let rate = match category {
        // Approximation of Annex III point 6, see the module documentation.
        TaxCategory::EBook => match rate_on(country, RateKind::Reduced, date) {
            Err(TaxError::NoRate { .. }) => rate_on(country, RateKind::Standard, date)?,
            other => other?,
        },
        TaxCategory::DigitalService | TaxCategory::PhysicalGoods | TaxCategory::Exempt | TaxCategory::NotSubject => {
            rate_on(country, RateKind::Standard, date)?
        }
    };
    Ok(TaxDecision { category_code: VatCategory::S, rate, country: Some(country), notice: None, rule })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::vat_id::VatIdError;
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const MARCH_2026: &str = "2026-03-01";

    /// The worked-example seller: Germany, OSS-registered, destination taxation from the first euro.
    fn seller() -> SellerProfile {
        SellerProfile {
            country: c("DE"),
            vat_id: Some(VatId::parse("DE136695976").unwrap()),
            oss_registered: true,
            registrations: vec![],
            small_business_exempt: false,
            eu_b2c_below_threshold_opt: false,
        }
    }

    fn consumer(country: &str) -> CustomerProfile {
        CustomerProfile { country: c(country), kind: CustomerKind::Consumer, vat_id: None, exempt: false }
    }

    fn checked_at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 27, 10, 0, 0).unwrap()
    }

    fn valid() -> VatIdStatus {
        VatIdStatus::Valid { checked_at: checked_at(), consultation_number: None, name: None, address: None }
    }

    fn business(country: &str, vat_id: Option<(&str, VatIdStatus)>) -> CustomerProfile {
        CustomerProfile {
            country: c(country),
            kind: CustomerKind::Business,
            vat_id: vat_id.map(|(text, status)| (VatId::parse(text).unwrap(), status)),
            exempt: false,
        }
    }

    fn digital(seller: &SellerProfile, customer: &CustomerProfile, date: &str) -> Result<TaxDecision, TaxError> {
        decide(seller, customer, TaxCategory::DigitalService, day(date), false)
    }

    fn s(rate: Decimal, country: &str, rule: &'static str) -> TaxDecision {
        TaxDecision { category_code: VatCategory::S, rate, country: Some(c(country)), notice: None, rule }
    }

    fn zero(category: VatCategory, country: Option<&str>, notice: TaxNotice, rule: &'static str) -> TaxDecision {
        TaxDecision::zero(category, country.map(c), notice, rule)
    }

    // --- The worked examples (seller DE, OSS, digital service) ---

    #[test]
    fn worked_consumer_de_is_domestic_19() {
        assert_eq!(digital(&seller(), &consumer("DE"), MARCH_2026), Ok(s(dec!(19), "DE", "domestic")));
    }

    #[test]
    fn worked_consumer_at_is_austrian_20_via_oss() {
        assert_eq!(
            digital(&seller(), &consumer("AT"), MARCH_2026),
            Ok(s(dec!(20), "AT", "eu_b2c_art58_destination_oss"))
        );
    }

    #[test]
    fn worked_business_fr_with_valid_vat_id_is_reverse_charge() {
        let customer = business("FR", Some(("FR40303265045", valid())));
        assert_eq!(
            digital(&seller(), &customer, MARCH_2026),
            Ok(zero(VatCategory::AE, Some("FR"), TaxNotice::ReverseCharge, "eu_b2b_reverse_charge"))
        );
    }

    #[test]
    fn worked_business_fr_with_bad_check_digits_is_rejected_at_parse() {
        assert_eq!(VatId::parse("FR41303265045"), Err(VatIdError::BadCheckDigits { country: c("FR") }));
    }

    #[test]
    fn worked_estonia_22_then_24() {
        let rule = "eu_b2c_art58_destination_oss";
        assert_eq!(digital(&seller(), &consumer("EE"), "2025-06-30"), Ok(s(dec!(22), "EE", rule)));
        assert_eq!(digital(&seller(), &consumer("EE"), "2025-07-01"), Ok(s(dec!(24), "EE", rule)));
    }

    #[test]
    fn worked_finland_24_then_25_5() {
        let rule = "eu_b2c_art58_destination_oss";
        assert_eq!(digital(&seller(), &consumer("FI"), "2024-08-31"), Ok(s(dec!(24), "FI", rule)));
        assert_eq!(digital(&seller(), &consumer("FI"), "2024-09-01"), Ok(s(dec!(25.5), "FI", rule)));
    }

    #[test]
    fn worked_swiss_business_seller_not_registered_is_out_of_scope() {
        assert_eq!(
            digital(&seller(), &business("CH", None), MARCH_2026),
            Ok(zero(VatCategory::O, None, TaxNotice::NotTaxableOutsideEu, "outside_eu_not_taxable"))
        );
    }

    #[test]
    fn german_covid_cut_applies_on_its_dates() {
        assert_eq!(digital(&seller(), &consumer("DE"), "2020-06-30").unwrap().rate, dec!(19));
        assert_eq!(digital(&seller(), &consumer("DE"), "2020-07-01").unwrap().rate, dec!(16));
        assert_eq!(digital(&seller(), &consumer("DE"), "2021-01-01").unwrap().rate, dec!(19));
    }

    // --- Business customers without a confirmed VAT ID: charged as consumers ---

    #[test]
    fn unconfirmed_vat_ids_are_charged_as_b2c() {
        let rule = "eu_b2b_unconfirmed_vat_id_as_b2c_destination";
        let unverified = VatIdStatus::Unverified { reason: "MS_UNAVAILABLE".into(), since: checked_at() };
        let customers = [
            business("FR", None),
            business("FR", Some(("FR40303265045", VatIdStatus::Invalid { checked_at: checked_at() }))),
            business("FR", Some(("FR40303265045", unverified))),
            // A valid ID, but of another Member State than the customer's.
            business("FR", Some(("ATU13585627", valid()))),
        ];
        for customer in customers {
            assert_eq!(digital(&seller(), &customer, MARCH_2026), Ok(s(dec!(20), "FR", rule)), "{customer:?}");
        }
    }

    #[test]
    fn unconfirmed_vat_id_below_threshold_is_charged_at_home() {
        let seller = SellerProfile { eu_b2c_below_threshold_opt: true, ..seller() };
        assert_eq!(
            digital(&seller, &business("FR", None), MARCH_2026),
            Ok(s(dec!(19), "DE", "eu_b2b_unconfirmed_vat_id_as_b2c_home_below_threshold"))
        );
    }

    #[test]
    fn a_consumer_with_a_vat_id_is_still_a_consumer() {
        let customer =
            CustomerProfile { kind: CustomerKind::Consumer, ..business("FR", Some(("FR40303265045", valid()))) };
        assert_eq!(digital(&seller(), &customer, MARCH_2026).unwrap().category_code, VatCategory::S);
    }

    #[test]
    fn domestic_business_pays_domestic_vat_even_with_a_valid_id() {
        let customer = business("DE", Some(("DE136695976", valid())));
        assert_eq!(digital(&seller(), &customer, MARCH_2026), Ok(s(dec!(19), "DE", "domestic")));
    }

    // --- Art. 59c threshold and registrations ---

    #[test]
    fn below_threshold_b2c_stays_at_home_until_exceeded() {
        let seller = SellerProfile { eu_b2c_below_threshold_opt: true, ..seller() };
        let below = decide(&seller, &consumer("AT"), TaxCategory::DigitalService, day(MARCH_2026), false);
        assert_eq!(below, Ok(s(dec!(19), "DE", "eu_b2c_art59c_home_below_threshold")));
        let above = decide(&seller, &consumer("AT"), TaxCategory::DigitalService, day(MARCH_2026), true);
        assert_eq!(above, Ok(s(dec!(20), "AT", "eu_b2c_art58_destination_oss")));
    }

    #[test]
    fn destination_without_oss_needs_a_local_registration() {
        let unregistered = SellerProfile { oss_registered: false, ..seller() };
        assert_eq!(
            digital(&unregistered, &consumer("AT"), MARCH_2026),
            Err(TaxError::RegistrationRequired { country: c("AT") })
        );
        let registered_in_at = SellerProfile { registrations: vec![c("AT")], ..unregistered.clone() };
        assert_eq!(
            digital(&registered_in_at, &consumer("AT"), MARCH_2026),
            Ok(s(dec!(20), "AT", "eu_b2c_art58_destination_registered"))
        );
        // Below the threshold no registration is needed.
        let micro = SellerProfile { eu_b2c_below_threshold_opt: true, ..unregistered };
        assert_eq!(digital(&micro, &consumer("AT"), MARCH_2026).unwrap().country, Some(c("DE")));
    }

    #[test]
    fn b2c_oss_uses_the_customer_country_rate_everywhere_in_the_eu() {
        let eu: Vec<&str> = crate::tax::rates::countries().into_iter().filter(|code| c(code).is_eu()).collect();
        for date in ["2020-01-01", "2020-07-01", "2023-06-30", "2024-09-01", "2025-08-01", "2026-03-01"] {
            for &country in &eu {
                let decision = digital(&seller(), &consumer(country), date).unwrap();
                let want = rate_on(c(country), RateKind::Standard, day(date)).unwrap();
                assert_eq!((decision.rate, decision.country), (want, Some(c(country))), "{country} {date}");
                assert_eq!(decision.category_code, VatCategory::S);
            }
        }
    }

    // --- E-books ---

    #[test]
    fn ebooks_take_the_reduced_rate_of_the_place_of_supply() {
        let ebook = |customer: &CustomerProfile, date: &str| {
            decide(&seller(), customer, TaxCategory::EBook, day(date), false).unwrap().rate
        };
        assert_eq!(ebook(&consumer("DE"), MARCH_2026), dec!(7));
        assert_eq!(ebook(&consumer("DE"), "2020-08-01"), dec!(5));
        assert_eq!(ebook(&consumer("FR"), MARCH_2026), dec!(5.5));
        assert_eq!(ebook(&consumer("FI"), MARCH_2026), dec!(10));
        // Denmark has no reduced rate: standard.
        assert_eq!(ebook(&consumer("DK"), MARCH_2026), dec!(25));
        // B2B e-books are reverse-charged like any service.
        let b2b = decide(
            &seller(),
            &business("FR", Some(("FR40303265045", valid()))),
            TaxCategory::EBook,
            day(MARCH_2026),
            false,
        );
        assert_eq!(b2b.unwrap().category_code, VatCategory::AE);
    }

    // --- Goods ---

    #[test]
    fn goods() {
        let goods = |customer: &CustomerProfile| {
            decide(&seller(), customer, TaxCategory::PhysicalGoods, day(MARCH_2026), false)
        };
        assert_eq!(
            goods(&business("FR", Some(("FR40303265045", valid())))),
            Ok(zero(VatCategory::K, Some("FR"), TaxNotice::IntraCommunitySupply, "eu_b2b_intra_community_supply"))
        );
        assert_eq!(goods(&consumer("AT")), Ok(s(dec!(20), "AT", "eu_b2c_art33_distance_sale_oss")));
        assert_eq!(goods(&consumer("DE")), Ok(s(dec!(19), "DE", "domestic")));
        for customer in [consumer("US"), business("CH", None), consumer("GB")] {
            assert_eq!(
                goods(&customer),
                Ok(zero(VatCategory::G, Some("DE"), TaxNotice::ExportOfGoods, "export_of_goods")),
                "{customer:?}"
            );
        }
        let micro = SellerProfile { eu_b2c_below_threshold_opt: true, oss_registered: false, ..seller() };
        assert_eq!(
            decide(&micro, &consumer("AT"), TaxCategory::PhysicalGoods, day(MARCH_2026), false),
            Ok(s(dec!(19), "DE", "eu_b2c_art59c_goods_home_below_threshold"))
        );
    }

    // --- Outside the EU ---

    #[test]
    fn outside_the_eu_is_not_taxable_unless_registered_there() {
        let out = zero(VatCategory::O, None, TaxNotice::NotTaxableOutsideEu, "outside_eu_not_taxable");
        for customer in [consumer("US"), consumer("GB"), consumer("CH"), consumer("NO"), business("CN", None)] {
            assert_eq!(digital(&seller(), &customer, MARCH_2026), Ok(out.clone()), "{customer:?}");
        }
        let registered = SellerProfile { registrations: vec![c("GB"), c("CH"), c("NO")], ..seller() };
        let rule = "registered_non_eu_destination";
        assert_eq!(digital(&registered, &consumer("GB"), MARCH_2026), Ok(s(dec!(20), "GB", rule)));
        assert_eq!(digital(&registered, &consumer("NO"), MARCH_2026), Ok(s(dec!(25), "NO", rule)));
        assert_eq!(digital(&registered, &business("CH", None), "2023-12-31"), Ok(s(dec!(7.7), "CH", rule)));
        assert_eq!(digital(&registered, &business("CH", None), "2024-01-01"), Ok(s(dec!(8.1), "CH", rule)));
        // Registered in GB only: US customers stay out of scope.
        assert_eq!(digital(&registered, &consumer("US"), MARCH_2026), Ok(out));
    }

    // --- Exemptions ---

    #[test]
    fn small_business_charges_no_vat_at_home() {
        let kleinunternehmer = SellerProfile {
            small_business_exempt: true,
            oss_registered: false,
            eu_b2c_below_threshold_opt: true,
            ..seller()
        };
        let exempt = zero(VatCategory::E, Some("DE"), TaxNotice::SmallBusinessExempt, "small_business_exempt");
        assert_eq!(digital(&kleinunternehmer, &consumer("DE"), MARCH_2026), Ok(exempt.clone()));
        // Cross-border B2C kept at home by Art. 59c: also exempt.
        assert_eq!(digital(&kleinunternehmer, &consumer("AT"), MARCH_2026), Ok(exempt));
        // B2B cross-border: the customer's reverse charge is unaffected.
        let b2b = digital(&kleinunternehmer, &business("FR", Some(("FR40303265045", valid()))), MARCH_2026);
        assert_eq!(b2b.unwrap().category_code, VatCategory::AE);
        // Outside the EU: out of scope, as for everyone.
        assert_eq!(digital(&kleinunternehmer, &consumer("US"), MARCH_2026).unwrap().category_code, VatCategory::O);
    }

    #[test]
    fn exempt_customers_and_supplies() {
        let diplomat = CustomerProfile { exempt: true, ..consumer("DE") };
        assert_eq!(
            digital(&seller(), &diplomat, MARCH_2026),
            Ok(zero(VatCategory::E, Some("DE"), TaxNotice::Exempt, "exempt_customer"))
        );
        let exempt_supply = |customer: &CustomerProfile, seller: &SellerProfile| {
            decide(seller, customer, TaxCategory::Exempt, day(MARCH_2026), false)
        };
        assert_eq!(
            exempt_supply(&consumer("DE"), &seller()),
            Ok(zero(VatCategory::E, Some("DE"), TaxNotice::Exempt, "exempt_supply"))
        );
        assert_eq!(
            exempt_supply(&consumer("AT"), &seller()),
            Ok(zero(VatCategory::E, Some("AT"), TaxNotice::Exempt, "exempt_supply"))
        );
        // No VAT is due, so a missing registration is no error for an exempt supply.
        let unregistered = SellerProfile { oss_registered: false, ..seller() };
        assert_eq!(
            exempt_supply(&consumer("AT"), &unregistered),
            Ok(zero(VatCategory::E, Some("AT"), TaxNotice::Exempt, "exempt_supply"))
        );
        // Out of scope stays out of scope.
        assert_eq!(exempt_supply(&consumer("US"), &seller()).unwrap().category_code, VatCategory::O);
    }

    // --- Sellers outside the EU ---

    fn uk_seller() -> SellerProfile {
        SellerProfile {
            country: c("GB"),
            vat_id: Some(VatId::parse("GB980780684").unwrap()),
            oss_registered: true,
            registrations: vec![],
            small_business_exempt: false,
            eu_b2c_below_threshold_opt: true,
        }
    }

    #[test]
    fn non_eu_seller() {
        assert_eq!(digital(&uk_seller(), &consumer("GB"), MARCH_2026), Ok(s(dec!(20), "GB", "domestic")));
        assert_eq!(
            digital(&uk_seller(), &business("DE", Some(("DE136695976", valid()))), MARCH_2026),
            Ok(zero(VatCategory::AE, Some("DE"), TaxNotice::ReverseCharge, "non_eu_seller_b2b_reverse_charge"))
        );
        // Non-Union OSS: destination from the first euro; Art. 59c does not apply to non-EU sellers.
        assert_eq!(
            decide(&uk_seller(), &consumer("DE"), TaxCategory::DigitalService, day(MARCH_2026), false),
            Ok(s(dec!(19), "DE", "non_eu_seller_b2c_destination"))
        );
        let no_oss = SellerProfile { oss_registered: false, ..uk_seller() };
        assert_eq!(
            digital(&no_oss, &consumer("DE"), MARCH_2026),
            Err(TaxError::RegistrationRequired { country: c("DE") })
        );
        assert_eq!(
            digital(&uk_seller(), &consumer("US"), MARCH_2026),
            Ok(zero(VatCategory::O, None, TaxNotice::NotTaxableAbroad, "non_eu_seller_abroad_not_taxable"))
        );
        let with_no = SellerProfile { registrations: vec![c("NO")], ..uk_seller() };
        assert_eq!(
            digital(&with_no, &consumer("NO"), MARCH_2026),
            Ok(s(dec!(25), "NO", "registered_non_eu_destination"))
        );
    }

    #[test]
    fn switzerland_and_liechtenstein_are_one_vat_area() {
        let swiss =
            SellerProfile { country: c("CH"), vat_id: Some(VatId::parse("CHE116281710").unwrap()), ..uk_seller() };
        assert_eq!(digital(&swiss, &consumer("LI"), MARCH_2026), Ok(s(dec!(8.1), "CH", "domestic")));
        assert_eq!(digital(&swiss, &consumer("CH"), "2023-12-31"), Ok(s(dec!(7.7), "CH", "domestic")));
    }

    #[test]
    fn unknown_domestic_rates_are_errors() {
        let us = SellerProfile { country: c("US"), vat_id: None, ..uk_seller() };
        assert_eq!(
            digital(&us, &consumer("US"), MARCH_2026),
            Err(TaxError::NoRate { country: c("US"), kind: RateKind::Standard, date: day(MARCH_2026) })
        );
        assert_eq!(
            digital(&seller(), &consumer("DE"), "2006-12-31"),
            Err(TaxError::NoRate { country: c("DE"), kind: RateKind::Standard, date: day("2006-12-31") })
        );
    }

    #[test]
    fn codes_and_keys_are_stable() {
        let codes: Vec<&str> = [
            VatCategory::S,
            VatCategory::Z,
            VatCategory::E,
            VatCategory::AE,
            VatCategory::K,
            VatCategory::G,
            VatCategory::O,
        ]
        .iter()
        .map(|c| c.code())
        .collect();
        assert_eq!(codes, ["S", "Z", "E", "AE", "K", "G", "O"]);
        assert_eq!(serde_json::to_string(&VatCategory::AE).unwrap(), "\"AE\"");
        for notice in [
            TaxNotice::ReverseCharge,
            TaxNotice::IntraCommunitySupply,
            TaxNotice::NotTaxableOutsideEu,
            TaxNotice::NotTaxableAbroad,
            TaxNotice::SmallBusinessExempt,
            TaxNotice::ExportOfGoods,
            TaxNotice::Exempt,
        ] {
            assert_eq!(serde_json::to_string(&notice).unwrap(), format!("\"{}\"", notice.key()));
            assert!(!notice.legal_basis().is_empty());
        }
        assert_eq!(TaxNotice::ReverseCharge.legal_basis(), "Art. 196 Directive 2006/112/EC; § 13b UStG");
    }
}
