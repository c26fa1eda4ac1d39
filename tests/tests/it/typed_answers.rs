//! The answers the OpenAPI document types (issue 16) are what the server sends: the payment,
//! bank-transfer, simulation, gateway, run, dunning, usage and mail answers, driven through their
//! success paths (schemathesis mostly meets their refusals), each validated against its
//! operation's documented schema by the `jsonschema` package (from `SCHEMATHESIS_PYTHON`, as
//! `openapi::` uses it). Stricter than the document: an object may not carry a property its
//! schema does not name, so that a field the server adds without documenting it fails here.

use std::process::Command;

use billing_tests::TestApp;
use serde_json::{Value, json};

/// The answers seen, with the operation that gave them.
#[derive(Default)]
struct Answers(Vec<Value>);

impl Answers {
    /// Records `body` as the answer of `method template` with `status`, and returns it.
    fn seen(&mut self, method: &str, template: &str, (status, body): (u16, Value)) -> Value {
        self.0.push(json!({ "method": method, "path": template, "status": status, "body": body }));
        body
    }
}

const VALIDATE: &str = r#"
import copy, json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
samples = json.load(open(sys.argv[2]))
components = copy.deepcopy(doc["components"])
schemas = components["schemas"]
# Parts of an allOf (a flattened struct) may not forbid the other parts' properties.
parts = set()
def parts_of(node):
    if isinstance(node, dict):
        for p in node.get("allOf", []):
            if "$ref" in p:
                parts.add(p["$ref"].rsplit("/", 1)[1])
        for v in node.values():
            parts_of(v)
    elif isinstance(node, list):
        for v in node:
            parts_of(v)
parts_of(doc)
def strict(node):
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node and "allOf" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)
for name, schema in schemas.items():
    if name not in parts:
        strict(schema)
failures = []
for s in samples:
    op = doc["paths"]["/api/v1" + s["path"]][s["method"].lower()]
    answer = op["responses"].get(str(s["status"]))
    where = f'{s["method"]} {s["path"]} {s["status"]}'
    if answer is None:
        failures.append(f"{where}: status not documented")
        continue
    schema = answer["content"]["application/json"]["schema"]
    root = dict(schema)
    root["components"] = components
    for e in jsonschema.Draft202012Validator(root).iter_errors(s["body"]):
        failures.append(f"{where} at {'/'.join(map(str, e.absolute_path))}: {e.message}")
print(json.dumps({"checked": len(samples), "failures": failures}))
"#;

/// Validates every recorded answer against the document; fails with every mismatch. `name`
/// keeps the files of tests running side by side apart.
fn validate(name: &str, answers: &Answers) {
    let Ok(python) = std::env::var("SCHEMATHESIS_PYTHON") else {
        eprintln!("SCHEMATHESIS_PYTHON is not set (scripts/test-all.sh sets it): skipping the schema check");
        return;
    };
    let dir = std::env::temp_dir().join(format!("billing-typed-answers-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (doc, samples) = (dir.join("openapi.json"), dir.join("answers.json"));
    std::fs::write(&doc, portal_web::api::openapi::document().to_json().unwrap()).unwrap();
    std::fs::write(&samples, serde_json::to_vec(&answers.0).unwrap()).unwrap();
    let out = Command::new(python).args(["-c", VALIDATE]).arg(&doc).arg(&samples).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the validator failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(stdout.trim()).expect("the validator's report");
    assert_eq!(report["checked"].as_u64(), Some(answers.0.len() as u64));
    let failures: Vec<&str> = report["failures"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(failures.is_empty(), "answers that break their documented schema:\n{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Delivers the sandbox's queued webhooks to the account's endpoint, as `billing serve` does.
async fn deliver_sandbox_webhooks(app: &TestApp, account: &str) {
    let id: billing_core::ids::GatewayAccountId = account.parse().unwrap();
    let sandbox = app.gateways.sandbox(id.as_uuid()).expect("sandbox built");
    for (headers, body) in sandbox.drain_webhooks() {
        let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 200);
    }
}

async fn put(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    app.send(app.http.put(app.url(path)).json(&body), &app.tenant.api_key).await
}

#[tokio::test]
async fn payment_answers_match_their_documented_schemas() {
    let app = TestApp::spawn().await;
    let mut seen = Answers::default();

    // A card that asks for 3-D Secure when saved and on every charge.
    let (customer, invoice) = app.invoiced_march_customer("three-ds@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let methods = format!("/customers/{customer}/payment_methods");
    let answer = app.post(&format!("/api/v1{methods}"), json!({ "card_number": "4000002760003184" })).await;
    assert_eq!(answer.0, 202, "{}", answer.1);
    let setup = seen.seen("POST", "/customers/{id}/payment_methods", answer);
    assert_eq!(setup["next_action"]["kind"], "authenticate");
    let account = setup["gateway_account"].as_str().unwrap().to_owned();
    let authenticate = format!("/api/v1/gateway_accounts/{account}/sandbox/authenticate");
    let answer = app.post(&authenticate, json!({ "setup": setup["provider_setup_id"], "success": true })).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    seen.seen("POST", "/gateway_accounts/{id}/sandbox/authenticate", answer);
    deliver_sandbox_webhooks(&app, &account).await;
    let setup_url = format!("/api/v1/customers/{customer}/payment_method_setups/{}", setup["id"].as_str().unwrap());
    let shown = seen.seen("GET", "/customers/{id}/payment_method_setups/{setup}", app.get(&setup_url).await);
    assert_eq!(shown["payment_method"]["last4"], "3184", "{shown}");
    let done = seen.seen(
        "POST",
        "/customers/{id}/payment_method_setups/{setup}/complete",
        app.post(&format!("{setup_url}/complete"), json!({})).await,
    );
    assert_eq!(done["status"], "succeeded", "{done}");
    let pay = format!("/api/v1/invoices/{invoice}/pay");
    let collection = seen.seen("POST", "/invoices/{id}/pay", app.post(&pay, json!({})).await);
    assert_eq!(collection["attempt"]["status"], "requires_action", "{collection}");
    assert_eq!(collection["next_action"]["kind"], "three_d_secure", "{collection}");
    let payment = collection["next_action"]["provider_payment_id"].clone();
    let answer = app.post(&authenticate, json!({ "payment": payment, "success": true })).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    seen.seen("POST", "/gateway_accounts/{id}/sandbox/authenticate", answer);
    deliver_sandbox_webhooks(&app, &account).await;

    // A card that pays at once, a declined one before it, and a partial refund.
    let (customer, invoice) = app.invoiced_march_customer("card@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let methods = format!("/api/v1/customers/{customer}/payment_methods");
    let answer = app.post(&methods, json!({ "card_number": "4000000000009995" })).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    seen.seen("POST", "/customers/{id}/payment_methods", answer);
    let pay = format!("/api/v1/invoices/{invoice}/pay");
    let declined = seen.seen("POST", "/invoices/{id}/pay", app.post(&pay, json!({})).await);
    assert_eq!(declined["attempt"]["decline_code"], "insufficient_funds", "{declined}");
    let answer = app.post(&methods, json!({ "card_number": "4242424242424242", "expiry": "12/30" })).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let method = seen.seen("POST", "/customers/{id}/payment_methods", answer);
    assert_eq!((method["last4"].as_str(), method["exp_year"].as_i64()), (Some("4242"), Some(2030)), "{method}");
    let listed = seen.seen("GET", "/customers/{id}/payment_methods", app.get(&methods).await);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let paid = seen.seen("POST", "/invoices/{id}/pay", app.post(&pay, json!({})).await);
    assert_eq!(paid["invoice_status"], "paid", "{paid}");
    let ledger = format!("/api/v1/invoices/{invoice}/payment_attempts");
    let attempts = seen.seen("GET", "/invoices/{id}/payment_attempts", app.get(&ledger).await);
    assert_eq!(attempts.as_array().map(Vec::len), Some(2), "{attempts}");
    let answer = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 900 })).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let refunded = seen.seen("POST", "/invoices/{id}/refunds", answer);
    assert_eq!(refunded["invoice"]["amount_refunded"], json!({ "amount": 900, "currency": "EUR" }), "{refunded}");

    validate("payments", &seen);
}

#[tokio::test]
async fn bank_transfer_and_operations_answers_match_their_documented_schemas() {
    let app = TestApp::spawn().await;
    let mut seen = Answers::default();

    let account = json!({ "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "holder": "Merchant acme" });
    let answer = put(&app, "/api/v1/bank_account", account).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    seen.seen("PUT", "/bank_account", answer);
    seen.seen("GET", "/bank_account", app.get("/api/v1/bank_account").await);
    let (_, first) = app.invoiced_march_customer("one@example.com", "EUR").await;
    let (_, second) = app.invoiced_march_customer("two@example.com", "EUR").await;
    let (first_number, second_number) = (first["number"].as_str().unwrap(), second["number"].as_str().unwrap());
    let mark_paid = format!("/api/v1/invoices/{}/mark_paid", first["id"].as_str().unwrap());
    let settled = seen.seen("POST", "/invoices/{id}/mark_paid", app.post(&mark_paid, json!({ "amount": 1000 })).await);
    assert_eq!(settled["status"], "open", "{settled}");
    let csv = format!(
        "Date,Value date,Counterparty,IBAN,Description,Amount,Currency\n\
         2026-03-10,2026-03-10,Payer,DE02120300000000202051,{first_number} and {second_number},19.00,EUR\n\
         2026-03-11,2026-03-11,Someone,DE88100900001234567892,thanks for everything,50.00,EUR\n"
    );
    let req = app.http.post(app.url("/api/v1/bank_statements")).header("content-type", "text/csv").body(csv);
    let answer = app.send(req, &app.tenant.api_key).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let statement = seen.seen("POST", "/bank_statements", answer);
    let sid = statement["id"].as_str().unwrap();
    seen.seen("GET", "/bank_statements/{id}", app.get(&format!("/api/v1/bank_statements/{sid}")).await);
    let assign = format!("/api/v1/bank_statements/{sid}/entries/2/assign");
    let after = seen.seen(
        "POST",
        "/bank_statements/{id}/entries/{line}/assign",
        app.post(&assign, json!({ "invoice": second["id"] })).await,
    );
    assert_eq!(after["entries"][1]["outcome"], "overpaid", "{after}");

    let scenario = json!({ "plan": "pro", "currency": "EUR", "country": "US", "start_date": "2026-01-01", "months": 3,
                           "events": [{ "on": "2026-02-10", "action": "change", "quantity": 3 }] });
    let simulated = seen.seen("POST", "/simulations", app.post("/api/v1/simulations", scenario).await);
    assert!(simulated["invoices"].as_array().is_some_and(|i| i.len() >= 3), "{simulated}");

    let answer = app.post("/api/v1/gateway_accounts", json!({ "provider": "sandbox", "name": "Second" })).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let gateway = seen.seen("POST", "/gateway_accounts", answer);
    seen.seen("GET", "/gateway_accounts", app.get("/api/v1/gateway_accounts").await);
    let rotate = format!("/api/v1/gateway_accounts/{}/webhook_secret/rotate", gateway["id"].as_str().unwrap());
    let rotated = seen.seen("POST", "/gateway_accounts/{id}/webhook_secret/rotate", app.post(&rotate, json!({})).await);
    assert!(rotated["webhook_secret"].is_string(), "{rotated}");

    let policy = json!({ "steps": [{ "day": 3, "action": "retry" },
                                   { "day": 7, "action": "late_fee", "fee": { "percent": "2.5", "rounding": "half_even" } },
                                   { "day": 14, "action": "late_fee", "fee": { "fixed": { "EUR": 500 } } }] });
    let answer = put(&app, "/api/v1/dunning_policy", policy).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let stored = seen.seen("PUT", "/dunning_policy", answer);
    assert_eq!(stored["steps"][1]["fee"], json!({ "percent": "2.5", "rounding": "half_even" }), "{stored}");
    let answer = put(&app, "/api/v1/dunning_policy", json!({ "ladder": "de" })).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    seen.seen("PUT", "/dunning_policy", answer);
    seen.seen("GET", "/dunning_policy", app.get("/api/v1/dunning_policy").await);

    let answer = app.post("/api/v1/invoice_runs", json!({ "as_of": "2026-04-01", "dry_run": true })).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let run = seen.seen("POST", "/invoice_runs", answer);
    assert!(run["totals"]["by_currency"].is_array(), "{run}");
    let one = format!("/api/v1/invoice_runs/{}?reporting_currency=USD", run["id"].as_str().unwrap());
    seen.seen("GET", "/invoice_runs/{id}", app.get(&one).await);
    seen.seen("GET", "/invoice_runs", app.get("/api/v1/invoice_runs").await);

    let metered = json!({ "code": "metered", "name": "Metered", "interval": { "unit": "month", "count": 1 },
                          "usage": { "metric": "calls", "aggregation": "sum" },
                          "prices": [{ "currency": "EUR", "amount": 1 }] });
    assert_eq!(app.post("/api/v1/plans", metered).await.0, 201);
    let (_, customer) = app
        .post("/api/v1/customers", json!({ "email": "m@example.com", "name": "M", "country": "US", "currency": "EUR" }))
        .await;
    let (_, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({ "customer": customer["id"], "plan": "metered", "start_date": "2026-03-01" }),
        )
        .await;
    let event =
        json!({ "subscription": sub["id"], "event_id": "e1", "timestamp": "2026-03-01T08:00:00Z", "value": "2.5" });
    let answer = app.post("/api/v1/usage_events", event).await;
    assert_eq!(answer.0, 201, "{}", answer.1);
    let recorded = seen.seen("POST", "/usage_events", answer);
    assert_eq!(recorded["events"], json!([{ "event_id": "e1", "created": true }]), "{recorded}");
    let usage = format!("/api/v1/subscriptions/{}/usage", sub["id"].as_str().unwrap());
    let current = seen.seen("GET", "/subscriptions/{id}/usage", app.get(&usage).await);
    assert_eq!(current["quantity"], "2.5", "{current}");

    // One mail held back by a suppressed address: both lists have an entry to check.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let now = chrono::Utc::now();
    let tenant = app.tenant.id;
    billing_core::store::mail::suppress(&mut conn, tenant, "gone@example.com", "bounce", Some("550 5.1.1"), now)
        .await
        .unwrap();
    let message = billing_core::outbox::OutboxMessage::InvoiceFinalized {
        invoice: first["id"].as_str().unwrap().parse().unwrap(),
        number: first_number.to_owned(),
    };
    let mail = billing_core::store::mail::NewMail {
        outbox_id: uuid::Uuid::now_v7(),
        template: billing_core::mail::MailTemplate::InvoiceIssued,
        to: "gone@example.com",
        locale: "de",
        message: &message,
    };
    assert!(billing_core::store::mail::insert(&mut conn, tenant, &mail, "billing.example", now).await.unwrap());
    drop(conn);
    let mails = seen.seen("GET", "/mails", app.get("/api/v1/mails").await);
    assert_eq!(mails["items"][0]["status"], "suppressed", "{mails}");
    let suppressed = seen.seen("GET", "/mail_suppressions", app.get("/api/v1/mail_suppressions").await);
    assert_eq!(suppressed["items"][0]["detail"], "550 5.1.1", "{suppressed}");
    // A later bounce report about that mail (the address is on the list already).
    let message_id = mails["items"][0]["message_id"].as_str().unwrap().to_owned();
    let dsn = format!(
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\
         Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n\
         Final-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\n\n--b\n\
         Content-Type: text/rfc822-headers\n\nMessage-ID: {message_id}\n\n--b--\n"
    );
    let answer = app.send(app.http.post(app.url("/api/v1/mail_reports")).body(dsn), &app.tenant.api_key).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let report = seen.seen("POST", "/mail_reports", answer);
    assert_eq!((report["suppressed"].as_str(), report["newly_suppressed"].as_bool()), (Some("bounce"), Some(false)));
    // A dunning policy for SEPA Direct Debit, and the list of such policies.
    let answer = put(&app, "/api/v1/dunning_policies/method/sepa_debit", json!({ "ladder": "de" })).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    seen.seen("PUT", "/dunning_policies/{scope}/{name}", answer);
    let list = seen.seen("GET", "/dunning_policies", app.get("/api/v1/dunning_policies").await);
    assert_eq!(list["items"][0]["name"], "sepa_debit", "{list}");

    validate("operations", &seen);
}
