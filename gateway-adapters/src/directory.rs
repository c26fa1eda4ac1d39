//! Builds the gateway of each configured account and answers the engine's routing questions:
//! the implementation of billing-core's `Gateways` port.
//!
//! Gateways are cached per account id and rebuilt when the stored config changes (a sandbox is
//! updated in place instead). A sandbox keeps its records in the store the directory was given
//! ([`Directory::configured`]; in memory by default), so that every process on one database sees
//! the same sandbox provider.
//!
//! Stored configs carry their credentials sealed (`billing_core::secrets`): the directory holds the
//! operator's key, seals what `prepare_config` and `rotate_webhook_secret` return for storing, and
//! opens a config only to build its gateway.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use billing_core::currency::Currency;
use billing_core::ids::GatewayAccountId as PublicAccountId;
use billing_core::ports::{GatewayAccountSpec, GatewayError, Gateways, PaymentGateway, RoutedAccount, RoutingInput};
use billing_core::secrets::{self, SecretBox};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::mollie::{MollieConfig, MollieGateway};
use crate::router::{
    self, AttemptOutcome, AttemptRecord, BreakerConfig, GatewayAccountId, GatewayCapabilities, PaymentContext,
    PaymentMethodKind, Rule,
};
use crate::sandbox::Sandbox;
use crate::sandbox::store::{MemoryStores, SandboxStores};
use crate::stripe::signing::WebhookSecrets;
use crate::stripe::{StripeConfig, StripeGateway};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SandboxSettings {
    /// Generated (random, per account) when the account is created; see `prepare_config`.
    #[serde(default)]
    webhook_secret: Option<String>,
    /// The secret before the last rotation, verifying until `rotation_overlap_until`.
    #[serde(default)]
    previous_webhook_secret: Option<String>,
    #[serde(default)]
    rotation_overlap_until: Option<DateTime<Utc>>,
    /// Every charge and refund times out without moving money: an account that is "down".
    #[serde(default)]
    outage: bool,
    /// Every charge takes the money and then times out, retries included (only the webhook tells).
    #[serde(default)]
    outage_after_capture: bool,
    /// Checked here; read by `currencies_of` for routing.
    #[serde(default, rename = "currencies")]
    _currencies: Option<Vec<Currency>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StripeSettings {
    secret_key: String,
    webhook_secret: String,
    #[serde(default)]
    previous_webhook_secret: Option<String>,
    #[serde(default)]
    rotation_overlap_until: Option<DateTime<Utc>>,
    #[serde(default)]
    api_base: Option<String>,
    /// localstripe rejects `description`; set false when pointing at it.
    #[serde(default)]
    send_description: Option<bool>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    /// Stripe.js's key (`pk_…`): the portal's card form for this account (docs/adr/0044).
    #[serde(default)]
    publishable_key: Option<String>,
    /// localstripe rejects `mandate_data`; set false when pointing at it.
    #[serde(default)]
    send_mandate_data: Option<bool>,
    /// Checked here; read by `currencies_of` for routing.
    #[serde(default, rename = "currencies")]
    _currencies: Option<Vec<Currency>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MollieSettings {
    /// `live_…` or `test_…`.
    api_key: String,
    /// Where Mollie's checkout sends the customer back after authenticating a card (the portal).
    redirect_url: String,
    /// Our public base URL: Mollie is told to notify `{webhook_base_url}/webhooks/{account id}`.
    #[serde(default)]
    webhook_base_url: Option<String>,
    #[serde(default)]
    api_base: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    /// Checked here; read by `currencies_of` for routing.
    #[serde(default, rename = "currencies")]
    _currencies: Option<Vec<Currency>>,
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A gateway and, for a sandbox, the concrete sandbox behind it.
type BuiltGateway = (Arc<dyn PaymentGateway>, Option<Arc<Sandbox>>);

struct Built {
    config: serde_json::Value,
    gateway: Arc<dyn PaymentGateway>,
    sandbox: Option<Arc<Sandbox>>,
}

/// Loads the operator's key on first use: a process that never touches a gateway credential
/// (an invoice run, a migration) never reads or creates a key file.
type KeyLoader = Box<dyn Fn() -> Result<SecretBox, String> + Send + Sync>;

/// The account directory; share one per process (`Arc`).
pub struct Directory {
    built: Mutex<HashMap<Uuid, Built>>,
    load_key: KeyLoader,
    key: OnceLock<Result<SecretBox, String>>,
    sandbox_stores: Arc<dyn SandboxStores>,
}

impl Default for Directory {
    fn default() -> Self {
        Directory::new()
    }
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").finish_non_exhaustive()
    }
}

/// The secrets a webhook of this account verifies with.
fn webhook_secrets(current: String, previous: Option<String>, until: Option<DateTime<Utc>>) -> WebhookSecrets {
    WebhookSecrets { current, previous: previous.zip(until) }
}

fn settings_error(provider: &str, err: serde_json::Error) -> String {
    format!("{provider} config: {err}")
}

fn currencies_of(spec: &GatewayAccountSpec) -> Option<Vec<Currency>> {
    spec.config.get("currencies").and_then(|c| serde_json::from_value(c.clone()).ok())
}

impl Directory {
    /// A directory whose key lives as long as the process and whose sandboxes keep their records
    /// in its memory: for tests and in-process tools. What it seals cannot be opened by another
    /// process.
    pub fn new() -> Directory {
        Directory::with_secret_key(|| Ok(SecretBox::ephemeral()))
    }

    /// A directory sealing and opening credentials with the key `load` returns (the configured
    /// `secrets.key`, or the key file), loaded on first use; sandboxes in memory.
    pub fn with_secret_key(load: impl Fn() -> Result<SecretBox, String> + Send + Sync + 'static) -> Directory {
        Directory::configured(load, Arc::new(MemoryStores::default()))
    }

    /// A directory with a process-lifetime key whose sandboxes keep their records in `stores`.
    pub fn with_sandbox_stores(stores: Arc<dyn SandboxStores>) -> Directory {
        Directory::configured(|| Ok(SecretBox::ephemeral()), stores)
    }

    /// The directory of a `billing` process: the configured key, sandbox records in `stores` (the
    /// database).
    pub fn configured(
        load: impl Fn() -> Result<SecretBox, String> + Send + Sync + 'static,
        stores: Arc<dyn SandboxStores>,
    ) -> Directory {
        Directory {
            built: Mutex::new(HashMap::new()),
            load_key: Box::new(load),
            key: OnceLock::new(),
            sandbox_stores: stores,
        }
    }

    fn key(&self) -> Result<&SecretBox, String> {
        self.key.get_or_init(|| (self.load_key)()).as_ref().map_err(|e| format!("secrets key: {e}"))
    }

    /// The operator's key, for other secrets sealed at rest the same way (merchants' webhook
    /// endpoint secrets, docs/adr/0024); loaded on first use like the gateways' own.
    pub fn secrets(&self) -> Result<&SecretBox, String> {
        self.key()
    }

    /// A stored config with its credentials opened.
    fn open(&self, config: &serde_json::Value) -> Result<serde_json::Value, GatewayError> {
        let key = self.key().map_err(GatewayError::Misconfigured)?;
        key.open_config(config).map_err(|e| GatewayError::Misconfigured(e.to_string()))
    }

    /// The sandbox behind an account, if it is one and has been built: tests and the demo use it to
    /// drain its webhooks or finish 3-D Secure.
    pub fn sandbox(&self, account: Uuid) -> Option<Arc<Sandbox>> {
        self.built.lock().unwrap_or_else(|p| p.into_inner()).get(&account).and_then(|b| b.sandbox.clone())
    }

    /// Every sandbox built so far, by account id: `billing serve` delivers their webhooks.
    pub fn sandboxes(&self) -> Vec<(Uuid, Arc<Sandbox>)> {
        let built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.iter().filter_map(|(id, b)| b.sandbox.clone().map(|s| (*id, s))).collect()
    }

    fn sandbox_settings(&self, spec: &GatewayAccountSpec) -> Result<SandboxSettings, GatewayError> {
        serde_json::from_value(self.open(&spec.config)?)
            .map_err(|e| GatewayError::Misconfigured(settings_error("sandbox", e)))
    }

    fn apply_sandbox_settings(sandbox: &Sandbox, s: SandboxSettings) {
        // An account stored before secrets were generated per account has none: it gets a random
        // one for this process's life (the sandbox both signs and verifies in this process), never
        // one derivable from its public id.
        let current = s.webhook_secret.unwrap_or_else(|| secrets::random_secret("whsec_"));
        sandbox.set_webhook_secrets(webhook_secrets(current, s.previous_webhook_secret, s.rotation_overlap_until));
        sandbox.set_outage(s.outage);
        sandbox.set_outage_after_capture(s.outage_after_capture);
    }

    fn build(&self, spec: &GatewayAccountSpec) -> Result<BuiltGateway, GatewayError> {
        match spec.provider.as_str() {
            "sandbox" => {
                let s = self.sandbox_settings(spec)?;
                let store = self.sandbox_stores.store(spec.tenant, spec.id);
                let sandbox = Arc::new(Sandbox::with_store(String::new(), Arc::new(Utc::now), store));
                Directory::apply_sandbox_settings(&sandbox, s);
                Ok((sandbox.clone(), Some(sandbox)))
            }
            "stripe" => {
                let s: StripeSettings = serde_json::from_value(self.open(&spec.config)?)
                    .map_err(|e| GatewayError::Misconfigured(settings_error("stripe", e)))?;
                let mut config = StripeConfig::new(s.secret_key, s.webhook_secret);
                config.previous_webhook_secret = s.previous_webhook_secret.zip(s.rotation_overlap_until);
                if let Some(base) = s.api_base {
                    config.api_base = base;
                }
                if let Some(send) = s.send_description {
                    config.send_description = send;
                }
                if let Some(ms) = s.timeout_ms {
                    config.request_timeout = Duration::from_millis(ms);
                }
                config.publishable_key = s.publishable_key;
                if let Some(send) = s.send_mandate_data {
                    config.send_mandate_data = send;
                }
                Ok((Arc::new(StripeGateway::new(config)?), None))
            }
            "mollie" => {
                let s: MollieSettings = serde_json::from_value(self.open(&spec.config)?)
                    .map_err(|e| GatewayError::Misconfigured(settings_error("mollie", e)))?;
                let mut config = MollieConfig::new(s.api_key, s.redirect_url);
                if let Some(base) = s.api_base {
                    config.api_base = base;
                }
                if let Some(base) = s.webhook_base_url {
                    config.webhook_url =
                        Some(format!("{}/webhooks/{}", base.trim_end_matches('/'), PublicAccountId(spec.id)));
                }
                if let Some(ms) = s.timeout_ms {
                    config.request_timeout = Duration::from_millis(ms);
                }
                Ok((Arc::new(MollieGateway::new(config)?), None))
            }
            other => Err(GatewayError::Misconfigured(format!("no adapter for provider `{other}`"))),
        }
    }
}

impl Gateways for Directory {
    fn gateway(&self, spec: &GatewayAccountSpec) -> Result<Arc<dyn PaymentGateway>, GatewayError> {
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = built.get_mut(&spec.id) {
            if b.config == spec.config {
                return Ok(b.gateway.clone());
            }
            // A changed sandbox (a rotated secret, an outage switched) keeps its payments.
            if let Some(sandbox) = b.sandbox.clone().filter(|_| spec.provider == "sandbox") {
                Directory::apply_sandbox_settings(&sandbox, self.sandbox_settings(spec)?);
                b.config = spec.config.clone();
                return Ok(b.gateway.clone());
            }
        }
        let (gateway, sandbox) = self.build(spec)?;
        built.insert(spec.id, Built { config: spec.config.clone(), gateway: gateway.clone(), sandbox });
        Ok(gateway)
    }

    fn validate_config(&self, provider: &str, config: &serde_json::Value) -> Result<(), String> {
        match provider {
            "sandbox" => {
                let s: SandboxSettings =
                    serde_json::from_value(config.clone()).map_err(|e| settings_error(provider, e))?;
                // A chosen secret must not be guessable either; leave it out to get a random one.
                if s.webhook_secret.is_some_and(|w| w.chars().count() < 16) {
                    return Err("sandbox config: webhook_secret must have at least 16 characters".into());
                }
                Ok(())
            }
            "stripe" => {
                let s: StripeSettings =
                    serde_json::from_value(config.clone()).map_err(|e| settings_error(provider, e))?;
                if !(s.secret_key.starts_with("sk_") || s.secret_key.starts_with("rk_")) {
                    return Err("stripe config: secret_key must start with sk_ or rk_".into());
                }
                if let Some(base) = &s.api_base
                    && !(base.starts_with("https://") || base.starts_with("http://"))
                {
                    return Err("stripe config: api_base must be an http(s) URL".into());
                }
                if s.publishable_key.as_deref().is_some_and(|k| !k.starts_with("pk_")) {
                    return Err("stripe config: publishable_key must start with pk_".into());
                }
                Ok(())
            }
            "mollie" => {
                let s: MollieSettings =
                    serde_json::from_value(config.clone()).map_err(|e| settings_error(provider, e))?;
                if !(s.api_key.starts_with("live_") || s.api_key.starts_with("test_")) {
                    return Err("mollie config: api_key must start with live_ or test_".into());
                }
                let urls = [Some(&s.redirect_url), s.webhook_base_url.as_ref(), s.api_base.as_ref()];
                if !urls.into_iter().flatten().all(|u| is_http_url(u)) {
                    return Err(
                        "mollie config: redirect_url, webhook_base_url and api_base must be http(s) URLs".into()
                    );
                }
                Ok(())
            }
            other => Err(format!("no adapter for provider `{other}`")),
        }
    }

    fn prepare_config(&self, provider: &str, config: &serde_json::Value) -> Result<serde_json::Value, String> {
        self.validate_config(provider, config)?;
        let mut config = config.clone();
        if provider == "sandbox"
            && let Some(map) = config.as_object_mut()
        {
            // Random per account: nothing about the account (its id is in the webhook URL and in
            // what the payer's browser gets) may help guess it.
            map.entry("webhook_secret").or_insert_with(|| secrets::random_secret("whsec_").into());
        }
        Ok(self.key()?.seal_config(&config))
    }

    fn rotate_webhook_secret(
        &self,
        provider: &str,
        stored: &serde_json::Value,
        new_secret: Option<&str>,
        previous_until: DateTime<Utc>,
    ) -> Result<(serde_json::Value, String), String> {
        let new_secret = match (provider, new_secret) {
            ("sandbox" | "stripe", Some(secret)) => secret.to_owned(),
            ("sandbox", None) => secrets::random_secret("whsec_"),
            ("stripe", None) => {
                return Err(
                    "stripe config: give the new webhook_secret Stripe shows after rolling the endpoint's secret"
                        .into(),
                );
            }
            ("mollie", _) => {
                return Err("mollie config: Mollie signs no webhooks; each one is checked by fetching the payment with the API key".into());
            }
            (other, _) => return Err(format!("no adapter for provider `{other}`")),
        };
        let key = self.key()?;
        let mut config = key.open_config(stored).map_err(|e| e.to_string())?;
        let map = config.as_object_mut().ok_or("config must be an object")?;
        let current = map.get("webhook_secret").and_then(|v| v.as_str()).map(str::to_owned);
        if current.as_deref() == Some(new_secret.as_str()) {
            return Err(format!("{provider} config: the new webhook_secret is the current one"));
        }
        match current {
            Some(current) => map.insert("previous_webhook_secret".into(), current.into()),
            None => map.remove("previous_webhook_secret"),
        };
        map.insert("rotation_overlap_until".into(), previous_until.to_rfc3339().into());
        map.insert("webhook_secret".into(), new_secret.clone().into());
        self.validate_config(provider, &config)?;
        Ok((key.seal_config(&config), new_secret))
    }

    fn live_mode(&self, provider: &str, stored: &serde_json::Value) -> Option<bool> {
        let field = match provider {
            // The sandbox moves no real money.
            "sandbox" => return Some(false),
            "stripe" => "secret_key",
            "mollie" => "api_key",
            _ => return None,
        };
        let config = self.key().ok()?.open_config(stored).ok()?;
        let key = config.get(field)?.as_str()?;
        if ["sk_live_", "rk_live_", "live_"].iter().any(|p| key.starts_with(p)) {
            Some(true)
        } else if ["sk_test_", "rk_test_", "test_"].iter().any(|p| key.starts_with(p)) {
            Some(false)
        } else {
            None
        }
    }

    fn validate_rules(&self, rules: &serde_json::Value) -> Result<(), String> {
        let rules: Vec<Rule> = serde_json::from_value(rules.clone()).map_err(|e| format!("routing rules: {e}"))?;
        for rule in &rules {
            for bound in [rule.min_amount, rule.max_amount].into_iter().flatten() {
                bound.within_bounds().map_err(|e| format!("routing rule `{}`: {e}", rule.name))?;
            }
        }
        Ok(())
    }

    fn route(
        &self,
        rules: &serde_json::Value,
        input: &RoutingInput,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutedAccount>, String> {
        let rules: Vec<Rule> = serde_json::from_value(rules.clone()).map_err(|e| format!("routing rules: {e}"))?;
        let public = |id: Uuid| GatewayAccountId::new(PublicAccountId(id).to_string());
        let method = match input.method {
            billing_core::ports::PaymentMethodKind::Card => PaymentMethodKind::Card,
            billing_core::ports::PaymentMethodKind::SepaDebit => PaymentMethodKind::SepaDebit,
        };
        let mut caps = Vec::new();
        let mut health = Vec::new();
        let mut usable = BTreeMap::new();
        let mut by_public = BTreeMap::new();
        for a in &input.accounts {
            let id = public(a.account.id);
            by_public.insert(id.clone(), a.account.id);
            caps.push(GatewayCapabilities {
                gateway: id.clone(),
                // No restriction configured: the account takes the payment's currency.
                currencies: currencies_of(&a.account).unwrap_or_else(|| vec![input.amount.currency()]),
                // Mollie and the sandbox also debit SEPA mandates; Stripe's adapter stores cards only.
                methods: if matches!(a.account.provider.as_str(), "mollie" | "sandbox") {
                    vec![PaymentMethodKind::Card, PaymentMethodKind::SepaDebit]
                } else {
                    vec![PaymentMethodKind::Card]
                },
            });
            let records: Vec<AttemptRecord> = a
                .recent_attempts
                .iter()
                .map(|h| AttemptRecord {
                    at: h.at,
                    outcome: match h.gateway_error.as_deref() {
                        None | Some("rejected") => AttemptOutcome::Success,
                        Some("timeout") => AttemptOutcome::Timeout,
                        Some(_) => AttemptOutcome::Error,
                    },
                })
                .collect();
            health.push(router::health_from_attempts(id.clone(), &records, &BreakerConfig::DEFAULT, now));
            usable.insert(
                id,
                a.usable_methods
                    .iter()
                    .map(|k| match k {
                        billing_core::ports::PaymentMethodKind::Card => PaymentMethodKind::Card,
                        billing_core::ports::PaymentMethodKind::SepaDebit => PaymentMethodKind::SepaDebit,
                    })
                    .collect(),
            );
        }
        let ctx = PaymentContext {
            currency: input.amount.currency(),
            amount: input.amount,
            customer_country: input.customer_country,
            method,
            segment: input.segment.clone(),
            routing_key: input.routing_key.clone(),
            usable_methods_by_gateway: usable,
        };
        let decision = router::route(&rules, &caps, &health, &ctx, now);
        let skipped: Vec<String> = decision.skipped.iter().map(|(g, why)| format!("{g}: {why}")).collect();
        let suffix = if skipped.is_empty() { String::new() } else { format!("; skipped {}", skipped.join(", ")) };
        if decision.candidates.is_empty() {
            return Err(format!("{}{suffix}", decision.reason));
        }
        Ok(decision
            .candidates
            .into_iter()
            .filter_map(|c| {
                by_public
                    .get(&c.gateway)
                    .map(|id| RoutedAccount { account: *id, reason: format!("{}{suffix}", c.reason) })
            })
            .collect())
    }

    fn classify(&self, decline_code: &str, advice_code: Option<&str>) -> &'static str {
        match crate::decline::classify(decline_code, advice_code) {
            crate::decline::DeclineClass::Hard => "hard",
            crate::decline::DeclineClass::Soft => "soft",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_comes_from_the_sealed_key_and_only_the_answer_leaves() {
        let d = Directory::new();
        let stripe = |key: &str| {
            d.prepare_config(
                "stripe",
                &serde_json::json!({ "secret_key": key, "webhook_secret": "whsec_0123456789abcdef" }),
            )
            .unwrap()
        };
        let live = stripe("sk_live_0123456789abcdef");
        assert!(!live.to_string().contains("sk_live_"), "stored sealed: {live}");
        assert_eq!(d.live_mode("stripe", &live), Some(true));
        assert_eq!(d.live_mode("stripe", &stripe("rk_test_0123456789abcdef")), Some(false));
        let mollie = d
            .prepare_config(
                "mollie",
                &serde_json::json!({ "api_key": "test_0123456789abcdef", "redirect_url": "https://shop.example/back" }),
            )
            .unwrap();
        assert_eq!(d.live_mode("mollie", &mollie), Some(false));
        assert_eq!(d.live_mode("sandbox", &serde_json::json!({})), Some(false));
        // Sealed under another key it does not open: unknown rather than a guess.
        assert_eq!(Directory::new().live_mode("stripe", &live), None);
    }
}
