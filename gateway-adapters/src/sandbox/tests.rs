//! The sandbox's own behaviour: ids, customers, authentication, disputes, signatures, and that
//! sandboxes sharing a store act as one provider.

use super::*;
use billing_core::currency::Currency;
use std::sync::Arc;

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

async fn customer_with_card(sandbox: &Sandbox, number: &str) -> (GatewayCustomerRef, PaymentMethodRef) {
    let customer = sandbox.ensure_customer("cust-1", "a@example.com", "Alice").await.unwrap();
    let details = MethodDetails::TestCard { number: number.into() };
    let SetupOutcome::Ready(method) = sandbox.setup_payment_method(&customer, &details).await.unwrap() else {
        panic!("setup did not succeed");
    };
    (customer, method)
}

#[tokio::test]
async fn a_restarted_sandbox_still_charges_the_methods_stored_before() {
    let before = Sandbox::new("whsec_x");
    let (customer, ok) = customer_with_card(&before, "4242424242424242").await;
    let (_, declines) = customer_with_card(&before, "4000000000009995").await;
    assert!(ok.0.starts_with("sbx_pm_") && ok.0.ends_with("_4242"), "{ok:?}");
    // A new process: empty memory, same ids in our database.
    let after = Sandbox::new("whsec_x");
    let paid = after.charge(&charge("k1", &customer, &ok, 1000)).await.unwrap();
    assert!(matches!(paid, ChargeOutcome::Succeeded { .. }), "{paid:?}");
    let declined = after.charge(&charge("k2", &customer, &declines, 1000)).await.unwrap();
    assert!(matches!(declined, ChargeOutcome::Failed { ref decline_code, .. } if decline_code == "insufficient_funds"));
    // A card can still be added for the customer of the earlier run; made-up ids stay unknown.
    let details = MethodDetails::TestCard { number: "4242424242424242".into() };
    assert!(matches!(after.setup_payment_method(&customer, &details).await, Ok(SetupOutcome::Ready(_))));
    let forged = after.charge(&charge("k3", &customer, &PaymentMethodRef("sbx_pm_9_1234".into()), 1000)).await;
    assert!(matches!(forged, Err(GatewayError::Rejected { .. })), "{forged:?}");
    let stranger = after.setup_payment_method(&GatewayCustomerRef("cus_other".into()), &details).await;
    assert!(matches!(stranger, Err(GatewayError::Rejected { .. })), "{stranger:?}");
}

fn charge(key: &str, customer: &GatewayCustomerRef, method: &PaymentMethodRef, minor: i64) -> ChargeRequest {
    ChargeRequest {
        idempotency_key: key.into(),
        customer: customer.clone(),
        method: method.clone(),
        amount: eur(minor),
        description: "Invoice 1".into(),
        metadata: BTreeMap::new(),
    }
}

#[tokio::test]
async fn ids_are_sequential_and_customers_are_reused() {
    let sandbox = Sandbox::new("whsec_sbx");
    let a = sandbox.ensure_customer("a", "a@example.com", "A").await.unwrap();
    let b = sandbox.ensure_customer("b", "b@example.com", "B").await.unwrap();
    assert_eq!((a.0.as_str(), b.0.as_str()), ("sbx_cus_1", "sbx_cus_2"));
    assert_eq!(sandbox.ensure_customer("a", "a@example.com", "A").await.unwrap(), a);
}

#[tokio::test]
async fn unknown_card_numbers_fail_setup() {
    let sandbox = Sandbox::new("whsec_sbx");
    let customer = sandbox.ensure_customer("a", "a@example.com", "A").await.unwrap();
    let outcome = sandbox
        .setup_payment_method(&customer, &MethodDetails::TestCard { number: "1234567812345678".into() })
        .await
        .unwrap();
    assert!(matches!(outcome, SetupOutcome::Failed { ref decline_code, .. } if decline_code == "incorrect_number"));
}

#[tokio::test]
async fn charging_another_customers_method_is_rejected() {
    let sandbox = Sandbox::new("whsec_sbx");
    let (_, method) = customer_with_card(&sandbox, "4242424242424242").await;
    let other = sandbox.ensure_customer("b", "b@example.com", "B").await.unwrap();
    let err = sandbox.charge(&charge("k1", &other, &method, 100)).await.unwrap_err();
    assert!(matches!(err, GatewayError::Rejected { ref code, .. } if code == "payment_method_not_attached"));
}

#[tokio::test]
async fn failed_authentication_emits_payment_failed() {
    let sandbox = Sandbox::new("whsec_sbx");
    let (customer, method) = customer_with_card(&sandbox, "4000002500003155").await;
    let ChargeOutcome::RequiresAction { provider_payment_id, .. } =
        sandbox.charge(&charge("k1", &customer, &method, 500)).await.unwrap()
    else {
        panic!("expected RequiresAction");
    };
    let outcome = sandbox.complete_action(&provider_payment_id, false).await.unwrap();
    assert!(
        matches!(outcome, ChargeOutcome::Failed { ref decline_code, .. } if decline_code == "authentication_required")
    );
    assert!(sandbox.complete_action(&provider_payment_id, true).await.is_err(), "only once");
    let events: Vec<_> =
        sandbox.drain_webhooks().into_iter().map(|(h, b)| sandbox.parse_webhook(&h, &b, Utc::now()).unwrap()).collect();
    assert!(matches!(events.as_slice(), [GatewayEvent::PaymentFailed { .. }]), "{events:?}");
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(0));
}

#[tokio::test]
async fn disputes_emit_an_event() {
    let sandbox = Sandbox::new("whsec_sbx");
    let (customer, method) = customer_with_card(&sandbox, "4242424242424242").await;
    let ChargeOutcome::Succeeded { provider_payment_id, .. } =
        sandbox.charge(&charge("k1", &customer, &method, 700)).await.unwrap()
    else {
        panic!("expected success");
    };
    sandbox.drain_webhooks();
    sandbox.open_dispute(&provider_payment_id, "fraudulent").await.unwrap();
    let (headers, body) = sandbox.drain_webhooks().pop().unwrap();
    let event = sandbox.parse_webhook(&headers, &body, Utc::now()).unwrap();
    assert_eq!(
        event,
        GatewayEvent::DisputeOpened {
            provider_event_id: "sbx_evt_2".into(),
            provider_payment_id,
            amount: eur(700),
            reason: "fraudulent".into(),
        }
    );
}

#[tokio::test]
async fn old_deliveries_are_stale() {
    let signed_at = Utc::now() - chrono::TimeDelta::minutes(6);
    let sandbox = Sandbox::with_clock("whsec_sbx", Arc::new(move || signed_at));
    let (customer, method) = customer_with_card(&sandbox, "4242424242424242").await;
    sandbox.charge(&charge("k1", &customer, &method, 100)).await.unwrap();
    let (headers, body) = sandbox.drain_webhooks().pop().unwrap();
    assert_eq!(sandbox.parse_webhook(&headers, &body, Utc::now()), Err(WebhookError::Stale));
    assert!(sandbox.parse_webhook(&headers, &body, signed_at).is_ok());
}

#[test]
fn debug_does_not_show_the_secret() {
    assert!(!format!("{:?}", Sandbox::new("whsec_topsecret")).contains("topsecret"));
}

#[tokio::test]
async fn sandboxes_sharing_a_store_are_one_provider_whose_ids_never_repeat() {
    // Two processes on one database: before the sandbox kept its records in a shared store, each
    // counted from 1, and two attempts on different invoices got the same `sbx_pi_1`.
    let store: Arc<dyn SandboxStore> = Arc::new(MemoryStore::default());
    let one = Sandbox::with_store("whsec_x", Arc::new(Utc::now), store.clone());
    let two = Sandbox::with_store("whsec_x", Arc::new(Utc::now), store);
    let (customer, method) = customer_with_card(&one, "4242424242424242").await;
    assert_eq!(two.ensure_customer("cust-1", "a@example.com", "Alice").await.unwrap(), customer);
    let mut ids = std::collections::BTreeSet::new();
    for n in 0..5 {
        for (sandbox, key) in [(&one, format!("a{n}")), (&two, format!("b{n}"))] {
            let ChargeOutcome::Succeeded { provider_payment_id, .. } =
                sandbox.charge(&charge(&key, &customer, &method, 100)).await.unwrap()
            else {
                panic!("the charge failed");
            };
            assert!(ids.insert(provider_payment_id.clone()), "{provider_payment_id} handed out twice");
        }
    }
    // A key charged through one is replayed by the other, not charged again.
    let first = one.charge(&charge("a0", &customer, &method, 100)).await.unwrap();
    assert_eq!(two.charge(&charge("a0", &customer, &method, 100)).await.unwrap(), first);
    assert_eq!(two.net_captured(Currency::EUR).await.unwrap(), eur(1000));
    // 3-D Secure started through one is finished through the other.
    let (_, three_ds) = customer_with_card(&one, "4000002500003155").await;
    let ChargeOutcome::RequiresAction { provider_payment_id, .. } =
        one.charge(&charge("c1", &customer, &three_ds, 700)).await.unwrap()
    else {
        panic!("expected RequiresAction");
    };
    assert!(matches!(two.complete_action(&provider_payment_id, true).await, Ok(ChargeOutcome::Succeeded { .. })));
    assert!(matches!(one.payment_status(&provider_payment_id).await, Ok(ChargeOutcome::Succeeded { .. })));
}

#[tokio::test]
async fn a_unit_of_work_that_fails_leaves_nothing_behind() {
    let sandbox = Sandbox::new("whsec_x");
    let (customer, _) = customer_with_card(&sandbox, "4242424242424242").await;
    sandbox.drain_webhooks();
    let unknown = sandbox.charge(&charge("k1", &customer, &PaymentMethodRef("pm_nope".into()), 100)).await;
    assert!(matches!(unknown, Err(GatewayError::Rejected { .. })), "{unknown:?}");
    assert!(sandbox.drain_webhooks().is_empty());
    // The key was not used up by the refused request.
    let (_, ok) = customer_with_card(&sandbox, "4242424242424242").await;
    assert!(matches!(sandbox.charge(&charge("k1", &customer, &ok, 100)).await, Ok(ChargeOutcome::Succeeded { .. })));
}
