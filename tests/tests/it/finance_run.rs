//! The finance batch run through the API: a dry run of the demo data equals the real run (counts,
//! totals per currency and per VAT rate, exceptions), exceptions do not stop the run, every run is
//! recorded per merchant, and the CSV report adds up to the run's totals.

use std::collections::BTreeMap;

use billing_tests::{TestApp, instant};
use serde_json::{Value, json};

const DEMO_KEY: &str = portal_web::demo::DEMO_API_KEY;

async fn run(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, run) = app.send(app.http.post(app.url("/api/v1/invoice_runs")).json(&body), key).await;
    assert_eq!(status, 201, "{run}");
    run
}

/// Parses the CSV (no quoted newlines in our data): header -> column index, and the rows.
fn parse_csv(text: &str) -> (BTreeMap<String, usize>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header: BTreeMap<String, usize> =
        lines.next().unwrap().split(',').enumerate().map(|(i, c)| (c.to_string(), i)).collect();
    let rows = lines
        .map(|l| {
            let mut cells = Vec::new();
            let (mut cur, mut quoted, mut chars) = (String::new(), false, l.chars().peekable());
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            cells.push(cur);
            cells
        })
        .collect();
    (header, rows)
}

/// "290.00" -> 29000 for a two-decimal currency; the demo's currencies all have two.
fn minor(text: &str) -> i64 {
    let (sign, text) = text.strip_prefix('-').map_or((1, text), |t| (-1, t));
    let (units, cents) = text.split_once('.').unwrap();
    assert_eq!(cents.len(), 2, "{text}");
    sign * (units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap())
}

fn codes(run: &Value) -> Vec<(String, String)> {
    let mut v: Vec<_> = run["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["subscription"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_demo_dry_run_equals_the_real_run_and_its_csv_report_adds_up() {
    let app = TestApp::spawn().await;
    portal_web::demo::seed(&app.db.pool, instant("2026-03-01T09:00:00Z")).await.unwrap();
    let before = app.count("invoices").await;

    let dry = run(&app, DEMO_KEY, json!({ "as_of": "2026-03-01", "dry_run": true })).await;
    assert_eq!(app.count("invoices").await, before, "a dry run writes no invoice");
    let real = run(&app, DEMO_KEY, json!({ "as_of": "2026-03-01" })).await;

    assert_eq!((dry["dry_run"].as_bool(), real["dry_run"].as_bool()), (Some(true), Some(false)));
    for field in ["subscriptions_considered", "invoices_created", "subscriptions_skipped", "exceptions_count", "totals"]
    {
        assert_eq!(dry[field], real[field], "{field}: the dry run must equal the real run");
    }
    assert_eq!(codes(&dry), codes(&real), "the same exceptions");
    assert_eq!(real["status"], "completed");
    assert!(real["triggered_by"].as_str().unwrap().starts_with("api:"), "{}", real["triggered_by"]);
    let created = real["invoices_created"].as_i64().unwrap();
    assert!(created >= 12, "every demo subscription is due: {real}");
    assert_eq!(app.count("invoices").await, before + created);

    // Per currency: all four demo currencies; per rate: German VAT, Austrian OSS VAT, the French
    // business under reverse charge, the Swiss/US/Chinese customers outside the scope.
    let by_currency = real["totals"]["by_currency"].as_array().unwrap();
    let currencies: Vec<&str> = by_currency.iter().map(|c| c["currency"].as_str().unwrap()).collect();
    assert_eq!(currencies, ["CHF", "CNY", "EUR", "USD"]);
    let rates: Vec<(String, String, String)> = real["totals"]["by_rate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["currency"].as_str().unwrap().into(),
                r["vat_category"].as_str().unwrap().into(),
                r["vat_rate"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [("EUR", "S", "19"), ("EUR", "S", "20"), ("EUR", "AE", "0"), ("USD", "O", "0")] {
        let e = (expected.0.to_string(), expected.1.to_string(), expected.2.to_string());
        assert!(rates.contains(&e), "{expected:?} in {rates:?}");
    }
    // The per-rate rows sum to the per-currency totals, and those to the invoices in the database.
    for c in by_currency {
        let code = c["currency"].as_str().unwrap();
        let rate_sum: i64 = real["totals"]["by_rate"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["currency"] == code)
            .map(|r| r["total"].as_i64().unwrap())
            .sum();
        assert_eq!(rate_sum, c["total"].as_i64().unwrap(), "{code}");
        let stored: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(total), 0)::bigint FROM invoices WHERE currency = $1 AND invoice_run_id IS NOT NULL",
        )
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(stored, c["total"].as_i64().unwrap(), "{code}");
    }

    // The CSV report: one row per invoice, totals equal to the run's.
    let id = real["id"].as_str().unwrap();
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoice_runs/{id}/report.csv")))
        .bearer_auth(DEMO_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let (cols, rows) = parse_csv(&resp.text().await.unwrap());
    let invoices: Vec<_> = rows.iter().filter(|r| r[cols["row_type"]] == "invoice").collect();
    assert_eq!(invoices.len() as i64, created);
    assert!(invoices.iter().all(|r| r[cols["invoice_number"]].starts_with("RE-2026-")));
    for c in by_currency {
        let code = c["currency"].as_str().unwrap();
        let of = |col: &str| -> i64 {
            invoices.iter().filter(|r| r[cols["currency"]] == code).map(|r| minor(&r[cols[col]])).sum()
        };
        assert_eq!(
            (of("net"), of("vat"), of("total")),
            (c["net"].as_i64().unwrap(), c["vat"].as_i64().unwrap(), c["total"].as_i64().unwrap()),
            "{code}"
        );
    }
    let exception_rows = rows.iter().filter(|r| r[cols["row_type"]] == "exception").count();
    assert_eq!(exception_rows as i64, real["exceptions_count"].as_i64().unwrap());

    // Running again changes nothing, and is recorded as such.
    let again = run(&app, DEMO_KEY, json!({ "as_of": "2026-03-01" })).await;
    assert_eq!(again["invoices_created"], 0);
    assert_eq!(app.count("invoices").await, before + created);

    // The runs belong to the demo merchant only.
    let (status, list) = app.send(app.http.get(app.url("/api/v1/invoice_runs")), DEMO_KEY).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [again["id"].as_str().unwrap(), id, dry["id"].as_str().unwrap()], "newest first");
    let (_, other) = app.get("/api/v1/invoice_runs").await;
    assert_eq!(other["data"].as_array().unwrap().len(), 0, "another merchant sees none of them");
    let (status, err) = app.get(&format!("/api/v1/invoice_runs/{id}")).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("resource_missing")));
    let (status, _) = app.get(&format!("/api/v1/invoice_runs/{id}/report.csv")).await;
    assert_eq!(status, 404);
    let (status, one) = app.send(app.http.get(app.url(&format!("/api/v1/invoice_runs/{id}"))), DEMO_KEY).await;
    assert_eq!(status, 200);
    assert_eq!(one["totals"], real["totals"]);
}

#[tokio::test]
async fn exceptions_are_listed_without_stopping_the_run_and_a_missing_price_blocks_only_its_invoice() {
    let app = TestApp::spawn().await;
    let customer = |body: Value| {
        let app = &app;
        async move {
            let (status, c) = app.post("/api/v1/customers", body).await;
            assert_eq!(status, 201, "{c}");
            c["id"].as_str().unwrap().to_string()
        }
    };
    let subscribe = |customer: String| {
        let app = &app;
        async move {
            let (status, s) = app
                .post(
                    "/api/v1/subscriptions",
                    json!({ "customer": customer, "plan": "pro", "start_date": "2026-03-01" }),
                )
                .await;
            assert_eq!(status, 201, "{s}");
            s["id"].as_str().unwrap().to_string()
        }
    };
    let b2b = customer(json!({ "email": "compta@sarl.example", "name": "SARL Sans TVA", "country": "FR",
                                "currency": "EUR", "kind": "business" }))
    .await;
    let with_card =
        customer(json!({ "email": "karte@example.de", "name": "Mit Karte", "country": "DE", "currency": "EUR" })).await;
    let (status, pm) = app
        .post(&format!("/api/v1/customers/{with_card}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(status, 201, "{pm}");
    let no_card =
        customer(json!({ "email": "ohne@example.de", "name": "Ohne Karte", "country": "DE", "currency": "EUR" })).await;
    let dollars =
        customer(json!({ "email": "usd@example.com", "name": "Dollar Inc", "country": "US", "currency": "USD" })).await;
    let (s_b2b, s_card, s_nocard, s_usd) =
        (subscribe(b2b).await, subscribe(with_card).await, subscribe(no_card).await, subscribe(dollars).await);
    // A subscription whose plan lost its USD price (as an import or a catalog edit outside the
    // API can leave it): the run must go on with the others.
    sqlx::query("DELETE FROM plan_prices WHERE currency = 'USD'").execute(&app.db.pool).await.unwrap();

    let dry = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-03-01", "dry_run": true })).await;
    let real = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-03-01" })).await;
    assert_eq!(codes(&dry), codes(&real));
    let mut expected = vec![
        (s_b2b.clone(), "payment_method_missing".to_string()),
        (s_b2b.clone(), "vat_id_missing".to_string()),
        (s_nocard.clone(), "payment_method_missing".to_string()),
        (s_usd.clone(), "payment_method_missing".to_string()),
        (s_usd.clone(), "price_missing".to_string()),
    ];
    expected.retain(|(s, c)| !(s == &s_usd && c == "payment_method_missing"));
    expected.sort();
    assert_eq!(codes(&real), expected, "{real}");
    assert!(!codes(&real).iter().any(|(s, _)| s == &s_card), "a customer with a card is fine");
    assert_eq!(
        (
            real["subscriptions_considered"].as_i64(),
            real["invoices_created"].as_i64(),
            real["subscriptions_skipped"].as_i64()
        ),
        (Some(4), Some(3), Some(1))
    );
    let blocking: Vec<_> =
        real["exceptions"].as_array().unwrap().iter().filter(|e| e["blocking"] == true).map(|e| &e["code"]).collect();
    assert_eq!(blocking, ["price_missing"]);
    let vat = real["exceptions"].as_array().unwrap().iter().find(|e| e["code"] == "vat_id_missing").unwrap();
    assert!(vat["message"].as_str().unwrap().contains("SARL Sans TVA"), "{vat}");
    // The business without a VAT id was charged French VAT as a consumer (OSS), as the tax
    // engine does: 20 % on 29.00.
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={s_b2b}")).await;
    assert_eq!(list["data"][0]["tax"], 580, "{list}");
    let (_, none) = app.get(&format!("/api/v1/invoices?subscription={s_usd}")).await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0, "the unpriced subscription is not invoiced");

    // Localized messages follow Accept-Language.
    let (_, de) = app
        .send(
            app.http
                .get(app.url(&format!("/api/v1/invoice_runs/{}", real["id"].as_str().unwrap())))
                .header("accept-language", "de"),
            &app.tenant.api_key,
        )
        .await;
    let price = de["exceptions"].as_array().unwrap().iter().find(|e| e["code"] == "price_missing").unwrap();
    assert!(price["message"].as_str().unwrap().contains("keinen Preis in USD"), "{price}");

    // Once the price is back, the next run invoices it; the seller stops collecting
    // automatically, so missing payment methods are no longer exceptions.
    sqlx::query("INSERT INTO plan_prices (tenant_id, plan_id, currency, unit_amount) SELECT tenant_id, id, 'USD', 3200 FROM plans WHERE code = 'pro'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    billing_core::store::runs::set_collection_method(&mut conn, app.tenant.id, "send_invoice").await.unwrap();
    let next = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-03-01" })).await;
    assert_eq!(next["invoices_created"], 1);
    assert_eq!(next["exceptions_count"], 0, "{next}");

    // The seller gives up its OSS registration: VAT for a consumer in Austria cannot be charged.
    sqlx::query("UPDATE tenants SET oss_registered = FALSE").execute(&app.db.pool).await.unwrap();
    let austria =
        customer(json!({ "email": "at@example.at", "name": "Wien", "country": "AT", "currency": "EUR" })).await;
    let s_at = subscribe(austria).await;
    let taxless = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-03-01", "dry_run": true })).await;
    assert_eq!(codes(&taxless), [(s_at, "tax_undeterminable".to_string())]);
    assert_eq!(taxless["subscriptions_skipped"], 1);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_run() {
    let app = TestApp::spawn().await;
    let post = || {
        app.http
            .post(app.url("/api/v1/invoice_runs"))
            .header("idempotency-key", "run-2026-03-01")
            .json(&json!({ "as_of": "2026-03-01", "dry_run": true }))
    };
    let (s1, first) = app.send(post(), &app.tenant.api_key).await;
    let (s2, second) = app.send(post(), &app.tenant.api_key).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.count("invoice_runs").await, 1);
    let (status, bad) = app
        .send(
            app.http.post(app.url("/api/v1/invoice_runs")).json(&json!({ "as_of": "not a date" })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(app.count("invoice_runs").await, 1, "bad input changes nothing");
}

#[tokio::test]
async fn a_runs_totals_are_also_reported_in_the_merchants_currency_at_the_as_of_dates_rates() {
    let app = TestApp::spawn().await;
    app.invoiced_march_customer("eur@example.com", "EUR").await;
    app.invoiced_march_customer("usd@example.com", "USD").await;
    // The ECB's USD rate published on the Friday before the as-of date (a Sunday would have none).
    sqlx::query(
        "INSERT INTO fx_rates (source, rate_date, currency, per_eur, imported_at) VALUES
         ('ECB', '2026-03-27', 'USD', 1.0800, now()), ('ECB', '2026-03-31', 'USD', 1.0667, now())",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.clock.set(instant("2026-04-01T09:00:00Z"));
    let april = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-04-01" })).await;
    let id = april["id"].as_str().unwrap();
    let (status, shown) = app.get(&format!("/api/v1/invoice_runs/{id}")).await;
    assert_eq!(status, 200, "{shown}");
    let r = &shown["reporting"];
    assert_eq!(r["currency"], "EUR", "the German merchant reports in euros: {shown}");
    // 29.00 EUR + 32.00 USD at 1.0667 (31 March) = 29.00 + 30.00 = 59.00; no VAT outside the EU.
    assert_eq!((r["net"].as_i64(), r["vat"].as_i64(), r["total"].as_i64()), (Some(5900), Some(0), Some(5900)), "{r}");
    assert_eq!(
        (r["rates"][0]["currency"].as_str(), r["rates"][0]["rate_date"].as_str()),
        (Some("USD"), Some("2026-03-31"))
    );
    let (_, in_usd) = app.get(&format!("/api/v1/invoice_runs/{id}?reporting_currency=USD")).await;
    assert_eq!(in_usd["reporting"]["net"], 3093 + 3200, "29.00 EUR is 30.93 USD: {in_usd}");
    let (status, err) = app.get(&format!("/api/v1/invoice_runs/{id}?reporting_currency=XYZ")).await;
    assert_eq!(status, 400, "{err}");
}

#[tokio::test]
async fn the_api_refuses_a_real_run_beyond_the_merchants_today_unless_allowed() {
    let app = TestApp::spawn().await;
    app.invoiced_march_customer("eur@example.com", "EUR").await;
    let invoices = app.count("invoices").await;
    // 1 March, 09:00 UTC: 1 March in Berlin too; the run for 1 April is in the future.
    let req = app
        .http
        .post(app.url("/api/v1/invoice_runs"))
        .header("accept-language", "fr")
        .header("idempotency-key", "future-1")
        .json(&json!({ "as_of": "2026-04-01" }));
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("invoice_run_date_in_future")), "{err}");
    assert_eq!(err["error"]["param"], "as_of");
    assert!(err["error"]["message"].as_str().unwrap().contains("postérieure à aujourd’hui (2026-03-01)"), "{err}");
    let (status, _) = app
        .send(
            app.http.post(app.url("/api/v1/invoice_runs")).json(&json!({ "as_of": "9999-12-31" })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!((app.count("invoices").await, app.count("invoice_runs").await), (invoices, 1), "nothing written");
    // A dry run may look ahead; an explicit allowance runs for real (the key, released, is free).
    let dry = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-04-01", "dry_run": true })).await;
    assert_eq!((dry["dry_run"].as_bool(), dry["invoices_created"].as_i64()), (Some(true), Some(1)), "{dry}");
    assert_eq!(app.count("invoices").await, invoices);
    let req = app
        .http
        .post(app.url("/api/v1/invoice_runs"))
        .header("idempotency-key", "future-1")
        .json(&json!({ "as_of": "2026-04-01", "allow_future": true }));
    let (status, real) = app.send(req, &app.tenant.api_key).await;
    assert_eq!((status, real["invoices_created"].as_i64()), (201, Some(1)), "{real}");
    // Without a date the run is for the merchant's today.
    let today = run(&app, &app.tenant.api_key, json!({})).await;
    assert_eq!(today["as_of"], "2026-03-01");
}

#[tokio::test]
async fn a_dry_run_resumes_a_pause_that_ends_by_its_date_as_the_real_run_does() {
    let app = TestApp::spawn().await;
    app.invoiced_march_customer("pause@example.com", "EUR").await;
    let (_, subs) = app.get("/api/v1/subscriptions").await;
    let sub = subs["data"][0]["id"].as_str().unwrap().to_owned();
    // Paused in March, billing resumes by itself on 10 April.
    let (s, paused) = app
        .post(
            &format!("/api/v1/subscriptions/{sub}/pause"),
            json!({ "effective_date": "2026-03-15", "resume_on": "2026-04-10" }),
        )
        .await;
    assert_eq!((s, paused["status"].as_str()), (200, Some("paused")), "{paused}");
    let invoices = app.count("invoices").await;

    let dry = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-05-01", "dry_run": true })).await;
    assert_eq!(app.count("invoices").await, invoices, "a dry run writes no invoice");
    let (_, still) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(still["status"], "paused", "a dry run resumes nothing for good: {still}");
    let real = run(&app, &app.tenant.api_key, json!({ "as_of": "2026-05-01", "allow_future": true })).await;
    assert!(real["invoices_created"].as_i64().unwrap() >= 1, "the resumed subscription is invoiced: {real}");
    for field in ["subscriptions_considered", "invoices_created", "subscriptions_skipped", "exceptions_count", "totals"]
    {
        assert_eq!(dry[field], real[field], "{field}: the dry run must equal the real run");
    }
}
