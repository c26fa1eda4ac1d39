//! Tax-inclusive (gross) prices end to end: a price that includes VAT is what every customer
//! pays, and the VAT that applies to that customer is carved out of it (docs/adr/0011).

use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestApp, instant, pdf_text};
use chrono::NaiveDate;
use serde_json::{Value, json};

async fn pdf(app: &TestApp, invoice: &Value) -> String {
    let id = invoice["id"].as_str().unwrap();
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{id}/pdf?lang=de")))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    pdf_text(&resp.bytes().await.unwrap())
}

/// The seller details a PDF needs.
async fn seller_profile(app: &TestApp) {
    let (status, t) = app
        .post(
            "/api/v1/tenant",
            json!({ "legal_name": "Acme Software GmbH",
                    "address": { "line1": "Friedrichstraße 123", "postal_code": "10117", "city": "Berlin" },
                    "tax_number": "37/123/45678", "bank_account_holder": "Acme Software GmbH",
                    "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX" }),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    sqlx::query("UPDATE tenants SET vat_id = 'DE136695976' WHERE tenant_id = $1")
        .bind(app.tenant.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn customer(app: &TestApp, body: Value) -> String {
    let (status, c) = app.post("/api/v1/customers", body).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn subscribe(app: &TestApp, customer: &str, plan: &str, start: &str) -> String {
    let (status, s) =
        app.post("/api/v1/subscriptions", json!({ "customer": customer, "plan": plan, "start_date": start })).await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_str().unwrap().to_string()
}

async fn invoices_of(app: &TestApp, sub: &str) -> Vec<Value> {
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    list["data"].as_array().unwrap().clone()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// (net, VAT, gross) of an invoice as the API shows it: the groups' net sum, `tax`, `total`.
fn split(inv: &Value) -> (i64, i64, i64) {
    let net: i64 = inv["tax_groups"].as_array().unwrap().iter().map(|g| g["taxable"]["amount"].as_i64().unwrap()).sum();
    assert_eq!(inv["total_excluding_tax"].as_i64(), Some(net), "{inv}");
    (net, inv["tax"].as_i64().unwrap(), inv["total"].as_i64().unwrap())
}

#[tokio::test]
async fn an_inclusive_price_is_what_every_customer_pays_with_their_own_vat_carved_out() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let (status, plan) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "gross119", "name": "Gross 119", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 11900, "tax_behavior": "inclusive" }] }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["prices"][0]["tax_behavior"], "inclusive", "{plan}");
    let (_, plans) = app.get("/api/v1/plans").await;
    assert_eq!(plans["data"][0]["prices"][0]["tax_behavior"], "inclusive", "stored, not only echoed");

    let de = customer(
        &app,
        json!({ "email": "max@example.de", "name": "Max Huber", "country": "DE", "currency": "EUR", "locale": "de",
                "address": { "line1": "Am Brauhaus 3", "postal_code": "80331", "city": "München" } }),
    )
    .await;
    let at = customer(
        &app,
        json!({ "email": "anna@example.at", "name": "Anna Gruber", "country": "AT", "currency": "EUR" }),
    )
    .await;
    let fr = customer(
        &app,
        json!({ "email": "ap@client.fr", "name": "Client SARL", "country": "FR", "currency": "EUR",
                "kind": "business", "vat_id": "FR40303265045" }),
    )
    .await;
    let (s_de, s_at, s_fr) = (
        subscribe(&app, &de, "gross119", "2026-03-01").await,
        subscribe(&app, &at, "gross119", "2026-03-01").await,
        subscribe(&app, &fr, "gross119", "2026-03-01").await,
    );
    let summary = invoice_run::run(
        &app.db.pool,
        &RunOptions::new(day("2026-03-01")),
        instant("2026-03-01T09:00:00Z"),
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(summary.invoices, 3);

    let de_inv = invoices_of(&app, &s_de).await.remove(0);
    let at_inv = invoices_of(&app, &s_at).await.remove(0);
    let fr_inv = invoices_of(&app, &s_fr).await.remove(0);
    // DE consumer: 119.00 = 100.00 + 19 % VAT.
    assert_eq!(split(&de_inv), (10000, 1900, 11900), "{de_inv}");
    // AT consumer (OSS, 20 %): 11900 × 20/120 = 1983.33… → 19.83 VAT, 99.17 net; still 119.00.
    assert_eq!(split(&at_inv), (9917, 1983, 11900), "{at_inv}");
    assert_eq!(at_inv["lines"][0]["vat_rate"], "20");
    // French business, reverse charge: no VAT, so the whole price is net.
    assert_eq!(split(&fr_inv), (11900, 0, 11900), "{fr_inv}");
    assert_eq!(fr_inv["tax_notices"], json!(["reverse_charge"]));
    for inv in [&de_inv, &at_inv, &fr_inv] {
        assert_eq!(inv["tax_behavior"], "inclusive");
        // Lines and subtotal show what the customer pays; the total is the price.
        assert_eq!((inv["subtotal"].as_i64(), inv["lines"][0]["amount"].as_i64()), (Some(11900), Some(11900)), "{inv}");
        assert_eq!(inv["amount_due"], 11900);
    }
    // The run's report adds up the carved-out figures.
    let eur = &summary.report.by_currency[0];
    assert_eq!((eur.net, eur.vat, eur.total), (10000 + 9917 + 11900, 1900 + 1983, 3 * 11900));

    // The PDF shows net per VAT group, the VAT, the gross, and says the prices include VAT.
    let text = pdf(&app, &de_inv).await;
    for expected in [
        "119,00 €",
        "Summe netto",
        "100,00 €",
        "USt. 19 % (S) auf 100,00 €",
        "19,00 €",
        "Alle Preise enthalten die Umsatzsteuer.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    // A full credit note on the AT invoice follows it: inclusive, the invoice's own split.
    let (status, note) =
        app.post(&format!("/api/v1/invoices/{}/credit_notes", at_inv["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["tax_behavior"], "inclusive");
    assert_eq!(split(&note), (-9917, -1983, -11900), "{note}");
    assert_eq!(note["subtotal"], -11900);
    let (_, credited) = app.get(&format!("/api/v1/invoices/{}", at_inv["id"].as_str().unwrap())).await;
    assert_eq!((credited["status"].as_str(), credited["amount_due"].as_i64()), (Some("paid"), Some(0)), "{credited}");
}

#[tokio::test]
async fn a_staff_draft_in_gross_amounts_is_finalized_with_the_vat_carved_out_per_group() {
    let app = TestApp::spawn().await;
    let de =
        customer(&app, json!({ "email": "max@example.de", "name": "Max", "country": "DE", "currency": "EUR" })).await;
    let (status, draft) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": de, "tax_behavior": "inclusive", "auto_finalize": false,
                    "lines": [{ "description": "Workshop seat", "quantity": 3, "unit_amount": 999 }] }),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["tax_behavior"], "inclusive");
    // 29.97 incl. 19 %, carved out once for the group: 4.785… → 4.79 (per line it would be 4.80).
    assert_eq!(split(&draft), (2518, 479, 2997), "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();

    // Lines stated as net cannot join a gross draft; nothing changes.
    let (status, err) = app
        .post(
            &format!("/api/v1/invoices/{id}/lines"),
            json!({ "tax_behavior": "exclusive", "lines": [{ "description": "Extra", "unit_amount": 1000 }] }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("tax_behavior_mixed")), "{err}");
    let (_, same) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!((same["lines"].as_array().unwrap().len(), same["total"].as_i64()), (1, Some(2997)));

    // Lines without a stated behaviour are read in the draft's.
    let (status, more) = app
        .post(
            &format!("/api/v1/invoices/{id}/lines"),
            json!({ "lines": [{ "description": "Book", "unit_amount": 1190 }] }),
        )
        .await;
    assert_eq!(status, 200, "{more}");
    let (status, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(status, 200, "{inv}");
    assert_eq!(inv["status"], "open");
    // 41.87 gross: 41.87 × 19/119 = 6.685… → 6.69 VAT, 35.18 net.
    assert_eq!(split(&inv), (3518, 669, 4187), "{inv}");
    assert_eq!(inv["subtotal"], 4187);

    // An exclusive draft (the default) reads the same kind of amounts as net.
    let (_, net) = app
        .post("/api/v1/invoices", json!({ "customer": de, "lines": [{ "description": "Net", "unit_amount": 10000 }] }))
        .await;
    assert_eq!(net["tax_behavior"], "exclusive");
    assert_eq!(split(&net), (10000, 1900, 11900), "{net}");
}

#[tokio::test]
async fn an_unknown_tax_behavior_is_refused_with_a_clear_error_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let de =
        customer(&app, json!({ "email": "max@example.de", "name": "Max", "country": "DE", "currency": "EUR" })).await;
    let catalog = (app.count("plans").await, app.count("products").await, app.count("plan_prices").await);
    let body =
        json!({ "customer": de, "tax_behavior": "sometimes", "lines": [{ "description": "X", "unit_amount": 100 }] });
    let req = app.http.post(app.url("/api/v1/invoices")).header("accept-language", "de").json(&body);
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "invalid_tax_behavior");
    assert_eq!(err["error"]["param"], "tax_behavior");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("sometimes") && message.contains("Steuerbehandlung"), "{err}");
    assert_eq!(app.count("invoices").await, 0);

    let (status, err) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "odd", "name": "Odd", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 100, "tax_behavior": "sometimes" }] }),
        )
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_tax_behavior")), "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("inclusive"), "{err}");
    let after = (app.count("plans").await, app.count("products").await, app.count("plan_prices").await);
    assert_eq!(after, catalog, "nothing of the refused plan is stored");
    let (status, err) = app
        .post("/api/v1/plans/pro/prices", json!({ "currency": "EUR", "amount": 100, "tax_behavior": "gross" }))
        .await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_tax_behavior")), "{err}");
    let (_, plans) = app.get("/api/v1/plans").await;
    let pro = plans["data"].as_array().unwrap().iter().find(|p| p["code"] == "pro").unwrap();
    assert!(
        pro["prices"].as_array().unwrap().iter().all(|p| p["amount"] != 100 && p["tax_behavior"] == "exclusive"),
        "{pro}"
    );
}

#[tokio::test]
async fn due_periods_that_switch_between_net_and_gross_block_the_subscription_in_a_dry_run() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    for (code, behavior) in [("net", "exclusive"), ("plain", "exclusive")] {
        let (status, plan) = app
            .post(
                "/api/v1/plans",
                json!({ "code": code, "name": code, "interval": { "unit": "month", "count": 1 },
                        "prices": [{ "currency": "EUR", "amount": 10000, "tax_behavior": behavior }] }),
            )
            .await;
        assert_eq!(status, 201, "{plan}");
    }
    let de = customer(
        &app,
        json!({ "email": "mia@example.de", "name": "Mia Schulz", "country": "DE", "currency": "EUR",
                "address": { "line1": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin" } }),
    )
    .await;
    let sub = subscribe(&app, &de, "net", "2026-03-01").await;

    // From April the plan's price includes VAT, for existing subscribers too.
    let (status, change) = app
        .post(
            "/api/v1/plans/net/prices",
            json!({ "currency": "EUR", "amount": 11900, "tax_behavior": "inclusive",
                    "existing_subscriptions_from": "2026-04-01" }),
        )
        .await;
    assert_eq!(status, 200, "{change}");
    assert_eq!(change["scheduled_subscriptions"], 1);

    // March (net) and April (gross) are both due by 1 April: the run would invoice them together.
    let (status, dry) = app
        .send(
            app.http.post(app.url("/api/v1/invoice_runs")).json(&json!({ "as_of": "2026-04-01", "dry_run": true })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(status, 201, "{dry}");
    let exceptions = dry["exceptions"].as_array().unwrap();
    let mixed: Vec<&Value> = exceptions.iter().filter(|e| e["code"] == "tax_behavior_mixed").collect();
    assert_eq!(mixed.len(), 1, "{dry}");
    assert_eq!(mixed[0]["subscription"], sub.as_str());
    assert_eq!(mixed[0]["blocking"], true);
    assert!(mixed[0]["message"].as_str().unwrap().contains("Mia Schulz"), "{dry}");
    assert_eq!((dry["invoices_created"].as_i64(), dry["subscriptions_skipped"].as_i64()), (Some(0), Some(1)), "{dry}");
    assert_eq!(app.count("invoices").await, 0, "a dry run writes no invoice");

    // Invoicing March first resolves it: March net, then April gross.
    let now = instant("2026-04-01T09:00:00Z");
    invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-03-01")), now, &NoProgress).await.unwrap();
    let april = invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-04-01")), now, &NoProgress).await.unwrap();
    assert_eq!(april.invoices, 1);
    assert!(april.tenants[0].exceptions.iter().all(|e| e.code.as_str() != "tax_behavior_mixed"), "{april:?}");
    let mut invoices = invoices_of(&app, &sub).await;
    invoices.sort_by_key(|i| i["period_start"].as_str().unwrap().to_string());
    assert_eq!(invoices[0]["tax_behavior"], "exclusive");
    assert_eq!(split(&invoices[0]), (10000, 1900, 11900));
    assert_eq!(invoices[1]["tax_behavior"], "inclusive");
    assert_eq!(split(&invoices[1]), (10000, 1900, 11900));
    assert!(!pdf(&app, &invoices[0]).await.contains("Alle Preise enthalten"), "only inclusive invoices say so");

    // Mid-period, a move to a net-priced plan would credit the gross price and charge the net one
    // on one proration document: refused, in the preview too, and nothing changes.
    let change = json!({ "plan": "plain", "effective_date": "2026-04-16" });
    for path in ["change/preview", "change"] {
        let (status, err) = app.post(&format!("/api/v1/subscriptions/{sub}/{path}"), change.clone()).await;
        assert_eq!((status, err["error"]["code"].as_str()), (409, Some("tax_behavior_mixed")), "{path}: {err}");
    }
    assert_eq!(invoices_of(&app, &sub).await.len(), 2);
    let (_, after) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    // April applied the scheduled price: the snapshot is the gross price, and it stays.
    assert_eq!((after["plan_name"].as_str(), after["price"]["amount"].as_i64()), (Some("net"), Some(11900)), "{after}");
    assert_eq!(after["price"]["tax_behavior"], "inclusive", "{after}");
}
