//! Staff acting on behalf of a customer in the console, watching an invoice run and the job runs,
//! and metered revenue in the metrics (issue 14, docs/issue-14-checklist.md), over real HTTP
//! against a real PostgreSQL, the way a finance user works: sign in, open the customer, fill the
//! form, read the review, confirm (twice, as a double click does).
//!
//! - A plan change's review shows the engine's preview, VAT included, and the proration invoice
//!   then bills exactly those amounts.
//! - A coupon is checked before the review (an unknown code is a form error) and the next
//!   invoice carries its discount.
//! - Void, mark paid by bank transfer (the dunning stops; one receipt for two submissions; a
//!   reference already recorded for another payment is refused) and a card refund (never more
//!   than was paid, checked before the review; a second submission refunds nothing more).
//! - Each writes an audit line with before and after in minor units; support is refused each
//!   money-moving action, and each refusal is audited.
//! - A running invoice run's page shows how far it has got and refreshes itself without
//!   JavaScript; finished, it stops refreshing and shows the totals.
//! - The job runs page lists a job run by name with its result, the merchant's own only.
//! - Metered revenue is shown apart from MRR, per currency, equal to the figure computed by hand.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use billing_core::currency::Currency;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions, RunProgress};
use billing_core::money::Money;
use billing_tests::{TestApp, create_catalog, create_tenant, instant};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::console::{Browser, Page, signed_in, staff};

/// An amount as the console shows it in English.
fn eur(minor: i64) -> String {
    portal_web::i18n::format::money(Money::from_minor(minor, Currency::EUR), portal_web::i18n::Locale::En)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The audit lines of one action, oldest first: (outcome, actor, reason, before, after).
type AuditLine = (String, String, Option<String>, Option<Value>, Option<Value>);

async fn audit_of(app: &TestApp, action: &str) -> Vec<AuditLine> {
    sqlx::query_as("SELECT outcome, actor, reason, before, after FROM staff_audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// The cells of each body row of the table `id`, tags stripped.
fn table_rows(body: &str, id: &str) -> Vec<Vec<String>> {
    let Some(table) = body.split(&format!("id=\"{id}\"")).nth(1) else { return vec![] };
    let table = table.split("</table>").next().unwrap();
    let tbody = table.split("<tbody>").nth(1).unwrap_or("");
    tbody
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').unwrap() + 1..];
                    let inner = &inner[..inner.find("</td>").unwrap()];
                    let mut text = String::new();
                    let mut in_tag = false;
                    for ch in inner.chars() {
                        match ch {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text.trim().to_string()
                })
                .collect()
        })
        .collect()
}

/// The value of the input with `id` in a page.
fn input_value(body: &str, id: &str) -> String {
    let input = body.split(&format!("id=\"{id}\"")).nth(1).unwrap_or_else(|| panic!("no input {id} in {body}"));
    let input = input.split('>').next().unwrap();
    input.split("value=\"").nth(1).map(|v| v.split('"').next().unwrap().to_string()).unwrap_or_default()
}

/// An action's form, then its review with `fields`: (the review page, the fields its confirm
/// form posts, with the review's once-only nonce).
async fn review(
    b: &mut Browser<'_>,
    customer: &str,
    action: &str,
    query: &str,
    fields: &[(&str, &str)],
) -> (Page, Vec<(String, String)>) {
    let path = format!("/c/acme/customers/{customer}/actions/{action}");
    let form = b.get(&format!("{path}?{query}")).await;
    assert_eq!(form.status, 200, "{action}: {}", form.body);
    let csrf = form.field("csrf");
    let mut posted = vec![("csrf", csrf.as_str()), ("step", "review")];
    posted.extend_from_slice(fields);
    let page = b.post(&path, &posted).await;
    if page.status != 200 {
        return (page, vec![]);
    }
    let nonce = page.field("nonce");
    let mut confirm =
        vec![("csrf".to_string(), csrf.clone()), ("nonce".into(), nonce), ("step".into(), "confirm".into())];
    confirm.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    (page, confirm)
}

/// Posts a confirm form; the answer.
async fn confirm(b: &mut Browser<'_>, customer: &str, action: &str, fields: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(&format!("/c/acme/customers/{customer}/actions/{action}"), &pairs).await
}

/// Confirms twice, as a double click does: both lead to the same page.
async fn confirm_twice(b: &mut Browser<'_>, customer: &str, action: &str, fields: &[(String, String)]) -> Page {
    let first = confirm(b, customer, action, fields).await;
    assert_eq!(first.status, 303, "{action}: {}", first.body);
    let second = confirm(b, customer, action, fields).await;
    assert_eq!((second.status, &second.location), (303, &first.location), "{action}: a repeat leads to the first");
    first
}

async fn customer(app: &TestApp, email: &str, country: &str, currency: &str) -> String {
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": email, "name": email.split('@').next().unwrap(), "country": country, "currency": currency }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn subscribe(app: &TestApp, customer: &str, plan: &str, start: &str) -> String {
    let (s, sub) =
        app.post("/api/v1/subscriptions", json!({ "customer": customer, "plan": plan, "start_date": start })).await;
    assert_eq!(s, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

/// The real invoice run of the tenant for `as_of`, run at 09:00 UTC that day.
async fn run_invoices(app: &TestApp, as_of: &str) -> u64 {
    let now = instant(&format!("{as_of}T09:00:00Z"));
    invoice_run::run(&app.db.pool, &RunOptions::new(day(as_of)), now, &NoProgress).await.unwrap().invoices
}

async fn invoices_of(app: &TestApp, sub: &str) -> Vec<Value> {
    let (s, list) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    assert_eq!(s, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn invoice(app: &TestApp, id: &str) -> Value {
    let (s, inv) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(s, 200, "{inv}");
    inv
}

#[tokio::test]
async fn a_plan_change_bills_exactly_the_preview_the_review_showed_vat_included() {
    let app = TestApp::spawn().await;
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "premium", "name": "Premium", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 5900 }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    // A consumer in Germany (19 % VAT) on pro (29.00 a month) from 1 March, invoiced for March.
    let c = customer(&app, "kundin@example.com", "DE", "EUR").await;
    let sub = subscribe(&app, &c, "pro", "2026-03-01").await;
    assert_eq!(run_invoices(&app, "2026-03-01").await, 1);
    app.clock.set(instant("2026-03-16T09:00:00Z"));
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{c}")).await;
    assert!(page.body.contains(&format!("actions/change-plan?subscription={sub}")), "{}", page.body);

    // Upgraded on 16 March: the 16 days left of March's 31 are prorated by the day.
    //   credit  −29.00 × 16/31 = −14.9677 → −14.97
    //   charge   59.00 × 16/31 =  30.4516 →  30.45
    //   net      15.48; VAT 19 % of 15.48 = 2.9412 → 2.94; charged now 18.42
    let fields = [("subscription", sub.as_str()), ("plan", "premium"), ("quantity", "1"), ("reason", "Asked by phone")];
    let (page, confirm_fields) = review(&mut fin, &c, "change-plan", &format!("subscription={sub}"), &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let facts = page.body.split("id=\"review\"").nth(1).unwrap().split("</dl>").next().unwrap().to_string();
    for amount in [-1497, 3045, 1548, 294, 1842] {
        assert!(facts.contains(&format!("<dd>{}</dd>", eur(amount))), "{} in the review: {facts}", eur(amount));
    }
    assert!(facts.contains(&format!("Charged now</dt><dd>{}</dd>", eur(1842))), "the gross is charged: {facts}");
    assert!(facts.contains("<dd>Premium × 1</dd>"), "the new terms by the plan's name, not the code typed: {facts}");
    assert_eq!(app.count("invoices WHERE kind = 'proration'").await, 0, "the review changes nothing");

    confirm_twice(&mut fin, &c, "change-plan", &confirm_fields).await;
    let docs = invoices_of(&app, &sub).await;
    let prorations: Vec<&Value> = docs.iter().filter(|i| i["kind"] == "proration").collect();
    assert_eq!(prorations.len(), 1, "one document for two submissions: {docs:?}");
    let doc = prorations[0];
    let lines: Vec<i64> = doc["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_i64().unwrap()).collect();
    assert_eq!(lines, [-1497, 3045], "{doc}");
    assert_eq!(
        (doc["subtotal"].as_i64(), doc["tax"].as_i64(), doc["total"].as_i64(), doc["status"].as_str()),
        (Some(1548), Some(294), Some(1842), Some("open")),
        "the invoice bills what the review showed: {doc}"
    );
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(s["plan_name"], "Premium", "{s}");

    let lines = audit_of(&app, "customer.change_plan").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (outcome, actor, reason, before, after) = &lines[0];
    assert_eq!(
        (outcome.as_str(), actor.as_str(), reason.as_deref()),
        ("done", "staff:fin@example.com", Some("Asked by phone"))
    );
    assert_eq!(before.as_ref().unwrap()["plan"], "PRO");
    assert_eq!(after.as_ref().unwrap()["plan"], "Premium");
    assert_eq!(after.as_ref().unwrap()["document"], doc["number"], "the audit names the invoice it issued");
}

#[tokio::test]
async fn a_coupon_is_checked_before_the_review_and_the_next_invoice_carries_its_discount() {
    let app = TestApp::spawn().await;
    let (c, march) = app.invoiced_march_customer("coupon@example.com", "EUR").await;
    let sub = march["subscription"].as_str().unwrap().to_string();
    let (s, coupon) =
        app.post("/api/v1/coupons", json!({ "code": "TWENTY", "percent_off": "20", "duration": "forever" })).await;
    assert_eq!(s, 201, "{coupon}");
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let query = format!("subscription={sub}");

    // An unknown code is a form error in the page's language, and nothing is redeemed.
    let typo = [("subscription", sub.as_str()), ("code", "TWENTYY"), ("reason", "Loyalty")];
    let (page, _) = review(&mut fin, &c, "apply-coupon", &query, &typo).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("There is no coupon with the code TWENTYY."), "{}", page.body);
    assert!(page.body.contains("name=\"code\" value=\"TWENTYY\""), "the form keeps what was typed");

    let fields = [("subscription", sub.as_str()), ("code", "TWENTY"), ("reason", "Loyalty")];
    let (page, confirm_fields) = review(&mut fin, &c, "apply-coupon", &query, &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<dd>TWENTY</dd>"), "{}", page.body);
    assert_eq!(app.count("subscription_discounts").await, 0, "the review changes nothing");
    confirm_twice(&mut fin, &c, "apply-coupon", &confirm_fields).await;
    assert_eq!(app.count("subscription_discounts").await, 1, "redeemed once for two submissions");
    let redeemed: i32 = sqlx::query_scalar("SELECT times_redeemed FROM coupons WHERE code = 'TWENTY'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(redeemed, 1);

    // A second coupon on the same subscription: refused at the review, nothing changes.
    let (s, _) = app.post("/api/v1/coupons", json!({ "code": "TEN", "percent_off": "10", "duration": "once" })).await;
    assert_eq!(s, 201);
    let second = [("subscription", sub.as_str()), ("code", "TEN"), ("reason", "Again")];
    let (page, _) = review(&mut fin, &c, "apply-coupon", &query, &second).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("id=\"action-error\""), "{}", page.body);
    assert_eq!(app.count("subscription_discounts").await, 1);

    // April's invoice: 29.00 less 20 % = 23.20 (March, invoiced before, keeps its price).
    app.clock.set(instant("2026-04-01T09:00:00Z"));
    assert_eq!(run_invoices(&app, "2026-04-01").await, 1);
    let docs = invoices_of(&app, &sub).await;
    let april = docs.iter().find(|i| i["period_start"] == "2026-04-01").expect("April's invoice");
    assert_eq!(
        (april["subtotal"].as_i64(), april["discount"].as_i64(), april["total"].as_i64()),
        (Some(2900), Some(580), Some(2320)),
        "{april}"
    );
    let march = docs.iter().find(|i| i["period_start"] == "2026-03-01").unwrap();
    assert_eq!((march["discount"].as_i64(), march["total"].as_i64()), (Some(0), Some(2900)));
    // Two weeks on, the session has ended: signed in again.
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{c}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&eur(2320)), "the customer page shows April's total: {}", page.body);

    let lines = audit_of(&app, "customer.apply_coupon").await;
    let done: Vec<&AuditLine> = lines.iter().filter(|l| l.0 == "done").collect();
    assert_eq!(done.len(), 1, "{lines:?}");
    let (_, actor, reason, before, after) = done[0];
    assert_eq!((actor.as_str(), reason.as_deref()), ("staff:fin@example.com", Some("Loyalty")));
    assert_eq!(before.as_ref().unwrap()["coupon"], Value::Null);
    assert_eq!(after.as_ref().unwrap()["coupon"], "TWENTY");
    assert_eq!(after.as_ref().unwrap()["from"], "2026-04-01", "from the next period on");
}

#[tokio::test]
async fn an_open_invoice_is_voided_once_with_its_amounts_before_and_after() {
    let app = TestApp::spawn().await;
    let (c, inv) = app.invoiced_march_customer("void@example.com", "EUR").await;
    let (id, number) = (inv["id"].as_str().unwrap().to_string(), inv["number"].as_str().unwrap().to_string());
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{c}")).await;
    assert!(page.body.contains(&format!("actions/void?invoice={id}")), "{}", page.body);
    let fields = [("invoice", id.as_str()), ("reason", "Issued by mistake")];
    let (page, confirm_fields) = review(&mut fin, &c, "void", &format!("invoice={id}"), &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&number) && page.body.contains(&eur(2900)), "{}", page.body);
    assert_eq!(invoice(&app, &id).await["status"], "open", "the review changes nothing");
    let done = confirm_twice(&mut fin, &c, "void", &confirm_fields).await;
    let after = invoice(&app, &id).await;
    assert_eq!(after["status"], "void", "{after}");
    assert_eq!(
        (after["amount_due"].as_i64(), after["total"].as_i64()),
        (Some(0), Some(2900)),
        "nothing is due on a void invoice"
    );
    let page = fin.get(done.location.as_deref().unwrap()).await;
    assert!(page.body.contains("The invoice has been voided."), "{}", page.body);
    assert!(!page.body.contains(&format!("actions/void?invoice={id}")), "a void invoice offers no void");

    let lines = audit_of(&app, "customer.void").await;
    assert_eq!(lines.len(), 1, "one line for two submissions: {lines:?}");
    let (outcome, _, reason, before, after) = &lines[0];
    assert_eq!((outcome.as_str(), reason.as_deref()), ("done", Some("Issued by mistake")));
    let (before, after) = (before.as_ref().unwrap(), after.as_ref().unwrap());
    assert_eq!(
        (before["status"].as_str(), before["total"].as_i64(), before["number"].as_str()),
        (Some("open"), Some(2900), Some(number.as_str()))
    );
    assert_eq!(after["status"], "void");
}

#[tokio::test]
async fn a_bank_transfer_marked_paid_stops_the_dunning_and_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (c, id, _) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let (other, other_id, t0) = app.declined_march_customer("also-late@example.com", "4000000000009995").await;
    let (_, before) = app.get(&format!("/api/v1/customers/{c}")).await;
    assert!(!before["dunning"].is_null(), "in dunning after the decline: {before}");
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{c}")).await;
    assert!(page.body.contains(&format!("actions/mark-paid?invoice={id}")), "{}", page.body);
    let form = fin.get(&format!("/c/acme/customers/{c}/actions/mark-paid?invoice={id}")).await;
    let due = input_value(&form.body, "amount");
    assert_eq!(due.replace(',', "."), "29.00", "the form offers the amount due");
    let fields = [
        ("invoice", id.as_str()),
        ("amount", due.as_str()),
        ("reference", "SEPA-2026-0042"),
        ("reason", "Transfer arrived"),
    ];
    let (page, confirm_fields) = review(&mut fin, &c, "mark-paid", &format!("invoice={id}"), &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&eur(2900)) && page.body.contains("SEPA-2026-0042"), "{}", page.body);
    assert_eq!(app.count("invoice_payments").await, 0, "the review changes nothing");
    confirm_twice(&mut fin, &c, "mark-paid", &confirm_fields).await;

    let receipts: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT amount, source, reference FROM invoice_payments").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(
        receipts,
        [(2900, "manual".to_string(), "SEPA-2026-0042".to_string())],
        "one receipt, under the bank's reference"
    );
    let paid = invoice(&app, &id).await;
    assert_eq!(
        (paid["status"].as_str(), paid["amount_paid"].as_i64(), paid["amount_due"].as_i64()),
        (Some("paid"), Some(2900), Some(0))
    );
    let (_, after) = app.get(&format!("/api/v1/customers/{c}")).await;
    assert!(after["dunning"].is_null(), "the dunning has stopped: {after}");

    // The dunning job three and seven days on acts on the other customer's invoice only.
    for n in [3, 7] {
        let now = t0 + Duration::days(n);
        let s = billing_core::service::dunning::run(&app.db.pool, app.gateways.as_ref(), now, Some(now.date_naive()))
            .await
            .unwrap();
        assert_eq!(s.invoices, 1, "day {n}: {s:?}");
    }
    assert_eq!(app.payment_attempts(&id).await.len(), 1, "no retry of a paid invoice");
    assert!(app.payment_attempts(&other_id).await.len() > 1, "the unpaid one is retried");

    // The same reference for another invoice is another payment's: refused, nothing recorded.
    let fields = [
        ("invoice", other_id.as_str()),
        ("amount", "29.00"),
        ("reference", "SEPA-2026-0042"),
        ("reason", "Transfer arrived"),
    ];
    let (page, confirm_fields) = review(&mut fin, &other, "mark-paid", &format!("invoice={other_id}"), &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let refused = confirm(&mut fin, &other, "mark-paid", &confirm_fields).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("This reference is already recorded for another payment"), "{}", refused.body);
    assert_eq!(invoice(&app, &other_id).await["amount_paid"], 0);
    assert_eq!(app.count("invoice_payments").await, 1);

    let lines = audit_of(&app, "customer.mark_paid").await;
    let summary: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(summary, ["done", "failed"], "{lines:?}");
    let (_, actor, reason, before, after) = &lines[0];
    assert_eq!((actor.as_str(), reason.as_deref()), ("staff:fin@example.com", Some("Transfer arrived")));
    let (before, after) = (before.as_ref().unwrap(), after.as_ref().unwrap());
    assert_eq!((before["status"].as_str(), before["amount_paid"].as_i64()), (Some("open"), Some(0)));
    assert_eq!((after["status"].as_str(), after["amount_paid"].as_i64()), (Some("paid"), Some(2900)));
    assert_eq!(
        (after["receipt"]["amount"].as_i64(), after["receipt"]["reference"].as_str()),
        (Some(2900), Some("SEPA-2026-0042"))
    );
}

#[tokio::test]
async fn a_card_payment_is_refunded_never_beyond_what_was_paid_and_a_repeat_refunds_nothing() {
    let app = TestApp::spawn().await;
    let (c, inv) = app.invoiced_march_customer("refund@example.com", "EUR").await;
    let id = inv["id"].as_str().unwrap().to_string();
    let (s, pm) =
        app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4242424242424242" })).await;
    assert_eq!(s, 201, "{pm}");
    let (s, paid) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, paid["invoice_status"].as_str()), (200, Some("paid")), "{paid}");
    let account: uuid::Uuid =
        pm["gateway_account"].as_str().unwrap().parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid();
    let sandbox = app.gateways.sandbox(account).unwrap();
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{c}")).await;
    assert!(page.body.contains(&format!("actions/refund?invoice={id}")), "{}", page.body);
    let query = format!("invoice={id}");

    // More than was paid: said at the review, in the invoice's currency.
    let too_much = [("invoice", id.as_str()), ("amount", "30.00"), ("reason", "Goodwill")];
    let (page, _) = review(&mut fin, &c, "refund", &query, &too_much).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains(&format!("At most {} can be refunded on this invoice.", eur(2900))), "{}", page.body);

    let part = [("invoice", id.as_str()), ("amount", "12.50"), ("reason", "Goodwill")];
    let (page, confirm_fields) = review(&mut fin, &c, "refund", &query, &part).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&eur(1250)), "{}", page.body);
    assert_eq!(app.count("payment_refunds").await, 0, "the review changes nothing");
    let done = confirm_twice(&mut fin, &c, "refund", &confirm_fields).await;
    let refunds: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, amount FROM payment_refunds ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(refunds, [("succeeded".to_string(), 1250)], "refunded once for two submissions");
    assert_eq!(invoice(&app, &id).await["amount_refunded"], 1250);
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap().minor(), 1650, "the provider kept 16.50");
    let page = fin.get(done.location.as_deref().unwrap()).await;
    assert!(page.body.contains("The refund has been started."), "{}", page.body);

    // The rest (no amount: all that is left), then nothing is left.
    let rest = [("invoice", id.as_str()), ("reason", "Cancelled order")];
    let (page, confirm_fields) = review(&mut fin, &c, "refund", &query, &rest).await;
    assert_eq!(page.status, 200, "{}", page.body);
    confirm_twice(&mut fin, &c, "refund", &confirm_fields).await;
    assert_eq!(invoice(&app, &id).await["amount_refunded"], 2900);
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap().minor(), 0);
    let more = [("invoice", id.as_str()), ("amount", "0.01"), ("reason", "Once more")];
    let form = fin.get(&format!("/c/acme/customers/{c}/actions/refund?{query}")).await;
    let csrf = form.field("csrf");
    let mut posted = vec![("csrf", csrf.as_str()), ("step", "review")];
    posted.extend_from_slice(&more);
    let page = fin.post(&format!("/c/acme/customers/{c}/actions/refund"), &posted).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains(&format!("At most {} can be refunded", eur(0))), "{}", page.body);
    assert_eq!(app.count("payment_refunds").await, 2);

    let lines = audit_of(&app, "customer.refund").await;
    assert_eq!(lines.len(), 2, "one line per refund: {lines:?}");
    let (outcome, actor, reason, before, after) = &lines[0];
    assert_eq!(
        (outcome.as_str(), actor.as_str(), reason.as_deref()),
        ("done", "staff:fin@example.com", Some("Goodwill"))
    );
    let (before, after) = (before.as_ref().unwrap(), after.as_ref().unwrap());
    assert_eq!((before["amount_paid"].as_i64(), before["amount_refunded"].as_i64()), (Some(2900), Some(0)));
    assert_eq!(after["amount_refunded"], 1250);
    assert_eq!(
        (after["refunds"][0]["amount"].as_i64(), after["refunds"][0]["status"].as_str()),
        (Some(1250), Some("succeeded"))
    );
    assert_eq!(lines[1].4.as_ref().unwrap()["amount_refunded"], 2900);
}

#[tokio::test]
async fn support_is_refused_every_money_moving_action_and_each_refusal_is_audited() {
    let app = TestApp::spawn().await;
    let (c, inv) = app.invoiced_march_customer("held@example.com", "EUR").await;
    let id = inv["id"].as_str().unwrap().to_string();
    let sub = inv["subscription"].as_str().unwrap().to_string();
    let (s, _) =
        app.post("/api/v1/coupons", json!({ "code": "TWENTY", "percent_off": "20", "duration": "forever" })).await;
    assert_eq!(s, 201);
    staff(&app, "help@example.com", "support").await;
    let mut support = signed_in(&app, "help@example.com").await;
    let page = support.get(&format!("/c/acme/customers/{c}")).await;
    assert_eq!(page.status, 200);
    let csrf = page.field("csrf");
    let nonce = "c".repeat(64);
    for (action, target, fields) in [
        ("void", format!("invoice={id}"), vec![("invoice", id.as_str())]),
        ("mark-paid", format!("invoice={id}"), vec![("invoice", id.as_str()), ("amount", "29.00")]),
        ("refund", format!("invoice={id}"), vec![("invoice", id.as_str())]),
        ("change-plan", format!("subscription={sub}"), vec![("subscription", sub.as_str()), ("plan", "yearly")]),
        ("apply-coupon", format!("subscription={sub}"), vec![("subscription", sub.as_str()), ("code", "TWENTY")]),
    ] {
        assert!(!page.body.contains(&format!("actions/{action}?")), "{action} is not offered to support");
        let path = format!("/c/acme/customers/{c}/actions/{action}");
        let form = support.get(&format!("{path}?{target}")).await;
        assert_eq!(form.status, 403, "{action}");
        assert!(form.body.contains("Your role does not allow this action"), "{}", form.body);
        let mut posted =
            vec![("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("step", "confirm"), ("reason", "asked")];
        posted.extend(fields);
        assert_eq!(support.post(&path, &posted).await.status, 403, "{action}");
        let audit_name = format!("customer.{}", action.replace('-', "_"));
        let lines = audit_of(&app, &audit_name).await;
        let refused: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(refused, ["refused", "refused"], "{action}: {lines:?}");
        assert!(lines.iter().all(|l| l.1 == "staff:help@example.com"));
    }
    let after = invoice(&app, &id).await;
    assert_eq!((after["status"].as_str(), after["amount_paid"].as_i64()), (Some("open"), Some(0)), "nothing moved");
    assert_eq!(app.count("invoice_payments").await, 0);
    assert_eq!(app.count("subscription_discounts").await, 0);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(s["plan_name"], "PRO");
}

/// Progress that lets the first chunk of a run through and holds the run in the second (before
/// that chunk commits) until the test lets it go.
struct Gate {
    calls: AtomicUsize,
    reached: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl RunProgress for Gate {
    fn advance(&self, _subscriptions: u64) {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 1 {
            if let Some(reached) = self.reached.lock().unwrap().take() {
                reached.send(()).unwrap();
            }
            self.release.lock().unwrap().recv().ok();
        }
    }
}

#[tokio::test]
async fn a_running_invoice_run_shows_its_progress_and_refreshes_itself_until_it_is_done() {
    let app = TestApp::spawn().await;
    for n in 1..=3 {
        let c = customer(&app, &format!("run{n}@example.com"), "US", "EUR").await;
        subscribe(&app, &c, "pro", "2026-03-01").await;
    }
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;

    // The scheduler's run for 1 March, a subscription per chunk, on a thread and a pool of its own.
    let (reached_tx, reached_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let (url, tenant) = (app.db.url.clone(), app.tenant.id);
    let run = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
            let gate = Gate {
                calls: AtomicUsize::new(0),
                reached: Mutex::new(Some(reached_tx)),
                release: Mutex::new(release_rx),
            };
            let mut opts = RunOptions::new(day("2026-03-01"));
            opts.tenant = Some(tenant);
            opts.chunk_size = 1;
            opts.workers = 1;
            opts.triggered_by = "scheduler".into();
            invoice_run::run(&pool, &opts, instant("2026-03-01T09:00:00Z"), &gate).await.map(|s| s.invoices)
        })
    });
    tokio::task::spawn_blocking(move || reached_rx.recv_timeout(std::time::Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the run reaches its second chunk");

    let run_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM invoice_runs WHERE status = 'running'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let path = format!("/c/acme/runs/{}", billing_core::ids::InvoiceRunId(run_id));
    let list = fin.get("/c/acme/runs").await;
    assert!(list.body.contains(&path), "the run is listed while it runs: {}", list.body);
    let running = fin.get(&path).await;
    assert_eq!(running.status, 200, "{}", running.body);
    assert!(
        running.body.contains("<meta http-equiv=\"refresh\" content=\"5\">"),
        "it refreshes itself: {}",
        running.body
    );
    assert!(running.body.contains("id=\"run-status\">Running</dd>"), "{}", running.body);
    assert!(running.body.contains("id=\"run-invoices\">1</dd>"), "one chunk is committed: {}", running.body);
    assert!(running.body.contains("<progress id=\"run-progress\" max=\"3\" value=\"1\""), "{}", running.body);
    assert!(running.body.contains("1 of 3 subscriptions looked at"), "{}", running.body);
    assert!(running.body.contains("This page refreshes itself until the run is finished."));

    release_tx.send(()).unwrap();
    let invoiced = tokio::task::spawn_blocking(move || run.join().unwrap()).await.unwrap().unwrap();
    assert_eq!(invoiced, 3);
    let done = fin.get(&path).await;
    assert_eq!(done.status, 200);
    assert!(!done.body.contains("http-equiv=\"refresh\""), "a finished run stops refreshing: {}", done.body);
    assert!(!done.body.contains("<progress"), "{}", done.body);
    assert!(done.body.contains("id=\"run-status\">Finished</dd>"), "{}", done.body);
    assert!(done.body.contains("id=\"run-invoices\">3</dd>"), "{}", done.body);
    let totals = table_rows(&done.body, "totals-currency");
    assert_eq!(totals, [vec!["EUR".to_string(), "3".into(), eur(8700), eur(0), eur(8700)]], "{}", done.body);
}

/// `billing jobs run ...` on the test's database; whether it succeeded.
fn billing_job(app: &TestApp, args: &[&str]) -> bool {
    let out = std::process::Command::new(billing_tests::billing_binary())
        .args(["jobs", "run"])
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING_LOG", "warn")
        .output()
        .unwrap();
    out.status.success()
}

#[tokio::test]
async fn the_jobs_page_lists_each_job_run_with_its_result_and_only_the_merchants_own() {
    let app = TestApp::spawn().await;
    for n in 1..=2 {
        let c = customer(&app, &format!("job{n}@example.com"), "US", "EUR").await;
        subscribe(&app, &c, "pro", "2026-03-01").await;
    }
    // Another merchant with one subscription: its run is not acme's business.
    let now = instant("2026-03-01T09:00:00Z");
    let other = create_tenant(&app.db.pool, "other", now).await;
    create_catalog(&app.db.pool, other.id, now).await;
    let (s, theirs) = app
        .send(
            app.http.post(app.url("/api/v1/customers")).json(&json!({
                "email": "theirs@example.com", "name": "Theirs", "country": "US", "currency": "EUR"
            })),
            &other.api_key,
        )
        .await;
    assert_eq!(s, 201, "{theirs}");
    let (s, sub) = app
        .send(
            app.http.post(app.url("/api/v1/subscriptions")).json(&json!({
                "customer": theirs["id"], "plan": "pro", "start_date": "2026-03-01"
            })),
            &other.api_key,
        )
        .await;
    assert_eq!(s, 201, "{sub}");

    assert!(billing_job(&app, &["invoice-run", "--as-of", "2026-03-01"]), "the invoice run job");
    assert!(!billing_job(&app, &["invoice-run", "--as-of", "9999-12-31", "--tenant", "acme"]), "a run far ahead fails");
    assert!(billing_job(&app, &["dunning", "--as-of", "2026-03-20"]), "the dunning job");
    assert_eq!(app.count("job_runs").await, 4, "acme's two runs, other's run and the dunning run");

    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get("/c/acme/jobs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Job, triggered by, started, finished, done, failed, error.
    let rows = table_rows(&page.body, "jobs");
    assert_eq!(rows.len(), 3, "acme's runs and the run over all merchants, not other's: {rows:?}");
    let invoice_runs: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "invoice-run").collect();
    assert_eq!(invoice_runs.len(), 2, "{rows:?}");
    let ok = invoice_runs.iter().find(|r| r[6].is_empty()).expect("the run that worked");
    assert_eq!(
        (ok[1].as_str(), ok[4].as_str(), ok[5].as_str()),
        ("cli", "2", "0"),
        "two invoices, none skipped: {rows:?}"
    );
    assert!(!ok[3].is_empty(), "it finished: {rows:?}");
    let failed = invoice_runs.iter().find(|r| !r[6].is_empty()).expect("the run that failed");
    assert!(failed[6].contains("9999-12-31"), "its error says why: {rows:?}");
    assert_eq!(failed[4], "0");
    let dunning = rows.iter().find(|r| r[0] == "dunning").expect("the dunning run");
    assert_eq!((dunning[4].as_str(), dunning[5].as_str()), ("—", "—"), "counts over all merchants are not shown");
    assert!(!dunning[3].is_empty(), "it finished: {rows:?}");
}

#[tokio::test]
async fn metered_revenue_is_shown_apart_from_mrr_per_currency_as_computed_by_hand() {
    let app = TestApp::spawn().await;
    let package = |currency: &str, block: i64| {
        json!({ "currency": currency, "pricing": { "model": { "type": "package", "block_size": "100",
            "block_price": { "amount": block, "currency": currency } }, "minimum_charge": null } })
    };
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "api", "name": "API", "interval": { "unit": "month", "count": 1 },
                    "usage": { "metric": "api_calls", "aggregation": "sum" },
                    "prices": [package("EUR", 1000), package("USD", 1100)] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    app.clock.set(instant("2026-02-01T09:00:00Z"));
    // M: a consumer in Germany on the metered plan (VAT on top, not revenue); P: pro at 29.00;
    // U: a USD customer on the metered plan only.
    let m = customer(&app, "m@example.com", "DE", "EUR").await;
    let m_sub = subscribe(&app, &m, "api", "2026-02-01").await;
    let p = customer(&app, "p@example.com", "US", "EUR").await;
    subscribe(&app, &p, "pro", "2026-02-01").await;
    let u = customer(&app, "u@example.com", "US", "USD").await;
    let u_sub = subscribe(&app, &u, "api", "2026-02-01").await;
    let usage = |sub: &str, id: &str, ts: &str, value: &str| json!({ "subscription": sub, "event_id": id, "timestamp": ts, "value": value });
    app.clock.set(instant("2026-02-21T09:00:00Z"));
    let (s, r) = app
        .post(
            "/api/v1/usage_events/batch",
            json!({ "events": [
                usage(&m_sub, "m1", "2026-02-03T10:00:00Z", "120"),
                usage(&m_sub, "m2", "2026-02-20T10:00:00Z", "130"),
                usage(&u_sub, "u1", "2026-02-10T10:00:00Z", "50"),
            ] }),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    run_invoices(&app, "2026-02-01").await;
    run_invoices(&app, "2026-03-01").await;
    app.clock.set(instant("2026-03-20T09:00:00Z"));
    let (s, r) = app.post("/api/v1/usage_events", usage(&m_sub, "m3", "2026-03-05T10:00:00Z", "120")).await;
    assert_eq!(s, 201, "{r}");
    run_invoices(&app, "2026-04-01").await;
    app.clock.set(instant("2026-05-01T09:00:00Z"));

    // By hand: February's usage is invoiced on 1 March (in arrears), March's on 1 April, in
    // blocks of 100 calls begun:
    //   M Feb: 250 calls = 3 blocks × 10.00 = 30.00 EUR (net; the 19 % VAT is not revenue)
    //   M Mar: 120 calls = 2 blocks × 10.00 = 20.00 EUR
    //   U Feb:  50 calls = 1 block  × 11.00 = 11.00 USD
    // MRR is P's 29.00 alone: a metered plan has no recurring price.
    let m_invoices = invoices_of(&app, &m_sub).await;
    let feb = m_invoices.iter().find(|i| i["period_start"] == "2026-02-01").expect("M's February usage invoice");
    assert_eq!(
        (feb["subtotal"].as_i64(), feb["tax"].as_i64(), feb["issue_date"].as_str()),
        (Some(3000), Some(570), Some("2026-03-01")),
        "{feb}"
    );
    let (s, r) = app.get("/api/v1/metrics/mrr?from=2026-02-01&to=2026-04-30").await;
    assert_eq!(s, 200, "{r}");
    let col = |currency: &str, field: &str| -> Vec<i64> {
        let series = r["currencies"].as_array().unwrap().iter().find(|s| s["currency"] == currency);
        let series = series.unwrap_or_else(|| panic!("a {currency} series: {r}"));
        series["periods"].as_array().unwrap().iter().map(|p| p[field].as_i64().unwrap()).collect()
    };
    assert_eq!(col("EUR", "metered"), [0, 3000, 2000], "{r}");
    assert_eq!(col("EUR", "mrr"), [2900, 2900, 2900], "metered revenue is not in MRR: {r}");
    assert_eq!(col("USD", "metered"), [0, 1100, 0], "a currency with metered revenue only has its series: {r}");
    assert_eq!(col("USD", "mrr"), [0, 0, 0]);

    // The dashboard shows it in its own column of the MRR table.
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get("/c/acme/dashboard?from=2026-02-01&to=2026-04-30").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"analytics-metered\">Metered (not in MRR)</th>"), "{}", page.body);
    // Its last column, a row per month: February, March, April.
    let metered: Vec<String> =
        table_rows(&page.body, "analytics-mrr-table").iter().map(|r| r.last().unwrap().clone()).collect();
    assert_eq!(metered, [eur(0), eur(3000), eur(2000)], "{}", page.body);
}
