//! VIES, the EU's VAT ID confirmation service: the port the engine checks VAT IDs through, the
//! reading of VIES's REST answers (pure), and what an answer or a failure means for the
//! customer's stored evidence.
//!
//! The rules that shape this (domain reference §3.2): VIES can answer an application error with
//! HTTP 200 (`userError: "MS_UNAVAILABLE"`, or `actionSucceed: false` with `errorWrappers`); the
//! POST form says `valid`, the GET form `isValid`; "no answer" is **unchecked, never invalid**;
//! `MS_UNAVAILABLE`, `TIMEOUT`, `*_MAX_CONCURRENT_REQ*`, `SERVICE_UNAVAILABLE`, `SERVER_BUSY` are
//! worth retrying, `INVALID_INPUT` and `INVALID_REQUESTER_INFO` are not. The consultation number
//! (`requestIdentifier`) is only issued when the requester's own VAT ID is sent; it is the proof
//! of the check that Art. 18 Reg. 282/2011 wants kept.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::tax::{VatId, VatIdStatus};

/// VIES's answer to one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViesAnswer {
    pub valid: bool,
    pub request_date: Option<NaiveDate>,
    /// Returned by some Member States only (not DE, ES); `---` means "not given".
    pub name: Option<String>,
    pub address: Option<String>,
    pub consultation_number: Option<String>,
}

/// Why there is no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViesError {
    /// VIES or the Member State's database is unavailable or busy: try again later.
    #[error("VIES unavailable ({code})")]
    Unavailable { code: String },
    /// VIES refused the request itself (e.g. `INVALID_INPUT`); retrying does not help.
    #[error("VIES refused the request ({code})")]
    Refused { code: String },
    /// No HTTP answer (connection refused, timeout) or one that is not VIES's format.
    #[error("VIES not reachable: {0}")]
    Transport(String),
}

impl ViesError {
    /// Whether the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, ViesError::Refused { .. })
    }

    /// The stable code stored with the evidence.
    pub fn code(&self) -> &str {
        match self {
            ViesError::Unavailable { code } | ViesError::Refused { code } => code,
            ViesError::Transport(_) => "TRANSPORT",
        }
    }

    fn from_code(code: &str) -> Self {
        let code = code.trim().to_ascii_uppercase();
        if matches!(code.as_str(), "INVALID_INPUT" | "INVALID_REQUESTER_INFO" | "VAT_BLOCKED" | "IP_BLOCKED") {
            ViesError::Refused { code }
        } else {
            ViesError::Unavailable { code }
        }
    }
}

/// The port: checks one VAT ID, optionally naming the requester (the seller's own VAT ID) so
/// that VIES issues a consultation number. Adapters retry transient failures themselves.
#[async_trait]
pub trait VatIdVerifier: Send + Sync {
    async fn check(&self, vat_id: &VatId, requester: Option<&VatId>) -> Result<ViesAnswer, ViesError>;
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::trim).filter(|s| !s.is_empty() && *s != "---").map(str::to_string)
}

/// Reads a VIES REST answer (GET `ms/{cc}/vat/{number}` or POST `check-vat-number`).
pub fn parse_rest_answer(body: &serde_json::Value) -> Result<ViesAnswer, ViesError> {
    if body.get("actionSucceed").and_then(|v| v.as_bool()) == Some(false) {
        let code = body
            .get("errorWrappers")
            .and_then(|w| w.as_array())
            .and_then(|w| w.first())
            .and_then(|e| e.get("error"))
            .and_then(|e| e.as_str())
            .unwrap_or("SERVICE_UNAVAILABLE");
        return Err(ViesError::from_code(code));
    }
    if let Some(code) = text(body, "userError")
        && code != "VALID"
        && code != "INVALID"
    {
        return Err(ViesError::from_code(&code));
    }
    let valid = body
        .get("isValid")
        .or_else(|| body.get("valid"))
        .and_then(|v| v.as_bool())
        .ok_or_else(|| ViesError::Transport("the answer has no validity field".into()))?;
    let request_date = text(body, "requestDate").and_then(|d| {
        // `2026-03-01T10:15:00.000Z` or `2026-03-01+01:00`: the date part is what matters.
        NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()
    });
    Ok(ViesAnswer {
        valid,
        request_date,
        name: text(body, "name"),
        address: text(body, "address"),
        consultation_number: text(body, "requestIdentifier"),
    })
}

/// The evidence a check leaves on the customer: confirmed, not registered, or unchecked with the
/// reason (a failure never turns an ID invalid; the tenant's policy decides how an unchecked ID
/// is treated meanwhile, see docs/adr/0010-vies.md).
pub fn status_after_check(result: &Result<ViesAnswer, ViesError>, now: DateTime<Utc>) -> VatIdStatus {
    match result {
        Ok(a) if a.valid => VatIdStatus::Valid {
            checked_at: now,
            consultation_number: a.consultation_number.clone(),
            name: a.name.clone(),
            address: a.address.clone(),
        },
        Ok(_) => VatIdStatus::Invalid { checked_at: now },
        Err(e) => VatIdStatus::Unverified { reason: format!("VIES: {}", e.code()), since: now },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_answer_keeps_the_consultation_number_and_drops_placeholders() {
        let a = parse_rest_answer(&json!({
            "isValid": true, "requestDate": "2026-03-01T10:15:00.000Z", "userError": "VALID",
            "name": "---", "address": "---", "requestIdentifier": "WAPIAAAAZ1234567", "vatNumber": "136695976"
        }))
        .unwrap();
        assert!(a.valid);
        assert_eq!(a.request_date, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!((a.name, a.address), (None, None));
        assert_eq!(a.consultation_number.as_deref(), Some("WAPIAAAAZ1234567"));
    }

    #[test]
    fn the_post_form_says_valid_instead_of_is_valid() {
        let a = parse_rest_answer(&json!({ "valid": false, "requestDate": "2026-03-01+01:00" })).unwrap();
        assert!(!a.valid);
    }

    #[test]
    fn errors_inside_http_200_are_errors_not_answers() {
        let e = parse_rest_answer(&json!({ "isValid": false, "userError": "MS_UNAVAILABLE" })).unwrap_err();
        assert_eq!(e, ViesError::Unavailable { code: "MS_UNAVAILABLE".into() });
        assert!(e.is_retryable());
        let e = parse_rest_answer(
            &json!({ "actionSucceed": false, "errorWrappers": [{ "error": "MS_MAX_CONCURRENT_REQ" }] }),
        )
        .unwrap_err();
        assert!(e.is_retryable());
        let e = parse_rest_answer(&json!({ "actionSucceed": false, "errorWrappers": [{ "error": "INVALID_INPUT" }] }))
            .unwrap_err();
        assert!(!e.is_retryable());
    }

    #[test]
    fn no_answer_is_unchecked_never_invalid() {
        let now = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let s = status_after_check(&Err(ViesError::Transport("connection refused".into())), now);
        assert!(matches!(s, VatIdStatus::Unverified { .. }));
        let s = status_after_check(
            &Ok(ViesAnswer { valid: false, request_date: None, name: None, address: None, consultation_number: None }),
            now,
        );
        assert_eq!(s, VatIdStatus::Invalid { checked_at: now });
    }
}
