//! /api/v1/customers/{id}/balance: the customer's credit balance and its ledger; paying it out
//! or correcting it; the customer's own payment terms.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::currency::Currency;
use billing_core::ids::CustomerId;
use billing_core::money::{MinorAmount, Money};
use billing_core::service::balance::{self, BalanceKind, BalanceTransaction};
use serde::{Deserialize, Serialize};

use super::AmountBody;
use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant, path_id};
use super::idempotency::create_once;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransactionBody {
    pub id: uuid::Uuid,
    pub object: &'static str,
    /// Positive: credited to the customer; negative: taken from the balance.
    pub amount: AmountBody,
    #[schema(value_type = super::schemas::BalanceKind)]
    pub kind: BalanceKind,
    pub reference: Option<uuid::Uuid>,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<BalanceTransaction> for TransactionBody {
    fn from(t: BalanceTransaction) -> Self {
        Self {
            id: t.id,
            object: "customer_balance_transaction",
            amount: t.amount.into(),
            kind: t.kind,
            reference: t.reference_id,
            description: t.description,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceBody {
    pub object: &'static str,
    #[schema(value_type = String)]
    pub customer: CustomerId,
    /// One per currency the customer has a balance in.
    pub balances: Vec<AmountBody>,
    /// Every movement, oldest first.
    pub transactions: Vec<TransactionBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentTermsBody {
    #[schema(value_type = String)]
    pub customer: CustomerId,
    pub payment_terms_days: Option<i64>,
}

/// `GET /customers/{id}/balance`: the balance per currency and every movement.
#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/balance",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The balance per currency and every movement.", body = BalanceBody))
)]
pub async fn get_balance(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<BalanceBody>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    // Also proves the customer belongs to this tenant (404 otherwise).
    let (balances, transactions) = balance::ledger(&mut conn, tenant, customer).await?;
    let balances: Vec<AmountBody> = balances.into_iter().map(AmountBody::from).collect();
    let transactions: Vec<TransactionBody> = transactions.into_iter().map(TransactionBody::from).collect();
    Ok(axum::Json(BalanceBody { object: "customer_balance", customer, balances, transactions }))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransaction {
    /// `refund` (paid out to the customer, taken from the balance) or `adjustment` (either sign).
    pub kind: String,
    /// Minor units; for a refund the amount paid out (positive).
    #[schema(value_type = i64)]
    pub amount: MinorAmount,
    pub currency: String,
    pub description: Option<String>,
}

/// `POST /customers/{id}/balance/transactions`: pay out (part of) the balance, or correct it.
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/balance/transactions",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = NewTransaction,
    responses((status = 201, description = "The movement and the balance left.", body = TransactionCreated), (status = 422, description = "More than the balance (`insufficient_balance`).", body = super::openapi::ErrorBody))
)]
pub async fn create_transaction(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewTransaction>,
) -> ApiResult<Response> {
    let customer = path_id::<CustomerId>(&id)?;
    let currency = Currency::from_code(&req.currency).map_err(billing_core::Error::from)?;
    let requested = req.amount.get();
    let (kind, amount) = match req.kind.as_str() {
        "refund" if requested > 0 => (BalanceKind::Refund, -requested),
        "refund" => return Err(billing_core::Error::invalid("amount", "a refund must be greater than zero").into()),
        "adjustment" => (BalanceKind::Adjustment, requested),
        _ => return Err(billing_core::Error::invalid("kind", "must be refund or adjustment").into()),
    };
    let description = req.description.clone().unwrap_or_default();
    if description.chars().count() > 500 {
        return Err(billing_core::Error::invalid("description", "must be at most 500 characters").into());
    }
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let amount = Money::from_minor(amount, currency);
            let (tx, left) = balance::record_manual(conn, tenant, customer, kind, amount, &description, now).await?;
            Ok(serde_json::json!({ "transaction": TransactionBody::from(tx), "balance": AmountBody::from(left) }))
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentTerms {
    /// Days from issue to due date; null: the merchant's default.
    pub days: Option<i64>,
}

/// `POST /customers/{id}/payment_terms`.
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/payment_terms",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = PaymentTerms,
    responses((status = 200, description = "The payment terms.", body = PaymentTermsBody))
)]
pub async fn set_payment_terms(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PaymentTerms>,
) -> ApiResult<axum::Json<PaymentTermsBody>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    billing_core::service::invoices::set_payment_terms(&mut conn, tenant, customer, req.days).await?;
    Ok(axum::Json(PaymentTermsBody { customer, payment_terms_days: req.days }))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_balance, create_transaction, set_payment_terms))]
pub struct Doc;

/// The answer of `POST /customers/{id}/balance/transactions`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TransactionCreated {
    pub transaction: TransactionBody,
    /// What is left in that currency.
    pub balance: AmountBody,
}
