//! /api/v1/simulations: run a subscription scenario on a simulated clock; nothing is stored.

use axum::extract::State;
use billing_core::service::simulation::{self, Scenario, SimulatedInvoice, SimulatedLine, SimulationResult};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::Connection;

use super::AmountBody;
use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

/// One line of a simulated invoice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimulatedLineBody {
    /// What the line charges for (`subscription`, `proration_credit`, `proration_charge`, `setup_fee`, ...).
    #[schema(example = "subscription")]
    pub kind: String,
    pub description: String,
    /// A decimal number as a string (metered usage need not be whole).
    #[schema(value_type = String, example = "1")]
    pub quantity: Decimal,
    pub amount: AmountBody,
    pub discount: AmountBody,
    pub period_start: Option<NaiveDate>,
    /// Last day (inclusive).
    pub period_end: Option<NaiveDate>,
}

impl From<SimulatedLine> for SimulatedLineBody {
    fn from(l: SimulatedLine) -> Self {
        Self {
            kind: l.kind,
            description: l.description,
            quantity: l.quantity,
            amount: l.amount.into(),
            discount: l.discount.into(),
            period_start: l.period_start,
            period_end: l.period_end,
        }
    }
}

/// An invoice or credit note the scenario would issue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimulatedInvoiceBody {
    /// `subscription`, `proration`, `credit_note` or `one_off`.
    #[schema(example = "subscription")]
    pub kind: String,
    pub issue_date: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    /// Last day (inclusive).
    pub period_end: Option<NaiveDate>,
    pub subtotal: AmountBody,
    pub discount: AmountBody,
    pub total: AmountBody,
    pub lines: Vec<SimulatedLineBody>,
}

impl From<SimulatedInvoice> for SimulatedInvoiceBody {
    fn from(i: SimulatedInvoice) -> Self {
        Self {
            kind: i.kind,
            issue_date: i.issue_date,
            period_start: i.period_start,
            period_end: i.period_end,
            subtotal: i.subtotal.into(),
            discount: i.discount.into(),
            total: i.total.into(),
            lines: i.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a scenario would invoice, period by period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimulationBody {
    pub start_date: NaiveDate,
    /// The last simulated day (inclusive).
    pub end_date: NaiveDate,
    pub invoices: Vec<SimulatedInvoiceBody>,
    /// Sum of all invoice and credit-note totals.
    pub total: AmountBody,
    /// The subscription's status at the end (`active`, `canceled`, `paused`, ...).
    #[schema(example = "active")]
    pub final_status: &'static str,
}

impl From<SimulationResult> for SimulationBody {
    fn from(r: SimulationResult) -> Self {
        Self {
            start_date: r.start_date,
            end_date: r.end_date,
            invoices: r.invoices.into_iter().map(Into::into).collect(),
            total: r.total.into(),
            final_status: r.final_status,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/simulations",
    tag = "subscriptions",
    request_body = super::schemas::Scenario,
    responses((status = 200, description = "What the scenario would invoice, period by period; nothing is stored.", body = SimulationBody), (status = 422, description = "The scenario cannot be billed (plan not in the currency, ...).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(scenario): ApiJson<Scenario>,
) -> ApiResult<axum::Json<SimulationBody>> {
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let result = simulation::simulate(&mut tx, tenant, &scenario).await;
    // Always rolled back: a simulation never leaves a trace, whatever its outcome.
    tx.rollback().await?;
    Ok(axum::Json(result?.into()))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create))]
pub struct Doc;
