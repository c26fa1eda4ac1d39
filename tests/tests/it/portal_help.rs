//! The portal's second part (docs/adr/0029) over real HTTP against a real PostgreSQL: payment
//! methods (choose the default, remove, the only method kept while a subscription is charged
//! automatically), the next invoice with VAT, the FAQ and its recorded searches, billing
//! questions with the merchant's answer mailed through a real SMTP server (aiosmtpd), the survey
//! rules, and isolation (another customer's method or question is not found).

use billing_tests::{TestApp, create_catalog, create_tenant, instant};
use serde_json::{Value, json};

use super::portal::{Browser, customer, subscribe};

async fn add_card(app: &TestApp, customer: &str, number: &str) -> String {
    let (s, m) =
        app.post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": number })).await;
    assert!(s == 201 || s == 200, "{m}");
    let (_, list) = app.get(&format!("/api/v1/customers/{customer}/payment_methods")).await;
    list.as_array().unwrap().iter().find(|m| m["is_default"] == true).unwrap()["id"].as_str().unwrap().to_string()
}

async fn put(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    app.send(app.http.put(app.url(path)).json(&body), &app.tenant.api_key).await
}

async fn methods(app: &TestApp, customer: &str) -> Vec<Value> {
    let (_, list) = app.get(&format!("/api/v1/customers/{customer}/payment_methods")).await;
    list.as_array().unwrap().clone()
}

async fn audit_events(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT event FROM portal_audit_log WHERE event LIKE 'payment_method%' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn payment_methods_change_default_remove_and_keep_the_only_one_of_an_active_subscription() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "methods@example.com", "US").await;
    subscribe(&app, &c, "pro").await;
    let visa = add_card(&app, &c, "4242424242424242").await;
    let master = add_card(&app, &c, "4000000000009995").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "methods@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Visa ending in 4242") && page.body.contains("Visa ending in 9995"), "{}", page.body);
    let csrf = page.field("csrf");

    // Visa becomes the default; a second submission of the same form changes nothing more.
    let nonce = "b".repeat(64);
    let set = b.post(&format!("/p/acme/payment-methods/{visa}/default"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!((set.status, set.location.as_deref()), (303, Some("/p/acme/payment-methods?done=default")));
    let again = b.post(&format!("/p/acme/payment-methods/{visa}/default"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!(again.status, 303);
    let list = methods(&app, &c).await;
    assert_eq!(list[0]["id"], visa.as_str(), "{list:?}");
    assert_eq!(list[0]["is_default"], true);
    assert_eq!(list.iter().filter(|m| m["is_default"] == true).count(), 1);
    assert_eq!(list[0]["brand"], "visa");

    // Removing the default makes the other one the default.
    let nonce = "c".repeat(64);
    let removed =
        b.post(&format!("/p/acme/payment-methods/{visa}/remove"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!((removed.status, removed.location.as_deref()), (303, Some("/p/acme/payment-methods?done=removed")));
    let list = methods(&app, &c).await;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["id"].as_str(), list[0]["is_default"].as_bool()), (Some(master.as_str()), Some(true)));

    // The only method of a customer whose subscription is charged automatically stays.
    let nonce = "d".repeat(64);
    let refused =
        b.post(&format!("/p/acme/payment-methods/{master}/remove"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("This is your only payment method"), "{}", refused.body);
    assert!(refused.body.contains("Visa ending in 9995"), "the list is still shown");
    assert_eq!(methods(&app, &c).await.len(), 1);
    // The refusal claimed no form: once another card is added, the same form removes it.
    add_card(&app, &c, "4242424242424242").await;
    let ok = b.post(&format!("/p/acme/payment-methods/{master}/remove"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(methods(&app, &c).await.len(), 1);

    assert_eq!(
        audit_events(&app).await,
        [
            "payment_method_default_set",
            "payment_method_removed",
            "payment_method_remove_refused",
            "payment_method_removed"
        ]
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM portal_events WHERE kind = 'action' AND status = 'completed' AND action LIKE '%method%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["set_default_method", "remove_payment_method", "remove_payment_method"]);
    // A removed method is never charged again: collection sees only the remaining one.
    let used: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payment_methods WHERE removed_at IS NOT NULL AND is_default")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(used, 0);
}

#[tokio::test]
async fn without_an_active_subscription_the_last_method_can_go_and_a_typed_expiry_is_shown() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "expiry@example.com", "US").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "expiry@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let past = b
        .post(
            "/p/acme/payment-methods",
            &[("csrf", &csrf), ("nonce", &nonce), ("card_number", "4242424242424242"), ("expiry", "02/26")],
        )
        .await;
    assert_eq!(past.status, 400);
    assert!(past.body.contains("This card has expired"), "{}", past.body);
    let bad = b
        .post(
            "/p/acme/payment-methods",
            &[("csrf", &csrf), ("nonce", &nonce), ("card_number", "4242424242424242"), ("expiry", "13/29")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("month and year"), "{}", bad.body);
    assert!(methods(&app, &c).await.is_empty(), "nothing stored for a refused form");
    let ok = b
        .post(
            "/p/acme/payment-methods",
            &[("csrf", &csrf), ("nonce", &nonce), ("card_number", "4242 4242 4242 4242"), ("expiry", "8/29")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = b.get("/p/acme/payment-methods?done=1").await;
    assert!(page.body.contains("Expires 08/2029"), "{}", page.body);
    let id = methods(&app, &c).await[0]["id"].as_str().unwrap().to_string();
    let csrf = page.field("csrf");
    let gone =
        b.post(&format!("/p/acme/payment-methods/{id}/remove"), &[("csrf", &csrf), ("nonce", &"e".repeat(64))]).await;
    assert_eq!(gone.status, 303, "no subscription: the last method may go");
    assert!(methods(&app, &c).await.is_empty());
}

#[tokio::test]
async fn the_overview_shows_the_next_invoice_with_vat_as_the_invoice_run_makes_it() {
    let app = TestApp::spawn().await;
    // A German consumer of a German seller: 19 % on EUR 29.00.
    let c = customer(&app, "vat@example.de", "DE").await;
    let sub = subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "vat@example.de").await;
    let page = b.get("/p/acme?lang=en").await;
    assert!(page.body.contains("March 1, 2026"), "{}", page.body);
    assert!(page.body.contains("€34.51"), "{}", page.body);
    assert!(page.body.contains("€29.00 net + €5.51 VAT"), "{}", page.body);
    // The invoice the run then makes is exactly that.
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    assert_eq!((list["data"][0]["subtotal"].as_i64(), list["data"][0]["total"].as_i64()), (Some(2900), Some(3451)));
    // Now April's is the next one, in German with German formats.
    let de = b.get("/p/acme?lang=de").await;
    assert!(de.body.contains("1. April 2026"), "{}", de.body);
    assert!(de.body.contains("34,51\u{a0}€"), "{}", de.body);
    assert!(de.body.contains("29,00\u{a0}€ netto + 5,51\u{a0}€ USt."), "{}", de.body);
}

#[tokio::test]
async fn the_faq_is_shown_in_the_page_language_or_the_tenants_and_searches_are_recorded() {
    let app = TestApp::spawn().await;
    customer(&app, "faq@example.com", "US").await;
    let entries = json!({ "entries": [
        { "locale": "en", "question": "How do I get a refund?", "answer": "Write to us within 14 days.\n\nWe refund to your card." },
        { "locale": "en", "question": "Where are my invoices?", "answer": "Under Invoices, as PDF." },
        { "locale": "de", "question": "Wie bekomme ich eine Erstattung?", "answer": "Schreiben Sie uns innerhalb von 14 Tagen." },
    ]});
    let (s, faq) = put(&app, "/api/v1/portal/faq", entries).await;
    assert_eq!(s, 200, "{faq}");
    assert_eq!(faq["entries"].as_array().unwrap().len(), 3);
    let (s, e) =
        put(&app, "/api/v1/portal/faq", json!({ "entries": [{ "locale": "xx", "question": "Q", "answer": "A" }] }))
            .await;
    assert_eq!(s, 400, "{e}");
    let (s, e) =
        put(&app, "/api/v1/portal/faq", json!({ "entries": [{ "locale": "en", "question": " ", "answer": "A" }] }))
            .await;
    assert_eq!(s, 400, "{e}");
    let (_, kept) = app.get("/api/v1/portal/faq").await;
    assert_eq!(kept["entries"].as_array().unwrap().len(), 3, "a refused PUT changes nothing");

    let mut b = Browser::new(&app);
    b.sign_in("acme", "faq@example.com").await;
    let de = b.get("/p/acme/help?lang=de").await;
    assert_eq!(de.status, 200, "{}", de.body);
    assert!(de.body.contains("Wie bekomme ich eine Erstattung?") && !de.body.contains("Where are my invoices?"));
    // No French entries: the tenant's default language (en).
    let fr = b.get("/p/acme/help?lang=fr").await;
    assert!(fr.body.contains("Where are my invoices?") && fr.body.contains("Questions fréquentes"), "{}", fr.body);
    let found = b.get("/p/acme/help?lang=en&q=Refund").await;
    assert!(found.body.contains("How do I get a refund?") && !found.body.contains("Where are my invoices?"));
    assert!(found.body.contains("We refund to your card."));
    let none = b.get("/p/acme/help?q=bitcoin").await;
    assert!(none.body.contains("Nothing matches “bitcoin”"), "{}", none.body);
    let rows: Vec<(String, Value)> =
        sqlx::query_as("SELECT status, detail FROM portal_events WHERE kind = 'help_search' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1["query"].as_str(), rows[0].1["hits"].as_i64()),
        ("found", Some("Refund"), Some(1))
    );
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1["query"].as_str(), rows[1].1["hits"].as_i64()),
        ("no_results", Some("bitcoin"), Some(0))
    );
}

#[tokio::test]
async fn a_billing_question_is_answered_by_mail_through_smtp_and_in_the_portal() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "ask@example.com", "US").await;
    let lines = json!([{ "description": "Setup", "unit_amount": 4900 }]);
    let (_, inv) = app.post("/api/v1/invoices", json!({ "customer": c, "lines": lines })).await;
    let invoice = inv["id"].as_str().unwrap().to_string();
    let (s, fin) = app.post(&format!("/api/v1/invoices/{invoice}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{fin}");
    let number = fin["number"].as_str().unwrap().to_string();

    let mut b = Browser::new(&app);
    b.sign_in("acme", "ask@example.com").await;
    let form = b.get(&format!("/p/acme/help/questions/new?invoice={invoice}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(&format!("<option value=\"{invoice}\" selected>{number}")), "{}", form.body);
    let (csrf, nonce) = (form.field("csrf"), form.field("nonce"));
    let empty = b.post("/p/acme/help/questions", &[("csrf", &csrf), ("nonce", &nonce), ("topic", "invoice")]).await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Please write your question."));
    let fields = [
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("topic", "invoice"),
        ("invoice", invoice.as_str()),
        ("body", "Why was I charged a setup fee?"),
    ];
    let asked = b.post("/p/acme/help/questions", &fields).await;
    assert_eq!((asked.status, asked.location.as_deref()), (303, Some("/p/acme/help?done=question")));
    assert_eq!(b.post("/p/acme/help/questions", &fields).await.status, 303);
    assert_eq!(app.count("billing_questions").await, 1, "one question for two submissions");

    let (s, open) = app.get("/api/v1/billing_questions?status=open").await;
    assert_eq!(s, 200, "{open}");
    let q = &open["data"][0];
    let id = q["id"].as_str().unwrap().to_string();
    assert_eq!((q["topic"].as_str(), q["invoice_number"].as_str()), (Some("invoice"), Some(number.as_str())));
    assert_eq!(q["text"], "Why was I charged a setup fee?");
    assert!(q["first_response_at"].is_null());
    let (s, _) = app.get("/api/v1/billing_questions?status=nonsense").await;
    assert_eq!(s, 400);

    app.clock.set(instant("2026-03-01T11:30:00Z"));
    let answer = "The setup fee is charged once, with your first month.\n\nIt is in our terms.";
    let (s, replied) = app
        .post(&format!("/api/v1/billing_questions/{id}/replies"), json!({ "body": answer, "author_name": "Ana" }))
        .await;
    assert_eq!(s, 201, "{replied}");
    assert_eq!(replied["status"], "answered");
    assert_eq!(replied["first_response_at"], "2026-03-01T11:30:00Z");
    assert_eq!(replied["messages"].as_array().unwrap().len(), 2);
    let (s, e) = app.post(&format!("/api/v1/billing_questions/{id}/replies"), json!({ "body": "  " })).await;
    assert_eq!(s, 400, "{e}");

    // The answer is mailed to the customer by the mail worker, over SMTP to aiosmtpd.
    let sink = super::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::worker::run(&app.db.pool, &mailer, instant("2026-03-01T11:31:00Z")).await.unwrap();
    let mails = sink.mails();
    let mail = mails
        .iter()
        .find(|m| {
            m["to"].as_str().is_some_and(|to| to.contains("ask@example.com"))
                && m["subject"].as_str().is_some_and(|s| s.contains("has answered"))
        })
        .unwrap_or_else(|| panic!("the answer arrived over SMTP: {mails:?}"));
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("The setup fee is charged once") && text.contains("It is in our terms."), "{text}");
    assert!(text.contains(&format!("/p/acme/help/questions/{id}")), "{text}");

    // In the portal: the thread with the answer and its status.
    let thread = b.get(&format!("/p/acme/help/questions/{id}")).await;
    assert_eq!(thread.status, 200, "{}", thread.body);
    assert!(
        thread.body.contains("It is in our terms.") && thread.body.contains("Ana · Merchant acme"),
        "{}",
        thread.body
    );
    assert!(thread.body.contains("Answered"));
    let help = b.get("/p/acme/help").await;
    assert!(help.body.contains("Why was I charged a setup fee?"), "{}", help.body);

    // A follow-up waits for the merchant again; after closing, no more messages.
    let (csrf, nonce) = (thread.field("csrf"), thread.field("nonce"));
    let more = b
        .post(&format!("/p/acme/help/questions/{id}/reply"), &[("csrf", &csrf), ("nonce", &nonce), ("body", "Thanks!")])
        .await;
    assert_eq!(more.status, 303);
    let (_, q) = app.get(&format!("/api/v1/billing_questions/{id}")).await;
    assert_eq!((q["status"].as_str(), q["message_count"].as_i64()), (Some("open"), Some(3)));
    app.clock.set(instant("2026-03-01T16:00:00Z"));
    let (s, closed) = app.post(&format!("/api/v1/billing_questions/{id}/close"), json!({})).await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(
        (closed["status"].as_str(), closed["resolved_at"].as_str()),
        (Some("closed"), Some("2026-03-01T16:00:00Z"))
    );
    assert_eq!(closed["first_response_at"], "2026-03-01T11:30:00Z", "the first response is kept");
    let (s, _) = app.post(&format!("/api/v1/billing_questions/{id}/replies"), json!({ "body": "Late" })).await;
    assert_eq!(s, 409);
    let closed_page = b.get(&format!("/p/acme/help/questions/{id}")).await;
    assert!(closed_page.body.contains("This question is closed"));
}

#[tokio::test]
async fn another_customers_method_question_or_invoice_is_not_found() {
    let app = TestApp::spawn().await;
    let mine = customer(&app, "mine@example.com", "US").await;
    let theirs = customer(&app, "theirs@example.com", "US").await;
    add_card(&app, &mine, "4242424242424242").await;
    let their_card = add_card(&app, &theirs, "4000000000009995").await;
    let lines = json!([{ "description": "Setup", "unit_amount": 4900 }]);
    let (_, inv) = app.post("/api/v1/invoices", json!({ "customer": theirs, "lines": lines })).await;
    let their_invoice = inv["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/invoices/{their_invoice}/finalize"), json!({})).await;

    let mut them = Browser::new(&app);
    them.sign_in("acme", "theirs@example.com").await;
    let form = them.get("/p/acme/help/questions/new").await;
    let (csrf, nonce) = (form.field("csrf"), form.field("nonce"));
    let asked = them
        .post("/p/acme/help/questions", &[("csrf", &csrf), ("nonce", &nonce), ("topic", "other"), ("body", "Private")])
        .await;
    assert_eq!(asked.status, 303);
    let (_, list) = app.get("/api/v1/billing_questions").await;
    let their_question = list["data"][0]["id"].as_str().unwrap().to_string();

    let mut b = Browser::new(&app);
    b.sign_in("acme", "mine@example.com").await;
    let csrf = b.get("/p/acme").await.field("csrf");
    let page = b.get(&format!("/p/acme/help/questions/{their_question}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Private"));
    assert_eq!(b.get("/p/acme/help/questions/bq_nonsense").await.status, 404);
    for path in [
        format!("/p/acme/payment-methods/{their_card}/default"),
        format!("/p/acme/payment-methods/{their_card}/remove"),
        "/p/acme/payment-methods/not-a-uuid/remove".to_string(),
        format!("/p/acme/help/questions/{their_question}/reply"),
    ] {
        let r = b.post(&path, &[("csrf", &csrf), ("nonce", &"f".repeat(64)), ("body", "hi")]).await;
        assert_eq!(r.status, 404, "POST {path}: {}", r.body);
    }
    let form = b.get("/p/acme/help/questions/new").await;
    assert!(!form.body.contains(&their_invoice), "another customer's invoice is not offered");
    let (csrf, nonce) = (form.field("csrf"), form.field("nonce"));
    let r = b
        .post(
            "/p/acme/help/questions",
            &[("csrf", &csrf), ("nonce", &nonce), ("topic", "invoice"), ("invoice", &their_invoice), ("body", "Hm")],
        )
        .await;
    assert_eq!(r.status, 404);
    let list = methods(&app, &theirs).await;
    assert_eq!((list.len(), list[0]["is_default"].as_bool()), (1, Some(true)), "their card is untouched");
    assert_eq!(app.count("billing_question_messages").await, 1);

    // Another tenant's API key does not see the question.
    let other = create_tenant(&app.db.pool, "globex", instant("2026-03-01T09:00:00Z")).await;
    create_catalog(&app.db.pool, other.id, instant("2026-03-01T09:00:00Z")).await;
    let r = app
        .http
        .get(app.url(&format!("/api/v1/billing_questions/{their_question}")))
        .bearer_auth(&other.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

type SurveyRow = (String, Option<i16>, Option<String>);

fn row(kind: &str, score: Option<i16>, action: Option<&str>) -> SurveyRow {
    (kind.to_string(), score, action.map(str::to_string))
}

async fn survey_kinds(app: &TestApp) -> Vec<SurveyRow> {
    sqlx::query_as("SELECT kind, score, context_action FROM survey_responses ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn surveys_are_asked_at_their_moment_once_and_nps_waits_for_the_merchants_period() {
    let app = TestApp::spawn().await;
    let (s, set) = put(&app, "/api/v1/portal/survey_settings", json!({ "nps_wait_days": 30 })).await;
    assert_eq!((s, set["nps_wait_days"].as_i64()), (200, Some(30)));
    let (s, _) = put(&app, "/api/v1/portal/survey_settings", json!({ "nps_wait_days": -1 })).await;
    assert_eq!(s, 400);
    let c = customer(&app, "survey@example.com", "US").await;
    let sub = subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "survey@example.com").await;
    let first = b.get("/p/acme").await;
    assert!(!first.body.contains("survey-heading"), "nothing asked on the first day");

    // A card added: CSAT on the payment methods page, once.
    let page = b.get("/p/acme/payment-methods").await;
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    b.post("/p/acme/payment-methods", &[("csrf", &csrf), ("nonce", &nonce), ("card_number", "4242424242424242")]).await;
    let page = b.get("/p/acme/payment-methods?done=1").await;
    assert!(page.body.contains("id=\"survey-csat\""), "{}", page.body);
    assert!(page.body.contains("<legend>How satisfied are you with adding your payment method here?</legend>"));
    let event = page.field("event");
    let snonce = page.body.split("id=\"survey-csat\"").nth(1).map(|rest| {
        let m = "name=\"nonce\" value=\"";
        let at = rest.find(m).unwrap() + m.len();
        rest[at..at + 64].to_string()
    });
    let snonce = snonce.unwrap();
    let off_scale = b
        .post(
            "/p/acme/surveys",
            &[
                ("csrf", &csrf),
                ("nonce", &snonce),
                ("kind", "csat"),
                ("event", &event),
                ("score", "6"),
                ("back", "/payment-methods"),
            ],
        )
        .await;
    assert_eq!(off_scale.status, 400);
    let answered = b
        .post(
            "/p/acme/surveys",
            &[
                ("csrf", &csrf),
                ("nonce", &snonce),
                ("kind", "csat"),
                ("event", &event),
                ("score", "5"),
                ("back", "/payment-methods"),
            ],
        )
        .await;
    assert_eq!((answered.status, answered.location.as_deref()), (303, Some("/p/acme/payment-methods?done=survey")));
    let after = b.get("/p/acme/payment-methods?done=survey").await;
    assert!(after.body.contains("Thank you for your feedback.") && !after.body.contains("survey-heading"));
    // The same form again (another nonce): not asked any more, nothing stored.
    let replay = b
        .post(
            "/p/acme/surveys",
            &[("csrf", &csrf), ("nonce", &"9".repeat(64)), ("kind", "csat"), ("event", &event), ("score", "1")],
        )
        .await;
    assert_eq!(replay.status, 303);
    assert_eq!(survey_kinds(&app).await, [row("csat", Some(5), Some("add_payment_method"))]);

    // A plan change: effort first, then satisfaction about the same change.
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    // Sessions last 12 hours: a later day is a new sign-in (and a new CSRF token).
    app.clock.set(instant("2026-03-05T09:00:00Z"));
    b.sign_in("acme", "survey@example.com").await;
    let csrf = b.get("/p/acme/account").await.field("csrf");
    let preview = b.get(&format!("/p/acme/subscriptions/{sub}/change?plan=pro&quantity=2")).await;
    let fields = [
        ("csrf", preview.field("csrf")),
        ("nonce", preview.field("nonce")),
        ("ev", preview.field("ev")),
        ("plan", "pro".to_string()),
        ("quantity", "2".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post(&format!("/p/acme/subscriptions/{sub}/change"), &fields).await.status, 303);
    let overview = b.get("/p/acme?done=change").await;
    assert!(overview.body.contains("id=\"survey-ces\""), "{}", overview.body);
    assert!(overview.body.contains("<legend>How easy was it to change your plan?</legend>"));
    assert_eq!(overview.body.matches("type=\"radio\" name=\"score\"").count(), 7, "a 1-7 scale");
    let event = overview.field("event");
    let n = "1".repeat(64);
    let dismissed = b
        .post(
            "/p/acme/surveys",
            &[("csrf", &csrf), ("nonce", &n), ("kind", "ces"), ("event", &event), ("action", "dismiss")],
        )
        .await;
    assert_eq!(dismissed.status, 303);
    let overview = b.get("/p/acme").await;
    assert!(
        overview.body.contains("id=\"survey-csat\"") && overview.body.contains("changing your plan"),
        "{}",
        overview.body
    );
    let n = "2".repeat(64);
    b.post("/p/acme/surveys", &[("csrf", &csrf), ("nonce", &n), ("kind", "csat"), ("event", &event), ("score", "4")])
        .await;
    assert!(!b.get("/p/acme").await.body.contains("survey-heading"));

    // NPS: not before 30 days of use; then once, and again only 90 days later.
    let forged = b
        .post("/p/acme/surveys", &[("csrf", &csrf), ("nonce", &"3".repeat(64)), ("kind", "nps"), ("score", "10")])
        .await;
    assert_eq!(forged.status, 303);
    app.clock.set(instant("2026-03-30T09:00:00Z"));
    b.sign_in("acme", "survey@example.com").await;
    assert!(!b.get("/p/acme").await.body.contains("survey-nps"), "29 days after the first visit");
    app.clock.set(instant("2026-03-31T09:00:00Z"));
    b.sign_in("acme", "survey@example.com").await;
    let due = b.get("/p/acme").await;
    let csrf = due.field("csrf");
    assert!(due.body.contains("id=\"survey-nps\""), "{}", due.body);
    assert!(due.body.contains("How likely are you to recommend Merchant acme to a friend or colleague?"));
    assert_eq!(due.body.matches("type=\"radio\" name=\"score\"").count(), 11, "a 0-10 scale");
    let n = "4".repeat(64);
    b.post(
        "/p/acme/surveys",
        &[("csrf", &csrf), ("nonce", &n), ("kind", "nps"), ("score", "9"), ("comment", "  Clear invoices.  ")],
    )
    .await;
    app.clock.set(instant("2026-06-28T09:00:00Z"));
    b.sign_in("acme", "survey@example.com").await;
    assert!(!b.get("/p/acme").await.body.contains("survey-nps"), "89 days later");
    app.clock.set(instant("2026-06-29T09:00:00Z"));
    b.sign_in("acme", "survey@example.com").await;
    assert!(b.get("/p/acme").await.body.contains("survey-nps"), "90 days later");

    assert_eq!(
        survey_kinds(&app).await,
        [
            row("csat", Some(5), Some("add_payment_method")),
            row("ces", None, Some("change_plan")),
            row("csat", Some(4), Some("change_plan")),
            row("nps", Some(9), None),
        ]
    );
    let (s, list) = app.get("/api/v1/survey_responses?kind=nps").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        (list["data"][0]["score"].as_i64(), list["data"][0]["comment"].as_str()),
        (Some(9), Some("Clear invoices."))
    );
    let (_, all) = app.get("/api/v1/survey_responses").await;
    assert_eq!(all["data"].as_array().unwrap().len(), 3, "dismissals only on request");
    let (_, with) = app.get("/api/v1/survey_responses?include_dismissed=true").await;
    assert_eq!(with["data"].as_array().unwrap().len(), 4);
    let (s, _) = app.get("/api/v1/survey_responses?kind=stars").await;
    assert_eq!(s, 400);
}
