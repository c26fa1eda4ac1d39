//! Catalog use cases: products and plans with their price book.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::catalog::{BillingTiming, Metering, Plan, PlanPrice, Product, validate_code, validate_name};
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{PlanId, ProductId, TenantId};
use crate::money::Money;
use crate::period::{BillingInterval, IntervalUnit};
use crate::rating::Pricing;
use crate::store;
use crate::usage::Aggregation;

#[derive(Debug, Clone)]
pub struct NewPlanInput {
    pub product_code: String,
    pub product_name: String,
    pub code: String,
    pub name: String,
    pub interval_unit: String,
    pub interval_count: u32,
    pub prices: Vec<PriceInput>,
    /// `advance` (default) or `arrears`.
    pub billing_timing: Option<String>,
    /// (metric, aggregation) for a metered plan; implies arrears.
    pub usage: Option<(String, String)>,
    pub trial_days: Option<u32>,
    /// `digital_service` (default), `e_book`, `physical_goods` or `exempt`.
    pub tax_category: Option<String>,
    /// One-time fees per currency: (currency code, minor units).
    pub setup_fees: Vec<(String, i64)>,
    /// Makes the plan an add-on.
    pub addon: Option<crate::catalog::AddonRules>,
    pub trial_requires_payment_method: bool,
}

/// One price of a new plan: a simple per-unit price, or a full pricing model.
#[derive(Debug, Clone)]
pub enum PriceInput {
    /// (currency code, price per unit as a decimal string such as "29.00")
    PerUnit(String, String),
    /// (currency code, price per unit in minor units), as the API sends it.
    PerUnitMinor(String, i64),
    /// A pricing model (flat, per unit, graduated, volume, package) with an optional minimum.
    Model(Pricing),
    /// A price for one customer segment's price list (e.g. `schools`).
    ForSegment(String, Box<PriceInput>),
    /// A price with an explicit tax behaviour as the request spelled it (`exclusive`,
    /// `inclusive`); a price without one is exclusive.
    WithTaxBehavior(String, Box<PriceInput>),
}

impl PriceInput {
    pub fn per_unit(currency: &str, amount: &str) -> Self {
        PriceInput::PerUnit(currency.into(), amount.into())
    }
}

/// Validates a plan request into a plan (with a product id to use if the product is new).
pub fn parse_plan(input: &NewPlanInput, product_id: ProductId) -> Result<Plan> {
    validate_code("code", &input.code)?;
    let unit: IntervalUnit = input.interval_unit.parse()?;
    let interval = BillingInterval::new(unit, input.interval_count)?;
    if input.prices.is_empty() {
        return Err(Error::invalid("prices", "a plan needs a price in at least one currency"));
    }
    let mut prices: Vec<PlanPrice> = Vec::with_capacity(input.prices.len());
    for p in &input.prices {
        let price = parse_price(p)?;
        if prices.iter().any(|q| q.currency == price.currency && q.segment == price.segment) {
            return Err(Error::invalid("prices", format!("two prices in {} for the same price list", price.currency)));
        }
        prices.push(price);
    }
    fn parse_price(p: &PriceInput) -> Result<PlanPrice> {
        Ok(match p {
            PriceInput::PerUnit(code, amount) => {
                let price = Money::parse(amount, Currency::from_code(code)?)?.within_bounds()?;
                if price.is_negative() {
                    return Err(Error::NegativeAmount);
                }
                PlanPrice::per_unit(price)?
            }
            PriceInput::PerUnitMinor(code, minor) => {
                if *minor < 0 {
                    return Err(Error::NegativeAmount);
                }
                PlanPrice::per_unit(Money::bounded(*minor, Currency::from_code(code)?)?)?
            }
            PriceInput::Model(pricing) => PlanPrice::new(pricing.clone())?,
            PriceInput::ForSegment(segment, inner) => {
                validate_code("segment", segment)?;
                let mut price = parse_price(inner)?;
                price.segment = Some(segment.clone());
                price
            }
            PriceInput::WithTaxBehavior(behavior, inner) => {
                let behavior = crate::catalog::TaxBehavior::from_field(Some(behavior))?;
                let mut price = parse_price(inner)?;
                price.tax_behavior = behavior;
                price
            }
        })
    }
    for (code, minor) in &input.setup_fees {
        let currency = Currency::from_code(code)?;
        if *minor < 0 {
            return Err(Error::NegativeAmount);
        }
        let price = prices
            .iter_mut()
            .find(|p| p.currency == currency && p.segment.is_none())
            .ok_or_else(|| Error::invalid("setup_fee", format!("the plan has no price in {currency}")))?;
        price.setup_fee = Some(Money::bounded(*minor, currency)?).filter(|m| !m.is_zero());
    }
    prices.sort_by(|a, b| (a.currency.code(), &a.segment).cmp(&(b.currency.code(), &b.segment)));
    let trial_days = input.trial_days.unwrap_or(0);
    if trial_days > 730 {
        return Err(Error::invalid("trial_days", "must be at most 730"));
    }
    let metering = match &input.usage {
        Some((metric, agg)) => {
            validate_code("usage.metric", metric)?;
            let aggregation = Aggregation::parse(agg)
                .ok_or_else(|| Error::invalid("usage.aggregation", "use sum, count, max, unique_count or last"))?;
            Some(Metering { metric: metric.clone(), aggregation })
        }
        None => None,
    };
    let timing = match input.billing_timing.as_deref() {
        None if metering.is_some() => BillingTiming::Arrears,
        None => BillingTiming::Advance,
        Some(t) => BillingTiming::parse(t).ok_or_else(|| Error::invalid("billing_timing", "use advance or arrears"))?,
    };
    if metering.is_some() && timing != BillingTiming::Arrears {
        return Err(Error::invalid("billing_timing", "metered plans are billed in arrears"));
    }
    Ok(Plan {
        id: PlanId::new(),
        product_id,
        code: input.code.clone(),
        name: validate_name("name", &input.name)?,
        interval,
        active: true,
        timing,
        trial_days,
        trial_requires_payment_method: input.trial_requires_payment_method,
        addon: match &input.addon {
            Some(rules) => {
                for code in &rules.fits {
                    validate_code("addon.fits", code)?;
                }
                Some(rules.clone())
            }
            None => None,
        },
        tax_category: match input.tax_category.as_deref() {
            None => crate::tax::TaxCategory::DigitalService,
            // `not_subject` is for damages (default interest, dunning fees), never a product.
            Some(t) => {
                crate::catalog::parse_tax_category(t).filter(|c| *c != crate::tax::TaxCategory::NotSubject).ok_or_else(
                    || Error::invalid("tax_category", "use digital_service, e_book, physical_goods or exempt"),
                )?
            }
        },
        metering,
        prices,
    })
}

/// Creates a plan, and its product if no product with that code exists yet.
pub async fn create_plan(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &NewPlanInput,
    now: DateTime<Utc>,
) -> Result<Plan> {
    validate_code("product_code", &input.product_code)?;
    let product = match store::catalog::get_product_by_code(conn, tenant, &input.product_code).await? {
        Some(p) => p,
        None => {
            let p = Product {
                id: ProductId::new(),
                code: input.product_code.clone(),
                name: validate_name("product_name", &input.product_name)?,
            };
            store::catalog::insert_product(conn, tenant, &p, now).await?;
            p
        }
    };
    let plan = parse_plan(input, product.id)?;
    store::catalog::insert_plan(conn, tenant, &plan, now).await?;
    Ok(plan)
}

pub async fn list_plans(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Plan>> {
    store::catalog::list_plans(conn, tenant).await
}

/// Finds a plan by its public id (`plan_…`) or by its code.
pub async fn find_plan(conn: &mut PgConnection, tenant: TenantId, id_or_code: &str) -> Result<Plan> {
    let found = match id_or_code.parse::<PlanId>() {
        Ok(id) => store::catalog::get_plan(conn, tenant, id).await?,
        Err(_) => store::catalog::get_plan_by_code(conn, tenant, id_or_code).await?,
    };
    found.ok_or_else(|| Error::not_found("plan", id_or_code))
}

/// The outcome of a price change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PriceChange {
    pub plan: Plan,
    /// Existing subscriptions that move to the new price at their first period boundary on or
    /// after the chosen date.
    pub scheduled: u64,
    /// Existing subscriptions left alone because a change of their own is already pending.
    pub skipped: u64,
}

/// Sets a plan's price in one currency. New subscribers get it at once. Existing subscribers keep
/// the price they signed up at (their snapshot) unless `existing_from` is given: then each moves
/// to the new price at its first period boundary on or after that date.
pub async fn change_price(
    conn: &mut PgConnection,
    tenant: TenantId,
    plan_id_or_code: &str,
    price: &PriceInput,
    setup_fee: Option<i64>,
    existing_from: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<PriceChange> {
    let plan = find_plan(conn, tenant, plan_id_or_code).await?;
    let probe = NewPlanInput {
        product_code: "x".into(),
        product_name: "x".into(),
        code: plan.code.clone(),
        name: plan.name.clone(),
        interval_unit: plan.interval.unit.as_str().into(),
        interval_count: plan.interval.count,
        prices: vec![price.clone()],
        billing_timing: None,
        usage: None,
        trial_days: None,
        tax_category: None,
        setup_fees: vec![],
        addon: None,
        trial_requires_payment_method: false,
    };
    let mut new_price = parse_plan(&probe, plan.product_id)?.prices.remove(0);
    if let Some(fee) = setup_fee {
        if fee < 0 {
            return Err(Error::NegativeAmount);
        }
        new_price.setup_fee = Some(Money::bounded(fee, new_price.currency)?).filter(|m| !m.is_zero());
    }
    store::catalog::upsert_price(conn, tenant, plan.id, &new_price).await?;
    let (mut scheduled, mut skipped) = (0, 0);
    if let Some(from) = existing_from {
        for id in store::catalog::subscriptions_on_plan(
            conn,
            tenant,
            plan.id,
            new_price.currency,
            new_price.segment.as_deref(),
        )
        .await?
        {
            let Some(mut sub) = store::subscriptions::get_for_update(conn, tenant, id).await? else { continue };
            if sub.pending_change.as_ref().is_some_and(|p| p.plan_id != plan.id) {
                skipped += 1;
                continue;
            }
            let effective = match sub.period_containing(from)? {
                Some((_, p)) if p.start == from => from,
                Some((_, p)) => p.end,
                None => sub.anchor_date,
            };
            sub.pending_change = Some(crate::subscription::PendingChange {
                effective,
                plan_id: plan.id,
                plan_name: plan.name.clone(),
                price: new_price.clone(),
                quantity: sub.quantity,
            });
            store::subscriptions::update(conn, tenant, &sub, now).await?;
            crate::service::metrics::record(conn, tenant, &sub, effective, now).await?;
            scheduled += 1;
        }
    }
    let plan = find_plan(conn, tenant, &plan.id.to_string()).await?;
    Ok(PriceChange { plan, scheduled, skipped })
}
