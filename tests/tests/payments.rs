//! Collecting invoices through the API with the sandbox gateway: the ledger, declines and their
//! class, and the fault a provider can cause (a timeout after taking the money).

use billing_tests::TestApp;
use serde_json::{Value, json};

/// A customer outside the EU (no VAT) on `pro` (29.00 EUR), invoiced for March.
async fn invoiced_customer(app: &TestApp) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer("p@example.com", "EUR").await;
    (customer, invoice["id"].as_str().unwrap().to_string())
}

async fn add_card(app: &TestApp, customer: &str, number: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": number })).await
}

#[tokio::test]
async fn an_invoice_is_collected_once_with_the_customers_card() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    let (status, err) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("no_payment_method")), "{err}");
    let (status, pm) = add_card(&app, &customer, "4242 4242 4242 4242").await;
    assert_eq!(status, 201, "{pm}");
    assert_eq!(pm["last4"], "4242");
    let (status, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["attempt"]["status"], "succeeded");
    assert_eq!(paid["invoice_status"], "paid");
    assert_eq!(paid["amount_paid"], json!({ "amount": 2900, "currency": "EUR" }));
    let (status, again) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("invoice_not_payable")), "{again}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
    assert_eq!(ledger[0]["gateway"], "sandbox");
    assert!(ledger[0]["routing_reason"].as_str().unwrap().contains("sandbox"));
}

#[tokio::test]
async fn declines_are_recorded_with_their_class_and_leave_the_invoice_open() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    for (card, code, class) in
        [("4000000000009995", "insufficient_funds", "soft"), ("4000000000000002", "generic_decline", "hard")]
    {
        let (status, pm) = add_card(&app, &customer, card).await;
        assert_eq!(status, 201, "{pm}");
        let (status, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["attempt"]["status"], "failed");
        assert_eq!(r["attempt"]["decline_code"], code);
        assert_eq!(r["attempt"]["decline_class"], class);
        assert_eq!(r["invoice_status"], "open");
        assert_eq!(r["amount_due"]["amount"], 2900);
    }
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_gateway_that_times_out_after_taking_the_money_charges_the_customer_once() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    add_card(&app, &customer, "4000000000000119").await;
    let (status, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(status, 200, "{r}");
    // The retry used the same idempotency key (our attempt id): one attempt, one payment.
    assert_eq!(r["attempt"]["status"], "succeeded");
    assert_eq!(r["invoice_status"], "paid");
    assert_eq!(r["amount_paid"]["amount"], 2900);
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
}
