//! The web kit shared by the fronts (docs/adr/0021): error classification rendered as JSON for
//! the API and as an HTML page for the portal ([`error`]), the request language ([`lang`]),
//! cookies, session authentication with CSRF synchronizer tokens and once-only forms
//! ([`session`]), tenant resolution by host name or `/p/{slug}` ([`tenant`]) and the askama base
//! layout with the tenant's branding ([`layout`]). API-key authentication stays in
//! `api::extract::AuthTenant`.

pub mod charts;
pub mod error;
pub mod lang;
pub mod layout;
pub mod session;
pub mod tenant;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

/// A fresh random token: 32 bytes as 64 lower-case hex digits.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The digest a token is stored under (the token itself is never stored).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter().zip(y.iter()).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0
}

/// The value of cookie `name` in the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// How cookies are marked: `Secure` whenever the portal is served over https (config
/// `portal.secure_cookies`; the demo over plain http turns it off).
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/; `max_age` None means a session cookie,
    /// `Some(0)` deletes it.
    pub fn set(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

/// The client's address as the server's accept loop saw it.
pub fn client_addr(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::COOKIE, "a=1; portal_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "portal_session"), Some("abc"));
        assert_eq!(cookie(&h, "portal"), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        let c = CookiePolicy { secure: true }.set("s", "v", None);
        assert_eq!(c, "s=v; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert!(!CookiePolicy { secure: false }.set("s", "v", Some(0)).contains("Secure"));
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert_eq!(token_hash(&a).len(), 32);
    }
}
