//! Revenue and portal metrics (docs/metrics.md): the MRR schedule of each subscription, the
//! set-based derivation of per-customer MRR movements from it, and the facts the other figures
//! count (payment attempts, invoices, the portal's sessions, events and audit log).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::coupon::{Coupon, CouponDuration, CouponValue};
use crate::error::Result;
use crate::ids::{SubscriptionId, TenantId};
use crate::subscription::{AppliedCoupon, Subscription};

/// Replaces the subscription's schedule from `from` on with `points` (day, MRR).
pub async fn replace_schedule(
    conn: &mut PgConnection,
    tenant: TenantId,
    sub: &Subscription,
    from: NaiveDate,
    points: &[(NaiveDate, i64)],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM subscription_mrr WHERE tenant_id = $1 AND subscription_id = $2 AND effective_on >= $3")
        .bind(tenant)
        .bind(sub.id)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    let days: Vec<NaiveDate> = points.iter().map(|p| p.0).collect();
    let values: Vec<i64> = points.iter().map(|p| p.1).collect();
    sqlx::query(
        "INSERT INTO subscription_mrr (tenant_id, subscription_id, customer_id, currency, effective_on, mrr, recorded_at)
         SELECT $1, $2, $3, $4, u.d, u.v, $7 FROM UNNEST($5::date[], $6::bigint[]) AS u(d, v)",
    )
    .bind(tenant)
    .bind(sub.id)
    .bind(sub.customer_id)
    .bind(sub.currency().code())
    .bind(&days)
    .bind(&values)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Subscriptions that have no MRR schedule yet (created before the schedule existed).
pub async fn unscheduled(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<SubscriptionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM subscriptions s WHERE s.tenant_id = $1
           AND NOT EXISTS (SELECT 1 FROM subscription_mrr m WHERE m.tenant_id = s.tenant_id AND m.subscription_id = s.id)
         ORDER BY s.id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(SubscriptionId).collect())
}

/// The coupon redeemed on a subscription, if any.
pub async fn applied_coupon(
    conn: &mut PgConnection,
    tenant: TenantId,
    sub: SubscriptionId,
) -> Result<Option<AppliedCoupon>> {
    let row: Option<(String, serde_json::Value, serde_json::Value, i32)> = sqlx::query_as(
        "SELECT c.code, c.value, c.duration, d.from_period_index FROM subscription_discounts d
           JOIN coupons c ON c.tenant_id = d.tenant_id AND c.id = d.coupon_id
          WHERE d.tenant_id = $1 AND d.subscription_id = $2",
    )
    .bind(tenant)
    .bind(sub)
    .fetch_optional(conn)
    .await?;
    row.map(|(code, value, duration, from)| {
        Ok(AppliedCoupon {
            coupon: Coupon {
                code,
                value: serde_json::from_value::<CouponValue>(value).map_err(|e| corrupt("coupon value", e))?,
                duration: serde_json::from_value::<CouponDuration>(duration)
                    .map_err(|e| corrupt("coupon duration", e))?,
                expires_at: None,
                max_redemptions: None,
                times_redeemed: 0,
            },
            from_period_index: u32::try_from(from).map_err(|e| corrupt("coupon period", e))?,
        })
    })
    .transpose()
}

/// The MRR movements of one currency on one day, summed over customers (contraction and churn
/// negative), and the customer counts that moved. `day` None: everything before the range (the
/// opening balance).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct DayMovements {
    pub currency: String,
    pub day: Option<NaiveDate>,
    pub new: i64,
    pub expansion: i64,
    pub contraction: i64,
    pub churn: i64,
    pub reactivation: i64,
    pub new_customers: i64,
    pub churned_customers: i64,
    pub reactivated_customers: i64,
}

/// Every day in `[from, to]` with a movement, per currency, plus one opening row per currency
/// (`day` None) that sums everything before `from`. Set-based: the schedule's deltas per
/// subscription (`lag`), summed per customer and day, classified against the customer's running
/// MRR (a window), then summed per currency and day.
pub async fn daily_movements(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    currency: Option<&str>,
) -> Result<Vec<DayMovements>> {
    Ok(sqlx::query_as(
        "WITH sub_deltas AS (
             SELECT customer_id, currency, effective_on AS day,
                    mrr - COALESCE(lag(mrr) OVER (PARTITION BY subscription_id ORDER BY effective_on), 0) AS delta
               FROM subscription_mrr
              WHERE tenant_id = $1 AND effective_on <= $3 AND ($4::text IS NULL OR currency = $4)
         ), cust_day AS (
             SELECT customer_id, currency, day, sum(delta)::bigint AS delta
               FROM sub_deltas GROUP BY customer_id, currency, day HAVING sum(delta) <> 0
         ), cust AS (
             SELECT currency, day, delta,
                    (sum(delta) OVER w)::bigint - delta AS before,
                    (sum(delta) OVER w)::bigint AS after,
                    row_number() OVER w AS n
               FROM cust_day WINDOW w AS (PARTITION BY customer_id, currency ORDER BY day)
         ), kinds AS (
             SELECT currency, day, delta,
                    CASE WHEN before = 0 AND n = 1 THEN 'new'
                         WHEN before = 0 THEN 'reactivation'
                         WHEN after = 0 THEN 'churn'
                         WHEN delta > 0 THEN 'expansion'
                         ELSE 'contraction' END AS kind
               FROM cust
         )
         SELECT currency::text AS currency, CASE WHEN day < $2 THEN NULL ELSE day END AS day,
                COALESCE(sum(delta) FILTER (WHERE kind = 'new'), 0)::bigint AS new,
                COALESCE(sum(delta) FILTER (WHERE kind = 'expansion'), 0)::bigint AS expansion,
                COALESCE(sum(delta) FILTER (WHERE kind = 'contraction'), 0)::bigint AS contraction,
                COALESCE(sum(delta) FILTER (WHERE kind = 'churn'), 0)::bigint AS churn,
                COALESCE(sum(delta) FILTER (WHERE kind = 'reactivation'), 0)::bigint AS reactivation,
                count(*) FILTER (WHERE kind = 'new') AS new_customers,
                count(*) FILTER (WHERE kind = 'churn') AS churned_customers,
                count(*) FILTER (WHERE kind = 'reactivation') AS reactivated_customers
           FROM kinds
          GROUP BY 1, 2
          ORDER BY 1, 2 NULLS FIRST",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(currency)
    .fetch_all(conn)
    .await?)
}

/// Metered revenue per currency and issue day: the lines of finalized invoices of subscriptions
/// on a metered plan, issued in `[from, to]`.
pub async fn metered(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>> {
    Ok(sqlx::query_as(
        "SELECT i.currency::text, i.issue_date, sum(i.subtotal - i.discount)::bigint
           FROM invoices i
           JOIN subscriptions s ON s.tenant_id = i.tenant_id AND s.id = i.subscription_id
           JOIN plans p ON p.tenant_id = s.tenant_id AND p.id = s.plan_id
          WHERE i.tenant_id = $1 AND i.status NOT IN ('draft', 'void') AND i.kind = 'subscription'
            AND p.usage_metric IS NOT NULL AND i.issue_date BETWEEN $2 AND $3
          GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Portal facts for `[from, to]` (days in UTC).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct PortalFacts {
    pub customers: i64,
    pub registered: i64,
    pub active: i64,
    pub returning: i64,
    pub sessions: i64,
    pub sign_ins: i64,
    pub page_views: i64,
    pub failed_sign_ins: i64,
    pub lockouts: i64,
    pub revoked_sessions: i64,
    pub links_requested: i64,
}

pub async fn portal_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<PortalFacts> {
    Ok(sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM customers WHERE tenant_id = $1 AND created_at < $3) AS customers,
           (SELECT count(DISTINCT customer_id) FROM portal_sessions WHERE tenant_id = $1 AND created_at < $3) AS registered,
           (SELECT count(DISTINCT customer_id) FROM portal_sessions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3) AS active,
           (SELECT count(*) FROM (SELECT customer_id FROM portal_sessions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
                                   GROUP BY customer_id HAVING count(*) > 1) r) AS returning,
           (SELECT count(*) FROM portal_sessions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3) AS sessions,
           (SELECT count(*) FROM portal_audit_log WHERE tenant_id = $1 AND event = 'signed_in' AND at >= $2 AND at < $3) AS sign_ins,
           (SELECT count(*) FROM portal_events WHERE tenant_id = $1 AND kind = 'page_view' AND started_at >= $2 AND started_at < $3) AS page_views,
           (SELECT count(*) FROM portal_audit_log WHERE tenant_id = $1 AND event = 'sign_in_failed' AND at >= $2 AND at < $3) AS failed_sign_ins,
           (SELECT count(*) FROM portal_audit_log WHERE tenant_id = $1 AND event = 'locked_out' AND at >= $2 AND at < $3) AS lockouts,
           (SELECT count(*) FROM portal_audit_log WHERE tenant_id = $1 AND event = 'session_revoked' AND at >= $2 AND at < $3) AS revoked_sessions,
           (SELECT count(*) FROM portal_audit_log WHERE tenant_id = $1 AND event = 'link_requested' AND at >= $2 AND at < $3) AS links_requested",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// Portal sessions started in `[from, until)` with the page views they had: a page view belongs
/// to its customer's latest session started at or before it that had not expired or been revoked
/// then (page views carry no session of their own). (sessions with a view, of those with exactly
/// one, the lower median of seconds from the session's start to its last view.)
pub async fn portal_session_depth(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64, Option<i64>)> {
    Ok(sqlx::query_as(
        "WITH per_session AS (
           SELECT s.token_hash, s.created_at, count(*) AS views, max(v.started_at) AS last_view
             FROM portal_sessions s
             JOIN LATERAL (
               SELECT e.started_at FROM portal_events e
                WHERE e.tenant_id = s.tenant_id AND e.customer_id = s.customer_id AND e.kind = 'page_view'
                  AND e.started_at >= s.created_at AND e.started_at < s.expires_at
                  AND (s.revoked_at IS NULL OR e.started_at < s.revoked_at)
                  AND NOT EXISTS (SELECT 1 FROM portal_sessions n
                                   WHERE n.tenant_id = s.tenant_id AND n.customer_id = s.customer_id
                                     AND n.created_at > s.created_at AND n.created_at <= e.started_at)
             ) v ON true
            WHERE s.tenant_id = $1 AND s.created_at >= $2 AND s.created_at < $3
            GROUP BY s.token_hash, s.created_at)
         SELECT count(*), count(*) FILTER (WHERE views = 1),
                (percentile_disc(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM last_view - created_at))))::bigint
           FROM per_session",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// Self-service actions per feature: (action, attempts, completed, median duration of the
/// completed ones in ms).
pub async fn portal_actions(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT action, count(*), count(*) FILTER (WHERE status = 'completed'),
                (percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = 'completed'))::bigint
           FROM portal_events
          WHERE tenant_id = $1 AND kind = 'action' AND action IS NOT NULL AND started_at >= $2 AND started_at < $3
          GROUP BY action ORDER BY action",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Sessions and completed self-service actions per day (days in the time zone `tz`).
#[allow(clippy::too_many_arguments)]
pub async fn portal_daily(
    conn: &mut PgConnection,
    tenant: TenantId,
    tz: &str,
    from_day: NaiveDate,
    to_day: NaiveDate,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT d::date, COALESCE(s.n, 0), COALESCE(a.n, 0)
           FROM generate_series($3::date, $4::date, interval '1 day') d
           LEFT JOIN (SELECT (created_at AT TIME ZONE $2)::date AS day, count(*) AS n FROM portal_sessions
                       WHERE tenant_id = $1 AND created_at >= $5 AND created_at < $6 GROUP BY 1) s ON s.day = d::date
           LEFT JOIN (SELECT (started_at AT TIME ZONE $2)::date AS day, count(*) AS n FROM portal_events
                       WHERE tenant_id = $1 AND kind = 'action' AND status = 'completed' AND started_at >= $5 AND started_at < $6
                       GROUP BY 1) a ON a.day = d::date
          ORDER BY 1",
    )
    .bind(tenant)
    .bind(tz)
    .bind(from_day)
    .bind(to_day)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Failed-payment recovery per currency: invoices with a failed attempt that started in the
/// range: (currency, failed invoices, recovered invoices (paid now), recovered amount).
pub async fn recovery(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT i.currency::text, count(*), count(*) FILTER (WHERE i.status = 'paid'),
                COALESCE(sum(i.total) FILTER (WHERE i.status = 'paid'), 0)::bigint
           FROM invoices i
          WHERE i.tenant_id = $1 AND EXISTS (
                SELECT 1 FROM payment_attempts a WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id
                   AND a.status = 'failed' AND a.created_at >= $2 AND a.created_at < $3)
          GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// For DSO, per currency: receivables open at the end of `to` (invoices issued by then, not void
/// or written off, less what was received by then, never below 0) and the amount invoiced in
/// `[from, to]`.
pub async fn receivables(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>> {
    Ok(sqlx::query_as(
        "WITH inv AS (
             SELECT i.currency, i.issue_date, i.total,
                    GREATEST(i.total - COALESCE((SELECT sum(p.amount) FROM invoice_payments p
                                                  WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id
                                                    AND p.amount > 0 AND p.received_at < $4), 0)
                                     - COALESCE((SELECT sum(-c.total) FROM invoices c
                                                  WHERE c.tenant_id = i.tenant_id AND c.credit_note_for = i.id
                                                    AND c.issue_date <= $3), 0), 0) AS open
               FROM invoices i
              WHERE i.tenant_id = $1 AND i.kind <> 'credit_note' AND i.status NOT IN ('draft', 'void', 'uncollectible')
                AND i.issue_date <= $3 AND i.total > 0
         )
         SELECT currency::text, COALESCE(sum(open), 0)::bigint,
                COALESCE(sum(total) FILTER (WHERE issue_date >= $2), 0)::bigint
           FROM inv GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Cancellation reasons given in the portal in the range: (reason, count).
pub async fn cancellation_reasons(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT reason, count(*) FROM portal_cancellation_reasons
          WHERE tenant_id = $1 AND at >= $2 AND at < $3 GROUP BY reason ORDER BY count(*) DESC, reason",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Retention offers shown in the range: (shown, accepted, saved), where saved means that no
/// cancellation of the subscription was recorded within 30 days after the offer was shown.
pub async fn retention(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE r.accepted_at IS NOT NULL),
                count(*) FILTER (WHERE NOT EXISTS (
                    SELECT 1 FROM portal_cancellation_reasons c
                     WHERE c.tenant_id = r.tenant_id AND c.subscription_id = r.subscription_id
                       AND c.at >= r.shown_at AND c.at < r.shown_at + interval '30 days'))
           FROM portal_retention_shown r
          WHERE r.tenant_id = $1 AND r.shown_at >= $2 AND r.shown_at < $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// Trials that ended in `[from, to]` and how many of them turned into paid subscriptions (not
/// ended or scheduled to end on or before the trial's last day).
pub async fn trials(conn: &mut PgConnection, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE (ended_on IS NULL OR ended_on > trial_end) AND (cancel_at IS NULL OR cancel_at > trial_end))
           FROM subscriptions WHERE tenant_id = $1 AND trial_end IS NOT NULL AND trial_end BETWEEN $2 AND $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await?)
}

/// Sets the acquisition spend of a month (its first day) and currency; returns the saved amount.
pub async fn put_acquisition_spend(
    conn: &mut PgConnection,
    tenant: TenantId,
    month: NaiveDate,
    currency: &str,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO acquisition_spend (tenant_id, month, currency, amount, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, month, currency) DO UPDATE SET amount = EXCLUDED.amount, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(month)
    .bind(currency)
    .bind(amount)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The acquisition spend of the months that overlap `[from, to]`: (month, currency, amount).
pub async fn acquisition_spend(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT month, currency::text, amount FROM acquisition_spend
          WHERE tenant_id = $1 AND month >= date_trunc('month', $2::date)::date AND month <= $3
          ORDER BY month, currency",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// The merchant's figures for time and cost saved, if saved.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MetricsSettingsRow {
    pub currency: String,
    pub staff_minutes_per_action: i32,
    pub cost_per_action: i64,
    pub postage_cost: i64,
}

pub async fn metrics_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<MetricsSettingsRow>> {
    Ok(sqlx::query_as(
        "SELECT currency::text AS currency, staff_minutes_per_action, cost_per_action, postage_cost
           FROM metrics_settings WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?)
}

pub async fn put_metrics_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &MetricsSettingsRow,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO metrics_settings (tenant_id, currency, staff_minutes_per_action, cost_per_action, postage_cost, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id) DO UPDATE SET currency = EXCLUDED.currency,
             staff_minutes_per_action = EXCLUDED.staff_minutes_per_action, cost_per_action = EXCLUDED.cost_per_action,
             postage_cost = EXCLUDED.postage_cost, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(&s.currency)
    .bind(s.staff_minutes_per_action)
    .bind(s.cost_per_action)
    .bind(s.postage_cost)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Paid invoices (not credit notes) per currency and issue day in `[from, to]`: (currency, day,
/// count, sum of totals).
pub async fn paid_invoices(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT currency::text, issue_date, count(*), sum(total)::bigint FROM invoices
          WHERE tenant_id = $1 AND status = 'paid' AND kind <> 'credit_note' AND total > 0
            AND issue_date BETWEEN $2 AND $3
          GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Survey answers per kind and month (in the time zone `tz`) in `[from, until)`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SurveyMonthRow {
    pub kind: String,
    pub month: NaiveDate,
    pub responses: i64,
    pub dismissed: i64,
    pub promoters: i64,
    pub detractors: i64,
    pub satisfied: i64,
    pub score_sum: i64,
}

pub async fn survey_months(
    conn: &mut PgConnection,
    tenant: TenantId,
    tz: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<SurveyMonthRow>> {
    Ok(sqlx::query_as(
        "SELECT kind, date_trunc('month', created_at AT TIME ZONE $2)::date AS month,
                count(score) AS responses,
                count(*) FILTER (WHERE dismissed) AS dismissed,
                count(*) FILTER (WHERE kind = 'nps' AND score >= 9) AS promoters,
                count(*) FILTER (WHERE kind = 'nps' AND score <= 6) AS detractors,
                count(*) FILTER (WHERE kind = 'csat' AND score >= 4) AS satisfied,
                COALESCE(sum(score), 0)::bigint AS score_sum
           FROM survey_responses
          WHERE tenant_id = $1 AND created_at >= $3 AND created_at < $4
          GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind(tenant)
    .bind(tz)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// The newest survey answers with a comment in `[from, until)`: (kind, score, comment, at).
pub async fn survey_comments(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, i16, String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT kind, score, comment, created_at FROM survey_responses
          WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND score IS NOT NULL
            AND comment IS NOT NULL AND btrim(comment) <> ''
          ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The portal's help searches in `[from, until)`: (all, without a result).
pub async fn help_searches(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'no_results') FROM portal_events
          WHERE tenant_id = $1 AND kind = 'help_search' AND started_at >= $2 AND started_at < $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// The most frequent searches without a result (lower-cased, spaces trimmed): (query, count).
pub async fn zero_result_queries(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT lower(btrim(detail->>'query')) AS q, count(*) FROM portal_events
          WHERE tenant_id = $1 AND kind = 'help_search' AND status = 'no_results'
            AND started_at >= $2 AND started_at < $3 AND coalesce(btrim(detail->>'query'), '') <> ''
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $4",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Billing questions asked in `[from, until)`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct QuestionFacts {
    pub asked: i64,
    pub answered: i64,
    pub resolved: i64,
    /// Lower median (`percentile_disc`) of the seconds to the first staff reply.
    pub median_first_response: Option<i64>,
    /// Lower median of the seconds to the close.
    pub median_resolution: Option<i64>,
}

pub async fn question_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<QuestionFacts> {
    Ok(sqlx::query_as(
        "SELECT count(*) AS asked,
                count(first_response_at) AS answered,
                count(resolved_at) AS resolved,
                (percentile_disc(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM first_response_at - created_at))::bigint)
                    FILTER (WHERE first_response_at IS NOT NULL))::bigint AS median_first_response,
                (percentile_disc(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM resolved_at - created_at))::bigint)
                    FILTER (WHERE resolved_at IS NOT NULL))::bigint AS median_resolution
           FROM billing_questions WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// Funnel steps (`portal_events` kind `funnel`, action `<funnel>:<step>`, completed) in `[from,
/// until)`: (action, distinct visitors).
pub async fn funnel_steps(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT action, count(DISTINCT coalesce(detail->>'visitor', customer_id::text)) FROM portal_events
          WHERE tenant_id = $1 AND kind = 'funnel' AND status = 'completed' AND action IS NOT NULL
            AND started_at >= $2 AND started_at < $3
          GROUP BY action ORDER BY action",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Who made changes in `[from, until)`: (completed self-service actions in the portal, staff
/// actions on a customer done in the console).
pub async fn change_makers(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM portal_events WHERE tenant_id = $1 AND kind = 'action' AND status = 'completed'
                    AND started_at >= $2 AND started_at < $3),
                (SELECT count(*) FROM staff_audit_log WHERE tenant_id = $1 AND outcome = 'done'
                    AND action LIKE 'customer.%' AND at >= $2 AND at < $3)",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_one(conn)
    .await?)
}

/// Staff now: (active: not disabled, invitation accepted; of those with a confirmed TOTP).
pub async fn staff_two_factor(conn: &mut PgConnection, tenant: TenantId) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE totp_enabled) FROM staff_users
          WHERE tenant_id = $1 AND disabled_at IS NULL AND password_hash IS NOT NULL",
    )
    .bind(tenant)
    .fetch_one(conn)
    .await?)
}

/// Finalized invoices (not credit notes) issued in `[from, to]`.
pub async fn issued_invoices(conn: &mut PgConnection, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM invoices WHERE tenant_id = $1 AND status NOT IN ('draft', 'void')
            AND kind <> 'credit_note' AND issue_date BETWEEN $2 AND $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await?)
}

/// Customers created before `until`.
pub async fn customers_before(conn: &mut PgConnection, tenant: TenantId, until: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM customers WHERE tenant_id = $1 AND created_at < $2")
        .bind(tenant)
        .bind(until)
        .fetch_one(conn)
        .await?)
}

/// A funnel step as the shared contract describes it (`kind = 'funnel'`, `action =
/// <funnel>:<step>`, `detail.visitor`): for the demo's history and tests; the portal's sign-up
/// pages write their own.
#[allow(clippy::too_many_arguments)]
pub async fn insert_funnel_step(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<crate::ids::CustomerId>,
    action: &str,
    page: &str,
    visitor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_events (tenant_id, customer_id, kind, action, page, status, started_at, completed_at, detail)
         VALUES ($1, $2, 'funnel', $3, $4, 'completed', $5, $5, jsonb_build_object('visitor', $6::text))",
    )
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .bind(page)
    .bind(at)
    .bind(visitor)
    .execute(conn)
    .await?;
    Ok(())
}
