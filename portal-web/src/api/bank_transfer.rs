//! Bank transfer through the API: the tenant's receiving account (/bank_account), payment details
//! with an EPC QR code per invoice (/invoices/{id}/bank_transfer), staff marking an invoice paid
//! (/invoices/{id}/mark_paid) and bank statement import and review (/bank_statements).
//!
//! Parsing statements, checking IBANs and matching references is gateway-adapters' bank module;
//! settling is billing-core's. This module converts between the two.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::currency::Currency;
use billing_core::ids::{BankStatementId, InvoiceId, TenantId};
use billing_core::invoice::InvoiceStatus;
use billing_core::money::Money;
use billing_core::service::bank_transfer::{self, BankAccount, EntryRow, StatementImport};
use billing_core::service::settlement;
use chrono::{DateTime, NaiveDate, Utc};
use gateway_adapters::bank::epc_qr::{epc_qr_payload, rf_creditor_reference, validate_bic, validate_iban};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::AmountBody;
use super::error::{ApiError, ApiResult, bank_error};
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use crate::ops::bank_import::{self, ImportError, StatementFormat};
use crate::state::AppState;

/// The account customers pay into by bank transfer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankAccountBody {
    #[schema(example = "DE89370400440532013000")]
    pub iban: String,
    pub bic: Option<String>,
    /// The account holder as the transfer names it.
    pub holder: String,
}

impl From<BankAccount> for BankAccountBody {
    fn from(a: BankAccount) -> Self {
        Self { iban: a.iban, bic: a.bic, holder: a.holder }
    }
}

/// One statement entry and what the import (or a person) did with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementEntryBody {
    /// The entry's line number in the statement (the `{line}` of `.../entries/{line}/assign`).
    pub line_no: i32,
    pub booking_date: NaiveDate,
    pub amount: AmountBody,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    /// The remittance information as the bank gave it.
    pub remittance: String,
    /// The reference the import recognized in it (empty: none).
    pub reference: String,
    /// `paid`, `partially_paid`, `overpaid`, `already_recorded`, `unmatched`, `ambiguous`, ...
    #[schema(example = "paid")]
    pub outcome: String,
    /// The invoice it settled (`in_…`).
    pub invoice_id: Option<String>,
    /// The invoices it could belong to, when the import could not choose (`ambiguous`).
    pub candidates: Vec<String>,
    /// What it added to the customer's credit balance.
    pub to_balance: AmountBody,
    /// When a person assigned it to its invoice (null: matched by the import).
    pub assigned_at: Option<DateTime<Utc>>,
}

impl From<EntryRow> for StatementEntryBody {
    fn from(e: EntryRow) -> Self {
        Self {
            line_no: e.line_no,
            booking_date: e.booking_date,
            amount: e.amount.into(),
            counterparty_name: e.counterparty_name,
            counterparty_iban: e.counterparty_iban,
            remittance: e.remittance,
            reference: e.reference,
            outcome: e.outcome,
            invoice_id: e.invoice_id.map(|id| id.to_string()),
            candidates: e.candidates.iter().map(ToString::to_string).collect(),
            to_balance: e.to_balance.into(),
            assigned_at: e.assigned_at,
        }
    }
}

/// A bank statement import and what happened to each of its entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatementImportBody {
    /// The import (`bst_…`).
    pub id: String,
    /// `camt053` or `csv`.
    #[schema(example = "camt053")]
    pub format: String,
    /// SHA-256 of the file: the same file is imported once.
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
    /// Entries that settled an invoice (or had been recorded before).
    pub matched: usize,
    /// Entries no invoice was found for.
    pub unmatched: usize,
    /// Entries that could belong to more than one invoice.
    pub ambiguous: usize,
    pub entries: Vec<StatementEntryBody>,
}

impl From<StatementImport> for StatementImportBody {
    fn from(i: StatementImport) -> Self {
        Self {
            id: i.id.to_string(),
            format: i.format,
            sha256: i.sha256,
            imported_at: i.imported_at,
            matched: i.matched,
            unmatched: i.unmatched,
            ambiguous: i.ambiguous,
            entries: i.entries.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountRequest {
    pub iban: String,
    pub bic: Option<String>,
    pub holder: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/bank_account",
    tag = "bank transfers",
    request_body = AccountRequest,
    responses((status = 200, description = "The account customers pay into.", body = BankAccountBody))
)]
pub async fn put_account(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<AccountRequest>,
) -> ApiResult<axum::Json<BankAccountBody>> {
    let iban = validate_iban(&req.iban).map_err(bank_error)?;
    let bic = match req.bic.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(bic) => Some(validate_bic(bic).map_err(bank_error)?),
        None => None,
    };
    let mut conn = state.pool.acquire().await?;
    let account = BankAccount { iban, bic, holder: req.holder };
    Ok(axum::Json(bank_transfer::set_account(&mut conn, tenant, account, state.clock.now()).await?.into()))
}

fn account_missing() -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bank_account_missing", "error-bank-account-missing")
}

#[utoipa::path(
    get,
    path = "/api/v1/bank_account",
    tag = "bank transfers",
    responses((status = 200, description = "The account customers pay into.", body = BankAccountBody), (status = 422, description = "The merchant has no bank account (`bank_account_missing`), or no QR code for this invoice (`epc_qr_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn get_account(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<BankAccountBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(bank_transfer::account(&mut conn, tenant).await?.ok_or_else(account_missing)?.into()))
}

/// What a customer needs to pay an invoice by transfer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferDetails {
    #[schema(value_type = String)]
    pub invoice: InvoiceId,
    pub number: Option<String>,
    pub iban: String,
    pub bic: Option<String>,
    pub holder: String,
    pub amount_due: AmountBody,
    /// An ISO 11649 creditor reference built from the invoice number, or the number itself when
    /// the number cannot carry one; statement import matches either.
    pub reference: String,
    /// The EPC QR ("GiroCode") payload; absent when the invoice is not in EUR or nothing is due.
    pub epc_qr: Option<String>,
    pub qr_svg_url: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailsQuery {
    /// `svg`: answer with the QR code image instead of JSON.
    pub format: Option<String>,
}

async fn details(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> ApiResult<TransferDetails> {
    let inv = billing_core::service::invoices::get(conn, tenant, invoice).await?;
    let account = bank_transfer::account(conn, tenant).await?.ok_or_else(account_missing)?;
    let figures = settlement::current(conn, tenant, invoice).await?;
    let reference = payment_reference(inv.number.as_deref().unwrap_or_default());
    let payable = matches!(inv.status, InvoiceStatus::Open | InvoiceStatus::Uncollectible);
    let epc_qr = if payable && figures.amount_due.is_positive() && figures.amount_due.currency() == Currency::EUR {
        Some(
            epc_qr_payload(&account.holder, &account.iban, account.bic.as_deref(), figures.amount_due, &reference)
                .map_err(bank_error)?,
        )
    } else {
        None
    };
    Ok(TransferDetails {
        qr_svg_url: epc_qr.as_ref().map(|_| format!("/api/v1/invoices/{invoice}/bank_transfer/qr.svg")),
        invoice,
        number: inv.number,
        iban: account.iban,
        bic: account.bic,
        holder: account.holder,
        amount_due: figures.amount_due.into(),
        reference,
        epc_qr,
    })
}

/// The RF reference printed on invoices, or the plain number when it is too long for one.
fn payment_reference(number: &str) -> String {
    rf_creditor_reference(number).unwrap_or_else(|_| number.to_owned())
}

fn qr_svg(details: &TransferDetails) -> ApiResult<Response> {
    let payload = details.epc_qr.as_deref().ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "epc_qr_unavailable", "error-epc-qr-unavailable")
    })?;
    // The EPC guideline (EPC069-12) asks for error correction level M.
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| ApiError::internal())?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).build();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/bank_transfer",
    tag = "bank transfers",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`)."), DetailsQuery),
    responses((status = 200, description = "What the customer needs to pay by transfer, or the EPC QR code with `format=svg`.", content((TransferDetails = "application/json"), (String = "image/svg+xml"))), (status = 422, description = "The merchant has no bank account (`bank_account_missing`), or no QR code for this invoice (`epc_qr_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn get_details(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DetailsQuery>,
) -> ApiResult<Response> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let details = details(&mut conn, tenant, invoice).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(axum::Json(details).into_response()),
        Some("svg") => qr_svg(&details),
        Some(other) => Err(ApiError::invalid_query(format!("unknown format `{other}`"))),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/bank_transfer/qr.svg",
    tag = "bank transfers",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "The EPC QR code.", body = String, content_type = "image/svg+xml"), (status = 422, description = "The merchant has no bank account (`bank_account_missing`), or no QR code for this invoice (`epc_qr_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn get_qr_svg(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    qr_svg(&details(&mut conn, tenant, invoice).await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkPaid {
    /// Minor units, in the invoice's currency.
    #[schema(value_type = i64)]
    pub amount: billing_core::money::MinorAmount,
    pub currency: Option<String>,
    pub reference: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// Records money a staff member received outside the system. Under an Idempotency-Key a repeat
/// replays the first answer (the payment is recorded once, whatever its reference).
#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/mark_paid",
    tag = "bank transfers",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    request_body = MarkPaid,
    responses((status = 200, description = "The payment as recorded on the invoice.", body = super::payments::SettlementBody), (status = 409, description = "The invoice cannot be paid in its state (`invoice_not_payable`).", body = super::openapi::ErrorBody))
)]
pub async fn mark_paid(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MarkPaid>,
) -> ApiResult<Response> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let now = state.clock.now();
    super::idempotency::run_once(&state, tenant, &headers, StatusCode::OK, move |tx| {
        Box::pin(async move {
            let current = settlement::current(tx, tenant, invoice).await?;
            let currency = match req.currency.as_deref() {
                Some(code) => Currency::from_code(code).map_err(billing_core::Error::from)?,
                None => current.amount_due.currency(),
            };
            let amount = Money::from_minor(req.amount.get(), currency);
            let paid_at = req.paid_at.unwrap_or(now);
            let settled =
                bank_transfer::mark_paid(tx, tenant, invoice, amount, req.reference.as_deref(), paid_at).await?;
            serde_json::to_value(super::payments::SettlementBody::from(settled)).map_err(|_| ApiError::internal())
        })
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `camt053` or `csv`; otherwise taken from the Content-Type.
    pub format: Option<String>,
    /// The CSV layout (`german`, `english`); recognized by its header row when absent.
    pub layout: Option<String>,
}

fn unknown_format() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "statement_format_unknown", "error-statement-format-unknown").param("format")
}

/// An import's refusal as the API answers it.
fn import_error(e: ImportError) -> ApiError {
    if let Some(p) = e.problem() {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, p.code, p.message_id);
        error.args = p.args;
        error.param = p.param.map(Into::into);
        return error;
    }
    match e {
        ImportError::Core { error, param } => {
            let api = ApiError::from(error);
            match param {
                Some(p) => api.param(p),
                None => api,
            }
        }
        _ => ApiError::internal(),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/bank_statements",
    tag = "bank transfers",
    params(ImportQuery),
    request_body(content = String, content_type = "application/xml", description = "A camt.053 statement (XML) or a CSV export (`text/csv`)."),
    responses((status = 201, description = "The import and what it settled.", body = StatementImportBody))
)]
pub async fn create_import(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    super::input::RawBody(body): super::input::RawBody,
) -> ApiResult<(StatusCode, axum::Json<StatementImportBody>)> {
    let format = match q.format.as_deref() {
        Some(f) => StatementFormat::parse(f).ok_or_else(unknown_format)?,
        None => headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(StatementFormat::from_content_type)
            .ok_or_else(unknown_format)?,
    };
    let layout = bank_import::csv_layout(q.layout.as_deref()).map_err(import_error)?;
    let result = bank_import::import(&state.pool, tenant, &body, format, layout.as_ref(), state.clock.now())
        .await
        .map_err(import_error)?;
    Ok((StatusCode::CREATED, axum::Json(result.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/bank_statements/{id}",
    tag = "bank transfers",
    params(("id" = String, Path, description = "The statement import.")),
    responses((status = 200, description = "The import and its entries.", body = StatementImportBody))
)]
pub async fn get_import(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<StatementImportBody>> {
    let id: BankStatementId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(bank_transfer::get_import(&mut conn, tenant, id).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignEntry {
    #[schema(value_type = String)]
    pub invoice: InvoiceId,
}

/// `POST /bank_statements/{id}/entries/{line}/assign {invoice}`: a person settles a credit the
/// import could not place.
#[utoipa::path(
    post,
    path = "/api/v1/bank_statements/{id}/entries/{line}/assign",
    tag = "bank transfers",
    params(("id" = String, Path, description = "The statement import."), ("line" = String, Path, description = "The entry's line number.")),
    request_body = AssignEntry,
    responses((status = 200, description = "The import with the entry settled.", body = StatementImportBody), (status = 409, description = "The entry was settled already (`statement_entry_settled`).", body = super::openapi::ErrorBody))
)]
pub async fn assign_entry(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((id, line)): Path<(String, String)>,
    ApiJson(req): ApiJson<AssignEntry>,
) -> ApiResult<axum::Json<StatementImportBody>> {
    let id: BankStatementId = id.parse().map_err(billing_core::Error::from)?;
    let line: i32 = line.parse().map_err(|_| {
        billing_core::Error::not_found("bank statement entry", line.chars().take(20).collect::<String>())
    })?;
    let mut conn = state.pool.acquire().await?;
    let result = bank_transfer::assign_entry(&mut conn, tenant, id, line, req.invoice, state.clock.now()).await?;
    Ok(axum::Json(result.into()))
}

/// The routes of this module, part of the API's route table.
pub fn routes() -> Vec<super::Route> {
    use super::{get, post, put};
    vec![
        get("/bank_account", get_account),
        put("/bank_account", put_account),
        get("/invoices/{id}/bank_transfer", get_details),
        get("/invoices/{id}/bank_transfer/qr.svg", get_qr_svg),
        post("/invoices/{id}/mark_paid", mark_paid),
        post("/bank_statements", create_import),
        get("/bank_statements/{id}", get_import),
        post("/bank_statements/{id}/entries/{line}/assign", assign_entry),
    ]
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    put_account,
    get_account,
    get_details,
    get_qr_svg,
    mark_paid,
    create_import,
    get_import,
    assign_entry
))]
pub struct Doc;
