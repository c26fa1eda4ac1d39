//! Bank transfer through the API against real PostgreSQL: the tenant's account, the payment
//! details and EPC QR code of an invoice, staff marking it paid, and reconciliation from imported
//! camt.053 and CSV statements (re-imports, partial and over-payments, unknown references).

use billing_core::ids::{CustomerId, TenantId};
use billing_tests::TestApp;
use serde_json::{Value, json};

const IBAN: &str = "DE89 3704 0044 0532 0130 00";

/// A customer outside the EU (no VAT) on `pro` (29.00 EUR), invoiced for March, and the tenant's
/// bank account set up. Returns (customer id, invoice id, invoice number).
async fn invoiced(app: &TestApp, email: &str) -> (String, String, String) {
    let (customer, invoice) = app.invoiced_march_customer(email, "EUR").await;
    (customer, invoice["id"].as_str().unwrap().to_owned(), invoice["number"].as_str().unwrap().to_owned())
}

async fn put_account(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(app.http.put(app.url("/api/v1/bank_account")).json(&body), &app.tenant.api_key).await
}

async fn set_up_account(app: &TestApp) {
    let (status, account) =
        put_account(app, json!({ "iban": IBAN, "bic": "COBADEFFXXX", "holder": "Merchant acme" })).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["iban"], "DE89370400440532013000", "stored normalized");
}

async fn import(app: &TestApp, content_type: &str, body: String) -> (u16, Value) {
    let req = app.http.post(app.url("/api/v1/bank_statements")).header("content-type", content_type).body(body);
    app.send(req, &app.tenant.api_key).await
}

/// A camt.053.001.08 statement with one booked credit per (amount in cents, remittance, bank ref).
fn camt053(entries: &[(i64, &str, &str)]) -> String {
    let mut ntries = String::new();
    for (cents, remittance, bank_ref) in entries {
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        ntries.push_str(&format!(
            r#"<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-03-10</Dt></BookgDt><ValDt><Dt>2026-03-10</Dt></ValDt><AcctSvcrRef>{bank_ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Payer</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>TEST-1</MsgId><CreDtTm>2026-03-11T05:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>S-1</Id><CreDtTm>2026-03-11T05:00:00+01:00</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
{ntries}</Stmt></BkToCstmrStmt></Document>"#
    )
}

async fn invoice(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/invoices/{id}")).await.1
}

async fn credit_balance(app: &TestApp, customer: &str) -> i64 {
    let mut conn = app.db.pool.acquire().await.unwrap();
    let customer: CustomerId = customer.parse().unwrap();
    let tenant: TenantId = app.tenant.id;
    let balances = billing_core::store::balance::balances(&mut conn, tenant, customer).await.unwrap();
    balances.iter().map(|m| m.minor()).sum()
}

#[tokio::test]
async fn an_invoice_shows_iban_reference_and_an_epc_qr_code() {
    let app = TestApp::spawn().await;
    let (_, id, number) = invoiced(&app, "qr@example.com").await;
    let (status, err) = app.get(&format!("/api/v1/invoices/{id}/bank_transfer")).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("bank_account_missing")), "{err}");
    set_up_account(&app).await;
    let (status, details) = app.get(&format!("/api/v1/invoices/{id}/bank_transfer")).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["iban"], "DE89370400440532013000");
    assert_eq!(details["bic"], "COBADEFFXXX");
    assert_eq!(details["amount_due"], json!({ "amount": 2900, "currency": "EUR" }));
    let reference = details["reference"].as_str().unwrap();
    let base: String = number.chars().filter(char::is_ascii_alphanumeric).collect();
    assert!(reference.starts_with("RF") && reference.ends_with(&base), "{reference} for {number}");
    let qr = details["epc_qr"].as_str().unwrap();
    let lines: Vec<&str> = qr.split('\n').collect();
    assert_eq!(
        lines,
        ["BCD", "002", "1", "SCT", "COBADEFFXXX", "Merchant acme", "DE89370400440532013000", "EUR29.00", "", reference]
    );
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{id}/bank_transfer/qr.svg")))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert!(resp.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn a_bad_iban_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    // One digit changed: the MOD 97 check fails.
    let (status, err) = put_account(&app, json!({ "iban": "DE89370400440532013001", "holder": "X" })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_iban")), "{err}");
    assert_eq!(err["error"]["param"], "iban");
    let req = app
        .http
        .put(app.url("/api/v1/bank_account"))
        .header("accept-language", "de")
        .json(&json!({ "iban": "DE00", "holder": "X" }));
    let (_, err) = app.send(req, &app.tenant.api_key).await;
    assert!(err["error"]["message"].as_str().unwrap().contains("keine gültige IBAN"), "{err}");
    let (_, account) = app.get("/api/v1/bank_account").await;
    assert_eq!(account["iban"], "DE89370400440532013000", "the old account is kept");
}

#[tokio::test]
async fn a_camt053_statement_pays_the_invoice_once_however_often_it_is_imported() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (_, id, number) = invoiced(&app, "camt@example.com").await;
    let (_, details) = app.get(&format!("/api/v1/invoices/{id}/bank_transfer")).await;
    let rf = details["reference"].as_str().unwrap().to_owned();
    let statement = camt053(&[(2900, &rf, "BANKREF-1"), (5000, "Spende ohne Rechnung", "BANKREF-2")]);

    let (status, first) = import(&app, "application/xml", statement.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!((first["matched"].as_u64(), first["unmatched"].as_u64()), (Some(1), Some(1)), "{first}");
    assert_eq!(first["entries"][0]["outcome"], "paid");
    assert_eq!(first["entries"][0]["invoice_id"], id.as_str());
    assert_eq!(first["entries"][1]["outcome"], "unmatched", "an unknown reference stays for a person");
    let inv = invoice(&app, &id).await;
    assert_eq!(inv["status"], "paid", "{number}: {inv}");

    let (status, again) = import(&app, "application/xml", statement).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["entries"][0]["outcome"], "already_recorded");
    assert_eq!(app.count("invoice_payments").await, 1, "the re-import recorded nothing");

    let (status, review) = app.get(&format!("/api/v1/bank_statements/{}", first["id"].as_str().unwrap())).await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["entries"][1]["remittance"], "Spende ohne Rechnung");
    assert_eq!(review["entries"][1]["amount"], json!({ "amount": 5000, "currency": "EUR" }));
}

#[tokio::test]
async fn a_csv_statement_reconciles_by_invoice_number_and_a_reimport_changes_nothing() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (_, id, number) = invoiced(&app, "csv@example.com").await;
    let csv = format!(
        "Buchungstag;Valutadatum;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n\
         10.03.2026;10.03.2026;Payer;DE02120300000000202051;Rechnung {number} danke;29,00;EUR\n\
         10.03.2026;10.03.2026;Telefon GmbH;DE88100900001234567892;Abbuchung;-23,80;EUR\n"
    );
    let (status, first) = import(&app, "text/csv", csv.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["entries"][0]["outcome"], "paid", "{first}");
    assert_eq!(first["entries"][1]["outcome"], "not_a_credit");
    assert_eq!(invoice(&app, &id).await["status"], "paid");
    let req = app.http.post(app.url("/api/v1/bank_statements?format=csv")).body(csv);
    let (status, again) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["entries"][0]["outcome"], "already_recorded");
    assert_eq!(app.count("invoice_payments").await, 1);
}

#[tokio::test]
async fn a_partial_transfer_leaves_the_invoice_partially_paid() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (_, id, number) = invoiced(&app, "part@example.com").await;
    let (_, r) = import(&app, "application/xml", camt053(&[(1000, &number, "PART-1")])).await;
    assert_eq!(r["entries"][0]["outcome"], "partially_paid", "{r}");
    let inv = invoice(&app, &id).await;
    assert_eq!(inv["status"], "open");
    let (_, details) = app.get(&format!("/api/v1/invoices/{id}/bank_transfer")).await;
    assert_eq!(details["amount_due"]["amount"], 1900);
    assert!(details["epc_qr"].as_str().unwrap().contains("EUR19.00"), "the QR code asks for the rest");
}

#[tokio::test]
async fn an_overpayment_becomes_credit_balance() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (customer, id, number) = invoiced(&app, "over@example.com").await;
    let (_, r) = import(&app, "application/xml", camt053(&[(3500, &number, "OVER-1")])).await;
    assert_eq!(r["entries"][0]["outcome"], "overpaid", "{r}");
    assert_eq!(r["entries"][0]["to_balance"]["amount"], 600);
    assert_eq!(invoice(&app, &id).await["status"], "paid");
    assert_eq!(credit_balance(&app, &customer).await, 600);
}

#[tokio::test]
async fn staff_mark_an_invoice_paid_in_parts() {
    let app = TestApp::spawn().await;
    let (_, id, _) = invoiced(&app, "manual@example.com").await;
    let path = format!("/api/v1/invoices/{id}/mark_paid");
    let (status, s) = app.post(&path, json!({ "amount": 900, "reference": "cash-1" })).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!((s["status"].as_str(), s["amount_due"]["amount"].as_i64()), (Some("open"), Some(2000)));
    let (_, s) = app.post(&path, json!({ "amount": 900, "reference": "cash-1" })).await;
    assert_eq!((s["replayed"].as_bool(), s["amount_due"]["amount"].as_i64()), (Some(true), Some(2000)));
    let (_, s) = app.post(&path, json!({ "amount": 2000, "paid_at": "2026-03-05T12:00:00Z" })).await;
    assert_eq!(s["status"], "paid", "{s}");
    let (status, err) = app.post(&path, json!({ "amount": 0 })).await;
    assert_eq!(status, 400, "{err}");
}

#[tokio::test]
async fn an_english_csv_is_recognized_and_entries_it_could_not_place_are_assigned_by_hand() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (_, first_id, first_number) = invoiced(&app, "one@example.com").await;
    let (second_customer, second_id, second_number) = invoiced(&app, "two@example.com").await;
    let csv = format!(
        "Date,Value date,Counterparty,IBAN,Description,Amount,Currency\n\
         2026-03-10,2026-03-10,Payer,DE02120300000000202051,{first_number} and {second_number},29.00,EUR\n\
         2026-03-11,2026-03-11,Someone,DE88100900001234567892,thanks for everything,50.00,EUR\n"
    );
    let (status, statement) = import(&app, "text/csv", csv.clone()).await;
    assert_eq!(status, 201, "{statement}");
    assert_eq!(statement["entries"][0]["outcome"], "ambiguous", "{statement}");
    assert_eq!(statement["entries"][0]["candidates"].as_array().map(Vec::len), Some(2));
    assert_eq!(statement["entries"][1]["outcome"], "unmatched");
    let sid = statement["id"].as_str().unwrap();

    // Finance staff decide: the first credit pays the first invoice, the second the other one.
    let assign = |line: u32| format!("/api/v1/bank_statements/{sid}/entries/{line}/assign");
    let (status, after) = app.post(&assign(1), json!({ "invoice": first_id })).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(
        (after["entries"][0]["outcome"].as_str(), after["entries"][0]["invoice_id"].as_str()),
        (Some("paid"), Some(first_id.as_str()))
    );
    assert!(after["entries"][0]["assigned_at"].is_string(), "{after}");
    let (status, after) = app.post(&assign(2), json!({ "invoice": second_id })).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["entries"][1]["outcome"], "overpaid");
    assert_eq!(
        (after["matched"].as_u64(), after["unmatched"].as_u64(), after["ambiguous"].as_u64()),
        (Some(2), Some(0), Some(0))
    );
    assert_eq!(invoice(&app, &first_id).await["status"], "paid");
    assert_eq!(invoice(&app, &second_id).await["status"], "paid");
    assert_eq!(credit_balance(&app, &second_customer).await, 2100, "50.00 for 29.00: the rest is credit");

    // Twice is refused and changes nothing; so is a line that does not exist.
    let payments = app.count("invoice_payments").await;
    let (status, err) = app.post(&assign(1), json!({ "invoice": second_id })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("statement_entry_settled")), "{err}");
    let (status, _) = app.post(&assign(9), json!({ "invoice": second_id })).await;
    assert_eq!(status, 404);
    assert_eq!(app.count("invoice_payments").await, payments);

    // Importing the statement again finds both already recorded.
    let (_, again) = import(&app, "text/csv", csv).await;
    assert_eq!(again["entries"][0]["outcome"], "already_recorded", "{again}");
    assert_eq!(again["entries"][1]["outcome"], "already_recorded", "{again}");
    assert_eq!(app.count("invoice_payments").await, payments);
}

#[tokio::test]
async fn a_windows_1252_german_export_imports_and_an_unknown_layout_is_refused() {
    let app = TestApp::spawn().await;
    set_up_account(&app).await;
    let (_, id, number) = invoiced(&app, "latin@example.com").await;
    // The same export a German online bank writes in Windows-1252: "ä" is one byte (0xE4).
    let text = format!(
        "Buchungstag;Valutadatum;Auftraggeber/Empf\u{e4}nger;IBAN;Verwendungszweck;Betrag;W\u{e4}hrung\n\
         10.03.2026;10.03.2026;M\u{fc}ller;DE02120300000000202051;{number};29,00;EUR\n"
    );
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let req = app.http.post(app.url("/api/v1/bank_statements?format=csv")).body(bytes);
    let (status, statement) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(status, 201, "{statement}");
    assert_eq!(statement["entries"][0]["outcome"], "paid", "{statement}");
    assert_eq!(statement["entries"][0]["counterparty_name"], "Müller");
    assert_eq!(invoice(&app, &id).await["status"], "paid");

    let imports = app.count("bank_statement_imports").await;
    let req = app.http.post(app.url("/api/v1/bank_statements?format=csv&layout=klingon")).body("x");
    let resp = req.bearer_auth(&app.tenant.api_key).header("accept-language", "de").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "statement_layout_unknown");
    assert!(err["error"]["message"].as_str().unwrap().contains("klingon"), "{err}");
    let (status, err) = import(&app, "text/csv", "When;How much\n10.03.2026;5\n".into()).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("Date"), "names what it looked for: {err}");
    assert_eq!(app.count("bank_statement_imports").await, imports);
}
