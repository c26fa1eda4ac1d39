//! /api/v1/invoices

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use billing_core::ids::{CustomerId, InvoiceId, SubscriptionId};
use billing_core::invoice::InvoiceStatus;
use billing_core::money::MinorAmount;
use billing_core::service::invoices::{self, CreditNoteInput, DraftInput, DraftLineInput, SupplyInput};
use billing_core::store::invoices::{Invoice, InvoiceFilter, InvoiceLine};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::{create_once, run_once};
use super::pagination::{ListQuery, ListResponse};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineBody {
    /// `subscription`, `proration_credit`, `proration_charge`.
    pub kind: String,
    pub description: String,
    /// Whole units (null when the quantity has a fraction, see `quantity_decimal`).
    pub quantity: Option<i64>,
    /// The exact quantity as a decimal string (metered usage need not be whole).
    pub quantity_decimal: String,
    pub unit_amount: i64,
    pub amount: i64,
    /// This line's share of the invoice discount.
    pub discount: i64,
    /// EN 16931 VAT category (S, Z, E, AE, K, G, O) and rate in percent.
    pub vat_category: Option<String>,
    #[schema(value_type = Option<String>)]
    pub vat_rate: Option<rust_decimal::Decimal>,
    /// Service period, first and last day (inclusive); equal for a single supply date.
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NationalVat {
    pub amount: i64,
    pub currency: &'static str,
    /// Units of the national currency per one unit of the invoice currency.
    #[schema(value_type = String)]
    pub rate: rust_decimal::Decimal,
    pub rate_date: NaiveDate,
    pub source: &'static str,
    /// The ECB's own quotes on `rate_date` that `rate` comes from, as published: units of the
    /// invoice currency and of the national currency per 1 EUR (1 for EUR itself).
    #[schema(value_type = Option<String>)]
    pub invoice_currency_per_eur: Option<rust_decimal::Decimal>,
    #[schema(value_type = Option<String>)]
    pub national_currency_per_eur: Option<rust_decimal::Decimal>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerSnapshot {
    pub name: String,
    pub email: String,
    pub country: String,
    pub vat_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceBody {
    #[schema(value_type = String)]
    pub id: InvoiceId,
    pub object: &'static str,
    /// The legal invoice number, assigned at finalization (gapless per series).
    pub number: Option<String>,
    pub status: &'static str,
    /// `subscription` (a billing period), `proration` (a mid-period change) or `credit_note`.
    pub kind: String,
    #[schema(value_type = String)]
    pub customer: CustomerId,
    #[schema(value_type = Option<String>)]
    pub subscription: Option<SubscriptionId>,
    pub currency: &'static str,
    /// `exclusive`: line amounts, `subtotal` and `discount` are net and `total = subtotal -
    /// discount + tax`. `inclusive`: they include VAT, `tax` is the VAT they contain and
    /// `total = subtotal - discount`.
    pub tax_behavior: &'static str,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    /// `total - tax`: the sum of the VAT groups' net amounts, whatever the behaviour.
    pub total_excluding_tax: i64,
    pub total: i64,
    /// When the invoice's charges were supplied: the service period's first and last day, both
    /// the same day for a single supply date (set to the issue date at finalization when a
    /// staff invoice names none).
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub customer_details: CustomerSnapshot,
    /// VAT per rate group: category, rate, country, taxable amount and VAT (minor units), as
    /// stored when the invoice was finalized.
    #[schema(value_type = Vec<TaxGroupView>)]
    pub tax_groups: serde_json::Value,
    /// Notices the invoice carries, e.g. `reverse_charge` (with their legal text on documents).
    pub tax_notices: Vec<String>,
    pub seller_vat_id: Option<String>,
    /// Art. 230 VAT Directive: for an invoice in another currency than the seller's national
    /// one, the VAT in that currency at the frozen ECB rate.
    pub vat_national: Option<NationalVat>,
    pub lines: Vec<LineBody>,
    /// Received for it (net of refunds), taken off by credit notes, paid back, still due.
    pub amount_paid: i64,
    pub amount_credited: i64,
    pub amount_refunded: i64,
    pub amount_due: i64,
    /// Payment terms it was issued with (days from the issue date to the due date).
    pub payment_terms_days: Option<i32>,
    pub memo: String,
    /// For a credit note: the invoice it corrects.
    #[schema(value_type = Option<String>)]
    pub credit_note_for: Option<InvoiceId>,
    /// For a draft: when it finalizes itself (null: only by hand).
    pub auto_finalize_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finalized_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Only on `GET /invoices/{id}`: revenue recovered after a failed payment (`amount` at risk
    /// when the first attempt failed, `currency`, `how`: retry, new_method, transfer, manual or
    /// credit_balance, `recovered_at`); absent when the invoice was not recovered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryBody>,
}

/// One VAT breakdown row of an invoice (EN 16931 BG-23). Documentation of the stored JSON the
/// invoice carries as it was finalized; nothing constructs it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TaxGroupView {
    /// The VAT category code (BT-118): `S`, `Z`, `E`, `AE`, `K`, `G`, `O`.
    #[schema(example = "S")]
    pub category_code: String,
    /// The rate in percent (BT-119), a decimal number as a string.
    #[schema(example = "19")]
    pub rate: String,
    /// Whose VAT it is (ISO 3166-1 alpha-2), when a country's.
    pub country: Option<String>,
    /// The sum of the group's net line amounts (BT-116).
    pub taxable: super::AmountBody,
    /// The group's VAT, rounded once (BT-117).
    pub tax: super::AmountBody,
}

/// Revenue recovered after a failed payment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryBody {
    /// What was at risk when the first attempt failed, in minor units of `currency`.
    pub amount: i64,
    pub currency: String,
    /// `retry`, `new_method`, `transfer`, `manual` or `credit_balance`.
    #[schema(example = "retry")]
    pub how: String,
    pub recovered_at: chrono::DateTime<chrono::Utc>,
}

/// Stored periods are half-open [start, end); documents and the API show the last day served.
fn last_day(end: Option<NaiveDate>) -> Option<NaiveDate> {
    end.map(|e| e - Duration::days(1))
}

impl From<InvoiceLine> for LineBody {
    fn from(l: InvoiceLine) -> Self {
        Self {
            kind: l.kind,
            description: l.description,
            quantity: if l.quantity.fract().is_zero() { i64::try_from(l.quantity.trunc()).ok() } else { None },
            quantity_decimal: l.quantity.normalize().to_string(),
            unit_amount: l.unit_price.minor(),
            amount: l.amount.minor(),
            discount: l.discount.minor(),
            vat_category: l.vat_category,
            vat_rate: l.vat_rate.map(|r| r.normalize()),
            period_start: l.period_start,
            period_end: last_day(l.period_end),
        }
    }
}

impl From<Invoice> for InvoiceBody {
    fn from(i: Invoice) -> Self {
        let amount_due = i.amount_due().minor();
        let total_excluding_tax = i.total_excluding_tax().minor();
        Self {
            amount_paid: i.amount_paid.minor(),
            amount_credited: i.amount_credited.minor(),
            amount_refunded: i.amount_refunded.minor(),
            amount_due,
            payment_terms_days: i.payment_terms_days,
            memo: i.memo.clone(),
            credit_note_for: i.credit_note_for,
            auto_finalize_at: i.auto_finalize_at,
            id: i.id,
            object: "invoice",
            number: i.number,
            status: i.status.as_str(),
            kind: i.kind,
            customer: i.customer_id,
            subscription: i.subscription_id,
            currency: i.currency.code(),
            tax_behavior: i.tax_behavior.as_str(),
            total_excluding_tax,
            subtotal: i.subtotal.minor(),
            discount: i.discount.minor(),
            tax: i.tax.minor(),
            total: i.total.minor(),
            period_start: i.period_start,
            period_end: last_day(i.period_end),
            issue_date: i.issue_date,
            due_date: i.due_date,
            customer_details: CustomerSnapshot {
                name: i.customer_name,
                email: i.customer_email,
                country: i.customer_country,
                vat_id: i.customer_vat_id,
            },
            tax_groups: i.tax_groups,
            tax_notices: i.tax_notices,
            seller_vat_id: i.seller_vat_id,
            vat_national: i.vat_national.map(|(m, rate, date)| NationalVat {
                amount: m.minor(),
                currency: m.currency().code(),
                rate,
                rate_date: date,
                source: "ECB",
                invoice_currency_per_eur: i.fx_per_eur.map(|r| r.0),
                national_currency_per_eur: i.fx_per_eur.map(|r| r.1),
            }),
            lines: i.lines.into_iter().map(LineBody::from).collect(),
            created_at: i.created_at,
            finalized_at: i.finalized_at,
            recovery: None,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "The invoice.", body = InvoiceBody))
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<InvoiceBody>> {
    let id: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let mut body: InvoiceBody = invoices::get(&mut conn, tenant, id).await?.into();
    body.recovery = billing_core::service::recovery::get(&mut conn, tenant, id).await?.map(|r| RecoveryBody {
        amount: r.amount,
        currency: r.currency,
        how: r.how,
        recovered_at: r.recovered_at,
    });
    Ok(axum::Json(body))
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices",
    tag = "invoices",
    params(ListQuery),
    responses((status = 200, description = "A page of invoices.", body = ListResponse<InvoiceBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<InvoiceBody>>> {
    let page = q.page::<InvoiceId>(|id| id.as_uuid())?;
    let filter = InvoiceFilter {
        customer: q.customer.as_deref().map(str::parse::<CustomerId>).transpose().map_err(billing_core::Error::from)?,
        subscription: q
            .subscription
            .as_deref()
            .map(str::parse::<SubscriptionId>)
            .transpose()
            .map_err(billing_core::Error::from)?,
        status: match q.status.as_deref() {
            None => None,
            Some(text) => Some(InvoiceStatus::parse(text).ok_or_else(|| {
                billing_core::Error::invalid("status", "must be draft, open, paid, void or uncollectible")
            })?),
        },
        credit_note_for: q
            .credit_note_for
            .as_deref()
            .map(str::parse::<InvoiceId>)
            .transpose()
            .map_err(billing_core::Error::from)?,
    };
    let mut conn = state.pool.acquire().await?;
    let found = invoices::list(&mut conn, tenant, filter, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |i| i.id.to_string(), InvoiceBody::from)))
}

fn parse_id(id: &str) -> ApiResult<InvoiceId> {
    super::extract::path_id(id)
}

fn body(invoice: Invoice) -> serde_json::Value {
    serde_json::to_value(InvoiceBody::from(invoice)).unwrap_or_default()
}

/// `POST /invoices`: a draft with one-off lines.
#[utoipa::path(
    post,
    path = "/api/v1/invoices",
    tag = "invoices",
    request_body = CreateInvoice,
    responses((status = 201, description = "The draft.", body = InvoiceBody), (status = 409, description = "The invoice's state does not allow it (`invoice_state_conflict`, `invoice_has_payments`, `tax_behavior_mixed`).", body = super::openapi::ErrorBody), (status = 422, description = "It cannot be done (`invoice_empty`, `tax_not_determinable`, `fx_rate_missing`, `credit_exceeds_invoice`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateInvoice>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let input = DraftInput {
        customer: req.customer.parse().map_err(billing_core::Error::from)?,
        currency: req.currency.clone(),
        lines: req.lines.iter().map(LineRequest::input).collect(),
        memo: req.memo.clone(),
        auto_finalize: req.auto_finalize,
        auto_finalize_at: req.auto_finalize_at,
        tax_behavior: req.tax_behavior.clone(),
        supply: SupplyInput {
            supply_date: req.supply_date,
            period_start: req.period_start,
            period_end: req.period_end,
        },
    };
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move { Ok(body(invoices::create_draft(conn, tenant, &input, now).await?)) })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    pub customer: String,
    pub currency: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineRequest>,
    pub memo: Option<String>,
    pub auto_finalize: Option<bool>,
    pub auto_finalize_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `exclusive` (default: `unit_amount`s are net) or `inclusive` (they include VAT).
    pub tax_behavior: Option<String>,
    /// When the charges were supplied: one day (the Leistungsdatum) ...
    pub supply_date: Option<NaiveDate>,
    /// ... or a service period, first and last day included. VAT is decided for the supply date
    /// or the period's last day; without either, for the issue date.
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub description: String,
    pub quantity: Option<i64>,
    #[schema(value_type = i64)]
    pub unit_amount: MinorAmount,
    pub tax_category: Option<String>,
    /// When this line was supplied, if not when the invoice says: one day, or a period.
    pub supply_date: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

impl LineRequest {
    fn input(&self) -> DraftLineInput {
        DraftLineInput {
            description: self.description.clone(),
            quantity: self.quantity.unwrap_or(1),
            unit_amount: self.unit_amount.get(),
            tax_category: self.tax_category.clone(),
            supply: SupplyInput {
                supply_date: self.supply_date,
                period_start: self.period_start,
                period_end: self.period_end,
            },
        }
    }
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLines {
    pub lines: Vec<LineRequest>,
    /// What the lines' amounts are; when given it must be the draft's own behaviour.
    pub tax_behavior: Option<String>,
}

/// `POST /invoices/{id}/lines`: more one-off lines on a draft.
#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/lines",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    request_body = AddLines,
    responses((status = 200, description = "The draft with its new lines.", body = InvoiceBody), (status = 409, description = "The invoice's state does not allow it (`invoice_state_conflict`, `invoice_has_payments`, `tax_behavior_mixed`).", body = super::openapi::ErrorBody), (status = 422, description = "It cannot be done (`invoice_empty`, `tax_not_determinable`, `fx_rate_missing`, `credit_exceeds_invoice`).", body = super::openapi::ErrorBody))
)]
pub async fn add_lines(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddLines>,
) -> ApiResult<Response> {
    let iid = parse_id(&id)?;
    let now = state.clock.now();
    let lines: Vec<DraftLineInput> = req.lines.iter().map(LineRequest::input).collect();
    let behavior = req.tax_behavior.clone();
    run_once(&state, tenant, &headers, StatusCode::OK, move |conn| {
        Box::pin(
            async move { Ok(body(invoices::add_line(conn, tenant, iid, &lines, behavior.as_deref(), now).await?)) },
        )
    })
    .await
}

/// `DELETE /invoices/{id}/lines/{line_no}`.
#[utoipa::path(
    delete,
    path = "/api/v1/invoices/{id}/lines/{line_no}",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`)."), ("line_no" = i32, Path, description = "The line's number, from 1.")),
    responses((status = 200, description = "The draft without the line.", body = InvoiceBody), (status = 409, description = "The invoice's state does not allow it (`invoice_state_conflict`, `invoice_has_payments`, `tax_behavior_mixed`).", body = super::openapi::ErrorBody), (status = 422, description = "It cannot be done (`invoice_empty`, `tax_not_determinable`, `fx_rate_missing`, `credit_exceeds_invoice`).", body = super::openapi::ErrorBody))
)]
pub async fn remove_line(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((id, line_no)): Path<(String, i32)>,
) -> ApiResult<axum::Json<InvoiceBody>> {
    let iid = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(invoices::remove_line(&mut conn, tenant, iid, line_no, state.clock.now()).await?.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedBody {
    #[schema(value_type = String)]
    pub id: InvoiceId,
    pub object: &'static str,
    pub deleted: bool,
}

/// `DELETE /invoices/{id}`: drafts only.
#[utoipa::path(
    delete,
    path = "/api/v1/invoices/{id}",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "The draft is deleted.", body = DeletedBody), (status = 409, description = "The invoice's state does not allow it (`invoice_state_conflict`, `invoice_has_payments`, `tax_behavior_mixed`).", body = super::openapi::ErrorBody), (status = 422, description = "It cannot be done (`invoice_empty`, `tax_not_determinable`, `fx_rate_missing`, `credit_exceeds_invoice`).", body = super::openapi::ErrorBody))
)]
pub async fn delete(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<DeletedBody>> {
    let iid = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    invoices::delete_draft(&mut conn, tenant, iid).await?;
    Ok(axum::Json(DeletedBody { id: iid, object: "invoice", deleted: true }))
}

macro_rules! transition {
    ($(#[$doc:meta])* $name:ident, $service:path) => {
        $(#[$doc])*
        pub async fn $name(
            State(state): State<AppState>,
            AuthTenant(tenant): AuthTenant,
            headers: HeaderMap,
            Path(id): Path<String>,
        ) -> ApiResult<Response> {
            let iid = parse_id(&id)?;
            let now = state.clock.now();
            run_once(&state, tenant, &headers, StatusCode::OK, move |conn| {
                Box::pin(async move { Ok(body($service(conn, tenant, iid, now).await?)) })
            })
            .await
        }
    };
}

transition!(
    /// `POST /invoices/{id}/finalize`: number, frozen details, VAT; credit balance applied.
    #[utoipa::path(post, path = "/api/v1/invoices/{id}/finalize", tag = "invoices",
        params(("id" = String, Path, description = "The draft (`in_…`).")),
        responses((status = 200, description = "The finalized invoice: numbered, its details and VAT frozen.", body = InvoiceBody),
            (status = 409, description = "Not a draft (`invoice_state_conflict`).", body = super::openapi::ErrorBody),
            (status = 422, description = "No lines (`invoice_empty`), VAT not decidable, no ECB rate (`fx_rate_missing`).", body = super::openapi::ErrorBody)))]
    finalize, invoices::finalize);
transition!(
    /// `POST /invoices/{id}/void`.
    #[utoipa::path(post, path = "/api/v1/invoices/{id}/void", tag = "invoices",
        params(("id" = String, Path, description = "The open invoice (`in_…`).")),
        responses((status = 200, description = "The voided invoice.", body = InvoiceBody),
            (status = 409, description = "Not open, or it has payments (`invoice_has_payments`).", body = super::openapi::ErrorBody)))]
    void, invoices::void);
transition!(
    /// `POST /invoices/{id}/mark_uncollectible`.
    #[utoipa::path(post, path = "/api/v1/invoices/{id}/mark_uncollectible", tag = "invoices",
        params(("id" = String, Path, description = "The open invoice (`in_…`).")),
        responses((status = 200, description = "The invoice, written off.", body = InvoiceBody),
            (status = 409, description = "Not open (`invoice_state_conflict`).", body = super::openapi::ErrorBody)))]
    mark_uncollectible, invoices::mark_uncollectible);

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteRequest {
    /// Gross amount in minor units; all that is still creditable when absent.
    #[schema(value_type = Option<i64>)]
    pub amount: Option<MinorAmount>,
    pub reason: Option<String>,
}

/// `POST /invoices/{id}/credit_notes`: a full or partial credit note.
#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/credit_notes",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    request_body = CreditNoteRequest,
    responses((status = 201, description = "The credit note.", body = InvoiceBody), (status = 409, description = "The invoice's state does not allow it (`invoice_state_conflict`, `invoice_has_payments`, `tax_behavior_mixed`).", body = super::openapi::ErrorBody), (status = 422, description = "It cannot be done (`invoice_empty`, `tax_not_determinable`, `fx_rate_missing`, `credit_exceeds_invoice`).", body = super::openapi::ErrorBody))
)]
pub async fn credit_note(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CreditNoteRequest>,
) -> ApiResult<Response> {
    let iid = parse_id(&id)?;
    let now = state.clock.now();
    let input = CreditNoteInput { amount: req.amount.map(MinorAmount::get), reason: req.reason.clone() };
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move { Ok(body(invoices::credit_note(conn, tenant, iid, &input, now).await?)) })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_one,
    list,
    create,
    finalize,
    void,
    mark_uncollectible,
    add_lines,
    remove_line,
    delete,
    credit_note
))]
pub struct Doc;
