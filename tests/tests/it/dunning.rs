//! Dunning on the simulated clock (docs/adr/0022): a soft-declining card is retried on the
//! policy's days with a reminder queued each time, then the invoice is written off; a hard decline
//! is never retried; a re-run the same day does nothing twice; the policy API refuses bad input;
//! policies for a customer segment or a payment method kind come before the merchant's own.

use billing_core::service::dunning::{self, DunningSummary};
use billing_tests::{TestApp, instant};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

async fn run_on(app: &TestApp, t0: DateTime<Utc>, day: i64) -> DunningSummary {
    dunning::run(&app.db.pool, app.gateways.as_ref(), t0 + Duration::days(day), None).await.unwrap()
}

/// The reminder mails enqueued: `dunning.step` events of `email` steps (every step is an event).
async fn reminders(app: &TestApp) -> i64 {
    app.count("outbox WHERE topic = 'dunning.step' AND payload->>'action' = 'email'").await
}

/// The `next_attempt_at` of every payment-failed message, in order (the date the mail names).
async fn next_attempts(app: &TestApp) -> Vec<Option<String>> {
    let payloads: Vec<Value> =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'payment.failed' ORDER BY created_at, id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    payloads.iter().map(|p| p["next_attempt_at"].as_str().map(|d| d[..10].to_string())).collect()
}

fn counts(s: &DunningSummary) -> (u64, u64, u64, u64) {
    (s.retried, s.retries_skipped, s.emails, s.uncollectible)
}

#[tokio::test]
async fn a_soft_decline_is_retried_on_the_policys_days_reminded_and_finally_written_off() {
    let app = TestApp::spawn().await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let day = |n: i64| (t0 + Duration::days(n)).date_naive().to_string();

    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["dunning"]["next_action"], "retry", "{c}");
    assert_eq!(c["dunning"]["next_action_on"], day(3), "{c}");
    assert_eq!(c["dunning"]["amount_at_risk"], json!({ "EUR": 2900 }), "{c}");
    assert!(c["dunning"]["current_step"].is_null(), "{c}");

    assert_eq!(counts(&run_on(&app, t0, 2).await), (0, 0, 0, 0), "nothing is due before day 3");
    assert_eq!(counts(&run_on(&app, t0, 3).await), (1, 0, 1, 0), "day 3: one retry, one reminder");
    assert_eq!(app.payment_attempts(&invoice).await.len(), 2);
    assert_eq!(counts(&run_on(&app, t0, 3).await), (0, 0, 0, 0), "a re-run the same day does nothing");
    assert_eq!(
        (app.payment_attempts(&invoice).await.len(), reminders(&app).await),
        (2, 1),
        "nothing charged or mailed twice"
    );

    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(
        (c["dunning"]["current_step"].as_u64(), c["dunning"]["current_action"].as_str()),
        (Some(2), Some("email"))
    );
    assert_eq!(c["dunning"]["next_action_on"], day(7), "{c}");

    assert_eq!(counts(&run_on(&app, t0, 7).await), (1, 0, 1, 0));
    // The job did not run on day 14: day 20 catches up with the missed steps, once.
    assert_eq!(counts(&run_on(&app, t0, 20).await), (1, 0, 1, 0));
    let ledger = app.payment_attempts(&invoice).await;
    assert_eq!(ledger.len(), 4, "the first attempt and three retries");
    assert!(ledger.iter().all(|a| a["decline_class"] == "soft"), "{ledger:?}");
    assert_eq!(reminders(&app).await, 3);

    // Each payment-failed mail names the day dunning charges again; the last one none.
    assert_eq!(next_attempts(&app).await, [Some(day(3)), Some(day(7)), Some(day(14)), None]);
    assert_eq!(counts(&run_on(&app, t0, 30).await), (0, 0, 0, 1), "day 30: written off");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "uncollectible", "{inv}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert!(c["dunning"].is_null(), "no invoice in dunning any more: {c}");
    assert_eq!(counts(&run_on(&app, t0, 31).await), (0, 0, 0, 0));
    assert_eq!((app.payment_attempts(&invoice).await.len(), reminders(&app).await), (4, 3));

    // The reminders reach a real SMTP server, one per email step.
    let sink = crate::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, t0 + Duration::days(31)).await.unwrap();
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    let subject = format!("Reminder: invoice {} is overdue", inv["number"].as_str().unwrap());
    let mails = sink.mails();
    let sent: Vec<&Value> = mails.iter().filter(|m| m["subject"] == subject.as_str()).collect();
    assert_eq!(sent.len(), 3, "{mails:?}");
    assert!(sent.iter().all(|m| m["to"].as_str().unwrap().contains("late@example.com")), "{sent:?}");
}

#[tokio::test]
async fn a_hard_decline_is_never_retried_but_the_customer_is_reminded() {
    let app = TestApp::spawn().await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000000002").await;
    // The blocked retry is not what comes next: the reminder is.
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    let next = (c["dunning"]["next_action"].as_str(), c["dunning"]["retries_blocked"].as_bool());
    assert_eq!(next, (Some("email"), Some(true)), "{c}");
    assert_eq!(counts(&run_on(&app, t0, 3).await), (0, 1, 1, 0), "the retry is skipped, the reminder sent");
    // Every step taken is an event for the merchant, with its outcome.
    let steps: Vec<Value> = sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'dunning.step' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let taken: Vec<(&str, &str)> =
        steps.iter().map(|p| (p["action"].as_str().unwrap(), p["outcome"].as_str().unwrap())).collect();
    assert_eq!(taken, [("retry", "skipped"), ("email", "done")]);
    assert!(steps[0]["reason"].as_str().unwrap().contains("hard"), "{steps:?}");
    assert_eq!(counts(&run_on(&app, t0, 3).await), (0, 0, 0, 0));
    assert_eq!(app.payment_attempts(&invoice).await.len(), 1, "no second charge on a hard-declined card");
    assert_eq!(next_attempts(&app).await, [None], "the mail asks for a new payment method instead");
    let mut conn = app.db.pool.acquire().await.unwrap();
    let id: billing_core::ids::InvoiceId = invoice.parse().unwrap();
    let history = billing_core::store::dunning::history(&mut conn, app.tenant.id.0, id.0).await.unwrap();
    assert_eq!((history[0].1.as_str(), history[0].2.as_str()), ("retry", "skipped"), "{history:?}");
    assert!(history[0].3.as_deref().unwrap().contains("hard"), "the reason is recorded: {history:?}");
    drop(conn);

    // The customer adds a working card: the next retry charges it and dunning stops.
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    let next = (c["dunning"]["next_action"].as_str(), c["dunning"]["retries_blocked"].as_bool());
    assert_eq!(next, (Some("retry"), Some(false)), "a new card lifts the block: {c}");
    let s = run_on(&app, t0, 7).await;
    assert_eq!((counts(&s), s.recovered), ((1, 0, 0, 0), 1), "retried and paid; no reminder after payment");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    assert_eq!(counts(&run_on(&app, t0, 30).await), (0, 0, 0, 0), "a paid invoice is out of dunning");
}

#[tokio::test]
async fn a_bad_policy_is_refused_and_changes_nothing_and_a_good_one_is_used() {
    let app = TestApp::spawn().await;
    let (s, p) = app.get("/api/v1/dunning_policy").await;
    assert_eq!((s, p["default"].as_bool(), p["steps"].as_array().map(Vec::len)), (200, Some(true), Some(7)), "{p}");
    let put = |body: Value| app.send(app.http.put(app.url("/api/v1/dunning_policy")).json(&body), &app.tenant.api_key);
    for bad in [
        json!({ "steps": [{ "day": 5, "action": "email" }, { "day": 2, "action": "retry" }] }),
        json!({ "steps": [{ "day": 121, "action": "email" }] }),
        json!({ "steps": [{ "day": 3, "action": "call_them" }] }),
        json!({ "steps": [] }),
        json!({ "steps": "daily" }),
    ] {
        let (s, e) = put(bad.clone()).await;
        assert_eq!((s, e["error"]["code"].as_str()), (400, Some("invalid_request")), "{bad} -> {e}");
    }
    let (_, p) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(p["default"], true, "nothing was stored: {p}");

    let (s, p) =
        put(json!({ "steps": [{ "day": 1, "action": "email" }, { "day": 2, "action": "mark_uncollectible" }] })).await;
    assert_eq!((s, p["default"].as_bool()), (200, Some(false)), "{p}");
    let (_, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    assert_eq!(counts(&run_on(&app, t0, 1).await), (0, 0, 1, 0));
    assert_eq!(counts(&run_on(&app, t0, 2).await), (0, 0, 0, 1));
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "uncollectible");
    assert_eq!(app.payment_attempts(&invoice).await.len(), 1, "this policy never retries");
}

#[tokio::test]
async fn billing_jobs_run_dunning_as_of_a_date_takes_the_steps_due_then_and_only_once() {
    let app = TestApp::spawn().await;
    let (_, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let as_of = (t0 + Duration::days(3)).date_naive().to_string();
    let run = || {
        std::process::Command::new(billing_tests::billing_binary())
            .args(["jobs", "run", "dunning", "--as-of", &as_of])
            .env("DATABASE_URL", &app.db.url)
            .env("BILLING_LOG", "warn")
            .env("LANG", "de_DE.UTF-8")
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 erneut eingezogen") && stdout.contains("1 Mahnungen eingereiht"), "{stdout}");
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 erneut eingezogen") && stdout.contains("0 Mahnungen eingereiht"), "{stdout}");
    assert_eq!((app.payment_attempts(&invoice).await.len(), reminders(&app).await), (2, 1));
}

#[tokio::test]
async fn the_dunning_job_and_the_customer_view_work_on_one_connection() {
    let app = TestApp::spawn_one_connection().await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    for day in [3, 7, 14, 30] {
        let run = dunning::run(&app.app_pool, app.gateways.as_ref(), t0 + Duration::days(day), None);
        tokio::time::timeout(std::time::Duration::from_secs(60), run).await.expect("no deadlock").unwrap();
    }
    assert_eq!(app.payment_attempts(&invoice).await.len(), 4);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "uncollectible");
    let (s, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!((s, c["dunning"].is_null()), (200, true), "{c}");
}

#[tokio::test]
async fn two_runs_at_once_take_each_step_once() {
    let app = TestApp::spawn().await;
    let (_, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let (a, b) = tokio::join!(run_on(&app, t0, 3), run_on(&app, t0, 3));
    assert_eq!(a.retried + b.retried, 1, "{a:?} {b:?}");
    assert_eq!(a.emails + b.emails, 1, "{a:?} {b:?}");
    assert_eq!((app.payment_attempts(&invoice).await.len(), reminders(&app).await), (2, 1));
}

#[tokio::test]
async fn a_card_added_with_collect_in_dunning_pays_at_once_and_a_failing_one_leaves_dunning_as_it_was() {
    let app = TestApp::spawn().await;
    let (customer, invoice, _) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let methods = format!("/api/v1/customers/{customer}/payment_methods");
    let add = |card: &'static str| app.post(&methods, json!({ "card_number": card, "collect_in_dunning": true }));
    // Another card that declines: tried at once, the invoice stays in dunning with the attempt on its ledger.
    let (s, pm) = add("4000000000000002").await;
    assert_eq!(s, 201, "{pm}");
    assert_eq!(app.payment_attempts(&invoice).await.len(), 2, "the new card was tried once");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["dunning"]["invoices"], json!([invoice]), "still in dunning: {c}");
    // A good card: the invoice is paid the moment it is added, recovered by a new method.
    let (s, pm) = add("4242424242424242").await;
    assert_eq!(s, 201, "{pm}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["recovery"]["how"].as_str()), (Some("paid"), Some("new_method")), "{inv}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert!(c["dunning"].is_null(), "out of dunning: {c}");
    assert_eq!(app.payment_attempts(&invoice).await.len(), 3);
}

/// A customer who never had a payment method at a merchant that charges automatically: once their
/// invoice is past its due date it is in dunning (overdue), and a card added through the API with
/// `collect_in_dunning` pays it in that call, as for a customer whose card had declined (the
/// method just added used to take it off the list first; docs/adr/0048). An invoice not yet due
/// is left to the collection job.
#[tokio::test]
async fn a_first_card_added_with_collect_in_dunning_pays_the_overdue_invoice_at_once_and_leaves_one_not_yet_due() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("never-had-a-card@example.com", "EUR").await;
    let id = invoice["id"].as_str().unwrap().to_string();
    let due = invoice["due_date"].as_str().unwrap();
    let t = instant(&format!("{due}T10:00:00Z")) + Duration::days(3);
    app.clock.set(t);
    // Another invoice of the same customer, issued today: not due for weeks.
    let lines = json!([{ "description": "Extra", "unit_amount": 1_000 }]);
    let (s, draft) = app.post("/api/v1/invoices", json!({ "customer": customer, "lines": lines })).await;
    assert_eq!(s, 201, "{draft}");
    let fresh = draft["id"].as_str().unwrap().to_string();
    let (s, f) = app.post(&format!("/api/v1/invoices/{fresh}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{f}");
    assert!(f["due_date"].as_str().unwrap() > t.date_naive().to_string().as_str(), "{f}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!((c["dunning"]["reason"].as_str(), &c["dunning"]["invoices"]), (Some("overdue"), &json!([id])), "{c}");

    let (s, pm) = app
        .post(
            &format!("/api/v1/customers/{customer}/payment_methods"),
            json!({ "card_number": "4242424242424242", "collect_in_dunning": true }),
        )
        .await;
    assert_eq!(s, 201, "{pm}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(inv["status"], "paid", "paid by the call that added the card: {inv}");
    assert_eq!(app.payment_attempts(&id).await.len(), 1);
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert!(c["dunning"].is_null(), "out of dunning: {c}");
    let (_, other) = app.get(&format!("/api/v1/invoices/{fresh}")).await;
    assert_eq!(other["status"], "open", "not due yet: {other}");
    assert!(app.payment_attempts(&fresh).await.is_empty(), "left to the collection job on its due date");
}

/// A customer (in `segment`, if any) with a finalized one-off invoice of EUR 50.00 whose card
/// soft-declines on the due date; returns (customer, invoice, t0). Every call uses the same days.
async fn declined_one_off(app: &TestApp, email: &str, segment: Option<&str>) -> (String, String, DateTime<Utc>) {
    app.clock.set(instant("2026-03-01T09:00:00Z"));
    let mut body = json!({ "email": email, "name": "Kunde", "country": "US", "currency": "EUR" });
    if let Some(segment) = segment {
        body["segment"] = json!(segment);
    }
    let (s, c) = app.post("/api/v1/customers", body).await;
    assert_eq!(s, 201, "{c}");
    let customer = c["id"].as_str().unwrap().to_string();
    let lines = json!([{ "description": "Kurs", "unit_amount": 5_000 }]);
    let (s, draft) = app.post("/api/v1/invoices", json!({ "customer": customer, "lines": lines })).await;
    assert_eq!(s, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (s, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{inv}");
    let t0 = instant(&format!("{}T10:00:00Z", inv["due_date"].as_str().unwrap()));
    app.clock.set(t0);
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4000000000009995" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
    (customer, id, t0)
}

#[tokio::test]
async fn a_segments_policy_comes_before_the_payment_methods_and_the_merchants_own() {
    let app = TestApp::spawn().await;
    let put = |path: &str, body: Value| app.send(app.http.put(app.url(path)).json(&body), &app.tenant.api_key);
    // The merchant's own policy: a reminder on day 1, written off on day 30.
    let own = json!({ "steps": [{ "day": 1, "action": "email" }, { "day": 30, "action": "mark_uncollectible" }] });
    assert_eq!(put("/api/v1/dunning_policy", own).await.0, 200);
    // Card payments: a reminder on day 2, written off on day 5.
    let card = json!({ "steps": [{ "day": 2, "action": "email" }, { "day": 5, "action": "mark_uncollectible" }] });
    let (s, p) = put("/api/v1/dunning_policies/method/card", card.clone()).await;
    assert_eq!((s, p["scope"].as_str(), p["name"].as_str()), (200, Some("method"), Some("card")), "{p}");
    // The segment `schools`: the German ladder.
    let (s, p) = put("/api/v1/dunning_policies/segment/schools", json!({ "ladder": "de" })).await;
    assert_eq!((s, p["ladder"].as_str(), p["steps"].as_array().map(Vec::len)), (200, Some("de"), Some(8)), "{p}");

    // Refused: an unknown kind of scope, an unknown method, a bad step; nothing changes.
    for (path, body) in [
        ("/api/v1/dunning_policies/method/cash", card.clone()),
        ("/api/v1/dunning_policies/country/DE", card.clone()),
        ("/api/v1/dunning_policies/segment/schools", json!({ "steps": [{ "day": 200, "action": "email" }] })),
    ] {
        let (s, e) = put(path, body).await;
        assert_eq!((s, e["error"]["code"].as_str()), (400, Some("invalid_request")), "{path}: {e}");
    }
    let (s, list) = app.get("/api/v1/dunning_policies").await;
    let scopes: Vec<(&str, &str, Option<&str>)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["scope"].as_str().unwrap(), p["name"].as_str().unwrap(), p["ladder"].as_str()))
        .collect();
    assert_eq!((s, scopes), (200, vec![("method", "card", None), ("segment", "schools", Some("de"))]), "{list}");
    // Another merchant sees none of them.
    let other = billing_tests::create_tenant(&app.db.pool, "other", Utc::now()).await;
    let (s, theirs) = app.send(app.http.get(app.url("/api/v1/dunning_policies")), &other.api_key).await;
    assert_eq!((s, theirs["items"].as_array().map(Vec::len)), (200, Some(0)), "{theirs}");
    let (s, _) = app.send(app.http.get(app.url("/api/v1/dunning_policies/method/card")), &other.api_key).await;
    assert_eq!(s, 404);

    let (_, card_invoice, t0) = declined_one_off(&app, "kurt@example.com", None).await;
    let (school, school_invoice, _) = declined_one_off(&app, "sekretariat@schule.example", Some("schools")).await;
    let day = |n: i64| (t0 + Duration::days(n)).date_naive().to_string();

    // The payment-failed mails name the next retry of each invoice's own policy: the card policy
    // retries never, the ladder on day 3.
    let failed: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT payload->>'invoice', payload->>'next_attempt_at' FROM outbox WHERE topic = 'payment.failed' ORDER BY created_at, id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let next: Vec<Option<String>> = failed.iter().map(|(_, at)| at.as_ref().map(|d| d[..10].to_string())).collect();
    assert_eq!((failed[0].0.as_str(), failed[1].0.as_str()), (card_invoice.as_str(), school_invoice.as_str()));
    assert_eq!(next, [None, Some(day(3))]);

    // Day 1 is the merchant's own reminder: neither invoice follows that policy.
    assert_eq!(counts(&run_on(&app, t0, 1).await), (0, 0, 0, 0));
    // Day 2: the card policy's reminder; day 5: the card invoice is written off, the school's
    // invoice is retried (ladder, day 3).
    assert_eq!(counts(&run_on(&app, t0, 2).await), (0, 0, 1, 0));
    assert_eq!(counts(&run_on(&app, t0, 5).await), (1, 0, 0, 1));
    let (_, inv) = app.get(&format!("/api/v1/invoices/{card_invoice}")).await;
    assert_eq!(inv["status"], "uncollectible", "{inv}");
    // Day 7: the Zahlungserinnerung of the ladder for the school.
    let s = run_on(&app, t0, 7).await;
    assert_eq!((s.retried, s.notices), (1, 1), "{s:?}");
    let (_, c) = app.get(&format!("/api/v1/customers/{school}")).await;
    assert_eq!(
        (
            c["dunning"]["current_action"].as_str(),
            c["dunning"]["next_action"].as_str(),
            c["dunning"]["next_action_on"].as_str()
        ),
        (Some("payment_reminder"), Some("retry"), Some(day(14).as_str())),
        "{c}"
    );

    // The merchant removes the segment's policy; a second removal finds none.
    let del = || app.send(app.http.delete(app.url("/api/v1/dunning_policies/segment/schools")), &app.tenant.api_key);
    assert_eq!(del().await.0, 204);
    assert_eq!(del().await.0, 404);
    let (_, list) = app.get("/api/v1/dunning_policies").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}

/// The steps taken on an invoice: (step, action, outcome, reason).
async fn steps(app: &TestApp, invoice: &str) -> Vec<(i32, String, String, Option<String>)> {
    let id: billing_core::ids::InvoiceId = invoice.parse().unwrap();
    sqlx::query_as("SELECT step, action, outcome, reason FROM dunning_steps WHERE invoice_id = $1 ORDER BY step")
        .bind(id.0)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// A German customer of a merchant that sends invoices to be paid by transfer, invoiced for
/// March (never charged); returns (customer, invoice id, invoice number).
async fn transfer_customer(app: &TestApp, email: &str) -> (String, String, String) {
    let body = json!({ "email": email, "name": "Kundin", "country": "US", "currency": "EUR", "locale": "de" });
    invoiced_for_march(app, body).await
}

/// The customer `body` on `pro` from 1 March 2026, invoiced for March; (customer, invoice, number).
async fn invoiced_for_march(app: &TestApp, body: Value) -> (String, String, String) {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let (s, c) = app.post("/api/v1/customers", body).await;
    assert_eq!(s, 201, "{c}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    let inv = &list["data"][0];
    assert_eq!(inv["status"], "open", "{inv}");
    (
        c["id"].as_str().unwrap().to_string(),
        inv["id"].as_str().unwrap().to_string(),
        inv["number"].as_str().unwrap().to_string(),
    )
}

/// Issue 12: "ordered steps at day offsets after … the due date". A merchant collecting by bank
/// transfer: the invoice is never charged, so dunning counts from its due date (docs/adr/0047).
#[tokio::test]
async fn a_transfer_invoice_is_dunned_from_its_due_date_until_paid_or_written_off() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.db.pool.acquire().await.unwrap();
        billing_core::store::runs::set_collection_method(&mut conn, app.tenant.id, "send_invoice").await.unwrap();
    }
    let body = json!({ "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "holder": "Acme GmbH" });
    let (s, a) = app.send(app.http.put(app.url("/api/v1/bank_account")).json(&body), &app.tenant.api_key).await;
    assert_eq!(s, 200, "{a}");
    // The default policy with a late fee on day 10.
    let policy = json!({ "steps": [
        { "day": 3, "action": "retry" }, { "day": 3, "action": "email" },
        { "day": 7, "action": "retry" }, { "day": 7, "action": "email" },
        { "day": 10, "action": "late_fee", "fee": { "fixed": { "EUR": 500 } } },
        { "day": 14, "action": "retry" }, { "day": 14, "action": "email" },
        { "day": 30, "action": "mark_uncollectible" }
    ] });
    let (s, p) = app.send(app.http.put(app.url("/api/v1/dunning_policy")).json(&policy), &app.tenant.api_key).await;
    assert_eq!(s, 200, "{p}");

    let (unpaid_customer, unpaid, unpaid_number) = transfer_customer(&app, "slow@example.com").await;
    let (_, paying, paying_number) = transfer_customer(&app, "late-but-paying@example.com").await;
    let (_, inv) = app.get(&format!("/api/v1/invoices/{unpaid}")).await;
    let due = chrono::NaiveDate::parse_from_str(inv["due_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let day = |n: i64| (due + Duration::days(n)).to_string();
    let run = |n: i64| {
        let out = std::process::Command::new(billing_tests::billing_binary())
            .args(["jobs", "run", "dunning", "--as-of", &day(n)])
            .env("DATABASE_URL", &app.db.url)
            .env("BILLING_LOG", "warn")
            .env("LANG", "de_DE.UTF-8")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };

    // Not yet due, and on the due date itself: untouched, and the customer is not in dunning.
    for n in [-1, 0] {
        let out = run(n);
        assert!(out.contains("0 Rechnungen im Mahnverfahren"), "day {n}: {out}");
    }
    app.clock.set(instant(&format!("{}T10:00:00Z", day(0))));
    let (_, c) = app.get(&format!("/api/v1/customers/{unpaid_customer}")).await;
    assert!(c["dunning"].is_null(), "not late on its due date: {c}");
    assert!(steps(&app, &unpaid).await.is_empty());

    // Day 1: late. The customer's dunning says since when and why; nothing to retry, so the
    // first thing to come is the day-3 reminder.
    app.clock.set(instant(&format!("{}T10:00:00Z", day(1))));
    let (_, c) = app.get(&format!("/api/v1/customers/{unpaid_customer}")).await;
    let d = &c["dunning"];
    assert_eq!((d["since"].as_str(), d["reason"].as_str()), (Some(day(0).as_str()), Some("overdue")), "{c}");
    assert_eq!((d["next_action"].as_str(), d["next_action_on"].as_str()), (Some("email"), Some(day(3).as_str())));
    assert_eq!(d["amount_at_risk"], json!({ "EUR": 2900 }), "{c}");

    let out = run(3);
    assert!(out.contains("2 Rechnungen im Mahnverfahren") && out.contains("2 Mahnungen eingereiht"), "{out}");
    assert!(out.contains("0 Wiederholungen übersprungen"), "a transfer is not a skipped card retry: {out}");
    assert!(run(3).contains("0 Mahnungen eingereiht"), "a re-run the same day does nothing");
    assert!(run(7).contains("2 Mahnungen eingereiht"));
    // Day 8: the paying customer's transfer arrives; their dunning ends there.
    let (s, r) = app
        .post(
            &format!("/api/v1/invoices/{paying}/mark_paid"),
            json!({ "amount": 2900, "reference": paying_number, "paid_at": format!("{}T09:00:00Z", day(8)) }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let out = run(10);
    assert!(out.contains("1 Rechnungen im Mahnverfahren"), "{out}");
    run(14);
    run(30);
    run(31);

    let retry_skipped = |reason: &str| {
        (
            "retry".to_string(),
            "skipped".to_string(),
            Some(format!("not retried: the invoice is paid by transfer and was never charged{reason}")),
        )
    };
    let taken: Vec<_> = steps(&app, &unpaid).await.into_iter().map(|(n, a, o, r)| (n, (a, o, r))).collect();
    let numbers: Vec<i32> = taken.iter().map(|t| t.0).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7, 8], "every step once: {taken:?}");
    for n in [0, 2, 5] {
        assert_eq!(taken[n].1, retry_skipped(""), "a retry with nothing to charge: {taken:?}");
    }
    for n in [1, 3, 6] {
        assert_eq!((taken[n].1.0.as_str(), taken[n].1.1.as_str()), ("email", "done"), "{taken:?}");
    }
    assert_eq!((taken[4].1.0.as_str(), taken[4].1.1.as_str()), ("late_fee", "done"), "{taken:?}");
    assert_eq!((taken[7].1.0.as_str(), taken[7].1.1.as_str()), ("mark_uncollectible", "done"), "{taken:?}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{unpaid}")).await;
    assert_eq!(inv["status"], "uncollectible", "written off on day 30: {inv}");
    let fees: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, amount FROM dunning_charges WHERE invoice_id = $1 ORDER BY step, piece")
            .bind(unpaid.parse::<billing_core::ids::InvoiceId>().unwrap().0)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(fees, [("late_fee".to_string(), 500)], "one fee line, on day 10");

    let paid_steps: Vec<(i32, String)> = steps(&app, &paying).await.into_iter().map(|(n, a, ..)| (n, a)).collect();
    assert_eq!(paid_steps.len(), 4, "the day-3 and day-7 steps, nothing after the transfer: {paid_steps:?}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{paying}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");

    // The reminders reach a real SMTP server in German, with the account to pay into.
    let sink = crate::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    // The command's steps are written at the wall clock's time: the mail job runs after them.
    portal_web::mail::run(&app.db.pool, &mailer, Utc::now() + Duration::minutes(1)).await.unwrap();
    let mails = sink.mails();
    let overdue = |number: &str, to: &str| -> Vec<Value> {
        let subject = format!("Rechnung {number} ist überfällig: bitte überweisen oder im Portal bezahlen");
        mails
            .iter()
            .filter(|m| m["subject"] == subject.as_str() && m["to"].as_str().unwrap().contains(to))
            .cloned()
            .collect()
    };
    let reminders = overdue(&unpaid_number, "slow@example.com");
    assert_eq!(reminders.len(), 3, "day 3, 7 and 14: {mails:?}");
    for m in &reminders {
        let text = m["text"].as_str().unwrap();
        for part in ["Bitte überweisen Sie", "DE89370400440532013000", "COBADEFFXXX", "Acme GmbH", &unpaid_number] {
            assert!(text.contains(part), "{part} missing in {text}");
        }
        assert!(text.contains("Verwendungszweck") && text.contains("/p/"), "the reference and the portal link: {text}");
    }
    assert_eq!(overdue(&paying_number, "late-but-paying@example.com").len(), 2, "day 3 and 7 only: {mails:?}");
    let fee_mail = format!("Mahngebühr zu Rechnung {unpaid_number}");
    let fee_mails: Vec<&Value> = mails.iter().filter(|m| m["subject"].as_str() == Some(fee_mail.as_str())).collect();
    assert_eq!(fee_mails.len(), 1, "{mails:?}");
}

/// The German ladder on an invoice paid by transfer (docs/adr/0031, 0047): the notices count from
/// the due date, and § 288 interest runs from the day of default, the day after the due date
/// (§ 286 BGB), computed here by hand, with the EUR 40 flat fee for a business.
#[tokio::test]
async fn the_german_ladder_on_a_transfer_invoice_charges_interest_from_the_day_after_its_due_date() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.db.pool.acquire().await.unwrap();
        billing_core::store::runs::set_collection_method(&mut conn, app.tenant.id, "send_invoice").await.unwrap();
    }
    let (s, p) = app
        .send(app.http.put(app.url("/api/v1/dunning_policy")).json(&json!({ "ladder": "de" })), &app.tenant.api_key)
        .await;
    assert_eq!(s, 200, "{p}");
    let body = json!({
        "email": "firma@example.com", "name": "Firma GmbH", "country": "DE", "currency": "EUR", "locale": "de",
        "kind": "business"
    });
    let (_, invoice, _) = invoiced_for_march(&app, body).await;
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    let total = inv["total"].as_i64().unwrap();
    let due = chrono::NaiveDate::parse_from_str(inv["due_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let t0 = instant(&format!("{due}T10:00:00Z"));
    let texts = portal_web::mail::FluentChargeTexts;
    for day in [3, 7, 14] {
        dunning::run_localized(&app.db.pool, app.gateways.as_ref(), &texts, t0 + Duration::days(day), None)
            .await
            .unwrap();
    }
    let taken: Vec<(String, String)> = steps(&app, &invoice).await.into_iter().map(|(_, a, o, _)| (a, o)).collect();
    let want: Vec<(String, String)> = [
        ("retry", "skipped"),
        ("retry", "skipped"),
        ("payment_reminder", "done"),
        ("retry", "skipped"),
        ("first_notice", "done"),
    ]
    .iter()
    .map(|(a, o)| (a.to_string(), o.to_string()))
    .collect();
    assert_eq!(taken, want, "counted from the due date, nothing to retry");

    // 1. Mahnung on day 14: interest from due + 1 to due + 14 (14 days, both counted) on the
    // invoice's total at base rate 1.27 % (2026-01-01) + 9 points for a business = 10.27 %,
    // actual/365: total x 1027 x 14 / (10000 x 365), half up.
    type ChargeRow = (String, i64, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>, Option<String>);
    let rows: Vec<ChargeRow> = sqlx::query_as(
        "SELECT kind, amount, period_start, period_end, rate::text FROM dunning_charges
              WHERE invoice_id = $1 ORDER BY step, piece",
    )
    .bind(invoice.parse::<billing_core::ids::InvoiceId>().unwrap().0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let (num, den) = (i128::from(total) * 1027 * 14, 10_000i128 * 365);
    let by_hand = i64::try_from((2 * num + den) / (2 * den)).unwrap();
    assert!(by_hand > 0, "a total of {total} earns interest");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1, rows[0].2, rows[0].3, rows[0].4.as_deref()),
        ("interest", by_hand, Some(due + Duration::days(1)), Some(due + Duration::days(14)), Some("10.27")),
        "{rows:?}"
    );
    assert_eq!((rows[1].0.as_str(), rows[1].1), ("flat_fee", 4_000), "{rows:?}");
}
