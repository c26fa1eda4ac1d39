//! `/exports` (finance and admin, `Permission::Export`): the accountants' files for a date range,
//! the same ones `GET /api/v1/exports/*` answers (docs/metrics.md): invoices, credit notes and
//! payments as CSV, and the DATEV Buchungsstapel (EXTF, Windows-1252). A plain GET form: each
//! button names its file (`formaction`), so it works without JavaScript. Every download is an
//! audit line `exports.<file>` with its range; a refusal (support, analyst) is audited by
//! [`Console::require`].

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::service::exports;
use billing_core::staff::Permission;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::ctx::{Chrome, Console};
use crate::web::error::PageResult;

/// The range form; both fields optional (the previous calendar month by default).
#[derive(Debug, Default, Deserialize)]
pub struct RangeForm {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "console/exports.html")]
struct ExportsPage<'a> {
    c: &'a Chrome,
    from: String,
    to: String,
    /// A localized error about the range (the page answers 400 then).
    error: Option<String>,
    consultant_number: u32,
    client_number: u32,
    /// The first day of today's fiscal year (a DATEV file lies within one fiscal year).
    fiscal_year_start: String,
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
    let mut conn = ctx.state.pool.acquire().await?;
    let settings = exports::datev_settings(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let (from, to) = match days(form, ctx.tenant_today()) {
        Some((f, t)) if error.is_none() => (f.to_string(), t.to_string()),
        _ => (form.from.clone().unwrap_or_default(), form.to.clone().unwrap_or_default()),
    };
    let fiscal_year_start = crate::i18n::format::date(settings.fiscal_year_start(ctx.tenant_today()), ctx.lang());
    let c = ctx.chrome("console-gap-exports-title", "exports");
    Ok(ctx.page_with(
        status,
        &ExportsPage {
            c: &c,
            from,
            to,
            error,
            consultant_number: settings.consultant_number,
            client_number: settings.client_number,
            fiscal_year_start,
        },
    ))
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
        let form = |f: &str, t: &str| RangeForm { from: Some(f.into()), to: Some(t.into()) };
        assert_eq!(days(&form("2026-01-01", "2026-01-31"), today), Some((day("2026-01-01"), day("2026-01-31"))));
        assert_eq!(days(&form("2026-02-01", "2026-01-31"), today), None, "from after to");
        assert_eq!(days(&form("2026-02-01", ""), today), None, "half a range");
        assert_eq!(days(&form("1.2.2026", "2026-03-01"), today), None, "not a date");
    }
}
