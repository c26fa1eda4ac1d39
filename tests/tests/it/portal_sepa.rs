//! SEPA Direct Debit mandates, provider card data, the welcome mail and the 3-D Secure checkout
//! funnel (issue 13, docs/adr/0040), over real HTTP as a browser without JavaScript would use
//! the portal: the merchant's creditor identifier through the API (checked); the mandate on the
//! payment methods page and at the checkout with the mandate text (creditor, identifier,
//! reference, rights) shown before it is confirmed and stored as shown; a wrong IBAN refused in
//! German with the message tied to the field and nothing stored; the sandbox collecting the
//! debit; the pre-notification naming the mandate; the welcome mail at a real SMTP server
//! (aiosmtpd); and, against localstripe, a card's brand and expiry from Stripe's PaymentMethod and
//! a removed card detached there.

use billing_core::clock::Clock;
use billing_tests::TestApp;
use serde_json::{Value, json};

use super::portal::{Browser, Page, customer, payment_path};

const CREDITOR: &str = "DE98ZZZ09999999999";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";

/// The value of the field `name` of the form with id `form` in the page.
fn form_field(page: &Page, form: &str, name: &str) -> String {
    let at = page.body.find(&format!("id=\"{form}\"")).unwrap_or_else(|| panic!("no form #{form} in {}", page.body));
    let marker = format!("name=\"{name}\" value=\"");
    let rest = &page.body[at..];
    let start = rest.find(&marker).unwrap_or_else(|| panic!("no {name} in #{form}")) + marker.len();
    rest[start..].split('"').next().unwrap().to_string()
}

/// The mandate reference the page shows (`MDT-` and 16 hexadecimal digits).
fn shown_reference(page: &Page) -> String {
    let at = page.body.find("MDT-").unwrap_or_else(|| panic!("no mandate reference in {}", page.body));
    page.body[at..at + 20].to_string()
}

async fn set_creditor(app: &TestApp) {
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": "de98 zzz0 9999 9999 99" })).await;
    assert_eq!((s, t["sepa_creditor_id"].as_str()), (200, Some(CREDITOR)), "{t}");
}

async fn open_invoice(app: &TestApp, customer: &str, amount: i64) -> String {
    let lines = json!([{ "description": "Setup", "unit_amount": amount }]);
    let (_, inv) = app.post("/api/v1/invoices", json!({ "customer": customer, "lines": lines })).await;
    let invoice = inv["id"].as_str().unwrap().to_string();
    let (s, f) = app.post(&format!("/api/v1/invoices/{invoice}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{f}");
    invoice
}

async fn mandates(app: &TestApp) -> Vec<(String, String, String, String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT reference, creditor_id, account_holder, iban, text_version, text_locale || '|' || mandate_text, client_address
           FROM sepa_mandates ORDER BY signed_at",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_creditor_identifier_is_checked_and_without_it_no_mandate_is_offered() {
    let app = TestApp::spawn().await;
    customer(&app, "no-sepa@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "no-sepa@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert!(!page.body.contains("sepa-form"), "no creditor identifier, no mandate form");
    let csrf = page.field("csrf");
    let refused =
        b.post("/p/acme/payment-methods/sepa", &[("csrf", &csrf), ("nonce", &"a".repeat(64)), ("iban", IBAN)]).await;
    assert_eq!(refused.status, 404);

    for wrong in ["DE97ZZZ09999999999", "DE98ZZZ0999999999", "US98ZZZ09999999999", "hello"] {
        let (s, e) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": wrong })).await;
        assert_eq!(s, 400, "{wrong}: {e}");
        assert_eq!(e["error"]["param"], "sepa_creditor_id", "{e}");
    }
    let (_, t) = app.get("/api/v1/tenant").await;
    assert_eq!(t["sepa_creditor_id"], Value::Null, "nothing stored: {t}");
    set_creditor(&app).await;
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": "" })).await;
    assert_eq!((s, &t["sepa_creditor_id"]), (200, &Value::Null), "an empty string clears it");
}

#[tokio::test]
async fn a_mandate_signed_on_the_payment_methods_page_is_stored_as_shown_and_collects_the_open_invoice() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    let c = customer(&app, "sepa@example.com", "DE").await;
    let invoice = open_invoice(&app, &c, 4900).await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "sepa@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert_eq!(page.status, 200);
    // The mandate's text is on the form, before it is confirmed.
    assert!(page.body.contains("SEPA Direct Debit mandate"), "{}", page.body);
    assert!(page.body.contains(&format!("creditor identifier {CREDITOR}")), "{}", page.body);
    assert!(page.body.contains("you authorise Merchant acme to send instructions to your bank"), "{}", page.body);
    assert!(page.body.contains("within 8 weeks"));
    let reference = shown_reference(&page);
    let csrf = page.field("csrf");
    let nonce = form_field(&page, "sepa-form", "nonce");
    assert_ne!(nonce, page.field("nonce"), "the mandate form has its own once-only nonce");

    // A typing error (two digits swapped) is refused, tied to the field; nothing is stored.
    let wrong = b
        .post(
            "/p/acme/payment-methods/sepa",
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("iban", "DE89 3704 0044 0532 0103 00"),
                ("account_holder", "Erika Mustermann"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains("its check digits do not match"), "{}", wrong.body);
    assert!(wrong.body.contains(r#"aria-invalid="true" aria-describedby="iban-error""#), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"DE89 3704 0044 0532 0103 00\""), "what was typed is kept");
    assert_eq!(app.count("payment_methods").await, 0);
    assert_eq!(app.count("sepa_mandates").await, 0);
    let no_name = b.post("/p/acme/payment-methods/sepa", &[("csrf", &csrf), ("nonce", &nonce), ("iban", IBAN)]).await;
    assert_eq!(no_name.status, 400);
    assert!(no_name.body.contains("Please enter the account holder"), "{}", no_name.body);

    let form =
        [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("iban", IBAN), ("account_holder", "Erika Mustermann")];
    let added = b.post("/p/acme/payment-methods/sepa", &form).await;
    assert_eq!(
        (added.status, added.location.as_deref()),
        (303, Some("/p/acme/payment-methods?done=sepa")),
        "{}",
        added.body
    );
    let again = b.post("/p/acme/payment-methods/sepa", &form).await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some("/p/acme/payment-methods?done=sepa")));
    assert_eq!(app.count("sepa_mandates").await, 1, "one mandate for two submissions");
    assert_eq!(app.count("payment_methods WHERE kind = 'sepa_debit' AND is_default AND last4 = '3000'").await, 1);

    let stored = mandates(&app).await;
    let (r, creditor, holder, iban, version, text, client) = &stored[0];
    assert_eq!(r, &reference, "the reference shown is the one stored");
    assert_eq!(
        (creditor.as_str(), holder.as_str(), iban.as_str()),
        (CREDITOR, "Erika Mustermann", "DE89370400440532013000")
    );
    assert_eq!(version, billing_core::sepa::MANDATE_TEXT_VERSION);
    assert!(text.starts_with("en|Creditor: Merchant acme, creditor identifier DE98ZZZ09999999999"), "{text}");
    assert!(text.contains(&format!("Mandate reference: {reference}")) && text.contains("within 8 weeks"), "{text}");
    assert!(client.as_deref().is_some_and(|c| !c.is_empty()), "the client address is kept");

    let page = b.get("/p/acme/payment-methods?done=sepa").await;
    assert!(page.body.contains("Your SEPA Direct Debit mandate has been set up"), "{}", page.body);
    assert!(page.body.contains("SEPA Direct Debit ····3000"), "{}", page.body);
    assert!(page.body.contains(&format!("Mandate {reference} of March 1, 2026")), "{}", page.body);

    // The open invoice was debited at once through the sandbox; the bank settles it later.
    let (_, attempts) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    let list = attempts["data"].as_array().or(attempts.as_array()).cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{attempts}");
    assert_eq!(list[0]["status"], "pending", "{attempts}");
    let (_, methods) = app.get(&format!("/api/v1/customers/{c}/payment_methods")).await;
    let account = methods[0]["gateway_account"].as_str().unwrap().to_string();
    let (s, settled) = app.post(&format!("/api/v1/gateway_accounts/{account}/sandbox/settle_debits"), json!({})).await;
    assert_eq!((s, settled["settled"].as_u64()), (200, Some(1)), "{settled}");
    let id: billing_core::ids::GatewayAccountId = account.parse().unwrap();
    let sandbox = app.gateways.sandbox(id.as_uuid()).expect("sandbox");
    for (headers, body) in sandbox.drain_webhooks() {
        let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 200);
    }
    let (_, paid) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(paid["status"], "paid", "{paid}");

    // The pre-notification of the next debit names the mandate and the creditor identifier.
    open_invoice(&app, &c, 2500).await;
    let summary = billing_core::service::predunning::run(&app.db.pool, app.clock.now(), None).await.unwrap();
    assert_eq!(summary.debit_upcoming, 1, "{summary:?}");
    let payload: Value = sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'invoice.debit_upcoming'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(payload["mandate_reference"], reference.as_str(), "{payload}");
    assert_eq!(payload["creditor_id"], CREDITOR, "{payload}");
}

#[tokio::test]
async fn a_wrong_iban_is_refused_in_german_on_the_page_and_at_the_checkout_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    customer(&app, "iban@example.de", "DE").await;
    let mut b = Browser::new(&app);
    b.lang = Some("de");
    b.sign_in("acme", "iban@example.de").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert!(
        page.body.contains("Ich ermächtige Merchant acme, Zahlungen von meinem Konto mittels Lastschrift einzuziehen."),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("Gläubiger-Identifikationsnummer {CREDITOR}")), "{}", page.body);
    let csrf = page.field("csrf");
    let nonce = form_field(&page, "sepa-form", "nonce");
    let short = b
        .post(
            "/p/acme/payment-methods/sepa",
            &[("csrf", &csrf), ("nonce", &nonce), ("iban", "DE89 3704 0044 0532 0130"), ("account_holder", "Max")],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(short.body.contains("Eine IBAN aus DE hat 22 Zeichen; diese hat 20."), "{}", short.body);
    let typo = b
        .post(
            "/p/acme/payment-methods/sepa",
            &[("csrf", &csrf), ("nonce", &nonce), ("iban", "DE88 3704 0044 0532 0130 00"), ("account_holder", "Max")],
        )
        .await;
    assert!(typo.body.contains("Diese IBAN ist ungültig: Die Prüfziffern stimmen nicht."), "{}", typo.body);
    assert!(typo.body.contains(r#"<p class="error" id="iban-error">"#));
    assert_eq!(app.count("payment_methods").await + app.count("sepa_mandates").await, 0);

    // The checkout: the same message, tied to the same field; no customer is created.
    let mut v = Browser::new(&app);
    v.lang = Some("de");
    let form = v.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=1").await;
    let csrf = form.field("csrf");
    let details = checkout_details(&csrf, "neu@example.de");
    let pay = v.post("/p/acme/checkout", &details).await;
    assert_eq!(pay.status, 200, "{}", pay.body);
    assert!(pay.body.contains("Oder per SEPA-Lastschrift bezahlen"), "{}", pay.body);
    let nonce = form_field(&pay, "sepa-form", "nonce");
    let mut post = details.clone();
    post.extend([
        ("nonce", nonce.as_str()),
        ("method", "sepa"),
        ("iban", "DE88 3704 0044 0532 0130 00"),
        ("account_holder", "Max"),
    ]);
    let refused = v.post("/p/acme/checkout/pay", &post).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("Diese IBAN ist ungültig"), "{}", refused.body);
    assert!(refused.body.contains(r#"aria-invalid="true" aria-describedby="iban-error""#));
    assert_eq!(app.count("customers WHERE email = 'neu@example.de'").await, 0);
    assert_eq!(app.count("sepa_mandates").await, 0);
}

fn checkout_details<'a>(csrf: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("plan", "pro"),
        ("currency", "EUR"),
        ("quantity", "1"),
        ("email", email),
        ("name", "Erika Mustermann"),
        ("company", ""),
        ("line1", "Hauptstraße 1"),
        ("postal_code", "10115"),
        ("city", "Berlin"),
        ("country", "DE"),
        ("vat_id", ""),
    ]
}

#[tokio::test]
async fn a_checkout_with_a_sepa_mandate_starts_the_subscription_debits_the_first_invoice_and_mails_a_welcome() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    let mut v = Browser::new(&app);
    let form = v.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=1").await;
    let csrf = form.field("csrf");
    let details = checkout_details(&csrf, "lastschrift@example.de");
    let pay = v.post("/p/acme/checkout", &details).await;
    assert!(pay.body.contains("Confirm the mandate and pay €34.51"), "29.00 + 19 % VAT: {}", pay.body);
    let reference = shown_reference(&pay);
    let nonce = form_field(&pay, "sepa-form", "nonce");
    let mut post = details.clone();
    post.extend([
        ("nonce", nonce.as_str()),
        ("method", "sepa"),
        ("iban", IBAN),
        ("account_holder", "Erika Mustermann"),
    ]);
    let done = v.post("/p/acme/checkout/pay", &post).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/p/acme?done=signup")), "{}", done.body);
    let again = v.post("/p/acme/checkout/pay", &post).await;
    assert_eq!(again.location.as_deref(), Some("/p/acme?done=signup"));
    assert_eq!(app.count("customers").await, 1);
    let stored = mandates(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, reference);
    let overview = v.get("/p/acme?done=signup").await;
    assert!(overview.body.contains("SEPA Direct Debit ····3000"), "{}", overview.body);
    let (_, invoices) = app.get("/api/v1/invoices").await;
    let inv = &invoices["data"][0];
    assert_eq!((inv["total"].as_i64(), inv["status"].as_str()), (Some(3451), Some("open")), "{invoices}");
    assert_eq!(app.count("payment_attempts WHERE status = 'pending'").await, 1, "the first debit is submitted");
    assert_eq!(app.count("portal_events WHERE kind = 'funnel' AND action = 'signup:paid'").await, 1);
    // The welcome mail is queued with the sign-up, once.
    let welcome: Vec<Value> = sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'portal.welcome'")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(welcome.len(), 1, "{welcome:?}");
    assert!(welcome[0]["url"].as_str().unwrap().ends_with("/p/acme/"), "{welcome:?}");
}

#[tokio::test]
async fn the_welcome_mail_after_a_sign_up_arrives_at_a_real_smtp_server_in_the_customers_language() {
    let app = TestApp::spawn().await;
    let mut v = Browser::new(&app);
    v.lang = Some("de");
    let form = v.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=1").await;
    let csrf = form.field("csrf");
    let details = checkout_details(&csrf, "willkommen@example.de");
    let pay = v.post("/p/acme/checkout", &details).await;
    let nonce = pay.field("nonce");
    let mut post = details.clone();
    post.extend([("nonce", nonce.as_str()), ("card_number", "4242424242424242")]);
    let done = v.post("/p/acme/checkout/pay", &post).await;
    assert_eq!(done.location.as_deref(), Some("/p/acme?done=signup"), "{}", done.body);

    let sink = super::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, app.clock.now()).await.unwrap();
    let mails = sink.mails();
    let welcome: Vec<&Value> = mails.iter().filter(|m| m["subject"] == "Willkommen bei Merchant acme").collect();
    assert_eq!(welcome.len(), 1, "{mails:?}");
    let m = welcome[0];
    assert_eq!(m["to"], "Erika Mustermann <willkommen@example.de>");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Vielen Dank für Ihre Anmeldung bei Merchant acme."), "{text}");
    assert!(text.contains("/p/acme/"), "a link into the portal: {text}");
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("Kundenkonto öffnen") && html.contains("/p/acme/\""), "{html}");
}

#[tokio::test]
async fn a_checkout_card_that_passes_3ds_completes_the_signup_funnel_once() {
    // A trial: nothing is charged on the first day, so the card's challenge is the last step.
    // (The sandbox's 3-D Secure card asks again on every charge, and the portal has no page for a
    // payment's challenge yet: a paid plan's first invoice then stays open, with no `paid` step.)
    let app = TestApp::spawn().await;
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "team", "name": "Team", "interval": { "unit": "month", "count": 1 }, "trial_days": 14,
                    "prices": [{ "currency": "EUR", "amount": 5000 }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let mut v = Browser::new(&app);
    let form = v.get("/p/acme/checkout?plan=team&currency=EUR&quantity=1").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.field("csrf");
    let mut details = checkout_details(&csrf, "dreids@example.de");
    details[1] = ("plan", "team");
    let pay = v.post("/p/acme/checkout", &details).await;
    assert_eq!(pay.status, 200, "{}", pay.body);
    let nonce = pay.field("nonce");
    let mut post = details.clone();
    post.extend([("nonce", nonce.as_str()), ("card_number", "4000002760003184")]);
    let done = v.post("/p/acme/checkout/pay", &post).await;
    let to = done.location.clone().unwrap();
    assert!(to.starts_with("/p/acme/payment-methods/setups/") && to.ends_with("?from=checkout"), "{to}");
    assert_eq!(app.count("portal_events WHERE action = 'signup:paid'").await, 0, "not before the challenge");
    let bank = v.get(&to).await;
    assert_eq!(bank.status, 200, "{}", bank.body);
    let (csrf, nonce) = (bank.field("csrf"), bank.field("nonce"));
    assert_eq!(bank.field("from"), "checkout");
    let path = to.split('?').next().unwrap().to_string();
    let form = [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("result", "pass"), ("from", "checkout")];
    let passed = v.post(&path, &form).await;
    assert_eq!((passed.status, passed.location.as_deref()), (303, Some("/p/acme/payment-methods?done=1")));
    v.post(&path, &form).await;
    let steps: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT page, customer_id::text FROM portal_events WHERE kind = 'funnel' AND action = 'signup:paid'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(steps.len(), 1, "once: {steps:?}");
    assert_eq!(steps[0].0, "/payment-methods/setups");
    assert!(steps[0].1.is_some(), "the paid step knows the customer");
    let visitors: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT detail->>'visitor') FROM portal_events WHERE kind = 'funnel' AND action LIKE 'signup:%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(visitors, 1, "one visitor from the checkout to the challenge");
    assert_eq!(app.count("payment_methods WHERE last4 = '3184' AND is_default").await, 1);
}

/// A PaymentMethod as localstripe holds it.
async fn stripe_method(peer: &super::payments_stripe::Localstripe, id: &str) -> Value {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/payment_methods/{id}", peer.url))
        .bearer_auth(super::payments_stripe::KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_stripe_card_shows_the_providers_brand_and_expiry_and_a_removed_card_is_detached_at_stripe() {
    use chrono::Datelike;
    let peer = super::payments_stripe::localstripe();
    let app = TestApp::spawn().await;
    super::payments_stripe::stripe_account(&app, &peer).await;
    set_creditor(&app).await;
    customer(&app, "stripe-card@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "stripe-card@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    // A Mastercard number with another expiry typed: Stripe's PaymentMethod is what is shown
    // (localstripe names every card `visa` and the adapter's test cards expire in December,
    // three years ahead), not what the number's prefix or the form said.
    let form = [
        ("csrf", page.field("csrf")),
        ("nonce", page.field("nonce")),
        ("card_number", "5555 5555 5555 4444".to_string()),
        ("expiry", "05/30".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = b.post("/p/acme/payment-methods", &form).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let (brand, last4, month, year, pm): (Option<String>, Option<String>, Option<i16>, Option<i16>, String) =
        sqlx::query_as("SELECT brand, last4, exp_month, exp_year, provider_method FROM payment_methods")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let stripe = stripe_method(&peer, &pm).await;
    assert_eq!(brand.as_deref(), stripe["card"]["brand"].as_str(), "{stripe}");
    assert_eq!(brand.as_deref(), Some("visa"));
    assert_eq!(last4.as_deref(), Some("4444"));
    let expected_year = chrono::Utc::now().year() + 3;
    assert_eq!((month, year.map(i32::from)), (Some(12), Some(expected_year)), "{stripe}");
    let page = b.get("/p/acme/payment-methods?done=1").await;
    assert!(page.body.contains("Visa ending in 4444"), "{}", page.body);
    assert!(page.body.contains(&format!("Expires 12/{expected_year}")), "{}", page.body);
    assert!(stripe["customer"].as_str().is_some_and(|c| c.starts_with("cus_")), "attached: {stripe}");

    // A SEPA mandate at Stripe: a `sepa_debit` PaymentMethod attached to the customer.
    let nonce = form_field(&page, "sepa-form", "nonce");
    let csrf = page.field("csrf");
    let sepa = b
        .post(
            "/p/acme/payment-methods/sepa",
            &[("csrf", &csrf), ("nonce", &nonce), ("iban", IBAN), ("account_holder", "Erika Mustermann")],
        )
        .await;
    assert_eq!(sepa.status, 303, "{}", sepa.body);
    let sepa_pm: String = sqlx::query_scalar("SELECT provider_method FROM payment_methods WHERE kind = 'sepa_debit'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let at_stripe = stripe_method(&peer, &sepa_pm).await;
    assert_eq!(
        (at_stripe["type"].as_str(), at_stripe["sepa_debit"]["last4"].as_str()),
        (Some("sepa_debit"), Some("3000"))
    );

    // Removing the card detaches it at Stripe.
    let id: String = sqlx::query_scalar("SELECT id::text FROM payment_methods WHERE kind = 'card'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let page = b.get("/p/acme/payment-methods").await;
    let csrf = page.field("csrf");
    let removed =
        b.post(&format!("/p/acme/payment-methods/{id}/remove"), &[("csrf", &csrf), ("nonce", &"r".repeat(64))]).await;
    assert_eq!(removed.location.as_deref(), Some("/p/acme/payment-methods?done=removed"), "{}", removed.body);
    let detached = stripe_method(&peer, &pm).await;
    assert_eq!(detached["customer"], Value::Null, "detached at Stripe: {detached}");
    let kept = stripe_method(&peer, &sepa_pm).await;
    assert!(kept["customer"].as_str().is_some(), "the mandate stays attached: {kept}");
}

/// Signs up for `plan` at the checkout with `card`; the redirect after paying.
async fn checkout_with_card(v: &mut Browser<'_>, plan: &str, email: &str, card: &str) -> String {
    let form = v.get(&format!("/p/acme/checkout?plan={plan}&currency=EUR&quantity=1")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.field("csrf");
    let mut details = checkout_details(&csrf, email);
    details[1] = ("plan", plan);
    let pay = v.post("/p/acme/checkout", &details).await;
    assert_eq!(pay.status, 200, "{}", pay.body);
    let nonce = pay.field("nonce");
    let mut post = details.clone();
    post.extend([("nonce", nonce.as_str()), ("card_number", card)]);
    let done = v.post("/p/acme/checkout/pay", &post).await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.location.unwrap()
}

/// Answers the sandbox bank's challenge of a payment on its page; the page the customer is back on.
async fn answer_payment_challenge(v: &mut Browser<'_>, path: &str, result: &str) -> Page {
    let page = v.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"payment-challenge\""), "{}", page.body);
    let form = [("csrf", page.field("csrf")), ("nonce", page.field("nonce")), ("result", result.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answered = v.post(path, &form).await;
    assert_eq!((answered.status, answered.location.as_deref()), (303, Some(path)));
    v.get(path).await
}

#[tokio::test]
async fn a_paid_plans_first_invoice_that_asks_for_3ds_is_confirmed_on_its_page_and_records_the_signup_once() {
    let app = TestApp::spawn().await;
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "team", "name": "Team", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 5000 }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let paid_steps = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT page, c.email FROM portal_events e JOIN customers c ON c.tenant_id = e.tenant_id AND c.id = e.customer_id
                  WHERE e.kind = 'funnel' AND e.action = 'signup:paid' ORDER BY e.id",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };

    // The card that asks when it is saved and again on every charge: the card's challenge, then
    // the first payment's own.
    let mut v = Browser::new(&app);
    let to = checkout_with_card(&mut v, "team", "immer3ds@example.de", "4000002760003184").await;
    assert!(to.starts_with("/p/acme/payment-methods/setups/"), "{to}");
    let bank = v.get(&to).await;
    let path = to.split('?').next().unwrap().to_string();
    let form = [
        ("csrf", bank.field("csrf")),
        ("nonce", bank.field("nonce")),
        ("result", "pass".into()),
        ("from", "checkout".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let card_passed = v.post(&path, &form).await;
    let challenge = payment_path(card_passed.location.as_deref());
    assert!(paid_steps(&app).await.is_empty(), "not paid yet");
    let done = answer_payment_challenge(&mut v, &challenge, "pass").await;
    assert!(done.body.contains("was confirmed and invoice") && done.body.contains("is paid"), "{}", done.body);
    v.get(&challenge).await;
    assert_eq!(paid_steps(&app).await, vec![("/payments".to_string(), "immer3ds@example.de".to_string())]);

    // The card that is saved at once and asks on the charge: straight to the payment's challenge;
    // refused first (no step), then paid through "Try again".
    let mut w = Browser::new(&app);
    let to = checkout_with_card(&mut w, "team", "zahlung3ds@example.de", "4000002500003155").await;
    let challenge = payment_path(Some(&to));
    let refused = answer_payment_challenge(&mut w, &challenge, "fail").await;
    assert!(refused.body.contains("did not confirm the payment"), "{}", refused.body);
    assert_eq!(paid_steps(&app).await.len(), 1);
    let invoice = refused.body.split("/p/acme/invoices/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let retry = w
        .post(
            &format!("/p/acme/invoices/{invoice}/pay"),
            &[("csrf", &refused.field("csrf")), ("nonce", &refused.field("nonce"))],
        )
        .await;
    let again = payment_path(retry.location.as_deref());
    let done = answer_payment_challenge(&mut w, &again, "pass").await;
    assert!(done.body.contains("is paid"), "{}", done.body);
    let steps = paid_steps(&app).await;
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert_eq!(steps[1].1, "zahlung3ds@example.de");
    assert_eq!(app.count("invoices WHERE status = 'paid' AND total = 5950").await, 2, "both first invoices, 19 % VAT");
}

/// Signs a mandate for `iban` on the payment methods page; its reference.
async fn sign_mandate(b: &mut Browser<'_>, iban: &str) -> String {
    let page = b.get("/p/acme/payment-methods").await;
    // The reference on the mandate form (the list above shows the mandates already signed).
    let form_at = page.body.find("id=\"sepa-form\"").expect("the mandate form");
    let at = form_at + page.body[form_at..].find("MDT-").unwrap();
    let reference = page.body[at..at + 20].to_string();
    let form = [
        ("csrf", page.field("csrf")),
        ("nonce", form_field(&page, "sepa-form", "nonce")),
        ("iban", iban.to_string()),
        ("account_holder", "Erika Mustermann".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = b.post("/p/acme/payment-methods/sepa", &form).await;
    assert_eq!(
        (added.status, added.location.as_deref()),
        (303, Some("/p/acme/payment-methods?done=sepa")),
        "{}",
        added.body
    );
    reference
}

/// The mandates' (reference, status, end reason), oldest first.
async fn mandate_states(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT reference, status, end_reason FROM sepa_mandates ORDER BY signed_at, id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// The queued `mandate.*` messages (topic, reference, reason), oldest first.
async fn mandate_events(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT topic, payload->>'reference', payload->>'reason' FROM outbox WHERE topic LIKE 'mandate.%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn removing_a_sepa_method_revokes_its_mandate_and_the_api_lists_and_cancels_mandates() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    let c = customer(&app, "mandate-end@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.lang = Some("de");
    b.sign_in("acme", "mandate-end@example.com").await;
    let first = sign_mandate(&mut b, IBAN).await;
    app.clock.set(billing_tests::instant("2026-03-01T10:00:00Z"));
    let second = sign_mandate(&mut b, "DE02 1203 0000 0000 2020 51").await;
    assert_ne!(first, second);

    // The customer removes the first one: its mandate is revoked in the same step, and shown so.
    let page = b.get("/p/acme/payment-methods").await;
    let at = page.body.find(&first).expect("the first mandate is listed");
    let item = &page.body[page.body[..at].rfind("<li class=\"card method\">").unwrap()..];
    let action = item.split("/remove\"").next().unwrap();
    let method = action.rsplit("/payment-methods/").next().unwrap().to_string();
    let nonce = item
        .split("/remove\">")
        .nth(1)
        .unwrap()
        .split("name=\"nonce\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let removed = b
        .post(&format!("/p/acme/payment-methods/{method}/remove"), &[("csrf", &page.field("csrf")), ("nonce", nonce)])
        .await;
    assert_eq!(
        (removed.status, removed.location.as_deref()),
        (303, Some("/p/acme/payment-methods?done=mandate_revoked")),
        "{}",
        removed.body
    );
    assert_eq!(
        mandate_states(&app).await,
        vec![
            (first.clone(), "revoked".into(), Some("payment_method_removed".into())),
            (second.clone(), "active".into(), None)
        ]
    );
    assert_eq!(
        mandate_events(&app).await,
        vec![("mandate.revoked".into(), first.clone(), Some("payment_method_removed".into()))],
        "the merchant's event and the customer's mail are queued with the revocation"
    );
    let page = b.get("/p/acme/payment-methods?done=mandate_revoked").await;
    assert!(page.body.contains("Die Zahlungsmethode wurde entfernt und ihr SEPA-Mandat widerrufen."), "{}", page.body);
    assert!(page.body.contains(&format!("Mandat {first} widerrufen am")), "{}", page.body);
    let audit: Value = sqlx::query_scalar(
        "SELECT detail FROM portal_audit_log WHERE event = 'payment_method_removed' ORDER BY at DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audit["sepa_mandate"], first.as_str(), "{audit}");

    // The API lists both with their state; the merchant cancels the active one.
    let (s, list) = app.get(&format!("/api/v1/customers/{c}/mandates")).await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0]["reference"].as_str(), list[0]["status"].as_str()), (Some(second.as_str()), Some("active")));
    assert_eq!(
        (list[1]["status"].as_str(), list[1]["end_reason"].as_str()),
        (Some("revoked"), Some("payment_method_removed"))
    );
    assert_eq!(list[0]["iban_last4"], "2051");
    assert!(list[0]["mandate_text"].as_str().unwrap().contains("Ich ermächtige"), "{}", list[0]);
    assert!(list[0].get("iban").is_none(), "the full IBAN is not answered");
    let id = list[0]["id"].as_str().unwrap().to_string();

    // Another customer's id, another tenant, an unknown mandate: 404 and nothing changes.
    let other = customer(&app, "mandate-other@example.com", "DE").await;
    let (s, _) = app.post(&format!("/api/v1/customers/{other}/mandates/{id}/cancel"), json!({})).await;
    assert_eq!(s, 404);
    let (s, _) = app.post(&format!("/api/v1/customers/{c}/mandates/{}/cancel", uuid::Uuid::now_v7()), json!({})).await;
    assert_eq!(s, 404);
    let (s, _) = app.post(&format!("/api/v1/customers/{c}/mandates/not-a-mandate/cancel"), json!({})).await;
    assert_eq!(s, 404);
    let stranger =
        billing_tests::create_tenant(&app.db.pool, "stranger", billing_tests::instant("2026-03-01T10:00:00Z")).await;
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/customers/{c}/mandates")))
        .bearer_auth(&stranger.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(mandate_states(&app).await[1].1, "active");

    app.clock.set(billing_tests::instant("2026-03-01T11:00:00Z"));
    let (s, cancelled) = app.post(&format!("/api/v1/customers/{c}/mandates/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{cancelled}");
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["end_reason"].as_str(), cancelled["ended_at"].as_str()),
        (Some("revoked"), Some("cancelled_by_merchant"), Some("2026-03-01T11:00:00Z"))
    );
    let (_, methods) = app.get(&format!("/api/v1/customers/{c}/payment_methods")).await;
    assert_eq!(methods.as_array().unwrap().len(), 0, "its method is removed: {methods}");
    app.clock.set(billing_tests::instant("2026-03-01T12:00:00Z"));
    let (s, again) = app.post(&format!("/api/v1/customers/{c}/mandates/{id}/cancel"), json!({})).await;
    assert_eq!((s, again["ended_at"].as_str()), (200, Some("2026-03-01T11:00:00Z")), "unchanged: {again}");
    assert_eq!(
        mandate_events(&app).await,
        vec![
            ("mandate.revoked".into(), first.clone(), Some("payment_method_removed".into())),
            ("mandate.revoked".into(), second.clone(), Some("cancelled_by_merchant".into())),
        ],
        "one event per mandate's end, none for the repeated cancel"
    );
}

#[tokio::test]
async fn a_mandate_unused_for_36_months_expires_in_the_predunning_run_and_a_used_one_does_not() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    app.clock.set(billing_tests::instant("2026-01-15T09:00:00Z"));
    customer(&app, "unused@example.com", "DE").await;
    let used = customer(&app, "used@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "unused@example.com").await;
    let unused_ref = sign_mandate(&mut b, IBAN).await;
    let mut u = Browser::new(&app);
    u.sign_in("acme", "used@example.com").await;
    let used_ref = sign_mandate(&mut u, IBAN).await;
    // A debit a year later keeps the second one alive.
    app.clock.set(billing_tests::instant("2027-01-20T09:00:00Z"));
    let invoice = open_invoice(&app, &used, 1500).await;
    let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{paid}");

    let now = billing_tests::instant("2029-01-16T06:00:00Z");
    let day_before = chrono::NaiveDate::from_ymd_opt(2029, 1, 15).unwrap();
    let s = billing_core::service::predunning::run(&app.db.pool, now, Some(day_before)).await.unwrap();
    assert_eq!(s.mandates_expired, 0, "36 months are not over on the day they end");
    let as_of = chrono::NaiveDate::from_ymd_opt(2029, 1, 16).unwrap();
    let s = billing_core::service::predunning::run(&app.db.pool, now, Some(as_of)).await.unwrap();
    assert_eq!(s.mandates_expired, 1, "{s:?}");
    assert_eq!(
        mandate_states(&app).await,
        vec![
            (unused_ref.clone(), "expired".into(), Some("unused_36_months".into())),
            (used_ref, "active".into(), None)
        ]
    );
    assert_eq!(app.count("payment_methods WHERE kind = 'sepa_debit' AND removed_at IS NOT NULL").await, 1);
    let rerun = billing_core::service::predunning::run(&app.db.pool, now, Some(as_of)).await.unwrap();
    assert_eq!(rerun.mandates_expired, 0, "once");
    assert_eq!(mandate_events(&app).await, vec![("mandate.expired".into(), unused_ref.clone(), None)], "once");
    let mut again = Browser::new(&app);
    again.sign_in("acme", "unused@example.com").await;
    let page = again.get("/p/acme/payment-methods").await;
    assert!(page.body.contains(&format!("Mandate {unused_ref} expired on")), "{}", page.body);
}

#[tokio::test]
async fn a_mandate_cancelled_by_the_merchant_is_mailed_to_the_customer_and_sent_to_the_merchants_webhook() {
    let app = TestApp::spawn().await;
    set_creditor(&app).await;
    let receiver = super::webhooks::Receiver::start(&[], 0).await;
    super::webhooks::endpoint(&app, &receiver.url("/hook"), json!(["mandate.revoked", "mandate.expired"])).await;
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "mandat-ende@example.de", "name": "Erika Mustermann", "country": "DE",
                    "currency": "EUR", "locale": "de" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let c = c["id"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    b.sign_in("acme", "mandat-ende@example.de").await;
    let reference = sign_mandate(&mut b, IBAN).await;
    let (_, list) = app.get(&format!("/api/v1/customers/{c}/mandates")).await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    app.clock.set(billing_tests::instant("2026-03-02T10:00:00Z"));
    let (s, cancelled) = app.post(&format!("/api/v1/customers/{c}/mandates/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{cancelled}");

    // The customer's mail, at a real SMTP server, in German, with the tenant's name and the mandate.
    let sink = super::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, app.clock.now()).await.unwrap();
    let mails = sink.mails();
    let ended: Vec<&Value> = mails
        .iter()
        .filter(|m| m["subject"] == format!("Ihr SEPA-Lastschriftmandat {reference} wurde widerrufen").as_str())
        .collect();
    assert_eq!(ended.len(), 1, "{mails:?}");
    let m = ended[0];
    assert_eq!(m["to"], "Erika Mustermann <mandat-ende@example.de>");
    let text = m["text"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "Das SEPA-Lastschriftmandat {reference} für das Konto mit der Endung 3000 wurde am 2. März 2026 widerrufen."
        )) && text.contains("Merchant acme wird dieses Konto nicht mehr belasten."),
        "{text}"
    );
    assert!(text.contains(CREDITOR) && text.contains("/p/acme"), "the creditor and a link into the portal: {text}");
    // Sent once: a second run sends nothing more.
    portal_web::mail::run(&app.db.pool, &mailer, app.clock.now()).await.unwrap();
    assert_eq!(sink.mails().len(), mails.len());

    // The merchant's endpoint gets `mandate.revoked`, once, with the mandate and the reason.
    let run = super::webhooks::deliver(&app, app.clock.now()).await;
    assert_eq!((run.sent, run.failed), (1, 0), "{run:?}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let body = hits[0].json();
    assert_eq!(hits[0].event_type(), "mandate.revoked", "{body}");
    let d = &body["data"];
    assert_eq!(
        (d["customer"].as_str(), d["mandate"].as_str(), d["reference"].as_str(), d["reason"].as_str()),
        (Some(c.as_str()), Some(id.as_str()), Some(reference.as_str()), Some("cancelled_by_merchant")),
        "{body}"
    );
    assert_eq!((d["iban_last4"].as_str(), d["creditor_id"].as_str()), (Some("3000"), Some(CREDITOR)), "{body}");
    assert!(d.get("iban").is_none(), "no full IBAN in the event");
    super::webhooks::deliver(&app, app.clock.now()).await;
    assert_eq!(receiver.hits().len(), 1);
}
