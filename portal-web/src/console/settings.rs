//! The merchant's settings (admins): branding (colour, logo URL, mail sender name and reply-to),
//! the default language, tax registrations, the dunning policy (its steps edited as rows and
//! checked by the engine's `Policy`), portal options (retention offer, survey waiting period)
//! and the FAQ per language. Every section is a form → confirm (before and after) → change once
//! (the nonce), with an audit line `settings.<section>`; each calls the service the API calls.
//!
//! Also (docs/adr/0039): the languages the portal offers (with the default one), the plan moves
//! customers may make themselves, and the logo uploaded as a file (`upload_logo`, multipart,
//! checked by content and stored in the database; the https logo URL keeps working when none is
//! uploaded).

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
const ACTIONS: [&str; 11] = [
    "retry",
    "email",
    "mark_uncollectible",
    "late_fee",
    "restrict",
    "pause_subscriptions",
    "cancel_subscriptions",
    "payment_reminder",
    "first_notice",
    "second_notice",
    "final_notice",
];

/// An action's label: the first three have their keys since the console began, the others
/// (late fee, restriction, pause/cancel, the German ladder's notices) `console-dunning-ladder-`.
fn action_label(c: &Chrome, action: &str) -> String {
    let key = action.replace('_', "-");
    if ["retry", "email", "mark_uncollectible"].contains(&action) {
        c.t(&format!("console-settings-dunning-action-{key}"))
    } else {
        c.t(&format!("console-dunning-ladder-action-{key}"))
    }
}

/// A late fee as the console writes it: `5.00 EUR` (several: `5.00 EUR; 5.00 USD`) or `2.5 %`.
fn fee_text(fee: &billing_core::dunning::LateFee) -> String {
    if let Some(p) = &fee.percent {
        return format!("{p} %");
    }
    fee.fixed
        .iter()
        .flatten()
        .filter_map(|(code, minor)| {
            billing_core::currency::Currency::from_code(code)
                .ok()
                .map(|c| format!("{} {code}", billing_core::money::Money::from_minor(*minor, c).to_decimal()))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The fee field as the engine's `LateFee` JSON; `None` when it is not one of the two forms.
fn parse_fee(text: &str) -> Option<serde_json::Value> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        let p = p.trim().replace(',', ".");
        return (!p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
            .then(|| serde_json::json!({ "percent": p }));
    }
    let mut fixed = serde_json::Map::new();
    for part in t.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = part.split_whitespace();
        let (amount, code) = (it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        let currency = billing_core::currency::Currency::from_code(&code.to_ascii_uppercase()).ok()?;
        let amount =
            if amount.contains(',') && !amount.contains('.') { amount.replace(',', ".") } else { amount.into() };
        let money = billing_core::money::Money::parse(&amount, currency).ok().filter(|m| m.minor() > 0)?;
        fixed.insert(currency.code().to_string(), money.minor().into());
    }
    (!fixed.is_empty()).then(|| serde_json::json!({ "fixed": fixed }))
}
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
    Moves,
    /// The uploaded logo: its own multipart form ([`upload_logo`]).
    Logo,
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
            "moves" => Self::Moves,
            "logo" => Self::Logo,
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
            Self::Moves => "moves",
            Self::Logo => "logo",
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
    /// (day, action, fee as `fee_text` writes it)
    steps: Vec<(String, String, String)>,
    policy_is_default: bool,
    /// Every step is a day, an action and at most a simple fee (fixed amounts or a percentage,
    /// no rounding override) and no `charges` override: the rows can show all of it.
    console_editable: bool,
    retention_kind: String,
    retention_coupon: String,
    nps_wait_days: String,
    faq: Vec<(String, String, String)>,
    /// The portal's offered languages (all when the merchant chose none).
    offered: Vec<String>,
    plan_moves: portal_options::PlanMoves,
    /// The base plans (code, name), for the plan-move choices.
    plans: Vec<(String, String)>,
    logo: Option<portal_options::LogoMeta>,
}

async fn current(ctx: &Console) -> PageResult<Current> {
    let mut conn = ctx.state.pool.acquire().await?;
    let t = tenants::get(&mut conn, ctx.tenant.id).await?;
    let (sender_name, reply_to) = tenants::mail_identity(&mut conn, ctx.tenant.id).await?;
    let (policy, own) = dunning::policy_and_origin(&mut conn, ctx.tenant.id).await?;
    let offer = portal_options::retention_offer(&mut conn, ctx.tenant.id).await?;
    let wait = surveys::nps_wait_days(&mut conn, ctx.tenant.id).await?;
    let faq = help::faq(&mut conn, ctx.tenant.id).await?;
    let offered = portal_options::offered_locales(&mut conn, ctx.tenant.id)
        .await?
        .unwrap_or_else(|| Locale::ALL.iter().map(|l| l.tag().to_string()).collect());
    let plan_moves = portal_options::plan_moves(&mut conn, ctx.tenant.id).await?;
    let plans = billing_core::service::catalog::list_plans(&mut conn, ctx.tenant.id)
        .await?
        .into_iter()
        .filter(|p| p.active && p.addon.is_none())
        .map(|p| (p.code, p.name))
        .collect();
    let logo = portal_options::logo_meta(&mut conn, ctx.tenant.id).await?;
    let steps = policy
        .steps()
        .iter()
        .map(|s| (s.day.to_string(), s.action.as_str().to_string(), s.fee.as_ref().map(fee_text).unwrap_or_default()))
        .collect();
    Ok(Current {
        brand_color: t.profile.brand_color.clone(),
        logo_url: t.profile.logo_url.clone().unwrap_or_default(),
        sender_name: sender_name.unwrap_or_default(),
        reply_to: reply_to.unwrap_or_default(),
        default_locale: t.default_locale.clone(),
        home_country: t.country.code().to_string(),
        registrations: t.tax.registrations.iter().map(|c| c.code().to_string()).collect(),
        console_editable: policy.steps().iter().all(|s| {
            s.charges.is_none()
                && s.fee.as_ref().is_none_or(|f| f.rounding.is_none() && (f.fixed.is_none() || f.percent.is_none()))
        }),
        steps,
        policy_is_default: !own,
        retention_kind: offer.kind,
        retention_coupon: offer.coupon.unwrap_or_default(),
        nps_wait_days: wait.to_string(),
        faq: faq.into_iter().map(|e| (e.locale, e.question, e.answer)).collect(),
        offered,
        plan_moves,
        plans,
        logo,
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
    pub fee: String,
    pub actions: Vec<Choice>,
}

/// A plan and the moves from it, as checkboxes.
pub struct MoveFrom {
    pub name: String,
    pub code: String,
    pub to: Vec<MoveTo>,
}

pub struct MoveTo {
    /// `from>to`, the checkbox's value.
    pub value: String,
    pub id: String,
    pub name: String,
    pub checked: bool,
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
    /// The offered languages: every shipped one, checked when offered.
    offered: Vec<Choice>,
    move_modes: Vec<Choice>,
    moves: Vec<MoveFrom>,
    downgrades_at_period_end: bool,
    /// The uploaded logo: its URL (with the digest) and a description, when there is one.
    logo_src: Option<String>,
    logo_text: String,
    logo_nonce: String,
    logo_max_kib: usize,
}

fn action_choices(c: &Chrome, selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: c.t("console-settings-dunning-action-none"),
        selected: selected.is_empty(),
    }];
    out.extend(ACTIONS.iter().map(|a| Choice {
        value: a.to_string(),
        label: action_label(c, a),
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
    let mut step_rows: Option<Vec<(String, String, String)>> = None;
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
            Section::Languages => {
                cur.default_locale = get("default_locale");
                if field(pairs, "offered_form").is_some() {
                    cur.offered = pairs.iter().filter(|(k, _)| k == "offered").map(|(_, v)| v.clone()).collect();
                }
            }
            Section::Moves => {
                cur.plan_moves = moves_of(pairs);
            }
            Section::Tax | Section::Logo => {}
        }
    }
    let steps_src = step_rows.unwrap_or_else(|| cur.steps.clone());
    let mut steps: Vec<StepRow> = steps_src
        .iter()
        .enumerate()
        .map(|(i, (day, action, fee))| StepRow {
            n: i + 1,
            day: day.clone(),
            fee: fee.clone(),
            actions: action_choices(&c, action),
        })
        .collect();
    for _ in 0..SPARE_ROWS {
        steps.push(StepRow {
            n: steps.len() + 1,
            day: String::new(),
            fee: String::new(),
            actions: action_choices(&c, ""),
        });
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
    let offered = Locale::ALL
        .iter()
        .map(|l| Choice {
            value: l.tag().to_string(),
            label: l.native_name(),
            selected: cur.offered.iter().any(|o| o == l.tag()),
        })
        .collect();
    let move_modes = ["any", "upgrades", "list", "none"]
        .into_iter()
        .map(|m| Choice {
            value: m.to_string(),
            label: c.t(&format!("console-moves-mode-{m}")),
            selected: cur.plan_moves.mode == m,
        })
        .collect();
    let moves = cur
        .plans
        .iter()
        .map(|(from, from_name)| MoveFrom {
            name: from_name.clone(),
            code: from.clone(),
            to: cur
                .plans
                .iter()
                .filter(|(to, _)| to != from)
                .map(|(to, to_name)| MoveTo {
                    value: format!("{from}>{to}"),
                    id: format!("move-{from}-{to}"),
                    name: to_name.clone(),
                    checked: cur.plan_moves.moves.iter().any(|m| &m.from == from && &m.to == to),
                })
                .collect(),
        })
        .collect();
    let (logo_src, logo_text) = match &cur.logo {
        Some(l) => (
            Some(format!("/p/{}/logo?v={}", ctx.tenant.slug, l.sha256.get(..12).unwrap_or(&l.sha256))),
            I18n::global().text(
                c.lang,
                "console-logo-current",
                &[("type", l.content_type.clone()), ("kib", ((l.size + 1023) / 1024).to_string())],
            ),
        ),
        None => (None, c.t("console-logo-none")),
    };
    let page = SettingsPage {
        offered,
        move_modes,
        moves,
        downgrades_at_period_end: cur.plan_moves.downgrades_at_period_end,
        logo_src,
        logo_text,
        logo_nonce: c.nonce(),
        logo_max_kib: portal_options::LOGO_MAX_BYTES / 1024,
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

fn dunning_rows(pairs: &[(String, String)]) -> Vec<(String, String, String)> {
    let days = pairs.iter().filter(|(k, _)| k == "day").map(|(_, v)| v.trim().to_string());
    let actions = pairs.iter().filter(|(k, _)| k == "action").map(|(_, v)| v.trim().to_string());
    // Every row has a fee field; a form without any (an old page) has none at all.
    let mut fees = pairs.iter().filter(|(k, _)| k == "fee").map(|(_, v)| v.trim().to_string());
    days.zip(actions)
        .map(|(d, a)| (d, a, fees.next().unwrap_or_default()))
        .filter(|(d, a, f)| !(d.is_empty() && a.is_empty() && f.is_empty()))
        .collect()
}

fn faq_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let qs = pairs.iter().filter(|(k, _)| k == "question").map(|(_, v)| v.trim().to_string());
    let answers = pairs.iter().filter(|(k, _)| k == "answer").map(|(_, v)| v.trim().to_string());
    qs.zip(answers).filter(|(q, a)| !(q.is_empty() && a.is_empty())).collect()
}

/// The plan-move rules as submitted: `moves_mode`, `move` (`from>to`, only in the list mode),
/// `downgrades_at_period_end`.
fn moves_of(pairs: &[(String, String)]) -> portal_options::PlanMoves {
    let mode = field(pairs, "moves_mode").unwrap_or("any").trim().to_string();
    let moves = if mode == "list" {
        pairs
            .iter()
            .filter(|(k, _)| k == "move")
            .filter_map(|(_, v)| v.split_once('>'))
            .map(|(from, to)| portal_options::PlanMove { from: from.trim().to_string(), to: to.trim().to_string() })
            .collect()
    } else {
        vec![]
    };
    portal_options::PlanMoves {
        mode,
        moves,
        downgrades_at_period_end: field(pairs, "downgrades_at_period_end").is_some_and(|v| v == "1" || v == "on"),
    }
}

/// The steps as the engine's policy, or the problem in the page's language.
fn policy_of(c: &Chrome, rows: &[(String, String, String)]) -> Result<serde_json::Value, String> {
    let i18n = I18n::global();
    let mut steps = Vec::with_capacity(rows.len());
    for (i, (day, action, fee)) in rows.iter().enumerate() {
        let row = (i + 1).to_string();
        let Ok(day) = day.parse::<u32>() else {
            return Err(i18n.text(
                c.lang,
                "console-settings-dunning-day",
                &[("row", row), ("max", billing_core::dunning::MAX_DAY.to_string())],
            ));
        };
        let mut step = serde_json::json!({ "day": day, "action": action });
        if action == "late_fee" {
            let Some(fee) = parse_fee(fee) else {
                return Err(i18n.text(c.lang, "console-dunning-ladder-fee-invalid", &[("row", row)]));
            };
            step["fee"] = fee;
        }
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
        Err(PolicyError::BadFee { index, .. }) | Err(PolicyError::UnknownCurrency { index, .. }) => {
            Err(i18n.text(c.lang, "console-dunning-ladder-fee-invalid", &[("row", (index + 1).to_string())]))
        }
        // Ladder charges: the rows here never set them.
        Err(PolicyError::ChargesNotAllowed { index, .. }) => {
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
            // The page sends `offered_form` with its checkboxes; a form without it (an older page,
            // a script) changes the default only and keeps the offered languages.
            let offered: Vec<String> = if field(pairs, "offered_form").is_some() {
                pairs.iter().filter(|(k, _)| k == "offered").map(|(_, v)| v.clone()).collect()
            } else {
                cur.offered.clone()
            };
            if offered.is_empty() {
                return Err(ctx.t("console-languages-offered-none"));
            }
            if !offered.contains(&lang) {
                return Err(ctx.chrome.t1("console-languages-offered-default", "language", &l.native_name()));
            }
            let offered =
                portal_options::check_offered(&offered, l.tag()).map_err(|e| refusal(ctx, &PageError::from(e)))?;
            let before = Locale::ALL.into_iter().find(|x| x.tag() == cur.default_locale).map(|x| x.native_name());
            let names = |tags: &[String]| {
                Locale::ALL
                    .iter()
                    .filter(|l| tags.iter().any(|t| t == l.tag()))
                    .map(|l| l.native_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Change {
                before: serde_json::json!({ "default_locale": cur.default_locale, "offered_locales": cur.offered }),
                after: serde_json::json!({ "default_locale": lang, "offered_locales": offered }),
                facts: vec![
                    fact(ctx, "console-settings-default-language", &before.unwrap_or_default(), &l.native_name()),
                    fact(ctx, "console-languages-offered", &names(&cur.offered), &names(&offered)),
                ],
            }
        }
        // The logo is sent as a file to `upload_logo`, never through this form.
        Section::Logo => return Err(ctx.t("console-logo-not-an-image")),
        Section::Moves => {
            let moves = moves_of(pairs);
            if !matches!(moves.mode.as_str(), "any" | "upgrades" | "list" | "none") {
                return Err(ctx.t("console-moves-mode-invalid"));
            }
            for m in &moves.moves {
                if !cur.plans.iter().any(|(c, _)| c == &m.from)
                    || !cur.plans.iter().any(|(c, _)| c == &m.to)
                    || m.from == m.to
                {
                    return Err(ctx.t("console-moves-unknown-plan"));
                }
            }
            let text = |m: &portal_options::PlanMoves| {
                let mut t = ctx.t(&format!("console-moves-mode-{}", m.mode));
                if m.mode == "list" {
                    let name = |code: &str| {
                        cur.plans
                            .iter()
                            .find(|(c, _)| c == code)
                            .map(|(_, n)| n.clone())
                            .unwrap_or_else(|| code.to_string())
                    };
                    let list: Vec<String> =
                        m.moves.iter().map(|mv| format!("{} → {}", name(&mv.from), name(&mv.to))).collect();
                    t = format!("{t}: {}", if list.is_empty() { "—".to_string() } else { list.join(", ") });
                }
                if m.downgrades_at_period_end {
                    t = format!("{t} · {}", ctx.t("console-moves-downgrades-later"));
                }
                t
            };
            Change {
                before: serde_json::to_value(&cur.plan_moves).unwrap_or_default(),
                after: serde_json::to_value(&moves).unwrap_or_default(),
                facts: vec![fact(ctx, "console-moves-heading", &text(&cur.plan_moves), &text(&moves))],
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
            let text = |rows: &[(String, String, String)]| {
                rows.iter()
                    .map(|(d, a, f)| {
                        let action = action_label(&ctx.chrome, a);
                        let fee = if a == "late_fee" && !f.is_empty() { format!(" ({f})") } else { String::new() };
                        ctx.chrome.t1("console-settings-dunning-step", "day", d) + ": " + &action + &fee
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let before = serde_json::json!({ "steps": cur.steps.iter().map(|(d, a, f)| serde_json::json!({"day": d, "action": a, "fee": f})).collect::<Vec<_>>() });
            // The German reminder ladder as a preset (docs/adr/0031).
            if get("ladder") == "de" {
                let ladder = Policy::ladder(billing_core::dunning::Ladder::De);
                let rows: Vec<(String, String, String)> = ladder
                    .steps()
                    .iter()
                    .map(|s| {
                        (
                            s.day.to_string(),
                            s.action.as_str().to_string(),
                            s.fee.as_ref().map(fee_text).unwrap_or_default(),
                        )
                    })
                    .collect();
                return Ok(Change {
                    before,
                    after: serde_json::json!({ "ladder": "de" }),
                    facts: vec![
                        (ctx.t("console-settings-dunning-before"), text(&cur.steps)),
                        (ctx.t("console-dunning-ladder-de"), text(&rows)),
                    ],
                });
            }
            // A policy with a rounding override or ladder charges set by hand has more than the
            // rows show: saving the rows here would drop it.
            if !cur.console_editable {
                return Err(ctx.t("console-dunning-ladder-api-only"));
            }
            let rows = dunning_rows(pairs);
            let steps = policy_of(&ctx.chrome, &rows)?;
            Change {
                before,
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
                        let offered: Vec<String> =
                            serde_json::from_value(after["offered_locales"].clone()).unwrap_or_default();
                        portal_options::set_languages(tx, tenant, &s("default_locale"), Some(&offered), now).await?;
                    }
                    Section::Logo => {}
                    Section::Moves => {
                        let moves: portal_options::PlanMoves = serde_json::from_value(after.clone())
                            .map_err(|e| billing_core::Error::invalid("moves", e.to_string()))?;
                        portal_options::set_plan_moves(tx, tenant, &moves, now).await?;
                    }
                    Section::Tax => {
                        let registrations = serde_json::from_value(after["registrations"].clone()).unwrap_or_default();
                        let input =
                            tenants::TaxSettingsInput { registrations: Some(registrations), ..Default::default() };
                        tenants::update_tax(tx, tenant, &input).await?;
                    }
                    Section::Dunning => {
                        if after["ladder"] == "de" {
                            dunning::put_policy(tx, tenant, None, Some("de"), now).await?;
                        } else {
                            dunning::put_policy(tx, tenant, Some(after["steps"].clone()), None, now).await?;
                        }
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

/// `POST /settings/logo` (multipart: `csrf`, `nonce`, `file`, or `remove=1`): stores the logo
/// after checking it by content (PNG, JPEG, or SVG without scripts; at most 256 KiB), once per
/// nonce, with an audit line. A refused file is named on the page and nothing is stored.
pub async fn upload_logo(ctx: Console, body: axum::body::Bytes) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Settings, "settings.logo", None, None).await?;
        let content_type =
            ctx.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let parts = super::bank::multipart(content_type, &body).ok_or_else(PageError::csrf)?;
        let text = |name: &str| {
            parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.data).trim().to_string())
        };
        ctx.check_csrf(text("csrf").as_deref())?;
        let nonce = text("nonce").filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
        let outcome = ctx.chrome.href("/settings?done=logo#logo");
        if let Some(previous) = super::claimed(&ctx, &nonce).await? {
            return Ok(crate::web::layout::redirect(&previous));
        }
        let remove = text("remove").as_deref() == Some("1");
        let file = parts.iter().find(|p| p.name == "file").map(|p| p.data.clone()).unwrap_or_default();
        if !remove && let Err(problem) = portal_options::sniff_logo(&file) {
            // Refused: audited, nothing stored.
            let mut conn = ctx.state.pool.acquire().await?;
            billing_core::service::staff::audit(
                &mut conn,
                ctx.tenant.id,
                &billing_core::service::staff::AuditEntry {
                    staff: Some(me.id),
                    actor: &ctx.actor(),
                    action: "settings.logo",
                    outcome: "refused",
                    target: Some("settings:logo".into()),
                    after: Some(serde_json::json!({ "problem": problem.as_str(), "bytes": file.len() })),
                    client: Some(&ctx.client),
                    ..Default::default()
                },
                ctx.now,
            )
            .await?;
            drop(conn);
            let cur = current(&ctx).await?;
            let message = I18n::global().text(
                ctx.lang(),
                &format!("console-logo-{}", problem.as_str()),
                &[("max", (portal_options::LOGO_MAX_BYTES / 1024).to_string())],
            );
            let no_fields: &[(String, String)] = &[];
            return Ok(render(&ctx, cur, faq_lang_of(&ctx, None), None, Some((Section::Logo, message, no_fields))));
        }
        let auditor = confirm::Auditor::of(&ctx);
        super::once(&ctx, Some(&nonce), outcome, move |tx| {
            Box::pin(async move {
                let before = portal_options::logo_meta(tx, auditor.tenant).await?;
                let after = if remove {
                    portal_options::delete_logo(tx, auditor.tenant).await?;
                    None
                } else {
                    Some(portal_options::put_logo(tx, auditor.tenant, &file, auditor.now).await?)
                };
                auditor
                    .done(
                        tx,
                        "settings.logo",
                        Some("settings:logo".into()),
                        None,
                        None,
                        Some(serde_json::json!({ "logo": before })),
                        Some(serde_json::json!({ "logo": after })),
                    )
                    .await
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}
