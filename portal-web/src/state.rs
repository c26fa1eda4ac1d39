//! The state every request handler shares (`AppState`): the pool, the clock, the gateway
//! directory, the VIES client, the failed-authentication limiter and the portal's options. It
//! imports no front (`api/`, `portal/`), so every front can import it without a loop; the router
//! composition is in `app.rs`, serving in `server.rs`.

use std::sync::Arc;

use billing_core::clock::Clock;
use sqlx::PgPool;

use crate::ratelimit::{AuthLimiter, AuthLimits};
use crate::telemetry::Metrics;

/// Cloned by every middleware layer and extractor of every request: one reference count, not one
/// per field (each clone and drop of a dozen shared counts showed in the profile of the reads,
/// issue 15). Fields read through `Deref`; the `with_*` builders set them before serving.
#[derive(Clone)]
pub struct AppState(Arc<AppStateFields>);

impl std::ops::Deref for AppState {
    type Target = AppStateFields;

    fn deref(&self) -> &AppStateFields {
        &self.0
    }
}

#[derive(Clone)]
pub struct AppStateFields {
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Where customers' EU VAT IDs are confirmed (VIES).
    pub vat_verifier: Arc<dyn billing_core::ports::vat_registry::VatIdVerifier>,
    /// The tenants' gateway accounts, built on first use and cached; sandbox accounts keep their
    /// records in the database.
    pub gateways: Arc<gateway_adapters::directory::Directory>,
    /// Failed API-key checks per client address (429 once a client has used up its attempts).
    pub auth_limiter: Arc<AuthLimiter>,
    /// The customer portal's options (`portal.*`).
    pub portal: Arc<crate::config::PortalConfig>,
    /// API keys remembered for a short while (`billing serve` turns it on); `None` looks every
    /// request's key up in the database.
    pub api_keys: Option<Arc<crate::api_key_cache::ApiKeyCache>>,
    /// Requests per API key and per merchant (`[api] rate_limit_*`, docs/adr/0033); off unless
    /// configured (`billing serve` takes the configuration's).
    pub rate_limiter: Arc<crate::api::rate_limits::ApiRateLimiter>,
    /// The request log's batching writer (`api::request_logs`).
    pub request_log: Arc<crate::request_log_writer::RequestLogWriter>,
    /// Group commit of single usage events (`usage_ingest`).
    pub usage_ingest: Arc<crate::usage_ingest::UsageIngest>,
    /// The portal's page views, written in batches (`page_view_writer`).
    pub page_views: Arc<crate::page_view_writer::PageViewWriter>,
    /// The portal's tenants, remembered and checked on every use (`tenant_cache`).
    pub portal_tenants: Arc<crate::tenant_cache::TenantCache>,
}

impl AppState {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> Self {
        Self(Arc::new(AppStateFields {
            clock,
            metrics: Arc::new(Metrics::default()),
            vat_verifier: Arc::new(crate::vies::HttpVies::new(&crate::config::ViesConfig::default())),
            gateways: Arc::new(gateways(&pool)),
            auth_limiter: Arc::new(AuthLimiter::new(AuthLimits::default())),
            portal: Arc::new(crate::config::PortalConfig::default()),
            api_keys: None,
            rate_limiter: Arc::new(crate::api::rate_limits::ApiRateLimiter::new(Default::default())),
            request_log: Arc::new(crate::request_log_writer::RequestLogWriter::default()),
            usage_ingest: Arc::new(crate::usage_ingest::UsageIngest::default()),
            page_views: Arc::new(crate::page_view_writer::PageViewWriter::default()),
            portal_tenants: Arc::new(crate::tenant_cache::TenantCache::default()),
            pool,
        }))
    }

    /// The fields to change, copied first if another clone shares them.
    fn fields(&mut self) -> &mut AppStateFields {
        Arc::make_mut(&mut self.0)
    }

    /// The same state with API keys cached in memory (see `api_key_cache`).
    pub fn with_api_key_cache(mut self, cache: Arc<crate::api_key_cache::ApiKeyCache>) -> Self {
        self.fields().api_keys = Some(cache);
        self
    }

    /// The same state with another gateway directory (one holding the configured secrets key).
    pub fn with_gateways(mut self, gateways: Arc<gateway_adapters::directory::Directory>) -> Self {
        self.fields().gateways = gateways;
        self
    }

    /// The same state with other failed-authentication limits.
    pub fn with_auth_limits(mut self, limits: AuthLimits) -> Self {
        self.fields().auth_limiter = Arc::new(AuthLimiter::new(limits));
        self
    }

    /// The same state with other API rate limits.
    pub fn with_rate_limits(mut self, limits: crate::api::rate_limits::RateLimits) -> Self {
        self.fields().rate_limiter = Arc::new(crate::api::rate_limits::ApiRateLimiter::new(limits));
        self
    }

    /// The same state with other portal options.
    pub fn with_portal(mut self, portal: crate::config::PortalConfig) -> Self {
        self.fields().portal = Arc::new(portal);
        self
    }

    /// The same state with another VIES client (the configured one, or a test peer).
    pub fn with_vat_verifier(mut self, verifier: Arc<dyn billing_core::ports::vat_registry::VatIdVerifier>) -> Self {
        self.fields().vat_verifier = verifier;
        self
    }
}

/// The gateway directory of a `billing` process: sandbox accounts keep their records in the
/// database, so every process on it sees one sandbox provider; credentials are sealed with the key
/// `load` returns.
pub fn gateways_with_key(
    pool: &PgPool,
    load: impl Fn() -> Result<billing_core::secrets::SecretBox, String> + Send + Sync + 'static,
) -> gateway_adapters::directory::Directory {
    gateway_adapters::directory::Directory::configured(
        load,
        Arc::new(crate::sandbox_store::PgSandboxStores::new(pool.clone())),
    )
}

/// [`gateways_with_key`] with a key that lives as long as the process (tests).
pub fn gateways(pool: &PgPool) -> gateway_adapters::directory::Directory {
    gateways_with_key(pool, || Ok(billing_core::secrets::SecretBox::ephemeral()))
}
