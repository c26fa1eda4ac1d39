//! The portal's tenants remembered in memory (issue 15, docs/adr/0055), so that a signed-in page
//! costs one statement before its handler runs instead of two.
//!
//! An entry maps a tenant's slug to the tenant as the portal loads it
//! (`store::tenants::get_by_slug_with_page_settings`: the tenant, its offered languages, its logo
//! digest) and the tenant's `settings_version`. Migration 20261211001500 moves that counter in
//! the same transaction as every change of those (any UPDATE of the tenant's row, any change of
//! its portal settings or logo). The remembered tenant is never used unchecked: the session's
//! statement reads the counter as of its own snapshot, and only when it equals the entry's is the
//! entry used; otherwise the tenant is loaded again. So a page never shows settings older than
//! the request, on any number of processes, with no time to live, listener or invalidation call.
//! A visitor who is not signed in (no session statement to read the counter) is served from a
//! fresh load, as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use billing_core::store::tenants::PortalTenant;

/// At most this many tenants are remembered; past it the cache starts over.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct TenantCache {
    entries: Mutex<HashMap<String, Arc<PortalTenant>>>,
}

impl TenantCache {
    /// The tenant remembered for `slug`: to be checked against the counter before use.
    pub fn get(&self, slug: &str) -> Option<Arc<PortalTenant>> {
        self.entries.lock().ok()?.get(slug).cloned()
    }

    /// Remembers a freshly loaded tenant, unless a newer one is remembered already (two requests
    /// that loaded it at different times may finish in either order).
    pub fn put(&self, slug: &str, tenant: Arc<PortalTenant>) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries
            .get(slug)
            .is_some_and(|e| e.tenant.id == tenant.tenant.id && e.settings_version > tenant.settings_version)
        {
            return;
        }
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(slug) {
            entries.clear();
        }
        entries.insert(slug.to_string(), tenant);
    }

    /// Forgets `slug` (no tenant has it now).
    pub fn forget(&self, slug: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(slug);
        }
    }
}
