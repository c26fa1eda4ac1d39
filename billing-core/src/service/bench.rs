//! The benchmark harness's use cases (`billing bench invoice-run`, docs/performance.md): a
//! merchant with a realistic catalog made through the ordinary services, then customers and
//! subscriptions loaded set-based (`store::bench`), and the counts the harness reports.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::catalog::Plan;
use crate::currency::Currency;
use crate::error::Result;
use crate::ids::{InvoiceRunId, TenantId};
use crate::money::Money;
use crate::rating::{PricingModel, Tier, UnitPrice};
use crate::store;
use crate::store::bench::{LoadCountry, LoadPlan};

pub use crate::store::bench::{RUN_TABLES, Written};

/// What was loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub tenant: TenantId,
    /// The run date: every subscription but one in twenty has exactly one period due.
    pub as_of: NaiveDate,
    /// The run's `now` (noon UTC on the run date, the merchant's today).
    pub now: DateTime<Utc>,
    pub customers: u64,
    pub subscriptions: u64,
    pub payment_methods: u64,
    pub usage_events: u64,
    /// Subscriptions with a period due on `as_of`.
    pub due: i64,
}

/// The benchmark merchant's slug (its portal is `/p/bench/`).
pub const SLUG: &str = "bench";

/// The month the loaded subscriptions' due periods start in.
pub const MONTH: (i32, u32) = (2026, 3);

/// Customers' countries (24: EU members, businesses with a VAT id where one is listed, and
/// countries outside the EU) with the currency they pay in.
fn countries() -> Vec<LoadCountry> {
    let c = |country: &str, currency: &str, vat: Option<&str>| LoadCountry {
        country: country.into(),
        currency: currency.into(),
        vat_id: vat.map(str::to_string),
    };
    vec![
        c("DE", "EUR", Some("DE136695976")),
        c("FR", "EUR", Some("FR40303265045")),
        c("AT", "EUR", Some("ATU13585627")),
        c("NL", "EUR", Some("NL004495445B01")),
        c("ES", "EUR", Some("ESA28015865")),
        c("BE", "EUR", Some("BE0403170701")),
        c("IT", "EUR", None),
        c("PL", "EUR", None),
        c("SE", "EUR", None),
        c("IE", "USD", None),
        c("PT", "EUR", None),
        c("FI", "EUR", None),
        c("DK", "EUR", None),
        c("CZ", "EUR", None),
        c("LU", "EUR", None),
        c("US", "USD", None),
        c("GB", "USD", None),
        c("CH", "CHF", None),
        c("CA", "USD", None),
        c("AU", "USD", None),
        c("JP", "USD", None),
        c("NO", "EUR", None),
        c("DE", "EUR", None),
        c("FR", "EUR", None),
    ]
}

fn money(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency)
}

fn unit(amount: Decimal, currency: Currency) -> Result<UnitPrice> {
    Ok(UnitPrice::new(amount, currency)?)
}

/// The catalog: flat, per-seat, graduated and metered monthly plans and flat and per-seat yearly
/// ones, each priced in EUR, USD and CHF.
async fn catalog(conn: &mut PgConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<Vec<LoadPlan>> {
    use super::catalog::{NewPlanInput, PriceInput, create_plan};
    use crate::rating::Pricing;
    let currencies = [Currency::EUR, Currency::USD, Currency::CHF];
    let model = |m: PricingModel| PriceInput::Model(Pricing { model: m, minimum_charge: None });
    // (code, interval, metered, max quantity, price per currency)
    type PriceFn = dyn Fn(Currency) -> Result<PriceInput>;
    let plans: Vec<(&str, &str, bool, i32, Box<PriceFn>)> = vec![
        ("flat", "month", false, 1, Box::new(move |c| Ok(model(PricingModel::Flat { price: money(1900, c) })))),
        (
            "seats",
            "month",
            false,
            25,
            Box::new(move |c| Ok(model(PricingModel::PerUnit { unit_price: unit(Decimal::new(1200, 2), c)? }))),
        ),
        (
            "tiered",
            "month",
            false,
            120,
            Box::new(move |c| {
                Ok(model(PricingModel::Graduated {
                    tiers: vec![
                        Tier {
                            up_to: Some(Decimal::from(10)),
                            unit_price: unit(Decimal::new(500, 2), c)?,
                            flat_fee: Some(money(900, c)),
                        },
                        Tier {
                            up_to: Some(Decimal::from(50)),
                            unit_price: unit(Decimal::new(400, 2), c)?,
                            flat_fee: None,
                        },
                        Tier { up_to: None, unit_price: unit(Decimal::new(250, 2), c)?, flat_fee: None },
                    ],
                }))
            }),
        ),
        (
            "metered",
            "month",
            true,
            1,
            Box::new(move |c| Ok(model(PricingModel::PerUnit { unit_price: unit(Decimal::new(5, 2), c)? }))),
        ),
        ("flat_yearly", "year", false, 1, Box::new(move |c| Ok(model(PricingModel::Flat { price: money(19000, c) })))),
        (
            "seats_yearly",
            "year",
            false,
            25,
            Box::new(move |c| Ok(model(PricingModel::PerUnit { unit_price: unit(Decimal::new(12000, 2), c)? }))),
        ),
    ];
    let mut out = Vec::new();
    for (code, interval, metered, max_quantity, price) in plans {
        let prices = currencies.iter().map(|c| price(*c)).collect::<Result<Vec<_>>>()?;
        let plan: Plan = create_plan(
            conn,
            tenant,
            &NewPlanInput {
                product_code: "app".into(),
                product_name: "App".into(),
                code: code.into(),
                name: code.replace('_', " "),
                interval_unit: interval.into(),
                interval_count: 1,
                prices,
                billing_timing: None,
                usage: metered.then(|| ("api_calls".to_string(), "sum".to_string())),
                trial_days: None,
                tax_category: None,
                setup_fees: vec![],
                addon: None,
                trial_requires_payment_method: false,
            },
            now,
        )
        .await?;
        for p in &plan.prices {
            out.push(LoadPlan {
                plan_id: plan.id.as_uuid(),
                currency: p.currency.code().to_string(),
                unit_amount: p.headline().map(|m| m.minor()).unwrap_or(0),
                pricing: serde_json::to_value(&p.pricing).map_err(|e| store::corrupt("pricing", e))?,
                interval_unit: interval.into(),
                max_quantity,
                metered,
            });
        }
    }
    Ok(out)
}

/// Creates the merchant `bench` (a German seller collecting automatically, with a VAT id,
/// address and bank account) and its catalog, loads `n` customers with one subscription each,
/// cards, usage and ECB rates, and refreshes the statistics.
pub async fn load(conn: &mut PgConnection, n: i64) -> Result<Loaded> {
    let month = NaiveDate::from_ymd_opt(MONTH.0, MONTH.1, 1).unwrap_or_default();
    let as_of = month + Duration::days(27);
    let now = as_of.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
    let created = now - Duration::days(400);
    let tenant = super::tenants::create(
        conn,
        &super::tenants::NewTenantInput {
            slug: SLUG.into(),
            name: "Bench Software".into(),
            vat_id: Some("DE136695976".into()),
            profile: crate::party::SellerProfileInput {
                legal_name: Some("Bench Software GmbH".into()),
                address: Some(crate::party::AddressInput {
                    line1: Some("Musterstraße 1".into()),
                    line2: None,
                    postal_code: Some("10115".into()),
                    city: Some("Berlin".into()),
                }),
                bank_account_holder: Some("Bench Software GmbH".into()),
                iban: Some("DE89370400440532013000".into()),
                bic: Some("COBADEFFXXX".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        created,
    )
    .await?;
    let plans = catalog(conn, tenant.id, created).await?;
    let status = serde_json::to_value(crate::tax::vat_id::VatIdStatus::Unverified {
        reason: "check digits valid; VIES not consulted".into(),
        since: created,
    })
    .map_err(|e| store::corrupt("VAT id status", e))?;
    let customers = store::bench::load_customers(conn, tenant.id, n, &countries(), &status, created).await?;
    let subscriptions = store::bench::load_subscriptions(conn, tenant.id, n, month, &plans, created).await?;
    let payment_methods = store::bench::load_payment_methods(conn, tenant.id, created).await?;
    let usage_events = store::bench::load_usage(conn, tenant.id, tenant.timezone.name(), created).await?;
    // ECB rates for the Art. 230 statement of USD invoices to EU customers.
    let mut rates = Vec::new();
    let mut day = month - Duration::days(60);
    while day <= as_of {
        for (currency, per_eur) in [(Currency::USD, Decimal::new(10832, 4)), (Currency::CHF, Decimal::new(9415, 4))] {
            rates.push(crate::fx::EcbRate { date: day, currency, per_eur });
        }
        day += Duration::days(1);
    }
    store::fx::upsert(conn, &rates, created).await?;
    store::bench::analyze(conn).await?;
    let due = store::subscriptions::count_due(conn, tenant.id, as_of).await?;
    Ok(Loaded { tenant: tenant.id, as_of, now, customers, subscriptions, payment_methods, usage_events, due })
}

/// How many rows of each table the run wrote.
pub async fn written(conn: &mut PgConnection, tenant: TenantId, run: InvoiceRunId) -> Result<Vec<Written>> {
    store::bench::written(conn, tenant, run).await
}

/// Where the usage benchmark sends its events: each metered subscription with an instant inside
/// its open period (`store::bench::usage_targets`, in the merchant's time zone).
pub async fn usage_targets(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<(uuid::Uuid, DateTime<Utc>)>> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| crate::error::Error::not_found("tenant", tenant))?;
    store::bench::usage_targets(conn, tenant, t.timezone.name()).await
}

/// Usage events of the tenant whose id starts with `prefix`.
pub async fn count_usage(conn: &mut PgConnection, tenant: TenantId, prefix: &str) -> Result<i64> {
    store::bench::count_usage(conn, tenant, prefix).await
}

pub use crate::store::bench::USAGE_COPY;

/// Up to `n` of the tenant's customers, picked at random across the table (`billing bench api`
/// reads them).
pub async fn sample_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: i64,
) -> Result<Vec<crate::ids::CustomerId>> {
    store::bench::sample_customers(conn, tenant, n).await
}
