//! The built-in sandbox gateway: a deterministic payment provider for the demo and the tests.
//!
//! It behaves like a provider's test mode. The documented test card numbers select the outcome:
//!
//! | card                | charge outcome                                                                 |
//! |---------------------|--------------------------------------------------------------------------------|
//! | 4242424242424242    | succeeds                                                                       |
//! | 4000000000000002    | declined `generic_decline` with advice `do_not_try_again` (a hard decline)     |
//! | 4000000000009995    | declined `insufficient_funds` (soft)                                           |
//! | 4000000000000069    | declined `expired_card` (hard)                                                 |
//! | 5200000000000213    | declined `try_again_later` with Mastercard advice code 02 (retry after 72 h)   |
//! | 4000002500003155    | requires 3-D Secure; finish with [`Sandbox::complete_action`]                  |
//! | 4000000000000119    | takes the money, then answers [`GatewayError::Timeout`] once (a lost response) |
//!
//! Like a real provider it honours idempotency keys (same key and same request replay the first outcome; the
//! same key with a different request is rejected), never refunds more than was paid, and emits signed webhooks
//! into a queue that `billing serve` (or a test) drains with [`Sandbox::drain_webhooks`]. Webhook bodies are
//! the JSON of [`GatewayEvent`]; they are signed exactly like Stripe's (`t=<unix>,v1=<hex HMAC-SHA256(secret,
//! "t.body")>`) so that the verification path is the same code that guards real deliveries.
//!
//! Like a real provider it has one state however many of our processes talk to it: its records live in a
//! [`SandboxStore`] (the database, for `billing`), every operation is one unit of work on them, exclusive
//! per account, and its ids (`sbx_cus_<n>`, `sbx_pm_<n>_4242`, `sbx_pi_<n>`, `sbx_re_<n>`, `sbx_evt_<n>`) are
//! numbered by the store, so they never repeat across processes or restarts. Only the webhook queue is per
//! process: an event goes out from the process whose call caused it. A method id ends in its test card's last
//! four digits (or `ok`/`ret` for a SEPA mandate), which name its behaviour, so methods stored before the
//! sandbox kept records can still be charged.

mod cards;
mod records;
pub mod store;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MethodDetails, PaymentGateway,
    PaymentMethodKind, PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome, WebhookError,
};
use chrono::{DateTime, Utc};

use self::cards::{CardBehaviour, behaviour_tag, card_behaviour, sepa_behaviour, tag_of_id};
use self::records::{
    CHARGE, CUSTOMER, CUSTOMER_OF, DEBIT, METHOD, PAYMENT, Payment, PaymentStatus, REFUND, Replay, SETUP, SetupState,
    StoredMethod, Tx,
};
pub use self::store::{MemoryStore, SandboxStore};
use crate::stripe::signing;

/// The header carrying the signature of a sandbox webhook. Its value has the Stripe format; the name differs so
/// that a sandbox delivery can never be mistaken for a Stripe one by a shared endpoint.
pub const SIGNATURE_HEADER: &str = "sandbox-signature";

/// A webhook delivery: headers keyed by lower-case name, and the raw body that was signed.
pub type WebhookDelivery = (BTreeMap<String, String>, Vec<u8>);

/// Where the sandbox reads the time for webhook signatures. Injected so that tests can sign "old" deliveries.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A customer id of the sandbox's shape (`sbx_cus_<n>`): taken as known, for customers created
/// before the sandbox kept records.
fn is_sandbox_customer(customer: &GatewayCustomerRef) -> bool {
    customer.0.strip_prefix("sbx_cus_").is_some_and(|n| n.parse::<u64>().is_ok())
}

/// The sandbox gateway. Cheap to share behind an `Arc`.
pub struct Sandbox {
    /// Behind a lock so that a rotation changes them in place: rebuilding the sandbox would lose
    /// its webhook queue and in-flight state.
    webhook_secrets: std::sync::RwLock<signing::WebhookSecrets>,
    clock: Clock,
    /// Simulates an outage: every charge and refund times out without moving money (setup still
    /// works, so a customer can hold a method here). Lets tests and the demo show failover, and a
    /// refund left to be asked again.
    outage: AtomicBool,
    /// Simulates the worst timeout: every charge takes the money and then times out, however often
    /// it is retried; only the webhook tells. Lets tests show a failover's double charge surfacing.
    outage_after_capture: AtomicBool,
    store: Arc<dyn SandboxStore>,
    /// Signed deliveries not yet drained, oldest first. Never locked across an `.await`.
    webhooks: Mutex<VecDeque<WebhookDelivery>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("webhook_secret", &"<redacted>").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox with records of its own in memory, signing its webhooks with `webhook_secret` and the system
    /// clock.
    pub fn new(webhook_secret: impl Into<String>) -> Sandbox {
        Sandbox::with_store(webhook_secret, Arc::new(Utc::now), Arc::new(MemoryStore::default()))
    }

    pub fn with_clock(webhook_secret: impl Into<String>, clock: Clock) -> Sandbox {
        Sandbox::with_store(webhook_secret, clock, Arc::new(MemoryStore::default()))
    }

    /// A sandbox keeping its records in `store`: sandboxes sharing a store are one provider.
    pub fn with_store(webhook_secret: impl Into<String>, clock: Clock, store: Arc<dyn SandboxStore>) -> Sandbox {
        Sandbox {
            webhook_secrets: std::sync::RwLock::new(signing::WebhookSecrets::new(webhook_secret)),
            clock,
            outage: AtomicBool::new(false),
            outage_after_capture: AtomicBool::new(false),
            store,
            webhooks: Mutex::new(VecDeque::new()),
        }
    }

    /// Replaces the secrets webhooks are signed with (the current one) and verified with.
    pub fn set_webhook_secrets(&self, secrets: signing::WebhookSecrets) {
        *self.webhook_secrets.write().unwrap_or_else(|p| p.into_inner()) = secrets;
    }

    fn secrets(&self) -> signing::WebhookSecrets {
        self.webhook_secrets.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Switches the capture-then-timeout fault on or off (see the `outage_after_capture` field).
    pub fn set_outage_after_capture(&self, on: bool) {
        self.outage_after_capture.store(on, Ordering::SeqCst);
    }

    /// Switches the simulated outage on or off (see the `outage` field).
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    async fn begin(&self) -> Result<Tx, GatewayError> {
        let inner = self.store.begin().await.map_err(|e| GatewayError::Transport(format!("sandbox records: {e}")))?;
        Ok(Tx::new(inner))
    }

    /// Commits, then signs and queues the unit's events: a unit that does not commit emits nothing.
    async fn commit(&self, tx: Tx) -> Result<(), GatewayError> {
        for event in tx.commit().await? {
            self.emit(&event);
        }
        Ok(())
    }

    /// Removes and returns every webhook this sandbox emitted so far, oldest first.
    pub fn drain_webhooks(&self) -> Vec<WebhookDelivery> {
        self.webhooks.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect()
    }

    fn emit(&self, event: &GatewayEvent) {
        // Serializing a plain enum of strings and integers cannot fail.
        let body = serde_json::to_vec(event).unwrap_or_default();
        let header = signing::header_value(&self.secrets().current, (self.clock)().timestamp(), &body);
        let headers = BTreeMap::from([
            (SIGNATURE_HEADER.to_owned(), header),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]);
        self.webhooks.lock().unwrap_or_else(|p| p.into_inner()).push_back((headers, body));
    }

    /// Finishes a charge that answered [`ChargeOutcome::RequiresAction`], as if the customer had passed (or
    /// failed) 3-D Secure, and emits the matching webhook.
    pub async fn complete_action(
        &self,
        provider_payment_id: &str,
        success: bool,
    ) -> Result<ChargeOutcome, GatewayError> {
        let mut tx = self.begin().await?;
        let mut payment: Payment =
            tx.get(PAYMENT, provider_payment_id).await?.ok_or_else(|| no_such_payment(provider_payment_id))?;
        if payment.status != PaymentStatus::RequiresAction {
            return Err(GatewayError::Rejected {
                code: "payment_intent_unexpected_state".into(),
                message: format!("payment {provider_payment_id} is not waiting for authentication"),
            });
        }
        let provider_event_id = tx.next_id("evt").await?;
        let (outcome, event) = if success {
            payment.status = PaymentStatus::Succeeded;
            (
                ChargeOutcome::Succeeded {
                    provider_payment_id: provider_payment_id.to_owned(),
                    amount: payment.amount,
                },
                GatewayEvent::PaymentSucceeded {
                    provider_event_id,
                    provider_payment_id: provider_payment_id.to_owned(),
                    amount: payment.amount,
                    attempt_reference: Some(payment.key.clone()),
                },
            )
        } else {
            // Stripe's code for a failed 3-D Secure challenge; hard in our table, since only the customer,
            // on-session, can fix it.
            let code = "authentication_required";
            payment.status = PaymentStatus::Failed;
            payment.failure = Some(code.into());
            (
                ChargeOutcome::Failed {
                    provider_payment_id: Some(provider_payment_id.to_owned()),
                    decline_code: code.into(),
                    decline_message: Some("The customer failed authentication.".into()),
                    advice_code: None,
                    network_advice_code: None,
                },
                GatewayEvent::PaymentFailed {
                    provider_event_id,
                    provider_payment_id: provider_payment_id.to_owned(),
                    decline_code: code.into(),
                },
            )
        };
        tx.put(PAYMENT, provider_payment_id, &payment).await?;
        tx.events.push(event);
        self.commit(tx).await?;
        Ok(outcome)
    }

    /// Finishes a card setup that answered [`SetupOutcome::RequiresAction`], as if the customer had passed (or
    /// failed) 3-D Secure in the browser, and emits `SetupSucceeded` or `SetupFailed`.
    pub async fn authenticate_setup(
        &self,
        provider_setup_id: &str,
        success: bool,
    ) -> Result<SetupOutcome, GatewayError> {
        let mut tx = self.begin().await?;
        let Some(SetupState::Waiting { customer, tag }) = tx.get(SETUP, provider_setup_id).await? else {
            return Err(GatewayError::Rejected {
                code: "setup_intent_unexpected_state".into(),
                message: format!("setup {provider_setup_id} is not waiting for authentication"),
            });
        };
        let provider_event_id = tx.next_id("evt").await?;
        let (outcome, event, state) = if success {
            let method = PaymentMethodRef(format!("{}_{tag}", tx.next_id("pm").await?));
            tx.put(METHOD, &method.0, &StoredMethod { customer, tag }).await?;
            (
                SetupOutcome::Ready(method.clone()),
                GatewayEvent::SetupSucceeded {
                    provider_event_id,
                    provider_setup_id: provider_setup_id.to_owned(),
                    method: method.clone(),
                },
                SetupState::Succeeded { method },
            )
        } else {
            let code = "setup_intent_authentication_failure";
            (
                SetupOutcome::Failed {
                    decline_code: code.into(),
                    decline_message: Some("The customer failed authentication.".into()),
                },
                GatewayEvent::SetupFailed {
                    provider_event_id,
                    provider_setup_id: provider_setup_id.to_owned(),
                    decline_code: code.into(),
                },
                SetupState::Failed,
            )
        };
        tx.put(SETUP, provider_setup_id, &state).await?;
        tx.events.push(event);
        self.commit(tx).await?;
        Ok(outcome)
    }

    /// The bank settles every pending SEPA debit, as it would a few days after the debit: each is
    /// paid or returned (see [`cards::sepa_behaviour`]) and its webhook goes out. Returns how many.
    pub async fn settle_debits(&self) -> Result<usize, GatewayError> {
        let mut tx = self.begin().await?;
        let pending: Vec<(String, bool)> = tx.list(DEBIT).await?;
        for (id, _) in &pending {
            tx.remove(DEBIT, id).await?;
            let Some(mut payment) = tx.get::<Payment>(PAYMENT, id).await? else { continue };
            let provider_event_id = tx.next_id("evt").await?;
            let event = match payment.debit_return.clone() {
                None => {
                    payment.status = PaymentStatus::Succeeded;
                    GatewayEvent::PaymentSucceeded {
                        provider_event_id,
                        provider_payment_id: id.clone(),
                        amount: payment.amount,
                        attempt_reference: Some(payment.key.clone()),
                    }
                }
                Some(code) => {
                    payment.status = PaymentStatus::Failed;
                    payment.failure = Some(code.clone());
                    GatewayEvent::PaymentFailed {
                        provider_event_id,
                        provider_payment_id: id.clone(),
                        decline_code: code,
                    }
                }
            };
            tx.put(PAYMENT, id, &payment).await?;
            tx.events.push(event);
        }
        self.commit(tx).await?;
        Ok(pending.len())
    }

    /// Opens a dispute (chargeback) on a captured payment and emits `DisputeOpened`, for demo and tests of the
    /// dispute flow.
    pub async fn open_dispute(&self, provider_payment_id: &str, reason: &str) -> Result<(), GatewayError> {
        let mut tx = self.begin().await?;
        let payment: Payment =
            tx.get(PAYMENT, provider_payment_id).await?.ok_or_else(|| no_such_payment(provider_payment_id))?;
        if payment.status != PaymentStatus::Succeeded {
            return Err(GatewayError::Rejected {
                code: "charge_not_captured".into(),
                message: format!("payment {provider_payment_id} has not captured any money"),
            });
        }
        let event = GatewayEvent::DisputeOpened {
            provider_event_id: tx.next_id("evt").await?,
            provider_payment_id: provider_payment_id.to_owned(),
            amount: payment.amount,
            reason: reason.to_owned(),
        };
        tx.events.push(event);
        self.commit(tx).await
    }

    /// How much has been captured, net of refunds, over all payments in `currency`: lets tests assert that a
    /// customer was charged exactly once.
    pub async fn net_captured(&self, currency: billing_core::currency::Currency) -> Result<Money, GatewayError> {
        let mut tx = self.begin().await?;
        let payments: Vec<(String, Payment)> = tx.list(PAYMENT).await?;
        let net = payments
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.status == PaymentStatus::Succeeded && p.amount.currency() == currency)
            .map(|p| p.amount.minor() - p.refunded.minor())
            .sum();
        Ok(Money::from_minor(net, currency))
    }

    /// Whether `customer` is one of this provider's.
    async fn knows_customer(tx: &mut Tx, customer: &GatewayCustomerRef) -> Result<bool, GatewayError> {
        Ok(tx.get::<String>(CUSTOMER, &customer.0).await?.is_some() || is_sandbox_customer(customer))
    }

    async fn charge_fresh(&self, tx: &mut Tx, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("amount must be positive, got {}", req.amount),
            });
        }
        let method = match tx.get::<StoredMethod>(METHOD, &req.method.0).await? {
            Some(m) => Some(m),
            // Stored before the sandbox kept records: its id says what it does.
            None => {
                tag_of_id(&req.method.0).map(|tag| StoredMethod { customer: req.customer.clone(), tag: tag.into() })
            }
        };
        let method = method.ok_or_else(|| GatewayError::Rejected {
            code: "resource_missing".into(),
            message: format!("no such payment method: {}", req.method.0),
        })?;
        if method.customer != req.customer {
            return Err(GatewayError::Rejected {
                code: "payment_method_not_attached".into(),
                message: format!("payment method {} does not belong to customer {}", req.method.0, req.customer.0),
            });
        }
        let behaviour = method.behaviour().ok_or_else(|| GatewayError::Rejected {
            code: "resource_missing".into(),
            message: format!("payment method {} is unusable", req.method.0),
        })?;
        let payment_id = tx.next_id("pi").await?;
        let client_secret = format!("{payment_id}_secret");
        let (status, outcome) = match behaviour {
            CardBehaviour::Succeeds | CardBehaviour::TimesOutAfterCapture => (
                PaymentStatus::Succeeded,
                ChargeOutcome::Succeeded { provider_payment_id: payment_id.clone(), amount: req.amount },
            ),
            CardBehaviour::RequiresAction | CardBehaviour::AuthenticatesAlways => (
                PaymentStatus::RequiresAction,
                ChargeOutcome::RequiresAction { provider_payment_id: payment_id.clone(), client_secret },
            ),
            CardBehaviour::SepaDebit { .. } => {
                (PaymentStatus::Pending, ChargeOutcome::Pending { provider_payment_id: payment_id.clone() })
            }
            CardBehaviour::Declines { code, advice, message, network_advice } => (
                PaymentStatus::Failed,
                ChargeOutcome::Failed {
                    provider_payment_id: Some(payment_id.clone()),
                    decline_code: code.into(),
                    decline_message: Some(message.into()),
                    advice_code: advice.map(str::to_owned),
                    network_advice_code: network_advice.map(str::to_owned),
                },
            ),
        };
        let payment = Payment {
            amount: req.amount,
            status,
            refunded: Money::zero(req.amount.currency()),
            key: req.idempotency_key.clone(),
            debit_return: match behaviour {
                CardBehaviour::SepaDebit { returned } => returned.map(str::to_owned),
                _ => None,
            },
            failure: match &outcome {
                ChargeOutcome::Failed { decline_code, .. } => Some(decline_code.clone()),
                _ => None,
            },
        };
        tx.put(PAYMENT, &payment_id, &payment).await?;
        if status == PaymentStatus::Pending {
            tx.put(DEBIT, &payment_id, &true).await?;
        }
        let event = match &outcome {
            ChargeOutcome::Succeeded { .. } => Some(GatewayEvent::PaymentSucceeded {
                provider_event_id: tx.next_id("evt").await?,
                provider_payment_id: payment_id,
                amount: req.amount,
                attempt_reference: Some(req.idempotency_key.clone()),
            }),
            ChargeOutcome::Failed { decline_code, .. } => Some(GatewayEvent::PaymentFailed {
                provider_event_id: tx.next_id("evt").await?,
                provider_payment_id: payment_id,
                decline_code: decline_code.clone(),
            }),
            ChargeOutcome::RequiresAction { .. } | ChargeOutcome::Pending { .. } => None,
        };
        tx.events.extend(event);
        tx.put(CHARGE, &req.idempotency_key, &Replay { request: req.clone(), outcome: outcome.clone() }).await?;
        if behaviour == CardBehaviour::TimesOutAfterCapture {
            // The money is taken and the outcome recorded under the key, but the caller never hears about it:
            // exactly the case that idempotent retries exist for.
            return Err(GatewayError::Timeout);
        }
        Ok(outcome)
    }

    async fn refund_fresh(&self, tx: &mut Tx, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        let mut payment: Payment = tx
            .get(PAYMENT, &req.provider_payment_id)
            .await?
            .ok_or_else(|| no_such_payment(&req.provider_payment_id))?;
        if req.amount.currency() != payment.amount.currency() {
            return Err(GatewayError::Rejected {
                code: "currency_mismatch".into(),
                message: format!("refund in {} for a payment in {}", req.amount.currency(), payment.amount.currency()),
            });
        }
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("refund amount must be positive, got {}", req.amount),
            });
        }
        let outcome = if payment.status != PaymentStatus::Succeeded {
            RefundOutcome::Failed { reason: "the payment has not captured any money".into() }
        } else {
            // Same currency checked above, so these cannot fail; an error would only mean i64 overflow.
            let remaining = payment.amount.checked_sub(payment.refunded).map_err(money_error)?;
            if req.amount.minor() > remaining.minor() {
                RefundOutcome::Failed {
                    reason: format!("refund of {} exceeds the {} left to refund", req.amount, remaining),
                }
            } else {
                payment.refunded = payment.refunded.checked_add(req.amount).map_err(money_error)?;
                let refund_id = tx.next_id("re").await?;
                tx.put(PAYMENT, &req.provider_payment_id, &payment).await?;
                let event = GatewayEvent::RefundSucceeded {
                    provider_event_id: tx.next_id("evt").await?,
                    provider_payment_id: req.provider_payment_id.clone(),
                    amount: payment.refunded,
                };
                tx.events.push(event);
                RefundOutcome::Succeeded { provider_refund_id: refund_id }
            }
        };
        tx.put(REFUND, &req.idempotency_key, &Replay { request: req.clone(), outcome: outcome.clone() }).await?;
        Ok(outcome)
    }
}

fn no_such_payment(id: &str) -> GatewayError {
    GatewayError::Rejected { code: "resource_missing".into(), message: format!("no such payment: {id}") }
}

fn money_error(err: billing_core::money::MoneyError) -> GatewayError {
    GatewayError::Rejected { code: "amount_invalid".into(), message: err.to_string() }
}

fn idempotency_conflict(key: &str) -> GatewayError {
    GatewayError::Rejected {
        code: "idempotency_error".into(),
        message: format!("idempotency key {key} was already used with different parameters"),
    }
}

fn no_such_customer(customer: &GatewayCustomerRef) -> GatewayError {
    GatewayError::Rejected { code: "resource_missing".into(), message: format!("no such customer: {}", customer.0) }
}

#[async_trait]
impl PaymentGateway for Sandbox {
    fn kind(&self) -> &'static str {
        "sandbox"
    }

    async fn ensure_customer(
        &self,
        our_customer_id: &str,
        _email: &str,
        _name: &str,
    ) -> Result<GatewayCustomerRef, GatewayError> {
        // Unlike most providers the sandbox can look customers up by our id, so a repeated call is harmless.
        let mut tx = self.begin().await?;
        if let Some(existing) = tx.get::<GatewayCustomerRef>(CUSTOMER_OF, our_customer_id).await? {
            return Ok(existing);
        }
        let customer = GatewayCustomerRef(tx.next_id("cus").await?);
        tx.put(CUSTOMER_OF, our_customer_id, &customer).await?;
        tx.put(CUSTOMER, &customer.0, &our_customer_id).await?;
        self.commit(tx).await?;
        Ok(customer)
    }

    async fn setup_payment_method(
        &self,
        customer: &GatewayCustomerRef,
        method_details: &MethodDetails,
    ) -> Result<SetupOutcome, GatewayError> {
        let mut tx = self.begin().await?;
        if !Self::knows_customer(&mut tx, customer).await? {
            return Err(no_such_customer(customer));
        }
        let (prefix, tag) = match method_details {
            MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban } => {
                ("mdt", behaviour_tag(iban, sepa_behaviour(iban)))
            }
            // The sandbox's "client SDK" is the test card number itself.
            MethodDetails::TestCard { number }
            | MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token: number } => {
                let Some(behaviour) = card_behaviour(number) else {
                    // Test mode accepts only its documented numbers; anything else is treated as a typo.
                    return Ok(SetupOutcome::Failed {
                        decline_code: "incorrect_number".into(),
                        decline_message: Some("The card number is not a sandbox test card.".into()),
                    });
                };
                let tag = behaviour_tag(number, behaviour);
                if behaviour == CardBehaviour::AuthenticatesAlways {
                    let id = tx.next_id("seti").await?;
                    tx.put(SETUP, &id, &SetupState::Waiting { customer: customer.clone(), tag }).await?;
                    self.commit(tx).await?;
                    return Ok(SetupOutcome::RequiresAction {
                        client_secret: format!("{id}_secret"),
                        redirect_hint: None,
                        provider_setup_id: id,
                    });
                }
                ("pm", tag)
            }
        };
        let id = format!("{}_{tag}", tx.next_id(prefix).await?);
        tx.put(METHOD, &id, &StoredMethod { customer: customer.clone(), tag }).await?;
        self.commit(tx).await?;
        Ok(SetupOutcome::Ready(PaymentMethodRef(id)))
    }

    async fn complete_setup(
        &self,
        customer: &GatewayCustomerRef,
        provider_setup_id: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        let mut tx = self.begin().await?;
        match tx.get::<SetupState>(SETUP, provider_setup_id).await? {
            Some(SetupState::Waiting { customer: owner, .. }) if &owner == customer => {
                Ok(SetupOutcome::RequiresAction {
                    provider_setup_id: provider_setup_id.to_owned(),
                    client_secret: format!("{provider_setup_id}_secret"),
                    redirect_hint: None,
                })
            }
            Some(SetupState::Succeeded { method })
                if tx.get::<StoredMethod>(METHOD, &method.0).await?.is_some_and(|m| &m.customer == customer) =>
            {
                Ok(SetupOutcome::Ready(method))
            }
            Some(SetupState::Failed) => Ok(SetupOutcome::Failed {
                decline_code: "setup_intent_authentication_failure".into(),
                decline_message: Some("The customer failed authentication.".into()),
            }),
            _ => Err(GatewayError::Rejected {
                code: "resource_missing".into(),
                message: format!("no such setup for this customer: {provider_setup_id}"),
            }),
        }
    }

    async fn payment_status(&self, provider_payment_id: &str) -> Result<ChargeOutcome, GatewayError> {
        let mut tx = self.begin().await?;
        let payment: Payment =
            tx.get(PAYMENT, provider_payment_id).await?.ok_or_else(|| no_such_payment(provider_payment_id))?;
        Ok(match payment.status {
            PaymentStatus::Succeeded => {
                ChargeOutcome::Succeeded { provider_payment_id: provider_payment_id.to_owned(), amount: payment.amount }
            }
            PaymentStatus::RequiresAction => ChargeOutcome::RequiresAction {
                provider_payment_id: provider_payment_id.to_owned(),
                client_secret: format!("{provider_payment_id}_secret"),
            },
            PaymentStatus::Pending => ChargeOutcome::Pending { provider_payment_id: provider_payment_id.to_owned() },
            // Declined when charged, failed 3-D Secure, or a returned debit.
            PaymentStatus::Failed => ChargeOutcome::Failed {
                provider_payment_id: Some(provider_payment_id.to_owned()),
                decline_code: payment.failure.clone().unwrap_or_else(|| "generic_decline".into()),
                decline_message: None,
                advice_code: None,
                network_advice_code: None,
            },
        })
    }

    async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(GatewayError::Timeout);
        }
        let mut tx = self.begin().await?;
        let replay = tx.get::<Replay<ChargeRequest, ChargeOutcome>>(CHARGE, &req.idempotency_key).await?;
        if self.outage_after_capture.load(Ordering::SeqCst) {
            // Takes the money (the first time for a key) and its webhook goes out, but no answer
            // ever comes back, retries included.
            if replay.is_none() {
                let _ = self.charge_fresh(&mut tx, req).await;
                self.commit(tx).await?;
            }
            return Err(GatewayError::Timeout);
        }
        if let Some(replay) = replay {
            // Like Stripe: the same key replays the first answer, even if the payment has moved on since (e.g.
            // 3-D Secure completed); a different request under the same key is a caller bug.
            return if replay.request == *req {
                Ok(replay.outcome)
            } else {
                Err(idempotency_conflict(&req.idempotency_key))
            };
        }
        let outcome = self.charge_fresh(&mut tx, req).await;
        // A refusal of the request itself (say, no such method) stores nothing; an answer, even a
        // lost one (the timeout after capture), is committed with its replay record.
        if matches!(outcome, Ok(_) | Err(GatewayError::Timeout)) {
            self.commit(tx).await?;
        }
        outcome
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        if self.outage.load(Ordering::SeqCst) {
            return Err(GatewayError::Timeout);
        }
        let mut tx = self.begin().await?;
        if let Some(replay) = tx.get::<Replay<RefundRequest, RefundOutcome>>(REFUND, &req.idempotency_key).await? {
            return if replay.request == *req {
                Ok(replay.outcome)
            } else {
                Err(idempotency_conflict(&req.idempotency_key))
            };
        }
        let outcome = self.refund_fresh(&mut tx, req).await?;
        self.commit(tx).await?;
        Ok(outcome)
    }

    fn parse_webhook(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError> {
        let header = signing::find_header(headers, SIGNATURE_HEADER).ok_or(WebhookError::BadSignature)?;
        self.secrets().verify(header, body, now)?;
        serde_json::from_slice(body).map_err(|err| WebhookError::Malformed(err.to_string()))
    }
}

#[cfg(test)]
mod tests;
