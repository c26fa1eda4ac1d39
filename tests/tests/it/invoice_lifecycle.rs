//! The invoice lifecycle through the API (issue 4): drafts with one-off lines, finalization with
//! a gapless number, automatic finalization after the grace period, void, uncollectible, full and
//! partial credit notes, and the customer credit balance they feed.

use billing_core::money::Money;
use billing_core::service::settlement::{self, PaymentSource};
use billing_tests::{TestApp, instant};
use serde_json::{Value, json};

async fn customer(app: &TestApp, country: &str) -> String {
    let (status, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "max@example.de", "name": "Max Mustermann", "country": country, "currency": "EUR" }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// A draft with one line of 100.00 net for the customer.
async fn draft(app: &TestApp, customer: &str) -> Value {
    let (status, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "lines": [{ "description": "Onboarding workshop", "unit_amount": 10000 }] }),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    d
}

async fn finalize(app: &TestApp, id: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await
}

async fn finalized(app: &TestApp, customer: &str) -> Value {
    let d = draft(app, customer).await;
    let (status, inv) = finalize(app, d["id"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{inv}");
    inv
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
async fn a_draft_takes_one_off_lines_and_gets_its_number_only_when_finalized() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let d = draft(&app, &cus).await;
    assert_eq!(d["status"], "draft");
    assert_eq!(d["number"], Value::Null);
    assert_eq!(d["subtotal"], 10000);
    // The grace period of the merchant (24 h by default) sets the automatic finalization.
    assert_eq!(d["auto_finalize_at"], "2026-03-02T09:00:00Z");

    let (status, d) = app
        .post(
            &format!("/api/v1/invoices/{}/lines", id(&d)),
            json!({ "lines": [{ "description": "Extra seat", "quantity": 3, "unit_amount": 500 },
                              { "description": "Typo line", "unit_amount": 1 }] }),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["lines"].as_array().unwrap().len(), 3);
    let resp =
        app.http.delete(app.url(&format!("/api/v1/invoices/{}/lines/3", id(&d)))).bearer_auth(&app.tenant.api_key);
    let (status, d) = app.send(resp, &app.tenant.api_key).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["subtotal"], 11500);

    // Customer's own payment terms: 30 days instead of the merchant's 14.
    let (status, _) = app.post(&format!("/api/v1/customers/{cus}/payment_terms"), json!({ "days": 30 })).await;
    assert_eq!(status, 200);
    let (status, inv) = finalize(&app, id(&d)).await;
    assert_eq!(status, 200, "{inv}");
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["number"], "INV-2026-000001");
    assert_eq!(inv["issue_date"], "2026-03-01");
    assert_eq!(inv["due_date"], "2026-03-31");
    assert_eq!(inv["payment_terms_days"], 30);
    // A consumer in Germany: 19 % on 115.00.
    assert_eq!(
        (inv["subtotal"].as_i64(), inv["tax"].as_i64(), inv["total"].as_i64()),
        (Some(11500), Some(2185), Some(13685))
    );
    assert_eq!(inv["lines"][0]["vat_category"], "S");
    assert_eq!(inv["amount_due"], 13685);
    assert_eq!(inv["auto_finalize_at"], Value::Null);

    // Finalized means frozen: no second number, no more lines, no deletion.
    let (status, err) = finalize(&app, id(&inv)).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("invoice_state_conflict")), "{err}");
    let (status, err) = app
        .post(
            &format!("/api/v1/invoices/{}/lines", id(&inv)),
            json!({ "lines": [{ "description": "x", "unit_amount": 1 }] }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("invoice_state_conflict")), "{err}");
    let resp = app.http.delete(app.url(&format!("/api/v1/invoices/{}", id(&inv))));
    let (status, _) = app.send(resp, &app.tenant.api_key).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_deleted_draft_leaves_no_gap_in_the_numbers() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let gone = draft(&app, &cus).await;
    let resp = app.http.delete(app.url(&format!("/api/v1/invoices/{}", id(&gone))));
    let (status, body) = app.send(resp, &app.tenant.api_key).await;
    assert_eq!((status, &body["deleted"]), (200, &json!(true)), "{body}");
    let (status, _) = app.get(&format!("/api/v1/invoices/{}", id(&gone))).await;
    assert_eq!(status, 404);
    let first = finalized(&app, &cus).await;
    let second = finalized(&app, &cus).await;
    assert_eq!(first["number"], "INV-2026-000001");
    assert_eq!(second["number"], "INV-2026-000002");
}

#[tokio::test]
async fn bad_lines_are_refused_in_the_callers_language_and_store_nothing() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let before = app.count("invoices").await;
    let req =
        app.http.post(app.url("/api/v1/invoices")).header("accept-language", "de").json(
            &json!({ "customer": cus, "lines": [{ "description": "Seats", "quantity": -2, "unit_amount": 500 }] }),
        );
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_quantity")), "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("Menge"), "{err}");
    let (status, err) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": cus, "currency": "XYZ", "lines": [{ "description": "a", "unit_amount": 1 }] }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("unknown_currency")), "{err}");
    let (status, err) = app
        .post("/api/v1/invoices", json!({ "customer": cus, "lines": [{ "description": "a", "unit_amount": -1 }] }))
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("negative_amount")), "{err}");
    assert_eq!(app.count("invoices").await, before);
    // An empty draft cannot be finalized.
    let (_, empty) = app.post("/api/v1/invoices", json!({ "customer": cus })).await;
    let (status, err) = finalize(&app, id(&empty)).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("invoice_empty")), "{err}");
}

#[tokio::test]
async fn drafts_finalize_themselves_after_the_grace_period_once() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "AT").await;
    let auto = draft(&app, &cus).await;
    let (_, manual) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": cus, "auto_finalize": false, "lines": [{ "description": "Hold", "unit_amount": 100 }] }),
        )
        .await;
    let pool = &app.db.pool;
    use billing_core::service::invoices::finalize_due_drafts;
    assert_eq!(finalize_due_drafts(pool, instant("2026-03-02T08:59:00Z")).await.unwrap(), 0, "still in grace");
    assert_eq!(finalize_due_drafts(pool, instant("2026-03-02T09:00:00Z")).await.unwrap(), 1);
    assert_eq!(finalize_due_drafts(pool, instant("2026-03-02T10:00:00Z")).await.unwrap(), 0, "re-run: nothing");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{}", id(&auto))).await;
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["number"], "INV-2026-000001");
    // A consumer in Austria (OSS): 20 %.
    assert_eq!(inv["tax"], 2000);
    let (_, held) = app.get(&format!("/api/v1/invoices/{}", id(&manual))).await;
    assert_eq!(held["status"], "draft");
}

#[tokio::test]
async fn void_keeps_the_number_and_refuses_an_invoice_with_payments() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let inv = finalized(&app, &cus).await;
    let (status, voided) = app.post(&format!("/api/v1/invoices/{}/void", id(&inv)), json!({})).await;
    assert_eq!(status, 200, "{voided}");
    assert_eq!((voided["status"].as_str(), voided["number"].as_str()), (Some("void"), Some("INV-2026-000001")));
    let (status, err) = app.post(&format!("/api/v1/invoices/{}/void", id(&inv)), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("invoice_state_conflict")), "{err}");

    let part_paid = finalized(&app, &cus).await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let iid = id(&part_paid).parse().unwrap();
    settlement::apply_payment(
        &mut conn,
        app.tenant.id,
        iid,
        Money::from_minor(5000, billing_core::currency::Currency::EUR),
        PaymentSource::Manual,
        "cash-1",
        instant("2026-03-02T10:00:00Z"),
    )
    .await
    .unwrap();
    let (_, p) = app.get(&format!("/api/v1/invoices/{}", id(&part_paid))).await;
    assert_eq!(
        (p["status"].as_str(), p["amount_paid"].as_i64(), p["amount_due"].as_i64()),
        (Some("open"), Some(5000), Some(6900))
    );
    let (status, err) = app.post(&format!("/api/v1/invoices/{}/void", id(&part_paid)), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("invoice_has_payments")), "{err}");
}

#[tokio::test]
async fn an_uncollectible_invoice_still_accepts_money() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let inv = finalized(&app, &cus).await;
    let (status, u) = app.post(&format!("/api/v1/invoices/{}/mark_uncollectible", id(&inv)), json!({})).await;
    assert_eq!((status, u["status"].as_str()), (200, Some("uncollectible")), "{u}");
    let mut conn = app.db.pool.acquire().await.unwrap();
    let s = settlement::apply_payment(
        &mut conn,
        app.tenant.id,
        id(&inv).parse().unwrap(),
        Money::from_minor(11900, billing_core::currency::Currency::EUR),
        PaymentSource::BankTransfer,
        "late-transfer",
        instant("2026-05-01T10:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(s.status.as_str(), "paid");
}

#[tokio::test]
async fn partial_credit_notes_reduce_what_is_due_and_never_exceed_the_invoice() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let inv = finalized(&app, &cus).await;
    assert_eq!(inv["total"], 11900);
    let (status, cn) = app
        .post(
            &format!("/api/v1/invoices/{}/credit_notes", id(&inv)),
            json!({ "amount": 5950, "reason": "Outage 3-5 March" }),
        )
        .await;
    assert_eq!(status, 201, "{cn}");
    assert_eq!(cn["kind"], "credit_note");
    assert_eq!(cn["number"], "CN-2026-000001");
    assert_eq!(cn["credit_note_for"], inv["id"]);
    // Half the gross at the invoice's own 19 %: -50.00 net, -9.50 VAT.
    assert_eq!(
        (cn["subtotal"].as_i64(), cn["tax"].as_i64(), cn["total"].as_i64()),
        (Some(-5000), Some(-950), Some(-5950))
    );
    assert_eq!(cn["memo"], "Outage 3-5 March");
    assert!(cn["lines"][0]["description"].as_str().unwrap().contains("INV-2026-000001"));
    let (_, after) = app.get(&format!("/api/v1/invoices/{}", id(&inv))).await;
    assert_eq!((after["amount_credited"].as_i64(), after["amount_due"].as_i64()), (Some(5950), Some(5950)));

    let (status, err) =
        app.post(&format!("/api/v1/invoices/{}/credit_notes", id(&inv)), json!({ "amount": 7000 })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("credit_exceeds_invoice")), "{err}");
    // The rest (default: all that is still creditable) settles the invoice.
    let (status, rest) = app.post(&format!("/api/v1/invoices/{}/credit_notes", id(&inv)), json!({})).await;
    assert_eq!((status, rest["total"].as_i64(), rest["number"].as_str()), (201, Some(-5950), Some("CN-2026-000002")));
    let (_, settled) = app.get(&format!("/api/v1/invoices/{}", id(&inv))).await;
    assert_eq!((settled["status"].as_str(), settled["amount_due"].as_i64()), (Some("paid"), Some(0)));
    let (_, notes) = app.get(&format!("/api/v1/invoices?credit_note_for={}", id(&inv))).await;
    assert_eq!(notes["data"].as_array().unwrap().len(), 2);
    // Nothing went to the credit balance: it all reduced the invoice.
    let (_, bal) = app.get(&format!("/api/v1/customers/{cus}/balance")).await;
    assert_eq!(bal["balances"], json!([]));
}

#[tokio::test]
async fn a_credit_note_on_a_paid_invoice_feeds_the_balance_that_the_next_invoice_consumes() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let inv = finalized(&app, &cus).await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let eur = billing_core::currency::Currency::EUR;
    let now = instant("2026-03-02T10:00:00Z");
    settlement::apply_payment(
        &mut conn,
        app.tenant.id,
        id(&inv).parse().unwrap(),
        Money::from_minor(11900, eur),
        PaymentSource::Card,
        "ch_1",
        now,
    )
    .await
    .unwrap();
    let (status, cn) =
        app.post(&format!("/api/v1/invoices/{}/credit_notes", id(&inv)), json!({ "amount": 11900 })).await;
    assert_eq!(status, 201, "{cn}");
    let (_, bal) = app.get(&format!("/api/v1/customers/{cus}/balance")).await;
    assert_eq!(bal["balances"], json!([{ "amount": 11900, "currency": "EUR" }]), "{bal}");
    assert_eq!(bal["transactions"][0]["kind"], "credit_note");

    // The next invoice (119.00 too) is paid from the balance when it is finalized.
    let next = finalized(&app, &cus).await;
    assert_eq!((next["status"].as_str(), next["amount_paid"].as_i64()), (Some("paid"), Some(11900)), "{next}");
    let (_, bal) = app.get(&format!("/api/v1/customers/{cus}/balance")).await;
    assert_eq!(bal["balances"], json!([]));
    assert_eq!(bal["transactions"][1]["kind"], "applied_to_invoice");
    assert_eq!(bal["transactions"][1]["amount"]["amount"], -11900);

    // A balance can be paid out, never below zero.
    let (status, err) = app
        .post(
            &format!("/api/v1/customers/{cus}/balance/transactions"),
            json!({ "kind": "refund", "amount": 1, "currency": "EUR" }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("insufficient_balance")), "{err}");
    let (status, adj) = app
        .post(
            &format!("/api/v1/customers/{cus}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": 2500, "currency": "EUR", "description": "goodwill" }),
        )
        .await;
    assert_eq!((status, adj["balance"]["amount"].as_i64()), (201, Some(2500)), "{adj}");
    let (status, paid_out) = app
        .post(
            &format!("/api/v1/customers/{cus}/balance/transactions"),
            json!({ "kind": "refund", "amount": 2500, "currency": "EUR" }),
        )
        .await;
    assert_eq!((status, paid_out["balance"]["amount"].as_i64()), (201, Some(0)), "{paid_out}");
}

#[tokio::test]
async fn a_downgrade_credit_goes_to_the_balance_and_pays_the_oldest_open_invoice() {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let app = TestApp::spawn().await;
    let (_, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "u@example.com", "name": "US Co", "country": "US", "currency": "EUR" }),
        )
        .await;
    let cus = id(&c).to_string();
    let (_, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": cus, "plan": "pro", "quantity": 3, "start_date": "2026-03-01" }),
        )
        .await;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-03-01")), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    // From 3 seats to 1 on 1 March: the whole period's difference, 58.00, is credited.
    let (status, changed) = app
        .post(
            &format!("/api/v1/subscriptions/{}/change", id(&sub)),
            json!({ "quantity": 1, "effective_date": "2026-03-01" }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["document"]["kind"], "credit_note", "{changed}");
    let (_, bal) = app.get(&format!("/api/v1/customers/{cus}/balance")).await;
    assert_eq!(bal["balances"][0]["amount"], 5800, "{bal}");
    invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-04-01")), instant("2026-04-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let applied =
        billing_core::service::invoices::apply_balances_to_open_invoices(&app.db.pool, instant("2026-04-01T09:05:00Z"))
            .await
            .unwrap();
    assert_eq!(applied, 1);
    // The oldest open invoice (March, 87.00 for three seats) is paid from the balance first.
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}&status=open", id(&sub))).await;
    let by_period =
        |p: &str| list["data"].as_array().unwrap().iter().find(|i| i["period_start"] == p).cloned().unwrap();
    let march = by_period("2026-03-01");
    assert_eq!((march["amount_paid"].as_i64(), march["amount_due"].as_i64()), (Some(5800), Some(2900)));
    assert_eq!(by_period("2026-04-01")["amount_paid"], 0);
    let (_, bal) = app.get(&format!("/api/v1/customers/{cus}/balance")).await;
    assert_eq!(bal["balances"], json!([]));
    assert_eq!(
        billing_core::service::invoices::apply_balances_to_open_invoices(&app.db.pool, instant("2026-04-01T09:06:00Z"))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_runs_invoices_stay_drafts_for_the_merchants_grace_period_then_get_their_number() {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let app = TestApp::spawn().await;
    let (status, t) = app.post("/api/v1/tenant", json!({ "subscription_draft_hours": 24 })).await;
    assert_eq!((status, t["subscription_draft_hours"].as_i64()), (200, Some(24)), "{t}");
    let (status, err) = app.post("/api/v1/tenant", json!({ "subscription_draft_hours": 1000 })).await;
    assert_eq!(status, 400, "{err}");
    let cus = customer(&app, "DE").await;
    let (status, sub) =
        app.post("/api/v1/subscriptions", json!({ "customer": cus, "plan": "pro", "start_date": "2026-03-01" })).await;
    assert_eq!(status, 201, "{sub}");
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let run_at = instant("2026-03-01T09:00:00Z");
    invoice_run::run(&app.db.pool, &RunOptions::new(march), run_at, &NoProgress).await.unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    let inv = list["data"][0].clone();
    assert_eq!((inv["status"].as_str(), inv["number"].as_str()), (Some("draft"), None), "{inv}");
    assert_eq!(inv["auto_finalize_at"], "2026-03-02T09:00:00Z");
    assert_eq!((inv["total"].as_i64(), inv["tax"].as_i64()), (Some(3451), Some(551)), "29.00 + 19 % as a preview");

    // Until then it takes one-off lines, and nothing collects it.
    let (status, d) = app
        .post(
            &format!("/api/v1/invoices/{}/lines", id(&inv)),
            json!({ "lines": [{ "description": "Onboarding call", "unit_amount": 5000 }] }),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    let (status, err) = app.post(&format!("/api/v1/invoices/{}/pay", id(&inv)), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("invoice_not_payable")), "{err}");
    // A second run for the same date creates nothing: the draft is the period's invoice.
    invoice_run::run(&app.db.pool, &RunOptions::new(march), run_at, &NoProgress).await.unwrap();
    assert_eq!(app.count("invoices").await, 1);

    use billing_core::service::invoices::finalize_due_drafts;
    assert_eq!(finalize_due_drafts(&app.db.pool, instant("2026-03-02T09:30:00Z")).await.unwrap(), 1);
    let (_, done) = app.get(&format!("/api/v1/invoices/{}", id(&inv))).await;
    assert_eq!((done["status"].as_str(), done["number"].as_str()), (Some("open"), Some("INV-2026-000001")), "{done}");
    // 29.00 + 50.00 net, 19 % on both, decided for the period's start.
    assert_eq!(
        (done["subtotal"].as_i64(), done["tax"].as_i64(), done["total"].as_i64()),
        (Some(7900), Some(1501), Some(9401))
    );
    assert_eq!(done["lines"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_staff_charge_for_an_earlier_supply_is_taxed_at_the_rate_of_its_supply_date() {
    // Germany taxed at 16 % from July to December 2020 (and 19 % before and after): a charge for
    // a service supplied then is taxed at 16 % whenever it is invoiced.
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let (status, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": cus, "supply_date": "2020-09-15",
                    "lines": [{ "description": "Workshop", "unit_amount": 10000 }] }),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!((d["period_start"].as_str(), d["period_end"].as_str()), (Some("2020-09-15"), Some("2020-09-15")));
    assert_eq!(d["tax"], 1600, "the draft's preview is for the supply date too: {d}");
    let (status, inv) = finalize(&app, id(&d)).await;
    assert_eq!(status, 200, "{inv}");
    assert_eq!((inv["issue_date"].as_str(), inv["tax"].as_i64()), (Some("2026-03-01"), Some(1600)), "{inv}");
    assert_eq!(inv["lines"][0]["vat_rate"], "16");

    // A line may name its own supply: a service period (taxed when it ends) beside a line supplied
    // when the invoice is issued; one rate group each.
    let (status, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": cus, "lines": [
                { "description": "Support, second half of 2020", "unit_amount": 10000,
                  "period_start": "2020-07-01", "period_end": "2020-12-31" },
                { "description": "Licence", "unit_amount": 10000 } ] }),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let (_, inv) = finalize(&app, id(&d)).await;
    let rates: Vec<&str> = inv["lines"].as_array().unwrap().iter().map(|l| l["vat_rate"].as_str().unwrap()).collect();
    assert_eq!(rates, ["16", "19"], "{inv}");
    assert_eq!(inv["tax"], 3500);
    assert_eq!(
        (inv["lines"][0]["period_start"].as_str(), inv["lines"][0]["period_end"].as_str()),
        (Some("2020-07-01"), Some("2020-12-31"))
    );
    // The line without a date of its own was supplied on the issue date, and says so.
    assert_eq!(
        (inv["lines"][1]["period_start"].as_str(), inv["lines"][1]["period_end"].as_str()),
        (Some("2026-03-01"), Some("2026-03-01"))
    );
    assert_eq!(inv["period_start"], Value::Null, "the lines' dates differ: {inv}");

    // A period ending after the rate change is supplied when it ends.
    let (_, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": cus, "period_start": "2020-12-01", "period_end": "2021-01-31",
                    "lines": [{ "description": "Hosting", "unit_amount": 10000 }] }),
        )
        .await;
    let (_, inv) = finalize(&app, id(&d)).await;
    assert_eq!(inv["tax"], 1900, "{inv}");

    // A charge that names no date was supplied on its issue date, and says so once issued.
    let (_, inv) = finalize(&app, id(&draft(&app, &cus).await)).await;
    assert_eq!((inv["period_start"].as_str(), inv["period_end"].as_str()), (Some("2026-03-01"), Some("2026-03-01")));
    assert_eq!(inv["tax"], 1900);
}

#[tokio::test]
async fn the_supply_date_and_period_are_printed_on_the_invoice() {
    let app = TestApp::spawn().await;
    let (_, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "anna@example.de", "name": "Anna Schmidt", "country": "DE", "currency": "EUR", "locale": "de" }),
        )
        .await;
    let cus = c["id"].as_str().unwrap();
    for (dates, label, value) in [
        (json!({ "supply_date": "2026-02-10" }), "Leistungsdatum:", "10.02.2026"),
        (
            json!({ "period_start": "2026-02-01", "period_end": "2026-02-28" }),
            "Leistungszeitraum:",
            "01.02.2026 – 28.02.2026",
        ),
    ] {
        let mut body = json!({ "customer": cus, "lines": [{ "description": "Beratung", "unit_amount": 10000 }] });
        body.as_object_mut().unwrap().extend(dates.as_object().unwrap().clone());
        let (status, d) = app.post("/api/v1/invoices", body).await;
        assert_eq!(status, 201, "{d}");
        finalize(&app, id(&d)).await;
        let resp = app.http.get(app.url(&format!("/api/v1/invoices/{}/pdf", id(&d))));
        let pdf = resp.bearer_auth(&app.tenant.api_key).send().await.unwrap().bytes().await.unwrap();
        let text = billing_tests::pdf_text(&pdf);
        assert!(text.lines().any(|l| l.contains(label) && l.contains(value)), "missing {label} {value} in:\n{text}");
    }
}

#[tokio::test]
async fn a_contradictory_or_impossible_supply_date_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let cus = customer(&app, "DE").await;
    let before = app.count("invoices").await;
    let line = json!({ "description": "Workshop", "unit_amount": 10000 });
    for (extra, param) in [
        (
            json!({ "supply_date": "2026-02-10", "period_start": "2026-02-01", "period_end": "2026-02-28" }),
            "supply_date",
        ),
        (json!({ "period_start": "2026-02-28", "period_end": "2026-02-01" }), "period_end"),
        (json!({ "period_start": "2026-02-01" }), "period_end"),
        (json!({ "period_end": "2026-02-01" }), "period_start"),
        (json!({ "supply_date": "1999-12-31" }), "supply_date"),
    ] {
        let mut body = json!({ "customer": cus, "lines": [line] });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (status, err) = app.post("/api/v1/invoices", body).await;
        assert_eq!((status, err["error"]["param"].as_str()), (400, Some(param)), "{extra}: {err}");
        // The same on a line.
        let mut bad_line = line.clone();
        bad_line.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (status, err) = app.post("/api/v1/invoices", json!({ "customer": cus, "lines": [bad_line] })).await;
        assert_eq!((status, err["error"]["param"].as_str()), (400, Some(param)), "{extra}: {err}");
    }
    let req = app
        .http
        .post(app.url("/api/v1/invoices"))
        .header("accept-language", "fr")
        .json(&json!({ "customer": cus, "supply_date": "9999-01-01", "lines": [line] }));
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_request")), "{err}");
    assert_eq!(app.count("invoices").await, before);
}
