//! Bank statements in the console (finance, admin): upload a camt.053 or CSV statement and have
//! it reconciled exactly as `billing bank-import` and `POST /api/v1/bank_statements` do
//! (`ops::bank_import::import`), see its matched and unmatched lines, and assign a credit the
//! import could not place to an invoice by hand (`service::bank_transfer::assign_entry`, the
//! API's: a line is assigned once, under its own reference).
//!
//! The upload is one step (choosing the file is the review: the import only settles lines whose
//! reference names an open invoice, and a statement imported twice settles nothing twice); the
//! nonce sends a repeated upload to the first import. An assignment goes form → confirm with a
//! reason, like every money action.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path};
use axum::http::{StatusCode, header};
use axum::response::Response;
use billing_core::ids::{BankStatementId, InvoiceId};
use billing_core::service::bank_transfer::{self, EntryRow, StatementImport};
use billing_core::staff::Permission;

use super::confirm::{self, field};
use super::ctx::{Chrome, Console};
use crate::i18n::{I18n, format};
use crate::ops::bank_import::{self, StatementFormat};
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

pub struct ImportView {
    pub href: String,
    pub when: String,
    pub format: String,
    pub entries: i64,
    pub open: i64,
}

#[derive(Template)]
#[template(path = "console/bank.html")]
struct BankPage<'a> {
    c: &'a Chrome,
    error: Option<String>,
    imports: Vec<ImportView>,
    nonce: String,
}

async fn list_page(ctx: &Console, error: Option<String>) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let rows = bank_transfer::recent_imports(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let c = ctx.chrome("console-bank-title", "bank");
    let imports = rows
        .into_iter()
        .map(|i| ImportView {
            href: c.href(&format!("/bank/{}", i.id)),
            when: format::date(i.imported_at.with_timezone(&ctx.tenant.timezone).date_naive(), ctx.lang()),
            format: i.format,
            entries: i.entries,
            open: i.open,
        })
        .collect();
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(ctx.page_with(status, &BankPage { nonce: c.nonce(), c: &c, error, imports }))
}

/// `GET /bank`: the upload form and the newest imports.
pub async fn index(ctx: Console) -> Response {
    let result = super::page(async {
        ctx.require(Permission::MoveMoney, "bank.view", None, None).await?;
        list_page(&ctx, None).await
    })
    .await;
    ctx.finish(result)
}

/// One part of a `multipart/form-data` body.
pub(crate) struct Part {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn quoted(headers: &str, key: &str) -> Option<String> {
    let marker = format!("{key}=\"");
    let start = headers.find(&marker)? + marker.len();
    let end = headers[start..].find('"')? + start;
    Some(headers[start..end].to_string())
}

/// Reads a `multipart/form-data` body (RFC 7578) into its parts; `None` when it is not one.
/// The body is already limited by the server's body size limit.
pub(crate) fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let mut params = content_type.split(';').map(str::trim);
    if !params.next()?.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.find_map(|p| p.strip_prefix("boundary="))?.trim_matches('"');
    if boundary.is_empty() || boundary.len() > 70 {
        return None;
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut pos = find(body, &delimiter, 0)? + delimiter.len();
    let mut parts = Vec::new();
    while !body[pos..].starts_with(b"--") {
        pos += 2; // CRLF after the delimiter
        let headers_end = find(body, b"\r\n\r\n", pos)?;
        let headers = std::str::from_utf8(body.get(pos..headers_end)?).ok()?;
        let start = headers_end + 4;
        let end = find(body, &next_delimiter, start)?;
        let disposition = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        parts.push(Part {
            name: quoted(disposition, " name").or_else(|| quoted(disposition, ";name"))?,
            filename: quoted(disposition, "filename"),
            data: body[start..end].to_vec(),
        });
        pos = end + next_delimiter.len();
        if parts.len() > 20 {
            return None;
        }
    }
    Some(parts)
}

/// `POST /bank` (multipart: `csrf`, `nonce`, `format`, `layout`, `file`): imports the statement.
pub async fn upload(ctx: Console, body: Bytes) -> Response {
    let result = super::page(async {
        ctx.require(Permission::MoveMoney, "bank.import", None, None).await?;
        let content_type = ctx.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let parts =
            multipart(content_type, &body).ok_or_else(|| PageError::bad_request("console-bank-file-missing"))?;
        let text = |name: &str| {
            parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.data).trim().to_string())
        };
        ctx.check_csrf(text("csrf").as_deref())?;
        let nonce = text("nonce").filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
        if let Some(previous) = super::claimed(&ctx, &nonce).await? {
            return Ok(redirect(&previous));
        }
        let file = parts.iter().find(|p| p.name == "file" && !p.data.is_empty());
        let Some(file) = file else {
            return list_page(&ctx, Some(ctx.t("console-bank-file-missing"))).await;
        };
        let format = match text("format").as_deref() {
            Some("camt053") => StatementFormat::Camt053,
            Some("csv") => StatementFormat::Csv,
            _ if file.filename.as_deref().is_some_and(|f| f.to_ascii_lowercase().ends_with(".csv")) => {
                StatementFormat::Csv
            }
            _ => StatementFormat::Camt053,
        };
        let problem = |e: bank_import::ImportError| match e.problem() {
            Some(p) => I18n::global().text(ctx.lang(), p.message_id, &p.args),
            None => ctx.t("console-bank-import-failed"),
        };
        let layout = match bank_import::csv_layout(text("layout").as_deref().filter(|l| !l.is_empty())) {
            Ok(l) => l,
            Err(e) => return list_page(&ctx, Some(problem(e))).await,
        };
        let imported =
            bank_import::import(&ctx.state.pool, ctx.tenant.id, &file.data, format, layout.as_ref(), ctx.now).await;
        let imported: StatementImport = match imported {
            Ok(i) => i,
            Err(e) => return list_page(&ctx, Some(problem(e))).await,
        };
        let outcome = ctx.chrome.href(&format!("/bank/{}", imported.id));
        let after = serde_json::json!({
            "import": imported.id.to_string(), "format": imported.format, "sha256": imported.sha256,
            "entries": imported.entries.len(), "matched": imported.matched, "unmatched": imported.unmatched,
            "ambiguous": imported.ambiguous, "file": file.filename,
        });
        let mut conn = ctx.state.pool.acquire().await?;
        confirm::Auditor::of(&ctx)
            .done(
                &mut conn,
                "bank.import",
                Some(format!("bank_statement:{}", imported.id)),
                None,
                None,
                None,
                Some(after),
            )
            .await?;
        drop(conn);
        if let Some(previous) = super::claim_after(&ctx, &nonce, &outcome).await? {
            return Ok(redirect(&previous));
        }
        Ok(redirect(&outcome))
    })
    .await;
    ctx.finish(result)
}

pub struct EntryView {
    pub line: i32,
    pub date: String,
    pub amount: String,
    pub counterparty: String,
    pub remittance: String,
    pub outcome: String,
    pub invoice: String,
    pub assign: Option<String>,
    pub by_hand: bool,
}

#[derive(Template)]
#[template(path = "console/bank_import.html")]
struct ImportPage<'a> {
    c: &'a Chrome,
    done: bool,
    format: String,
    when: String,
    matched: Vec<EntryView>,
    open: Vec<EntryView>,
    other: Vec<EntryView>,
}

fn outcome_text(c: &Chrome, outcome: &str) -> String {
    match outcome {
        "paid" | "partially_paid" | "overpaid" | "already_recorded" | "unmatched" | "ambiguous" | "not_a_credit" => {
            c.t(&format!("console-bank-outcome-{}", outcome.replace('_', "-")))
        }
        other => other.to_string(),
    }
}

async fn numbers(ctx: &Console, ids: impl Iterator<Item = InvoiceId>) -> PageResult<HashMap<InvoiceId, String>> {
    let mut conn = ctx.state.pool.acquire().await?;
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(id) {
            let inv = billing_core::service::invoices::get(&mut conn, ctx.tenant.id, id).await?;
            slot.insert(inv.number.unwrap_or_else(|| id.to_string()));
        }
    }
    Ok(out)
}

fn parse_import(id: &str) -> PageResult<BankStatementId> {
    id.parse().map_err(|_| PageError::not_found())
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /bank/{id}`: the import's lines, matched and to assign.
pub async fn show(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    let result = super::page(async {
        let id = parse_import(&id)?;
        ctx.require(Permission::MoveMoney, "bank.view", Some(format!("bank_statement:{id}")), None).await?;
        let mut conn = ctx.state.pool.acquire().await?;
        let import = bank_transfer::get_import(&mut conn, ctx.tenant.id, id).await?;
        drop(conn);
        let names = numbers(&ctx, import.entries.iter().filter_map(|e| e.invoice_id)).await?;
        let c = ctx.chrome("console-bank-import-title", "bank");
        let lang = ctx.lang();
        let view = |e: &EntryRow| EntryView {
            line: e.line_no,
            date: format::date(e.booking_date, lang),
            amount: format::money(e.amount, lang),
            counterparty: [e.counterparty_name.clone(), e.counterparty_iban.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            remittance: e.remittance.clone(),
            outcome: outcome_text(&c, &e.outcome),
            invoice: e.invoice_id.and_then(|i| names.get(&i).cloned()).unwrap_or_default(),
            assign: matches!(e.outcome.as_str(), "unmatched" | "ambiguous")
                .then(|| c.href(&format!("/bank/{id}/lines/{}/assign", e.line_no))),
            by_hand: e.assigned_at.is_some(),
        };
        let mut matched = Vec::new();
        let mut open = Vec::new();
        let mut other = Vec::new();
        for e in &import.entries {
            match e.outcome.as_str() {
                "unmatched" | "ambiguous" => open.push(view(e)),
                "not_a_credit" => other.push(view(e)),
                _ => matched.push(view(e)),
            }
        }
        let page = ImportPage {
            done: q.done.as_deref() == Some("assign"),
            format: import.format.clone(),
            when: format::date(import.imported_at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
            c: &c,
            matched,
            open,
            other,
        };
        Ok(ctx.page(&page))
    })
    .await;
    ctx.finish(result)
}

pub struct InvoiceOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/bank_assign.html")]
struct AssignPage<'a> {
    c: &'a Chrome,
    back: String,
    entry: EntryView,
    options: Vec<InvoiceOption>,
    reason: String,
    error: Option<String>,
}

struct Line {
    import: BankStatementId,
    entry: EntryRow,
}

async fn load_line(ctx: &Console, id: &str, line: &str, action: &str) -> PageResult<Line> {
    let import = parse_import(id)?;
    let line_no: i32 = line.parse().map_err(|_| PageError::not_found())?;
    ctx.require(Permission::MoveMoney, action, Some(format!("bank_statement:{import}/{line_no}")), None).await?;
    let mut conn = ctx.state.pool.acquire().await?;
    let got = bank_transfer::get_import(&mut conn, ctx.tenant.id, import).await?;
    let entry = got.entries.into_iter().find(|e| e.line_no == line_no).ok_or_else(PageError::not_found)?;
    Ok(Line { import, entry })
}

fn entry_view(ctx: &Console, e: &EntryRow) -> EntryView {
    let lang = ctx.lang();
    EntryView {
        line: e.line_no,
        date: format::date(e.booking_date, lang),
        amount: format::money(e.amount, lang),
        counterparty: [e.counterparty_name.clone(), e.counterparty_iban.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        remittance: e.remittance.clone(),
        outcome: outcome_text(&ctx.chrome, &e.outcome),
        invoice: String::new(),
        assign: None,
        by_hand: e.assigned_at.is_some(),
    }
}

async fn assign_form(
    ctx: &Console,
    line: &Line,
    chosen: Option<&str>,
    reason: String,
    error: Option<String>,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let open = bank_transfer::open_invoices(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let lang = ctx.lang();
    let currency = line.entry.amount.currency();
    // The import's candidates first, then every open invoice in the statement's currency.
    let mut invoices: Vec<_> = open.into_iter().filter(|o| o.amount_due.currency() == currency).collect();
    invoices.sort_by_key(|o| !line.entry.candidates.contains(&o.id));
    let options = invoices
        .iter()
        .map(|o| InvoiceOption {
            id: o.id.to_string(),
            label: I18n::global().text(
                lang,
                "console-bank-invoice-option",
                &[("number", o.number.clone()), ("amount", format::money(o.amount_due, lang))],
            ),
            selected: chosen == Some(o.id.to_string().as_str()),
        })
        .collect();
    let c = ctx.chrome("console-bank-assign-title", "bank");
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(ctx.page_with(
        status,
        &AssignPage {
            back: c.href(&format!("/bank/{}", line.import)),
            entry: entry_view(ctx, &line.entry),
            options,
            reason,
            error,
            c: &c,
        },
    ))
}

/// `GET /bank/{id}/lines/{line}/assign`: choose the invoice and give a reason.
pub async fn assign_page(ctx: Console, Path(super::Ids { id, action, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        let line = load_line(&ctx, &id, &action, "bank.assign").await?;
        if !matches!(line.entry.outcome.as_str(), "unmatched" | "ambiguous") {
            return Ok(redirect(&ctx.chrome.href(&format!("/bank/{}", line.import))));
        }
        assign_form(&ctx, &line, None, String::new(), None).await
    })
    .await;
    ctx.finish(result)
}

/// `POST /bank/{id}/lines/{line}/assign` (`invoice`, `reason`): review, then the assignment once.
pub async fn assign(
    ctx: Console,
    Path(super::Ids { id, action, .. }): Path<super::Ids>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        let line = load_line(&ctx, &id, &action, "bank.assign").await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        let reason = field(&pairs, "reason").unwrap_or_default().trim().to_string();
        let chosen = field(&pairs, "invoice").unwrap_or_default().to_string();
        let invoice: Option<InvoiceId> = chosen.parse().ok();
        let problem = if reason.is_empty() {
            Some("console-reason-required")
        } else if reason.chars().count() > 500 {
            Some("console-reason-too-long")
        } else if invoice.is_none() {
            Some("console-bank-invoice-required")
        } else {
            None
        };
        let confirm_step = field(&pairs, "step") == Some("confirm");
        if let Some(p) = problem {
            return assign_form(&ctx, &line, Some(&chosen), reason, Some(ctx.t(p))).await;
        }
        let invoice = invoice.ok_or_else(PageError::not_found)?;
        let mut conn = ctx.state.pool.acquire().await?;
        let inv = billing_core::service::invoices::get(&mut conn, ctx.tenant.id, invoice).await?;
        drop(conn);
        let back = (ctx.chrome.href(&format!("/bank/{}", line.import)), ctx.t("console-bank-back-to-import"));
        if !confirm_step {
            let lang = ctx.lang();
            let facts = vec![
                (ctx.t("console-bank-col-line"), line.entry.line_no.to_string()),
                (ctx.t("console-field-amount"), format::money(line.entry.amount, lang)),
                (ctx.t("console-bank-col-remittance"), line.entry.remittance.clone()),
                (ctx.t("console-bank-col-invoice"), inv.number.clone().unwrap_or_default()),
                (ctx.t("console-field-due"), format::money(inv.amount_due(), lang)),
                (ctx.t("console-field-reason"), reason.clone()),
            ];
            let action_url = ctx.chrome.href(&format!("/bank/{}/lines/{}/assign", line.import, line.entry.line_no));
            let fields = vec![("invoice".to_string(), chosen), ("reason".to_string(), reason)];
            return Ok(confirm::page(&ctx, "console-bank-assign-title", "bank", back, action_url, facts, fields, true));
        }
        let outcome = ctx.chrome.href(&format!("/bank/{}?done=assign", line.import));
        let auditor = confirm::Auditor::of(&ctx);
        let (import, line_no, customer) = (line.import, line.entry.line_no, inv.customer_id);
        let before = serde_json::json!({
            "line": line_no, "outcome": line.entry.outcome, "amount": line.entry.amount.minor(),
            "currency": line.entry.amount.currency().code(), "invoice_amount_paid": inv.amount_paid.minor(),
        });
        let number = inv.number.clone();
        super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let done =
                    bank_transfer::assign_entry(tx, auditor.tenant, import, line_no, invoice, auditor.now).await?;
                let entry = done.entries.iter().find(|e| e.line_no == line_no);
                let after = serde_json::json!({
                    "line": line_no, "outcome": entry.map(|e| e.outcome.clone()), "invoice": number,
                });
                auditor
                    .done(
                        tx,
                        "customer.bank_assign",
                        Some(format!("bank_statement:{import}/{line_no}")),
                        Some(customer),
                        Some(&reason),
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
