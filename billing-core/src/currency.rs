//! ISO 4217 currencies: the static table of active currencies, lookup by code, and their minor-unit exponents.

use core::fmt;
use core::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A currency from ISO 4217 List One.
///
/// Values only come out of the static ISO table, so a `Currency` is always a real,
/// active currency with a known exponent; code elsewhere never has to
/// re-validate one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    numeric: u16,
    exponent: u8,
    name: &'static str,
}

/// Why a currency code was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum CurrencyError {
    /// Not three ASCII letters, or not an active ISO 4217 code. Holds the
    /// text exactly as given so the message shows what the user typed.
    #[error("unknown currency code {0:?}")]
    Unknown(String),
}

impl Currency {
    pub const CHF: Currency = iso("CHF", 756, 2, "Swiss Franc");
    pub const CNY: Currency = iso("CNY", 156, 2, "Yuan Renminbi");
    pub const EUR: Currency = iso("EUR", 978, 2, "Euro");
    pub const GBP: Currency = iso("GBP", 826, 2, "Pound Sterling");
    pub const JPY: Currency = iso("JPY", 392, 0, "Yen");
    pub const USD: Currency = iso("USD", 840, 2, "US Dollar");

    /// Looks up an active currency by its alphabetic code, ignoring ASCII case.
    pub fn from_code(code: &str) -> Result<Currency, CurrencyError> {
        lookup(code).ok_or_else(|| CurrencyError::Unknown(code.to_owned()))
    }

    /// The ISO 4217 alphabetic code, always upper case ("EUR").
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The ISO 4217 numeric code (978 for EUR).
    pub const fn numeric(&self) -> u16 {
        self.numeric
    }

    /// Number of decimal places of the minor unit (2 for EUR, 0 for JPY).
    pub const fn exponent(&self) -> u32 {
        // Widened here because rust_decimal scales are u32; storing u8 keeps
        // the table compact.
        self.exponent as u32
    }

    /// The English name as published in ISO 4217 ("Yuan Renminbi").
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Every currency in the table, ordered by code.
    pub fn all() -> impl Iterator<Item = Currency> {
        TABLE.iter().copied()
    }
}

const fn iso(code: &'static str, numeric: u16, exponent: u8, name: &'static str) -> Currency {
    Currency { code, numeric, exponent, name }
}

/// Case-insensitive lookup without allocating: the key is upper-cased into a
/// three-byte stack buffer and binary-searched in the sorted table.
fn lookup(code: &str) -> Option<Currency> {
    let bytes: [u8; 3] = code.as_bytes().try_into().ok()?;
    if !bytes.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let key = bytes.map(|b| b.to_ascii_uppercase());
    TABLE.binary_search_by(|c| c.code.as_bytes().cmp(&key[..])).ok().map(|index| TABLE[index])
}

/// ISO 4217 List One, active currencies as of 2024, sorted by code (the
/// binary search in [`lookup`] relies on it; a const assertion below checks).
///
/// Deliberately absent:
/// - codes without a minor unit ("N.A." in ISO 4217), which cannot be billed
///   in integer minor units: precious metals XAU, XAG, XPT, XPD; the SDR XDR;
///   the bond-market units XBA, XBB, XBC, XBD; XSU (Sucre); XUA (ADB unit);
/// - XTS (reserved for testing) and XXX (no currency involved);
/// - withdrawn codes: HRK (Croatia adopted the euro, 2023-01-01), SLL
///   (replaced by SLE), ZWL (replaced by ZWG in 2024), STD (now STN), MRO
///   (now MRU);
/// - codes announced for 2025 and later: XCG (Caribbean Guilder, succeeding
///   ANG, which is kept here while it is still in circulation) and XAD.
///
/// Open points to revisit on the next ISO amendment: BGN (Bulgaria plans to
/// adopt the euro in 2026) and CUC (Cuba has wound down the convertible peso)
/// are kept because they are still listed as of 2024.
const TABLE: &[Currency] = &[
    iso("AED", 784, 2, "UAE Dirham"),
    iso("AFN", 971, 2, "Afghani"),
    iso("ALL", 8, 2, "Lek"),
    iso("AMD", 51, 2, "Armenian Dram"),
    iso("ANG", 532, 2, "Netherlands Antillean Guilder"),
    iso("AOA", 973, 2, "Kwanza"),
    iso("ARS", 32, 2, "Argentine Peso"),
    iso("AUD", 36, 2, "Australian Dollar"),
    iso("AWG", 533, 2, "Aruban Florin"),
    iso("AZN", 944, 2, "Azerbaijan Manat"),
    iso("BAM", 977, 2, "Convertible Mark"),
    iso("BBD", 52, 2, "Barbados Dollar"),
    iso("BDT", 50, 2, "Taka"),
    iso("BGN", 975, 2, "Bulgarian Lev"),
    iso("BHD", 48, 3, "Bahraini Dinar"),
    iso("BIF", 108, 0, "Burundi Franc"),
    iso("BMD", 60, 2, "Bermudian Dollar"),
    iso("BND", 96, 2, "Brunei Dollar"),
    iso("BOB", 68, 2, "Boliviano"),
    iso("BOV", 984, 2, "Mvdol"),
    iso("BRL", 986, 2, "Brazilian Real"),
    iso("BSD", 44, 2, "Bahamian Dollar"),
    iso("BTN", 64, 2, "Ngultrum"),
    iso("BWP", 72, 2, "Pula"),
    iso("BYN", 933, 2, "Belarusian Ruble"),
    iso("BZD", 84, 2, "Belize Dollar"),
    iso("CAD", 124, 2, "Canadian Dollar"),
    iso("CDF", 976, 2, "Congolese Franc"),
    iso("CHE", 947, 2, "WIR Euro"),
    Currency::CHF,
    iso("CHW", 948, 2, "WIR Franc"),
    iso("CLF", 990, 4, "Unidad de Fomento"),
    iso("CLP", 152, 0, "Chilean Peso"),
    Currency::CNY,
    iso("COP", 170, 2, "Colombian Peso"),
    iso("COU", 970, 2, "Unidad de Valor Real"),
    iso("CRC", 188, 2, "Costa Rican Colon"),
    iso("CUC", 931, 2, "Peso Convertible"),
    iso("CUP", 192, 2, "Cuban Peso"),
    iso("CVE", 132, 2, "Cabo Verde Escudo"),
    iso("CZK", 203, 2, "Czech Koruna"),
    iso("DJF", 262, 0, "Djibouti Franc"),
    iso("DKK", 208, 2, "Danish Krone"),
    iso("DOP", 214, 2, "Dominican Peso"),
    iso("DZD", 12, 2, "Algerian Dinar"),
    iso("EGP", 818, 2, "Egyptian Pound"),
    iso("ERN", 232, 2, "Nakfa"),
    iso("ETB", 230, 2, "Ethiopian Birr"),
    Currency::EUR,
    iso("FJD", 242, 2, "Fiji Dollar"),
    iso("FKP", 238, 2, "Falkland Islands Pound"),
    Currency::GBP,
    iso("GEL", 981, 2, "Lari"),
    iso("GHS", 936, 2, "Ghana Cedi"),
    iso("GIP", 292, 2, "Gibraltar Pound"),
    iso("GMD", 270, 2, "Dalasi"),
    iso("GNF", 324, 0, "Guinean Franc"),
    iso("GTQ", 320, 2, "Quetzal"),
    iso("GYD", 328, 2, "Guyana Dollar"),
    iso("HKD", 344, 2, "Hong Kong Dollar"),
    iso("HNL", 340, 2, "Lempira"),
    iso("HTG", 332, 2, "Gourde"),
    // ISO 4217 says 2 even though forint coins below 5 no longer exist;
    // cash rounding is a separate concern from the accounting unit.
    iso("HUF", 348, 2, "Forint"),
    iso("IDR", 360, 2, "Rupiah"),
    iso("ILS", 376, 2, "New Israeli Sheqel"),
    iso("INR", 356, 2, "Indian Rupee"),
    iso("IQD", 368, 3, "Iraqi Dinar"),
    iso("IRR", 364, 2, "Iranian Rial"),
    iso("ISK", 352, 0, "Iceland Krona"),
    iso("JMD", 388, 2, "Jamaican Dollar"),
    iso("JOD", 400, 3, "Jordanian Dinar"),
    Currency::JPY,
    iso("KES", 404, 2, "Kenyan Shilling"),
    iso("KGS", 417, 2, "Som"),
    iso("KHR", 116, 2, "Riel"),
    iso("KMF", 174, 0, "Comorian Franc"),
    iso("KPW", 408, 2, "North Korean Won"),
    iso("KRW", 410, 0, "Won"),
    iso("KWD", 414, 3, "Kuwaiti Dinar"),
    iso("KYD", 136, 2, "Cayman Islands Dollar"),
    iso("KZT", 398, 2, "Tenge"),
    iso("LAK", 418, 2, "Lao Kip"),
    iso("LBP", 422, 2, "Lebanese Pound"),
    iso("LKR", 144, 2, "Sri Lanka Rupee"),
    iso("LRD", 430, 2, "Liberian Dollar"),
    iso("LSL", 426, 2, "Loti"),
    iso("LYD", 434, 3, "Libyan Dinar"),
    iso("MAD", 504, 2, "Moroccan Dirham"),
    iso("MDL", 498, 2, "Moldovan Leu"),
    iso("MGA", 969, 2, "Malagasy Ariary"),
    iso("MKD", 807, 2, "Denar"),
    iso("MMK", 104, 2, "Kyat"),
    iso("MNT", 496, 2, "Tugrik"),
    iso("MOP", 446, 2, "Pataca"),
    iso("MRU", 929, 2, "Ouguiya"),
    iso("MUR", 480, 2, "Mauritius Rupee"),
    iso("MVR", 462, 2, "Rufiyaa"),
    iso("MWK", 454, 2, "Malawi Kwacha"),
    iso("MXN", 484, 2, "Mexican Peso"),
    iso("MXV", 979, 2, "Mexican Unidad de Inversion (UDI)"),
    iso("MYR", 458, 2, "Malaysian Ringgit"),
    iso("MZN", 943, 2, "Mozambique Metical"),
    iso("NAD", 516, 2, "Namibia Dollar"),
    iso("NGN", 566, 2, "Naira"),
    iso("NIO", 558, 2, "Cordoba Oro"),
    iso("NOK", 578, 2, "Norwegian Krone"),
    iso("NPR", 524, 2, "Nepalese Rupee"),
    iso("NZD", 554, 2, "New Zealand Dollar"),
    iso("OMR", 512, 3, "Rial Omani"),
    iso("PAB", 590, 2, "Balboa"),
    iso("PEN", 604, 2, "Sol"),
    iso("PGK", 598, 2, "Kina"),
    iso("PHP", 608, 2, "Philippine Peso"),
    iso("PKR", 586, 2, "Pakistan Rupee"),
    iso("PLN", 985, 2, "Zloty"),
    iso("PYG", 600, 0, "Guarani"),
    iso("QAR", 634, 2, "Qatari Rial"),
    iso("RON", 946, 2, "Romanian Leu"),
    iso("RSD", 941, 2, "Serbian Dinar"),
    iso("RUB", 643, 2, "Russian Ruble"),
    iso("RWF", 646, 0, "Rwanda Franc"),
    iso("SAR", 682, 2, "Saudi Riyal"),
    iso("SBD", 90, 2, "Solomon Islands Dollar"),
    iso("SCR", 690, 2, "Seychelles Rupee"),
    iso("SDG", 938, 2, "Sudanese Pound"),
    iso("SEK", 752, 2, "Swedish Krona"),
    iso("SGD", 702, 2, "Singapore Dollar"),
    iso("SHP", 654, 2, "Saint Helena Pound"),
    iso("SLE", 925, 2, "Leone"),
    iso("SOS", 706, 2, "Somali Shilling"),
    iso("SRD", 968, 2, "Surinam Dollar"),
    iso("SSP", 728, 2, "South Sudanese Pound"),
    iso("STN", 930, 2, "Dobra"),
    iso("SVC", 222, 2, "El Salvador Colon"),
    iso("SYP", 760, 2, "Syrian Pound"),
    iso("SZL", 748, 2, "Lilangeni"),
    iso("THB", 764, 2, "Baht"),
    iso("TJS", 972, 2, "Somoni"),
    iso("TMT", 934, 2, "Turkmenistan New Manat"),
    iso("TND", 788, 3, "Tunisian Dinar"),
    iso("TOP", 776, 2, "Pa'anga"),
    iso("TRY", 949, 2, "Turkish Lira"),
    iso("TTD", 780, 2, "Trinidad and Tobago Dollar"),
    iso("TWD", 901, 2, "New Taiwan Dollar"),
    iso("TZS", 834, 2, "Tanzanian Shilling"),
    iso("UAH", 980, 2, "Hryvnia"),
    iso("UGX", 800, 0, "Uganda Shilling"),
    Currency::USD,
    iso("USN", 997, 2, "US Dollar (Next day)"),
    iso("UYI", 940, 0, "Uruguay Peso en Unidades Indexadas (UI)"),
    iso("UYU", 858, 2, "Peso Uruguayo"),
    iso("UYW", 927, 4, "Unidad Previsional"),
    iso("UZS", 860, 2, "Uzbekistan Sum"),
    iso("VED", 926, 2, "Bolívar Soberano"),
    iso("VES", 928, 2, "Bolívar Soberano"),
    iso("VND", 704, 0, "Dong"),
    iso("VUV", 548, 0, "Vatu"),
    iso("WST", 882, 2, "Tala"),
    iso("XAF", 950, 0, "CFA Franc BEAC"),
    iso("XCD", 951, 2, "East Caribbean Dollar"),
    iso("XOF", 952, 0, "CFA Franc BCEAO"),
    iso("XPF", 953, 0, "CFP Franc"),
    iso("YER", 886, 2, "Yemeni Rial"),
    iso("ZAR", 710, 2, "Rand"),
    iso("ZMW", 967, 2, "Zambian Kwacha"),
    iso("ZWG", 924, 2, "Zimbabwe Gold"),
];

/// Compile-time check of what [`lookup`] and the money code assume about the
/// table: codes are three upper-case ASCII letters in strictly ascending
/// order (sorted and free of duplicates), and exponents stay small enough
/// that 10^exponent and the rust_decimal scale can never overflow.
const fn table_is_well_formed(table: &[Currency]) -> bool {
    let mut i = 0;
    while i < table.len() {
        let code = table[i].code.as_bytes();
        if code.len() != 3 || table[i].exponent > 4 {
            return false;
        }
        let mut j = 0;
        while j < 3 {
            if !code[j].is_ascii_uppercase() {
                return false;
            }
            j += 1;
        }
        if i > 0 {
            let prev = table[i - 1].code.as_bytes();
            let ascending = prev[0] < code[0]
                || (prev[0] == code[0] && prev[1] < code[1])
                || (prev[0] == code[0] && prev[1] == code[1] && prev[2] < code[2]);
            if !ascending {
                return false;
            }
        }
        i += 1;
    }
    true
}

const _: () = assert!(
    table_is_well_formed(TABLE),
    "currency TABLE must be sorted by code, without duplicates, with exponents <= 4"
);

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::from_code(code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` so width and alignment flags work in tabular output.
        f.pad(self.code)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code identifies the currency completely; printing the other
        // fields would only clutter assertion failures and logs.
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than deserializing a `&str`, so codes that arrive as
        // owned or escaped strings are accepted too, still without allocating.
        struct CodeVisitor;

        impl Visitor<'_> for CodeVisitor {
            type Value = Currency;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 4217 currency code such as \"EUR\"")
            }

            fn visit_str<E: de::Error>(self, code: &str) -> Result<Currency, E> {
                Currency::from_code(code).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::collections::HashSet;

    #[rstest]
    #[case("EUR", 2)]
    #[case("USD", 2)]
    #[case("JPY", 0)]
    #[case("KRW", 0)]
    #[case("ISK", 0)]
    #[case("UYI", 0)]
    #[case("XOF", 0)]
    #[case("KWD", 3)]
    #[case("BHD", 3)]
    #[case("TND", 3)]
    #[case("CLF", 4)]
    #[case("UYW", 4)]
    #[case("HUF", 2)]
    #[case("ZWG", 2)]
    fn exponents(#[case] code: &str, #[case] exponent: u32) {
        assert_eq!(Currency::from_code(code).unwrap().exponent(), exponent);
    }

    #[test]
    fn zero_and_three_decimal_sets_match_iso() {
        let zero: Vec<&str> = Currency::all().filter(|c| c.exponent() == 0).map(|c| c.code()).collect();
        assert_eq!(
            zero,
            [
                "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
                "XAF", "XOF", "XPF"
            ]
        );
        let three: Vec<&str> = Currency::all().filter(|c| c.exponent() == 3).map(|c| c.code()).collect();
        assert_eq!(three, ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]);
        let four: Vec<&str> = Currency::all().filter(|c| c.exponent() == 4).map(|c| c.code()).collect();
        assert_eq!(four, ["CLF", "UYW"]);
    }

    #[rstest]
    #[case("XYZ")]
    #[case("EU")]
    #[case("EURO")]
    #[case("")]
    #[case("E1R")]
    #[case(" EUR")]
    #[case("EUR ")]
    #[case("ÄUR")]
    #[case("XAU")]
    #[case("XTS")]
    #[case("XXX")]
    #[case("HRK")]
    #[case("SLL")]
    #[case("STD")]
    #[case("MRO")]
    fn unknown_codes_are_rejected(#[case] code: &str) {
        assert_eq!(Currency::from_code(code), Err(CurrencyError::Unknown(code.to_owned())));
    }

    #[rstest]
    #[case("eur")]
    #[case("Eur")]
    #[case("eUR")]
    fn lookup_ignores_case(#[case] code: &str) {
        let currency = Currency::from_code(code).unwrap();
        assert_eq!(currency, Currency::EUR);
        assert_eq!(currency.code(), "EUR");
    }

    #[rstest]
    #[case("SLE", 925)]
    #[case("VES", 928)]
    #[case("ZWG", 924)]
    #[case("STN", 930)]
    #[case("MRU", 929)]
    #[case("BGN", 975)]
    #[case("CHE", 947)]
    #[case("COU", 970)]
    #[case("MXV", 979)]
    #[case("USN", 997)]
    #[case("BOV", 984)]
    fn recent_and_fund_codes_are_present(#[case] code: &str, #[case] numeric: u16) {
        assert_eq!(Currency::from_code(code).unwrap().numeric(), numeric);
    }

    #[test]
    fn error_message_quotes_the_input() {
        let err = Currency::from_code("euro").unwrap_err();
        assert_eq!(err.to_string(), "unknown currency code \"euro\"");
    }

    #[test]
    fn named_consts_match_the_table() {
        for currency in [Currency::EUR, Currency::USD, Currency::CHF, Currency::CNY, Currency::GBP, Currency::JPY] {
            assert_eq!(Currency::from_code(currency.code()), Ok(currency));
        }
        assert_eq!(Currency::EUR.numeric(), 978);
        assert_eq!(Currency::EUR.name(), "Euro");
        assert_eq!(Currency::CNY.name(), "Yuan Renminbi");
    }

    #[test]
    fn table_is_sorted_and_unique() {
        let codes: Vec<&str> = Currency::all().map(|c| c.code()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        let numerics: HashSet<u16> = Currency::all().map(|c| c.numeric()).collect();
        assert_eq!(numerics.len(), codes.len(), "numeric codes are unique");
        assert!((150..=180).contains(&codes.len()), "{} entries", codes.len());
        assert!(Currency::all().all(|c| !c.name().is_empty() && c.numeric() > 0));
    }

    #[test]
    fn every_entry_is_found_by_its_code() {
        for currency in Currency::all() {
            assert_eq!(Currency::from_code(currency.code()), Ok(currency));
            let lower = currency.code().to_ascii_lowercase();
            assert_eq!(Currency::from_code(&lower), Ok(currency));
        }
    }

    #[test]
    fn display_and_debug_print_the_code() {
        assert_eq!(Currency::EUR.to_string(), "EUR");
        assert_eq!(format!("{:?}", Currency::JPY), "JPY");
        assert_eq!(format!("[{:>5}]", Currency::USD), "[  USD]");
    }

    #[test]
    fn from_str_parses() {
        assert_eq!("chf".parse::<Currency>(), Ok(Currency::CHF));
        assert!("CH".parse::<Currency>().is_err());
    }

    #[test]
    fn serde_round_trip() {
        for currency in Currency::all() {
            let json = serde_json::to_string(&currency).unwrap();
            assert_eq!(json, format!("\"{}\"", currency.code()));
            assert_eq!(serde_json::from_str::<Currency>(&json).unwrap(), currency);
        }
        // Owned strings (here via an escape sequence) take the same path.
        assert_eq!(serde_json::from_str::<Currency>("\"\\u0045UR\"").unwrap(), Currency::EUR);
        assert_eq!(serde_json::from_str::<Currency>("\"gbp\"").unwrap(), Currency::GBP);
    }

    #[rstest]
    #[case("\"XYZ\"")]
    #[case("\"EURO\"")]
    #[case("\"\"")]
    #[case("978")]
    #[case("null")]
    fn serde_rejects_invalid(#[case] json: &str) {
        assert!(serde_json::from_str::<Currency>(json).is_err());
    }
}
