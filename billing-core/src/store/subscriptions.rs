//! Subscriptions, including the chunked walk of due subscriptions for the invoice run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Page, PageRequest, corrupt};
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PlanId, SubscriptionId, TenantId};
use crate::money::Money;
use crate::period::{BillingInterval, IntervalUnit};
use crate::subscription::{BillableSubscription, SubscriptionStatus};

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub plan_id: PlanId,
    pub status: SubscriptionStatus,
    pub unit_price: Money,
    pub quantity: u32,
    pub start_date: NaiveDate,
    pub anchor_date: NaiveDate,
    pub interval: BillingInterval,
    pub next_period_index: u32,
    pub next_billing_date: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    customer_id: Uuid,
    plan_id: Uuid,
    status: String,
    currency: String,
    unit_amount: i64,
    quantity: i32,
    start_date: NaiveDate,
    anchor_date: NaiveDate,
    interval_unit: String,
    interval_count: i32,
    next_period_index: i32,
    next_billing_date: NaiveDate,
    created_at: DateTime<Utc>,
}

fn interval(unit: &str, count: i32) -> Result<BillingInterval> {
    let unit: IntervalUnit = unit.parse().map_err(|e| corrupt("interval", e))?;
    let count = u32::try_from(count).map_err(|e| corrupt("interval count", e))?;
    BillingInterval::new(unit, count).map_err(|e| corrupt("interval", e))
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = Error;
    fn try_from(r: SubscriptionRow) -> Result<Self> {
        let currency = Currency::from_code(&r.currency).map_err(|e| corrupt("subscription currency", e))?;
        Ok(Subscription {
            id: SubscriptionId(r.id),
            customer_id: CustomerId(r.customer_id),
            plan_id: PlanId(r.plan_id),
            status: SubscriptionStatus::parse(&r.status).ok_or_else(|| corrupt("subscription status", &r.status))?,
            unit_price: Money::from_minor(r.unit_amount, currency),
            quantity: u32::try_from(r.quantity).map_err(|e| corrupt("quantity", e))?,
            start_date: r.start_date,
            anchor_date: r.anchor_date,
            interval: interval(&r.interval_unit, r.interval_count)?,
            next_period_index: u32::try_from(r.next_period_index).map_err(|e| corrupt("period index", e))?,
            next_billing_date: r.next_billing_date,
            created_at: r.created_at,
        })
    }
}

const SELECT: &str =
    "SELECT id, customer_id, plan_id, status, currency, unit_amount, quantity, start_date, anchor_date,
        interval_unit, interval_count, next_period_index, next_billing_date, created_at FROM subscriptions";

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, s: &Subscription) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (tenant_id, id, customer_id, plan_id, status, currency, unit_amount, quantity,
             start_date, anchor_date, interval_unit, interval_count, next_period_index, next_billing_date, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(tenant)
    .bind(s.id)
    .bind(s.customer_id)
    .bind(s.plan_id)
    .bind(s.status.as_str())
    .bind(s.unit_price.currency().code())
    .bind(s.unit_price.minor())
    .bind(s.quantity as i32)
    .bind(s.start_date)
    .bind(s.anchor_date)
    .bind(s.interval.unit.as_str())
    .bind(s.interval.count as i32)
    .bind(s.next_period_index as i32)
    .bind(s.next_billing_date)
    .bind(s.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<Option<Subscription>> {
    let row: Option<SubscriptionRow> = sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Subscription::try_from).transpose()
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    page: PageRequest,
) -> Result<Page<Subscription>> {
    let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE tenant_id = $1 AND id > $2 AND ($3::uuid IS NULL OR customer_id = $3) ORDER BY id LIMIT $4"
    ))
    .bind(tenant)
    .bind(page.cursor())
    .bind(customer)
    .bind(page.fetch_limit())
    .fetch_all(conn)
    .await?;
    Page::from_rows(rows, page).try_map(Subscription::try_from)
}

/// A due subscription with the buyer details the invoice snapshots.
#[derive(Debug, Clone)]
pub struct DueSubscription {
    pub billable: BillableSubscription,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_country: String,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: Uuid,
    customer_id: Uuid,
    plan_id: Uuid,
    plan_name: String,
    currency: String,
    unit_amount: i64,
    quantity: i32,
    anchor_date: NaiveDate,
    interval_unit: String,
    interval_count: i32,
    next_period_index: i32,
    customer_name: String,
    customer_email: String,
    customer_country: String,
}

/// The next chunk of active subscriptions with a period started on or before `as_of`, after
/// `after` in id order. The rows are locked for the caller's transaction; rows another run holds
/// are skipped (SKIP LOCKED), so two runs at once split the work instead of doubling it.
pub async fn lock_due_chunk(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    after: Uuid,
    limit: i64,
) -> Result<Vec<DueSubscription>> {
    let rows: Vec<DueRow> = sqlx::query_as(
        "SELECT s.id, s.customer_id, s.plan_id, p.name AS plan_name, s.currency, s.unit_amount, s.quantity,
                s.anchor_date, s.interval_unit, s.interval_count, s.next_period_index,
                c.name AS customer_name, c.email AS customer_email, c.country::text AS customer_country
         FROM subscriptions s
         JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
         JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id
         WHERE s.tenant_id = $1 AND s.status = 'active' AND s.next_billing_date <= $2 AND s.id > $3
         ORDER BY s.id
         LIMIT $4
         FOR UPDATE OF s SKIP LOCKED",
    )
    .bind(tenant)
    .bind(as_of)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let currency = Currency::from_code(&r.currency).map_err(|e| corrupt("subscription currency", e))?;
            Ok(DueSubscription {
                billable: BillableSubscription {
                    id: SubscriptionId(r.id),
                    customer_id: CustomerId(r.customer_id),
                    plan_id: PlanId(r.plan_id),
                    plan_name: r.plan_name,
                    unit_price: Money::from_minor(r.unit_amount, currency),
                    quantity: u32::try_from(r.quantity).map_err(|e| corrupt("quantity", e))?,
                    anchor: r.anchor_date,
                    interval: interval(&r.interval_unit, r.interval_count)?,
                    next_period_index: u32::try_from(r.next_period_index).map_err(|e| corrupt("period index", e))?,
                },
                customer_name: r.customer_name,
                customer_email: r.customer_email,
                customer_country: r.customer_country,
            })
        })
        .collect()
}

/// How many active subscriptions have a period due by `as_of` (for the progress bar).
pub async fn count_due(conn: &mut PgConnection, tenant: TenantId, as_of: NaiveDate) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM subscriptions WHERE tenant_id = $1 AND status = 'active' AND next_billing_date <= $2",
    )
    .bind(tenant)
    .bind(as_of)
    .fetch_one(conn)
    .await?)
}

/// Moves each subscription's "next period" pointer past what was just invoiced, in one statement.
pub async fn advance_periods(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
    next_indexes: &[i32],
    next_dates: &[NaiveDate],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions s SET next_period_index = u.idx, next_billing_date = u.due, updated_at = $5
         FROM UNNEST($2::uuid[], $3::int[], $4::date[]) AS u(id, idx, due)
         WHERE s.tenant_id = $1 AND s.id = u.id",
    )
    .bind(tenant)
    .bind(ids)
    .bind(next_indexes)
    .bind(next_dates)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
