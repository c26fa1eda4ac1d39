//! Products, plans and the price book.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::catalog::{BillingTiming, Metering, Plan, PlanPrice, Product};
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{PlanId, ProductId, TenantId};
use crate::money::Money;
use crate::period::{BillingInterval, IntervalUnit};
use crate::rating::Pricing;
use crate::usage::Aggregation;

pub async fn insert_product(conn: &mut PgConnection, tenant: TenantId, p: &Product, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("INSERT INTO products (tenant_id, id, code, name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tenant)
        .bind(p.id)
        .bind(&p.code)
        .bind(&p.name)
        .bind(now)
        .execute(conn)
        .await
        .map_err(|e| unique_to_duplicate(e, "products_code_unique", "product", &p.code))?;
    Ok(())
}

pub async fn get_product_by_code(conn: &mut PgConnection, tenant: TenantId, code: &str) -> Result<Option<Product>> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, code, name FROM products WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(code)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id, code, name)| Product { id: ProductId(id), code, name }))
}

/// Inserts a plan and its price book in the caller's transaction.
pub async fn insert_plan(conn: &mut PgConnection, tenant: TenantId, plan: &Plan, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO plans (tenant_id, id, product_id, code, name, interval_unit, interval_count, active, created_at,
             billing_timing, usage_metric, usage_aggregation, trial_days, tax_category, kind, addon_for, addon_one_time,
             trial_requires_payment_method)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(tenant)
    .bind(plan.id)
    .bind(plan.product_id)
    .bind(&plan.code)
    .bind(&plan.name)
    .bind(plan.interval.unit.as_str())
    .bind(plan.interval.count as i32)
    .bind(plan.active)
    .bind(now)
    .bind(plan.timing.as_str())
    .bind(plan.metering.as_ref().map(|m| m.metric.clone()))
    .bind(plan.metering.as_ref().map(|m| m.aggregation.as_str()))
    .bind(plan.trial_days as i32)
    .bind(crate::catalog::tax_category_str(plan.tax_category))
    .bind(if plan.addon.is_some() { "addon" } else { "base" })
    .bind(plan.addon.as_ref().map(|a| a.fits.clone()).unwrap_or_default())
    .bind(plan.addon.as_ref().is_some_and(|a| a.one_time))
    .bind(plan.trial_requires_payment_method)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_to_duplicate(e, "plans_code_unique", "plan", &plan.code))?;
    for price in &plan.prices {
        let pricing = serde_json::to_value(&price.pricing).map_err(|e| corrupt("pricing", e))?;
        sqlx::query(
            "INSERT INTO plan_prices (tenant_id, plan_id, currency, unit_amount, pricing, setup_fee, segment, tax_behavior)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant)
        .bind(plan.id)
        .bind(price.currency.code())
        .bind(price.headline().map(|m| m.minor()).unwrap_or(0))
        .bind(pricing)
        .bind(price.setup_fee.map(|m| m.minor()))
        .bind(price.segment.as_deref().unwrap_or(""))
        .bind(price.tax_behavior.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: Uuid,
    product_id: Uuid,
    code: String,
    name: String,
    interval_unit: String,
    interval_count: i32,
    active: bool,
    billing_timing: String,
    usage_metric: Option<String>,
    usage_aggregation: Option<String>,
    trial_days: i32,
    tax_category: String,
    kind: String,
    addon_for: Vec<String>,
    addon_one_time: bool,
    trial_requires_payment_method: bool,
    prices: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct PriceJson {
    currency: String,
    unit_amount: i64,
    pricing: Option<serde_json::Value>,
    setup_fee: Option<i64>,
    segment: String,
    tax_behavior: String,
}

/// A stored price: its pricing JSON, or (rows from before pricing models) per unit at unit_amount.
pub(crate) fn price_from_row(
    currency: &str,
    unit_amount: i64,
    pricing: Option<serde_json::Value>,
) -> Result<PlanPrice> {
    let currency = Currency::from_code(currency).map_err(|e| corrupt("price currency", e))?;
    match pricing {
        Some(json) => {
            let pricing: Pricing = serde_json::from_value(json).map_err(|e| corrupt("pricing", e))?;
            PlanPrice::new(pricing)
        }
        None => PlanPrice::per_unit(Money::from_minor(unit_amount, currency)),
    }
}

/// A stored `tax_behavior` column (a CHECK keeps it to the two names).
pub(crate) fn tax_behavior_from_row(text: &str) -> Result<crate::catalog::TaxBehavior> {
    crate::catalog::TaxBehavior::parse(text).ok_or_else(|| corrupt("tax behavior", text))
}

impl TryFrom<PlanRow> for Plan {
    type Error = Error;
    fn try_from(r: PlanRow) -> Result<Self> {
        let unit: IntervalUnit = r.interval_unit.parse().map_err(|e| corrupt("plan interval", e))?;
        let count = u32::try_from(r.interval_count).map_err(|e| corrupt("plan interval count", e))?;
        let interval = BillingInterval::new(unit, count).map_err(|e| corrupt("plan interval", e))?;
        let rows: Vec<PriceJson> = serde_json::from_value(r.prices).map_err(|e| corrupt("price book", e))?;
        let prices = rows
            .into_iter()
            .map(|p| {
                let mut price = price_from_row(&p.currency, p.unit_amount, p.pricing)?;
                price.setup_fee = p.setup_fee.map(|fee| Money::from_minor(fee, price.currency));
                price.segment = Some(p.segment).filter(|s| !s.is_empty());
                price.tax_behavior = tax_behavior_from_row(&p.tax_behavior)?;
                Ok(price)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Plan {
            id: PlanId(r.id),
            product_id: ProductId(r.product_id),
            code: r.code,
            name: r.name,
            interval,
            active: r.active,
            timing: BillingTiming::parse(&r.billing_timing)
                .ok_or_else(|| corrupt("billing timing", &r.billing_timing))?,
            trial_days: u32::try_from(r.trial_days).map_err(|e| corrupt("trial days", e))?,
            trial_requires_payment_method: r.trial_requires_payment_method,
            tax_category: crate::catalog::parse_tax_category(&r.tax_category)
                .ok_or_else(|| corrupt("tax category", &r.tax_category))?,
            addon: (r.kind == "addon")
                .then_some(crate::catalog::AddonRules { fits: r.addon_for, one_time: r.addon_one_time }),
            metering: match (r.usage_metric, r.usage_aggregation) {
                (Some(metric), Some(agg)) => Some(Metering {
                    metric,
                    aggregation: Aggregation::parse(&agg).ok_or_else(|| corrupt("usage aggregation", &agg))?,
                }),
                _ => None,
            },
            prices,
        })
    }
}

const SELECT: &str = "SELECT p.id, p.product_id, p.code, p.name, p.interval_unit, p.interval_count, p.active,
        p.billing_timing, p.usage_metric, p.usage_aggregation, p.trial_days, p.tax_category, p.kind, p.addon_for, p.addon_one_time, p.trial_requires_payment_method,
        COALESCE(jsonb_agg(jsonb_build_object('currency', pp.currency, 'unit_amount', pp.unit_amount, 'pricing', pp.pricing, 'setup_fee', pp.setup_fee, 'segment', pp.segment, 'tax_behavior', pp.tax_behavior)
                 ORDER BY pp.currency, pp.segment) FILTER (WHERE pp.currency IS NOT NULL), '[]'::jsonb) AS prices
     FROM plans p
     LEFT JOIN plan_prices pp ON pp.tenant_id = p.tenant_id AND pp.plan_id = p.id";

pub async fn get_plan(conn: &mut PgConnection, tenant: TenantId, id: PlanId) -> Result<Option<Plan>> {
    let row: Option<PlanRow> =
        sqlx::query_as(&format!("{SELECT} WHERE p.tenant_id = $1 AND p.id = $2 GROUP BY p.id, p.tenant_id"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(Plan::try_from).transpose()
}

pub async fn get_plan_by_code(conn: &mut PgConnection, tenant: TenantId, code: &str) -> Result<Option<Plan>> {
    let row: Option<PlanRow> =
        sqlx::query_as(&format!("{SELECT} WHERE p.tenant_id = $1 AND p.code = $2 GROUP BY p.id, p.tenant_id"))
            .bind(tenant)
            .bind(code)
            .fetch_optional(conn)
            .await?;
    row.map(Plan::try_from).transpose()
}

/// All plans of a tenant (catalogs are small: tens, not millions), ordered by code.
pub async fn list_plans(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Plan>> {
    let rows: Vec<PlanRow> =
        sqlx::query_as(&format!("{SELECT} WHERE p.tenant_id = $1 GROUP BY p.id, p.tenant_id ORDER BY p.code"))
            .bind(tenant)
            .fetch_all(conn)
            .await?;
    rows.into_iter().map(Plan::try_from).collect()
}

/// Sets (or replaces) a plan's price in one currency.
pub async fn upsert_price(conn: &mut PgConnection, tenant: TenantId, plan: PlanId, price: &PlanPrice) -> Result<()> {
    let pricing = serde_json::to_value(&price.pricing).map_err(|e| corrupt("pricing", e))?;
    sqlx::query(
        "INSERT INTO plan_prices (tenant_id, plan_id, currency, unit_amount, pricing, setup_fee, segment, tax_behavior)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, plan_id, currency, segment)
         DO UPDATE SET unit_amount = EXCLUDED.unit_amount, pricing = EXCLUDED.pricing, setup_fee = EXCLUDED.setup_fee,
             tax_behavior = EXCLUDED.tax_behavior",
    )
    .bind(tenant)
    .bind(plan)
    .bind(price.currency.code())
    .bind(price.headline().map(|m| m.minor()).unwrap_or(0))
    .bind(pricing)
    .bind(price.setup_fee.map(|m| m.minor()))
    .bind(price.segment.as_deref().unwrap_or(""))
    .bind(price.tax_behavior.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Subscriptions (active or paused) on a plan in one currency whose customers buy from the
/// given price list (`None`: customers without a segment).
pub async fn subscriptions_on_plan(
    conn: &mut PgConnection,
    tenant: TenantId,
    plan: PlanId,
    currency: Currency,
    segment: Option<&str>,
) -> Result<Vec<crate::ids::SubscriptionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM subscriptions s JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id
         WHERE s.tenant_id = $1 AND s.plan_id = $2 AND s.currency = $3 AND s.status <> 'canceled'
           AND COALESCE(c.segment, '') = $4
         ORDER BY s.id",
    )
    .bind(tenant)
    .bind(plan)
    .bind(currency.code())
    .bind(segment.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(crate::ids::SubscriptionId).collect())
}

/// Maps a violation of the named unique constraint to the domain's `Duplicate` error.
pub(crate) fn unique_to_duplicate(e: sqlx::Error, constraint: &str, resource: &'static str, code: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint) => {
            Error::Duplicate { resource, code: code.to_string() }
        }
        _ => Error::Database(e),
    }
}
