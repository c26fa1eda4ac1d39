//! /api/v1/subscriptions and their lifecycle actions.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use billing_core::ids::{CustomerId, InvoiceId, PlanId, SubscriptionId, TenantId};
use billing_core::period::period_start;
use billing_core::service::subscriptions::{
    self, Action, CancelInput, ChangeInput, IssuedDocument, NewSubscriptionInput,
};
use billing_core::store::subscriptions::Subscription;
use billing_core::subscription::{ChangePlan, Timing};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::AmountBody;
use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::{create_once, run_once};
use super::pagination::{ListQuery, ListResponse};
use super::plans::{IntervalBody, PriceBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// The customer id (`cus_…`).
    pub customer: String,
    /// The plan id (`plan_…`) or its code.
    pub plan: String,
    pub quantity: Option<i64>,
    /// First day of service (YYYY-MM-DD, merchant's time zone); also the billing anchor. Today when absent.
    pub start_date: Option<NaiveDate>,
    /// A coupon (promotion) code to redeem.
    pub coupon: Option<String>,
    /// Days of free trial before the first paid period (the plan's default when absent).
    pub trial_days: Option<u32>,
    /// Anchor periods on this day instead of the start (e.g. the 1st); the stub before it is
    /// invoiced at once, prorated by day.
    pub billing_anchor: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingBody {
    pub effective_date: NaiveDate,
    #[schema(value_type = String)]
    pub plan: PlanId,
    pub plan_name: String,
    pub quantity: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionBody {
    #[schema(value_type = String)]
    pub id: SubscriptionId,
    pub object: &'static str,
    #[schema(value_type = String)]
    pub customer: CustomerId,
    #[schema(value_type = String)]
    pub plan: PlanId,
    pub plan_name: String,
    pub status: &'static str,
    /// The price snapshot the subscription is billed at (grandfathered).
    pub price: PriceBody,
    pub quantity: u32,
    /// What one full period costs at the current quantity.
    pub period_amount: Option<AmountBody>,
    pub interval: IntervalBody,
    pub start_date: NaiveDate,
    /// First day of the first paid period when the subscription started with a trial.
    pub trial_end: Option<NaiveDate>,
    pub billing_anchor: NaiveDate,
    /// The first period not yet invoiced: first and last day (inclusive).
    pub next_period_start: NaiveDate,
    pub next_period_end: Option<NaiveDate>,
    /// The day that period falls due for invoicing (its start, or its end for arrears plans).
    pub next_invoice_date: NaiveDate,
    /// `advance` or `arrears`.
    pub billing_timing: &'static str,
    pub cancel_at: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub paused_on: Option<NaiveDate>,
    pub resume_on: Option<NaiveDate>,
    pub pending_change: Option<PendingBody>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Subscription> for SubscriptionBody {
    fn from(s: Subscription) -> Self {
        let next_end =
            period_start(s.anchor_date, s.interval, s.next_period_index + 1).ok().map(|d| d - Duration::days(1));
        let period_amount = s
            .price
            .period_amount(s.quantity, billing_core::rounding::RoundingPolicy::default())
            .ok()
            .map(AmountBody::from);
        Self {
            id: s.id,
            object: "subscription",
            customer: s.customer_id,
            plan: s.plan_id,
            plan_name: s.plan_name,
            status: s.status.as_str(),
            price: s.price.into(),
            quantity: s.quantity,
            period_amount,
            interval: IntervalBody { unit: s.interval.unit.as_str().to_string(), count: s.interval.count },
            start_date: s.start_date,
            trial_end: s.trial_end,
            billing_anchor: s.anchor_date,
            next_period_start: s.next_period_start,
            next_period_end: next_end,
            next_invoice_date: s.next_billing_date,
            billing_timing: s.timing.as_str(),
            cancel_at: s.cancel_at,
            ended_on: s.ended_on,
            paused_on: s.paused_on,
            resume_on: s.resume_on,
            pending_change: s.pending_change.map(|p| PendingBody {
                effective_date: p.effective,
                plan: p.plan_id,
                plan_name: p.plan_name,
                quantity: p.quantity,
            }),
            created_at: s.created_at,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions",
    tag = "subscriptions",
    request_body = CreateSubscription,
    responses((status = 201, description = "The subscription.", body = SubscriptionBody), (status = 422, description = "The plan is not sold in the customer's currency, inactive, a coupon refused, no payment method for a trial that needs one.", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateSubscription>,
) -> ApiResult<Response> {
    let input = NewSubscriptionInput {
        customer: req.customer.clone(),
        plan: req.plan.clone(),
        quantity: req.quantity,
        start_date: req.start_date,
        coupon: req.coupon.clone(),
        trial_days: req.trial_days,
        billing_anchor: req.billing_anchor,
    };
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let s = subscriptions::create(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(SubscriptionBody::from(s)).unwrap_or_default())
        })
    })
    .await
}

fn parse_id(id: &str) -> ApiResult<SubscriptionId> {
    Ok(id.parse().map_err(billing_core::Error::from)?)
}

#[utoipa::path(
    get,
    path = "/api/v1/subscriptions/{id}",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    responses((status = 200, description = "The subscription.", body = SubscriptionBody))
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionBody>> {
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(subscriptions::get(&mut conn, tenant, id).await?.into()))
}

#[utoipa::path(
    get,
    path = "/api/v1/subscriptions",
    tag = "subscriptions",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "How many items (1-100, default 20)."), ("starting_after" = Option<String>, Query, description = "The `next_cursor` of the previous page."), ("customer" = Option<String>, Query, description = "Only this customer's subscriptions (`cus_…`).")),
    responses((status = 200, description = "A page of subscriptions.", body = ListResponse<SubscriptionBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<SubscriptionBody>>> {
    let page = q.page::<SubscriptionId>(|id| id.as_uuid())?;
    let customer =
        q.customer.as_deref().map(str::parse::<CustomerId>).transpose().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let found = subscriptions::list(&mut conn, tenant, customer, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |s| s.id.to_string(), SubscriptionBody::from)))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    pub plan: Option<String>,
    pub quantity: Option<i64>,
    /// `now` (default, prorated) or `period_end`.
    #[schema(value_type = Option<super::schemas::Timing>)]
    pub timing: Option<Timing>,
    /// The day a `now` change takes effect (default today, merchant's time zone).
    pub effective_date: Option<NaiveDate>,
}

impl ChangeRequest {
    fn input(&self) -> ChangeInput {
        ChangeInput { plan: self.plan.clone(), quantity: self.quantity, timing: self.timing, on: self.effective_date }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewLine {
    pub kind: &'static str,
    pub description: String,
    pub quantity: u32,
    pub amount: i64,
    pub period_start: NaiveDate,
    /// Last day (inclusive).
    pub period_end: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangePreview {
    pub object: &'static str,
    #[schema(value_type = super::schemas::Timing)]
    pub timing: Timing,
    pub effective_date: NaiveDate,
    pub currency: &'static str,
    /// `invoice` (net charge), `credit_note` (net credit) or null (nothing is issued now).
    pub document: Option<&'static str>,
    pub lines: Vec<PreviewLine>,
    pub total: i64,
    /// "20 of 30 days" remaining in the period.
    pub remaining_units: Option<i64>,
    pub period_units: Option<i64>,
}

fn preview_body(plan: &ChangePlan, currency: &'static str) -> ChangePreview {
    let doc = plan.document.as_ref();
    ChangePreview {
        object: "subscription_change_preview",
        timing: plan.timing,
        effective_date: plan.effective,
        currency,
        document: doc.map(|d| if d.is_credit() { "credit_note" } else { "invoice" }),
        lines: doc
            .map(|d| {
                d.lines
                    .iter()
                    .map(|l| PreviewLine {
                        kind: l.kind,
                        description: l.description.clone(),
                        quantity: l.quantity,
                        amount: l.amount.minor(),
                        period_start: l.period.start,
                        period_end: l.period.end - Duration::days(1),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        total: doc.map(|d| d.net.minor()).unwrap_or(0),
        remaining_units: doc.map(|d| d.remaining),
        period_units: doc.map(|d| d.of),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentBody {
    #[schema(value_type = String)]
    pub id: InvoiceId,
    pub number: String,
    pub kind: &'static str,
}

impl From<IssuedDocument> for DocumentBody {
    fn from(d: IssuedDocument) -> Self {
        Self { id: d.id, number: d.number, kind: d.kind }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/change/preview",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body = ChangeRequest,
    responses((status = 200, description = "What the change would invoice or credit; nothing is stored.", body = ChangePreview), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn preview_change(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> ApiResult<axum::Json<ChangePreview>> {
    let id = parse_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let outcome = subscriptions::change(&mut conn, tenant, id, &req.input(), false, state.clock.now()).await?;
    Ok(axum::Json(preview_body(&outcome.plan, outcome.subscription.currency().code())))
}

/// Runs a state change on one subscription under idempotency, answering 200 with the body.
async fn act_on<F>(state: &AppState, tenant: TenantId, headers: &HeaderMap, id: &str, f: F) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut sqlx::PgConnection, SubscriptionId) -> super::idempotency::Work<'c> + Send,
{
    let sid = parse_id(id)?;
    run_once(state, tenant, headers, StatusCode::OK, move |conn| f(conn, sid)).await
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/change",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body = ChangeRequest,
    responses((status = 200, description = "The subscription, the change and the document it issued.", body = ChangeResult), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn change(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> ApiResult<Response> {
    let input = req.input();
    let now = state.clock.now();
    act_on(&state, tenant, &headers, &id, move |conn, sid| {
        Box::pin(async move {
            let out = subscriptions::change(conn, tenant, sid, &input, true, now).await?;
            let currency = out.subscription.currency().code();
            Ok(serde_json::json!({
                "subscription": SubscriptionBody::from(out.subscription),
                "change": preview_body(&out.plan, currency),
                "document": out.issued.map(DocumentBody::from),
            }))
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// `period_end` (default) or `now`.
    #[schema(value_type = Option<super::schemas::Timing>)]
    pub timing: Option<Timing>,
    /// With `now`: credit the unused part of the current period.
    #[serde(default)]
    pub prorate: bool,
    pub effective_date: Option<NaiveDate>,
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/cancel",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body = CancelRequest,
    responses((status = 200, description = "The subscription and the credit note a prorated cancellation issued.", body = CancelResult), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn cancel(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CancelRequest>,
) -> ApiResult<Response> {
    let input = CancelInput { timing: req.timing, prorate: req.prorate, on: req.effective_date };
    let now = state.clock.now();
    act_on(&state, tenant, &headers, &id, move |conn, sid| {
        Box::pin(async move {
            let (sub, issued) = subscriptions::cancel(conn, tenant, sid, &input, now).await?;
            Ok(serde_json::json!({ "subscription": SubscriptionBody::from(sub), "document": issued.map(DocumentBody::from) }))
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub effective_date: Option<NaiveDate>,
    /// For pause: the day billing resumes by itself.
    pub resume_on: Option<NaiveDate>,
}

async fn action(
    state: AppState,
    tenant: TenantId,
    headers: HeaderMap,
    id: String,
    req: ActionRequest,
    action: Action,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let on = req.effective_date;
    act_on(&state, tenant, &headers, &id, move |conn, sid| {
        Box::pin(async move {
            let sub = subscriptions::act(conn, tenant, sid, action, on, now).await?;
            Ok(serde_json::to_value(SubscriptionBody::from(sub)).unwrap_or_default())
        })
    })
    .await
}

/// Action bodies are optional: an empty body means "today, no options".
fn body_or_default(body: axum::body::Bytes) -> ApiResult<ActionRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActionRequest::default());
    }
    serde_json::from_slice(&body).map_err(super::error::ApiError::invalid_body)
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/pause",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body(content = ActionRequest, description = "Optional: an empty body means today."),
    responses((status = 200, description = "The subscription.", body = SubscriptionBody), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn pause(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let req = body_or_default(body)?;
    let resume_on = req.resume_on;
    action(state, tenant, headers, id, req, Action::Pause { resume_on }).await
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/resume",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body(content = ActionRequest, description = "Optional: an empty body means today."),
    responses((status = 200, description = "The subscription.", body = SubscriptionBody), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn resume(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    action(state, tenant, headers, id, body_or_default(body)?, Action::Resume).await
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/undo_cancel",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body(content = ActionRequest, description = "Optional: an empty body means today."),
    responses((status = 200, description = "The subscription.", body = SubscriptionBody), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn undo_cancel(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    action(state, tenant, headers, id, body_or_default(body)?, Action::UndoCancel).await
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/reactivate",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body(content = ActionRequest, description = "Optional: an empty body means today."),
    responses((status = 200, description = "The subscription.", body = SubscriptionBody), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn reactivate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    action(state, tenant, headers, id, body_or_default(body)?, Action::Reactivate).await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCoupon {
    pub code: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/coupon",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body = ApplyCoupon,
    responses((status = 200, description = "The subscription.", body = SubscriptionBody), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn apply_coupon(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ApplyCoupon>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let code = req.code.clone();
    act_on(&state, tenant, &headers, &id, move |conn, sid| {
        Box::pin(async move {
            let sub = subscriptions::get(conn, tenant, sid).await?;
            billing_core::service::coupons::redeem(conn, tenant, &sub, &code, now).await?;
            Ok(serde_json::to_value(SubscriptionBody::from(sub)).unwrap_or_default())
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAddon {
    /// The add-on plan (id or code).
    pub addon: String,
    pub quantity: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/subscriptions/{id}/addons",
    tag = "subscriptions",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    request_body = AddAddon,
    responses((status = 200, description = "A recurring add-on's subscription, or a one-time add-on's invoice.", body = AddonResult), (status = 409, description = "The subscription's state does not allow it (`subscription_state_conflict`).", body = super::openapi::ErrorBody), (status = 422, description = "The change cannot be made (plan, currency, proration, coupon).", body = super::openapi::ErrorBody))
)]
pub async fn add_addon(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddAddon>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let (addon, quantity) = (req.addon.clone(), req.quantity);
    act_on(&state, tenant, &headers, &id, move |conn, sid| {
        Box::pin(async move {
            Ok(match subscriptions::add_addon(conn, tenant, sid, &addon, quantity, now).await? {
                subscriptions::AddonOutcome::Recurring { subscription } => {
                    serde_json::json!({ "type": "recurring", "subscription": SubscriptionBody::from(*subscription) })
                }
                subscriptions::AddonOutcome::OneTime { document } => {
                    serde_json::json!({ "type": "one_time", "document": DocumentBody::from(document) })
                }
            })
        })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create,
    get_one,
    list,
    preview_change,
    change,
    cancel,
    pause,
    resume,
    undo_cancel,
    reactivate,
    apply_coupon,
    add_addon
))]
pub struct Doc;

/// The answer of `POST /subscriptions/{id}/change`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ChangeResult {
    pub subscription: SubscriptionBody,
    pub change: ChangePreview,
    /// The invoice or credit note the change issued, if any.
    pub document: Option<DocumentBody>,
}

/// The answer of `POST /subscriptions/{id}/cancel`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CancelResult {
    pub subscription: SubscriptionBody,
    /// The credit note a prorated cancellation issued, if any.
    pub document: Option<DocumentBody>,
}

/// The answer of `POST /subscriptions/{id}/addons`: `recurring` with the subscription, or
/// `one_time` with the invoice it issued.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AddonResult {
    /// `recurring` or `one_time`.
    #[schema(rename = "type")]
    pub kind: String,
    pub subscription: Option<SubscriptionBody>,
    pub document: Option<DocumentBody>,
}
