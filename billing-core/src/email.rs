//! `EmailAddress`: parsed at the edge, so the engine never holds a string it cannot mail to.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid email address")]
pub struct EmailError(pub String);

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// A pragmatic check (one `@`, a non-empty local part, a dotted domain of letters, digits and
    /// hyphens, no whitespace, at most 254 characters). Full RFC 5322 acceptance would let in
    /// addresses no SMTP server in practice delivers to; deliverability is proven by sending.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let trimmed = text.trim();
        let err = || EmailError(trimmed.chars().take(64).collect());
        if trimmed.is_empty() || trimmed.len() > 254 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = trimmed.split_once('@').ok_or_else(err)?;
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return Err(err());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(err());
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok) {
            return Err(err());
        }
        // The domain part is case-insensitive; the local part is kept as given.
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        EmailAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("anna@example.com", "anna@example.com")]
    #[case("  Anna.Schmidt+billing@Example.DE ", "Anna.Schmidt+billing@example.de")]
    #[case("li@例子.中国", "li@例子.中国")]
    fn valid_addresses_are_normalized(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(EmailAddress::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("")]
    #[case("anna")]
    #[case("anna@")]
    #[case("@example.com")]
    #[case("anna@example")]
    #[case("anna@@example.com")]
    #[case("an na@example.com")]
    #[case("anna@-example.com")]
    #[case("anna@example..com")]
    fn invalid_addresses_are_rejected(#[case] input: &str) {
        assert!(EmailAddress::parse(input).is_err());
    }
}
