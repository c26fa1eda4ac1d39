//! Subscription use cases.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, SubscriptionId, TenantId};
use crate::period::period_start;
use crate::service::catalog::find_plan;
use crate::store::subscriptions::Subscription;
use crate::store::{self, Page, PageRequest};
use crate::subscription::{SubscriptionStatus, validate_quantity};

#[derive(Debug, Clone, Default)]
pub struct NewSubscriptionInput {
    pub customer: String,
    /// A plan id (`plan_…`) or plan code.
    pub plan: String,
    pub quantity: Option<i64>,
    /// First day of service in the tenant's time zone; today when absent.
    pub start_date: Option<NaiveDate>,
}

/// How far back a subscription may start (catching up on invoices) or ahead it may be scheduled.
const MAX_BACKDATE_DAYS: i64 = 5 * 366;
const MAX_FUTURE_DAYS: i64 = 2 * 366;

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &NewSubscriptionInput,
    now: DateTime<Utc>,
) -> Result<Subscription> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let quantity = validate_quantity(input.quantity.unwrap_or(1))?;
    let customer_id: CustomerId = input.customer.parse()?;
    let customer = store::customers::get(conn, tenant, customer_id)
        .await?
        .ok_or_else(|| Error::not_found("customer", customer_id))?;
    let plan = find_plan(conn, tenant, &input.plan).await?;
    if !plan.active {
        return Err(Error::PlanInactive { plan: plan.code });
    }
    let unit_price = plan.price_in(customer.currency)?;
    let today = now.with_timezone(&t.timezone).date_naive();
    let start = input.start_date.unwrap_or(today);
    let offset = (start - today).num_days();
    if !(-MAX_BACKDATE_DAYS..=MAX_FUTURE_DAYS).contains(&offset) || start.year() < 2000 {
        return Err(Error::invalid("start_date", "must be within five years before and two years after today"));
    }
    let sub = Subscription {
        id: SubscriptionId::new(),
        customer_id,
        plan_id: plan.id,
        status: SubscriptionStatus::Active,
        unit_price,
        quantity,
        start_date: start,
        anchor_date: start,
        interval: plan.interval,
        next_period_index: 0,
        next_billing_date: period_start(start, plan.interval, 0)?,
        created_at: now,
    };
    store::subscriptions::insert(conn, tenant, &sub).await?;
    Ok(sub)
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
    store::subscriptions::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("subscription", id))
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    page: PageRequest,
) -> Result<Page<Subscription>> {
    store::subscriptions::list(conn, tenant, customer, page).await
}
