//! The EUR 10 000 threshold of Art. 59c (§ 3a Abs. 5 UStG) for a German seller that opted into it:
//! cross-border B2C digital services are taxed in Germany until the year's total exceeds
//! EUR 10 000; the supply that crosses it and every later one are taxed in the customer's country.
//! Staff drafts and the invoice run both count, credit notes reduce the total, and the setting is
//! the merchant's own through `POST /tenant`.

use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestApp, instant};
use chrono::NaiveDate;
use serde_json::{Value, json};

async fn opt_in(app: &TestApp) {
    let (status, t) =
        app.post("/api/v1/tenant", json!({ "tax": { "b2c_threshold_opt": true, "oss_registered": true } })).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["tax"]["b2c_threshold_opt"], true, "{t}");
}

async fn consumer(app: &TestApp, country: &str, email: &str) -> String {
    let (status, c) = app
        .post("/api/v1/customers", json!({ "email": email, "name": "Consumer", "country": country, "currency": "EUR" }))
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// A finalized invoice of one line of `cents` net for the customer.
async fn invoice(app: &TestApp, customer: &str, cents: i64) -> Value {
    let (status, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "lines": [{ "description": "Licence", "unit_amount": cents }] }),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let (status, inv) = app.post(&format!("/api/v1/invoices/{}/finalize", d["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200, "{inv}");
    inv
}

/// (VAT country, rate, VAT amount) of a one-group invoice.
fn vat(inv: &Value) -> (String, String, i64) {
    let g = &inv["tax_groups"][0];
    (
        g["country"].as_str().unwrap_or("-").to_owned(),
        g["rate"].as_str().unwrap().to_owned(),
        inv["tax"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn home_vat_until_the_year_exceeds_ten_thousand_euros_then_the_customers_country() {
    let app = TestApp::spawn().await;
    opt_in(&app).await;
    let at = consumer(&app, "AT", "at@example.at").await;
    let fr = consumer(&app, "FR", "fr@example.fr").await;
    let de = consumer(&app, "DE", "de@example.de").await;

    // 6 000 + 3 000 + 1 000 = exactly 10 000: not exceeded, German VAT throughout.
    assert_eq!(vat(&invoice(&app, &at, 600_000).await), ("DE".into(), "19".into(), 114_000));
    assert_eq!(vat(&invoice(&app, &fr, 300_000).await), ("DE".into(), "19".into(), 57_000));
    // A domestic sale does not count toward the threshold.
    assert_eq!(vat(&invoice(&app, &de, 500_000).await), ("DE".into(), "19".into(), 95_000));
    assert_eq!(vat(&invoice(&app, &at, 100_000).await), ("DE".into(), "19".into(), 19_000));
    // One cent more: this supply already goes to Austria, and every later one to its country.
    assert_eq!(vat(&invoice(&app, &at, 1).await).0, "AT");
    assert_eq!(vat(&invoice(&app, &fr, 10_000).await), ("FR".into(), "20".into(), 2_000));
    assert_eq!(vat(&invoice(&app, &de, 10_000).await), ("DE".into(), "19".into(), 1_900), "home stays home");
}

#[tokio::test]
async fn a_credit_note_reduces_the_years_total() {
    let app = TestApp::spawn().await;
    opt_in(&app).await;
    let at = consumer(&app, "AT", "at@example.at").await;
    let big = invoice(&app, &at, 900_000).await;
    let (status, cn) = app
        .post(&format!("/api/v1/invoices/{}/credit_notes", big["id"].as_str().unwrap()), json!({ "amount": 107_100 }))
        .await;
    assert_eq!(status, 201, "{cn}");
    // 9 000 − 900 credited = 8 100; 1 900 more is 10 000: still at home.
    assert_eq!(vat(&invoice(&app, &at, 190_000).await).0, "DE");
    assert_eq!(vat(&invoice(&app, &at, 1).await).0, "AT");
}

#[tokio::test]
async fn the_invoice_run_counts_its_own_invoices_toward_the_threshold() {
    let app = TestApp::spawn().await;
    opt_in(&app).await;
    let (status, plan) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "enterprise", "name": "Enterprise", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 600_000 }] }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    for email in ["one@example.at", "two@example.at"] {
        let c = consumer(&app, "AT", email).await;
        let (status, s) = app
            .post("/api/v1/subscriptions", json!({ "customer": c, "plan": "enterprise", "start_date": "2026-03-01" }))
            .await;
        assert_eq!(status, 201, "{s}");
    }
    let march = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let now = instant("2026-03-01T09:00:00Z");
    let dry = invoice_run::run(&app.db.pool, &RunOptions { dry_run: true, ..RunOptions::new(march) }, now, &NoProgress)
        .await
        .unwrap();
    let real = invoice_run::run(&app.db.pool, &RunOptions::new(march), now, &NoProgress).await.unwrap();
    assert_eq!((dry.invoices, real.invoices), (2, 2), "{dry:?}");
    assert_eq!(dry.totals, real.totals, "the dry run previews the same VAT");
    let (_, list) = app.get("/api/v1/invoices?limit=10").await;
    let mut countries: Vec<String> = list["data"].as_array().unwrap().iter().map(|i| vat(i).0).collect();
    countries.sort();
    // 6 000 stays at home; the second 6 000 makes 12 000 and goes to Austria.
    assert_eq!(countries, ["AT", "DE"], "{list}");
    let total_vat: i64 = list["data"].as_array().unwrap().iter().map(|i| i["tax"].as_i64().unwrap()).sum();
    assert_eq!(total_vat, 114_000 + 120_000);
}

#[tokio::test]
async fn tax_settings_are_the_merchants_and_a_bad_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, before) = app.get("/api/v1/tenant").await;
    assert_eq!(before["tax"]["b2c_threshold_opt"], false, "{before}");
    let (status, err) = app
        .post(
            "/api/v1/tenant",
            json!({ "legal_name": "Changed GmbH", "tax": { "b2c_threshold_opt": true, "registrations": ["DE"] } }),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    let (_, after) = app.get("/api/v1/tenant").await;
    assert_eq!(after, before, "neither the profile nor the tax settings changed");
    let (status, ok) = app.post("/api/v1/tenant", json!({ "tax": { "registrations": ["CH", "NO", "CH"] } })).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["tax"]["registrations"], json!(["CH", "NO"]));
    let (status, err) = app.post("/api/v1/tenant", json!({ "tax": { "registrations": ["XX"] } })).await;
    assert_eq!(status, 400, "{err}");
}
