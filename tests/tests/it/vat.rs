//! VAT on invoices, end to end through the API and the invoice run: the worked examples of a
//! German, OSS-registered seller selling a 100.00 digital service (domain reference, issue 4).

use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestApp, instant};
use chrono::NaiveDate;
use serde_json::{Value, json};

async fn invoice_for(app: &TestApp, customer: Value, currency: &str, supply: &str) -> Value {
    let (status, c) = app.post("/api/v1/customers", customer).await;
    assert_eq!(status, 201, "{c}");
    let (status, sub) =
        app.post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "net100", "start_date": supply })).await;
    assert_eq!(status, 201, "{sub}");
    let as_of = NaiveDate::parse_from_str(supply, "%Y-%m-%d").unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(as_of), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    let inv = list["data"][0].clone();
    assert_eq!(inv["currency"], currency);
    assert_eq!(inv["subtotal"], 10000, "{inv}");
    inv
}

fn consumer(country: &str, currency: &str) -> Value {
    json!({ "email": "c@example.com", "name": "Consumer", "country": country, "currency": currency })
}

/// (customer, currency, supply date, VAT in minor units, EN 16931 category, rate, notice)
type Case = (Value, &'static str, &'static str, i64, &'static str, &'static str, Option<&'static str>);

#[tokio::test]
async fn the_worked_examples_hold() {
    let app = TestApp::spawn().await;
    let (status, plan) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "net100", "name": "Net 100", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 10000 }, { "currency": "USD", "amount": 10000 }] }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["tax_category"], "digital_service");
    // The USD invoice states its VAT in euros too (Art. 230), at the last ECB rate before 1 March.
    import_rates(&app, "2026-02-27", &[("USD", "1.0800")]).await;

    let business_fr = json!({ "email": "ap@client.fr", "name": "Client SARL", "country": "FR", "currency": "EUR",
                             "kind": "business", "vat_id": "FR40303265045" });
    let business_ch =
        json!({ "email": "ap@client.ch", "name": "Kunde AG", "country": "CH", "currency": "EUR", "kind": "business" });
    let cases: Vec<Case> = vec![
        (consumer("DE", "EUR"), "EUR", "2026-03-01", 1900, "S", "19", None),
        (consumer("AT", "EUR"), "EUR", "2026-03-01", 2000, "S", "20", None),
        (business_fr, "EUR", "2026-03-01", 0, "AE", "0", Some("reverse_charge")),
        (consumer("EE", "EUR"), "EUR", "2025-06-30", 2200, "S", "22", None),
        (consumer("EE", "EUR"), "EUR", "2025-07-01", 2400, "S", "24", None),
        (consumer("FI", "EUR"), "EUR", "2024-08-31", 2400, "S", "24", None),
        (consumer("FI", "EUR"), "EUR", "2024-09-01", 2550, "S", "25.5", None),
        (business_ch, "EUR", "2026-03-01", 0, "O", "0", Some("not_taxable_outside_eu")),
        (consumer("DE", "USD"), "USD", "2026-03-01", 1900, "S", "19", None),
    ];
    for (customer, currency, supply, vat, category, rate, notice) in cases {
        let label = format!("{} {supply} {currency}", customer["country"]);
        let inv = invoice_for(&app, customer, currency, supply).await;
        assert_eq!(inv["tax"], vat, "{label}: {inv}");
        assert_eq!(inv["total"], 10000 + vat, "{label}");
        assert_eq!(inv["lines"][0]["vat_category"], category, "{label}");
        assert_eq!(inv["lines"][0]["vat_rate"], rate, "{label}");
        assert_eq!(inv["tax_groups"].as_array().unwrap().len(), 1, "{label}");
        let notices: Vec<&str> = inv["tax_notices"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(notices, notice.into_iter().collect::<Vec<_>>(), "{label}");
    }
}

#[tokio::test]
async fn a_vat_id_that_fails_its_check_digits_is_rejected_at_entry_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let body = json!({ "email": "ap@client.fr", "name": "Client SARL", "country": "FR", "currency": "EUR",
                       "kind": "business", "vat_id": "FR41303265045" });
    let req = app.http.post(app.url("/api/v1/customers")).header("accept-language", "de").json(&body);
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_vat_id_check_digits");
    assert_eq!(err["error"]["param"], "vat_id");
    assert!(err["error"]["message"].as_str().unwrap().contains("Prüfziffer"), "{err}");
    let mut wrong_country = body.clone();
    wrong_country["vat_id"] = json!("DE136695976");
    let (status, err) = app.post("/api/v1/customers", wrong_country).await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("vat_id")), "{err}");
    assert_eq!(app.count("customers").await, 0);
    let mut good = body;
    good["vat_id"] = json!("FR 40 303 265 045");
    let (status, c) = app.post("/api/v1/customers", good).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["vat_id"], "FR40303265045");
    assert_eq!(c["kind"], "business");
    // VIES is not consulted at entry; the evidence says exactly what was checked.
    assert_eq!(c["vat_id_status"]["status"], "unverified", "{c}");
    assert_eq!(c["vat_id_status"]["reason"], "check digits valid; VIES not consulted");
}

#[tokio::test]
async fn a_mid_period_upgrade_for_a_german_consumer_carries_vat_on_the_net() {
    let app = TestApp::spawn().await;
    for (code, amount) in [("basic", 3000), ("premium", 9000)] {
        app.post(
            "/api/v1/plans",
            json!({ "code": code, "name": code, "interval": { "unit": "month", "count": 1 },
                                          "prices": [{ "currency": "EUR", "amount": amount }] }),
        )
        .await;
    }
    let (_, c) = app.post("/api/v1/customers", consumer("DE", "EUR")).await;
    let (_, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "basic", "start_date": "2026-04-01" }))
        .await;
    let id = sub["id"].as_str().unwrap();
    invoice_run::run(
        &app.db.pool,
        &RunOptions::new(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
        instant("2026-04-01T09:00:00Z"),
        &NoProgress,
    )
    .await
    .unwrap();
    let (_, changed) = app
        .post(
            &format!("/api/v1/subscriptions/{id}/change"),
            json!({ "plan": "premium", "effective_date": "2026-04-11" }),
        )
        .await;
    let (_, doc) = app.get(&format!("/api/v1/invoices/{}", changed["document"]["id"].as_str().unwrap())).await;
    // Net 40.00 (credit 20.00, charge 60.00) in one rate group: VAT 7.60, total 47.60.
    assert_eq!(
        (doc["subtotal"].as_i64(), doc["tax"].as_i64(), doc["total"].as_i64()),
        (Some(4000), Some(760), Some(4760)),
        "{doc}"
    );
}

#[tokio::test]
async fn a_usd_invoice_states_its_vat_also_in_euro_at_the_frozen_ecb_rate() {
    let app = TestApp::spawn().await;
    // A test rate in the ECB file format (not real ECB data): Friday 27 Feb 2026, 1 EUR = 1.0800 USD.
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube><Cube time='2026-02-27'><Cube currency='USD' rate='1.0800'/><Cube currency='CHF' rate='0.9400'/></Cube></Cube>
</gesmes:Envelope>"#;
    let parsed = billing_core::fx::parse_ecb_xml(xml.as_bytes()).unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    assert_eq!(
        billing_core::store::fx::upsert(&mut conn, &parsed.rates, instant("2026-03-01T00:00:00Z")).await.unwrap(),
        2
    );
    drop(conn);
    app.post(
        "/api/v1/plans",
        json!({ "code": "net100", "name": "Net 100", "interval": { "unit": "month", "count": 1 },
                "prices": [{ "currency": "USD", "amount": 10000 }] }),
    )
    .await;
    // Issued on Sunday 1 March: the last publication before it (27 Feb) applies.
    let inv = invoice_for(&app, consumer("DE", "USD"), "USD", "2026-03-01").await;
    assert_eq!(inv["tax"], 1900);
    // 19.00 USD / 1.0800 = 17.5925… EUR, rounded half-up once: 17.59 EUR.
    assert_eq!(inv["vat_national"]["amount"], 1759, "{inv}");
    assert_eq!(inv["vat_national"]["currency"], "EUR");
    assert_eq!(inv["vat_national"]["rate_date"], "2026-02-27");
    // An invoice in the seller's own currency needs no such statement.
    let (_, c) = app.post("/api/v1/customers", consumer("DE", "EUR")).await;
    let (status, err) = app.post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "net100" })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("plan_not_available_in_currency")));
}

/// Imports ECB rates of one publication day, in the ECB's XML form, through the importer.
async fn import_rates(app: &TestApp, day: &str, rates: &[(&str, &str)]) {
    let cubes: String = rates.iter().map(|(c, r)| format!("<Cube currency='{c}' rate='{r}'/>")).collect();
    let xml = format!(
        r#"<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time='{day}'>{cubes}</Cube></Cube></gesmes:Envelope>"#
    );
    let parsed = billing_core::fx::parse_ecb_xml(xml.as_bytes()).unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    billing_core::store::fx::upsert(&mut conn, &parsed.rates, instant("2026-03-01T00:00:00Z")).await.unwrap();
}

#[tokio::test]
async fn the_run_holds_a_foreign_currency_invoice_until_an_ecb_rate_states_its_vat_in_euro() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/plans",
        json!({ "code": "net100", "name": "Net 100", "interval": { "unit": "month", "count": 1 },
                "prices": [{ "currency": "USD", "amount": 10000 }] }),
    )
    .await;
    let (_, c) = app.post("/api/v1/customers", consumer("DE", "USD")).await;
    let (status, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "net100", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(status, 201, "{sub}");
    let run = || async {
        let opts = RunOptions::new(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        invoice_run::run(&app.db.pool, &opts, instant("2026-03-01T09:00:00Z"), &NoProgress).await.unwrap()
    };
    // No rate imported at all, then only one older than the seven-day window (Thursday 19 Feb
    // for Sunday 1 March): held each time, as a blocking exception that names what is missing.
    for rate_day in [None, Some("2026-02-19")] {
        if let Some(day) = rate_day {
            import_rates(&app, day, &[("USD", "1.0800")]).await;
        }
        let summary = run().await;
        assert_eq!((summary.invoices, summary.skipped), (0, 1), "{rate_day:?}");
        let e = &summary.tenants[0].exceptions[0];
        assert_eq!((e.code.as_str(), e.blocking), ("fx_rate_missing", true));
        assert_eq!((e.details["currency"].as_str(), e.details["national"].as_str()), ("USD", "EUR"));
        assert_eq!(app.count("invoices").await, 0);
    }
    // Friday's rate is the last publication before Sunday 1 March: the invoice is issued with it.
    import_rates(&app, "2026-02-27", &[("USD", "1.0800")]).await;
    assert_eq!(run().await.invoices, 1);
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    let national = &list["data"][0]["vat_national"];
    assert_eq!(
        (national["amount"].as_i64(), national["rate_date"].as_str()),
        (Some(1759), Some("2026-02-27")),
        "{national}"
    );
    assert_eq!(national["invoice_currency_per_eur"], "1.0800");
    assert_eq!(national["national_currency_per_eur"], "1");
}

#[tokio::test]
async fn a_yen_invoice_is_finalized_only_with_its_vat_in_euro_and_prints_the_ecb_quote() {
    let app = TestApp::spawn().await;
    let mut customer = consumer("DE", "JPY");
    customer["locale"] = json!("de");
    let (_, c) = app.post("/api/v1/customers", customer).await;
    let (status, draft) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": c["id"], "lines": [{ "description": "Beratung", "unit_amount": 10000 }] }),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap();
    let path = format!("/api/v1/invoices/{id}/finalize");
    let finalize = || app.post(&path, json!({}));
    let req = app.http.post(app.url(&format!("/api/v1/invoices/{id}/finalize"))).header("accept-language", "de");
    let (status, err) = app.send(req.json(&json!({})), &app.tenant.api_key).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("fx_rate_missing")), "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("Für JPY") && message.contains("EZB-Referenzkurs"), "{err}");
    let (_, still) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!((still["status"].as_str(), &still["number"]), (Some("draft"), &Value::Null));
    // The finalize-drafts job does not issue it either: it tries again an hour later.
    sqlx::query("UPDATE invoices SET auto_finalize_at = '2026-03-01T08:00:00Z'").execute(&app.db.pool).await.unwrap();
    let now = instant("2026-03-01T09:00:00Z");
    assert_eq!(billing_core::service::invoices::finalize_due_drafts(&app.db.pool, now).await.unwrap(), 0);
    let (_, still) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(
        (still["status"].as_str(), still["auto_finalize_at"].as_str()),
        (Some("draft"), Some("2026-03-01T10:00:00Z"))
    );

    import_rates(&app, "2026-02-27", &[("JPY", "163.03"), ("USD", "1.0800")]).await;
    let (status, inv) = finalize().await;
    assert_eq!(status, 200, "{inv}");
    assert_eq!(inv["number"], "INV-2026-000001", "the refused attempts used no number");
    // 1,900 JPY of VAT / 163.03 = 11.654… EUR, rounded once: 11.65 EUR.
    assert_eq!(inv["tax"], 1900);
    let national = &inv["vat_national"];
    assert_eq!((national["amount"].as_i64(), national["currency"].as_str()), (Some(1165), Some("EUR")), "{inv}");
    assert_eq!(national["invoice_currency_per_eur"], "163.03");
    let pdf = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{id}/pdf")))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = billing_tests::pdf_text(&pdf);
    assert!(
        text.contains("Umsatzsteuer in EUR: 11,65 € (EZB-Referenzkurs 1 EUR = 163,03 JPY vom 27.02.2026)"),
        "{text}"
    );
    assert!(!text.contains("0,00613"), "{text}");
}
