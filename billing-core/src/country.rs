//! ISO 3166-1 alpha-2 country codes as a validated type.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Officially assigned ISO 3166-1 alpha-2 codes (from the tz database's iso3166.tab), sorted.
const CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 3166-1 alpha-2 country code")]
pub struct CountryError(pub String);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(&'static str);

impl Country {
    pub fn parse(code: &str) -> Result<Self, CountryError> {
        let upper = code.trim().to_ascii_uppercase();
        CODES
            .binary_search(&upper.as_str())
            .map(|i| Country(CODES[i]))
            .map_err(|_| CountryError(code.chars().take(16).collect()))
    }

    pub fn code(&self) -> &'static str {
        self.0
    }

    /// Every assigned code, in code order (a form's country list).
    pub fn all() -> impl Iterator<Item = Country> {
        CODES.iter().copied().map(Country)
    }

    /// Member states of the EU VAT area by country code (territorial exceptions are the tax
    /// engine's business, not this type's).
    pub fn is_eu(&self) -> bool {
        matches!(
            self.0,
            "AT" | "BE"
                | "BG"
                | "CY"
                | "CZ"
                | "DE"
                | "DK"
                | "EE"
                | "ES"
                | "FI"
                | "FR"
                | "GR"
                | "HR"
                | "HU"
                | "IE"
                | "IT"
                | "LT"
                | "LU"
                | "LV"
                | "MT"
                | "NL"
                | "PL"
                | "PT"
                | "RO"
                | "SE"
                | "SI"
                | "SK"
        )
    }
}

impl Country {
    /// The national currency of an EU Member State, for Art. 230 of the VAT Directive (the VAT
    /// of an invoice in another currency is also stated in this one). `None` outside the EU.
    pub fn eu_national_currency(&self) -> Option<&'static str> {
        if !self.is_eu() {
            return None;
        }
        Some(match self.0 {
            "CZ" => "CZK",
            "DK" => "DKK",
            "HU" => "HUF",
            "PL" => "PLN",
            "RO" => "RON",
            "SE" => "SEK",
            // Bulgaria adopted the euro on 2026-01-01 (domain reference: date unverified).
            _ => "EUR",
        })
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Country::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(CODES.len() > 240);
    }

    #[test]
    fn known_codes_parse_case_insensitively() {
        assert_eq!(Country::parse("de").unwrap().code(), "DE");
        assert_eq!(Country::parse("CN").unwrap().code(), "CN");
        assert!(Country::parse("AT").unwrap().is_eu());
        assert!(!Country::parse("CH").unwrap().is_eu());
    }

    #[test]
    fn unknown_codes_are_rejected() {
        for bad in ["", "D", "DEU", "XX", "EU", "UK"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
    }
}
