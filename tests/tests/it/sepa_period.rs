//! The SEPA pre-notification period agreed per mandate (issue 12: "upcoming SEPA debit
//! pre-notification (the 14-day default or the mandate's agreed period)", docs/adr/0048): mandates
//! registered through the API with and without an agreed period, the daily pre-dunning job and the
//! collection job run day by day on the test clock (each twice), the notice of each debit queued
//! once on the day its period asks for, and no debit collected before the period after its
//! notice has passed; the period changed through the API (audited) and bad values refused in the
//! request's language with nothing changed; the merchant's period stated on the portal's mandate
//! form and kept with the mandate signed there.

use billing_tests::{TestApp, instant};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::portal::{Browser, customer};

const CREDITOR: &str = "DE98ZZZ09999999999";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";

async fn set_creditor(app: &TestApp) {
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": CREDITOR })).await;
    assert_eq!((s, t["sepa_creditor_id"].as_str()), (200, Some(CREDITOR)), "{t}");
}

/// A customer with a mandate the merchant registers through the API (`body` adds to it) and one
/// open invoice of `amount` cents issued on 1 March, due `terms` days later: (mandate, invoice).
async fn debtor(app: &TestApp, email: &str, body: Value, terms: i64, amount: i64) -> (Value, String) {
    let c = customer(app, email, "DE").await;
    let mut mandate = json!({
        "iban": IBAN,
        "account_holder": "Erika Mustermann",
        "mandate_text": "Ich ermächtige die Merchant acme, Zahlungen von meinem Konto mittels Lastschrift einzuziehen.",
        "locale": "de",
    });
    for (k, v) in body.as_object().unwrap() {
        mandate[k] = v.clone();
    }
    let (s, m) = app.post(&format!("/api/v1/customers/{c}/mandates"), mandate).await;
    assert_eq!(s, 201, "{m}");
    let (s, t) = app.post(&format!("/api/v1/customers/{c}/payment_terms"), json!({ "days": terms })).await;
    assert_eq!(s, 200, "{t}");
    let lines = json!([{ "description": "Beitrag", "unit_amount": amount }]);
    let (s, draft) = app.post("/api/v1/invoices", json!({ "customer": c, "lines": lines })).await;
    assert_eq!(s, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (s, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{inv}");
    (m, id)
}

/// The pre-notifications queued so far: (invoice, debit date announced).
async fn notices(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT payload->>'invoice', payload->>'debit_on' FROM outbox WHERE topic = 'invoice.debit_upcoming'
          ORDER BY payload->>'invoice'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn each_mandates_period_decides_the_day_of_its_notice_and_no_debit_comes_before_it_has_passed() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    // Due on 21 March: the rulebook's 14 days, and an agreed 5 days.
    let (standard, standard_inv) = debtor(&app, "standard@example.com", json!({}), 20, 4900).await;
    let (short, short_inv) = debtor(&app, "short@example.com", json!({ "prenotification_days": 5 }), 20, 2500).await;
    // Due at once (1 March) under an agreed 3 days, with the merchant's own reference.
    let (at_once, at_once_inv) = debtor(
        &app,
        "at-once@example.com",
        json!({ "prenotification_days": 3, "reference": "VERTRAG-2026/17" }),
        0,
        1900,
    )
    .await;
    let shown = |m: &Value| (m["prenotification_days"].clone(), m["effective_prenotification_days"].clone());
    assert_eq!(shown(&standard), (Value::Null, json!(14)), "{standard}");
    assert_eq!(shown(&short), (json!(5), json!(5)), "{short}");
    assert_eq!(shown(&at_once), (json!(3), json!(3)), "{at_once}");
    assert_eq!((at_once["reference"].as_str(), at_once["status"].as_str()), (Some("VERTRAG-2026/17"), Some("active")));
    assert_eq!(app.count("payment_attempts").await, 0, "registering a mandate collects nothing");

    // 1 to 22 March, as the scheduler would: the pre-dunning job, then the collection job, each
    // twice a day. Which notice came on which day, and on which day each invoice was debited.
    let gateways: &dyn billing_core::ports::Gateways = app.gateways.as_ref();
    let mut told: Vec<(String, NaiveDate, String)> = Vec::new();
    let mut debited: Vec<(String, NaiveDate)> = Vec::new();
    for d in 1..=22 {
        let as_of = NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let now = instant(&format!("{as_of}T06:00:00Z"));
        app.clock.set(now);
        for _ in 0..2 {
            let s = billing_core::service::predunning::run(&app.db.pool, now, Some(as_of)).await.unwrap();
            assert!(s.ran, "{s:?}");
        }
        for (invoice, debit_on) in notices(&app).await {
            if !told.iter().any(|(i, _, _)| *i == invoice) {
                told.push((invoice, as_of, debit_on));
            }
        }
        for _ in 0..2 {
            billing_core::jobs::collection::run_collection(&app.db.pool, gateways, now, Some(as_of)).await.unwrap();
        }
        for invoice in [&standard_inv, &short_inv, &at_once_inv] {
            if !app.payment_attempts(invoice).await.is_empty() && !debited.iter().any(|(i, _)| i == invoice) {
                debited.push((invoice.clone(), as_of));
            }
        }
    }
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    assert_eq!(
        told,
        vec![
            // Due at once: told on 1 March, announced for the 4th (3 days after the notice).
            (at_once_inv.clone(), day(1), "2026-03-04".to_string()),
            // 14 days ahead of the 21st, and 5 days ahead of it.
            (standard_inv.clone(), day(7), "2026-03-21".to_string()),
            (short_inv.clone(), day(16), "2026-03-21".to_string()),
        ]
    );
    assert_eq!(notices(&app).await.len(), 3, "one notice each, though the job ran twice a day");
    assert_eq!(app.count("sepa_debit_notices").await, 3);
    assert_eq!(
        debited,
        vec![(at_once_inv.clone(), day(4)), (standard_inv.clone(), day(21)), (short_inv.clone(), day(21))],
        "no debit before its announced date: not on the due date of the one due at once"
    );
    for invoice in [&standard_inv, &short_inv, &at_once_inv] {
        assert_eq!(app.payment_attempts(invoice).await.len(), 1, "{invoice} debited once");
    }
    // The notice names the mandate and the creditor.
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE topic = 'invoice.debit_upcoming' AND payload->>'invoice' = $1",
    )
    .bind(&at_once_inv)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (payload["mandate_reference"].as_str(), payload["creditor_id"].as_str()),
        (Some("VERTRAG-2026/17"), Some(CREDITOR))
    );
}

#[tokio::test]
async fn the_period_is_changed_through_the_api_audited_and_a_bad_value_is_refused_in_the_callers_language() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    let (mandate, _) = debtor(&app, "change@example.com", json!({}), 20, 4900).await;
    let customer = mandate["customer"].as_str().unwrap().to_string();
    let path = format!("/api/v1/customers/{customer}/mandates/{}", mandate["id"].as_str().unwrap());
    let patch = |body: Value, lang: &'static str| {
        let req = app.http.patch(app.url(&path)).header("accept-language", lang).json(&body);
        app.send(req, &app.tenant.api_key)
    };

    // Refused: out of bounds, not a whole number, not a number; in English and in German.
    for bad in [json!(0), json!(31), json!(-2), json!(2.5), json!("7"), json!(true), json!([5])] {
        let (s, e) = patch(json!({ "prenotification_days": bad }), "en").await;
        assert_eq!(
            (s, e["error"]["code"].as_str(), e["error"]["param"].as_str()),
            (400, Some("invalid_request"), Some("prenotification_days")),
            "{bad}: {e}"
        );
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains("from 1 to 30") && message.contains("Nothing was changed"), "{message}");
    }
    let (s, e) = patch(json!({ "prenotification_days": 45 }), "de").await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("Vorabankündigungsfrist"), "{e}");
    // At creation too: no customer, method or mandate is added.
    let before = (app.count("sepa_mandates").await, app.count("payment_methods").await);
    let c = customer_id(&app, "refused@example.com").await;
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{c}/mandates"),
            json!({ "iban": IBAN, "account_holder": "Erika", "mandate_text": "Text", "prenotification_days": 0 }),
        )
        .await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("prenotification_days")), "{e}");
    assert_eq!((app.count("sepa_mandates").await, app.count("payment_methods").await), before);
    assert_eq!(listed(&app, &customer).await, Value::Null, "nothing changed");
    assert_eq!(app.count("staff_audit_log WHERE action = 'sepa_mandate.prenotification_days'").await, 0);

    // Agreed 7 days, then back to the rulebook's 14 (null); each change audited with before/after.
    let (s, m) = patch(json!({ "prenotification_days": 7 }), "en").await;
    assert_eq!(
        (s, m["prenotification_days"].as_i64(), m["effective_prenotification_days"].as_i64()),
        (200, Some(7), Some(7)),
        "{m}"
    );
    assert_eq!(listed(&app, &customer).await, json!(7));
    let (s, m) = patch(json!({}), "en").await;
    assert_eq!((s, m["prenotification_days"].as_i64()), (200, Some(7)), "an absent field changes nothing: {m}");
    let (s, m) = patch(json!({ "prenotification_days": null }), "en").await;
    assert_eq!(
        (s, &m["prenotification_days"], m["effective_prenotification_days"].as_i64()),
        (200, &Value::Null, Some(14)),
        "{m}"
    );
    let audit: Vec<(String, Value, Value)> = sqlx::query_as(
        "SELECT actor, before, after FROM staff_audit_log WHERE action = 'sepa_mandate.prenotification_days' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit[0].0.starts_with("api"), "{audit:?}");
    assert_eq!((&audit[0].1["prenotification_days"], &audit[0].2["prenotification_days"]), (&Value::Null, &json!(7)));
    assert_eq!((&audit[1].1["prenotification_days"], &audit[1].2["prenotification_days"]), (&json!(7), &Value::Null));

    // Another merchant's key finds no such mandate, and changes nothing.
    let other = billing_tests::create_tenant(&app.db.pool, "other", chrono::Utc::now()).await;
    let req = app.http.patch(app.url(&path)).json(&json!({ "prenotification_days": 3 }));
    let (s, _) = app.send(req, &other.api_key).await;
    assert_eq!(s, 404);
    assert_eq!(listed(&app, &customer).await, Value::Null);

    // An ended mandate's period is not changed.
    let (s, _) = app.post(&format!("{path}/cancel"), json!({})).await;
    assert_eq!(s, 200);
    let (s, e) = patch(json!({ "prenotification_days": 3 }), "en").await;
    assert_eq!(s, 400, "{e}");
}

async fn customer_id(app: &TestApp, email: &str) -> String {
    customer(app, email, "DE").await
}

/// The agreed period of the customer's (only) mandate as the API lists it.
async fn listed(app: &TestApp, customer: &str) -> Value {
    let (s, list) = app.get(&format!("/api/v1/customers/{customer}/mandates")).await;
    assert_eq!(s, 200, "{list}");
    list[0]["prenotification_days"].clone()
}

#[tokio::test]
async fn the_merchants_period_is_stated_on_the_portals_mandate_form_and_kept_with_the_mandate() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    // Refused on the merchant too, nothing stored; then 5 days.
    let (s, e) = app.post("/api/v1/tenant", json!({ "sepa_prenotification_days": 90 })).await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("sepa_prenotification_days")), "{e}");
    let (_, t) = app.get("/api/v1/tenant").await;
    assert_eq!(t["sepa_prenotification_days"], Value::Null, "{t}");
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_prenotification_days": 5 })).await;
    assert_eq!((s, t["sepa_prenotification_days"].as_i64()), (200, Some(5)), "{t}");

    customer(&app, "portal@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "portal@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert_eq!(page.status, 200);
    let line = "at least 5 calendar days before it is collected";
    assert!(page.body.contains(line), "the form states the period before it is confirmed: {}", page.body);
    let at = page.body.find("id=\"sepa-form\"").expect("the mandate form");
    let marker = "name=\"nonce\" value=\"";
    let start = page.body[at..].find(marker).unwrap() + at + marker.len();
    let nonce = page.body[start..].split('"').next().unwrap().to_string();
    let form = [
        ("csrf", page.field("csrf")),
        ("nonce", nonce),
        ("iban", IBAN.to_string()),
        ("account_holder", "Erika Mustermann".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = b.post("/p/acme/payment-methods/sepa", &form).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let (text, days): (String, Option<i16>) =
        sqlx::query_as("SELECT mandate_text, prenotification_days FROM sepa_mandates")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(days, Some(5));
    assert!(text.contains(line), "the stored text is the text shown: {text}");
}
