//! The admin's payment gateway accounts and routing rules (issue 14's Settings, docs/adr/0049):
//! the accounts with their provider, mode (live or test), status and credentials masked to
//! their last four characters; adding an account (the provider chosen first, then its fields);
//! renaming, disabling or enabling one and making it the default; and the routing rules edited
//! as rows (priority, conditions, targets with weights). Every change goes through the review
//! (before → after) and a once-only confirm, calls the service the API calls
//! (`service::gateway_accounts`) and writes an audit line with the redacted before and after.
//!
//! Credentials never come back to a page: the add form is not refilled with them, and the review
//! carries them only sealed with the operator's key (as they are stored), opened again on
//! confirm.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::ports::Gateways;
use billing_core::service::gateway_accounts::{self as service, AccountUpdate, GatewayAccount, NewGatewayAccount};
use billing_core::staff::Permission;
use serde::Deserialize;
use serde_json::{Value, json};

use super::confirm::{self, field};
use super::ctx::{Chrome, Console};
use super::settings::Choice;
use crate::i18n::I18n;
use crate::web::error::{PageError, PageResult};

/// Admins only: the merchant's settings.
const PERMISSION: Permission = Permission::Settings;

/// The most rules the form takes, and targets per rule.
const MAX_RULES: usize = 50;
const MAX_TARGETS: usize = 50;
/// The highest weight a target may have.
const MAX_WEIGHT: u32 = 1_000_000;

/// A provider's config fields as the add form asks for them: (name, secret, required, URL).
fn provider_fields(provider: &str) -> &'static [(&'static str, bool, bool, bool)] {
    match provider {
        "stripe" => &[
            ("secret_key", true, true, false),
            ("webhook_secret", true, true, false),
            ("publishable_key", true, false, false),
            ("api_base", false, false, true),
        ],
        "mollie" => &[
            ("api_key", true, true, false),
            ("redirect_url", false, true, true),
            ("webhook_base_url", false, false, true),
        ],
        _ => &[],
    }
}

const METHODS: [&str; 3] = ["card", "sepa_debit", "bank_transfer"];

fn provider_label(ctx: &Console, provider: &str) -> String {
    let id = format!("console-gateways-provider-{provider}");
    let text = ctx.t(&id);
    if text == id { provider.to_string() } else { text }
}

fn mode_label(ctx: &Console, live: Option<bool>) -> String {
    ctx.t(match live {
        Some(true) => "console-gateways-mode-live",
        Some(false) => "console-gateways-mode-test",
        None => "console-gateways-mode-unknown",
    })
}

fn text_with(ctx: &Console, id: &str, args: &[(&str, String)]) -> String {
    I18n::global().text(ctx.lang(), id, args)
}

/// The masked credentials of a (redacted) config: `secret_key …WXYZ`, one per secret.
fn masked(config: &Value) -> Vec<String> {
    config
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| billing_core::secrets::is_secret_key(k))
                .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("…")))
                .collect()
        })
        .unwrap_or_default()
}

/// The settings of a (redacted) config that are not credentials: `api_base: https://…`.
fn plain_settings(config: &Value) -> Vec<String> {
    config
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !billing_core::secrets::is_secret_key(k))
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}: {s}"),
                    other => format!("{k}: {other}"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The audit log's picture of an account: the redacted config, never a credential.
fn account_json(a: &GatewayAccount) -> Value {
    json!({
        "id": a.id.to_string(),
        "provider": a.provider,
        "name": a.name,
        "config": a.config,
        "active": a.active,
        "is_default": a.is_default,
        "live": a.live,
    })
}

pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub mode: String,
    pub live: bool,
    pub active: bool,
    pub is_default: bool,
    pub credentials: String,
}

fn account_row(ctx: &Console, a: &GatewayAccount) -> AccountRow {
    AccountRow {
        id: a.id.to_string(),
        name: a.name.clone(),
        provider: provider_label(ctx, &a.provider),
        mode: mode_label(ctx, a.live),
        live: a.live == Some(true),
        active: a.active,
        is_default: a.is_default,
        credentials: masked(&a.config).join(", "),
    }
}

async fn accounts(ctx: &Console) -> PageResult<Vec<GatewayAccount>> {
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(service::list(&mut conn, ctx.tenant.id, ctx.state.gateways.as_ref(), ctx.now).await?)
}

// ---------------------------------------------------------------------------------------------
// Routing rules as form rows
// ---------------------------------------------------------------------------------------------

/// One rule as the form holds it: text fields, the methods ticked, the target rows.
#[derive(Debug, Clone, Default)]
struct RuleInput {
    name: String,
    priority: String,
    currencies: String,
    countries: String,
    min: String,
    max: String,
    methods: Vec<String>,
    segments: String,
    /// (account id, weight)
    targets: Vec<(String, String)>,
    remove: bool,
}

impl RuleInput {
    fn is_blank(&self) -> bool {
        [&self.name, &self.priority, &self.currencies, &self.countries, &self.min, &self.max, &self.segments]
            .iter()
            .all(|s| s.is_empty())
            && self.methods.is_empty()
            && self.targets.iter().all(|(g, _)| g.is_empty())
    }
}

/// A bound as the form writes it: `50.00 EUR`.
fn bound_text(v: &Value) -> String {
    let (Some(minor), Some(code)) = (v["amount"].as_i64(), v["currency"].as_str()) else { return String::new() };
    match billing_core::currency::Currency::from_code(code) {
        Ok(c) => format!("{} {code}", billing_core::money::Money::from_minor(minor, c).to_decimal()),
        Err(_) => String::new(),
    }
}

fn list_text(v: &Value) -> String {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

/// The stored rules as form rows, in the order the router tries them (priority, then name).
fn inputs_of_rules(rules: &Value) -> Vec<RuleInput> {
    let mut list: Vec<&Value> = rules.as_array().map(|a| a.iter().collect()).unwrap_or_default();
    list.sort_by(|a, b| {
        (a["priority"].as_i64().unwrap_or_default(), a["name"].as_str().unwrap_or_default())
            .cmp(&(b["priority"].as_i64().unwrap_or_default(), b["name"].as_str().unwrap_or_default()))
    });
    list.into_iter()
        .map(|r| RuleInput {
            name: r["name"].as_str().unwrap_or_default().to_string(),
            priority: r["priority"].as_i64().map(|p| p.to_string()).unwrap_or_default(),
            currencies: list_text(&r["currencies"]),
            countries: list_text(&r["countries"]),
            min: bound_text(&r["min_amount"]),
            max: bound_text(&r["max_amount"]),
            methods: r["methods"]
                .as_array()
                .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            segments: list_text(&r["segments"]),
            targets: r["targets"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            (
                                t["gateway"].as_str().unwrap_or_default().to_string(),
                                t["weight"].as_u64().map(|w| w.to_string()).unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            remove: false,
        })
        .collect()
}

/// The rows as submitted: `rules` (how many), and per row `rule-{i}-…`, with `rule-{i}-slots`
/// target rows `rule-{i}-target-{j}` / `rule-{i}-weight-{j}`.
fn inputs_of_form(pairs: &[(String, String)]) -> Vec<RuleInput> {
    let count = field(pairs, "rules").and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0).min(MAX_RULES + 1);
    (0..count)
        .map(|i| {
            let get = |k: &str| field(pairs, &format!("rule-{i}-{k}")).unwrap_or_default().trim().to_string();
            let methods_key = format!("rule-{i}-methods");
            let slots = get("slots").parse::<usize>().unwrap_or(0).min(MAX_TARGETS);
            RuleInput {
                name: get("name"),
                priority: get("priority"),
                currencies: get("currencies"),
                countries: get("countries"),
                min: get("min"),
                max: get("max"),
                methods: pairs.iter().filter(|(k, _)| *k == methods_key).map(|(_, v)| v.trim().to_string()).collect(),
                segments: get("segments"),
                targets: (0..slots).map(|j| (get(&format!("target-{j}")), get(&format!("weight-{j}")))).collect(),
                remove: get("remove") == "1",
            }
        })
        .collect()
}

/// A comma or space separated list; `None` when empty (the condition is "any").
fn items(text: &str) -> Option<Vec<String>> {
    let list: Vec<String> =
        text.split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    (!list.is_empty()).then_some(list)
}

/// `50.00 EUR` (or `50,00 EUR`, `EUR 50.00`) as the API's `{amount, currency}`.
fn parse_bound(text: &str) -> Option<billing_core::money::Money> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (amount, code) = match parts.as_slice() {
        [a, c] if c.chars().all(|ch| ch.is_ascii_alphabetic()) => (*a, *c),
        [c, a] if c.chars().all(|ch| ch.is_ascii_alphabetic()) => (*a, *c),
        _ => return None,
    };
    let currency = billing_core::currency::Currency::from_code(&code.to_ascii_uppercase()).ok()?;
    let amount = if amount.contains(',') && !amount.contains('.') { amount.replace(',', ".") } else { amount.into() };
    billing_core::money::Money::parse(&amount, currency).ok().filter(|m| m.minor() >= 0)?.within_bounds().ok()
}

/// The rows as the API's rule document, sorted as the router tries them; or the first problem,
/// in the page's language. `known` are the tenant's account ids.
fn rules_of(ctx: &Console, inputs: &[RuleInput], known: &[String]) -> Result<Vec<Value>, String> {
    let mut rules = Vec::new();
    let rows: Vec<(usize, &RuleInput)> =
        inputs.iter().enumerate().filter(|(_, r)| !r.remove && !r.is_blank()).map(|(i, r)| (i + 1, r)).collect();
    if rows.len() > MAX_RULES {
        return Err(text_with(ctx, "console-gateways-rules-too-many", &[("max", MAX_RULES.to_string())]));
    }
    for (n, r) in rows {
        let at = |id: &str| text_with(ctx, id, &[("rule", n.to_string())]);
        let at2 = |id: &str, code: &str| text_with(ctx, id, &[("rule", n.to_string()), ("code", code.to_string())]);
        if r.name.is_empty() || r.name.chars().count() > 100 {
            return Err(at("console-gateways-rule-name"));
        }
        let Ok(priority) = r.priority.parse::<i32>() else {
            return Err(at("console-gateways-rule-priority"));
        };
        let currencies = match items(&r.currencies) {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for code in list {
                    match billing_core::currency::Currency::from_code(&code.to_ascii_uppercase()) {
                        Ok(c) => out.push(c.code().to_string()),
                        Err(_) => return Err(at2("console-gateways-rule-currency", &code)),
                    }
                }
                Some(out)
            }
        };
        let countries = match items(&r.countries) {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for code in list {
                    match billing_core::country::Country::parse(&code.to_ascii_uppercase()) {
                        Ok(c) => out.push(c.code().to_string()),
                        Err(_) => return Err(at2("console-gateways-rule-country", &code)),
                    }
                }
                Some(out)
            }
        };
        let bound = |text: &str| -> Result<Option<billing_core::money::Money>, String> {
            if text.is_empty() {
                return Ok(None);
            }
            parse_bound(text).map(Some).ok_or_else(|| at("console-gateways-rule-amount"))
        };
        let (min, max) = (bound(&r.min)?, bound(&r.max)?);
        if let (Some(a), Some(b)) = (min, max)
            && a.currency() == b.currency()
            && a.minor() > b.minor()
        {
            return Err(at("console-gateways-rule-amount-order"));
        }
        for m in &r.methods {
            if !METHODS.contains(&m.as_str()) {
                return Err(at("console-gateways-rule-method"));
            }
        }
        let segments = items(&r.segments);
        if segments.as_ref().is_some_and(|s| s.iter().any(|x| x.chars().count() > 100)) {
            return Err(at("console-gateways-rule-segment"));
        }
        let mut targets: Vec<Value> = Vec::new();
        for (gateway, weight) in r.targets.iter().filter(|(g, _)| !g.is_empty()) {
            if !known.contains(gateway) {
                return Err(at("console-gateways-rule-target-unknown"));
            }
            if targets.iter().any(|t: &Value| t["gateway"] == gateway.as_str()) {
                return Err(at("console-gateways-rule-target-twice"));
            }
            let Some(w) = weight.parse::<u32>().ok().filter(|w| *w <= MAX_WEIGHT) else {
                return Err(text_with(
                    ctx,
                    "console-gateways-rule-weight",
                    &[("rule", n.to_string()), ("max", MAX_WEIGHT.to_string())],
                ));
            };
            targets.push(json!({ "gateway": gateway, "weight": w }));
        }
        if targets.is_empty() {
            return Err(at("console-gateways-rule-targets"));
        }
        let money = |m: Option<billing_core::money::Money>| {
            m.map(|m| json!({ "amount": m.minor(), "currency": m.currency().code() })).unwrap_or(Value::Null)
        };
        let methods = (!r.methods.is_empty()).then(|| r.methods.clone());
        rules.push(json!({
            "name": r.name,
            "priority": priority,
            "currencies": currencies,
            "countries": countries,
            "min_amount": money(min),
            "max_amount": money(max),
            "methods": methods,
            "segments": segments,
            "targets": targets,
        }));
    }
    rules.sort_by(|a, b| {
        (a["priority"].as_i64().unwrap_or_default(), a["name"].as_str().unwrap_or_default())
            .cmp(&(b["priority"].as_i64().unwrap_or_default(), b["name"].as_str().unwrap_or_default()))
    });
    Ok(rules)
}

/// One rule in a line for the review: `10 · eu-cards: EUR; card → Stripe EU (100), Backup (0)`.
fn rule_line(ctx: &Console, r: &Value, names: &HashMap<String, String>) -> String {
    let mut conditions = Vec::new();
    let list = |v: &Value| list_text(v);
    if r["currencies"].is_array() {
        conditions.push(format!("{} {}", ctx.t("console-gateways-rule-currencies"), list(&r["currencies"])));
    }
    if r["countries"].is_array() {
        conditions.push(format!("{} {}", ctx.t("console-gateways-rule-countries"), list(&r["countries"])));
    }
    if r["min_amount"].is_object() {
        conditions.push(format!("≥ {}", bound_text(&r["min_amount"])));
    }
    if r["max_amount"].is_object() {
        conditions.push(format!("≤ {}", bound_text(&r["max_amount"])));
    }
    if let Some(methods) = r["methods"].as_array() {
        let labels: Vec<String> = methods
            .iter()
            .filter_map(|m| m.as_str())
            .map(|m| ctx.t(&format!("console-gateways-method-{}", m.replace('_', "-"))))
            .collect();
        conditions.push(labels.join(", "));
    }
    if r["segments"].is_array() {
        conditions.push(format!("{} {}", ctx.t("console-gateways-rule-segments"), list(&r["segments"])));
    }
    let when = if conditions.is_empty() { ctx.t("console-gateways-rule-any") } else { conditions.join("; ") };
    let targets: Vec<String> = r["targets"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    let id = t["gateway"].as_str().unwrap_or_default();
                    let name = names.get(id).cloned().unwrap_or_else(|| id.to_string());
                    format!("{name} ({})", t["weight"])
                })
                .collect()
        })
        .unwrap_or_default();
    format!("{} · {}: {} → {}", r["priority"], r["name"].as_str().unwrap_or_default(), when, targets.join(", "))
}

fn rules_text(ctx: &Console, rules: &[Value], names: &HashMap<String, String>) -> String {
    if rules.is_empty() {
        return ctx.t("console-gateways-rules-none");
    }
    rules.iter().map(|r| rule_line(ctx, r, names)).collect::<Vec<_>>().join("\n")
}

pub struct MethodBox {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct TargetSlot {
    pub j: usize,
    pub target_label: String,
    pub weight_label: String,
    pub options: Vec<Choice>,
    pub weight: String,
}

pub struct RuleForm {
    pub i: usize,
    pub legend: String,
    pub name: String,
    pub priority: String,
    pub currencies: String,
    pub countries: String,
    pub min: String,
    pub max: String,
    pub segments: String,
    pub methods: Vec<MethodBox>,
    pub targets: Vec<TargetSlot>,
    /// The empty row for a new rule (no remove box).
    pub spare: bool,
}

fn rule_forms(ctx: &Console, inputs: &[RuleInput], accounts: &[GatewayAccount]) -> Vec<RuleForm> {
    let mut rows: Vec<RuleInput> = inputs.iter().filter(|r| !r.is_blank()).cloned().collect();
    let kept = rows.len();
    if rows.len() < MAX_RULES {
        rows.push(RuleInput::default());
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let slots = (r.targets.iter().filter(|(g, _)| !g.is_empty()).count() + 1).clamp(2, MAX_TARGETS);
            let targets = (0..slots)
                .map(|j| {
                    let (gateway, weight) = r.targets.get(j).cloned().unwrap_or_default();
                    let mut options = vec![Choice {
                        value: String::new(),
                        label: ctx.t("console-gateways-target-none"),
                        selected: gateway.is_empty(),
                    }];
                    options.extend(accounts.iter().map(|a| Choice {
                        value: a.id.to_string(),
                        label: format!(
                            "{} ({}, {}{})",
                            a.name,
                            provider_label(ctx, &a.provider),
                            mode_label(ctx, a.live),
                            if a.active { String::new() } else { format!(", {}", ctx.t("console-gateways-disabled")) }
                        ),
                        selected: a.id.to_string() == gateway,
                    }));
                    let n = (j + 1).to_string();
                    TargetSlot {
                        j,
                        target_label: ctx.chrome.t1("console-gateways-target-n", "n", &n),
                        weight_label: ctx.chrome.t1("console-gateways-weight-n", "n", &n),
                        options,
                        weight,
                    }
                })
                .collect();
            let methods = METHODS
                .iter()
                .map(|m| MethodBox {
                    value: m,
                    label: ctx.t(&format!("console-gateways-method-{}", m.replace('_', "-"))),
                    checked: r.methods.iter().any(|x| x == m),
                })
                .collect();
            let spare = i >= kept;
            RuleForm {
                i,
                legend: if spare {
                    ctx.t("console-gateways-rule-new")
                } else {
                    ctx.chrome.t1("console-gateways-rule-legend", "rule", &(i + 1).to_string())
                },
                name: r.name,
                priority: r.priority,
                currencies: r.currencies,
                countries: r.countries,
                min: r.min,
                max: r.max,
                segments: r.segments,
                methods,
                targets,
                spare,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The page: accounts and rules
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/gateways.html")]
struct GatewaysPage<'a> {
    c: &'a Chrome,
    done: Option<String>,
    rows: Vec<AccountRow>,
    providers: Vec<Choice>,
    rules: Vec<RuleForm>,
    rules_count: usize,
    rules_error: Option<String>,
}

async fn render_index(
    ctx: &Console,
    done: Option<String>,
    submitted: Option<(&[RuleInput], String)>,
) -> PageResult<Response> {
    let list = accounts(ctx).await?;
    let inputs = match &submitted {
        Some((inputs, _)) => inputs.to_vec(),
        None => {
            let mut conn = ctx.state.pool.acquire().await?;
            let stored = service::rules(&mut conn, ctx.tenant.id).await?;
            inputs_of_rules(&stored)
        }
    };
    let rules = rule_forms(ctx, &inputs, &list);
    let c = ctx.chrome("console-gateways-title", "gateways");
    let providers = service::PROVIDERS
        .iter()
        .map(|p| Choice { value: p.to_string(), label: provider_label(ctx, p), selected: *p == "stripe" })
        .collect();
    let status = if submitted.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = GatewaysPage {
        c: &c,
        done,
        rows: list.iter().map(|a| account_row(ctx, a)).collect(),
        providers,
        rules_count: rules.len(),
        rules,
        rules_error: submitted.map(|(_, e)| e),
    };
    Ok(ctx.page_with(status, &page))
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_text(ctx: &Console, done: Option<&str>) -> Option<String> {
    match done? {
        "created" => Some(ctx.t("console-gateways-created-done")),
        "updated" => Some(ctx.t("console-gateways-updated-done")),
        "rules" => Some(ctx.t("console-gateways-rules-done")),
        _ => None,
    }
}

/// `GET /gateways` (admins): the accounts, the provider choice for a new one, the rules.
pub async fn index(ctx: Console, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "gateway_account.list", None, None).await?;
        render_index(&ctx, done_text(&ctx, q.done.as_deref()), None).await
    })
    .await;
    ctx.finish(result)
}

// ---------------------------------------------------------------------------------------------
// Adding an account
// ---------------------------------------------------------------------------------------------

pub struct ConfigField {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub secret: bool,
    pub required: bool,
    /// Refilled after a refusal; always empty for a credential.
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/gateway_new.html")]
struct NewPage<'a> {
    c: &'a Chrome,
    provider: String,
    provider_name: String,
    name: String,
    fields: Vec<ConfigField>,
    currencies: String,
    active: bool,
    is_default: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    provider: Option<String>,
}

fn known_provider(p: &str) -> PageResult<&'static str> {
    service::PROVIDERS.iter().copied().find(|x| *x == p).ok_or_else(PageError::not_found)
}

fn render_new(
    ctx: &Console,
    provider: &'static str,
    pairs: &[(String, String)],
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let get = |k: &str| field(pairs, k).unwrap_or_default().trim().to_string();
    let fields = provider_fields(provider)
        .iter()
        .map(|(name, secret, required, _)| ConfigField {
            name,
            label: ctx.t(&format!("console-gateways-field-{}", name.replace('_', "-"))),
            hint: ctx.t(&format!("console-gateways-field-{}-hint", name.replace('_', "-"))),
            secret: *secret,
            required: *required,
            value: if *secret { String::new() } else { get(&format!("config_{name}")) },
        })
        .collect();
    let c = ctx.chrome("console-gateways-new-title", "gateways");
    let first = pairs.is_empty();
    ctx.page_with(
        status,
        &NewPage {
            c: &c,
            provider: provider.to_string(),
            provider_name: provider_label(ctx, provider),
            name: get("name"),
            fields,
            currencies: get("currencies"),
            active: first || get("active") == "1",
            is_default: get("is_default") == "1",
            error,
        },
    )
}

/// `GET /gateways/new?provider=…`: the form for an account at that provider.
pub async fn new_page(ctx: Console, Query(q): Query<NewQuery>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "gateway_account.create", None, None).await?;
        let provider = known_provider(q.provider.as_deref().unwrap_or("sandbox"))?;
        Ok(render_new(&ctx, provider, &[], None, StatusCode::OK))
    })
    .await;
    ctx.finish(result)
}

/// Whether a plain config's key says live or test (for the review; the list asks the gateway
/// directory, which reads the stored, sealed config).
fn live_of(provider: &str, config: &Value) -> Option<bool> {
    let key = match provider {
        "sandbox" => return Some(false),
        "stripe" => config["secret_key"].as_str()?,
        "mollie" => config["api_key"].as_str()?,
        _ => return None,
    };
    if key.starts_with("sk_live_") || key.starts_with("rk_live_") || key.starts_with("live_") {
        Some(true)
    } else if key.starts_with("sk_test_") || key.starts_with("rk_test_") || key.starts_with("test_") {
        Some(false)
    } else {
        None
    }
}

/// The submitted account as the service's input (config in clear), or the problem in the page's
/// language. `sealed` is the config of the review step, opened again.
fn new_account(
    ctx: &Console,
    provider: &'static str,
    pairs: &[(String, String)],
    taken: &[String],
    sealed: Option<Value>,
) -> Result<NewGatewayAccount, String> {
    let get = |k: &str| field(pairs, k).unwrap_or_default().trim().to_string();
    let name = get("name");
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ctx.t("console-gateways-name-invalid"));
    }
    if taken.contains(&name) {
        return Err(ctx.chrome.t1("console-gateways-name-taken", "name", &name));
    }
    let config = match sealed {
        Some(config) => config,
        None => {
            let mut map = serde_json::Map::new();
            for (key, _secret, required, url) in provider_fields(provider) {
                let value = get(&format!("config_{key}"));
                let label = ctx.t(&format!("console-gateways-field-{}", key.replace('_', "-")));
                if value.is_empty() {
                    if *required {
                        return Err(ctx.chrome.t1("console-gateways-field-required", "field", &label));
                    }
                    continue;
                }
                let ok = match *key {
                    "secret_key" => value.starts_with("sk_") || value.starts_with("rk_"),
                    "publishable_key" => value.starts_with("pk_"),
                    "api_key" => value.starts_with("live_") || value.starts_with("test_"),
                    "webhook_secret" => value.chars().count() >= 16,
                    _ if *url => value.starts_with("https://") || value.starts_with("http://"),
                    _ => true,
                };
                if !ok || value.chars().any(char::is_whitespace) || value.chars().count() > 500 {
                    return Err(text_with(
                        ctx,
                        &format!("console-gateways-field-{}-invalid", key.replace('_', "-")),
                        &[("field", label)],
                    ));
                }
                map.insert(key.to_string(), Value::String(value));
            }
            if let Some(list) = items(&get("currencies")) {
                let mut codes = Vec::new();
                for code in list {
                    match billing_core::currency::Currency::from_code(&code.to_ascii_uppercase()) {
                        Ok(c) => codes.push(Value::String(c.code().to_string())),
                        Err(_) => return Err(ctx.chrome.t1("console-gateways-currency-invalid", "code", &code)),
                    }
                }
                map.insert("currencies".into(), Value::Array(codes));
            }
            Value::Object(map)
        }
    };
    if let Err(detail) = ctx.state.gateways.validate_config(provider, &config) {
        return Err(text_with(ctx, "error-invalid-gateway-config", &[("detail", detail)]));
    }
    Ok(NewGatewayAccount {
        provider: provider.to_string(),
        name,
        config,
        active: get("active") == "1",
        is_default: get("is_default") == "1",
    })
}

/// The operator's key that seals credentials at rest (and in the review page).
fn secrets_key(ctx: &Console) -> PageResult<&billing_core::secrets::SecretBox> {
    ctx.state.gateways.secrets().map_err(|e| {
        tracing::error!(error = %e, "gateway accounts: no secrets key");
        PageError::Problem(Box::new(crate::api::error::ApiError::internal()))
    })
}

fn yes_no(ctx: &Console, v: bool) -> String {
    ctx.t(if v { "console-gateways-yes" } else { "console-gateways-no" })
}

/// `POST /gateways`: `step=review` checks the account and shows it (credentials masked, carried
/// sealed); `step=confirm` creates it once, audited.
pub async fn create(ctx: Console, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "gateway_account.create", None, None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        let provider = known_provider(field(&pairs, "provider").unwrap_or_default().trim())?;
        let existing = accounts(&ctx).await?;
        let taken: Vec<String> = existing.iter().map(|a| a.name.clone()).collect();
        let key = secrets_key(&ctx)?;
        let confirming = field(&pairs, "step") == Some("confirm");
        // A repeated confirm (double click, reload) goes where the first one led, unchecked: the
        // account it added would make its own name "taken".
        if confirming && let Some(previous) = super::claimed(&ctx, field(&pairs, "nonce").unwrap_or_default()).await? {
            return Ok(crate::web::layout::redirect(&previous));
        }
        let sealed = if confirming {
            let text = field(&pairs, "sealed").unwrap_or_default();
            let opened = serde_json::from_str::<Value>(text).ok().and_then(|v| key.open_config(&v).ok());
            // A review page's sealed config that does not open was not made here.
            Some(opened.ok_or_else(PageError::csrf)?)
        } else {
            None
        };
        let new = match new_account(&ctx, provider, &pairs, &taken, sealed) {
            Ok(n) => n,
            Err(message) => {
                return Ok(render_new(&ctx, provider, &pairs, Some(message), StatusCode::BAD_REQUEST));
            }
        };
        if !confirming {
            let redacted = service::redact(&key.seal_config(&new.config));
            let mut facts = vec![
                (ctx.t("console-gateways-provider"), provider_label(&ctx, provider)),
                (ctx.t("console-gateways-name"), new.name.clone()),
                (ctx.t("console-gateways-mode"), mode_label(&ctx, live_of(provider, &new.config))),
            ];
            let creds = masked(&redacted);
            if !creds.is_empty() {
                facts.push((ctx.t("console-gateways-credentials"), creds.join("\n")));
            }
            let plain = plain_settings(&redacted);
            if !plain.is_empty() {
                facts.push((ctx.t("console-gateways-settings"), plain.join("\n")));
            }
            facts.push((ctx.t("console-gateways-active"), yes_no(&ctx, new.active)));
            facts.push((ctx.t("console-gateways-default"), yes_no(&ctx, new.is_default)));
            let fields = vec![
                ("provider".to_string(), provider.to_string()),
                ("name".to_string(), new.name.clone()),
                ("active".to_string(), if new.active { "1" } else { "0" }.to_string()),
                ("is_default".to_string(), if new.is_default { "1" } else { "0" }.to_string()),
                ("sealed".to_string(), key.seal_config(&new.config).to_string()),
            ];
            let back = (ctx.chrome.href(&format!("/gateways/new?provider={provider}")), ctx.t("console-cancel-button"));
            return Ok(confirm::page(
                &ctx,
                "console-gateways-review-new",
                "gateways",
                back,
                ctx.chrome.href("/gateways"),
                facts,
                fields,
                false,
            ));
        }
        let outcome = ctx.chrome.href("/gateways?done=created");
        let auditor = confirm::Auditor::of(&ctx);
        let gateways = ctx.state.gateways.clone();
        let done = super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let account = service::create(tx, auditor.tenant, gateways.as_ref(), new, auditor.now).await?;
                let target = Some(format!("gateway_account:{}", account.id));
                auditor.done(tx, "gateway_account.create", target, None, None, None, Some(account_json(&account))).await
            })
        })
        .await;
        match done {
            Err(e @ PageError::Problem(_)) if e.status() == StatusCode::BAD_REQUEST => {
                let message = confirm::error_text(&ctx, &e);
                Ok(render_new(&ctx, provider, &pairs, Some(message), StatusCode::BAD_REQUEST))
            }
            other => other,
        }
    })
    .await;
    ctx.finish(result)
}

// ---------------------------------------------------------------------------------------------
// Editing, disabling, making default
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/gateway.html")]
struct EditPage<'a> {
    c: &'a Chrome,
    a: AccountRow,
    settings: Vec<String>,
    credentials: Vec<String>,
    created: String,
    name: String,
    active: bool,
    is_default: bool,
    error: Option<String>,
}

async fn find(ctx: &Console, id: &str) -> PageResult<GatewayAccount> {
    let id: billing_core::ids::GatewayAccountId = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(service::get(&mut conn, ctx.tenant.id, ctx.state.gateways.as_ref(), id.as_uuid()).await?)
}

fn render_edit(
    ctx: &Console,
    a: &GatewayAccount,
    change: Option<&AccountUpdate>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let c = ctx.chrome("console-gateways-edit-title", "gateways");
    let page = EditPage {
        c: &c,
        a: account_row(ctx, a),
        settings: plain_settings(&a.config),
        credentials: masked(&a.config),
        created: super::developers::when(ctx, a.created_at),
        name: change.and_then(|ch| ch.name.clone()).unwrap_or_else(|| a.name.clone()),
        active: change.and_then(|ch| ch.active).unwrap_or(a.active),
        is_default: change.and_then(|ch| ch.is_default).unwrap_or(a.is_default),
        error,
    };
    ctx.page_with(status, &page)
}

/// `GET /gateways/{id}`: the account and its edit form; another tenant's id is a 404.
pub async fn edit_page(ctx: Console, Path(super::Ids { id, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "gateway_account.view", Some(format!("gateway_account:{id}")), None).await?;
        let account = find(&ctx, &id).await?;
        Ok(render_edit(&ctx, &account, None, None, StatusCode::OK))
    })
    .await;
    ctx.finish(result)
}

/// The edit as the service's change, or the problem in the page's language (the service's own
/// rules, checked here first so that the review never shows a change that would be refused).
fn plan_update(
    ctx: &Console,
    a: &GatewayAccount,
    pairs: &[(String, String)],
    others: &[GatewayAccount],
) -> (AccountUpdate, Result<(), String>) {
    let name = field(pairs, "name").unwrap_or_default().trim().to_string();
    let active = field(pairs, "active") == Some("1");
    let is_default = field(pairs, "is_default") == Some("1");
    let change = AccountUpdate { name: Some(name.clone()), active: Some(active), is_default: Some(is_default) };
    let check = if name.is_empty() || name.chars().count() > 100 {
        Err(ctx.t("console-gateways-name-invalid"))
    } else if others.iter().any(|o| o.id != a.id && o.name == name) {
        Err(ctx.chrome.t1("console-gateways-name-taken", "name", &name))
    } else if a.is_default && !is_default {
        Err(ctx.t("console-gateways-default-keep"))
    } else if is_default && !active {
        Err(ctx.t("console-gateways-default-active"))
    } else {
        Ok(())
    };
    (change, check)
}

/// `POST /gateways/{id}`: the edit reviewed (before → after), then done once and audited.
pub async fn update(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        let target = Some(format!("gateway_account:{id}"));
        ctx.require(PERMISSION, "gateway_account.update", target.clone(), None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        if field(&pairs, "step") == Some("confirm")
            && let Some(previous) = super::claimed(&ctx, field(&pairs, "nonce").unwrap_or_default()).await?
        {
            return Ok(crate::web::layout::redirect(&previous));
        }
        let before = find(&ctx, &id).await?;
        let all = accounts(&ctx).await?;
        let (change, check) = plan_update(&ctx, &before, &pairs, &all);
        if let Err(message) = check {
            return Ok(render_edit(&ctx, &before, Some(&change), Some(message), StatusCode::BAD_REQUEST));
        }
        if field(&pairs, "step") != Some("confirm") {
            let fact = |label: &str, b: String, a: String| {
                let text = if b == a { a } else { format!("{b} → {a}") };
                (ctx.t(label), text)
            };
            let facts = vec![
                (ctx.t("console-gateways-provider"), provider_label(&ctx, &before.provider)),
                fact("console-gateways-name", before.name.clone(), change.name.clone().unwrap_or_default()),
                fact(
                    "console-gateways-active",
                    yes_no(&ctx, before.active),
                    yes_no(&ctx, change.active.unwrap_or(before.active)),
                ),
                fact(
                    "console-gateways-default",
                    yes_no(&ctx, before.is_default),
                    yes_no(&ctx, change.is_default.unwrap_or(before.is_default)),
                ),
            ];
            let back = (ctx.chrome.href(&format!("/gateways/{}", before.id)), ctx.t("console-cancel-button"));
            let url = ctx.chrome.href(&format!("/gateways/{}", before.id));
            return Ok(confirm::page(
                &ctx,
                "console-gateways-review-edit",
                "gateways",
                back,
                url,
                facts,
                pairs.clone(),
                false,
            ));
        }
        let outcome = ctx.chrome.href("/gateways?done=updated");
        let auditor = confirm::Auditor::of(&ctx);
        let gateways = ctx.state.gateways.clone();
        let account = before.id.as_uuid();
        let edit = change.clone();
        let done = super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let (b, a) = service::update(tx, auditor.tenant, gateways.as_ref(), account, &edit).await?;
                auditor
                    .done(
                        tx,
                        "gateway_account.update",
                        target,
                        None,
                        None,
                        Some(account_json(&b)),
                        Some(account_json(&a)),
                    )
                    .await
            })
        })
        .await;
        match done {
            Err(e @ PageError::Problem(_)) if e.status() == StatusCode::BAD_REQUEST => {
                let message = confirm::error_text(&ctx, &e);
                Ok(render_edit(&ctx, &before, Some(&change), Some(message), StatusCode::BAD_REQUEST))
            }
            other => other,
        }
    })
    .await;
    ctx.finish(result)
}

// ---------------------------------------------------------------------------------------------
// Routing rules
// ---------------------------------------------------------------------------------------------

/// `POST /gateways/rules`: the rows reviewed (the rules before and after, in the order the router
/// tries them), then stored once through the service the API's `PUT /routing_rules` calls.
pub async fn save_rules(ctx: Console, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let result = super::page(async {
        ctx.require(PERMISSION, "routing_rules.update", Some("routing_rules".into()), None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        if field(&pairs, "step") == Some("confirm")
            && let Some(previous) = super::claimed(&ctx, field(&pairs, "nonce").unwrap_or_default()).await?
        {
            return Ok(crate::web::layout::redirect(&previous));
        }
        let list = accounts(&ctx).await?;
        let known: Vec<String> = list.iter().map(|a| a.id.to_string()).collect();
        let names: HashMap<String, String> = list.iter().map(|a| (a.id.to_string(), a.name.clone())).collect();
        let inputs = inputs_of_form(&pairs);
        let checked = rules_of(&ctx, &inputs, &known).and_then(|rules| {
            let doc = Value::Array(rules.clone());
            ctx.state
                .gateways
                .validate_rules(&doc)
                .map(|_| rules)
                .map_err(|detail| text_with(&ctx, "error-invalid-gateway-config", &[("detail", detail)]))
        });
        let rules = match checked {
            Ok(r) => r,
            Err(message) => return render_index(&ctx, None, Some((inputs.as_slice(), message))).await,
        };
        let before = {
            let mut conn = ctx.state.pool.acquire().await?;
            service::rules(&mut conn, ctx.tenant.id).await?
        };
        if field(&pairs, "step") != Some("confirm") {
            let before_list: Vec<Value> = before.as_array().cloned().unwrap_or_default();
            let facts = vec![
                (ctx.t("console-gateways-rules-before"), rules_text(&ctx, &before_list, &names)),
                (ctx.t("console-gateways-rules-after"), rules_text(&ctx, &rules, &names)),
            ];
            let back = (format!("{}#rules", ctx.chrome.href("/gateways")), ctx.t("console-cancel-button"));
            return Ok(confirm::page(
                &ctx,
                "console-gateways-review-rules",
                "gateways",
                back,
                ctx.chrome.href("/gateways/rules"),
                facts,
                pairs.clone(),
                false,
            ));
        }
        let outcome = format!("{}#rules", ctx.chrome.href("/gateways?done=rules"));
        let auditor = confirm::Auditor::of(&ctx);
        let gateways = ctx.state.gateways.clone();
        let after = Value::Array(rules);
        super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let stored = service::put_rules(tx, auditor.tenant, gateways.as_ref(), after, auditor.now).await?;
                auditor
                    .done(
                        tx,
                        "routing_rules.update",
                        Some("routing_rules".into()),
                        None,
                        None,
                        Some(json!({ "rules": before })),
                        Some(json!({ "rules": stored })),
                    )
                    .await
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_an_amount_and_a_currency_in_either_order() {
        let eur = billing_core::currency::Currency::EUR;
        assert_eq!(parse_bound("50.00 EUR"), Some(billing_core::money::Money::from_minor(5000, eur)));
        assert_eq!(parse_bound("eur 50,5"), Some(billing_core::money::Money::from_minor(5050, eur)));
        assert_eq!(parse_bound("50.001 EUR"), None, "more decimals than the currency has");
        assert_eq!(parse_bound("-5 EUR"), None);
        assert_eq!(parse_bound("50"), None, "a bound names its currency");
        assert_eq!(bound_text(&json!({ "amount": 5000, "currency": "EUR" })), "50.00 EUR");
    }

    #[test]
    fn stored_rules_become_rows_in_the_routers_order() {
        let rules = json!([
            { "name": "b", "priority": 20, "currencies": null, "countries": ["DE"], "min_amount": null,
              "max_amount": { "amount": 100000, "currency": "EUR" }, "methods": ["card"], "segments": null,
              "targets": [{ "gateway": "gwa_1", "weight": 100 }] },
            { "name": "a", "priority": 10, "currencies": ["EUR", "USD"], "countries": null, "min_amount": null,
              "max_amount": null, "methods": null, "segments": ["vip"], "targets": [] }
        ]);
        let rows = inputs_of_rules(&rules);
        assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((rows[0].currencies.as_str(), rows[0].segments.as_str()), ("EUR, USD", "vip"));
        assert_eq!((rows[1].countries.as_str(), rows[1].max.as_str()), ("DE", "1000.00 EUR"));
        assert_eq!(rows[1].targets, [("gwa_1".to_string(), "100".to_string())]);
        assert!(RuleInput::default().is_blank() && !rows[0].is_blank());
    }
}
