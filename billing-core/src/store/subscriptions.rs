//! Subscriptions, including the chunked walk of due subscriptions for the invoice run.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::catalog::price_from_row;
use super::{Page, PageRequest, corrupt};
use crate::catalog::{BillingTiming, Metering};
use crate::coupon::{Coupon, CouponDuration, CouponValue};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PlanId, SubscriptionId, TenantId};
use crate::period::{BillingInterval, IntervalUnit};
use crate::subscription::{AppliedCoupon, BillableSubscription, PendingChange, SubscriptionStatus, Terms};
use crate::usage::Aggregation;

pub use crate::subscription::Subscription;

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    customer_id: Uuid,
    plan_id: Uuid,
    plan_name: String,
    status: String,
    currency: String,
    unit_amount: i64,
    pricing: Option<serde_json::Value>,
    quantity: i32,
    start_date: NaiveDate,
    trial_end: Option<NaiveDate>,
    anchor_date: NaiveDate,
    interval_unit: String,
    interval_count: i32,
    next_period_index: i32,
    next_period_start: NaiveDate,
    next_billing_date: NaiveDate,
    billing_timing: String,
    usage_metric: Option<String>,
    usage_aggregation: Option<String>,
    plan_tax_category: String,
    cancel_at: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    paused_on: Option<NaiveDate>,
    resume_on: Option<NaiveDate>,
    pending_change: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    tax_behavior: String,
}

fn interval(unit: &str, count: i32) -> Result<BillingInterval> {
    let unit: IntervalUnit = unit.parse().map_err(|e| corrupt("interval", e))?;
    let count = u32::try_from(count).map_err(|e| corrupt("interval count", e))?;
    BillingInterval::new(unit, count).map_err(|e| corrupt("interval", e))
}

fn index(i: i32) -> Result<u32> {
    u32::try_from(i).map_err(|e| corrupt("period index", e))
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = Error;
    fn try_from(r: SubscriptionRow) -> Result<Self> {
        Ok(Subscription {
            id: SubscriptionId(r.id),
            customer_id: CustomerId(r.customer_id),
            plan_id: PlanId(r.plan_id),
            plan_name: r.plan_name,
            status: SubscriptionStatus::parse(&r.status).ok_or_else(|| corrupt("subscription status", &r.status))?,
            price: {
                let mut price = price_from_row(&r.currency, r.unit_amount, r.pricing)?;
                price.tax_behavior = super::catalog::tax_behavior_from_row(&r.tax_behavior)?;
                price
            },
            quantity: u32::try_from(r.quantity).map_err(|e| corrupt("quantity", e))?,
            start_date: r.start_date,
            trial_end: r.trial_end,
            anchor_date: r.anchor_date,
            interval: interval(&r.interval_unit, r.interval_count)?,
            timing: BillingTiming::parse(&r.billing_timing)
                .ok_or_else(|| corrupt("billing timing", &r.billing_timing))?,
            metering: match (r.usage_metric, r.usage_aggregation) {
                (Some(metric), Some(agg)) => Some(Metering {
                    metric,
                    aggregation: Aggregation::parse(&agg).ok_or_else(|| corrupt("usage aggregation", &agg))?,
                }),
                _ => None,
            },
            tax_category: crate::catalog::parse_tax_category(&r.plan_tax_category)
                .ok_or_else(|| corrupt("tax category", &r.plan_tax_category))?,
            next_period_index: index(r.next_period_index)?,
            next_period_start: r.next_period_start,
            next_billing_date: r.next_billing_date,
            cancel_at: r.cancel_at,
            ended_on: r.ended_on,
            paused_on: r.paused_on,
            resume_on: r.resume_on,
            pending_change: r
                .pending_change
                .map(serde_json::from_value::<PendingChange>)
                .transpose()
                .map_err(|e| corrupt("pending change", e))?,
            created_at: r.created_at,
        })
    }
}

/// The columns of a [`SubscriptionRow`], for the statements that read more beside them.
macro_rules! subscription_columns {
    () => {
        "s.id, s.customer_id, s.plan_id, p.name AS plan_name, s.status, s.currency, s.unit_amount, s.pricing,
        s.quantity, s.start_date, s.trial_end, s.anchor_date, s.interval_unit, s.interval_count, s.next_period_index, s.next_period_start,
        s.next_billing_date, p.billing_timing, p.usage_metric, p.usage_aggregation, p.tax_category AS plan_tax_category, s.cancel_at, s.ended_on, s.paused_on, s.resume_on, s.pending_change, s.created_at, s.tax_behavior"
    };
}

const SELECT: &str = concat!(
    "SELECT ",
    subscription_columns!(),
    " FROM subscriptions s JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id"
);

fn json<T: serde::Serialize>(what: &str, v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| corrupt(what, e))
}

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, s: &Subscription) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (tenant_id, id, customer_id, plan_id, status, currency, unit_amount, pricing, quantity,
             start_date, anchor_date, interval_unit, interval_count, next_period_index, next_billing_date, created_at, updated_at,
             next_period_start, trial_end, tax_behavior)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19)",
    )
    .bind(tenant)
    .bind(s.id)
    .bind(s.customer_id)
    .bind(s.plan_id)
    .bind(s.status.as_str())
    .bind(s.currency().code())
    .bind(s.price.headline().map(|m| m.minor()).unwrap_or(0))
    .bind(json("pricing", &s.price.pricing)?)
    .bind(s.quantity as i32)
    .bind(s.start_date)
    .bind(s.anchor_date)
    .bind(s.interval.unit.as_str())
    .bind(s.interval.count as i32)
    .bind(s.next_period_index as i32)
    .bind(s.next_billing_date)
    .bind(s.created_at)
    .bind(s.next_period_start)
    .bind(s.trial_end)
    .bind(s.price.tax_behavior.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes back every mutable field of a subscription loaded with [`get_for_update`].
pub async fn update(conn: &mut PgConnection, tenant: TenantId, s: &Subscription, now: DateTime<Utc>) -> Result<()> {
    let pending = s.pending_change.as_ref().map(|p| json("pending change", p)).transpose()?;
    sqlx::query(
        "UPDATE subscriptions SET plan_id = $3, status = $4, unit_amount = $5, pricing = $6, quantity = $7, anchor_date = $8,
             next_period_index = $9, next_billing_date = $10, cancel_at = $11, ended_on = $12, paused_on = $13, resume_on = $14,
             pending_change = $15, next_period_start = $17, canceled_at = CASE WHEN $4 = 'canceled' THEN COALESCE(canceled_at, $16) ELSE NULL END,
             updated_at = $16, version = version + 1, tax_behavior = $18
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(s.id)
    .bind(s.plan_id)
    .bind(s.status.as_str())
    .bind(s.price.headline().map(|m| m.minor()).unwrap_or(0))
    .bind(json("pricing", &s.price.pricing)?)
    .bind(s.quantity as i32)
    .bind(s.anchor_date)
    .bind(s.next_period_index as i32)
    .bind(s.next_billing_date)
    .bind(s.cancel_at)
    .bind(s.ended_on)
    .bind(s.paused_on)
    .bind(s.resume_on)
    .bind(pending)
    .bind(now)
    .bind(s.next_period_start)
    .bind(s.price.tax_behavior.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<Option<Subscription>> {
    let row: Option<SubscriptionRow> = sqlx::query_as(&format!("{SELECT} WHERE s.tenant_id = $1 AND s.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Subscription::try_from).transpose()
}

/// Loads a subscription and locks its row until the caller's transaction ends: lifecycle changes
/// and the invoice run serialize on it, so a change never races an invoice for the same period.
pub async fn get_for_update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: SubscriptionId,
) -> Result<Option<Subscription>> {
    let row: Option<SubscriptionRow> =
        sqlx::query_as(&format!("{SELECT} WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE OF s"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(Subscription::try_from).transpose()
}

/// The subscriptions `ids` of the tenant, locked `FOR SHARE` in id order (so a group and the
/// invoice run's chunk cannot deadlock): usage ingestion's period check. The shared lock conflicts
/// with every writer of a subscription (`FOR UPDATE` of the invoice run and of single changes, the
/// row lock of any `UPDATE`), so no period can close between the check and the commit of the
/// events; two ingestions of the same subscriptions do not wait for each other (issue 15,
/// docs/adr/0043, 0053). Ids that are not the tenant's are absent. With them, the merchant's time zone
/// (the day an event belongs to), read by the same statement: one round trip fewer for each
/// group of single events (ADR 0058); `None` when no id is the tenant's.
pub async fn get_many_for_ingestion(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[SubscriptionId],
) -> Result<(Vec<Subscription>, Option<chrono_tz::Tz>)> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        sub: SubscriptionRow,
        tenant_timezone: String,
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        subscription_columns!(),
        ", t.timezone AS tenant_timezone
         FROM subscriptions s JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
         JOIN tenants t ON t.tenant_id = s.tenant_id
         WHERE s.tenant_id = $1 AND s.id = ANY($2) ORDER BY s.id FOR SHARE OF s"
    ))
    .bind(tenant)
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let timezone = match rows.first() {
        Some(r) => Some(crate::tenant::parse_timezone(&r.tenant_timezone).map_err(|e| corrupt("tenant timezone", e))?),
        None => None,
    };
    let subscriptions = rows.into_iter().map(|r| Subscription::try_from(r.sub)).collect::<Result<_>>()?;
    Ok((subscriptions, timezone))
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    page: PageRequest,
) -> Result<Page<Subscription>> {
    // A statement for each filter, as `invoices::list` (docs/adr/0041): with
    // `($3 IS NULL OR customer_id = $3)` the generic plan PostgreSQL switches to after five
    // executions walked the tenant's subscriptions by id to find one customer's (issue 15).
    let rows: Vec<SubscriptionRow> = match customer {
        Some(customer) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE s.tenant_id = $1 AND s.id > $2 AND s.customer_id = $3 ORDER BY s.id LIMIT $4"
            ))
            .bind(tenant)
            .bind(page.cursor())
            .bind(customer)
            .bind(page.fetch_limit())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query_as(&format!("{SELECT} WHERE s.tenant_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"))
                .bind(tenant)
                .bind(page.cursor())
                .bind(page.fetch_limit())
                .fetch_all(conn)
                .await?
        }
    };
    Page::from_rows(rows, page).try_map(Subscription::try_from)
}

/// A due subscription with the buyer details the invoice snapshots.
#[derive(Debug, Clone)]
pub struct DueSubscription {
    pub billable: BillableSubscription,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_country: String,
    /// The buyer, for its tax profile.
    pub customer: crate::customer::Customer,
    pub tax_category: crate::tax::TaxCategory,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    #[sqlx(flatten)]
    sub: SubscriptionRow,
    customer_name: String,
    customer_email: String,
    customer_country: String,
    customer_kind: String,
    customer_vat_id: Option<String>,
    customer_vat_status: Option<serde_json::Value>,
    customer_tax_exempt: bool,
    customer_created_at: DateTime<Utc>,
    tax_category: String,
    coupon_code: Option<String>,
    coupon_value: Option<serde_json::Value>,
    coupon_duration: Option<serde_json::Value>,
    coupon_from: Option<i32>,
}

/// The next chunk of active subscriptions with a period started on or before `as_of` (and
/// before any scheduled cancellation), after `after` in id order and, when `upto` is given, not
/// beyond it (one worker's part of the run). The rows are locked for the caller's transaction;
/// rows another run holds are skipped (SKIP LOCKED), so two runs at once split the work instead
/// of doubling it.
pub async fn lock_due_chunk(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    after: Uuid,
    upto: Option<Uuid>,
    limit: i64,
    only: Option<SubscriptionId>,
) -> Result<Vec<DueSubscription>> {
    due_rows(conn, tenant, as_of, after, upto, limit, only, true).await
}

/// Where the due subscriptions (as [`count_due`] counts them) split into parts of about equal
/// size: for each offset, the id of the subscription at that position in id order. A part ends at
/// its boundary (inclusive); the next one starts after it. An offset beyond the last due
/// subscription has no boundary.
pub async fn due_boundaries(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    offsets: &[i64],
) -> Result<Vec<Uuid>> {
    let mut out = Vec::with_capacity(offsets.len());
    for &offset in offsets {
        let id: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM subscriptions WHERE tenant_id = $1 AND status = 'active' AND next_billing_date <= $2
               AND (cancel_at IS NULL OR next_period_start < cancel_at)
             ORDER BY id OFFSET $3 LIMIT 1",
        )
        .bind(tenant)
        .bind(as_of)
        .bind(offset)
        .fetch_optional(&mut *conn)
        .await?;
        out.extend(id);
    }
    Ok(out)
}

/// The subscription as the invoice run would see it on `as_of`, without locking it: what the
/// portal's upcoming-invoice amount is computed from. `None` when it would not be invoiced then.
pub async fn due_preview(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    sub: SubscriptionId,
) -> Result<Option<DueSubscription>> {
    Ok(due_rows(conn, tenant, as_of, Uuid::nil(), None, 1, Some(sub), false).await?.into_iter().next())
}

#[allow(clippy::too_many_arguments)]
async fn due_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    after: Uuid,
    upto: Option<Uuid>,
    limit: i64,
    only: Option<SubscriptionId>,
    lock: bool,
) -> Result<Vec<DueSubscription>> {
    let lock = if lock { "FOR UPDATE OF s SKIP LOCKED" } else { "" };
    // One subscription: an equality the generic plan can use. `$5 IS NULL OR s.id = $5` made
    // PostgreSQL plan the statement anew on every call (its generic plan scans the tenant's due
    // subscriptions), 0.7 ms of planning per subscription on the portal's overview page (issue 15).
    let only_filter = if only.is_some() { "s.id = $5" } else { "$5::uuid IS NULL" };
    let rows: Vec<DueRow> = sqlx::query_as(&format!(
        concat!(
            "SELECT ",
            subscription_columns!(),
            ",
                c.name AS customer_name, c.email AS customer_email, c.country::text AS customer_country,
                c.kind AS customer_kind, c.vat_id AS customer_vat_id, c.vat_id_status AS customer_vat_status,
                c.tax_exempt AS customer_tax_exempt, c.created_at AS customer_created_at, p.tax_category,
                cp.code AS coupon_code, cp.value AS coupon_value, cp.duration AS coupon_duration,
                sd.from_period_index AS coupon_from
         FROM subscriptions s
         JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
         JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id
         LEFT JOIN subscription_discounts sd ON sd.tenant_id = s.tenant_id AND sd.subscription_id = s.id
         LEFT JOIN coupons cp ON cp.tenant_id = sd.tenant_id AND cp.id = sd.coupon_id
         WHERE s.tenant_id = $1 AND s.status = 'active' AND s.next_billing_date <= $2 AND s.id > $3
           AND (s.cancel_at IS NULL OR s.next_period_start < s.cancel_at)
           AND {only_filter} AND ($6::uuid IS NULL OR s.id <= $6)
         ORDER BY s.id
         LIMIT $4
         {lock}"
        ),
        // Named: a format string made by `concat!` cannot capture variables.
        only_filter = only_filter,
        lock = lock,
    ))
    .bind(tenant)
    .bind(as_of)
    .bind(after)
    .bind(limit)
    .bind(only)
    .bind(upto)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let coupon = match (r.coupon_code, r.coupon_value, r.coupon_duration, r.coupon_from) {
                (Some(code), Some(value), Some(duration), Some(from)) => Some(AppliedCoupon {
                    coupon: Coupon {
                        code,
                        value: serde_json::from_value::<CouponValue>(value).map_err(|e| corrupt("coupon value", e))?,
                        duration: serde_json::from_value::<CouponDuration>(duration)
                            .map_err(|e| corrupt("coupon duration", e))?,
                        expires_at: None,
                        max_redemptions: None,
                        times_redeemed: 0,
                    },
                    from_period_index: index(from)?,
                }),
                _ => None,
            };
            let sub = Subscription::try_from(r.sub)?;
            let customer = crate::customer::Customer {
                id: sub.customer_id,
                email: crate::email::EmailAddress::parse(&r.customer_email)
                    .map_err(|e| corrupt("customer email", e))?,
                name: r.customer_name.clone(),
                country: crate::country::Country::parse(&r.customer_country)
                    .map_err(|e| corrupt("customer country", e))?,
                currency: sub.currency(),
                locale: String::new(),
                kind: super::customers::kind_from_row(&r.customer_kind),
                vat_id: super::customers::vat_id_from_row(r.customer_vat_id.as_deref())?,
                vat_id_status: super::customers::vat_status_from_row(r.customer_vat_status)?,
                tax_exempt: r.customer_tax_exempt,
                segment: None,
                created_at: r.customer_created_at,
                // The invoice run freezes the address in SQL (`invoices::freeze_parties`).
                company_name: None,
                address: None,
            };
            let tax_category = crate::catalog::parse_tax_category(&r.tax_category)
                .ok_or_else(|| corrupt("tax category", &r.tax_category))?;
            Ok(DueSubscription {
                customer,
                tax_category,
                billable: BillableSubscription {
                    id: sub.id,
                    customer_id: sub.customer_id,
                    terms: sub.terms(),
                    anchor: sub.anchor_date,
                    interval: sub.interval,
                    timing: sub.timing,
                    metering: sub.metering.clone(),
                    next_period_index: sub.next_period_index,
                    cancel_at: sub.cancel_at,
                    pending: sub.pending_change,
                    coupon,
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
        "SELECT count(*) FROM subscriptions WHERE tenant_id = $1 AND status = 'active' AND next_billing_date <= $2
           AND (cancel_at IS NULL OR next_period_start < cancel_at)",
    )
    .bind(tenant)
    .bind(as_of)
    .fetch_one(conn)
    .await?)
}

/// The first day of the earliest period a run for `as_of` would invoice (the same subscriptions
/// as [`count_due`]), if any is due.
pub async fn earliest_due_start(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
) -> Result<Option<NaiveDate>> {
    Ok(sqlx::query_scalar(
        "SELECT min(next_period_start) FROM subscriptions WHERE tenant_id = $1 AND status = 'active' AND next_billing_date <= $2
           AND (cancel_at IS NULL OR next_period_start < cancel_at)",
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
    next_starts: &[NaiveDate],
    next_dates: &[NaiveDate],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions s SET next_period_index = u.idx, next_period_start = u.start, next_billing_date = u.due, updated_at = $5
         FROM UNNEST($2::uuid[], $3::int[], $4::date[], $6::date[]) AS u(id, idx, due, start)
         WHERE s.tenant_id = $1 AND s.id = u.id",
    )
    .bind(tenant)
    .bind(ids)
    .bind(next_indexes)
    .bind(next_dates)
    .bind(now)
    .bind(next_starts)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes a pending change the subscription's terms once a period was billed on them.
pub async fn apply_pending(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: SubscriptionId,
    terms: &Terms,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET plan_id = $3, unit_amount = $4, pricing = $5, quantity = $6, pending_change = NULL,
             updated_at = $7, version = version + 1, tax_behavior = $8
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(terms.plan_id)
    .bind(terms.price.headline().map(|m| m.minor()).unwrap_or(0))
    .bind(json("pricing", &terms.price.pricing)?)
    .bind(terms.quantity as i32)
    .bind(now)
    .bind(terms.price.tax_behavior.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends subscriptions whose scheduled cancellation date has been reached and whose periods
/// before it are all invoiced. Returns how many ended.
pub async fn end_scheduled_cancellations(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    only: Option<SubscriptionId>,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE subscriptions SET status = 'canceled', ended_on = cancel_at, canceled_at = COALESCE(canceled_at, $3),
             updated_at = $3, version = version + 1
         WHERE tenant_id = $1 AND status = 'active' AND cancel_at IS NOT NULL AND cancel_at <= $2
           AND next_period_start >= cancel_at AND ($4::uuid IS NULL OR id = $4)",
    )
    .bind(tenant)
    .bind(as_of)
    .bind(now)
    .bind(only)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Paused subscriptions whose resume date has come (ids only; the caller resumes each).
pub async fn due_resumptions(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    only: Option<SubscriptionId>,
) -> Result<Vec<SubscriptionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE tenant_id = $1 AND status = 'paused' AND resume_on IS NOT NULL AND resume_on <= $2
           AND ($3::uuid IS NULL OR id = $3) ORDER BY id",
    )
    .bind(tenant)
    .bind(as_of)
    .bind(only)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(SubscriptionId).collect())
}

/// The ids of the subscription's add-ons that are not canceled yet, oldest first.
pub async fn open_children(conn: &mut PgConnection, tenant: TenantId, parent: SubscriptionId) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE tenant_id = $1 AND parent_id = $2 AND status <> 'canceled' ORDER BY id",
    )
    .bind(tenant)
    .bind(parent)
    .fetch_all(&mut *conn)
    .await?)
}

/// Makes `child` an add-on of `parent` (it ends with its base).
pub async fn set_parent(
    conn: &mut PgConnection,
    tenant: TenantId,
    child: SubscriptionId,
    parent: SubscriptionId,
) -> Result<()> {
    sqlx::query("UPDATE subscriptions SET parent_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(child)
        .bind(parent)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether the customer has a subscription that is active (trials included): one that will be
/// invoiced.
pub async fn customer_has_active(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE tenant_id = $1 AND customer_id = $2 AND status = 'active')",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_one(conn)
    .await?)
}
