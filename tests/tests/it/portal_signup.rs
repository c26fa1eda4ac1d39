//! Sign-up through the public pricing page and the checkout (docs/adr/0036), over real HTTP as a
//! browser without JavaScript: the first invoice's exact amount with VAT for a German consumer and
//! a French business (reverse charge), computed here by hand; the wrong VAT ID refused in German
//! with nothing stored; a known address gets a sign-in link and no second account; CSRF, the
//! once-only payment form and the per-client limit; another tenant's plan is not found; the
//! funnel events; the plan change's preview with VAT and its funnel; and a Stripe account's card
//! step through Stripe.js against localstripe (docs/adr/0044), 3-D Secure on the first charge too.

use billing_tests::{TestApp, create_tenant, instant};
use serde_json::{Value, json};

use super::portal::{Browser, Page, customer, subscribe};

/// The fields of the details form for a customer in `country`.
fn details<'a>(
    csrf: &'a str,
    email: &'a str,
    country: &'a str,
    vat: &'a str,
    company: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("plan", "pro"),
        ("currency", "EUR"),
        ("quantity", "2"),
        ("email", email),
        ("name", "Erika Mustermann"),
        ("company", company),
        ("line1", "Hauptstraße 1"),
        ("postal_code", "10115"),
        ("city", "Berlin"),
        ("country", country),
        ("vat_id", vat),
    ]
}

/// The text of the first element with class `class` in the page.
fn class_text(page: &Page, class: &str) -> String {
    let marker = format!("class=\"{class}\">");
    let at = page.body.find(&marker).unwrap_or_else(|| panic!("no .{class} in {}", page.body)) + marker.len();
    page.body[at..].split('<').next().unwrap().to_string()
}

async fn funnel_steps(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT action, detail->>'visitor', customer_id::text FROM portal_events WHERE kind = 'funnel' AND status = 'completed' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_checkout_shows_the_first_invoice_with_vat_for_the_entered_country_and_signs_the_customer_in() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    // The pricing page: the price book's EUR price for two seats, no sign-in.
    let pricing = b.get("/p/acme/pricing?currency=EUR&quantity=2").await;
    assert_eq!(pricing.status, 200, "{}", pricing.body);
    assert!(pricing.body.contains("€58.00"), "2 × €29.00: {}", pricing.body);
    assert!(pricing.body.contains("€29.00 per seat"), "{}", pricing.body);
    assert!(pricing.body.contains("Prices exclude VAT"), "{}", pricing.body);
    // The yearly plan is behind the toggle.
    assert!(!pricing.body.contains("€580.00"));
    let yearly = b.get("/p/acme/pricing?interval=year&currency=EUR&quantity=2").await;
    assert!(yearly.body.contains("€580.00"), "{}", yearly.body);
    let usd = b.get("/p/acme/pricing?currency=USD").await;
    assert!(usd.body.contains("$32.00") && !usd.body.contains("€"), "{}", usd.body);

    let form = b.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=2").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.field("csrf");

    // A German consumer: 2 × 29.00 = 58.00 net, 19 % VAT = 11.02, 69.02 in all.
    let de = b.post("/p/acme/checkout", &details(&csrf, "erika@example.com", "DE", "", "")).await;
    assert_eq!(de.status, 200, "{}", de.body);
    assert_eq!(class_text(&de, "num vat"), "€11.02", "{}", de.body);
    assert_eq!(class_text(&de, "total"), "€69.02");
    assert!(de.body.contains("VAT 19%"), "{}", de.body);
    assert!(de.body.contains("Due now: €69.02"));
    // A French business with a valid VAT ID: reverse charge, no VAT, 58.00.
    let fr =
        b.post("/p/acme/checkout", &details(&csrf, "achats@example.fr", "FR", "FR40303265045", "Exemple SARL")).await;
    assert_eq!(fr.status, 200, "{}", fr.body);
    assert_eq!(class_text(&fr, "num vat"), "€0.00", "{}", fr.body);
    assert_eq!(class_text(&fr, "total"), "€58.00");
    assert!(fr.body.contains("Reverse charge: the recipient is liable for the VAT."), "{}", fr.body);
    assert_eq!(app.count("customers").await, 0, "previews store nothing");
    assert_eq!(app.count("subscriptions").await, 0);
    assert_eq!(app.count("invoices").await, 0);

    // The German consumer pays with the sandbox's test card and lands in the portal.
    let nonce = de.field("nonce");
    let mut pay = details(&csrf, "erika@example.com", "DE", "", "");
    pay.push(("nonce", &nonce));
    pay.push(("card_number", "4242 4242 4242 4242"));
    let done = b.post("/p/acme/checkout/pay", &pay).await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/p/acme?done=signup")),
        "{}",
        &done.body[done.body.find("<main").unwrap_or(0)..]
    );
    let overview = b.get("/p/acme?done=signup").await;
    assert_eq!(overview.status, 200, "signed in: {}", overview.body);
    assert!(overview.body.contains("Welcome! Your subscription has started."), "{}", overview.body);
    assert!(overview.body.contains("Erika Mustermann"));
    // The same form again changes nothing.
    let again = b.post("/p/acme/checkout/pay", &pay).await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some("/p/acme?done=signup")));
    assert_eq!(app.count("customers").await, 1);
    assert_eq!(app.count("subscriptions WHERE quantity = 2").await, 1);
    let (_, invoices) = app.get("/api/v1/invoices").await;
    let list = invoices["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{invoices}");
    assert_eq!((list[0]["total"].as_i64(), list[0]["tax"].as_i64()), (Some(6902), Some(1102)), "{invoices}");
    assert_eq!(list[0]["status"], "paid", "the first invoice was collected: {invoices}");

    // Every step is a funnel event of the same visitor; the last one knows the customer.
    let steps = funnel_steps(&app).await;
    let names: Vec<&str> = steps.iter().map(|(a, _, _)| a.as_str()).collect();
    for step in ["signup:pricing_viewed", "signup:checkout_started", "signup:details_entered", "signup:paid"] {
        assert!(names.contains(&step), "{step} in {names:?}");
    }
    let visitor = steps[0].1.clone();
    assert_eq!(visitor.len(), 32);
    assert!(steps.iter().all(|(_, v, _)| *v == visitor), "one visitor: {steps:?}");
    let paid = steps.iter().find(|(a, _, _)| a == "signup:paid").unwrap();
    assert!(paid.2.is_some(), "the paid step knows the customer");
}

#[tokio::test]
async fn a_wrong_vat_id_is_refused_in_german_on_the_checkout_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    b.lang = Some("de-DE,de;q=0.9");
    let form = b.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=2").await;
    assert!(form.body.contains("<html lang=\"de\">"));
    let csrf = form.field("csrf");
    let wrong =
        b.post("/p/acme/checkout", &details(&csrf, "firma@example.com", "DE", "DE123456789", "Firma GmbH")).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("„DE123456789“ ist keine gültige USt-IdNr."), "{}", wrong.body);
    assert!(wrong.body.contains("aria-invalid=\"true\" aria-describedby=\"vat-error\""));
    // A VAT ID of another country than the one chosen is refused too.
    let other = b.post("/p/acme/checkout", &details(&csrf, "firma@example.com", "DE", "FR40303265045", "")).await;
    assert_eq!(other.status, 400);
    assert!(other.body.contains("eines anderen Landes"), "{}", other.body);
    // The payment step checks the same way, before anything is stored.
    let mut pay = details(&csrf, "firma@example.com", "DE", "DE123456789", "Firma GmbH");
    let nonce = "a".repeat(64);
    pay.push(("nonce", &nonce));
    pay.push(("card_number", "4242424242424242"));
    let refused = b.post("/p/acme/checkout/pay", &pay).await;
    assert_eq!(refused.status, 400);
    assert_eq!(app.count("customers").await, 0);
    assert_eq!(app.count("subscriptions").await, 0);
    // With the right one, the German business gets the German VAT (a domestic supply).
    let good =
        b.post("/p/acme/checkout", &details(&csrf, "firma@example.com", "DE", "DE 123456788", "Firma GmbH")).await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(class_text(&good, "num vat"), "11,02\u{a0}€");
}

#[tokio::test]
async fn a_known_address_gets_a_sign_in_link_and_no_second_account() {
    let app = TestApp::spawn().await;
    customer(&app, "kunde@example.com", "DE").await;
    let mut b = Browser::new(&app);
    let form = b.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=1").await;
    let csrf = form.field("csrf");
    let page = b.post("/p/acme/checkout", &details(&csrf, "Kunde@Example.com", "DE", "", "")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Check your email"), "the sign-in page's answer: {}", page.body);
    assert!(!page.body.contains("already"), "the page does not say the address is known");
    let mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE topic = 'portal.sign_in_link' AND payload->>'to' = 'kunde@example.com'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(mails, 1, "a sign-in link went to the address on file");
    assert_eq!(app.count("customers").await, 1);
    assert_eq!(app.count("subscriptions").await, 0);
}

#[tokio::test]
async fn another_tenants_plan_or_an_unpriced_currency_is_not_found_on_the_checkout() {
    let app = TestApp::spawn().await;
    let other = create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    {
        use billing_core::service::catalog::{NewPlanInput, PriceInput, create_plan};
        let mut conn = app.db.pool.acquire().await.unwrap();
        let input = NewPlanInput {
            product_code: "x".into(),
            product_name: "X".into(),
            code: "solo".into(),
            name: "Solo".into(),
            interval_unit: "month".into(),
            interval_count: 1,
            prices: vec![PriceInput::per_unit("EUR", "9.00")],
            billing_timing: None,
            usage: None,
            trial_days: None,
            tax_category: None,
            setup_fees: vec![],
            addon: None,
            trial_requires_payment_method: false,
        };
        create_plan(&mut conn, other.id, &input, instant("2026-03-01T09:00:00Z")).await.unwrap();
    }
    let (_, plans) = app.send(app.http.get(app.url("/api/v1/plans")), &other.api_key).await;
    let other_plan = plans["data"][0]["id"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    for path in [
        "/p/acme/checkout?plan=solo&currency=EUR".to_string(),
        format!("/p/acme/checkout?plan={other_plan}&currency=EUR"),
        "/p/acme/checkout?plan=pro&currency=CHF".to_string(),
        "/p/acme/checkout?plan=nothing&currency=EUR".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
    }
    // The other tenant's own checkout sells it.
    let page = b.get(&format!("/p/other/checkout?plan={other_plan}&currency=EUR")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let pricing = b.get("/p/acme/pricing").await;
    assert!(!pricing.body.contains("Solo"));
}

#[tokio::test]
async fn checkout_forms_need_the_csrf_token_and_are_limited_per_client() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new(&app);
    let form = b.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=1").await;
    let csrf = form.field("csrf");
    let forged = b.post("/p/acme/checkout", &details("forged", "x@example.com", "DE", "", "")[..]).await;
    assert_eq!(forged.status, 403);
    let mut statuses = vec![];
    for i in 0..22 {
        let email = format!("visitor{i}@example.com");
        let page = b.post("/p/acme/checkout", &details(&csrf, &email, "DE", "", "")).await;
        statuses.push(page.status);
    }
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[21], 429, "{statuses:?}");
    assert_eq!(app.count("customers").await, 0);
}

#[tokio::test]
async fn the_plan_change_preview_includes_vat_and_writes_the_plan_change_funnel() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "de@example.com", "DE").await;
    let sub = subscribe(&app, &c, "pro").await;
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    app.clock.set(instant("2026-03-11T09:00:00Z"));
    let mut b = Browser::new(&app);
    b.sign_in("acme", "de@example.com").await;
    let form = b.get(&format!("/p/acme/subscriptions/{sub}/change")).await;
    let ev = form.field("ev");
    let preview = b.get(&format!("/p/acme/subscriptions/{sub}/change?ev={ev}&plan=pro&quantity=3")).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let (_, api) = app.post(&format!("/api/v1/subscriptions/{sub}/change/preview"), json!({ "quantity": 3 })).await;
    let net = api["total"].as_i64().unwrap();
    // German VAT on the proration charge, rounded once: 19 % of the net.
    let tax = (net * 19 + 50) / 100;
    let money = |m: i64| format!("€{}.{:02}", m / 100, m % 100);
    let text = |id: &str| {
        let marker = format!("id=\"{id}\">");
        let at = preview.body.find(&marker).unwrap() + marker.len();
        preview.body[at..].split('<').next().unwrap().to_string()
    };
    assert_eq!(text("preview-net"), money(net), "{}", preview.body);
    assert_eq!(text("preview-tax"), money(tax));
    assert_eq!(text("preview-total"), money(net + tax));
    assert!(preview.body.contains("VAT 19%"));
    let fields = [
        ("csrf", preview.field("csrf")),
        ("nonce", preview.field("nonce")),
        ("ev", ev.clone()),
        ("plan", "pro".to_string()),
        ("quantity", "3".to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b.post(&format!("/p/acme/subscriptions/{sub}/change"), &fields).await;
    assert_eq!(done.status, 303);
    let (_, invoices) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    let proration: Vec<&Value> =
        invoices["data"].as_array().unwrap().iter().filter(|i| i["kind"] == "proration").collect();
    assert_eq!(proration[0]["total"].as_i64(), Some(net + tax), "the invoice is what the preview showed");
    let steps = funnel_steps(&app).await;
    let names: Vec<&str> = steps.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(names, ["plan_change:viewed", "plan_change:previewed", "plan_change:confirmed"]);
    assert!(steps.iter().all(|(_, v, cust)| *v == c && cust.is_some()), "the visitor is the customer's id: {steps:?}");
}

#[tokio::test]
async fn a_tenants_own_domain_serves_the_pricing_page_and_checkout_at_its_root() {
    let app = TestApp::spawn().await;
    billing_core::store::portal::add_domain(
        &mut app.db.pool.acquire().await.unwrap(),
        app.tenant.id,
        "billing.acme.test",
        instant("2026-03-01T09:00:00Z"),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(app.url("/pricing?currency=EUR")).header("host", "billing.acme.test").send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("href=\"/checkout?plan=pro&#38;currency=EUR&#38;quantity=1\""), "links at the root: {body}");
    let checkout =
        http.get(app.url("/checkout?plan=pro&currency=EUR")).header("host", "billing.acme.test").send().await.unwrap();
    assert_eq!(checkout.status().as_u16(), 200);
    assert!(checkout.text().await.unwrap().contains("action=\"/checkout\""));
}

/// A Stripe account with Stripe.js (docs/adr/0044): pricing -> checkout -> details -> the card
/// step (`method=stripe`, no card number) -> the setup's page with Stripe's card element. Returns
/// the setup page's path (with `?from=checkout`) once the customer is signed up and signed in.
async fn stripe_checkout(b: &mut Browser<'_>, app: &TestApp, email: &str) -> String {
    let pricing = b.get("/p/acme/pricing?currency=EUR&quantity=2").await;
    assert_eq!(pricing.status, 200, "{}", pricing.body);
    let form = b.get("/p/acme/checkout?plan=pro&currency=EUR&quantity=2").await;
    let csrf = form.field("csrf");
    let step = b.post("/p/acme/checkout", &details(&csrf, email, "DE", "", "")).await;
    assert_eq!(step.status, 200, "{}", step.body);
    assert_eq!(class_text(&step, "total"), "€69.02");
    assert!(step.body.contains("name=\"method\" value=\"stripe\""), "{}", step.body);
    assert!(!step.body.contains("name=\"card_number\""), "no typed card number for a Stripe.js account");
    let nonce = step.field("nonce");
    let mut pay = details(&csrf, email, "DE", "", "");
    pay.push(("nonce", &nonce));
    pay.push(("method", "stripe"));
    let started = b.post("/p/acme/checkout/pay", &pay).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let to = started.location.clone().unwrap();
    assert!(to.starts_with("/p/acme/payment-methods/setups/") && to.ends_with("?from=checkout"), "{to}");
    // The same form again starts nothing more.
    let again = b.post("/p/acme/checkout/pay", &pay).await;
    assert_eq!(again.status, 303);
    assert_eq!(app.count("customers").await, 1);
    assert_eq!(app.count("subscriptions WHERE quantity = 2").await, 1);
    assert_eq!(app.count("payment_methods").await, 0, "no card before Stripe says so");
    let (_, invoices) = app.get("/api/v1/invoices").await;
    let list = invoices["data"].as_array().unwrap();
    assert_eq!((list.len(), list[0]["status"].as_str()), (1, Some("open")), "{invoices}");
    to
}

/// The setup page's SetupIntent client secret, after checking the page is Stripe's card element.
async fn stripe_setup_secret(b: &mut Browser<'_>, setup: &str, js: &str) -> (String, super::portal::Page) {
    let page = b.get(setup).await;
    assert_eq!(page.status, 200, "signed in by the checkout: {}", page.body);
    assert!(page.body.contains(&format!("<script src=\"{js}\"></script>")), "{}", page.body);
    assert!(page.body.contains("name=\"from\" value=\"checkout\""), "{}", page.body);
    let secret = page.body.split("data-secret=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(secret.starts_with("seti_"), "{secret}");
    (secret, page)
}

/// The first invoice: paid in full, and the PaymentIntent at localstripe succeeded for that amount.
async fn first_invoice_paid_at_stripe(app: &TestApp, peer: &super::payments_stripe::Localstripe) {
    let (_, invoices) = app.get("/api/v1/invoices").await;
    let inv = &invoices["data"][0];
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(6902)), "{invoices}");
    let pis: Vec<String> = sqlx::query_scalar(
        "SELECT provider_payment_id FROM payment_attempts WHERE status = 'succeeded' AND provider_payment_id IS NOT NULL",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(pis.len(), 1, "one successful charge: {pis:?}");
    let pi: Value = reqwest::Client::new()
        .get(format!("{}/v1/payment_intents/{}", peer.url, pis[0]))
        .bearer_auth(super::payments_stripe::KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (pi["status"].as_str(), pi["amount"].as_i64(), pi["currency"].as_str()),
        (Some("succeeded"), Some(6902), Some("eur")),
        "{pi}"
    );
    assert!(pi["customer"].as_str().is_some_and(|c| c.starts_with("cus_")), "{pi}");
}

async fn paid_steps(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    funnel_steps(app).await.into_iter().filter(|(a, _, _)| a == "signup:paid").collect()
}

#[tokio::test]
async fn a_stripe_accounts_checkout_collects_the_card_with_stripe_js_and_pays_the_first_invoice_at_stripe() {
    let peer = super::payments_stripe::localstripe();
    let (app, js) = super::portal::stripe_js_app(&peer).await;
    let mut b = Browser::new(&app);
    let setup = stripe_checkout(&mut b, &app, "stripe-checkout@example.com").await;
    let (secret, page) = stripe_setup_secret(&mut b, &setup, &js).await;
    assert!(paid_steps(&app).await.is_empty(), "not paid before the card");

    // Stripe.js confirms the SetupIntent with the card; the form posts only our setup's id.
    let confirmed = super::portal::stripe_js_confirms_setup(&peer, &secret, "4242424242424242").await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let path = setup.split('?').next().unwrap();
    let form = [
        ("csrf", page.field("csrf")),
        ("nonce", page.field("nonce")),
        ("result", "provider".into()),
        ("from", "checkout".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b.post(path, &form).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/p/acme/payment-methods?done=1")), "{}", done.body);
    first_invoice_paid_at_stripe(&app, &peer).await;
    let (_, subs) = app.get("/api/v1/subscriptions").await;
    assert_eq!(subs["data"][0]["status"], "active", "{subs}");
    // Signed in: the overview is the customer's own.
    let overview = b.get("/p/acme").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("Erika Mustermann"), "{}", overview.body);
    let paid = paid_steps(&app).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert!(paid[0].2.is_some(), "the paid step knows the customer");
    // The form again (a double click, a reload) records and charges nothing more.
    let again = b.post(path, &form).await;
    assert_eq!(again.status, 303);
    assert_eq!(paid_steps(&app).await.len(), 1);
    first_invoice_paid_at_stripe(&app, &peer).await;
}

#[tokio::test]
async fn a_stripe_checkout_card_that_asks_for_3ds_on_the_charge_is_finished_on_the_payment_page() {
    let peer = super::payments_stripe::localstripe();
    let (app, js) = super::portal::stripe_js_app(&peer).await;
    let mut b = Browser::new(&app);
    let setup = stripe_checkout(&mut b, &app, "stripe-3ds-checkout@example.com").await;
    let (secret, page) = stripe_setup_secret(&mut b, &setup, &js).await;
    // The card asks at its setup (the bank's window, "Complete authentication") and on each charge.
    let confirmed = super::portal::stripe_js_confirms_setup(&peer, &secret, "4000002760003184").await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let path = setup.split('?').next().unwrap();
    let form = [
        ("csrf", page.field("csrf")),
        ("nonce", page.field("nonce")),
        ("result", "provider".into()),
        ("from", "checkout".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b.post(path, &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let challenge = super::portal::payment_path(done.location.as_deref());
    let (_, invoices) = app.get("/api/v1/invoices").await;
    assert_eq!(invoices["data"][0]["status"], "open", "waits for the bank: {invoices}");
    assert!(paid_steps(&app).await.is_empty());

    let page = b.get(&challenge).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"stripe-payment\""), "{}", page.body);
    let secret = page.body.split("data-secret=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(secret.starts_with("pi_"), "{secret}");
    // Stripe.js `confirmCardPayment`: "Complete authentication" in the bank's window.
    let pi = secret.split("_secret_").next().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents/{pi}/_authenticate?success=true", peer.url))
        .json(&json!({ "key": "pk_test_portal_0123456789", "client_secret": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let back = b.get(&challenge).await;
    assert!(back.body.contains("is paid"), "{}", back.body);
    first_invoice_paid_at_stripe(&app, &peer).await;
    let paid = paid_steps(&app).await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert!(paid[0].2.is_some());
    // The return again records nothing more.
    b.get(&challenge).await;
    assert_eq!(paid_steps(&app).await.len(), 1);
    first_invoice_paid_at_stripe(&app, &peer).await;
}
