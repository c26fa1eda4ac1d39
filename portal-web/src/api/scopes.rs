//! Which scope a request needs (docs/adr/0026): the resource its path belongs to and whether it
//! reads or writes. Decided from the path alone (the route's template or the request's path: the
//! rules look at fixed segments only), so a route added later is covered without a table entry:
//! anything not named below is `settings`.

use axum::http::Method;
use billing_core::api_keys::Access;

/// Segments that make a route about money moving, wherever they sit.
const PAYMENT_SEGMENTS: &[&str] = &[
    "payment_methods",
    "mandates",
    "payment_method_setups",
    "pay",
    "refunds",
    "payment_attempts",
    "mark_paid",
    "bank_transfer",
    "dunning",
];

/// The resource and access a request to `path` (with or without `/api/v1`) with `method` needs;
/// `None` for what needs no key (the OpenAPI document).
pub fn needed(method: &Method, path: &str) -> Option<(&'static str, Access)> {
    let path = path.strip_prefix(super::BASE).unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let first = *segments.first()?;
    if first == "openapi.json" {
        return None;
    }
    let resource = if segments.iter().any(|s| PAYMENT_SEGMENTS.contains(s)) {
        "payments"
    } else if first == "usage_events" || segments.last() == Some(&"usage") {
        "usage"
    } else {
        match first {
            "customers" => "customers",
            "plans" | "coupons" | "simulations" => "catalog",
            "subscriptions" => "subscriptions",
            "invoices" | "einvoices" => "invoices",
            "bank_statements" | "bank_account" => "payments",
            "invoice_runs" => "invoice_runs",
            "api_keys" | "request_logs" => "api_keys",
            "events" | "webhook_endpoints" | "webhook_deliveries" => "webhooks",
            "metrics" | "exports" => "reports",
            "billing_questions" | "survey_responses" => "support",
            _ => "settings",
        }
    };
    // Reads that are POSTs: a simulation and a change preview store nothing.
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || first == "simulations"
        || segments.last() == Some(&"preview");
    Some((resource, if reads { Access::Read } else { Access::Write }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_resource() {
        let cases = [
            ("GET", "/api/v1/customers/{id}", "customers:read"),
            ("GET", "/api/v1/events", "webhooks:read"),
            ("POST", "/api/v1/webhook_deliveries/{id}/retry", "webhooks:write"),
            ("GET", "/api/v1/metrics/mrr", "reports:read"),
            ("GET", "/api/v1/metrics/snapshots", "reports:read"),
            ("PUT", "/api/v1/exports/datev/settings", "reports:write"),
            ("PUT", "/api/v1/metrics/acquisition_spend", "reports:write"),
            ("POST", "/api/v1/billing_questions/{id}/replies", "support:write"),
            ("PUT", "/api/v1/portal/faq", "settings:write"),
            ("PUT", "/api/v1/branding/logo", "settings:write"),
            ("GET", "/api/v1/branding/logo", "settings:read"),
            ("POST", "/api/v1/customers", "customers:write"),
            ("POST", "/api/v1/customers/{id}/payment_methods", "payments:write"),
            ("GET", "/api/v1/customers/{id}/mandates", "payments:read"),
            ("POST", "/api/v1/customers/{id}/mandates", "payments:write"),
            ("PATCH", "/api/v1/customers/{id}/mandates/{mandate}", "payments:write"),
            ("POST", "/api/v1/customers/{id}/mandates/{mandate}/cancel", "payments:write"),
            ("POST", "/api/v1/invoices/{id}/pay", "payments:write"),
            ("POST", "/api/v1/invoices/{id}/finalize", "invoices:write"),
            ("GET", "/api/v1/invoices/{id}/pdf", "invoices:read"),
            ("POST", "/api/v1/usage_events/batch", "usage:write"),
            ("GET", "/api/v1/subscriptions/{id}/usage", "usage:read"),
            ("POST", "/api/v1/subscriptions/{id}/change/preview", "subscriptions:read"),
            ("POST", "/api/v1/simulations", "catalog:read"),
            ("PUT", "/api/v1/dunning_policy", "settings:write"),
            ("PUT", "/api/v1/dunning_policies/{scope}/{name}", "settings:write"),
            ("GET", "/api/v1/dunning_policies", "settings:read"),
            ("POST", "/api/v1/mail_reports", "settings:write"),
            ("POST", "/api/v1/customers/{id}/dunning/pause", "payments:write"),
            ("POST", "/api/v1/customers/{id}/dunning/resume", "payments:write"),
            ("GET", "/api/v1/api_keys", "full"),
            ("POST", "/api/v1/something_new", "settings:write"),
        ];
        for (method, path, scope) in cases {
            let (resource, access) = needed(&method.parse().unwrap(), path).unwrap();
            assert_eq!(billing_core::api_keys::required(resource, access), scope, "{method} {path}");
        }
        assert!(needed(&Method::GET, "/api/v1/openapi.json").is_none());
    }

    #[test]
    fn every_route_needs_a_known_resource() {
        for r in super::super::routes() {
            if let Some((resource, _)) = needed(&r.method, r.path) {
                assert!(billing_core::api_keys::RESOURCES.iter().any(|(n, _)| *n == resource), "{}", r.path);
            }
        }
    }
}
