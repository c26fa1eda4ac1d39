//! The demo tenant: a small catalog priced in EUR, USD, CHF and CNY, a dozen customers in DE, AT,
//! FR, CH, US and CN, and active subscriptions started over the last months (so that an invoice
//! run has periods to catch up on). Seeding is idempotent: a second run finds the tenant and adds
//! nothing.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::{Connection, PgPool};

use billing_core::coupon::{Coupon, CouponDuration, CouponValue};
use billing_core::customer::NewCustomerInput;
use billing_core::rating::Pricing;
use billing_core::service::catalog::{NewPlanInput, PriceInput, create_plan};
use billing_core::service::subscriptions::NewSubscriptionInput;
use billing_core::service::tenants::NewTenantInput;
use billing_core::service::{customers, subscriptions, tenants};
use billing_core::store;
use billing_core::tenant::api_key_from_secret;

pub const DEMO_SLUG: &str = "demo";
/// The demo customer to sign in to the portal as (`billing demo` prints it).
pub const DEMO_PORTAL_EMAIL: &str = "anna.schmidt@example.de";
/// The demo tenant's API key. Public on purpose (it is printed and in the README): it only ever
/// exists in a database seeded by `billing demo`.
pub const DEMO_API_KEY: &str = "sk_test_demo_0123456789abcdefghijklmnop";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOutcome {
    pub created: bool,
    pub tenant_name: String,
    pub customers: i64,
    pub subscriptions: usize,
}

struct DemoCustomer {
    name: &'static str,
    email: &'static str,
    country: &'static str,
    currency: &'static str,
    locale: &'static str,
    plan: &'static str,
    quantity: i64,
    /// Months before today the subscription started; `None`: on the last day of two months ago.
    months_ago: Option<u32>,
}

/// Billing addresses of the demo customers (street, postal code, city), by name.
const ADDRESSES: &[(&str, &str, &str, &str)] = &[
    ("Anna Schmidt", "Lindenstraße 12", "10969", "Berlin"),
    ("Brauerei Huber GmbH", "Am Brauhaus 3", "80331", "München"),
    ("Jonas Weber", "Gartenweg 7", "50667", "Köln"),
    ("Katharina Gruber", "Mariahilfer Straße 45", "1060", "Wien"),
    ("Alpenblick Hotel KG", "Dorfstraße 1", "6020", "Innsbruck"),
    ("Camille Dubois", "12 rue des Lilas", "75011", "Paris"),
    ("Atelier Lumière SARL", "8 quai Saint-Antoine", "69002", "Lyon"),
    ("Luca Meier", "Bahnhofstrasse 20", "8001", "Zürich"),
    ("Uhrwerk AG", "Rue du Marché 4", "1204", "Genève"),
    ("Emily Johnson", "221 Pine Street", "94104", "San Francisco, CA"),
    ("Brightside Labs Inc.", "500 Market Street", "02110", "Boston, MA"),
    ("王芳", "朝阳区建国路88号", "100022", "北京市"),
];

fn demo_address(name: &str) -> billing_core::party::AddressInput {
    ADDRESSES
        .iter()
        .find(|a| a.0 == name)
        .map(|(_, line1, postal_code, city)| billing_core::party::AddressInput {
            line1: Some((*line1).into()),
            line2: None,
            postal_code: Some((*postal_code).into()),
            city: Some((*city).into()),
        })
        .unwrap_or_default()
}

const CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        name: "Anna Schmidt",
        email: "anna.schmidt@example.de",
        country: "DE",
        currency: "EUR",
        locale: "de",
        plan: "pro-monthly",
        quantity: 1,
        months_ago: Some(2),
    },
    DemoCustomer {
        name: "Brauerei Huber GmbH",
        email: "buchhaltung@huber-brauerei.example",
        country: "DE",
        currency: "EUR",
        locale: "de",
        plan: "team-monthly",
        quantity: 8,
        months_ago: None,
    },
    DemoCustomer {
        name: "Jonas Weber",
        email: "jonas@weber.example",
        country: "DE",
        currency: "EUR",
        locale: "de",
        plan: "starter-monthly",
        quantity: 1,
        months_ago: Some(0),
    },
    DemoCustomer {
        name: "Katharina Gruber",
        email: "k.gruber@example.at",
        country: "AT",
        currency: "EUR",
        locale: "de",
        plan: "pro-yearly",
        quantity: 1,
        months_ago: Some(5),
    },
    DemoCustomer {
        name: "Alpenblick Hotel KG",
        email: "office@alpenblick.example",
        country: "AT",
        currency: "EUR",
        locale: "de",
        plan: "business-graduated",
        quantity: 60,
        months_ago: Some(1),
    },
    DemoCustomer {
        name: "Camille Dubois",
        email: "camille.dubois@example.fr",
        country: "FR",
        currency: "EUR",
        locale: "fr",
        plan: "starter-monthly",
        quantity: 1,
        months_ago: Some(3),
    },
    DemoCustomer {
        name: "Atelier Lumière SARL",
        email: "compta@atelier-lumiere.example",
        country: "FR",
        currency: "EUR",
        locale: "fr",
        plan: "pro-monthly",
        quantity: 1,
        months_ago: Some(1),
    },
    DemoCustomer {
        name: "Luca Meier",
        email: "luca.meier@example.ch",
        country: "CH",
        currency: "CHF",
        locale: "de",
        plan: "pro-monthly",
        quantity: 1,
        months_ago: Some(2),
    },
    DemoCustomer {
        name: "Uhrwerk AG",
        email: "finanzen@uhrwerk.example",
        country: "CH",
        currency: "CHF",
        locale: "fr",
        plan: "team-monthly",
        quantity: 5,
        months_ago: Some(0),
    },
    DemoCustomer {
        name: "Emily Johnson",
        email: "emily@johnson.example",
        country: "US",
        currency: "USD",
        locale: "en",
        plan: "starter-monthly",
        quantity: 1,
        months_ago: Some(4),
    },
    DemoCustomer {
        name: "Brightside Labs Inc.",
        email: "ap@brightside.example",
        country: "US",
        currency: "USD",
        locale: "en",
        plan: "pro-yearly",
        quantity: 1,
        months_ago: Some(1),
    },
    DemoCustomer {
        name: "王芳",
        email: "wang.fang@example.cn",
        country: "CN",
        currency: "CNY",
        locale: "zh-CN",
        plan: "pro-monthly",
        quantity: 1,
        months_ago: Some(1),
    },
];

fn plans() -> Vec<NewPlanInput> {
    let plan = |code: &str, name: &str, unit: &str, prices: &[(&str, &str)]| NewPlanInput {
        product_code: "cloud-ledger".into(),
        product_name: "Cloud Ledger".into(),
        code: code.into(),
        name: name.into(),
        interval_unit: unit.into(),
        interval_count: 1,
        prices: prices.iter().map(|(c, a)| PriceInput::per_unit(c, a)).collect(),
        billing_timing: None,
        usage: None,
        trial_days: None,
        tax_category: None,
        setup_fees: vec![],
        addon: None,
        trial_requires_payment_method: false,
    };
    vec![
        plan(
            "starter-monthly",
            "Starter",
            "month",
            &[("EUR", "9.00"), ("USD", "10.00"), ("CHF", "9.50"), ("CNY", "69.00")],
        ),
        plan("pro-monthly", "Pro", "month", &[("EUR", "29.00"), ("USD", "32.00"), ("CHF", "30.00"), ("CNY", "219.00")]),
        plan(
            "pro-yearly",
            "Pro (yearly)",
            "year",
            &[("EUR", "290.00"), ("USD", "320.00"), ("CHF", "300.00"), ("CNY", "2190.00")],
        ),
        plan(
            "team-monthly",
            "Team (per seat)",
            "month",
            &[("EUR", "12.00"), ("USD", "13.00"), ("CHF", "12.50"), ("CNY", "89.00")],
        ),
        NewPlanInput {
            product_code: "cloud-ledger".into(),
            product_name: "Cloud Ledger".into(),
            code: "business-graduated".into(),
            name: "Business (graduated seats)".into(),
            interval_unit: "month".into(),
            interval_count: 1,
            prices: ["EUR", "USD"].iter().map(|c| PriceInput::Model(graduated_seats(c))).collect(),
            billing_timing: None,
            usage: None,
            trial_days: Some(14),
            tax_category: None,
            addon: None,
            trial_requires_payment_method: false,
            setup_fees: vec![("EUR".into(), 4900), ("USD".into(), 4900)],
        },
        NewPlanInput {
            product_code: "cloud-ledger-api".into(),
            product_name: "Cloud Ledger API".into(),
            code: "api-metered".into(),
            name: "API calls (per 1,000, billed monthly in arrears)".into(),
            interval_unit: "month".into(),
            interval_count: 1,
            prices: ["EUR", "USD"].iter().map(|c| PriceInput::Model(per_thousand_calls(c))).collect(),
            billing_timing: Some("arrears".into()),
            usage: Some(("api_calls".into(), "sum".into())),
            trial_days: None,
            tax_category: None,
            setup_fees: vec![],
            addon: None,
            trial_requires_payment_method: false,
        },
    ]
}

/// 2.00 per started block of 1,000 calls.
fn per_thousand_calls(currency: &str) -> Pricing {
    serde_json::from_value(serde_json::json!({
        "model": { "type": "package", "block_size": "1000", "block_price": { "amount": 200, "currency": currency } },
        "minimum_charge": null
    }))
    .expect("the demo pricing is valid")
}

/// Seats 1-10 at 5.00, 11-50 at 4.00, 51+ at 3.00 (60 seats cost 240.00).
fn graduated_seats(currency: &str) -> Pricing {
    let tier = |up_to: Option<&str>, price: &str| serde_json::json!({ "up_to": up_to, "unit_price": { "amount": price, "currency": currency }, "flat_fee": null });
    serde_json::from_value(serde_json::json!({
        "model": { "type": "graduated", "tiers": [tier(Some("10"), "5.00"), tier(Some("50"), "4.00"), tier(None, "3.00")] },
        "minimum_charge": null
    }))
    .expect("the demo pricing is valid")
}

/// The demo merchant's FAQ (their own content, in German, English and Chinese).
fn demo_faq() -> Vec<billing_core::help::FaqEntry> {
    let entry = |locale: &str, question: &str, answer: &str| billing_core::help::FaqEntry {
        locale: locale.into(),
        question: question.into(),
        answer: answer.into(),
    };
    vec![
        entry(
            "de",
            "Wann wird meine Karte belastet?",
            "Am ersten Tag jedes Abrechnungszeitraums, mit Ihrer Standard-Zahlungsmethode.",
        ),
        entry(
            "de",
            "Wie bekomme ich eine Erstattung?",
            "Stellen Sie uns unten eine Frage zur Abrechnung und nennen Sie die Rechnung.\n\nWir antworten innerhalb eines Werktags.",
        ),
        entry(
            "de",
            "Kann ich meinen Tarif jederzeit wechseln?",
            "Ja. Die Differenz wird tagesgenau verrechnet; die Vorschau zeigt den Betrag vor der Bestätigung.",
        ),
        entry(
            "en",
            "When is my card charged?",
            "On the first day of each billing period, with your default payment method.",
        ),
        entry(
            "en",
            "How do I get a refund?",
            "Ask us a billing question below and name the invoice.\n\nWe answer within one working day.",
        ),
        entry(
            "en",
            "Can I change my plan at any time?",
            "Yes. The difference is prorated by the day; the preview shows the amount before you confirm.",
        ),
        entry("zh-CN", "什么时候从我的卡扣款？", "在每个计费周期的第一天，从您的默认付款方式扣款。"),
        entry("zh-CN", "如何申请退款？", "请在下方提出账单问题并注明发票。\n\n我们会在一个工作日内答复。"),
    ]
}

fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(chrono::Months::new(months)).unwrap_or(date)
}

/// Seeds the demo tenant unless it exists; always makes sure the demo key works.
pub async fn seed(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<DemoOutcome> {
    seed_with(pool, now, false).await
}

/// [`seed`], with a year of history before `now` when `history` (`billing demo` does so unless
/// `BILLING_DEMO_HISTORY=0`, see [`crate::demo_history::enabled`]), so that the console's
/// dashboard shows real shapes.
pub async fn seed_with(pool: &PgPool, now: DateTime<Utc>, history: bool) -> anyhow::Result<DemoOutcome> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if let Some(t) = store::tenants::get_by_slug(&mut tx, DEMO_SLUG).await? {
        let customers = store::customers::count(&mut tx, t.id).await?;
        store::tenants::insert_api_key(&mut tx, t.id, "demo", &api_key_from_secret(DEMO_API_KEY.into()), now).await?;
        tx.commit().await?;
        return Ok(DemoOutcome { created: false, tenant_name: t.name, customers, subscriptions: 0 });
    }
    let tenant = tenants::create(
        &mut tx,
        &NewTenantInput {
            slug: DEMO_SLUG.into(),
            name: "Demo Software GmbH".into(),
            country: "DE".into(),
            timezone: "Europe/Berlin".into(),
            default_locale: "de".into(),
            invoice_number_format: "RE-{YYYY}-{seq:06}".into(),
            payment_terms_days: 14,
            vat_id: Some("DE136695976".into()),
            prorate_by_second: false,
            profile: billing_core::party::SellerProfileInput {
                legal_name: Some("Demo Software GmbH".into()),
                address: Some(billing_core::party::AddressInput {
                    line1: Some("Friedrichstraße 123".into()),
                    line2: None,
                    postal_code: Some("10117".into()),
                    city: Some("Berlin".into()),
                }),
                tax_number: Some("37/123/45678".into()),
                bank_account_holder: Some("Demo Software GmbH".into()),
                iban: Some("DE89370400440532013000".into()),
                bic: Some("COBADEFFXXX".into()),
                brand_color: Some("#0b6e4f".into()),
                logo_url: None,
            },
        },
        now,
    )
    .await?;
    store::tenants::insert_api_key(&mut tx, tenant.id, "demo", &api_key_from_secret(DEMO_API_KEY.into()), now).await?;
    for p in plans() {
        create_plan(&mut tx, tenant.id, &p, now).await?;
    }
    billing_core::service::coupons::create(
        &mut tx,
        tenant.id,
        &Coupon {
            code: "WELCOME25".into(),
            value: CouponValue::Percent(25.into()),
            duration: CouponDuration::Repeating { periods: 3 },
            expires_at: None,
            max_redemptions: Some(100),
            times_redeemed: 0,
        },
        now,
    )
    .await?;
    let today = now.with_timezone(&tenant.timezone).date_naive();
    let mut subs = 0;
    for c in CUSTOMERS {
        let customer = customers::create(
            &mut tx,
            tenant.id,
            &NewCustomerInput {
                email: c.email.into(),
                name: c.name.into(),
                country: c.country.into(),
                currency: c.currency.into(),
                locale: Some(c.locale.into()),
                // A French business with a VAT ID: invoiced under the EU reverse charge.
                vat_id: (c.name == "Atelier Lumière SARL").then(|| "FR40303265045".into()),
                kind: None,
                segment: None,
                company_name: None,
                address: demo_address(c.name),
            },
            now,
        )
        .await?;
        let start = match c.months_ago {
            Some(m) => months_before(today, m),
            // A month-end anchor, to show that it keeps its day (Jan 31 -> Feb 28 -> Mar 31).
            None => {
                let first_of_this_month = today.with_day(1).unwrap_or(today);
                months_before(first_of_this_month, 1) - Duration::days(1)
            }
        };
        subscriptions::create(
            &mut tx,
            tenant.id,
            &NewSubscriptionInput {
                customer: customer.id.to_string(),
                plan: c.plan.into(),
                quantity: Some(c.quantity),
                start_date: Some(start),
                coupon: None,
                trial_days: None,
                billing_anchor: None,
            },
            now,
        )
        .await?;
        subs += 1;
    }
    if history {
        crate::demo_history::seed(&mut tx, tenant.id, now).await?;
    }
    // The portal's help page: the merchant's FAQ in the demo's languages.
    billing_core::service::help::put_faq(&mut tx, tenant.id, demo_faq(), now).await?;
    tx.commit().await?;
    Ok(DemoOutcome { created: true, tenant_name: tenant.name, customers: CUSTOMERS.len() as i64, subscriptions: subs })
}

/// The demo's console staff (issue 14): sign in at `/c/demo/sign-in` (`billing demo` prints it).
pub const DEMO_STAFF: &[(&str, billing_core::staff::Role, &str)] = &[
    ("admin@demo.example", billing_core::staff::Role::Admin, "demo-admin-2026"),
    ("finance@demo.example", billing_core::staff::Role::Finance, "demo-finance-2026"),
    ("support@demo.example", billing_core::staff::Role::Support, "demo-support-2026"),
    ("analyst@demo.example", billing_core::staff::Role::Analyst, "demo-analyst-2026"),
];

/// Adds the demo's console staff to the demo merchant, those not there yet (a demo database
/// seeded before the console gets them too).
pub async fn seed_console_staff(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let Some(tenant) = store::tenants::get_by_slug(&mut conn, DEMO_SLUG).await? else { return Ok(()) };
    for (email, role, password) in DEMO_STAFF {
        if billing_core::service::staff::credentials_by_email(&mut conn, tenant.id, email).await?.is_some() {
            continue;
        }
        crate::ops::staff::add(&mut conn, tenant.id, email, *role, Some((*password).to_string()), ("demo", None), now)
            .await?;
    }
    Ok(())
}
