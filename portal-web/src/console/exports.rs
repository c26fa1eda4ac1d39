//! `/exports` (finance and admin, `Permission::Export`): the accountants' files for a date range,
//! the same ones `GET /api/v1/exports/*` answers (docs/metrics.md): invoices, credit notes and
//! payments as CSV, and the DATEV Buchungsstapel (EXTF, Windows-1252). A plain GET form: each
//! button names its file (`formaction`), so it works without JavaScript. Every download is an
//! audit line `exports.<file>` with its range; a refusal (support, analyst) is audited by
//! [`Console::require`].
//!
//! The page also edits the DATEV settings (docs/adr/0049): Beraternummer, Mandantennummer, the
//! fiscal year's first month, the Sachkontenlänge, the chart (SKR03 or SKR04) and the accounts,
//! checked by DATEV's rules (`DatevSettings::validate`, as the API's `PUT
//! /exports/datev/settings`), reviewed before → after, saved once and audited as
//! `exports.datev_settings`. The next DATEV file uses them.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::datev::{DatevSettings, RevenueAccounts, Skr};
use billing_core::service::exports;
use billing_core::staff::Permission;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::confirm::{self, field};
use super::ctx::{Chrome, Console};
use crate::i18n::I18n;
use crate::web::error::PageResult;

/// The range form; both fields optional (the previous calendar month by default).
#[derive(Debug, Default, Deserialize)]
pub struct RangeForm {
    from: Option<String>,
    to: Option<String>,
    /// `datev` after the DATEV settings were saved.
    saved: Option<String>,
}

/// The revenue accounts in the order the form lists them (`RevenueAccounts`' fields).
const REVENUE: [&str; 7] = [
    "domestic_standard",
    "domestic_reduced",
    "oss",
    "reverse_charge",
    "section_13b",
    "third_country",
    "small_business",
];

fn revenue_get<'a>(r: &'a RevenueAccounts, key: &str) -> &'a str {
    match key {
        "domestic_standard" => &r.domestic_standard,
        "domestic_reduced" => &r.domestic_reduced,
        "oss" => &r.oss,
        "reverse_charge" => &r.reverse_charge,
        "section_13b" => &r.section_13b,
        "third_country" => &r.third_country,
        _ => &r.small_business,
    }
}

fn revenue_set(r: &mut RevenueAccounts, key: &str, value: String) {
    match key {
        "domestic_standard" => r.domestic_standard = value,
        "domestic_reduced" => r.domestic_reduced = value,
        "oss" => r.oss = value,
        "reverse_charge" => r.reverse_charge = value,
        "section_13b" => r.section_13b = value,
        "third_country" => r.third_country = value,
        _ => r.small_business = value,
    }
}

/// One revenue account's row in the form.
pub struct AccountField {
    pub key: &'static str,
    pub label: String,
    pub value: String,
}

/// The DATEV settings as the form shows them (text, as stored or as submitted).
pub struct DatevForm {
    pub consultant_number: String,
    pub client_number: String,
    pub fiscal_year_start_month: String,
    pub account_length: String,
    pub skr: String,
    pub receivables_account: String,
    pub accounts: Vec<AccountField>,
}

fn account_label(c: &Chrome, key: &str) -> String {
    c.t(&format!("console-datev-account-{}", key.replace('_', "-")))
}

fn datev_form(c: &Chrome, s: &DatevSettings) -> DatevForm {
    DatevForm {
        consultant_number: s.consultant_number.to_string(),
        client_number: s.client_number.to_string(),
        fiscal_year_start_month: s.fiscal_year_start_month.to_string(),
        account_length: s.account_length.to_string(),
        skr: s.skr.code().to_string(),
        receivables_account: s.receivables_account.clone(),
        accounts: REVENUE
            .iter()
            .map(|k| AccountField {
                key: k,
                label: account_label(c, k),
                value: revenue_get(&s.revenue_accounts, k).to_string(),
            })
            .collect(),
    }
}

fn datev_form_of(c: &Chrome, pairs: &[(String, String)]) -> DatevForm {
    let get = |k: &str| field(pairs, k).unwrap_or_default().trim().to_string();
    DatevForm {
        consultant_number: get("consultant_number"),
        client_number: get("client_number"),
        fiscal_year_start_month: get("fiscal_year_start_month"),
        account_length: get("account_length"),
        skr: get("skr"),
        receivables_account: get("receivables_account"),
        accounts: REVENUE
            .iter()
            .map(|k| AccountField { key: k, label: account_label(c, k), value: get(&format!("revenue_{k}")) })
            .collect(),
    }
}

/// The submitted settings, checked by DATEV's rules; or the problem in the page's language. A
/// chart changed while every account is still the old chart's default takes the new chart's
/// defaults (the review shows them).
fn datev_settings_of(c: &Chrome, form: &DatevForm, current: &DatevSettings) -> Result<DatevSettings, String> {
    let i18n = I18n::global();
    let number = |text: &str, key: &str| text.parse::<u32>().map_err(|_| c.t(&format!("console-datev-invalid-{key}")));
    let consultant_number = number(&form.consultant_number, "consultant-number")?;
    let client_number = number(&form.client_number, "client-number")?;
    let fiscal_year_start_month = number(&form.fiscal_year_start_month, "fiscal-year-start-month")?;
    let account_length = number(&form.account_length, "account-length")?;
    let skr = Skr::parse(&form.skr).map_err(|_| c.t("console-datev-invalid-skr"))?;
    let mut revenue_accounts = RevenueAccounts::default();
    for a in &form.accounts {
        revenue_set(&mut revenue_accounts, a.key, a.value.clone());
    }
    let mut receivables_account = form.receivables_account.clone();
    let old = current.skr;
    if skr != old && receivables_account == old.receivables_account() && revenue_accounts == old.revenue_accounts() {
        receivables_account = skr.receivables_account().to_string();
        revenue_accounts = skr.revenue_accounts();
    }
    let s = DatevSettings {
        consultant_number,
        client_number,
        fiscal_year_start_month,
        account_length,
        receivables_account,
        revenue_accounts,
        skr,
    };
    match s.validate() {
        Ok(()) => Ok(s),
        Err(billing_core::Error::InvalidField { field: "revenue_accounts", .. }) => {
            let n = s.account_length as usize;
            let bad = REVENUE
                .iter()
                .find(|k| {
                    let v = revenue_get(&s.revenue_accounts, k);
                    v.len() != n || !v.bytes().all(|b| b.is_ascii_digit())
                })
                .copied()
                .unwrap_or("domestic_standard");
            Err(i18n.text(
                c.lang,
                "console-datev-invalid-revenue-account",
                &[("account", account_label(c, bad)), ("length", n.to_string())],
            ))
        }
        Err(billing_core::Error::InvalidField { field: "receivables_account", .. }) => Err(i18n.text(
            c.lang,
            "console-datev-invalid-receivables-account",
            &[("length", s.account_length.to_string()), ("longer", (s.account_length + 1).to_string())],
        )),
        Err(billing_core::Error::InvalidField { field, .. }) => {
            Err(c.t(&format!("console-datev-invalid-{}", field.replace('_', "-"))))
        }
        Err(_) => Err(c.t("console-datev-invalid-consultant-number")),
    }
}

/// The settings in lines for the review (before or after).
fn datev_text(c: &Chrome, s: &DatevSettings) -> Vec<(String, String)> {
    let mut out = vec![
        (c.t("console-gap-exports-consultant"), s.consultant_number.to_string()),
        (c.t("console-gap-exports-client"), s.client_number.to_string()),
        (c.t("console-datev-fiscal-year-start-month"), s.fiscal_year_start_month.to_string()),
        (c.t("console-datev-account-length"), s.account_length.to_string()),
        (c.t("console-datev-skr"), format!("SKR{}", s.skr.code())),
        (c.t("console-datev-receivables-account"), s.receivables_account.clone()),
    ];
    out.extend(REVENUE.iter().map(|k| (account_label(c, k), revenue_get(&s.revenue_accounts, k).to_string())));
    out
}

#[derive(Template)]
#[template(path = "console/exports.html")]
struct ExportsPage<'a> {
    c: &'a Chrome,
    from: String,
    to: String,
    /// A localized error about the range (the page answers 400 then).
    error: Option<String>,
    /// The first day of today's fiscal year (a DATEV file lies within one fiscal year).
    fiscal_year_start: String,
    /// The DATEV settings form, its refusal and whether it was just saved.
    datev: DatevForm,
    datev_error: Option<String>,
    datev_saved: bool,
    skrs: Vec<super::settings::Choice>,
}

/// The files offered: the path segment and the audit action.
const FILES: [(&str, &str); 4] = [
    ("invoices.csv", "exports.invoices"),
    ("credit-notes.csv", "exports.credit_notes"),
    ("payments.csv", "exports.payments"),
    ("datev.csv", "exports.datev"),
];

/// The previous calendar month of `today`.
fn last_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_this = today.with_day(1).unwrap_or(today);
    let to = first_this.pred_opt().unwrap_or(first_this);
    (to.with_day(1).unwrap_or(to), to)
}

/// The form's days: defaults when both are empty, `None` when a day is malformed or `from` is
/// after `to`.
fn days(form: &RangeForm, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    match (text(&form.from), text(&form.to)) {
        (None, None) => Some(last_month(today)),
        (Some(f), Some(t)) => {
            let f = NaiveDate::parse_from_str(&f, "%Y-%m-%d").ok()?;
            let t = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()?;
            (f <= t && (t - f).num_days() <= 3660).then_some((f, t))
        }
        _ => None,
    }
}

async fn render(ctx: &Console, form: &RangeForm, error: Option<String>, status: StatusCode) -> PageResult<Response> {
    render_with(ctx, form, error, None, status).await
}

/// The page; `datev` is a refused DATEV settings form (as submitted, and why).
async fn render_with(
    ctx: &Console,
    form: &RangeForm,
    error: Option<String>,
    datev: Option<(DatevForm, String)>,
    status: StatusCode,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let settings = exports::datev_settings(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let (from, to) = match days(form, ctx.tenant_today()) {
        Some((f, t)) if error.is_none() => (f.to_string(), t.to_string()),
        _ => (form.from.clone().unwrap_or_default(), form.to.clone().unwrap_or_default()),
    };
    let fiscal_year_start = crate::i18n::format::date(settings.fiscal_year_start(ctx.tenant_today()), ctx.lang());
    let c = ctx.chrome("console-gap-exports-title", "exports");
    let (datev, datev_error) = match datev {
        Some((f, e)) => (f, Some(e)),
        None => (datev_form(&c, &settings), None),
    };
    let skrs = Skr::ALL
        .iter()
        .map(|s| super::settings::Choice {
            value: s.code().to_string(),
            label: format!("SKR{}", s.code()),
            selected: datev.skr == s.code(),
        })
        .collect();
    let datev_saved = form.saved.as_deref() == Some("datev") && datev_error.is_none();
    Ok(ctx.page_with(
        status,
        &ExportsPage { c: &c, from, to, error, fiscal_year_start, datev, datev_error, datev_saved, skrs },
    ))
}

/// `POST /exports` (finance and admin, as the exports): the DATEV settings, reviewed before →
/// after, then saved once through the service the API calls, audited with before and after.
pub async fn save_datev(
    ctx: Console,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Export, "exports.datev_settings", Some("settings:datev".into()), None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        if field(&pairs, "step") == Some("confirm")
            && let Some(previous) = super::claimed(&ctx, field(&pairs, "nonce").unwrap_or_default()).await?
        {
            return Ok(crate::web::layout::redirect(&previous));
        }
        let current = {
            let mut conn = ctx.state.pool.acquire().await?;
            exports::datev_settings(&mut conn, ctx.tenant.id).await?
        };
        let form = datev_form_of(&ctx.chrome, &pairs);
        let next = match datev_settings_of(&ctx.chrome, &form, &current) {
            Ok(s) => s,
            Err(message) => {
                let range = RangeForm::default();
                return render_with(&ctx, &range, None, Some((form, message)), StatusCode::BAD_REQUEST).await;
            }
        };
        if field(&pairs, "step") != Some("confirm") {
            let before = datev_text(&ctx.chrome, &current);
            let after = datev_text(&ctx.chrome, &next);
            let facts = before
                .into_iter()
                .zip(after)
                .map(|((label, b), (_, a))| (label, if a == b { a } else { format!("{b} → {a}") }))
                .collect();
            let back = (format!("{}#datev-settings", ctx.chrome.href("/exports")), ctx.t("console-cancel-button"));
            return Ok(confirm::page(
                &ctx,
                "console-datev-review-title",
                "exports",
                back,
                ctx.chrome.href("/exports"),
                facts,
                pairs.clone(),
                false,
            ));
        }
        let outcome = format!("{}?saved=datev#datev-settings", ctx.chrome.href("/exports"));
        let auditor = confirm::Auditor::of(&ctx);
        let before = serde_json::to_value(&current).unwrap_or_default();
        super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let saved = exports::set_datev_settings(tx, auditor.tenant, &next, auditor.now).await?;
                let after = serde_json::to_value(&saved).unwrap_or_default();
                auditor
                    .done(
                        tx,
                        "exports.datev_settings",
                        Some("settings:datev".into()),
                        None,
                        None,
                        Some(before),
                        Some(after),
                    )
                    .await
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

/// `GET /exports`: the range form and the four files.
pub async fn index(ctx: Console, Query(form): Query<RangeForm>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Export, "exports.view", None, None).await?;
        render(&ctx, &form, None, StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

/// `GET /exports/{file}?from=&to=`: one file of the range, as an attachment; a bad range (or a
/// DATEV range across fiscal years) shows the form again with the reason in the page's language.
pub async fn download(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Query(form): Query<RangeForm>,
) -> Response {
    let result = super::page(async {
        let Some(&(file, action)) = FILES.iter().find(|(f, _)| *f == id) else {
            return Err(crate::web::error::PageError::not_found());
        };
        ctx.require(Permission::Export, action, Some(format!("export:{file}")), None).await?;
        let Some((from, to)) = days(&form, ctx.tenant_today()) else {
            let error = Some(ctx.t("console-gap-exports-range-invalid"));
            return render(&ctx, &form, error, StatusCode::BAD_REQUEST).await;
        };
        let mut conn = ctx.state.pool.acquire().await?;
        let tenant = ctx.tenant.id;
        let (name, content_type, bytes, rows): (String, &str, Vec<u8>, Option<usize>) = match file {
            "datev.csv" => match exports::datev(&mut conn, tenant, from, to, ctx.now).await {
                Ok((name, bytes)) => (name, "text/csv; charset=windows-1252", bytes, None),
                Err(billing_core::Error::InvalidField { field: "to", .. }) => {
                    drop(conn);
                    let error = Some(ctx.t("console-gap-exports-datev-fiscal-year"));
                    return render(&ctx, &form, error, StatusCode::BAD_REQUEST).await;
                }
                Err(e) => return Err(e.into()),
            },
            "payments.csv" => {
                let rows = exports::payments(&mut conn, tenant, from, to).await?;
                let csv = crate::ops::exports::payments_csv(&rows);
                (format!("payments-{from}-{to}.csv"), "text/csv; charset=utf-8", csv.into_bytes(), Some(rows.len()))
            }
            _ => {
                let credit_notes = file == "credit-notes.csv";
                let rows = exports::documents(&mut conn, tenant, from, to, credit_notes).await?;
                let csv = crate::ops::exports::documents_csv(&rows);
                let stem = if credit_notes { "credit-notes" } else { "invoices" };
                (format!("{stem}-{from}-{to}.csv"), "text/csv; charset=utf-8", csv.into_bytes(), Some(rows.len()))
            }
        };
        let after = serde_json::json!({ "from": from, "to": to, "file": name, "rows": rows, "bytes": bytes.len() });
        ctx.audit(&mut conn, action, "done", Some(format!("export:{file}")), None, None, None, Some(after)).await?;
        drop(conn);
        Ok((
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            ],
            bytes,
        )
            .into_response())
    })
    .await;
    ctx.finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_range_defaults_to_last_month_and_refuses_a_reversed_or_half_range() {
        let today = day("2026-03-15");
        assert_eq!(days(&RangeForm::default(), today), Some((day("2026-02-01"), day("2026-02-28"))));
        assert_eq!(last_month(day("2026-01-01")), (day("2025-12-01"), day("2025-12-31")));
        let form = |f: &str, t: &str| RangeForm { from: Some(f.into()), to: Some(t.into()), saved: None };
        assert_eq!(days(&form("2026-01-01", "2026-01-31"), today), Some((day("2026-01-01"), day("2026-01-31"))));
        assert_eq!(days(&form("2026-02-01", "2026-01-31"), today), None, "from after to");
        assert_eq!(days(&form("2026-02-01", ""), today), None, "half a range");
        assert_eq!(days(&form("1.2.2026", "2026-03-01"), today), None, "not a date");
    }
}
