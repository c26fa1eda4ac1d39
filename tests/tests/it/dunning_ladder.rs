//! Dunning actions and the German reminder ladder (docs/adr/0031): § 288 BGB default interest
//! computed by hand across a base-rate change for a business and a consumer, the EUR 40 flat fee
//! once; 60 simulated days of a subscription whose card soft-declines, then hard-declines, then
//! is replaced, with every retry, every mail (received by aiosmtpd, in German), the fee and
//! interest lines, and every state change; policy validation of the new actions.

use billing_core::service::dunning::{self, DunningSummary};
use billing_tests::{TestApp, instant};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

fn texts() -> portal_web::mail::FluentChargeTexts {
    portal_web::mail::FluentChargeTexts
}

async fn run_on(app: &TestApp, t0: DateTime<Utc>, day: i64) -> DunningSummary {
    dunning::run_localized(&app.db.pool, app.gateways.as_ref(), &texts(), t0 + Duration::days(day), None).await.unwrap()
}

async fn put_policy(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(app.http.put(app.url("/api/v1/dunning_policy")).json(&body), &app.tenant.api_key).await
}

async fn customer(app: &TestApp, email: &str, locale: &str, kind: &str) -> String {
    let body = json!({
        "email": email, "name": "Kunde", "country": "DE", "currency": "EUR", "locale": locale, "kind": kind
    });
    let (s, c) = app.post("/api/v1/customers", body).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// CLDR puts no-break spaces in amounts and percentages (`1.190,00 €`, `11,27 %`); compared as
/// plain spaces.
fn spaces(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

/// The (number, amount, vat_category, description) of every line of the charges invoices issued
/// for `invoice`, in the order they were issued.
async fn charge_lines(app: &TestApp, invoice: &str) -> Vec<(String, i64, String, String)> {
    let id: billing_core::ids::InvoiceId = invoice.parse().unwrap();
    let charged: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (charge_invoice_id) charge_invoice_id, kind FROM dunning_charges
          WHERE invoice_id = $1 ORDER BY charge_invoice_id, step",
    )
    .bind(id.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut docs = Vec::new();
    for (doc, _) in charged {
        let (s, inv) = app.get(&format!("/api/v1/invoices/{}", billing_core::ids::InvoiceId(doc))).await;
        assert_eq!(s, 200, "{inv}");
        docs.push(inv);
    }
    docs.sort_by(|a, b| a["number"].as_str().cmp(&b["number"].as_str()));
    let mut out = Vec::new();
    for inv in &docs {
        assert_eq!(inv["tax"].as_i64(), Some(0), "no VAT on damages: {inv}");
        for l in inv["lines"].as_array().unwrap() {
            out.push((
                inv["number"].as_str().unwrap().to_string(),
                l["amount"].as_i64().unwrap(),
                l["vat_category"].as_str().unwrap_or_default().to_string(),
                spaces(l["description"].as_str().unwrap()),
            ));
        }
    }
    out
}

/// A finalized one-off invoice of net EUR 1,000.00 + 19 % VAT = EUR 1,190.00 issued on
/// 1 June 2025, due 15 June 2025 (14 days), whose card soft-declines on the due date.
async fn overdue_1190(app: &TestApp, customer: &str) -> String {
    app.clock.set(instant("2025-06-01T09:00:00Z"));
    let body = json!({ "customer": customer, "lines": [{ "description": "Beratung", "unit_amount": 100_000 }] });
    let (s, draft) = app.post("/api/v1/invoices", body).await;
    assert_eq!(s, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (s, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{inv}");
    assert_eq!((inv["total"].as_i64(), inv["due_date"].as_str()), (Some(119_000), Some("2025-06-15")), "{inv}");
    app.clock.set(instant("2025-06-15T10:00:00Z"));
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4000000000009995" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
    id
}

#[tokio::test]
async fn the_german_ladder_charges_interest_computed_by_hand_across_a_base_rate_change_and_the_flat_fee_once() {
    let app = TestApp::spawn().await;
    app.clock.set(instant("2025-06-01T09:00:00Z"));
    let (s, p) = put_policy(&app, json!({ "ladder": "de" })).await;
    assert_eq!((s, p["ladder"].as_str(), p["default"].as_bool()), (200, Some("de"), Some(false)), "{p}");
    let (_, p) = app.get("/api/v1/dunning_policy").await;
    let actions: Vec<(u64, &str)> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["day"].as_u64().unwrap(), s["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            (3, "retry"),
            (7, "retry"),
            (7, "payment_reminder"),
            (14, "retry"),
            (14, "first_notice"),
            (28, "second_notice"),
            (28, "restrict"),
            (42, "final_notice")
        ]
    );

    let business = customer(&app, "buchhaltung@firma.de", "de", "business").await;
    let consumer = customer(&app, "privat@example.com", "en", "consumer").await;
    let b_inv = overdue_1190(&app, &business).await;
    let c_inv = overdue_1190(&app, &consumer).await;
    let t0 = instant("2025-06-15T10:00:00Z");

    // Day 7 (22.06.2025): the Zahlungserinnerung, without charges.
    for day in [3, 7] {
        run_on(&app, t0, day).await;
    }
    assert!(charge_lines(&app, &b_inv).await.is_empty(), "a payment reminder charges nothing");

    // Day 14 (29.06.2025), 1. Mahnung. Default began on 16.06.2025, the day after the due date;
    // interest runs to the notice's day: 16.06.–29.06. = 14 days, all before 1 July, at the base
    // rate of 1 January 2025 (2.27 %).
    //   business: 2.27 + 9 = 11.27 % -> 1,190.00 x 11.27 % x 14 / 365 = 5.14406... -> EUR 5.14
    //   consumer: 2.27 + 5 =  7.27 % -> 1,190.00 x  7.27 % x 14 / 365 = 3.31830... -> EUR 3.32
    // and the business owes the flat fee of EUR 40.00 (§ 288 Abs. 5).
    let s = run_on(&app, t0, 14).await;
    assert_eq!((s.notices, s.charged), (2, 2), "{s:?}");
    // Day 28 (13.07.2025), 2. Mahnung: interest since the last notice, 30.06.–13.07., split at the
    // base-rate change on 1 July 2025 (2.27 % -> 1.27 %):
    //   business: 30.06. 1 day at 11.27 % -> 1,190.00 x 11.27 % x 1 / 365 = 0.36743... -> EUR 0.37
    //             01.07.–13.07. 13 days at 10.27 % -> 1,190.00 x 10.27 % x 13 / 365 = 4.35279... -> EUR 4.35
    //   consumer: 1 day at 7.27 % -> 0.23702... -> EUR 0.24; 13 days at 6.27 % -> 2.65744... -> EUR 2.66
    // and no second flat fee.
    run_on(&app, t0, 28).await;
    // Day 42 (27.07.2025), letzte Mahnung: 14.07.–27.07. = 14 days,
    //   business: 10.27 % -> 1,190.00 x 10.27 % x 14 / 365 = 4.68762... -> EUR 4.69
    //   consumer:  6.27 % -> 1,190.00 x  6.27 % x 14 / 365 = 2.86186... -> EUR 2.86
    run_on(&app, t0, 42).await;
    assert_eq!(run_on(&app, t0, 43).await.charged, 0, "nothing is charged twice");

    let b = charge_lines(&app, &b_inv).await;
    let amounts: Vec<i64> = b.iter().map(|l| l.1).collect();
    assert_eq!(amounts, [514, 4_000, 37, 435, 469], "{b:#?}");
    assert!(b.iter().all(|l| l.2 == "O"), "outside the scope of VAT: {b:#?}");
    // The computation, in the customer's language (German: the legal original).
    let (_, inv) = app.get(&format!("/api/v1/invoices/{b_inv}")).await;
    let number = inv["number"].as_str().unwrap();
    assert_eq!(
        b[0].3,
        format!(
            "Verzugszinsen (§ 288 Abs. 2 BGB) zu Rechnung {number}: 11,27 % p. a. (Basiszinssatz 2,27 % + 9 Prozentpunkte) \
             auf 1.190,00 € vom 16.06.2025 bis 29.06.2025 (Zinstage: 14, act/365)"
        )
    );
    assert_eq!(b[1].3, format!("Verzugspauschale (§ 288 Abs. 5 BGB) zu Rechnung {number}"));
    assert!(b[2].3.contains("vom 30.06.2025 bis 30.06.2025 (Zinstage: 1,") && b[2].3.contains("11,27 %"), "{}", b[2].3);
    assert!(
        b[3].3.contains("vom 01.07.2025 bis 13.07.2025 (Zinstage: 13,") && b[3].3.contains("10,27 %"),
        "{}",
        b[3].3
    );
    assert_eq!(b.iter().filter(|l| l.3.starts_with("Verzugspauschale")).count(), 1, "EUR 40 once per invoice");

    let c = charge_lines(&app, &c_inv).await;
    let amounts: Vec<i64> = c.iter().map(|l| l.1).collect();
    assert_eq!(amounts, [332, 24, 266, 286], "a consumer: +5 points, no flat fee: {c:#?}");
    assert!(c[0].3.starts_with("Default interest (§ 288 (1) BGB)") && c[0].3.contains("7.27%"), "{}", c[0].3);

    // Every notice is a recorded step with its outcome and reason, and a `dunning.step` event.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let id: billing_core::ids::InvoiceId = b_inv.parse().unwrap();
    let history = billing_core::store::dunning::history(&mut conn, app.tenant.id.0, id.0).await.unwrap();
    drop(conn);
    let notices: Vec<(&str, &str)> = history
        .iter()
        .filter(|h| h.1.ends_with("notice") || h.1 == "payment_reminder")
        .map(|h| (h.1.as_str(), h.2.as_str()))
        .collect();
    assert_eq!(
        notices,
        [("payment_reminder", "done"), ("first_notice", "done"), ("second_notice", "done"), ("final_notice", "done")]
    );
    let first = history.iter().find(|h| h.1 == "first_notice").unwrap();
    assert!(first.3.as_deref().unwrap().contains("flat fee EUR 40.00"), "{first:?}");
    let events = app.count("outbox WHERE topic = 'dunning.step' AND payload->>'action' LIKE '%notice'").await;
    assert_eq!(events, 6, "three notices with charges-capable levels per invoice");
}

/// A partial payment between two notices lowers the principal from the day it lands: the next
/// notice's interest is split there, each line stating the amount it was computed on
/// (docs/adr/0046; computed by hand below).
#[tokio::test]
async fn a_partial_payment_between_notices_splits_the_interest_on_the_day_it_lands() {
    let app = TestApp::spawn().await;
    app.clock.set(instant("2025-06-01T09:00:00Z"));
    let (s, p) = put_policy(&app, json!({ "ladder": "de" })).await;
    assert_eq!(s, 200, "{p}");
    let business = customer(&app, "einkauf@firma.de", "de", "business").await;
    let inv = overdue_1190(&app, &business).await;
    let t0 = instant("2025-06-15T10:00:00Z");
    for day in [3, 7, 14] {
        run_on(&app, t0, day).await;
    }
    // Day 14 (29.06.2025), 1. Mahnung: 16.06.–29.06. on 1,190.00 at 11.27 % = EUR 5.14, and the
    // flat fee (as in the test above).
    let lines: Vec<i64> = charge_lines(&app, &inv).await.iter().map(|l| l.1).collect();
    assert_eq!(lines, [514, 4_000]);

    // EUR 590.00 arrive by transfer on 05.07.2025: EUR 600.00 stay open.
    app.clock.set(instant("2025-07-05T10:00:00Z"));
    let (s, paid) = app
        .post(
            &format!("/api/v1/invoices/{inv}/mark_paid"),
            json!({ "amount": 59_000, "reference": "Teilzahlung", "paid_at": "2025-07-05T10:00:00Z" }),
        )
        .await;
    assert_eq!(s, 200, "{paid}");
    let (_, shown) = app.get(&format!("/api/v1/invoices/{inv}")).await;
    assert_eq!((shown["status"].as_str(), shown["amount_paid"].as_i64()), (Some("open"), Some(59_000)), "{shown}");

    // Day 28 (13.07.2025), 2. Mahnung: 30.06.–13.07., split at the rate change and the payment:
    //   30.06.         1 day  on 1,190.00 at 11.27 %: 1190.00 x 0.1127 x 1 / 365 = 0.36743... -> 0.37
    //   01.07.–04.07.  4 days on 1,190.00 at 10.27 %: 1190.00 x 0.1027 x 4 / 365 = 1.33932... -> 1.34
    //   05.07.–13.07.  9 days on   600.00 at 10.27 %:  600.00 x 0.1027 x 9 / 365 = 1.51940... -> 1.52
    // (without the split, 13 days on 1,190.00 would be EUR 4.35).
    run_on(&app, t0, 28).await;
    // Day 42 (27.07.2025), letzte Mahnung: 14.07.–27.07., 14 days on 600.00 at 10.27 %:
    //   600.00 x 0.1027 x 14 / 365 = 2.36350... -> 2.36
    run_on(&app, t0, 42).await;
    let b = charge_lines(&app, &inv).await;
    let amounts: Vec<i64> = b.iter().map(|l| l.1).collect();
    assert_eq!(amounts, [514, 4_000, 37, 134, 152, 236], "{b:#?}");
    assert!(b[3].3.contains("auf 1.190,00 € vom 01.07.2025 bis 04.07.2025 (Zinstage: 4,"), "{}", b[3].3);
    assert!(b[4].3.contains("auf 600,00 € vom 05.07.2025 bis 13.07.2025 (Zinstage: 9,"), "{}", b[4].3);
    assert!(b[5].3.contains("auf 600,00 € vom 14.07.2025 bis 27.07.2025 (Zinstage: 14,"), "{}", b[5].3);
    // The charges are recorded with the principal of each piece.
    let id: billing_core::ids::InvoiceId = inv.parse().unwrap();
    let principals: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT principal FROM dunning_charges WHERE invoice_id = $1 AND kind = 'interest' ORDER BY step, piece",
    )
    .bind(id.0)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(principals, [Some(119_000), Some(119_000), Some(119_000), Some(60_000), Some(60_000)]);
}

/// Counts of a run: (retried, skipped retries, notices, charged, restricted).
fn acted(s: &DunningSummary) -> (u64, u64, u64, u64, u64) {
    (s.retried, s.retries_skipped, s.notices, s.charged, s.restricted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_days_of_a_card_that_soft_declines_then_hard_declines_then_is_replaced() {
    use billing_core::jobs::collection::run_collection;
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};

    let app = TestApp::spawn().await;
    let policy = json!({ "steps": [
        { "day": 3, "action": "retry" },
        { "day": 7, "action": "retry" },
        { "day": 7, "action": "payment_reminder" },
        { "day": 14, "action": "retry" },
        { "day": 14, "action": "first_notice" },
        { "day": 21, "action": "late_fee", "fee": { "fixed": { "EUR": 500 } } },
        { "day": 28, "action": "restrict" },
        { "day": 28, "action": "second_notice" },
        { "day": 35, "action": "retry" },
        { "day": 42, "action": "final_notice" }
    ]});
    let (s, p) = put_policy(&app, policy).await;
    assert_eq!(s, 200, "{p}");

    // A German company on `pro` (EUR 29.00 + 19 % = EUR 34.51 a month) from 1 March 2026, paying
    // by a card that has insufficient funds.
    let cus = customer(&app, "einkauf@kunde.de", "de", "business").await;
    let (s, sub) =
        app.post("/api/v1/subscriptions", json!({ "customer": cus, "plan": "pro", "start_date": "2026-03-01" })).await;
    assert_eq!(s, 201, "{sub}");
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{cus}/payment_methods"), json!({ "card_number": "4000000000009995" }))
        .await;
    assert_eq!(s, 201, "{pm}");

    let start = instant("2026-03-01T10:00:00Z");
    let mut day_runs: Vec<(i64, DunningSummary)> = Vec::new();
    let mut invoice = String::new();
    let mut t0 = start;
    for n in 0..=60 {
        let now = start + Duration::days(n);
        app.clock.set(now);
        let today: NaiveDate = now.date_naive();
        if today.format("%d").to_string() == "01" {
            invoice_run::run(&app.db.pool, &RunOptions::new(today), now, &NoProgress).await.unwrap();
        }
        run_collection(&app.db.pool, app.gateways.as_ref(), now, None).await.unwrap();
        if invoice.is_empty() {
            let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
            let first = &list["data"][0];
            if first["status"] == "open" && first["amount_paid"] == 0 && today.to_string() == first["due_date"] {
                invoice = first["id"].as_str().unwrap().to_string();
                t0 = now;
            }
        }
        match today.to_string().as_str() {
            // Day 5 after the first failure: the issuer blocks the card (the sandbox provider's
            // record of it now answers `do_not_try_again`), a hard decline from then on.
            d if !invoice.is_empty() && d == (t0 + Duration::days(5)).date_naive().to_string() => {
                let changed = sqlx::query(
                    "UPDATE sandbox_records SET value = jsonb_set(value, '{tag}', '\"0002\"')
                      WHERE tenant_id = $1 AND kind = 'method' AND value->>'tag' = '9995'",
                )
                .bind(app.tenant.id.0)
                .execute(&app.db.pool)
                .await
                .unwrap();
                assert_eq!(changed.rows_affected(), 1);
            }
            // Day 26: the customer replaces the card.
            d if !invoice.is_empty() && d == (t0 + Duration::days(26)).date_naive().to_string() => {
                let (s, pm) = app
                    .post(
                        &format!("/api/v1/customers/{cus}/payment_methods"),
                        json!({ "card_number": "4242424242424242" }),
                    )
                    .await;
                assert_eq!(s, 201, "{pm}");
            }
            _ => {}
        }
        let s = dunning::run_localized(&app.db.pool, app.gateways.as_ref(), &texts(), now, None).await.unwrap();
        if !invoice.is_empty() {
            day_runs.push(((now - t0).num_days(), s));
        }
        // Restricted from the second notice's day until the retry on day 35 pays the invoice.
        if !invoice.is_empty() {
            let day = (now - t0).num_days();
            let (_, c) = app.get(&format!("/api/v1/customers/{cus}")).await;
            assert_eq!(c["account_restricted"].as_bool(), Some((28..35).contains(&day)), "day {day}: {c}");
        }
        if !invoice.is_empty() && (now - t0).num_days() == 30 {
            // While restricted, the API refuses plan changes and new subscriptions, in the
            // caller's language.
            let change = app
                .http
                .post(app.url(&format!("/api/v1/subscriptions/{}/change", sub["id"].as_str().unwrap())))
                .header("Accept-Language", "de")
                .json(&json!({ "plan": "pro", "quantity": 2 }));
            let (s, e) = app.send(change, &app.tenant.api_key).await;
            assert_eq!((s, e["error"]["code"].as_str()), (403, Some("account_restricted")), "{e}");
            assert!(e["error"]["message"].as_str().unwrap().contains("eingeschränkt"), "{e}");
            let (s, e) = app.post("/api/v1/subscriptions", json!({ "customer": cus, "plan": "pro" })).await;
            assert_eq!((s, e["error"]["code"].as_str()), (403, Some("account_restricted")), "{e}");
        }
    }
    assert_eq!(t0, instant("2026-03-15T10:00:00Z"), "the March invoice was due and declined on 15 March");
    let on = |day: i64| day_runs.iter().find(|(d, _)| *d == day).map(|(_, s)| acted(s)).unwrap();
    assert_eq!(on(3), (1, 0, 0, 0, 0), "day 3: retried (soft decline)");
    assert_eq!(on(7), (1, 0, 1, 0, 0), "day 7: retried (now a hard decline), Zahlungserinnerung");
    assert_eq!(on(14), (0, 1, 1, 1, 0), "day 14: the retry is skipped after the hard decline; 1. Mahnung charges");
    assert_eq!(on(21), (0, 0, 0, 1, 0), "day 21: the late fee");
    assert_eq!(on(28), (0, 0, 1, 1, 1), "day 28: restricted, 2. Mahnung charges");
    assert_eq!(on(35), (1, 0, 0, 0, 0), "day 35: retried on the new card");
    assert_eq!(day_runs.iter().find(|(d, _)| *d == 35).unwrap().1.recovered, 1);
    assert_eq!(on(42), (0, 0, 0, 0, 0), "a paid invoice gets no letzte Mahnung");
    let others: u64 =
        day_runs.iter().filter(|(d, _)| ![3, 7, 14, 21, 28, 35].contains(d)).map(|(_, s)| s.retried + s.notices).sum();
    assert_eq!(others, 0, "nothing happens on other days");

    // Every attempt on the ledger: the first and two retries declined (soft, soft... hard), one
    // retry skipped without an attempt, then paid with the new card.
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    let classes: Vec<(&str, Option<&str>)> = ledger
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["status"].as_str().unwrap(), a["decline_class"].as_str()))
        .collect();
    assert_eq!(
        classes,
        [("failed", Some("soft")), ("failed", Some("soft")), ("failed", Some("hard")), ("succeeded", None)],
        "{ledger}"
    );
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    let number = inv["number"].as_str().unwrap().to_string();

    // The charges: 1. Mahnung (day 14, 29.03.2026): interest 16.03.–29.03. = 14 days at
    // 1.27 + 9 = 10.27 % on EUR 34.51 -> 34.51 x 10.27 % x 14 / 365 = 0.13594... -> EUR 0.14, and the
    // flat fee of EUR 40.00; the late fee of EUR 5.00 (day 21); 2. Mahnung (day 28, 12.04.2026):
    // interest 30.03.–12.04. = 14 days -> EUR 0.14 again.
    let lines = charge_lines(&app, &invoice).await;
    let got: Vec<(i64, &str)> = lines.iter().map(|l| (l.1, l.2.as_str())).collect();
    assert_eq!(got, [(14, "O"), (4_000, "O"), (500, "O"), (14, "O")], "{lines:#?}");
    assert!(lines[0].3.contains("vom 16.03.2026 bis 29.03.2026 (Zinstage: 14,"), "{}", lines[0].3);
    assert_eq!(lines[2].3, format!("Mahngebühr zu Rechnung {number}"));

    // Every mail reaches a real SMTP server, in the customer's language.
    let sink = crate::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, start + Duration::days(61)).await.unwrap();
    let mails = sink.mails();
    let to_customer: Vec<&Value> =
        mails.iter().filter(|m| m["to"].as_str().unwrap().contains("einkauf@kunde.de")).collect();
    let subjects: Vec<&str> = to_customer.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    for expected in [
        format!("Zahlungserinnerung: Rechnung {number}"),
        format!("1. Mahnung: Rechnung {number}"),
        format!("Mahngebühr zu Rechnung {number}"),
        "Ihr Konto bei Merchant acme ist eingeschränkt".to_string(),
        format!("2. Mahnung: Rechnung {number}"),
    ] {
        assert_eq!(subjects.iter().filter(|s| **s == expected).count(), 1, "{expected} in {subjects:#?}");
    }
    assert!(!subjects.iter().any(|s| s.starts_with("Letzte Mahnung")), "{subjects:#?}");
    let first = to_customer.iter().find(|m| m["subject"].as_str().unwrap().starts_with("1. Mahnung")).unwrap();
    let text = spaces(first["text"].as_str().unwrap());
    assert!(text.contains("Verzugspauschale (§ 288 Abs. 5 BGB)") && text.contains("40,00"), "{text}");
    assert!(text.contains("Verzugszinsen 10,27 % p. a."), "{text}");
    // Every mail to the customer is German: not one English subject among them.
    assert!(!subjects.iter().any(|s| s.contains("Invoice") || s.contains("Reminder")), "{subjects:#?}");
}

#[tokio::test]
async fn late_fee_and_ladder_steps_with_bad_parameters_are_refused_with_codes_and_store_nothing() {
    let app = TestApp::spawn().await;
    let step = |fee: Value| json!({ "steps": [{ "day": 5, "action": "retry" }, { "day": 9, "action": "late_fee", "fee": fee }] });
    for (body, code, param) in [
        (step(json!({ "fixed": { "EUR": 0 } })), "invalid_late_fee", "steps[1].fee"),
        (step(json!({ "fixed": { "EUR": -500 } })), "invalid_late_fee", "steps[1].fee"),
        (step(json!({ "percent": "0" })), "invalid_late_fee", "steps[1].fee"),
        (step(json!({ "percent": "75" })), "invalid_late_fee", "steps[1].fee"),
        (step(json!({ "fixed": { "EUR": 500 }, "percent": "2" })), "invalid_late_fee", "steps[1].fee"),
        (step(json!({ "fixed": { "XYZ": 500 } })), "unknown_currency", "steps[1].fee.fixed"),
        (step(json!({ "fixed": { "eur": 500 } })), "unknown_currency", "steps[1].fee.fixed"),
        (json!({ "steps": [{ "day": 9, "action": "late_fee" }] }), "invalid_late_fee", "steps[0].fee"),
        (
            json!({ "steps": [{ "day": 9, "action": "restrict", "charges": true }] }),
            "invalid_request",
            "steps[0].charges",
        ),
        (json!({ "ladder": "fr" }), "invalid_request", "ladder"),
    ] {
        let (s, e) = put_policy(&app, body.clone()).await;
        assert_eq!(
            (s, e["error"]["code"].as_str(), e["error"]["param"].as_str()),
            (400, Some(code), Some(param)),
            "{body} -> {e}"
        );
        assert!(!e["error"]["message"].as_str().unwrap_or_default().is_empty(), "{e}");
    }
    let (_, p) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(p["default"], true, "nothing was stored: {p}");
    // A German caller reads the reason in German.
    let req = app
        .http
        .put(app.url("/api/v1/dunning_policy"))
        .header("Accept-Language", "de")
        .json(&step(json!({ "fixed": { "EUR": 0 } })));
    let (_, e) = app.send(req, &app.tenant.api_key).await;
    assert!(e["error"]["message"].as_str().unwrap().starts_with("Die Mahngebühr ist ungültig"), "{e}");

    // A good policy with every new action is stored and read back as written.
    let good = json!({ "steps": [
        { "day": 5, "action": "late_fee", "fee": { "percent": "2.5", "rounding": "half_even" } },
        { "day": 6, "action": "late_fee", "fee": { "fixed": { "EUR": 500, "USD": 600 } } },
        { "day": 10, "action": "restrict" },
        { "day": 20, "action": "pause_subscriptions" },
        { "day": 25, "action": "first_notice", "charges": false },
        { "day": 40, "action": "cancel_subscriptions" },
        { "day": 41, "action": "mark_uncollectible" }
    ]});
    let (s, p) = put_policy(&app, good.clone()).await;
    assert_eq!((s, p["ladder"].is_null()), (200, true), "{p}");
    assert_eq!(p["steps"], good["steps"]);
}

#[tokio::test]
async fn pausing_and_canceling_steps_use_the_lifecycle_and_a_percentage_fee_is_rounded_as_named() {
    let app = TestApp::spawn().await;
    let policy = json!({ "steps": [
        { "day": 1, "action": "late_fee", "fee": { "percent": "2.5", "rounding": "half_up" } },
        { "day": 2, "action": "pause_subscriptions" },
        { "day": 3, "action": "cancel_subscriptions" }
    ]});
    assert_eq!(put_policy(&app, policy).await.0, 200);
    let (customer, invoice) = app.invoiced_march_customer("late@example.com", "EUR").await;
    let id = invoice["id"].as_str().unwrap().to_string();
    let t0 = instant(&format!("{}T10:00:00Z", invoice["due_date"].as_str().unwrap()));
    app.clock.set(t0);
    let (s, _) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4000000000009995" }))
        .await;
    assert_eq!(s, 201);
    let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!(r["attempt"]["status"], "failed", "{r}");

    // 2.5 % of EUR 29.00 (a US customer: no VAT) = 0.725 -> half up -> EUR 0.73.
    run_on(&app, t0, 1).await;
    let lines = charge_lines(&app, &id).await;
    assert_eq!(lines.iter().map(|l| l.1).collect::<Vec<_>>(), [73], "{lines:?}");
    assert!(lines[0].3.contains("2.5%"), "{}", lines[0].3);

    let url = format!("/api/v1/subscriptions?customer={customer}");
    assert_eq!(run_on(&app, t0, 2).await.paused, 1);
    assert_eq!(app.get(&url).await.1["data"][0]["status"], "paused");
    assert_eq!(run_on(&app, t0, 3).await.canceled, 1);
    assert_eq!(app.get(&url).await.1["data"][0]["status"], "canceled");
    let topics: Vec<String> = sqlx::query_scalar(
        "SELECT topic FROM outbox WHERE topic IN ('subscription.paused', 'subscription.canceled') ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(topics, ["subscription.paused", "subscription.canceled"], "the lifecycle's own events");
    let steps: Vec<(String, String)> = sqlx::query_as(
        "SELECT payload->>'action', payload->>'outcome' FROM outbox WHERE topic = 'dunning.step' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let steps: Vec<(&str, &str)> = steps.iter().map(|(a, o)| (a.as_str(), o.as_str())).collect();
    assert_eq!(steps, [("late_fee", "done"), ("pause_subscriptions", "done"), ("cancel_subscriptions", "done")]);
    assert_eq!(run_on(&app, t0, 9).await.canceled, 0, "each step once");
}

#[tokio::test]
async fn a_restricted_customer_cannot_change_plans_in_the_portal_or_the_api_until_the_invoice_is_paid() {
    let app = TestApp::spawn().await;
    assert_eq!(put_policy(&app, json!({ "steps": [{ "day": 1, "action": "restrict" }] })).await.0, 200);
    let (customer, invoice) = app.invoiced_march_customer("late@example.com", "EUR").await;
    let id = invoice["id"].as_str().unwrap().to_string();
    let sub = invoice["subscription"].as_str().unwrap().to_string();
    let t0 = instant(&format!("{}T10:00:00Z", invoice["due_date"].as_str().unwrap()));
    app.clock.set(t0);
    let (s, _) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4000000000009995" }))
        .await;
    assert_eq!(s, 201);
    let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!(r["attempt"]["status"], "failed", "{r}");
    assert_eq!(run_on(&app, t0, 1).await.restricted, 1);
    app.clock.set(t0 + Duration::days(1));
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(
        (c["account_restricted"].as_bool(), c["dunning"]["restricted"].as_bool()),
        (Some(true), Some(true)),
        "{c}"
    );

    // The portal refuses the change with the localized message, and nothing changes.
    let mut b = crate::portal::Browser::new(&app);
    b.sign_in("acme", "late@example.com").await;
    let form = b.get(&format!("/p/acme/subscriptions/{sub}/change")).await;
    let ev = form.field("ev");
    let preview = b.get(&format!("/p/acme/subscriptions/{sub}/change?ev={ev}&plan=pro&quantity=2")).await;
    assert_eq!(preview.status, 200, "a preview changes nothing and is allowed: {}", preview.body);
    let (csrf, nonce) = (preview.field("csrf"), preview.field("nonce"));
    let fields =
        [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("ev", ev.as_str()), ("plan", "pro"), ("quantity", "2")];
    let refused = b.post(&format!("/p/acme/subscriptions/{sub}/change"), &fields).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("Your account is restricted because invoices are overdue"), "{}", refused.body);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(s["quantity"], 1);

    // Paid: the restriction is lifted at once, and the same change goes through.
    let (s, _) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 201);
    let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!(r["attempt"]["status"], "succeeded", "{r}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["account_restricted"], false, "{c}");
    let (s, changed) = app.post(&format!("/api/v1/subscriptions/{sub}/change"), json!({ "quantity": 2 })).await;
    assert_eq!(s, 200, "{changed}");
}
