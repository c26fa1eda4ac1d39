//! /api/v1/customers

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::customer::{Customer, NewCustomerInput};
use billing_core::ids::CustomerId;
use billing_core::service::customers;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::create_once;
use super::pagination::{ListQuery, ListResponse};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    pub email: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// ISO 4217; the currency the customer is billed in.
    pub currency: String,
    /// en, de, fr or zh-CN; the merchant's default when absent.
    pub locale: Option<String>,
    /// `consumer` (default) or `business` (implied by a VAT ID).
    pub kind: Option<String>,
    /// EU, GB, CH or NO VAT ID; format and check digits are verified at once.
    pub vat_id: Option<String>,
    /// The price list the customer buys from (e.g. `schools`).
    pub segment: Option<String>,
    /// The company invoices are addressed to (the `name` is then the contact).
    pub company_name: Option<String>,
    /// Billing address printed on documents (line1, line2, postal_code, city; country is `country`).
    pub address: Option<AddressBody>,
}

/// A postal address in requests and answers.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// Answers only: the party's country.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl AddressBody {
    pub fn input(&self) -> billing_core::party::AddressInput {
        billing_core::party::AddressInput {
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
        }
    }
}

impl From<billing_core::party::PostalAddress> for AddressBody {
    fn from(a: billing_core::party::PostalAddress) -> Self {
        Self {
            line1: Some(a.line1),
            line2: a.line2,
            postal_code: Some(a.postal_code),
            city: Some(a.city),
            country: Some(a.country.code().to_string()),
        }
    }
}

/// `POST /api/v1/customers/{id}`: billing details; absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    /// An empty string removes it.
    pub company_name: Option<String>,
    /// An address with every field empty removes it.
    pub address: Option<AddressBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerBody {
    #[schema(value_type = String)]
    pub id: CustomerId,
    pub object: &'static str,
    pub email: String,
    pub name: String,
    pub country: &'static str,
    pub currency: &'static str,
    pub locale: String,
    #[schema(value_type = super::schemas::CustomerKind)]
    pub kind: billing_core::tax::CustomerKind,
    pub vat_id: Option<String>,
    /// The VAT ID's validation result and its evidence.
    #[schema(value_type = Option<super::schemas::VatIdStatus>)]
    pub vat_id_status: Option<billing_core::tax::VatIdStatus>,
    pub segment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub company_name: Option<String>,
    pub address: Option<AddressBody>,
}

impl From<Customer> for CustomerBody {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            object: "customer",
            email: c.email.to_string(),
            name: c.name,
            country: c.country.code(),
            currency: c.currency.code(),
            locale: c.locale,
            kind: c.kind,
            vat_id: c.vat_id.map(|v| v.to_string()),
            vat_id_status: c.vat_id_status,
            segment: c.segment,
            created_at: c.created_at,
            company_name: c.company_name,
            address: c.address.map(AddressBody::from),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/customers",
    tag = "customers",
    request_body = CreateCustomer,
    responses((status = 201, description = "The customer.", body = CustomerBody), (status = 409, description = "A customer with this e-mail exists (`resource_already_exists`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateCustomer>,
) -> ApiResult<Response> {
    let input = NewCustomerInput {
        email: req.email.clone(),
        name: req.name.clone(),
        country: req.country.clone(),
        currency: req.currency.clone(),
        locale: req.locale.clone(),
        kind: req.kind.clone(),
        vat_id: req.vat_id.clone(),
        segment: req.segment.clone(),
        company_name: req.company_name.clone(),
        address: req.address.as_ref().map(AddressBody::input).unwrap_or_default(),
    };
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let c = customers::create(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(CustomerBody::from(c)).unwrap_or_default())
        })
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The customer with their dunning state.", body = CustomerWithDunning))
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CustomerWithDunning>> {
    let id: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let (customer, dunning, account_restricted) =
        billing_core::service::dunning::customer_with_state(&mut conn, tenant, id, state.clock.now().date_naive())
            .await?;
    let dunning = dunning.map(CustomerDunningBody::from);
    Ok(axum::Json(CustomerWithDunning { customer: customer.into(), dunning, account_restricted }))
}

/// A customer's dunning state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerDunningBody {
    /// The invoices in dunning (`in_…`).
    pub invoices: Vec<String>,
    /// The latest step taken, on the invoice furthest along.
    pub current_step: Option<u32>,
    /// That step's action (`retry`, `email`, `late_fee`, ...).
    pub current_action: Option<&'static str>,
    /// The next step due, on the invoice whose next step comes first.
    pub next_action: Option<&'static str>,
    pub next_action_on: Option<chrono::NaiveDate>,
    /// What is left to pay on the invoices in dunning, in minor units, per currency code.
    pub amount_at_risk: std::collections::BTreeMap<String, i64>,
    /// The day the steps count from, on the invoice in dunning longest: its first failed
    /// attempt's day, or its due date when it was never charged (bank transfer, no method).
    pub since: Option<chrono::NaiveDate>,
    /// Why that invoice is in dunning: `payment_failed` or `overdue`.
    pub reason: Option<&'static str>,
    /// A hard decline on the customer's default method blocks automatic retries until they add
    /// another one (`next_action` is then never `retry`).
    pub retries_blocked: bool,
    /// A `restrict` step holds the account: plan changes and new subscriptions are refused
    /// (`account_restricted`) until the invoices in dunning are paid.
    pub restricted: bool,
    /// The pauses staff made that hold today (`POST /customers/{id}/dunning/pause`).
    pub pauses: Vec<DunningPauseBody>,
    /// Every invoice in dunning is held by a pause, or the customer's whole dunning is paused.
    pub paused: bool,
}

/// A pause of a customer's dunning (`invoice` null: every invoice of theirs) or one invoice's.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DunningPause)]
pub struct DunningPauseBody {
    /// The invoice paused (`in_…`); null for the whole customer.
    pub invoice: Option<String>,
    pub reason: String,
    pub paused_on: chrono::NaiveDate,
    /// The first day dunning acts again by itself; null until resumed.
    pub until: Option<chrono::NaiveDate>,
    /// Who paused it (`api`, `staff:<email>`).
    pub paused_by: String,
    pub resumed_on: Option<chrono::NaiveDate>,
    pub resumed_by: Option<String>,
}

impl From<billing_core::service::dunning::CustomerDunning> for CustomerDunningBody {
    fn from(d: billing_core::service::dunning::CustomerDunning) -> Self {
        Self {
            invoices: d.invoices.iter().map(ToString::to_string).collect(),
            current_step: d.current_step,
            current_action: d.current_action,
            next_action: d.next_action,
            next_action_on: d.next_action_on,
            amount_at_risk: d.amount_at_risk,
            since: d.since,
            reason: d.reason,
            retries_blocked: d.retries_blocked,
            restricted: d.restricted,
            pauses: d
                .pauses
                .into_iter()
                .map(|p| DunningPauseBody {
                    invoice: p.invoice.map(|i| i.to_string()),
                    reason: p.reason,
                    paused_on: p.paused_on,
                    until: p.until,
                    paused_by: p.paused_by,
                    resumed_on: p.resumed_on,
                    resumed_by: p.resumed_by,
                })
                .collect(),
            paused: d.paused,
        }
    }
}

/// One customer, with their dunning state (`null` when no invoice of theirs is in dunning).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerWithDunning {
    #[serde(flatten)]
    pub customer: CustomerBody,
    pub dunning: Option<CustomerDunningBody>,
    /// A dunning step restricted the account: plan changes and new subscriptions are refused
    /// (`account_restricted`) until the overdue invoices are paid.
    pub account_restricted: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/customers",
    tag = "customers",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "How many items (1-100, default 20)."), ("starting_after" = Option<String>, Query, description = "The `next_cursor` of the previous page.")),
    responses((status = 200, description = "A page of customers, oldest first.", body = ListResponse<CustomerBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<CustomerBody>>> {
    let page = q.page::<CustomerId>(|id| id.as_uuid())?;
    let mut conn = state.pool.acquire().await?;
    let found = customers::list(&mut conn, tenant, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |c| c.id.to_string(), CustomerBody::from)))
}

#[utoipa::path(
    method(post, patch),
    path = "/api/v1/customers/{id}",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = UpdateCustomer,
    responses((status = 200, description = "The customer as changed.", body = CustomerBody))
)]
pub async fn update(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateCustomer>,
) -> ApiResult<axum::Json<CustomerBody>> {
    use sqlx::Connection;
    let id: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let input = billing_core::customer::CustomerUpdateInput {
        name: req.name,
        email: req.email,
        locale: req.locale,
        company_name: req.company_name,
        address: req.address.as_ref().map(AddressBody::input),
    };
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let c = customers::update(&mut tx, tenant, id, &input, state.clock.now()).await?;
    tx.commit().await?;
    Ok(axum::Json(c.into()))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, get_one, list, update))]
pub struct Doc;
