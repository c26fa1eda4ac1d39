//! Telemetry: process metrics in the Prometheus text format (`GET /metrics`), without floats:
//! durations are counted in microseconds and printed as seconds with six decimals. (`metrics` is
//! left for the revenue metrics.)

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: 2xx, 3xx, 4xx, 5xx.
    pub responses: [AtomicU64; 4],
    pub request_micros: AtomicU64,
    pub requests: AtomicU64,
    pub auth_failures: AtomicU64,
    /// Requests refused 429 because their client had used up its failed authentications.
    pub auth_throttled: AtomicU64,
    /// Requests refused 429 because their API key or merchant used up its rate limit.
    pub rate_limited: AtomicU64,
    /// Connections being served now, and all accepted so far.
    pub connections_open: AtomicU64,
    pub connections_total: AtomicU64,
}

impl Metrics {
    pub fn record(&self, status: u16, micros: u64) {
        let class = match status {
            200..=299 => 0,
            300..=399 => 1,
            400..=499 => 2,
            _ => 3,
        };
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Renders the process counters plus the gauges read from the database by the caller.
    pub fn render(&self, gauges: &[(&str, &str, i64)]) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP billing_build_info Build information.\n# TYPE billing_build_info gauge");
        let _ = writeln!(out, "billing_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(
            out,
            "# HELP billing_http_responses_total HTTP responses by status class.\n# TYPE billing_http_responses_total counter"
        );
        for (i, class) in ["2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
            let _ = writeln!(
                out,
                "billing_http_responses_total{{class=\"{class}\"}} {}",
                self.responses[i].load(Ordering::Relaxed)
            );
        }
        let micros = self.request_micros.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP billing_http_request_duration_seconds Time spent answering HTTP requests.\n# TYPE billing_http_request_duration_seconds summary"
        );
        let _ =
            writeln!(out, "billing_http_request_duration_seconds_sum {}.{:06}", micros / 1_000_000, micros % 1_000_000);
        let _ = writeln!(out, "billing_http_request_duration_seconds_count {}", self.requests.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP billing_api_auth_failures_total Requests with an invalid API key.\n# TYPE billing_api_auth_failures_total counter"
        );
        let _ = writeln!(out, "billing_api_auth_failures_total {}", self.auth_failures.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP billing_api_auth_throttled_total Requests refused because their client failed authentication too often.\n# TYPE billing_api_auth_throttled_total counter"
        );
        let _ = writeln!(out, "billing_api_auth_throttled_total {}", self.auth_throttled.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP billing_api_rate_limited_total Requests refused because their API key or merchant used up its rate limit.\n# TYPE billing_api_rate_limited_total counter"
        );
        let _ = writeln!(out, "billing_api_rate_limited_total {}", self.rate_limited.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP billing_http_connections_open HTTP connections being served.\n# TYPE billing_http_connections_open gauge"
        );
        let _ = writeln!(out, "billing_http_connections_open {}", self.connections_open.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP billing_http_connections_total HTTP connections accepted.\n# TYPE billing_http_connections_total counter"
        );
        let _ = writeln!(out, "billing_http_connections_total {}", self.connections_total.load(Ordering::Relaxed));
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.record(201, 1_500_000);
        m.record(404, 250);
        let text = m.render(&[("billing_invoices", "Invoices stored.", 7)]);
        assert!(text.contains("billing_http_responses_total{class=\"2xx\"} 1"));
        assert!(text.contains("billing_http_responses_total{class=\"4xx\"} 1"));
        assert!(text.contains("billing_http_request_duration_seconds_sum 1.500250"));
        assert!(text.contains("# TYPE billing_invoices gauge\nbilling_invoices 7"));
    }
}
