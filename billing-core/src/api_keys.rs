//! What an API key may do (docs/adr/0026): its scopes, and the rule that grants or refuses a
//! request. Pure: the api layer says which resource a route touches and whether it reads or
//! writes; this module answers.
//!
//! Scopes: `full` (everything, key management included), `read_only` (every `*:read`), or a
//! resource scope `<resource>:read` / `<resource>:write` (write includes read). Keys and the
//! request log (`api_keys`) are for `full` keys only, so that no restricted key can mint a wider
//! one.

use crate::{Error, Result};

/// The resources a scope can name, in the order the documentation lists them.
pub const RESOURCES: &[(&str, &str)] = &[
    ("customers", "customers, their balance, payment terms, VAT IDs and e-invoice settings"),
    ("catalog", "plans, prices, coupons and simulations"),
    ("subscriptions", "subscriptions and their lifecycle"),
    ("usage", "usage events and current usage"),
    ("invoices", "invoices, credit notes, their documents and e-invoices"),
    ("payments", "payment methods, paying, refunds, bank transfers and statements"),
    ("invoice_runs", "invoice runs and their reports"),
    ("webhooks", "the events log, webhook endpoints and their deliveries"),
    ("reports", "metrics (MRR, portal, revenue) and exports (DATEV, CSV)"),
    ("support", "billing questions asked in the portal and survey answers"),
    ("settings", "the merchant's settings, mail, dunning, portal, gateways, job runs"),
    ("api_keys", "API keys and the request log (full keys only)"),
];

pub const FULL: &str = "full";
pub const READ_ONLY: &str = "read_only";

/// Reading or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// The scope a request needs: `invoices:write`, or `full` for key management.
pub fn required(resource: &str, access: Access) -> String {
    if resource == "api_keys" { FULL.to_string() } else { format!("{resource}:{}", access.as_str()) }
}

/// Whether a key with `scopes` may `access` `resource`.
pub fn allows(scopes: &[String], resource: &str, access: Access) -> bool {
    scopes.iter().any(|s| match s.as_str() {
        FULL => true,
        READ_ONLY => access == Access::Read && resource != "api_keys",
        other => match other.split_once(':') {
            Some((r, a)) if r == resource && resource != "api_keys" => {
                a == "write" || (a == "read" && access == Access::Read)
            }
            _ => false,
        },
    })
}

/// Checks and normalizes the scopes a key is created with: at least one, each `full`,
/// `read_only` or `<resource>:read|write` of a known resource; duplicates dropped, sorted.
pub fn parse_scopes(given: &[String]) -> Result<Vec<String>> {
    if given.is_empty() {
        return Err(Error::invalid("scopes", "give at least one scope: full, read_only or <resource>:read|write"));
    }
    if given.len() > 32 {
        return Err(Error::invalid("scopes", "at most 32 scopes"));
    }
    let mut out: Vec<String> = Vec::new();
    for s in given {
        let s = s.trim();
        let ok = s == FULL
            || s == READ_ONLY
            || s.split_once(':').is_some_and(|(r, a)| {
                r != "api_keys" && RESOURCES.iter().any(|(name, _)| *name == r) && (a == "read" || a == "write")
            });
        if !ok {
            let names: Vec<&str> = RESOURCES.iter().map(|(n, _)| *n).filter(|n| *n != "api_keys").collect();
            return Err(Error::invalid(
                "scopes",
                format!(
                    "`{}` is not a scope; use full, read_only or <resource>:read|write with a resource of {}",
                    s.chars().take(40).collect::<String>(),
                    names.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn full_reads_and_writes_everything_read_only_reads_all_but_keys() {
        for (r, _) in RESOURCES {
            assert!(allows(&s(&["full"]), r, Access::Write));
            assert_eq!(allows(&s(&["read_only"]), r, Access::Read), *r != "api_keys");
            assert!(!allows(&s(&["read_only"]), r, Access::Write));
        }
    }

    #[test]
    fn a_resource_scope_grants_that_resource_only_and_write_includes_read() {
        let k = s(&["invoices:read", "usage:write"]);
        assert!(allows(&k, "invoices", Access::Read));
        assert!(!allows(&k, "invoices", Access::Write));
        assert!(allows(&k, "usage", Access::Write));
        assert!(allows(&k, "usage", Access::Read));
        assert!(!allows(&k, "customers", Access::Read));
        assert!(!allows(&s(&["api_keys:write"]), "api_keys", Access::Read));
        assert_eq!(required("invoices", Access::Write), "invoices:write");
        assert_eq!(required("api_keys", Access::Read), "full");
    }

    #[test]
    fn scopes_are_checked_and_normalized() {
        assert_eq!(
            parse_scopes(&s(&["usage:write", "invoices:read", "usage:write"])).unwrap(),
            s(&["invoices:read", "usage:write"])
        );
        assert!(parse_scopes(&[]).is_err());
        assert!(parse_scopes(&s(&["invoices:delete"])).is_err());
        assert!(parse_scopes(&s(&["widgets:read"])).is_err());
        assert!(parse_scopes(&s(&["api_keys:write"])).is_err());
        assert!(parse_scopes(&s(&["Full"])).is_err());
    }
}
