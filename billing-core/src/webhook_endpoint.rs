//! Merchants' webhook endpoints (docs/adr/0024), the pure part: which URLs are accepted, the
//! retry schedule of a delivery, and when a failing endpoint is disabled. Rows in
//! `store::webhook_endpoints`, use cases in `service::webhook_endpoints`, sending (HTTP, the
//! HMAC signature) in portal-web's `webhook_delivery`.

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Result};

/// The prefix of a signing secret (as Stripe's, so merchants recognise it).
pub const SECRET_PREFIX: &str = "whsec_";

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// The longest description accepted.
pub const MAX_DESCRIPTION_LEN: usize = 500;

/// How long a rotated-out secret keeps signing beside the new one, by default and at most.
pub const DEFAULT_ROTATION_OVERLAP_HOURS: i64 = 24;
pub const MAX_ROTATION_OVERLAP_HOURS: i64 = 7 * 24;

/// Hosts a plain `http://` URL may name: this machine, for tests and local development.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// Checks an endpoint URL: `https://` with a host (and optional port, path and query), or
/// `http://` to this machine (127.0.0.1, localhost, [::1]); no user name or password in it, no
/// fragment, no spaces or control characters, at most [`MAX_URL_LEN`] characters.
pub fn validate_url(url: &str) -> Result<String> {
    let bad = || Error::InvalidWebhookUrl { url: url.chars().take(200).collect() };
    let url = url.trim();
    if url.len() > MAX_URL_LEN || url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('#') {
        return Err(bad());
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad());
    }
    let (host, port) = split_port(authority).ok_or_else(bad)?;
    if host.is_empty() || !host_is_plausible(host) {
        return Err(bad());
    }
    if port.is_some_and(|p| p == 0) {
        return Err(bad());
    }
    if !https && !LOOPBACK_HOSTS.contains(&host) {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// `host[:port]` (an IPv6 host in brackets); `None` when the port is not a number.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest.strip_prefix(':') {
            None if rest.is_empty() => Some((host, None)),
            None => None,
            Some(port) => Some((host, Some(port.parse().ok()?))),
        };
    }
    match authority.rsplit_once(':') {
        None => Some((authority, None)),
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
    }
}

fn host_is_plausible(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The wait after the `attempt`-th failed try (1-based) before the next; `None`: that was the
/// last. Twelve tries over about three days and five hours: quick at first for a blip, then
/// twice a day, so an endpoint down over a long weekend still gets its events.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    const MINUTES: [i64; 11] = [1, 5, 30, 120, 300, 600, 720, 720, 720, 720, 720];
    MINUTES.get(attempt.checked_sub(1)? as usize).map(|m| Duration::minutes(*m))
}

/// How one delivery attempt ended, as the sender saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this HTTP status; `excerpt` is the start of its body.
    Status { code: u16, excerpt: String },
    /// No answer: connection refused, timeout, TLS failure, a URL that cannot be requested.
    NoAnswer(String),
}

/// The most characters of an answer's body that are kept.
pub const EXCERPT_CHARS: usize = 500;

impl Answer {
    /// Success is a 2xx answer; a redirect is not followed and counts as a failure.
    pub fn is_success(&self) -> bool {
        matches!(self, Answer::Status { code, .. } if (200..300).contains(code))
    }
}

/// Whether an endpoint whose deliveries have failed since `failing_since`, and one of whose
/// deliveries has just used up its retries, is disabled now: when it has failed for
/// `disable_after` or longer without a single success.
pub fn should_disable(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>, disable_after: Duration) -> bool {
    failing_since.is_some_and(|since| now - since >= disable_after)
}

/// Checks a description: at most [`MAX_DESCRIPTION_LEN`] characters; blank is none.
pub fn validate_description(text: Option<&str>) -> Result<Option<String>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > MAX_DESCRIPTION_LEN => {
            Err(Error::invalid("description", format!("at most {MAX_DESCRIPTION_LEN} characters")))
        }
        Some(t) => Ok(Some(t.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_this_machine() {
        for ok in [
            "https://hooks.example.com/billing",
            "https://hooks.example.com:8443/billing?x=1",
            "https://10.0.0.7/in",
            "http://127.0.0.1:41234/hook",
            "http://localhost/hook",
            "HTTP://LOCALHOST:9000",
            "http://[::1]:8080/x",
        ] {
            assert!(validate_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "hooks.example.com",
            "ftp://hooks.example.com",
            "http://hooks.example.com/billing",
            "http://127.0.0.2/hook",
            "http://localhost.evil.example/",
            "https://user:pw@hooks.example.com/",
            "https://hooks.example.com/a b",
            "https://hooks.example.com/#frag",
            "https:///path",
            "https://hooks.example.com:port/",
            "https://hooks.example.com:0/",
            "https://-bad-.example/",
            "https://[zz::1]/",
            "javascript:alert(1)",
        ] {
            assert!(matches!(validate_url(bad), Err(Error::InvalidWebhookUrl { .. })), "{bad} must be refused");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(validate_url(&long).is_err());
    }

    #[test]
    fn retries_span_about_three_days_and_never_get_shorter() {
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(1), Some(Duration::minutes(1)));
        let delays: Vec<Duration> = (1..).map_while(retry_delay).collect();
        assert_eq!(delays.len(), 11, "twelve tries in all");
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        let total: i64 = delays.iter().map(|d| d.num_minutes()).sum();
        assert!((3 * 24 * 60..4 * 24 * 60).contains(&total), "{total} minutes");
    }

    #[test]
    fn an_endpoint_is_disabled_only_after_failing_long_enough() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let three_days = Duration::days(3);
        assert!(!should_disable(None, t0, three_days), "it has not failed");
        assert!(!should_disable(Some(t0), t0 + Duration::days(2), three_days));
        assert!(should_disable(Some(t0), t0 + three_days, three_days));
    }

    #[test]
    fn only_a_2xx_answer_is_a_success() {
        let answer = |code| Answer::Status { code, excerpt: String::new() };
        assert!(answer(200).is_success() && answer(204).is_success() && answer(299).is_success());
        for code in [199, 301, 302, 400, 410, 500, 503] {
            assert!(!answer(code).is_success(), "{code}");
        }
        assert!(!Answer::NoAnswer("refused".into()).is_success());
    }

    #[test]
    fn descriptions_are_bounded_and_blank_is_none() {
        assert_eq!(validate_description(Some("  ")).unwrap(), None);
        assert_eq!(validate_description(Some(" ERP ")).unwrap(), Some("ERP".into()));
        assert!(validate_description(Some(&"x".repeat(501))).is_err());
    }
}
