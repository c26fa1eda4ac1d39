//! Bank-side payments: EPC QR codes for invoices, statement import (camt.053, CSV) and matching entries to invoices.
//!
//! Everything here is pure: parsers take text or bytes that the caller has read, and nothing looks at a clock.

pub mod epc_qr;
pub mod reference;
pub mod statement;

use billing_core::currency::Currency;
use billing_core::money::Money;

/// Why a bank document could not be produced or read. Messages are plain English for logs and support;
/// the web layer localizes by variant.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum BankError {
    #[error("invalid IBAN {iban:?}: {reason}")]
    InvalidIban { iban: String, reason: &'static str },
    #[error("invalid BIC {0:?}: expected 8 or 11 letters and digits (bank, country, location, optional branch)")]
    InvalidBic(String),
    #[error("invalid creditor reference base {base:?}: {reason}")]
    InvalidReference { base: String, reason: &'static str },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} characters, at most {max}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} contains a line break or another control character")]
    ControlCharacter { field: &'static str },
    #[error("EPC QR codes carry EUR only, not {0}")]
    UnsupportedCurrency(Currency),
    #[error("amount {0} is outside the EPC QR range 0.01 to 999999999.99 EUR")]
    AmountOutOfRange(Money),
    #[error("EPC QR payload is {len} bytes, at most 331 are allowed")]
    PayloadTooLong { len: usize },
    #[error("invalid reference pattern {pattern:?}: {reason}")]
    InvalidPattern { pattern: String, reason: &'static str },
    /// A statement file that could not be read; `location` is e.g. "Ntry 3" or "line 7".
    #[error("statement {location}: {reason}")]
    Statement { location: String, reason: String },
}

impl BankError {
    fn statement(location: impl Into<String>, reason: impl Into<String>) -> BankError {
        BankError::Statement { location: location.into(), reason: reason.into() }
    }
}

/// ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting as 10..=35 (A..=Z).
///
/// Shared by IBAN (ISO 13616) and creditor reference (ISO 11649) checks. The caller has already made sure
/// the input is ASCII letters and digits, upper case.
fn mod97(text: &str) -> u32 {
    text.bytes().fold(0_u32, |remainder, byte| {
        if byte.is_ascii_digit() {
            (remainder * 10 + u32::from(byte - b'0')) % 97
        } else {
            // Two decimal digits for a letter.
            (remainder * 100 + u32::from(byte - b'A') + 10) % 97
        }
    })
}
