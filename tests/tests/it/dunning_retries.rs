//! Decline-aware retries, recovered revenue, pre-dunning and the outbox purge (docs/adr/0032):
//! a card with 15 attempts in 30 days is not retried and the ledger says why; a Mastercard MAC 02
//! decline is retried only 72 hours later; a recovery is recorded once however many payments
//! come in; pre-dunning mails reach a real SMTP server once even when two processes run the job
//! at once; the outbox purge deletes only what is done.

use billing_core::service::dunning::{self, DunningSummary};
use billing_tests::{TestApp, instant};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::mail::SmtpSink;

async fn run_at(app: &TestApp, now: DateTime<Utc>) -> DunningSummary {
    dunning::run(&app.db.pool, app.gateways.as_ref(), now, None).await.unwrap()
}

async fn ledger(app: &TestApp, invoice: &str) -> Vec<Value> {
    let (s, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(s, 200, "{ledger}");
    ledger.as_array().unwrap().clone()
}

/// Every decision on the ledger, in order: (decision, reason).
fn decisions(ledger: &[Value]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String, String)> = ledger
        .iter()
        .flat_map(|a| a["decisions"].as_array().unwrap().iter())
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("decided_at"), s("decision"), s("reason"))
        })
        .collect();
    all.sort();
    all.into_iter().map(|(_, d, r)| (d, r)).collect()
}

#[tokio::test]
async fn a_card_with_15_attempts_in_30_days_is_not_retried_and_the_ledger_says_why() {
    let app = TestApp::spawn().await;
    let (_, invoice, t0) = app.declined_march_customer("cap@example.com", "4000000000009995").await;
    // The customer tries to pay 14 more times the same day: 15 attempts on the card.
    for n in 1..=14 {
        app.clock.set(t0 + Duration::minutes(n));
        let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
        assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
    }
    assert_eq!(ledger(&app, &invoice).await.len(), 15);

    let s = run_at(&app, t0 + Duration::days(3)).await;
    assert_eq!((s.retried, s.retries_skipped, s.emails), (0, 1, 1), "the retry is skipped, the reminder sent: {s:?}");
    let l = ledger(&app, &invoice).await;
    assert_eq!(l.len(), 15, "no 16th charge");
    let d = decisions(&l);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].0, "skipped_cap");
    assert!(d[0].1.contains("15 attempts") && d[0].1.contains("30 days"), "{d:?}");
    // The decision hangs on the attempt it is about: the latest one.
    assert_eq!(l[14]["decisions"][0]["decision"], "skipped_cap", "{l:?}");
    assert_eq!(l[14]["decisions"][0]["attempts_in_window"], 15);
    // The merchant's event says the same.
    let step: Value =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'dunning.step' AND payload->>'action' = 'retry'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(step["outcome"], "skipped");
    assert!(step["reason"].as_str().unwrap().contains("15 attempts"), "{step}");

    // A re-run decides nothing twice; the next retry day is still inside the window.
    let s = run_at(&app, t0 + Duration::days(3)).await;
    assert_eq!((s.retried, s.retries_skipped), (0, 0));
    let s = run_at(&app, t0 + Duration::days(7)).await;
    assert_eq!((s.retried, s.retries_skipped), (0, 1));
    assert_eq!(decisions(&ledger(&app, &invoice).await).len(), 2);
    assert_eq!(ledger(&app, &invoice).await.len(), 15);
}

#[tokio::test]
async fn a_mastercard_try_again_later_decline_is_retried_only_72_hours_later() {
    let app = TestApp::spawn().await;
    let (customer, invoice, t0) = app.declined_march_customer("mac@example.com", "5200000000000213").await;
    let l = ledger(&app, &invoice).await;
    assert_eq!(
        (l[0]["decline_code"].as_str(), l[0]["decline_class"].as_str(), l[0]["network_advice_code"].as_str()),
        (Some("try_again_later"), Some("soft"), Some("02")),
        "{l:?}"
    );
    let after = t0 + Duration::hours(72);
    assert_eq!(l[0]["retry_after"].as_str().map(instant), Some(after), "{l:?}");

    // Day 3 of the policy, but at 07:00: 69 hours after the decline. The retry waits.
    let early = t0 + Duration::hours(69);
    let s = run_at(&app, early).await;
    assert_eq!((s.retried, s.retries_deferred, s.emails), (0, 1, 1), "{s:?}");
    assert_eq!(ledger(&app, &invoice).await.len(), 1, "not charged before the 72 hours");
    let s = run_at(&app, early + Duration::hours(1)).await;
    assert_eq!((s.retried, s.retries_deferred), (0, 0), "a deferral is recorded once: {s:?}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["dunning"]["next_action"], "retry", "the retry is still ahead: {c}");

    // An hour after the 72 hours: retried.
    let s = run_at(&app, after + Duration::hours(1)).await;
    assert_eq!(s.retried, 1, "{s:?}");
    let l = ledger(&app, &invoice).await;
    assert_eq!(l.len(), 2);
    let first = l[0]["decisions"].as_array().unwrap();
    let kinds: Vec<&str> = first.iter().map(|d| d["decision"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["deferred", "retried"], "{first:?}");
    assert_eq!(first[0]["retry_after"].as_str().map(instant), Some(after));
    assert!(first[0]["reason"].as_str().unwrap().contains("no sooner than"), "{first:?}");
    assert_eq!(first[1]["retry_attempt"], l[1]["id"], "the retry names the attempt it made");
    // The payment-failed event of the first decline named the retry-after time, not earlier.
    let next: Vec<Value> =
        sqlx::query_scalar("SELECT payload->'next_attempt_at' FROM outbox WHERE topic = 'payment.failed' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(next[0].as_str().map(instant), Some(after), "{next:?}");
}

#[tokio::test]
async fn a_mac_21_decline_is_hard_and_never_retried() {
    // The classification itself is pure (`retry_rules`); the ledger stores the hard class and
    // dunning records the skip with its reason.
    assert_eq!(billing_core::retry_rules::class_with_advice("soft", Some("21")), "hard");
    assert_eq!(billing_core::retry_rules::class_with_advice("soft", Some("03")), "hard");
    let app = TestApp::spawn().await;
    let (_, invoice, t0) = app.declined_march_customer("hard@example.com", "4000000000000002").await;
    let s = run_at(&app, t0 + Duration::days(3)).await;
    assert_eq!((s.retried, s.retries_skipped), (0, 1));
    let d = decisions(&ledger(&app, &invoice).await);
    assert_eq!(d.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(), ["skipped_hard_decline"]);
    assert!(d[0].1.contains("hard"), "{d:?}");
}

#[tokio::test]
async fn recovered_revenue_is_recorded_once_whatever_pays_and_however_often() {
    let app = TestApp::spawn().await;
    // A manual payment after a decline, then the same money again (a second payment path).
    let (_, manual, _) = app.declined_march_customer("manual@example.com", "4000000000009995").await;
    let (s, r) = app.post(&format!("/api/v1/invoices/{manual}/mark_paid"), json!({ "amount": 2900 })).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = app
        .post(&format!("/api/v1/invoices/{manual}/mark_paid"), json!({ "amount": 2900, "reference": "again" }))
        .await;
    assert!(s < 300, "{s} {r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{manual}")).await;
    assert_eq!(inv["status"], "paid");
    assert_eq!(
        (inv["recovery"]["how"].as_str(), inv["recovery"]["amount"].as_i64(), inv["recovery"]["currency"].as_str()),
        (Some("manual"), Some(2900), Some("EUR")),
        "{inv}"
    );

    // A new card after a hard decline: dunning's retry charges it.
    let (customer, card, t0) = app.declined_march_customer("newcard@example.com", "4000000000000002").await;
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let s = run_at(&app, t0 + Duration::days(3)).await;
    assert_eq!(s.recovered, 1, "{s:?}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{card}")).await;
    assert_eq!(inv["recovery"]["how"], "new_method", "{inv}");
    assert_eq!(ledger(&app, &card).await.len(), 2);

    // An invoice paid at the first attempt was never at risk: nothing recovered.
    let (customer, first) = app.invoiced_march_customer("ontime@example.com", "EUR").await;
    let first = first["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    let (s, r) = app.post(&format!("/api/v1/invoices/{first}/pay"), json!({})).await;
    assert_eq!((s, r["invoice_status"].as_str()), (200, Some("paid")), "{r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{first}")).await;
    assert!(inv.get("recovery").is_none(), "{inv}");

    assert_eq!(app.count("recovered_revenue").await, 2, "one row per recovered invoice");
}

fn billing(app: &TestApp, args: &[&str]) -> std::process::Child {
    std::process::Command::new(billing_tests::billing_binary())
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING_LOG", "warn")
        .env("LANG", "en_US.UTF-8")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `billing jobs run predunning --as-of DATE` in two processes at once, then once more.
fn predunning_three_times(app: &TestApp, as_of: &str) -> Vec<String> {
    let args = ["jobs", "run", "predunning", "--as-of", as_of];
    let (a, b) = (billing(app, &args), billing(app, &args));
    let mut out = Vec::new();
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out.push(String::from_utf8_lossy(&o.stdout).to_string());
    }
    let o = billing(app, &args).wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.push(String::from_utf8_lossy(&o.stdout).to_string());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_dunning_mails_arrive_once_even_when_two_processes_run_the_job_twice() {
    let app = TestApp::spawn().await;
    // A trial that ends on 15 March, paid by a card that expires at the end of April.
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "trial@example.com", "name": "Tria", "country": "US", "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let trial_customer = c["id"].as_str().unwrap().to_string();
    let (s, pm) = app
        .post(
            &format!("/api/v1/customers/{trial_customer}/payment_methods"),
            json!({ "card_number": "4242424242424242", "expiry": "04/26" }),
        )
        .await;
    assert_eq!((s, pm["exp_month"].as_i64(), pm["exp_year"].as_i64()), (201, Some(4), Some(2026)), "{pm}");
    let (s, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": trial_customer, "plan": "pro", "start_date": "2026-03-01", "trial_days": 14 }),
        )
        .await;
    assert_eq!((s, sub["trial_end"].as_str()), (201, Some("2026-03-15")), "{sub}");
    // A bad expiry is refused and stores nothing.
    let (s, e) = app
        .post(
            &format!("/api/v1/customers/{trial_customer}/payment_methods"),
            json!({ "card_number": "4242424242424242", "expiry": "13/26" }),
        )
        .await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("expiry")), "{e}");
    assert_eq!(app.count("payment_methods").await, 1);

    // A yearly subscription from 1 March 2026, invoiced: it renews on 1 March 2027.
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "yearly@example.com", "name": "Jahr", "country": "US", "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "yearly", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();

    // 7 March: nothing yet (the trial ends in 8 days, the card is valid through April).
    let out = predunning_three_times(&app, "2026-02-27");
    assert!(out.iter().all(|o| !o.contains(" 1 ")), "{out:?}");
    assert_eq!(app.count("predunning_notices").await, 0, "{out:?}");
    // 8 March, twice in two processes and once more: the trial and card notices, once each.
    let out = predunning_three_times(&app, "2026-03-08");
    assert_eq!(app.count("predunning_notices").await, 2, "{out:?}");
    assert_eq!(out.iter().filter(|o| o.contains("1 card-expiry notices, 1 trial-ending")).count(), 1, "{out:?}");
    // 5 February 2027: the renewal notice, once.
    let out = predunning_three_times(&app, "2027-02-05");
    assert_eq!(app.count("predunning_notices").await, 3, "{out:?}");
    let topics: Vec<String> = sqlx::query_scalar(
        "SELECT topic FROM outbox WHERE topic IN ('customer.card_expiring', 'subscription.trial_ending',
             'subscription.renewal_upcoming') ORDER BY topic",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(topics, ["customer.card_expiring", "subscription.renewal_upcoming", "subscription.trial_ending"]);
    let runs = app.count("job_runs WHERE job = 'predunning' AND finished_at IS NOT NULL").await;
    assert_eq!(runs, 9, "every run is recorded");

    // The mails reach a real SMTP server, once each (the mail job runs twice too).
    let sink = SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    for _ in 0..2 {
        portal_web::mail::run(&app.db.pool, &mailer, Utc::now()).await.unwrap();
    }
    let mails = sink.mails();
    let subject = |m: &Value| m["subject"].as_str().unwrap_or_default().to_string();
    let count = |needle: &str, to: &str| {
        mails
            .iter()
            .filter(|m| subject(m).contains(needle) && m["to"].as_str().unwrap_or_default().contains(to))
            .count()
    };
    assert_eq!(count("ending in 4242 is about to expire", "trial@example.com"), 1, "{mails:?}");
    assert_eq!(count("Your trial ends on", "trial@example.com"), 1, "{mails:?}");
    assert_eq!(count("Your subscription renews on", "yearly@example.com"), 1, "{mails:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_purge_deletes_only_what_is_done_and_old() {
    use billing_core::service::outbox_purge;
    let app = TestApp::spawn().await;
    let t = instant("2026-03-01T10:00:00Z");
    // An invoice mail sent.
    app.invoiced_march_customer("sent@example.com", "EUR").await;
    let sink = SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, t).await.unwrap();
    assert_eq!(app.count("mails WHERE status = 'sent'").await, 1);
    // An invoice mail that could not be sent yet (the SMTP server is down): pending.
    app.invoiced_march_customer("pending@example.com", "EUR").await;
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = portal_web::mail::MailConfig { port: dead_port, ..sink.config() };
    let down = portal_web::mail::Mailer::new(&dead, std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &down, t).await.unwrap();
    assert_eq!(app.count("mails WHERE status = 'pending'").await, 1);
    // An event not fanned out yet.
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "late@example.com", "name": "Late", "country": "US", "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let before = app.count("outbox").await;

    // Within the retention nothing goes.
    let p = outbox_purge::run(&app.db.pool, t + Duration::days(60), 90).await.unwrap();
    assert_eq!((p.events, p.mails), (0, 0));
    assert_eq!(app.count("outbox").await, before);
    assert!(outbox_purge::run(&app.db.pool, t, 0).await.is_err(), "a retention of 0 days is refused");

    // After it: the sent mail and its event go; the pending mail, its event and the unsent event stay.
    let p = outbox_purge::run(&app.db.pool, t + Duration::days(91), 90).await.unwrap();
    assert_eq!(p.mails, 1, "{p:?}");
    assert!(p.events >= 1, "{p:?}");
    assert_eq!(app.count("mails").await, 1);
    assert_eq!(app.count("mails WHERE status = 'pending'").await, 1, "a pending mail is never deleted");
    assert_eq!(app.count("outbox WHERE topic = 'invoice.finalized'").await, 1, "the pending mail's event stays");
    assert_eq!(app.count("outbox WHERE delivered_at IS NULL").await, 1, "an event not fanned out stays");
    let (s, events) = app.get("/api/v1/events?type=customer.created").await;
    assert_eq!(s, 200, "{events}");
    assert_eq!(events["data"][0]["data"]["email"], "late@example.com", "{events}");
    // Run again: nothing more to delete.
    let p = outbox_purge::run(&app.db.pool, t + Duration::days(92), 90).await.unwrap();
    assert_eq!((p.events, p.mails, p.webhook_deliveries), (0, 0, 0));

    // `billing jobs run purge-outbox` (retention from the configuration) is recorded.
    let o = std::process::Command::new(billing_tests::billing_binary())
        .args(["jobs", "run", "purge-outbox"])
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING_LOG", "warn")
        .env("BILLING__OUTBOX__RETENTION_DAYS", "30")
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("older than 30 days"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(app.count("job_runs WHERE job = 'purge-outbox' AND error IS NULL").await, 1);
    assert_eq!(app.count("mails WHERE status = 'pending'").await, 1);
}
