//! Money moves once: every API route that changes something honours `Idempotency-Key`. The test
//! walks the API's own route table (the one the router is built from), so a route added later
//! without a case here fails it; for each route it sends one request twice under one key and
//! checks that the second is a replay of the first and changed nothing in the database.

use std::collections::BTreeMap;
use std::sync::Arc;

use billing_tests::TestApp;
use portal_web::config::ViesConfig;
use portal_web::vies::HttpVies;
use reqwest::Method;
use serde_json::{Value, json};

/// A request to send: path (under /api/v1), body, content type.
struct Case {
    path: String,
    body: Vec<u8>,
    content_type: &'static str,
}

fn json_case(path: String, body: Value) -> Case {
    Case { path, body: body.to_string().into_bytes(), content_type: "application/json" }
}

/// What the request answered.
struct Answer {
    status: u16,
    replayed: bool,
    body: Value,
}

async fn send(app: &TestApp, method: &Method, case: &Case, key: &str) -> Answer {
    let resp = app
        .http
        .request(method.clone(), app.url(&format!("/api/v1{}", case.path)))
        .bearer_auth(&app.tenant.api_key)
        .header("idempotency-key", key)
        .header("content-type", case.content_type)
        .body(case.body.clone())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let replayed = resp.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let bytes = resp.bytes().await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Answer { status, replayed, body }
}

/// A digest of every row of every table but the idempotency keys themselves: equal before and
/// after a request exactly when the request changed nothing.
async fn fingerprint(app: &TestApp) -> BTreeMap<String, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('idempotency_keys', '_sqlx_migrations', 'api_request_log') ORDER BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for table in tables {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        ))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        out.insert(table, digest);
    }
    out
}

async fn post(app: &TestApp, path: &str, body: Value) -> Value {
    let (status, answer) = app.post(&format!("/api/v1{path}"), body).await;
    assert!((200..300).contains(&status), "setting up with {path}: {status} {answer}");
    answer
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn customer(app: &TestApp, n: usize) -> String {
    let body = json!({ "email": format!("walk{n}@example.com"), "name": "Walker", "country": "US", "currency": "EUR" });
    id(&post(app, "/customers", body).await)
}

/// A SEPA mandate a new customer signed in the portal: (customer, mandate id).
async fn signed_mandate(app: &TestApp, n: usize) -> (String, String) {
    post(app, "/tenant", json!({ "sepa_creditor_id": "DE98ZZZ09999999999" })).await;
    let c = customer(app, n).await;
    let now = billing_core::clock::Clock::now(app.clock.as_ref());
    let signed = billing_core::service::sepa_mandates::Signed {
        iban: "DE89370400440532013000".into(),
        account_holder: "Walker".into(),
        reference: format!("MDT-WALK{n:012}"),
        text: "The mandate text as shown.".into(),
        locale: "en".into(),
        client_address: Some("203.0.113.7".into()),
        user_agent: Some("walker".into()),
        prenotification_days: None,
    };
    let (_, mandate) = billing_core::service::sepa_mandates::sign(
        &app.db.pool,
        app.tenant.id,
        c.parse().unwrap(),
        app.gateways.as_ref(),
        &signed,
        now,
    )
    .await
    .unwrap();
    (c, mandate.id.to_string())
}

/// A billing question a new customer asked in the portal.
async fn question(app: &TestApp, n: usize) -> String {
    let c: billing_core::ids::CustomerId = customer(app, n).await.parse().unwrap();
    let now = billing_core::clock::Clock::now(app.clock.as_ref());
    let mut conn = app.db.pool.acquire().await.unwrap();
    let q = billing_core::service::billing_questions::ask(&mut conn, app.tenant.id, c, "other", None, "Why?", now)
        .await
        .unwrap();
    q.id.to_string()
}

async fn subscription(app: &TestApp, n: usize, plan: &str) -> String {
    let c = customer(app, n).await;
    id(&post(app, "/subscriptions", json!({ "customer": c, "plan": plan, "start_date": "2026-03-01" })).await)
}

/// A draft with two lines.
async fn draft(app: &TestApp, n: usize) -> String {
    let c = customer(app, n).await;
    let lines =
        json!([{ "description": "Workshop", "unit_amount": 10000 }, { "description": "Travel", "unit_amount": 2000 }]);
    id(&post(app, "/invoices", json!({ "customer": c, "lines": lines })).await)
}

/// An open (finalized) invoice of 120.00 EUR: (customer, invoice).
async fn open_invoice(app: &TestApp, n: usize) -> (String, String) {
    let invoice = draft(app, n).await;
    let finalized = post(app, &format!("/invoices/{invoice}/finalize"), json!({})).await;
    assert_eq!(finalized["status"], "open", "{finalized}");
    (finalized["customer"].as_str().unwrap().to_owned(), invoice)
}

async fn card(app: &TestApp, customer: &str, number: &str) -> Value {
    post(app, &format!("/customers/{customer}/payment_methods"), json!({ "card_number": number })).await
}

/// An open invoice whose customer holds a card that works.
async fn payable_invoice(app: &TestApp, n: usize) -> String {
    let (customer, invoice) = open_invoice(app, n).await;
    card(app, &customer, "4242424242424242").await;
    invoice
}

/// A card whose issuer asks for 3-D Secure when it is saved: (account, provider setup id, setup path).
async fn waiting_setup(app: &TestApp, n: usize) -> (String, String, String) {
    let c = customer(app, n).await;
    let (status, setup) =
        app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4000002760003184" })).await;
    assert_eq!(status, 202, "{setup}");
    let account = setup["gateway_account"].as_str().unwrap().to_owned();
    let provider = setup["provider_setup_id"].as_str().unwrap().to_owned();
    (account, provider, format!("/customers/{c}/payment_method_setups/{}", id(&setup)))
}

const BANK_ACCOUNT: &str = "DE89370400440532013000";

async fn bank_account(app: &TestApp) {
    let body = json!({ "iban": BANK_ACCOUNT, "holder": "Merchant acme" });
    let (status, r) = app.send(app.http.put(app.url("/api/v1/bank_account")).json(&body), &app.tenant.api_key).await;
    assert_eq!(status, 200, "{r}");
}

fn statement(remittance: &str, cents: i64) -> String {
    format!(
        "Buchungstag;Valutadatum;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n\
         10.03.2026;10.03.2026;Payer;DE02120300000000202051;{remittance};{},{:02};EUR\n",
        cents / 100,
        cents % 100
    )
}

/// Sets up what the route needs and returns the request to send twice. Every route of the API
/// that changes something needs a case here.
async fn case(app: &TestApp, method: &Method, path: &str, n: usize) -> Case {
    match (method.as_str(), path) {
        ("POST", "/customers") => json_case(
            path.into(),
            json!({ "email": "new@example.com", "name": "New", "country": "DE", "currency": "EUR" }),
        ),
        ("POST" | "PATCH", "/customers/{id}") => {
            json_case(format!("/customers/{}", customer(app, n).await), json!({ "name": "Renamed" }))
        }
        ("POST", "/plans") => json_case(
            path.into(),
            json!({ "code": format!("walk-{n}"), "name": "Walk", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 1500 }] }),
        ),
        ("POST", "/plans/{id}/prices") => {
            json_case("/plans/pro/prices".into(), json!({ "currency": "EUR", "amount": 3100 }))
        }
        ("POST", "/coupons") => {
            json_case(path.into(), json!({ "code": format!("WALK{n}"), "percent_off": "10", "duration": "once" }))
        }
        ("POST", "/simulations") => json_case(
            path.into(),
            json!({ "plan": "pro", "currency": "EUR", "country": "US", "start_date": "2026-01-01", "months": 3 }),
        ),
        ("POST", "/usage_events" | "/usage_events/batch") => {
            let (status, _) = app
                .post(
                    "/api/v1/plans",
                    json!({ "code": "metered", "name": "Metered", "interval": { "unit": "month", "count": 1 },
                            "usage": { "metric": "calls", "aggregation": "sum" },
                            "prices": [{ "currency": "EUR", "amount": 1 }] }),
                )
                .await;
            assert!(status == 201 || status == 409, "metered plan: {status}");
            let sub = subscription(app, n, "metered").await;
            let event = json!({ "subscription": sub, "event_id": format!("e{n}"), "timestamp": "2026-03-01T08:00:00Z",
                                "value": "5" });
            let body = if path.ends_with("batch") { json!({ "events": [event] }) } else { event };
            json_case(path.into(), body)
        }
        ("POST", "/subscriptions") => json_case(
            path.into(),
            json!({ "customer": customer(app, n).await, "plan": "pro", "start_date": "2026-03-01" }),
        ),
        ("POST", "/subscriptions/{id}/change" | "/subscriptions/{id}/change/preview") => {
            let sub = subscription(app, n, "pro").await;
            json_case(path.replace("{id}", &sub), json!({ "quantity": 2 }))
        }
        ("POST", "/subscriptions/{id}/cancel" | "/subscriptions/{id}/pause") => {
            let sub = subscription(app, n, "pro").await;
            json_case(path.replace("{id}", &sub), json!({}))
        }
        ("POST", "/subscriptions/{id}/undo_cancel") => {
            let sub = subscription(app, n, "pro").await;
            post(app, &format!("/subscriptions/{sub}/cancel"), json!({})).await;
            json_case(path.replace("{id}", &sub), json!({}))
        }
        ("POST", "/subscriptions/{id}/resume") => {
            let sub = subscription(app, n, "pro").await;
            post(app, &format!("/subscriptions/{sub}/pause"), json!({})).await;
            json_case(path.replace("{id}", &sub), json!({}))
        }
        ("POST", "/subscriptions/{id}/reactivate") => {
            let sub = subscription(app, n, "pro").await;
            post(app, &format!("/subscriptions/{sub}/cancel"), json!({ "timing": "now" })).await;
            json_case(path.replace("{id}", &sub), json!({}))
        }
        ("POST", "/subscriptions/{id}/coupon") => {
            post(app, "/coupons", json!({ "code": format!("C{n}"), "percent_off": "10", "duration": "once" })).await;
            let sub = subscription(app, n, "pro").await;
            json_case(path.replace("{id}", &sub), json!({ "code": format!("C{n}") }))
        }
        ("POST", "/subscriptions/{id}/addons") => {
            post(
                app,
                "/plans",
                json!({ "code": "extra", "name": "Extra", "interval": { "unit": "month", "count": 1 },
                        "addon": { "fits": ["pro"], "one_time": false }, "prices": [{ "currency": "EUR", "amount": 500 }] }),
            )
            .await;
            let sub = subscription(app, n, "pro").await;
            json_case(path.replace("{id}", &sub), json!({ "addon": "extra", "quantity": 1 }))
        }
        ("POST", "/invoices") => json_case(
            path.into(),
            json!({ "customer": customer(app, n).await, "lines": [{ "description": "Setup", "unit_amount": 5000 }] }),
        ),
        ("DELETE", "/invoices/{id}") | ("POST", "/invoices/{id}/finalize") => {
            json_case(path.replace("{id}", &draft(app, n).await), json!({}))
        }
        ("POST", "/invoices/{id}/lines") => json_case(
            path.replace("{id}", &draft(app, n).await),
            json!({ "lines": [{ "description": "Extra hour", "unit_amount": 1000 }] }),
        ),
        ("DELETE", "/invoices/{id}/lines/{line_no}") => {
            json_case(format!("/invoices/{}/lines/1", draft(app, n).await), json!({}))
        }
        ("POST", "/invoices/{id}/void" | "/invoices/{id}/mark_uncollectible") => {
            json_case(path.replace("{id}", &open_invoice(app, n).await.1), json!({}))
        }
        ("POST", "/invoices/{id}/credit_notes") => {
            json_case(path.replace("{id}", &open_invoice(app, n).await.1), json!({ "amount": 1000 }))
        }
        ("POST", "/invoices/{id}/mark_paid") => {
            // No reference: without the key, each call would record another payment.
            json_case(path.replace("{id}", &open_invoice(app, n).await.1), json!({ "amount": 500 }))
        }
        ("POST", "/customers/{id}/balance/transactions") => json_case(
            path.replace("{id}", &customer(app, n).await),
            json!({ "kind": "adjustment", "amount": 500, "currency": "EUR" }),
        ),
        ("POST", "/customers/{id}/payment_terms") => {
            json_case(path.replace("{id}", &customer(app, n).await), json!({ "days": 30 }))
        }
        ("POST", "/customers/{id}/vat_id/verify") => {
            let body = json!({ "email": format!("vat{n}@example.fr"), "name": "Société", "country": "FR",
                               "currency": "EUR", "vat_id": "FR40303265045" });
            let c = id(&post(app, "/customers", body).await);
            json_case(path.replace("{id}", &c), json!({}))
        }
        ("POST", "/customers/{id}/mandates") => {
            post(app, "/tenant", json!({ "sepa_creditor_id": "DE98ZZZ09999999999" })).await;
            let body = json!({ "iban": "DE89 3704 0044 0532 0130 00", "account_holder": "Walker",
                               "mandate_text": "Signed on paper.", "prenotification_days": 5 });
            json_case(path.replace("{id}", &customer(app, n).await), body)
        }
        ("PATCH", "/customers/{id}/mandates/{mandate}") => {
            let (c, mandate) = signed_mandate(app, n).await;
            json_case(path.replace("{id}", &c).replace("{mandate}", &mandate), json!({ "prenotification_days": 7 }))
        }
        ("POST", "/customers/{id}/mandates/{mandate}/cancel") => {
            let (c, mandate) = signed_mandate(app, n).await;
            json_case(path.replace("{id}", &c).replace("{mandate}", &mandate), json!({}))
        }
        ("POST", "/customers/{id}/payment_methods") => {
            json_case(path.replace("{id}", &customer(app, n).await), json!({ "card_number": "4242424242424242" }))
        }
        ("POST", "/customers/{id}/payment_method_setups/{setup}/complete") => {
            let (account, provider, setup) = waiting_setup(app, n).await;
            post(
                app,
                &format!("/gateway_accounts/{account}/sandbox/authenticate"),
                json!({ "setup": provider, "success": true }),
            )
            .await;
            json_case(format!("{setup}/complete"), json!({}))
        }
        ("POST", "/gateway_accounts/{id}/sandbox/authenticate") => {
            let (account, provider, _) = waiting_setup(app, n).await;
            json_case(path.replace("{id}", &account), json!({ "setup": provider, "success": true }))
        }
        ("POST", "/gateway_accounts/{id}/sandbox/settle_debits") => {
            let c = customer(app, n).await;
            post(app, &format!("/customers/{c}/payment_methods"), json!({ "iban": "DE89370400440532013000" })).await;
            let lines = json!([{ "description": "Debit", "unit_amount": 700 }]);
            let invoice = id(&post(app, "/invoices", json!({ "customer": c, "lines": lines })).await);
            post(app, &format!("/invoices/{invoice}/finalize"), json!({})).await;
            let paid = post(app, &format!("/invoices/{invoice}/pay"), json!({})).await;
            let account = paid["attempt"]["gateway_account"].as_str().unwrap().to_owned();
            json_case(path.replace("{id}", &account), json!({}))
        }
        ("POST", "/invoices/{id}/pay") => json_case(path.replace("{id}", &payable_invoice(app, n).await), json!({})),
        ("POST", "/invoices/{id}/refunds") => {
            let invoice = payable_invoice(app, n).await;
            post(app, &format!("/invoices/{invoice}/pay"), json!({})).await;
            json_case(path.replace("{id}", &invoice), json!({ "amount": 500 }))
        }
        ("POST", "/invoice_runs") => json_case(path.into(), json!({ "as_of": "2026-03-01", "dry_run": true })),
        ("POST", "/gateway_accounts") => {
            json_case(path.into(), json!({ "provider": "sandbox", "name": format!("walk-{n}") }))
        }
        ("POST", "/gateway_accounts/{id}/webhook_secret/rotate") => {
            let account =
                id(&post(app, "/gateway_accounts", json!({ "provider": "sandbox", "name": format!("rotate-{n}") }))
                    .await);
            json_case(path.replace("{id}", &account), json!({ "expire_previous_in_hours": 1 }))
        }
        ("PUT", "/routing_rules") => json_case(path.into(), json!({ "rules": [] })),
        ("PUT", "/portal/retention_offer") => json_case(path.into(), json!({ "kind": "pause" })),
        ("POST", "/portal_sessions") => {
            json_case(path.into(), json!({ "customer": customer(app, n).await, "flow": "invoice_pay" }))
        }
        ("POST", "/tenant") => json_case(path.into(), json!({ "legal_name": "Acme Walk GmbH" })),
        ("POST", "/mail_settings") => json_case(path.into(), json!({ "sender_name": "Acme Billing" })),
        ("DELETE", "/mail_suppressions/{address}") => {
            let address = format!("bounced{n}@example.com");
            let mut conn = app.db.pool.acquire().await.unwrap();
            billing_core::store::mail::suppress(&mut conn, app.tenant.id, &address, "bounce", None, chrono::Utc::now())
                .await
                .unwrap();
            json_case(path.replace("{address}", &address), json!({}))
        }
        ("POST", "/tenant/einvoice") => json_case(path.into(), json!({ "contact_name": "Erika Walk" })),
        ("POST", "/customers/{id}/einvoice") => {
            json_case(path.replace("{id}", &customer(app, n).await), json!({ "format": "xrechnung_ubl" }))
        }
        ("POST", "/mail_reports") => {
            // A mail that was sent; the report says it bounced.
            let address = format!("reported{n}@example.com");
            let message = billing_core::outbox::OutboxMessage::SignInLink {
                customer_id: billing_core::ids::CustomerId::new(),
                to: billing_core::email::EmailAddress::parse(&address).unwrap(),
                locale: "en".into(),
                url: "https://billing.example/p/x".into(),
                expires_at: chrono::Utc::now(),
            };
            let mail = billing_core::store::mail::NewMail {
                outbox_id: uuid::Uuid::now_v7(),
                template: billing_core::mail::MailTemplate::SignInLink,
                to: &address,
                locale: "en",
                message: &message,
            };
            let mut conn = app.db.pool.acquire().await.unwrap();
            let now = chrono::Utc::now();
            assert!(
                billing_core::store::mail::insert(&mut conn, app.tenant.id, &mail, "walk.example", now).await.unwrap()
            );
            let message_id: String = sqlx::query_scalar("SELECT message_id FROM mails WHERE to_address = $1")
                .bind(&address)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let report = format!(
                "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\
                 Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n\
                 Final-Recipient: rfc822; {address}\nAction: failed\nStatus: 5.1.1\n\n--b\n\
                 Content-Type: text/rfc822-headers\n\nMessage-ID: {message_id}\n\n--b--\n"
            );
            Case { path: path.into(), body: report.into_bytes(), content_type: "text/plain" }
        }
        ("PUT", "/dunning_policies/{scope}/{name}") => json_case(
            "/dunning_policies/method/card".into(),
            json!({ "steps": [{ "day": 2, "action": "email" }, { "day": 9, "action": "mark_uncollectible" }] }),
        ),
        ("DELETE", "/dunning_policies/{scope}/{name}") => {
            let path = format!("/dunning_policies/segment/walk{n}");
            let (s, p) = app
                .send(
                    app.http.put(app.url(&format!("/api/v1{path}"))).json(&json!({ "ladder": "de" })),
                    &app.tenant.api_key,
                )
                .await;
            assert_eq!(s, 200, "{p}");
            json_case(path, json!({}))
        }
        ("PUT", "/dunning_policy") => json_case(
            path.into(),
            json!({ "steps": [{ "day": 2, "action": "retry" }, { "day": 9, "action": "email" }] }),
        ),
        ("PUT", "/exports/datev/settings") => {
            json_case(path.into(), json!({ "consultant_number": 29098, "client_number": 55003 }))
        }
        // analytics: the merchant's acquisition spend and the time-and-cost-saved settings.
        ("PUT", "/metrics/acquisition_spend") => {
            json_case(path.into(), json!({ "month": "2026-03", "currency": "EUR", "amount": 150_000 }))
        }
        ("PUT", "/metrics/settings") => json_case(
            path.into(),
            json!({ "currency": "EUR", "staff_minutes_per_action": 6, "cost_per_action": 250, "postage_cost": 95 }),
        ),
        ("PUT", "/bank_account") => json_case(path.into(), json!({ "iban": BANK_ACCOUNT, "holder": "Acme" })),
        ("POST", "/bank_statements") => {
            bank_account(app).await;
            Case {
                path: "/bank_statements?format=csv".into(),
                body: statement("Spende", 4200).into_bytes(),
                content_type: "text/csv",
            }
        }
        ("POST", "/bank_statements/{id}/entries/{line}/assign") => {
            bank_account(app).await;
            let import = Case {
                path: "/bank_statements?format=csv".into(),
                body: statement("ohne Rechnung", 1234).into_bytes(),
                content_type: "text/csv",
            };
            let imported = send(app, &Method::POST, &import, &format!("setup-{n}")).await;
            assert_eq!(imported.status, 201, "{}", imported.body);
            let invoice = open_invoice(app, n).await.1;
            json_case(
                format!("/bank_statements/{}/entries/1/assign", id(&imported.body)),
                json!({ "invoice": invoice }),
            )
        }
        ("POST", "/webhook_endpoints") => {
            json_case(path.into(), json!({ "url": format!("https://hooks.example.com/{n}"), "enabled_events": ["*"] }))
        }
        ("POST" | "DELETE", "/webhook_endpoints/{id}") | ("POST", "/webhook_endpoints/{id}/secret/rotate") => {
            let body = json!({ "url": format!("https://hooks.example.com/{n}"), "enabled_events": ["*"] });
            let endpoint = id(&post(app, "/webhook_endpoints", body).await);
            let change = if path.ends_with("rotate") {
                json!({ "expire_previous_in_hours": 1 })
            } else {
                json!({ "description": "Walk" })
            };
            json_case(path.replace("{id}", &endpoint), change)
        }
        ("POST", "/webhook_deliveries/{id}/retry") => {
            let body =
                json!({ "url": format!("https://hooks.example.com/{n}"), "enabled_events": ["customer.created"] });
            let endpoint = id(&post(app, "/webhook_endpoints", body).await);
            customer(app, n).await;
            let mut conn = app.db.pool.acquire().await.unwrap();
            while billing_core::service::delivery::fan_out(&mut conn, "shop.example", chrono::Utc::now(), 500)
                .await
                .unwrap()
                .messages
                > 0
            {}
            let (_, list) = app.get(&format!("/api/v1/webhook_endpoints/{endpoint}/deliveries")).await;
            json_case(path.replace("{id}", &id(&list["data"][0])), json!({}))
        }
        ("PUT", "/portal/faq") => {
            json_case(path.into(), json!({ "entries": [{ "locale": "en", "question": "Q?", "answer": "A." }] }))
        }
        ("PUT", "/portal/survey_settings") => json_case(path.into(), json!({ "nps_wait_days": 14 })),
        // console (docs/adr/0039): pausing a dunning, resuming it, the portal's options.
        ("POST", "/customers/{id}/dunning/pause") => {
            json_case(path.replace("{id}", &customer(app, n).await), json!({ "reason": "Disputed" }))
        }
        ("POST", "/customers/{id}/dunning/resume") => {
            let c = customer(app, n).await;
            post(app, &format!("/customers/{c}/dunning/pause"), json!({ "reason": "Disputed" })).await;
            json_case(path.replace("{id}", &c), json!({ "reason": "Settled" }))
        }
        ("PUT", "/branding/logo") => Case {
            path: path.into(),
            body: br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#123"/></svg>"##.to_vec(),
            content_type: "image/svg+xml",
        },
        ("DELETE", "/branding/logo") => {
            // A logo to delete, so that the request changes something.
            let mut conn = app.db.pool.acquire().await.unwrap();
            let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 40]].concat();
            billing_core::service::portal_options::put_logo(&mut conn, app.tenant.id, &png, chrono::Utc::now())
                .await
                .unwrap();
            Case { path: path.into(), body: vec![], content_type: "application/json" }
        }
        ("PUT", "/portal/options") => json_case(
            path.into(),
            json!({ "offered_locales": ["en", "de"], "plan_moves": { "mode": "upgrades", "downgrades_at_period_end": true } }),
        ),
        ("POST", "/billing_questions/{id}/replies") => {
            json_case(path.replace("{id}", &question(app, n).await), json!({ "body": "Answered." }))
        }
        ("POST", "/billing_questions/{id}/close") => {
            json_case(path.replace("{id}", &question(app, n).await), json!({}))
        }
        ("POST", "/staff") => json_case(
            path.into(),
            json!({ "email": format!("staff{n}@example.com"), "role": "support", "password": "correct horse battery staple" }),
        ),
        ("POST", "/api_keys") => {
            json_case(path.into(), json!({ "name": format!("walk {n}"), "scopes": ["read_only"] }))
        }
        ("POST", "/api_keys/{id}/rotate") | ("DELETE", "/api_keys/{id}") => {
            let (s, key) =
                app.post("/api/v1/api_keys", json!({ "name": format!("walk {n}"), "scopes": ["full"] })).await;
            assert_eq!(s, 201, "{key}");
            json_case(path.replace("{id}", key["id"].as_str().unwrap()), json!({}))
        }
        (m, p) => panic!("no idempotency case for {m} {p}: add one to tests/tests/it/idempotency.rs"),
    }
}

#[tokio::test]
async fn every_route_that_changes_something_replays_a_repeated_key_and_changes_nothing_the_second_time() {
    // VIES cannot be reached here: the check is recorded as unavailable, which is an answer too.
    let vies = Arc::new(HttpVies::new(&ViesConfig {
        endpoint: "http://127.0.0.1:9".into(),
        timeout_ms: 500,
        retries: 0,
        retry_backoff_ms: 1,
    }));
    let app = TestApp::spawn_with(move |s| s.with_vat_verifier(vies)).await;
    let routes: Vec<(Method, &'static str)> = portal_web::api::routes()
        .into_iter()
        .filter(|r| r.method != Method::GET)
        .map(|r| (Method::from_bytes(r.method.as_str().as_bytes()).unwrap(), r.path))
        .collect();
    assert!(routes.len() >= 40, "the table lists the API: {}", routes.len());
    let mut failures = Vec::new();
    for (n, (method, path)) in routes.iter().enumerate() {
        let case = case(&app, method, path, n).await;
        let key = format!("walk-{n}");
        let first = send(&app, method, &case, &key).await;
        if !(200..300).contains(&first.status) || first.replayed {
            failures.push(format!("{method} {path}: first request answered {} {}", first.status, first.body));
            continue;
        }
        let before = fingerprint(&app).await;
        let second = send(&app, method, &case, &key).await;
        let after = fingerprint(&app).await;
        let changed: Vec<&String> = after.keys().filter(|t| before.get(*t) != after.get(*t)).collect();
        // A new API key's secret is stored only as its digest, so the replay is the same answer
        // without it. Other secrets shown once (a webhook signing secret) are kept sealed anyway
        // to be used, and their replay is the whole answer (sealed at rest, see
        // `a_secret_shown_once_is_replayed_under_its_key_but_not_stored_readable`).
        let mut shown = first.body.clone();
        if path.starts_with("/api_keys")
            && let Some(o) = shown.as_object_mut()
        {
            o.remove("secret");
        }
        if !second.replayed || second.status != first.status || second.body != shown || !changed.is_empty() {
            failures.push(format!(
                "{method} {path}: the repeat was {} (replayed: {}), tables changed: {changed:?}",
                second.status, second.replayed
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} routes do not honour the key:\n{}",
        failures.len(),
        routes.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_key_is_bound_to_its_request_and_a_failed_request_does_not_use_it_up() {
    let app = TestApp::spawn().await;
    let c = customer(&app, 1).await;
    let pay = |path: String| Case { path, body: b"{}".to_vec(), content_type: "application/json" };
    let invoice = payable_invoice(&app, 2).await;
    // The same key on another route is another request: refused, nothing charged.
    let first = send(&app, &Method::POST, &json_case(format!("/customers/{c}"), json!({ "name": "A" })), "k").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let other = send(&app, &Method::POST, &pay(format!("/invoices/{invoice}/pay")), "k").await;
    assert_eq!((other.status, other.body["error"]["code"].as_str()), (409, Some("idempotency_key_reused")));
    assert_eq!(app.count("payment_attempts").await, 0);
    // A refused request (nothing to refund yet) leaves its key free for the corrected one.
    let refund = json_case(format!("/invoices/{invoice}/refunds"), json!({ "amount": 100 }));
    let early = send(&app, &Method::POST, &refund, "r1").await;
    assert_eq!((early.status, early.body["error"]["code"].as_str()), (422, Some("refund_too_large")), "{}", early.body);
    assert_eq!(send(&app, &Method::POST, &pay(format!("/invoices/{invoice}/pay")), "p1").await.status, 200);
    let refunded = send(&app, &Method::POST, &refund, "r1").await;
    assert_eq!(refunded.status, 201, "{}", refunded.body);
    assert!(!refunded.replayed);
    assert_eq!(send(&app, &Method::POST, &refund, "r1").await.body, refunded.body);
    assert_eq!(app.count("payment_refunds").await, 1);
}

#[tokio::test]
async fn a_secret_shown_once_is_replayed_under_its_key_but_not_stored_readable() {
    let app = TestApp::spawn().await;
    let create = json_case(
        "/webhook_endpoints".into(),
        json!({ "url": "https://hooks.example.com/a", "enabled_events": ["*"] }),
    );
    let first = send(&app, &Method::POST, &create, "whk-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let secret = first.body["secret"].as_str().expect("the secret is shown on create").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    // The retry gets the same answer, secret included...
    let again = send(&app, &Method::POST, &create, "whk-1").await;
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    // ...but the stored response does not hold it, nor the endpoint's id in clear.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT response_body::text FROM idempotency_keys WHERE key = 'whk-1'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&secret), "the signing secret is stored readable: {}", stored[0]);
    assert!(!stored[0].contains(first.body["id"].as_str().unwrap()), "{}", stored[0]);
}

#[tokio::test]
async fn two_identical_requests_at_once_charge_once() {
    let app = TestApp::spawn().await;
    for n in 0..5 {
        let invoice = payable_invoice(&app, n).await;
        let case = json_case(format!("/invoices/{invoice}/pay"), json!({}));
        let key = format!("double-{n}");
        let (a, b) = tokio::join!(send(&app, &Method::POST, &case, &key), send(&app, &Method::POST, &case, &key));
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        // The second either waited for the first and replays it, or is told the first is running.
        assert!(matches!(statuses, [200, 200] | [200, 409]), "{statuses:?}: {} {}", a.body, b.body);
        for answer in [&a, &b] {
            if answer.status == 409 {
                assert_eq!(answer.body["error"]["code"], "idempotency_key_in_use", "{}", answer.body);
            }
        }
        let invoice_id = invoice.parse::<billing_core::ids::InvoiceId>().unwrap().as_uuid();
        let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_attempts WHERE invoice_id = $1")
            .bind(invoice_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(attempts, 1);
    }
}

#[tokio::test]
async fn a_client_that_hangs_up_does_not_cut_its_payment_off_and_its_retry_gets_the_answer() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let invoice = payable_invoice(&app, 1).await;
    let path = format!("/api/v1/invoices/{invoice}/pay");
    let host = app.base.trim_start_matches("http://").to_owned();
    let raw = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nIdempotency-Key: gone-1\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
        app.tenant.api_key
    );
    // The invoice is locked elsewhere, so the payment waits inside its work, after its key is
    // claimed: that is where a hang-up must not cut it off.
    let uuid = invoice.parse::<billing_core::ids::InvoiceId>().unwrap().as_uuid();
    let mut lock = app.db.pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM invoices WHERE id = $1 FOR UPDATE").bind(uuid).execute(&mut *lock).await.unwrap();
    let mut socket = tokio::net::TcpStream::connect(&host).await.unwrap();
    socket.write_all(raw.as_bytes()).await.unwrap();
    for _ in 0..50 {
        let claimed: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE key = 'gone-1'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        if claimed == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Gone before any answer: the server sees the connection close with the request in flight.
    drop(socket);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    lock.commit().await.unwrap();
    let mut stored = None;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        stored =
            sqlx::query_scalar::<_, Option<i32>>("SELECT response_status FROM idempotency_keys WHERE key = 'gone-1'")
                .fetch_optional(&app.db.pool)
                .await
                .unwrap()
                .flatten();
        if stored.is_some() {
            break;
        }
    }
    assert_eq!(stored, Some(200), "the payment ran to its end and its answer was kept");
    let retry =
        send(&app, &Method::POST, &json_case(path.trim_start_matches("/api/v1").into(), json!({})), "gone-1").await;
    assert!(retry.replayed, "{} {}", retry.status, retry.body);
    assert_eq!((retry.status, retry.body["invoice_status"].as_str()), (200, Some("paid")));
    assert_eq!(app.count("payment_attempts").await, 1);
}
