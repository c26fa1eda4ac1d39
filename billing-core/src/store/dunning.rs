//! Dunning policies and the steps taken on invoices (`dunning_policies`, `dunning_steps`), what
//! the steps charged (`dunning_charges`) and the Bundesbank base rates (`base_rates`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// The tenant's stored steps (JSON), `None` when it has no policy of its own.
pub async fn policy(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<serde_json::Value>> {
    Ok(sqlx::query_scalar("SELECT steps FROM dunning_policies WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// The preset ladder the tenant chose (`de`), if any.
pub async fn policy_ladder(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT ladder FROM dunning_policies WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?
        .flatten())
}

/// Stores the tenant's steps and the preset they came from (`None`: listed by the tenant).
pub async fn put_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    steps: &serde_json::Value,
    ladder: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO dunning_policies (tenant_id, steps, ladder, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE
            SET steps = EXCLUDED.steps, ladder = EXCLUDED.ladder, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(steps)
    .bind(ladder)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A policy for a segment or a payment method kind (`dunning_policy_scopes`, docs/adr/0046).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScopedPolicy {
    /// `segment:<code>` or `method:<kind>`.
    pub scope: String,
    pub steps: serde_json::Value,
    pub ladder: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The tenant's policies for segments and method kinds, by scope.
pub async fn scoped_policies(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<ScopedPolicy>> {
    Ok(sqlx::query_as(
        "SELECT scope, steps, ladder, updated_at FROM dunning_policy_scopes WHERE tenant_id = $1 ORDER BY scope",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// One of them.
pub async fn scoped_policy(conn: &mut PgConnection, tenant: TenantId, scope: &str) -> Result<Option<ScopedPolicy>> {
    Ok(sqlx::query_as(
        "SELECT scope, steps, ladder, updated_at FROM dunning_policy_scopes WHERE tenant_id = $1 AND scope = $2",
    )
    .bind(tenant)
    .bind(scope)
    .fetch_optional(conn)
    .await?)
}

/// Stores (or replaces) the policy for `scope`.
pub async fn put_scoped_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    scope: &str,
    steps: &serde_json::Value,
    ladder: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ScopedPolicy> {
    Ok(sqlx::query_as(
        "INSERT INTO dunning_policy_scopes (tenant_id, scope, steps, ladder, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, scope) DO UPDATE
            SET steps = EXCLUDED.steps, ladder = EXCLUDED.ladder, updated_at = EXCLUDED.updated_at
         RETURNING scope, steps, ladder, updated_at",
    )
    .bind(tenant)
    .bind(scope)
    .bind(steps)
    .bind(ladder)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Removes the policy for `scope`; false when there was none.
pub async fn delete_scoped_policy(conn: &mut PgConnection, tenant: TenantId, scope: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM dunning_policy_scopes WHERE tenant_id = $1 AND scope = $2")
        .bind(tenant)
        .bind(scope)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The stored policy that applies to the invoice, with where it came from (`segment:<code>`,
/// `method:<kind>` or `tenant`): its customer's segment first, then the kind of method its first
/// failed attempt used, then the tenant's own. `None`: the built-in default applies.
pub async fn policy_for_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: Uuid,
) -> Result<Option<(String, serde_json::Value)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT p.scope, p.steps
           FROM (SELECT $1::uuid AS tenant_id, $2::uuid AS invoice_id,
                        (SELECT i.customer_id FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2) AS customer_id) x,
                LATERAL ({POLICY_OF_X}) p"
    ))
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(conn)
    .await?)
}

/// The policy of the invoice `x` (columns `tenant_id`, `invoice_id`, `customer_id`): its
/// customer's segment's, else the kind of the method its first failed attempt used, else the
/// tenant's; no row for the built-in default. A subquery for a `LATERAL` join.
const POLICY_OF_X: &str = "
    SELECT scope, steps FROM (
        SELECT s.scope, s.steps, 1 AS rank FROM dunning_policy_scopes s
         WHERE s.tenant_id = x.tenant_id
           AND s.scope = 'segment:' || (SELECT c.segment FROM customers c
                                         WHERE c.tenant_id = x.tenant_id AND c.id = x.customer_id)
        UNION ALL
        SELECT s.scope, s.steps, 2 FROM dunning_policy_scopes s
         WHERE s.tenant_id = x.tenant_id
           AND s.scope = 'method:' || (SELECT pm.kind FROM payment_attempts f
                                         JOIN payment_methods pm ON pm.tenant_id = f.tenant_id AND pm.id = f.payment_method_id
                                        WHERE f.tenant_id = x.tenant_id AND f.invoice_id = x.invoice_id AND f.status = 'failed'
                                        ORDER BY f.created_at, f.id LIMIT 1)
        UNION ALL
        SELECT 'tenant', p.steps, 3 FROM dunning_policies p WHERE p.tenant_id = x.tenant_id
    ) found ORDER BY rank LIMIT 1";

/// An invoice in dunning: open, something left to pay, no attempt in flight, and either its
/// latest attempt failed (`payment_failed`: counted from the first failed attempt) or it was
/// never charged and nothing will charge it (`overdue`: counted from its due date; the tenant
/// sends invoices to be paid by transfer, or the customer has no payment method), docs/adr/0047.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InDunning {
    pub tenant_id: Uuid,
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    pub currency: String,
    pub amount_due: i64,
    /// When the first failed attempt on the invoice was made; `None` for an invoice never charged.
    pub first_failed_at: Option<DateTime<Utc>>,
    pub due_date: Option<chrono::NaiveDate>,
    pub last_decline_class: Option<String>,
    pub last_decline_code: Option<String>,
    /// The payment method the latest attempt was made with; `None` for an invoice never charged.
    pub last_method_id: Option<Uuid>,
}

/// Why an invoice is in dunning, and so what its steps count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DunningReason {
    /// A collection attempt failed: from the day of the first failed attempt.
    PaymentFailed,
    /// Never charged and past its due date: from the due date.
    Overdue,
}

impl DunningReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DunningReason::PaymentFailed => "payment_failed",
            DunningReason::Overdue => "overdue",
        }
    }
}

impl InDunning {
    /// Why the invoice is in dunning.
    pub fn reason(&self) -> DunningReason {
        if self.first_failed_at.is_some() { DunningReason::PaymentFailed } else { DunningReason::Overdue }
    }

    /// The day the policy's step days count from: the first failed attempt's, else the due date.
    pub fn since(&self) -> chrono::NaiveDate {
        match (self.first_failed_at, self.due_date) {
            (Some(at), _) => at.date_naive(),
            (None, Some(due)) => due,
            // Not selected without a due date; a safe value all the same.
            (None, None) => chrono::NaiveDate::MAX,
        }
    }
}

const IN_DUNNING: &str = "
    SELECT i.tenant_id, i.id AS invoice_id, i.customer_id, i.currency::text AS currency,
           i.total - i.amount_paid AS amount_due,
           (SELECT min(f.created_at) FROM payment_attempts f
             WHERE f.tenant_id = i.tenant_id AND f.invoice_id = i.id AND f.status = 'failed') AS first_failed_at,
           i.due_date,
           last.decline_class AS last_decline_class, last.decline_code AS last_decline_code,
           last.payment_method_id AS last_method_id
      FROM invoices i
      JOIN tenants t ON t.tenant_id = i.tenant_id
      LEFT JOIN LATERAL (SELECT a.status, a.decline_class, a.decline_code, a.payment_method_id FROM payment_attempts a
                     WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1) last ON true
     WHERE i.status = 'open' AND i.total > i.amount_paid
       AND (last.status = 'failed'
            -- Never charged, and nothing will: paid by transfer, or no method to charge (ADR 0047).
            OR (last.status IS NULL AND i.due_date IS NOT NULL
                AND (t.collection_method = 'send_invoice'
                     OR NOT EXISTS (SELECT 1 FROM payment_methods pm
                                     WHERE pm.tenant_id = i.tenant_id AND pm.customer_id = i.customer_id
                                       AND pm.removed_at IS NULL))))
       -- A dunning step's own charges are not dunned again (no interest on interest, § 289 BGB).
       AND NOT EXISTS (SELECT 1 FROM dunning_charges dc
                        WHERE dc.tenant_id = i.tenant_id AND dc.charge_invoice_id = i.id)";

/// Every invoice in dunning over all tenants on `as_of`: one that failed, due on or before it;
/// one never charged, due before it (the due date itself is not late yet).
pub async fn work(conn: &mut PgConnection, as_of: chrono::NaiveDate) -> Result<Vec<InDunning>> {
    let sql = format!(
        "{IN_DUNNING} AND i.due_date <= $1 AND (last.status IS NOT NULL OR i.due_date < $1) ORDER BY i.tenant_id, i.id"
    );
    Ok(sqlx::query_as(&sql).bind(as_of).fetch_all(conn).await?)
}

/// The customer's invoices in dunning: the failed ones whatever their due date, the ones never
/// charged once past their due date on `today`.
pub async fn for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
    today: chrono::NaiveDate,
) -> Result<Vec<InDunning>> {
    let sql = format!("{IN_DUNNING} {OF_CUSTOMER} ORDER BY i.id");
    Ok(sqlx::query_as(&sql).bind(tenant).bind(customer).bind(today).fetch_all(conn).await?)
}

/// [`IN_DUNNING`]'s rows of the customer `$2` of the tenant `$1` on the day `$3`: the failed ones
/// whatever their due date, the ones never charged once past their due date.
const OF_CUSTOMER: &str =
    "AND i.tenant_id = $1 AND i.customer_id = $2 AND (last.status IS NOT NULL OR i.due_date < $3)";

/// An invoice in dunning with the steps taken on it and its policy's steps (`policy_for_invoice`;
/// `None`: the built-in default).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InDunningWithSteps {
    #[sqlx(flatten)]
    pub invoice: InDunning,
    pub taken: Vec<i32>,
    pub policy_steps: Option<serde_json::Value>,
}

/// [`for_customer`] with each invoice's steps taken and policy, in one statement (a customer's
/// dunning state as `GET /customers/{id}` and the console show it).
pub async fn for_customer_with_steps(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
    today: chrono::NaiveDate,
) -> Result<Vec<InDunningWithSteps>> {
    let sql = format!(
        "SELECT x.*,
                ARRAY(SELECT s.step FROM dunning_steps s
                       WHERE s.tenant_id = x.tenant_id AND s.invoice_id = x.invoice_id ORDER BY s.step) AS taken,
                p.steps AS policy_steps
           FROM ({IN_DUNNING} {OF_CUSTOMER}) x
           LEFT JOIN LATERAL ({POLICY_OF_X}) p ON true
          ORDER BY x.invoice_id"
    );
    Ok(sqlx::query_as(&sql).bind(tenant).bind(customer).bind(today).fetch_all(conn).await?)
}

/// An invoice `i` whose latest payment attempt failed (a condition for a statement's `WHERE`).
pub(crate) const LATEST_ATTEMPT_FAILED: &str = "(SELECT a.status FROM payment_attempts a
      WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id
      ORDER BY a.created_at DESC, a.id DESC LIMIT 1) = 'failed'";

/// An invoice `i` never charged (no attempt at all) and past its due date on the day bound as
/// `$3` (the due date itself is not late yet).
pub(crate) const NEVER_CHARGED_OVERDUE: &str = "(NOT EXISTS (SELECT 1 FROM payment_attempts a
                  WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id)
      AND i.due_date IS NOT NULL AND i.due_date < $3)";

/// The customer's invoices a newly added payment method collects at once (recovery,
/// `payments::collect_in_dunning`): the ones whose last attempt failed, and the ones never charged
/// that are past their due date on `today`, whatever methods the customer holds now. The method
/// just added takes the latter off [`for_customer`]'s list ("nothing will charge it"), yet they
/// are as much in dunning as a declined one (docs/adr/0048). Dunning steps' own charges stay out.
pub async fn recoverable_for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
    today: chrono::NaiveDate,
) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT i.id FROM invoices i
          WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.status = 'open' AND i.total > i.amount_paid
            AND NOT EXISTS (SELECT 1 FROM dunning_charges dc
                             WHERE dc.tenant_id = i.tenant_id AND dc.charge_invoice_id = i.id)
            AND ({LATEST_ATTEMPT_FAILED} OR {NEVER_CHARGED_OVERDUE})
          ORDER BY i.id"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(today)
    .fetch_all(conn)
    .await?)
}

/// Whether the invoice was never charged (no payment attempt at all).
pub async fn never_charged(conn: &mut PgConnection, tenant: TenantId, invoice: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2)",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_one(conn)
    .await?)
}

/// The step numbers taken on the invoice.
pub async fn taken(conn: &mut PgConnection, tenant: Uuid, invoice: Uuid) -> Result<BTreeSet<u32>> {
    let steps: Vec<i32> = sqlx::query_scalar("SELECT step FROM dunning_steps WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(tenant)
        .bind(invoice)
        .fetch_all(conn)
        .await?;
    Ok(steps.into_iter().filter_map(|s| u32::try_from(s).ok()).collect())
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct Taken<'a> {
    pub tenant: Uuid,
    pub invoice: Uuid,
    pub step: u32,
    pub day: u32,
    pub action: &'a str,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
}

/// Claims the step; false when it was already taken (by an earlier run or another server).
pub async fn claim(conn: &mut PgConnection, t: &Taken<'_>, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO dunning_steps (tenant_id, invoice_id, step, day, action, outcome, reason, taken_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(t.tenant)
    .bind(t.invoice)
    .bind(i64::from(t.step) as i32)
    .bind(i64::from(t.day) as i32)
    .bind(t.action)
    .bind(t.outcome)
    .bind(t.reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records how a claimed step ended.
pub async fn finish(
    conn: &mut PgConnection,
    tenant: Uuid,
    invoice: Uuid,
    step: u32,
    outcome: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE dunning_steps SET outcome = $4, reason = $5 WHERE tenant_id = $1 AND invoice_id = $2 AND step = $3",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(i64::from(step) as i32)
    .bind(outcome)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The steps taken on an invoice, in order: (step, action, outcome, reason).
pub async fn history(
    conn: &mut PgConnection,
    tenant: Uuid,
    invoice: Uuid,
) -> Result<Vec<(i32, String, String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT step, action, outcome, reason FROM dunning_steps WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY step",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(conn)
    .await?)
}

/// When the invoice's first failed attempt was made (`None`: none failed yet).
pub async fn first_failed_at(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT min(created_at) FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'failed'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_one(conn)
    .await?)
}

/// The published Bundesbank base rates, oldest first.
pub async fn base_rates(conn: &mut PgConnection) -> Result<Vec<crate::default_interest::BaseRate>> {
    let rows: Vec<(chrono::NaiveDate, rust_decimal::Decimal)> =
        sqlx::query_as("SELECT valid_from, rate FROM base_rates ORDER BY valid_from").fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(valid_from, rate)| crate::default_interest::BaseRate { valid_from, rate }).collect())
}

/// One charge a step made (see `dunning_charges`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Charge {
    pub step: i32,
    pub piece: i32,
    pub kind: String,
    pub amount: i64,
    pub currency: String,
    pub principal: Option<i64>,
    pub period_start: Option<chrono::NaiveDate>,
    pub period_end: Option<chrono::NaiveDate>,
    pub rate: Option<rust_decimal::Decimal>,
    pub charge_invoice_id: Uuid,
}

/// Records a charge of the step on `invoice`. False when the flat fee was already charged on it
/// (the partial unique index: once per invoice).
pub async fn insert_charge(
    conn: &mut PgConnection,
    tenant: Uuid,
    invoice: Uuid,
    c: &Charge,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO dunning_charges (tenant_id, invoice_id, step, piece, kind, amount, currency, principal,
                                      period_start, period_end, rate, charge_invoice_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(c.step)
    .bind(c.piece)
    .bind(&c.kind)
    .bind(c.amount)
    .bind(&c.currency)
    .bind(c.principal)
    .bind(c.period_start)
    .bind(c.period_end)
    .bind(c.rate)
    .bind(c.charge_invoice_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every charge made on `invoice` (all steps), in order.
pub async fn charges(conn: &mut PgConnection, tenant: Uuid, invoice: Uuid) -> Result<Vec<Charge>> {
    Ok(sqlx::query_as(
        "SELECT step, piece, kind, amount, currency::text AS currency, principal, period_start, period_end, rate,
                charge_invoice_id
           FROM dunning_charges WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY step, piece",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(conn)
    .await?)
}

/// Whether the customer is restricted: a `restrict` step was taken on one of their invoices
/// that is still owed (open, or written off but never paid). Paying it lifts the restriction.
pub async fn is_restricted(conn: &mut PgConnection, tenant: TenantId, customer: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invoices i
                          JOIN dunning_steps s ON s.tenant_id = i.tenant_id AND s.invoice_id = i.id
                         WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.status IN ('open', 'uncollectible')
                           AND s.action = 'restrict' AND s.outcome = 'done')",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_one(conn)
    .await?)
}

/// The customer's base subscriptions that have not ended (add-ons follow their base), with their
/// status.
pub async fn customer_subscriptions(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
) -> Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, status FROM subscriptions
          WHERE tenant_id = $1 AND customer_id = $2 AND parent_id IS NULL AND status <> 'canceled' ORDER BY id",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(conn)
    .await?)
}
