//! Rate plans and the subscription lifecycle through the REST API, against a real PostgreSQL:
//! pricing models, proration preview vs. the invoice that follows, period-end changes, cancel,
//! pause/resume, coupons and the stable errors for each refusal.

use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestApp, instant};
use chrono::NaiveDate;
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The invoice run for `as_of`, run on that day (or on 1 March, the tests' today, for an earlier
/// one): a real run never invoices ahead of the merchant's calendar.
async fn run(app: &TestApp, as_of: &str) -> u64 {
    let opts = RunOptions::new(d(as_of));
    let now = instant(&format!("{as_of}T09:00:00Z")).max(instant("2026-03-01T09:00:00Z"));
    invoice_run::run(&app.db.pool, &opts, now, &NoProgress).await.unwrap().invoices
}

fn tier(up_to: Option<&str>, price: &str) -> Value {
    json!({ "up_to": up_to, "unit_price": { "amount": price, "currency": "EUR" }, "flat_fee": null })
}

async fn plan(app: &TestApp, code: &str, price: Value) -> Value {
    let (status, plan) = app
        .post("/api/v1/plans", json!({ "code": code, "name": code.to_uppercase(), "interval": { "unit": "month", "count": 1 }, "prices": [price] }))
        .await;
    assert_eq!(status, 201, "{plan}");
    plan
}

async fn customer(app: &TestApp, currency: &str) -> String {
    // Outside the EU (no VAT): these tests are about amounts before tax; VAT has its own tests.
    let (_, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "k@example.com", "name": "Kunde", "country": "US", "currency": currency }),
        )
        .await;
    c["id"].as_str().unwrap().to_string()
}

async fn subscribe(app: &TestApp, plan: &str, quantity: i64, start: &str) -> Value {
    let c = customer(app, "EUR").await;
    let (status, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": c, "plan": plan, "quantity": quantity, "start_date": start }),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    sub
}

async fn invoices_of(app: &TestApp, sub: &Value) -> Vec<Value> {
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}&limit=100", sub["id"].as_str().unwrap())).await;
    list["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn pricing_models_bill_the_worked_examples() {
    let app = TestApp::spawn().await;
    let tiers = json!([tier(Some("10"), "5.00"), tier(Some("50"), "4.00"), tier(None, "3.00")]);
    plan(&app, "graduated", json!({ "currency": "EUR", "pricing": { "model": { "type": "graduated", "tiers": tiers }, "minimum_charge": null } })).await;
    plan(&app, "volume", json!({ "currency": "EUR", "pricing": { "model": { "type": "volume", "tiers": tiers }, "minimum_charge": null } })).await;
    plan(
        &app,
        "calls",
        json!({ "currency": "EUR", "pricing": { "model": { "type": "package", "block_size": "100", "block_price": { "amount": 1000, "currency": "EUR" } }, "minimum_charge": null } }),
    )
    .await;
    let g = subscribe(&app, "graduated", 60, "2026-03-01").await;
    let v = subscribe(&app, "volume", 60, "2026-03-01").await;
    let p = subscribe(&app, "calls", 250, "2026-03-01").await;
    assert_eq!(g["period_amount"]["amount"], 24000);
    assert_eq!(run(&app, "2026-03-01").await, 3);
    for (sub, total) in [(&g, 24000), (&v, 18000), (&p, 3000)] {
        let inv = invoices_of(&app, sub).await;
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0]["total"], total, "{}", sub["plan_name"]);
    }
    let (_, plans) = app.get("/api/v1/plans").await;
    let graduated = plans["data"].as_array().unwrap().iter().find(|p| p["code"] == "graduated").unwrap();
    assert_eq!(graduated["prices"][0]["pricing"]["model"]["type"], "graduated");
}

#[tokio::test]
async fn bad_pricing_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "currency": "EUR", "amount": -100 }), "negative_amount"),
        (json!({ "currency": "XYZ", "amount": 100 }), "unknown_currency"),
        (
            json!({ "currency": "EUR", "pricing": { "model": { "type": "graduated", "tiers": [] }, "minimum_charge": null } }),
            "invalid_request",
        ),
        (json!({ "currency": "EUR" }), "invalid_request"),
    ];
    for (price, code) in cases {
        let (status, err) = app
            .post(
                "/api/v1/plans",
                json!({ "code": "bad", "name": "Bad", "interval": { "unit": "month", "count": 1 }, "prices": [price] }),
            )
            .await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"]["code"], code, "{err}");
    }
    let (status, err) = app
        .post("/api/v1/plans", json!({ "code": "bad", "name": "Bad", "interval": { "unit": "fortnight", "count": 1 }, "prices": [{ "currency": "EUR", "amount": 1 }] }))
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_interval")), "{err}");
    let (_, plans) = app.get("/api/v1/plans").await;
    assert_eq!(plans["data"].as_array().unwrap().len(), 2, "only the two catalog plans exist");
}

#[tokio::test]
async fn the_upgrade_preview_matches_the_invoice_that_follows_to_the_cent() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    plan(&app, "premium", json!({ "currency": "EUR", "amount": 9000 })).await;
    let sub = subscribe(&app, "basic", 1, "2026-04-01").await;
    let id = sub["id"].as_str().unwrap();
    assert_eq!(run(&app, "2026-04-01").await, 1);
    let body = json!({ "plan": "premium", "effective_date": "2026-04-11" });
    let (status, preview) = app.post(&format!("/api/v1/subscriptions/{id}/change/preview"), body.clone()).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["document"], "invoice");
    assert_eq!(preview["lines"][0]["amount"], -2000);
    assert_eq!(preview["lines"][1]["amount"], 6000);
    assert_eq!(preview["total"], 4000);
    assert_eq!((preview["remaining_units"].as_i64(), preview["period_units"].as_i64()), (Some(20), Some(30)));
    // The preview changed nothing.
    let (_, same) = app.get(&format!("/api/v1/subscriptions/{id}")).await;
    assert_eq!(same["plan_name"], "BASIC");
    assert_eq!(invoices_of(&app, &sub).await.len(), 1);

    let (status, changed) = app.post(&format!("/api/v1/subscriptions/{id}/change"), body).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["subscription"]["plan_name"], "PREMIUM");
    let doc_id = changed["document"]["id"].as_str().unwrap();
    let (_, invoice) = app.get(&format!("/api/v1/invoices/{doc_id}")).await;
    assert_eq!(invoice["kind"], "proration");
    assert_eq!(invoice["number"], "INV-2026-000002");
    assert_eq!(invoice["total"], preview["total"]);
    let amounts: Vec<&Value> = invoice["lines"].as_array().unwrap().iter().map(|l| &l["amount"]).collect();
    assert_eq!(amounts, vec![&preview["lines"][0]["amount"], &preview["lines"][1]["amount"]]);
    assert_eq!(invoice["lines"][0]["period_start"], "2026-04-11");
    assert_eq!(invoice["lines"][0]["period_end"], "2026-04-30");
    // May is billed at the new price.
    assert_eq!(run(&app, "2026-05-01").await, 1);
    let all = invoices_of(&app, &sub).await;
    assert_eq!(all.last().unwrap()["total"], 9000);
}

#[tokio::test]
async fn a_downgrade_now_issues_a_numbered_credit_note() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    plan(&app, "premium", json!({ "currency": "EUR", "amount": 9000 })).await;
    let sub = subscribe(&app, "premium", 1, "2026-04-01").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-04-01").await;
    let (status, changed) = app
        .post(&format!("/api/v1/subscriptions/{id}/change"), json!({ "plan": "basic", "effective_date": "2026-04-11" }))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["document"]["kind"], "credit_note");
    assert_eq!(changed["document"]["number"], "CN-2026-000001");
    let (_, note) = app.get(&format!("/api/v1/invoices/{}", changed["document"]["id"].as_str().unwrap())).await;
    assert_eq!(note["total"], -4000);
}

#[tokio::test]
async fn a_period_end_change_waits_and_then_bills_the_new_terms() {
    let app = TestApp::spawn().await;
    let sub = subscribe(&app, "pro", 1, "2026-01-31").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-01-31").await;
    let (status, changed) = app
        .post(
            &format!("/api/v1/subscriptions/{id}/change"),
            json!({ "quantity": 3, "timing": "period_end", "effective_date": "2026-02-10" }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed["document"].is_null());
    assert_eq!(changed["subscription"]["pending_change"]["effective_date"], "2026-02-28");
    assert_eq!(changed["subscription"]["quantity"], 1);
    run(&app, "2026-03-31").await;
    let totals: Vec<i64> = invoices_of(&app, &sub).await.iter().map(|i| i["total"].as_i64().unwrap()).collect();
    assert_eq!(totals, vec![2900, 8700, 8700]);
    let (_, now) = app.get(&format!("/api/v1/subscriptions/{id}")).await;
    assert_eq!(now["quantity"], 3);
    assert!(now["pending_change"].is_null());
}

#[tokio::test]
async fn cancel_at_period_end_stops_invoicing_and_can_be_undone() {
    let app = TestApp::spawn().await;
    let sub = subscribe(&app, "pro", 1, "2026-01-15").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-01-15").await;
    let (status, c) =
        app.post(&format!("/api/v1/subscriptions/{id}/cancel"), json!({ "effective_date": "2026-01-20" })).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["subscription"]["cancel_at"], "2026-02-15");
    let (status, undone) = app.post(&format!("/api/v1/subscriptions/{id}/undo_cancel"), json!({})).await;
    assert_eq!(status, 200, "{undone}");
    assert!(undone["cancel_at"].is_null());
    let (status, err) = app.post(&format!("/api/v1/subscriptions/{id}/undo_cancel"), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("subscription_state_conflict")));
    app.post(&format!("/api/v1/subscriptions/{id}/cancel"), json!({ "effective_date": "2026-01-20" })).await;
    run(&app, "2026-04-01").await;
    assert_eq!(invoices_of(&app, &sub).await.len(), 1, "nothing after the cancellation date");
    let (_, ended) = app.get(&format!("/api/v1/subscriptions/{id}")).await;
    assert_eq!(ended["status"], "canceled");
    assert_eq!(ended["ended_on"], "2026-02-15");
    // A canceled subscription cannot change; it can be reactivated.
    let (status, err) = app.post(&format!("/api/v1/subscriptions/{id}/change"), json!({ "quantity": 2 })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("subscription_state_conflict")), "{err}");
    let (status, back) =
        app.post(&format!("/api/v1/subscriptions/{id}/reactivate"), json!({ "effective_date": "2026-04-05" })).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!((back["status"].as_str(), back["billing_anchor"].as_str()), (Some("active"), Some("2026-04-05")));
}

#[tokio::test]
async fn cancel_now_with_proration_credits_the_unused_days() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    let sub = subscribe(&app, "basic", 1, "2026-04-01").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-04-01").await;
    let (status, c) = app
        .post(
            &format!("/api/v1/subscriptions/{id}/cancel"),
            json!({ "timing": "now", "prorate": true, "effective_date": "2026-04-11" }),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["subscription"]["status"], "canceled");
    let (_, note) = app.get(&format!("/api/v1/invoices/{}", c["document"]["id"].as_str().unwrap())).await;
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["total"], -2000);
}

#[tokio::test]
async fn a_paused_subscription_is_not_invoiced_until_it_resumes() {
    let app = TestApp::spawn().await;
    let sub = subscribe(&app, "pro", 1, "2026-01-01").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-01-01").await;
    let (status, p) = app
        .post(
            &format!("/api/v1/subscriptions/{id}/pause"),
            json!({ "effective_date": "2026-01-10", "resume_on": "2026-03-15" }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["status"], "paused");
    assert_eq!(run(&app, "2026-03-01").await, 0);
    // The run resumes it on its date; billing restarts at the next boundary (April).
    run(&app, "2026-03-20").await;
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{id}")).await;
    assert_eq!(s["status"], "active");
    assert_eq!(s["next_period_start"], "2026-04-01");
    // The automatic resume is an event, as a resume through the API is (once, on its date).
    let (_, events) = app.get("/api/v1/events?type=subscription.resumed").await;
    let resumed: Vec<&Value> = events["data"].as_array().unwrap().iter().collect();
    assert_eq!(resumed.len(), 1, "{events}");
    assert_eq!(
        (resumed[0]["data"]["subscription"].as_str(), resumed[0]["data"]["on"].as_str()),
        (Some(id), Some("2026-03-15"))
    );
    run(&app, "2026-04-01").await;
    let starts: Vec<String> =
        invoices_of(&app, &sub).await.iter().map(|i| i["period_start"].as_str().unwrap().to_string()).collect();
    assert_eq!(starts, vec!["2026-01-01", "2026-04-01"]);
}

#[tokio::test]
async fn coupons_discount_their_periods_and_bad_coupons_change_nothing() {
    let app = TestApp::spawn().await;
    let (status, c) = app
        .post("/api/v1/coupons", json!({ "code": "WELCOME", "percent_off": "25", "duration": "repeating", "duration_periods": 2, "max_redemptions": 2 }))
        .await;
    assert_eq!(status, 201, "{c}");
    app.post(
        "/api/v1/coupons",
        json!({ "code": "OLD", "percent_off": "10", "duration": "once", "expires_at": "2026-01-01T00:00:00Z" }),
    )
    .await;
    app.post(
        "/api/v1/coupons",
        json!({ "code": "USD5", "amount_off": [{ "amount": 500, "currency": "USD" }], "duration": "once" }),
    )
    .await;
    let cust = customer(&app, "EUR").await;
    let (status, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": cust, "plan": "pro", "start_date": "2026-01-01", "coupon": "WELCOME" }),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    run(&app, "2026-03-01").await;
    let inv = invoices_of(&app, &sub).await;
    let pairs: Vec<(i64, i64)> =
        inv.iter().map(|i| (i["discount"].as_i64().unwrap(), i["total"].as_i64().unwrap())).collect();
    assert_eq!(pairs, vec![(725, 2175), (725, 2175), (0, 2900)]);
    for i in &inv {
        assert_eq!(i["total"].as_i64().unwrap(), i["subtotal"].as_i64().unwrap() - i["discount"].as_i64().unwrap());
    }
    let before = app.count("subscriptions").await;
    for (code, expected) in
        [("OLD", "coupon_expired"), ("USD5", "coupon_not_in_currency"), ("NOPE", "resource_missing")]
    {
        let (status, err) =
            app.post("/api/v1/subscriptions", json!({ "customer": cust, "plan": "pro", "coupon": code })).await;
        assert!(status == 422 || status == 404, "{err}");
        assert_eq!(err["error"]["code"], expected, "{err}");
    }
    app.post("/api/v1/subscriptions", json!({ "customer": cust, "plan": "pro", "coupon": "WELCOME" })).await;
    let (_, err) =
        app.post("/api/v1/subscriptions", json!({ "customer": cust, "plan": "pro", "coupon": "WELCOME" })).await;
    assert_eq!(err["error"]["code"], "coupon_exhausted");
    assert_eq!(app.count("subscriptions").await, before + 1, "refused subscriptions were not stored");
}

#[tokio::test]
async fn a_replayed_change_request_issues_one_document() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    plan(&app, "premium", json!({ "currency": "EUR", "amount": 9000 })).await;
    let sub = subscribe(&app, "basic", 1, "2026-04-01").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-04-01").await;
    let send = || {
        let req = app
            .http
            .post(app.url(&format!("/api/v1/subscriptions/{id}/change")))
            .header("idempotency-key", "upgrade-1")
            .json(&json!({ "plan": "premium", "effective_date": "2026-04-11" }));
        app.send(req, &app.tenant.api_key)
    };
    let (s1, a) = send().await;
    let (s2, b) = send().await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a["document"]["number"], b["document"]["number"]);
    assert_eq!(invoices_of(&app, &sub).await.len(), 2);
}

#[tokio::test]
async fn a_simulated_year_with_an_upgrade_a_pause_and_a_coupon_produces_the_expected_invoices() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    plan(&app, "premium", json!({ "currency": "EUR", "amount": 9000 })).await;
    app.post(
        "/api/v1/coupons",
        json!({ "code": "WELCOME", "percent_off": "25", "duration": "repeating", "duration_periods": 2 }),
    )
    .await;
    let counts = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            let q = "SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM subscriptions) + (SELECT count(*) FROM invoices)
                     + (SELECT times_redeemed FROM coupons WHERE code = 'WELCOME')";
            sqlx::query_scalar::<_, i64>(q).fetch_one(&pool).await.unwrap()
        }
    };
    let before = counts(&app).await;
    let scenario = json!({
        "plan": "basic", "currency": "EUR", "country": "US", "start_date": "2026-01-01", "months": 12, "coupon": "WELCOME",
        "events": [
            { "on": "2026-04-11", "action": "change", "plan": "premium", "timing": "now" },
            { "on": "2026-06-10", "action": "pause", "resume_on": "2026-08-15" }
        ]
    });
    let (status, sim) = app.post("/api/v1/simulations", scenario).await;
    assert_eq!(status, 200, "{sim}");
    let rows: Vec<(String, String, i64)> = sim["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["issue_date"].as_str().unwrap().to_string(),
                i["total"]["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, i64)> = [
        ("subscription", "2026-01-01", 2250),
        ("subscription", "2026-02-01", 2250),
        ("subscription", "2026-03-01", 3000),
        ("subscription", "2026-04-01", 3000),
        ("proration", "2026-04-11", 4000),
        ("subscription", "2026-05-01", 9000),
        ("subscription", "2026-06-01", 9000),
        ("subscription", "2026-09-01", 9000),
        ("subscription", "2026-10-01", 9000),
        ("subscription", "2026-11-01", 9000),
        ("subscription", "2026-12-01", 9000),
    ]
    .iter()
    .map(|(k, d, t)| (k.to_string(), d.to_string(), *t))
    .collect();
    assert_eq!(rows, expected);
    assert_eq!(sim["total"], json!({ "amount": 68500, "currency": "EUR" }));
    assert_eq!(sim["final_status"], "active");
    assert_eq!(counts(&app).await, before, "a simulation stores nothing");
    let (status, err) = app
        .post(
            "/api/v1/simulations",
            json!({ "plan": "basic", "currency": "EUR", "start_date": "2026-01-01", "months": 99 }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_request")), "{err}");
}

#[tokio::test]
async fn metered_usage_is_ingested_once_and_billed_in_arrears() {
    let app = TestApp::spawn().await;
    let (status, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "api", "name": "API", "interval": { "unit": "month", "count": 1 },
                    "usage": { "metric": "api_calls", "aggregation": "sum" },
                    "prices": [{ "currency": "EUR", "pricing": { "model": { "type": "package", "block_size": "100",
                        "block_price": { "amount": 1000, "currency": "EUR" } }, "minimum_charge": null } }] }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["billing_timing"], "arrears");
    let sub = subscribe(&app, "api", 1, "2026-02-01").await;
    let id = sub["id"].as_str().unwrap();
    assert_eq!(sub["next_period_start"], "2026-02-01");
    let ev = |event_id: &str, ts: &str, value: &str| json!({ "subscription": id, "event_id": event_id, "timestamp": ts, "value": value });
    let (status, r) = app
        .post(
            "/api/v1/usage_events/batch",
            json!({ "events": [ev("e1", "2026-02-03T10:00:00Z", "120"), ev("e2", "2026-02-20T10:00:00Z", "130")] }),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    // A replay is accepted and changes nothing.
    let (status, replay) = app.post("/api/v1/usage_events", ev("e1", "2026-02-03T10:00:00Z", "120")).await;
    assert_eq!(status, 201, "{replay}");
    assert_eq!(replay["events"][0]["created"], false);
    app.clock.set(instant("2026-02-21T09:00:00Z"));
    let (_, current) = app.get(&format!("/api/v1/subscriptions/{id}/usage")).await;
    assert_eq!(current["period_start"], "2026-02-01");
    assert_eq!(current["quantity"], "250");
    assert_eq!(current["amount"], json!({ "amount": 3000, "currency": "EUR" }));
    app.clock.set(instant("2026-03-02T09:00:00Z"));
    // Not due before the period ends (arrears); due the day after its last day.
    assert_eq!(run(&app, "2026-02-28").await, 0);
    assert_eq!(run(&app, "2026-03-01").await, 1);
    let inv = invoices_of(&app, &sub).await;
    assert_eq!(inv[0]["total"], 3000);
    assert_eq!(inv[0]["lines"][0]["quantity"], 250);
    assert_eq!(inv[0]["period_end"], "2026-02-28");
    // The invoiced period is closed for new usage; nothing is stored from a refused batch.
    let (status, err) = app
        .post(
            "/api/v1/usage_events/batch",
            json!({ "events": [ev("e3", "2026-03-01T10:00:00Z", "5"), ev("e4", "2026-02-27T10:00:00Z", "5")] }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("usage_period_closed")), "{err}");
    let (status, err) = app.post("/api/v1/usage_events", ev("e5", "2026-03-01T10:00:00Z", "-1")).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_request")), "{err}");
    assert_eq!(app.count("usage_events").await, 2);
    // A subscription on a flat plan takes no usage.
    let flat = subscribe(&app, "pro", 1, "2026-02-01").await;
    let (status, err) = app
        .post(
            "/api/v1/usage_events",
            json!({ "subscription": flat["id"], "event_id": "x", "timestamp": "2026-02-03T10:00:00Z", "value": "1" }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("subscription_not_metered")), "{err}");
}

#[tokio::test]
async fn a_trial_delays_the_first_paid_period_and_a_setup_fee_is_invoiced_at_once() {
    let app = TestApp::spawn().await;
    let (status, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "team", "name": "Team", "interval": { "unit": "month", "count": 1 }, "trial_days": 14,
                    "prices": [{ "currency": "EUR", "amount": 5000, "setup_fee": 9900 }] }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!((p["trial_days"].as_u64(), p["prices"][0]["setup_fee"].as_i64()), (Some(14), Some(9900)));
    let sub = subscribe(&app, "team", 1, "2026-03-01").await;
    assert_eq!(sub["trial_end"], "2026-03-15");
    assert_eq!(sub["billing_anchor"], "2026-03-15");
    let inv = invoices_of(&app, &sub).await;
    assert_eq!(inv.len(), 1, "the setup fee is invoiced when the subscription starts");
    assert_eq!((inv[0]["kind"].as_str(), inv[0]["total"].as_i64()), (Some("one_off"), Some(9900)));
    assert_eq!(inv[0]["lines"][0]["kind"], "setup_fee");
    assert_eq!(run(&app, "2026-03-14").await, 0, "nothing is billed during the trial");
    assert_eq!(run(&app, "2026-03-15").await, 1);
    let inv = invoices_of(&app, &sub).await;
    assert_eq!((inv[1]["period_start"].as_str(), inv[1]["total"].as_i64()), (Some("2026-03-15"), Some(5000)));
    // A subscription can skip the plan's trial.
    let c = customer(&app, "EUR").await;
    let (_, no_trial) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": c, "plan": "team", "start_date": "2026-03-01", "trial_days": 0 }),
        )
        .await;
    assert!(no_trial["trial_end"].is_null());
    assert_eq!(no_trial["next_invoice_date"], "2026-03-01");
}

#[tokio::test]
async fn a_price_change_reaches_new_subscribers_at_once_and_existing_ones_only_from_the_chosen_date() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    let early = subscribe(&app, "basic", 1, "2026-01-01").await;
    let (status, r) = app
        .post(
            "/api/v1/plans/basic/prices",
            json!({ "currency": "EUR", "amount": 3500, "existing_subscriptions_from": "2026-04-15" }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["scheduled_subscriptions"], 1);
    assert_eq!(r["plan"]["prices"][0]["amount"], 3500);
    let late = subscribe(&app, "basic", 1, "2026-03-01").await;
    assert_eq!(late["price"]["amount"], 3500, "new subscribers pay the new price at once");
    run(&app, "2026-06-01").await;
    let early_totals: Vec<i64> = invoices_of(&app, &early).await.iter().map(|i| i["total"].as_i64().unwrap()).collect();
    // Jan-Apr at the old price; from the first boundary on or after 15 April (1 May) the new one.
    assert_eq!(early_totals, vec![3000, 3000, 3000, 3000, 3500, 3500]);
    // Without a date, existing subscribers keep their price (grandfathered).
    let (_, r) = app.post("/api/v1/plans/basic/prices", json!({ "currency": "EUR", "amount": 4000 })).await;
    assert_eq!(r["scheduled_subscriptions"], 0);
    run(&app, "2026-07-01").await;
    let last = invoices_of(&app, &early).await.last().unwrap()["total"].as_i64();
    assert_eq!(last, Some(3500));
}

#[tokio::test]
async fn a_tenant_can_prorate_by_the_second() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE tenants SET proration_unit = 'second'").execute(&app.db.pool).await.unwrap();
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    plan(&app, "premium", json!({ "currency": "EUR", "amount": 9000 })).await;
    let sub = subscribe(&app, "basic", 1, "2026-04-01").await;
    let id = sub["id"].as_str().unwrap();
    run(&app, "2026-04-01").await;
    // Noon on 11 April in Berlin (10:00 UTC): 19.5 of 30 days remain.
    app.clock.set(instant("2026-04-11T10:00:00Z"));
    let (status, p) =
        app.post(&format!("/api/v1/subscriptions/{id}/change/preview"), json!({ "plan": "premium" })).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!((p["lines"][0]["amount"].as_i64(), p["lines"][1]["amount"].as_i64()), (Some(-1950), Some(5850)), "{p}");
    assert_eq!(p["total"], 3900);
    // With a day given, the change counts from that day's midnight: the day-based amounts.
    let (_, d) = app
        .post(
            &format!("/api/v1/subscriptions/{id}/change/preview"),
            json!({ "plan": "premium", "effective_date": "2026-04-11" }),
        )
        .await;
    assert_eq!(d["total"], 4000);
}

#[tokio::test]
async fn customers_in_a_segment_buy_from_its_price_list() {
    let app = TestApp::spawn().await;
    let (status, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "edu", "name": "Edu", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 2900 }, { "currency": "EUR", "amount": 1900, "segment": "schools" }] }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let (_, school) = app
        .post("/api/v1/customers", json!({ "email": "s@school.example", "name": "Schule", "country": "US", "currency": "EUR", "segment": "schools" }))
        .await;
    assert_eq!(school["segment"], "schools");
    let (_, s1) = app.post("/api/v1/subscriptions", json!({ "customer": school["id"], "plan": "edu" })).await;
    assert_eq!(s1["price"]["amount"], 1900);
    let (_, other) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "o@example.com", "name": "Other", "country": "US", "currency": "EUR" }),
        )
        .await;
    let (_, s2) = app.post("/api/v1/subscriptions", json!({ "customer": other["id"], "plan": "edu" })).await;
    assert_eq!(s2["price"]["amount"], 2900);
    // A segment without its own price buys from the default list.
    let (_, ngo) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "n@ngo.example", "name": "NGO", "country": "US", "currency": "EUR", "segment": "ngo" }),
        )
        .await;
    let (_, s3) = app.post("/api/v1/subscriptions", json!({ "customer": ngo["id"], "plan": "edu" })).await;
    assert_eq!(s3["price"]["amount"], 2900);
    // Two prices for the same list are refused.
    let (status, err) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "dup", "name": "Dup", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 1, "segment": "schools" }, { "currency": "EUR", "amount": 2, "segment": "schools" }] }),
        )
        .await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("prices")), "{err}");
}

#[tokio::test]
async fn add_ons_fit_their_plans_bill_with_the_base_and_end_with_it() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3000 })).await;
    for (code, amount, one_time) in [("extra-storage", 500, false), ("onboarding", 9900, true)] {
        let (status, p) = app
            .post(
                "/api/v1/plans",
                json!({ "code": code, "name": code, "interval": { "unit": "month", "count": 1 },
                        "addon": { "fits": ["basic"], "one_time": one_time }, "prices": [{ "currency": "EUR", "amount": amount }] }),
            )
            .await;
        assert_eq!(status, 201, "{p}");
    }
    // An add-on is not a base plan.
    let c = customer(&app, "EUR").await;
    let (status, _) = app.post("/api/v1/subscriptions", json!({ "customer": c, "plan": "extra-storage" })).await;
    assert_eq!(status, 400);
    let base = subscribe(&app, "basic", 1, "2026-01-01").await;
    let id = base["id"].as_str().unwrap();
    run(&app, "2026-03-01").await;
    // Attached on 5 March: storage is billed from the next boundary (1 April) with the base.
    app.clock.set(instant("2026-03-05T09:00:00Z"));
    let (status, r) = app
        .post(&format!("/api/v1/subscriptions/{id}/addons"), json!({ "addon": "extra-storage", "quantity": 2 }))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["type"], "recurring");
    assert_eq!(r["subscription"]["next_period_start"], "2026-04-01");
    let storage = r["subscription"].clone();
    let (status, r) = app.post(&format!("/api/v1/subscriptions/{id}/addons"), json!({ "addon": "onboarding" })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["type"], "one_time");
    let (_, doc) = app.get(&format!("/api/v1/invoices/{}", r["document"]["id"].as_str().unwrap())).await;
    assert_eq!((doc["total"].as_i64(), doc["lines"][0]["kind"].as_str()), (Some(9900), Some("addon")));
    // A plan the add-on does not fit is refused, and nothing is attached.
    plan(&app, "other", json!({ "currency": "EUR", "amount": 1000 })).await;
    let other = subscribe(&app, "other", 1, "2026-01-01").await;
    let (status, err) = app
        .post(
            &format!("/api/v1/subscriptions/{}/addons", other["id"].as_str().unwrap()),
            json!({ "addon": "extra-storage" }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("addon_not_compatible")), "{err}");
    run(&app, "2026-04-01").await;
    let storage_invoices = invoices_of(&app, &storage).await;
    assert_eq!(storage_invoices.len(), 1);
    assert_eq!(
        (storage_invoices[0]["period_start"].as_str(), storage_invoices[0]["total"].as_i64()),
        (Some("2026-04-01"), Some(1000))
    );
    // Canceling the base at period end ends the add-on at the same boundary.
    app.post(&format!("/api/v1/subscriptions/{id}/cancel"), json!({ "effective_date": "2026-04-10" })).await;
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{}", storage["id"].as_str().unwrap())).await;
    assert_eq!(s["cancel_at"], "2026-05-01");
}

#[tokio::test]
async fn a_billing_anchor_after_the_start_prorates_the_leading_days() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", json!({ "currency": "EUR", "amount": 3100 })).await;
    let c = customer(&app, "EUR").await;
    let (status, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": c, "plan": "basic", "start_date": "2026-01-15", "billing_anchor": "2026-02-01" }),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    assert_eq!(sub["billing_anchor"], "2026-02-01");
    let stub = invoices_of(&app, &sub).await;
    // 15-31 January: 17 of January's 31 days of 31.00 -> 17.00, invoiced at once.
    assert_eq!((stub[0]["kind"].as_str(), stub[0]["total"].as_i64()), (Some("proration"), Some(1700)));
    assert_eq!(stub[0]["lines"][0]["period_start"], "2026-01-15");
    assert_eq!(stub[0]["lines"][0]["period_end"], "2026-01-31");
    run(&app, "2026-02-01").await;
    let all = invoices_of(&app, &sub).await;
    assert_eq!((all[1]["period_start"].as_str(), all[1]["total"].as_i64()), (Some("2026-02-01"), Some(3100)));
    let (status, err) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": c, "plan": "basic", "start_date": "2026-01-15", "billing_anchor": "2026-03-01" }),
        )
        .await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("billing_anchor")), "{err}");
}

#[tokio::test]
async fn a_trial_can_require_a_payment_method_on_file() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/plans",
        json!({ "code": "trial-pm", "name": "Trial", "interval": { "unit": "month", "count": 1 }, "trial_days": 30,
                "trial_requires_payment_method": true, "prices": [{ "currency": "EUR", "amount": 1000 }] }),
    )
    .await;
    let c = customer(&app, "EUR").await;
    let (status, err) = app.post("/api/v1/subscriptions", json!({ "customer": c, "plan": "trial-pm" })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("no_payment_method")), "{err}");
    assert_eq!(app.count("subscriptions").await, 0);
    app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4242424242424242" })).await;
    let (status, sub) = app.post("/api/v1/subscriptions", json!({ "customer": c, "plan": "trial-pm" })).await;
    assert_eq!(status, 201, "{sub}");
    assert!(sub["trial_end"].is_string());
}

#[tokio::test]
async fn usage_so_far_is_the_open_periods_until_the_run_invoices_it_not_the_calendars() {
    let app = TestApp::spawn().await;
    let (status, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "api", "name": "API", "interval": { "unit": "month", "count": 1 },
                    "usage": { "metric": "api_calls", "aggregation": "sum" },
                    "prices": [{ "currency": "EUR", "pricing": { "model": { "type": "package", "block_size": "100",
                        "block_price": { "amount": 1000, "currency": "EUR" } }, "minimum_charge": null } }] }),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let sub = subscribe(&app, "api", 1, "2026-02-01").await;
    let id = sub["id"].as_str().unwrap();
    let ev = |event_id: &str, ts: &str, value: &str| json!({ "subscription": id, "event_id": event_id, "timestamp": ts, "value": value });
    let path = format!("/api/v1/subscriptions/{id}/usage");
    let usage = || app.get(&path);
    app.post("/api/v1/usage_events", ev("feb", "2026-02-20T10:00:00Z", "250")).await;
    // 2 March: the calendar is in March, but February is not invoiced yet; it is the period that
    // still takes usage and that the next invoice bills.
    app.clock.set(instant("2026-03-02T09:00:00Z"));
    let (status, r) = app.post("/api/v1/usage_events", ev("late-feb", "2026-02-28T22:00:00Z", "50")).await;
    assert_eq!(status, 201, "{r}");
    app.post("/api/v1/usage_events", ev("mar", "2026-03-01T10:00:00Z", "120")).await;
    let (_, open) = usage().await;
    assert_eq!(
        (open["period_start"].as_str(), open["period_end"].as_str(), open["quantity"].as_str()),
        (Some("2026-02-01"), Some("2026-02-28"), Some("300")),
        "{open}"
    );
    assert_eq!(open["amount"], json!({ "amount": 3000, "currency": "EUR" }));
    // Once February is invoiced, March is the open period.
    assert_eq!(run(&app, "2026-03-01").await, 1);
    let (_, open) = usage().await;
    assert_eq!((open["period_start"].as_str(), open["quantity"].as_str()), (Some("2026-03-01"), Some("120")), "{open}");
}
