//! The edge's input rules, applied to every request before a handler sees it: every string of a
//! JSON body (keys included) and the decoded path and query pass `billing_core::text::check`;
//! request bodies are read within the size limit and the body deadline; integer amounts are
//! bounded while they are deserialized (`billing_core::money::MinorAmount`). Handlers cannot
//! forget these: `ApiJson` and `RawBody` are the only ways the API reads a body.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, Uri};
use billing_core::money::MoneyError;
use billing_core::text::{self, TextError};
use serde_json::Value;

use super::error::ApiError;

/// When the body of the current request must have arrived: set by the server's body-deadline
/// middleware from `server.body_timeout_ms`, read by [`read_body`].
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Instant);

pub(crate) fn text_error(err: TextError, field: String) -> ApiError {
    match err {
        TextError::ControlCharacter(c) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_text", "error-invalid-text")
            .arg("field", &field)
            .arg("char", format!("U+{c:04X}"))
            .param(field),
        TextError::TooLong { max } => ApiError::new(StatusCode::BAD_REQUEST, "text_too_long", "error-text-too-long")
            .arg("field", &field)
            .arg("max", max)
            .param(field),
    }
}

/// A key as a path segment: printable, with control characters written as JSON escapes, so that
/// the error can name a key that is itself the problem.
fn printable(key: &str) -> String {
    key.chars().map(|c| if text::is_allowed(c) { c.to_string() } else { format!("\\u{:04x}", u32::from(c)) }).collect()
}

/// Checks every string and key in `value`. The error's `param` is the path of the first bad one
/// (`lines[0].description`), in the notation serde's own errors use.
pub fn check_json(value: &Value) -> Result<(), ApiError> {
    fn walk(value: &Value, path: &mut String) -> Result<(), ApiError> {
        match value {
            Value::String(s) => text::check(s).map_err(|e| text_error(e, path.clone())),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&printable(key));
                    // Keys are bounded by the same rule; a huge key is refused like a huge value.
                    text::check(key).map_err(|e| text_error(e, path.clone()))?;
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
        }
    }
    walk(value, &mut String::new())
}

/// Percent-decodes `s` to text; `None` when it is not UTF-8 (left to the route's own parsing).
fn decode(s: &str) -> Option<String> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Checks the decoded path and query of a request: a `%00` in a plan code or a cursor is text
/// from outside like any other.
pub fn check_uri(uri: &Uri) -> Result<(), ApiError> {
    for (part, field) in [(Some(uri.path()), "path"), (uri.query(), "query")] {
        if let Some(decoded) = part.and_then(decode)
            && let Err(e) = text::check(&decoded)
        {
            // A long URL is not a text field: only control characters are refused here; hyper
            // bounds the URL's length.
            if let TextError::ControlCharacter(_) = e {
                return Err(text_error(e, field.to_string()));
            }
        }
    }
    Ok(())
}

/// The request body within the size limit (`server.max_body_bytes`, 413) and the body deadline
/// (`server.body_timeout_ms`, 408): a client that announces more than it sends is answered, not
/// waited for.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let deadline = req.extensions().get::<BodyDeadline>().copied();
    let read = Bytes::from_request(req, state);
    let result = match deadline {
        Some(BodyDeadline(at)) => match tokio::time::timeout_at(at.into(), read).await {
            Ok(result) => result,
            Err(_) => return Err(ApiError::request_timeout()),
        },
        None => read.await,
    };
    result.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large()
        } else {
            ApiError::invalid_body(rejection.body_text())
        }
    })
}

/// The JSON text of a body as `T`: text rules first, then deserialization with the path of the
/// field at fault; an amount beyond the bound is `amount_too_large` with that path as `param`.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(ApiError::invalid_body)?;
    check_json(&value)?;
    // Deserialized from the text, not from `value`, so that the types' own rules (duplicate
    // fields, number forms) are exactly serde_json's.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.to_string().contains(&MoneyError::OutOfBounds.to_string()) {
            let e = ApiError::from(billing_core::Error::from(MoneyError::OutOfBounds));
            return if path == "." { e } else { e.param(path) };
        }
        if path == "." { ApiError::invalid_body(inner) } else { ApiError::invalid_body(format!("{path}: {inner}")) }
    })
}

/// A raw request body (webhooks, bank statements) read under the same limits as JSON bodies.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_body(req, state).await.map(RawBody)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(value: Value) -> Option<String> {
        check_json(&value).err().and_then(|e| e.param.map(|p| p.into_owned()))
    }

    #[test]
    fn the_first_bad_string_is_named_by_its_path() {
        assert_eq!(
            param(json!({ "name": "ok", "lines": [{ "d": "x" }, { "d": "a\u{0}" }] })),
            Some("lines[1].d".into())
        );
        assert_eq!(param(json!({ "a": { "b": "\u{1b}" } })), Some("a.b".into()));
        assert_eq!(param(json!({ "k\u{0}": 1 })), Some("k\\u0000".into()));
        assert_eq!(param(json!(["\u{0}"])), Some("[0]".into()));
        assert_eq!(param(json!({ "memo": "line 1\nline 2\ttabbed" })), None);
    }

    #[test]
    fn percent_encoded_control_characters_in_the_url_are_refused() {
        let bad: Uri = "/api/v1/plans/ev%00il/prices".parse().unwrap();
        assert_eq!(check_uri(&bad).unwrap_err().code, "invalid_text");
        let query: Uri = "/api/v1/customers?cursor=a%1Bb".parse().unwrap();
        assert_eq!(check_uri(&query).unwrap_err().param.as_deref(), Some("query"));
        let fine: Uri = "/api/v1/customers?email=a%40b.example&name=M%C3%BCller".parse().unwrap();
        assert!(check_uri(&fine).is_ok());
    }

    #[test]
    fn an_amount_beyond_the_bound_names_its_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Line {
            unit_amount: billing_core::money::MinorAmount,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            lines: Vec<Line>,
        }
        let err =
            parse_json::<Body>(br#"{"lines": [{"unit_amount": 1}, {"unit_amount": 1000000000000}]}"#).unwrap_err();
        assert_eq!((err.code, err.param.as_deref()), ("amount_too_large", Some("lines[1].unit_amount")));
        let err = parse_json::<Body>(br#"{"lines": [{"unit_amount": "x"}]}"#).unwrap_err();
        assert_eq!(err.code, "invalid_request");
    }
}
