//! The merchant's settings (admins): branding (colour, logo URL, mail sender name and reply-to),
//! the default language, tax registrations, the dunning policy (its steps edited as rows and
//! checked by the engine's `Policy`), portal options (retention offer, survey waiting period)
//! and the FAQ per language. Every section is a form → confirm (before and after) → change once
//! (the nonce), with an audit line `settings.<section>`; each calls the service the API calls.
//!
//! Not here, because the engine has no such setting: the languages offered (the portal offers
//! all ten), allowed plan moves (every plan of the customer's currency), a logo stored in the
//! database (the API stores an https URL). See docs/console.md.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::dunning::{Policy, PolicyError, PolicyStep};
use billing_core::help::FaqEntry;
use billing_core::party::SellerProfileInput;
use billing_core::service::{dunning, help, portal_options, surveys, tenants};
use billing_core::staff::Permission;
use serde::Deserialize;

use super::confirm::{self, field};
use super::ctx::{Chrome, Console};
use crate::i18n::{I18n, Locale};
use crate::web::error::{PageError, PageResult};

/// The dunning actions offered in a step's select.
const ACTIONS: [&str; 3] = ["retry", "email", "mark_uncollectible"];
/// Empty rows under the dunning steps and the FAQ entries, for adding.
const SPARE_ROWS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Branding,
    Languages,
    Tax,
    Dunning,
    Portal,
    Faq,
}

impl Section {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "branding" => Self::Branding,
            "languages" => Self::Languages,
            "tax" => Self::Tax,
            "dunning" => Self::Dunning,
            "portal" => Self::Portal,
            "faq" => Self::Faq,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Branding => "branding",
            Self::Languages => "languages",
            Self::Tax => "tax",
            Self::Dunning => "dunning",
            Self::Portal => "portal",
            Self::Faq => "faq",
        }
    }
}

/// The settings as stored (text as the forms show it).
#[derive(Debug, Clone, serde::Serialize)]
struct Current {
    brand_color: String,
    logo_url: String,
    sender_name: String,
    reply_to: String,
    default_locale: String,
    home_country: String,
    registrations: Vec<String>,
    /// (day, action)
    steps: Vec<(String, String)>,
    policy_is_default: bool,
    /// Every step is a day and one of `ACTIONS` (no fee, no ladder charges).
    console_editable: bool,
    retention_kind: String,
    retention_coupon: String,
    nps_wait_days: String,
    faq: Vec<(String, String, String)>,
}

async fn current(ctx: &Console) -> PageResult<Current> {
    let mut conn = ctx.state.pool.acquire().await?;
    let t = tenants::get(&mut conn, ctx.tenant.id).await?;
    let (sender_name, reply_to) = tenants::mail_identity(&mut conn, ctx.tenant.id).await?;
    let (policy, own) = dunning::policy_and_origin(&mut conn, ctx.tenant.id).await?;
    let offer = portal_options::retention_offer(&mut conn, ctx.tenant.id).await?;
    let wait = surveys::nps_wait_days(&mut conn, ctx.tenant.id).await?;
    let faq = help::faq(&mut conn, ctx.tenant.id).await?;
    let steps = serde_json::to_value(policy.steps())
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            (
                s["day"].as_u64().map(|d| d.to_string()).unwrap_or_default(),
                s["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Ok(Current {
        brand_color: t.profile.brand_color.clone(),
        logo_url: t.profile.logo_url.clone().unwrap_or_default(),
        sender_name: sender_name.unwrap_or_default(),
        reply_to: reply_to.unwrap_or_default(),
        default_locale: t.default_locale.clone(),
        home_country: t.country.code().to_string(),
        registrations: t.tax.registrations.iter().map(|c| c.code().to_string()).collect(),
        console_editable: policy
            .steps()
            .iter()
            .all(|s| ACTIONS.contains(&s.action.as_str()) && s.fee.is_none() && s.charges.is_none()),
        steps,
        policy_is_default: !own,
        retention_kind: offer.kind,
        retention_coupon: offer.coupon.unwrap_or_default(),
        nps_wait_days: wait.to_string(),
        faq: faq.into_iter().map(|e| (e.locale, e.question, e.answer)).collect(),
    })
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct StepRow {
    pub n: usize,
    pub day: String,
    pub actions: Vec<Choice>,
}

pub struct FaqRow {
    pub n: usize,
    pub question: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage<'a> {
    c: &'a Chrome,
    done: Option<String>,
    /// The section whose form was refused, and why.
    err_section: String,
    err_text: String,
    brand_color: String,
    logo_url: String,
    sender_name: String,
    reply_to: String,
    languages: Vec<Choice>,
    home_country: String,
    registrations: Vec<String>,
    steps: Vec<StepRow>,
    policy_is_default: bool,
    retention: Vec<Choice>,
    retention_coupon: String,
    nps_wait_days: String,
    faq_lang: String,
    faq_langs: Vec<Choice>,
    faq: Vec<FaqRow>,
}

fn action_choices(c: &Chrome, selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: c.t("console-settings-dunning-action-none"),
        selected: selected.is_empty(),
    }];
    out.extend(ACTIONS.iter().map(|a| Choice {
        value: a.to_string(),
        label: c.t(&format!("console-settings-dunning-action-{}", a.replace('_', "-"))),
        selected: *a == selected,
    }));
    out
}

fn language_choices(selected: &str) -> Vec<Choice> {
    Locale::ALL
        .iter()
        .map(|l| Choice { value: l.tag().to_string(), label: l.native_name(), selected: l.tag() == selected })
        .collect()
}

fn faq_lang_of(ctx: &Console, asked: Option<&str>) -> String {
    asked.and_then(|t| Locale::ALL.into_iter().find(|l| l.tag() == t)).unwrap_or(ctx.lang()).tag().to_string()
}

/// A refused section: which, why (in the page's language), and the fields as submitted.
type Refused<'a> = (Section, String, &'a [(String, String)]);

/// The page from the stored settings, with the submitted values of a refused section kept.
fn render(
    ctx: &Console,
    cur: Current,
    faq_lang: String,
    done: Option<String>,
    refused: Option<Refused<'_>>,
) -> Response {
    let c = ctx.chrome("console-settings-title", "settings");
    let mut cur = cur;
    let mut step_rows: Option<Vec<(String, String)>> = None;
    let mut faq_rows: Option<Vec<(String, String)>> = None;
    if let Some((section, _, pairs)) = &refused {
        let get = |k: &str| field(pairs, k).unwrap_or_default().to_string();
        match section {
            Section::Branding => {
                cur.brand_color = get("brand_color");
                cur.logo_url = get("logo_url");
                cur.sender_name = get("sender_name");
                cur.reply_to = get("reply_to");
            }
            Section::Portal => {
                cur.retention_kind = get("retention_kind");
                cur.retention_coupon = get("retention_coupon");
                cur.nps_wait_days = get("nps_wait_days");
            }
            Section::Dunning => step_rows = Some(dunning_rows(pairs)),
            Section::Faq => faq_rows = Some(faq_pairs(pairs)),
            Section::Languages | Section::Tax => {}
        }
    }
    let steps_src = step_rows.unwrap_or_else(|| cur.steps.clone());
    let mut steps: Vec<StepRow> = steps_src
        .iter()
        .enumerate()
        .map(|(i, (day, action))| StepRow { n: i + 1, day: day.clone(), actions: action_choices(&c, action) })
        .collect();
    for _ in 0..SPARE_ROWS {
        steps.push(StepRow { n: steps.len() + 1, day: String::new(), actions: action_choices(&c, "") });
    }
    let faq_src = faq_rows.unwrap_or_else(|| {
        cur.faq.iter().filter(|(l, _, _)| *l == faq_lang).map(|(_, q, a)| (q.clone(), a.clone())).collect()
    });
    let mut faq: Vec<FaqRow> =
        faq_src.into_iter().enumerate().map(|(i, (question, answer))| FaqRow { n: i + 1, question, answer }).collect();
    for _ in 0..SPARE_ROWS {
        faq.push(FaqRow { n: faq.len() + 1, question: String::new(), answer: String::new() });
    }
    let retention = ["none", "pause", "coupon"]
        .into_iter()
        .map(|k| Choice {
            value: k.to_string(),
            label: c.t(&format!("console-settings-retention-kind-{k}")),
            selected: k == cur.retention_kind,
        })
        .collect();
    let status = if refused.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = SettingsPage {
        done,
        err_section: refused.as_ref().map(|(s, _, _)| s.as_str().to_string()).unwrap_or_default(),
        err_text: refused.map(|(_, m, _)| m).unwrap_or_default(),
        brand_color: cur.brand_color,
        logo_url: cur.logo_url,
        sender_name: cur.sender_name,
        reply_to: cur.reply_to,
        languages: language_choices(&cur.default_locale),
        home_country: cur.home_country,
        registrations: cur.registrations,
        steps,
        policy_is_default: cur.policy_is_default,
        retention,
        retention_coupon: cur.retention_coupon,
        nps_wait_days: cur.nps_wait_days,
        faq_langs: language_choices(&faq_lang),
        faq_lang,
        faq,
        c: &c,
    };
    ctx.page_with(status, &page)
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    done: Option<String>,
    faq: Option<String>,
}

/// `GET /settings` (`?faq=<lang>` picks the FAQ language edited).
pub async fn index(ctx: Console, Query(q): Query<SettingsQuery>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Settings, "settings.view", None, None).await?;
        let cur = current(&ctx).await?;
        let done =
            q.done.as_deref().and_then(Section::parse).map(|s| ctx.t(&format!("console-settings-done-{}", s.as_str())));
        Ok(render(&ctx, cur, faq_lang_of(&ctx, q.faq.as_deref()), done, None))
    })
    .await;
    ctx.finish(result)
}

fn dunning_rows(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let days = pairs.iter().filter(|(k, _)| k == "day").map(|(_, v)| v.trim().to_string());
    let actions = pairs.iter().filter(|(k, _)| k == "action").map(|(_, v)| v.trim().to_string());
    days.zip(actions).filter(|(d, a)| !(d.is_empty() && a.is_empty())).collect()
}

fn faq_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let qs = pairs.iter().filter(|(k, _)| k == "question").map(|(_, v)| v.trim().to_string());
    let answers = pairs.iter().filter(|(k, _)| k == "answer").map(|(_, v)| v.trim().to_string());
    qs.zip(answers).filter(|(q, a)| !(q.is_empty() && a.is_empty())).collect()
}

/// The steps as the engine's policy, or the problem in the page's language.
fn policy_of(c: &Chrome, rows: &[(String, String)]) -> Result<serde_json::Value, String> {
    let i18n = I18n::global();
    let mut steps = Vec::with_capacity(rows.len());
    for (i, (day, action)) in rows.iter().enumerate() {
        let row = (i + 1).to_string();
        let Ok(day) = day.parse::<u32>() else {
            return Err(i18n.text(
                c.lang,
                "console-settings-dunning-day",
                &[("row", row), ("max", billing_core::dunning::MAX_DAY.to_string())],
            ));
        };
        let step = serde_json::json!({ "day": day, "action": action });
        if serde_json::from_value::<PolicyStep>(step.clone()).is_err() {
            return Err(i18n.text(c.lang, "console-settings-dunning-action", &[("row", row)]));
        }
        steps.push(step);
    }
    let parsed: Vec<PolicyStep> = serde_json::from_value(serde_json::Value::Array(steps.clone()))
        .map_err(|_| c.t("console-settings-dunning-empty"))?;
    match Policy::new(parsed) {
        Ok(_) => Ok(serde_json::Value::Array(steps)),
        Err(PolicyError::Empty) => Err(c.t("console-settings-dunning-empty")),
        Err(PolicyError::TooManySteps) => Err(i18n.text(
            c.lang,
            "console-settings-dunning-too-many",
            &[("max", billing_core::dunning::MAX_STEPS.to_string())],
        )),
        Err(PolicyError::DayOutOfRange { index }) => Err(i18n.text(
            c.lang,
            "console-settings-dunning-day",
            &[("row", (index + 1).to_string()), ("max", billing_core::dunning::MAX_DAY.to_string())],
        )),
        Err(PolicyError::NotAscending { index }) => {
            Err(i18n.text(c.lang, "console-settings-dunning-order", &[("row", (index + 1).to_string())]))
        }
        // Fees and ladder charges: the rows here carry a day and one of `ACTIONS` only.
        Err(PolicyError::BadFee { index, .. })
        | Err(PolicyError::UnknownCurrency { index, .. })
        | Err(PolicyError::ChargesNotAllowed { index, .. }) => {
            Err(i18n.text(c.lang, "console-settings-dunning-action", &[("row", (index + 1).to_string())]))
        }
    }
}

/// A refused change's message: the console's own for the fields it knows, else the engine's
/// (both in the page's language).
fn refusal(ctx: &Console, e: &PageError) -> String {
    if let PageError::Problem(p) = e
        && let Some(param) = p.param.as_deref()
    {
        let id = format!("console-settings-invalid-{param}");
        let text = ctx.t(&id);
        if text != id {
            return text;
        }
    }
    confirm::error_text(ctx, e)
}

/// What a section's change is: the values before and after, as the audit line keeps them.
struct Change {
    before: serde_json::Value,
    after: serde_json::Value,
    facts: Vec<(String, String)>,
}

fn fact(ctx: &Console, label: &str, before: &str, after: &str) -> (String, String) {
    let shown = |v: &str| if v.is_empty() { "—".to_string() } else { v.to_string() };
    let text = if before == after { shown(after) } else { format!("{} → {}", shown(before), shown(after)) };
    (ctx.t(label), text)
}

/// Checks a section's form without storing anything: the change to review, or the refusal.
fn plan(
    ctx: &Console,
    section: Section,
    cur: &Current,
    pairs: &[(String, String)],
    faq_lang: &str,
) -> Result<Change, String> {
    let get = |k: &str| field(pairs, k).unwrap_or_default().trim().to_string();
    Ok(match section {
        Section::Branding => {
            let (color, logo, name, reply) = (get("brand_color"), get("logo_url"), get("sender_name"), get("reply_to"));
            if !color.is_empty() {
                billing_core::party::parse_brand_color(&color).map_err(|e| refusal(ctx, &PageError::from(e)))?;
            }
            if !logo.is_empty() {
                billing_core::party::parse_logo_url(&logo).map_err(|e| refusal(ctx, &PageError::from(e)))?;
            }
            if !name.is_empty() {
                billing_core::catalog::validate_name("sender_name", &name)
                    .map_err(|e| refusal(ctx, &PageError::from(e)))?;
            }
            if !reply.is_empty() {
                billing_core::email::EmailAddress::parse(&reply)
                    .map_err(|e| refusal(ctx, &PageError::from(billing_core::Error::from(e))))?;
            }
            Change {
                before: serde_json::json!({ "brand_color": cur.brand_color, "logo_url": cur.logo_url,
                    "sender_name": cur.sender_name, "reply_to": cur.reply_to }),
                after: serde_json::json!({ "brand_color": color, "logo_url": logo, "sender_name": name, "reply_to": reply }),
                facts: vec![
                    fact(ctx, "console-settings-brand-color", &cur.brand_color, &color),
                    fact(ctx, "console-settings-logo-url", &cur.logo_url, &logo),
                    fact(ctx, "console-settings-sender-name", &cur.sender_name, &name),
                    fact(ctx, "console-settings-reply-to", &cur.reply_to, &reply),
                ],
            }
        }
        Section::Languages => {
            let lang = get("default_locale");
            let Some(l) = Locale::ALL.into_iter().find(|l| l.tag() == lang) else {
                return Err(ctx.t("console-settings-invalid-default_locale"));
            };
            let before = Locale::ALL.into_iter().find(|x| x.tag() == cur.default_locale).map(|x| x.native_name());
            Change {
                before: serde_json::json!({ "default_locale": cur.default_locale }),
                after: serde_json::json!({ "default_locale": lang }),
                facts: vec![fact(
                    ctx,
                    "console-settings-default-language",
                    &before.unwrap_or_default(),
                    &l.native_name(),
                )],
            }
        }
        Section::Tax => {
            let removed: Vec<String> =
                pairs.iter().filter(|(k, _)| k == "remove").map(|(_, v)| v.trim().to_ascii_uppercase()).collect();
            let mut next: Vec<String> = cur.registrations.iter().filter(|r| !removed.contains(r)).cloned().collect();
            let add = get("add").to_ascii_uppercase();
            if !add.is_empty() {
                let country = billing_core::country::Country::parse(&add)
                    .map_err(|e| refusal(ctx, &PageError::from(billing_core::Error::from(e))))?;
                if country.code() == cur.home_country {
                    return Err(ctx.t("console-settings-invalid-registrations"));
                }
                if !next.iter().any(|r| r == country.code()) {
                    next.push(country.code().to_string());
                }
            }
            Change {
                before: serde_json::json!({ "registrations": cur.registrations }),
                after: serde_json::json!({ "registrations": next }),
                facts: vec![fact(
                    ctx,
                    "console-settings-registrations",
                    &cur.registrations.join(", "),
                    &next.join(", "),
                )],
            }
        }
        Section::Dunning => {
            // A policy with late fees, restriction, pause/cancel or the German ladder has more
            // than a day and an action per step: saving the rows here would drop the rest.
            if !cur.console_editable {
                return Err(ctx.t("console-settings-dunning-api-only"));
            }
            let rows = dunning_rows(pairs);
            let steps = policy_of(&ctx.chrome, &rows)?;
            let text = |rows: &[(String, String)]| {
                rows.iter()
                    .map(|(d, a)| {
                        let action = ctx.t(&format!("console-settings-dunning-action-{}", a.replace('_', "-")));
                        ctx.chrome.t1("console-settings-dunning-step", "day", d) + ": " + &action
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Change {
                before: serde_json::json!({ "steps": cur.steps.iter().map(|(d, a)| serde_json::json!({"day": d, "action": a})).collect::<Vec<_>>() }),
                after: serde_json::json!({ "steps": steps }),
                facts: vec![
                    (ctx.t("console-settings-dunning-before"), text(&cur.steps)),
                    (ctx.t("console-settings-dunning-after"), text(&rows)),
                ],
            }
        }
        Section::Portal => {
            let (kind, coupon, wait) = (get("retention_kind"), get("retention_coupon"), get("nps_wait_days"));
            let coupon = if kind == "coupon" { coupon } else { String::new() };
            if !matches!(kind.as_str(), "none" | "pause" | "coupon") {
                return Err(ctx.t("console-settings-invalid-kind"));
            }
            if kind == "coupon" && coupon.is_empty() {
                return Err(ctx.t("console-settings-invalid-coupon"));
            }
            let days = wait.parse::<i64>().ok().filter(|d| (0..=3650).contains(d));
            let Some(days) = days else {
                return Err(ctx.t("console-settings-invalid-nps_wait_days"));
            };
            let label = |k: &str| ctx.t(&format!("console-settings-retention-kind-{k}"));
            Change {
                before: serde_json::json!({ "retention_offer": { "kind": cur.retention_kind, "coupon": cur.retention_coupon },
                    "nps_wait_days": cur.nps_wait_days }),
                after: serde_json::json!({ "retention_offer": { "kind": kind, "coupon": coupon }, "nps_wait_days": days }),
                facts: vec![
                    fact(ctx, "console-settings-retention", &label(&cur.retention_kind), &label(&kind)),
                    fact(ctx, "console-settings-retention-coupon", &cur.retention_coupon, &coupon),
                    fact(ctx, "console-settings-nps-wait", &cur.nps_wait_days, &days.to_string()),
                ],
            }
        }
        Section::Faq => {
            let rows = faq_pairs(pairs);
            if let Some(i) = rows.iter().position(|(q, a)| q.is_empty() || a.is_empty()) {
                return Err(ctx.chrome.t1("console-settings-faq-incomplete", "row", &(i + 1).to_string()));
            }
            let before: Vec<_> =
                cur.faq.iter().filter(|(l, _, _)| l == faq_lang).map(|(_, q, a)| (q.clone(), a.clone())).collect();
            let list =
                |rows: &[(String, String)]| rows.iter().map(|(q, _)| format!("• {q}")).collect::<Vec<_>>().join("\n");
            let lang_name =
                Locale::ALL.into_iter().find(|l| l.tag() == faq_lang).map(|l| l.native_name()).unwrap_or_default();
            Change {
                before: serde_json::json!({ "locale": faq_lang, "entries": before }),
                after: serde_json::json!({ "locale": faq_lang, "entries": rows }),
                facts: vec![
                    (ctx.t("console-settings-faq-language"), lang_name),
                    (ctx.t("console-settings-faq-before"), list(&before)),
                    (ctx.t("console-settings-faq-after"), list(&rows)),
                ],
            }
        }
    })
}

/// `POST /settings/{section}`: the form, the review (before → after), then the change once.
pub async fn save(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        let section = Section::parse(&id).ok_or_else(PageError::not_found)?;
        let action = format!("settings.{}", section.as_str());
        ctx.require(Permission::Settings, &action, None, None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        let cur = current(&ctx).await?;
        let faq_lang = faq_lang_of(&ctx, field(&pairs, "faq_lang"));
        let change = match plan(&ctx, section, &cur, &pairs, &faq_lang) {
            Ok(c) => c,
            Err(message) => return Ok(render(&ctx, cur, faq_lang, None, Some((section, message, &pairs)))),
        };
        if field(&pairs, "step") != Some("confirm") {
            let back = (ctx.chrome.href("/settings"), ctx.t("console-settings-back"));
            let url = ctx.chrome.href(&format!("/settings/{}", section.as_str()));
            return Ok(confirm::page(
                &ctx,
                "console-settings-review-title",
                "settings",
                back,
                url,
                change.facts,
                pairs.clone(),
                false,
            ));
        }
        let outcome = ctx.chrome.href(&format!("/settings?done={}&faq={faq_lang}", section.as_str()));
        let auditor = confirm::Auditor::of(&ctx);
        let (before, after) = (change.before, change.after);
        let other_faq: Vec<FaqEntry> = cur
            .faq
            .iter()
            .filter(|(l, _, _)| *l != faq_lang)
            .map(|(l, q, a)| FaqEntry { locale: l.clone(), question: q.clone(), answer: a.clone() })
            .collect();
        let done = super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let tenant = auditor.tenant;
                let now = auditor.now;
                let s = |k: &str| after[k].as_str().unwrap_or_default().to_string();
                match section {
                    Section::Branding => {
                        let input = SellerProfileInput {
                            brand_color: Some(s("brand_color")),
                            logo_url: Some(s("logo_url")),
                            ..SellerProfileInput::default()
                        };
                        tenants::update_profile(tx, tenant, &input).await?;
                        tenants::set_mail_identity(tx, tenant, Some(&s("sender_name")), Some(&s("reply_to"))).await?;
                    }
                    Section::Languages => {
                        tenants::set_default_locale(tx, tenant, &s("default_locale")).await?;
                    }
                    Section::Tax => {
                        let registrations = serde_json::from_value(after["registrations"].clone()).unwrap_or_default();
                        let input =
                            tenants::TaxSettingsInput { registrations: Some(registrations), ..Default::default() };
                        tenants::update_tax(tx, tenant, &input).await?;
                    }
                    Section::Dunning => {
                        dunning::put_policy(tx, tenant, Some(after["steps"].clone()), None, now).await?;
                    }
                    Section::Portal => {
                        let offer = &after["retention_offer"];
                        let coupon = offer["coupon"].as_str().filter(|c| !c.is_empty());
                        portal_options::set_retention_offer(
                            tx,
                            tenant,
                            offer["kind"].as_str().unwrap_or("none"),
                            coupon,
                            now,
                        )
                        .await?;
                        surveys::set_nps_wait_days(
                            tx,
                            tenant,
                            after["nps_wait_days"].as_i64().unwrap_or_default(),
                            now,
                        )
                        .await?;
                    }
                    Section::Faq => {
                        let locale = s("locale");
                        let mut entries = other_faq;
                        let rows: Vec<(String, String)> =
                            serde_json::from_value(after["entries"].clone()).unwrap_or_default();
                        entries.extend(rows.into_iter().map(|(question, answer)| FaqEntry {
                            locale: locale.clone(),
                            question,
                            answer,
                        }));
                        help::put_faq(tx, tenant, entries, now).await?;
                    }
                }
                let action = format!("settings.{}", section.as_str());
                auditor
                    .done(
                        tx,
                        &action,
                        Some(format!("settings:{}", section.as_str())),
                        None,
                        None,
                        Some(before),
                        Some(after),
                    )
                    .await
            })
        })
        .await;
        match done {
            // The engine refused (e.g. an unknown coupon): nothing changed; the form says why.
            Err(e @ PageError::Problem(_))
                if e.status() == StatusCode::BAD_REQUEST || e.status() == StatusCode::NOT_FOUND =>
            {
                let message = if e.status() == StatusCode::NOT_FOUND {
                    ctx.t("console-settings-coupon-unknown")
                } else {
                    refusal(&ctx, &e)
                };
                Ok(render(&ctx, cur, faq_lang, None, Some((section, message, &pairs))))
            }
            other => other,
        }
    })
    .await;
    ctx.finish(result)
}
