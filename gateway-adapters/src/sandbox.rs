//! The built-in sandbox gateway: a deterministic, in-memory payment provider for the demo and the tests.
//!
//! It behaves like a provider's test mode. The documented test card numbers select the outcome:
//!
//! | card                | charge outcome                                                                 |
//! |---------------------|--------------------------------------------------------------------------------|
//! | 4242424242424242    | succeeds                                                                       |
//! | 4000000000000002    | declined `generic_decline` with advice `do_not_try_again` (a hard decline)     |
//! | 4000000000009995    | declined `insufficient_funds` (soft)                                           |
//! | 4000000000000069    | declined `expired_card` (hard)                                                 |
//! | 4000002500003155    | requires 3-D Secure; finish with [`Sandbox::complete_action`]                  |
//! | 4000000000000119    | takes the money, then answers [`GatewayError::Timeout`] once (a lost response) |
//!
//! Like a real provider it honours idempotency keys (same key and same request replay the first outcome; the
//! same key with a different request is rejected), never refunds more than was paid, and emits signed webhooks
//! into a queue that the demo or a test drains with [`Sandbox::drain_webhooks`]. Webhook bodies are the JSON of
//! [`GatewayEvent`]; they are signed exactly like Stripe's (`t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`)
//! so that the verification path is the same code that guards real deliveries.
//!
//! Ids are sequential (`sbx_cus_1`, `sbx_pm_1_4242`, `sbx_pi_1`, `sbx_re_1`, `sbx_evt_1`) so test expectations
//! and demo screenshots are stable. The sandbox keeps its state in memory, yet a restarted process still
//! charges the methods stored before: a method id ends in its test card's last four digits (or `ok`/`ret`
//! for a SEPA mandate), which name its behaviour, and a customer id of the sandbox's shape is taken as
//! known.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MethodDetails, PaymentGateway,
    PaymentMethodKind, PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome, WebhookError,
};
use chrono::{DateTime, Utc};

use crate::stripe::signing;

/// The header carrying the signature of a sandbox webhook. Its value has the Stripe format; the name differs so
/// that a sandbox delivery can never be mistaken for a Stripe one by a shared endpoint.
pub const SIGNATURE_HEADER: &str = "sandbox-signature";

/// A webhook delivery: headers keyed by lower-case name, and the raw body that was signed.
pub type WebhookDelivery = (BTreeMap<String, String>, Vec<u8>);

/// Where the sandbox reads the time for webhook signatures. Injected so that tests can sign "old" deliveries.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a test card number does when charged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CardBehaviour {
    Succeeds,
    Declines {
        code: &'static str,
        advice: Option<&'static str>,
        message: &'static str,
    },
    RequiresAction,
    TimesOutAfterCapture,
    /// Asks for 3-D Secure already when it is saved, and again on every charge.
    AuthenticatesAlways,
    /// A SEPA Direct Debit mandate: a debit is pending until the bank settles it
    /// ([`Sandbox::settle_debits`]), then paid or returned with this code.
    SepaDebit {
        returned: Option<&'static str>,
    },
}

/// What a SEPA mandate for this IBAN does, after Stripe's test IBANs: one ending in 3001 is
/// returned for insufficient funds (R-transaction AM04), every other valid IBAN is paid.
fn sepa_behaviour(iban: &str) -> CardBehaviour {
    CardBehaviour::SepaDebit { returned: iban.ends_with("3001").then_some("insufficient_funds") }
}

/// The suffix of a stored method's id: what it does, so that a restarted sandbox can charge it.
fn behaviour_tag(number_or_iban: &str, behaviour: CardBehaviour) -> String {
    match behaviour {
        CardBehaviour::SepaDebit { returned: None } => "ok".into(),
        CardBehaviour::SepaDebit { returned: Some(_) } => "ret".into(),
        _ => number_or_iban.chars().skip(number_or_iban.chars().count().saturating_sub(4)).collect(),
    }
}

/// The behaviour a method id names (see [`behaviour_tag`]); `None` for ids the sandbox never gave.
fn behaviour_of_id(id: &str) -> Option<CardBehaviour> {
    let (prefix, tag) = id.rsplit_once('_')?;
    if let Some(rest) = prefix.strip_prefix("sbx_mdt_") {
        rest.parse::<u64>().ok()?;
        return match tag {
            "ok" => Some(CardBehaviour::SepaDebit { returned: None }),
            "ret" => Some(sepa_behaviour("3001")),
            _ => None,
        };
    }
    prefix.strip_prefix("sbx_pm_")?.parse::<u64>().ok()?;
    TEST_CARDS.iter().find(|n| n.ends_with(tag) && tag.len() == 4).and_then(|n| card_behaviour(n))
}

/// Every test card number the sandbox knows (their last four digits differ).
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000000000000069",
    "4000002500003155",
    "4000002760003184",
    "4000000000000119",
];

/// A customer id the sandbox hands out (`sbx_cus_<n>`).
fn is_sandbox_customer(customer: &GatewayCustomerRef) -> bool {
    customer.0.strip_prefix("sbx_cus_").is_some_and(|n| n.parse::<u64>().is_ok())
}

fn card_behaviour(number: &str) -> Option<CardBehaviour> {
    Some(match number {
        "4242424242424242" => CardBehaviour::Succeeds,
        // Stripe reports this card as `card_declined`/`generic_decline`; the explicit advice makes it the hard
        // decline the demo needs, since `generic_decline` alone is soft in our table.
        "4000000000000002" => CardBehaviour::Declines {
            code: "generic_decline",
            advice: Some("do_not_try_again"),
            message: "Your card was declined.",
        },
        "4000000000009995" => CardBehaviour::Declines {
            code: "insufficient_funds",
            advice: None,
            message: "Your card has insufficient funds.",
        },
        "4000000000000069" => {
            CardBehaviour::Declines { code: "expired_card", advice: None, message: "Your card has expired." }
        }
        "4000002500003155" => CardBehaviour::RequiresAction,
        "4000002760003184" => CardBehaviour::AuthenticatesAlways,
        "4000000000000119" => CardBehaviour::TimesOutAfterCapture,
        _ => return None,
    })
}

struct StoredMethod {
    customer: GatewayCustomerRef,
    behaviour: CardBehaviour,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PaymentStatus {
    Succeeded,
    RequiresAction,
    /// A debit the bank has not settled yet.
    Pending,
    Failed,
}

struct Payment {
    amount: Money,
    status: PaymentStatus,
    refunded: Money,
    /// The idempotency key it was charged under (our attempt id), echoed in its webhooks.
    key: String,
    /// For a pending debit: the return code the bank will answer with, if any.
    debit_return: Option<&'static str>,
    /// Why it failed, once it has.
    failure: Option<String>,
}

/// An idempotency record: the request as first seen (minus its key) and the outcome to replay.
struct Replay<Req, Out> {
    request: Req,
    outcome: Out,
}

/// A card setup waiting for the customer's 3-D Secure.
enum SetupState {
    /// `tag`: the suffix the method's id will carry (see [`behaviour_tag`]).
    Waiting {
        customer: GatewayCustomerRef,
        behaviour: CardBehaviour,
        tag: String,
    },
    Succeeded(PaymentMethodRef),
    Failed,
}

#[derive(Default)]
struct State {
    setups: BTreeMap<String, SetupState>,
    counters: BTreeMap<&'static str, u64>,
    customers_by_our_id: BTreeMap<String, GatewayCustomerRef>,
    methods: BTreeMap<String, StoredMethod>,
    payments: BTreeMap<String, Payment>,
    charges: BTreeMap<String, Replay<ChargeRequest, ChargeOutcome>>,
    refunds: BTreeMap<String, Replay<RefundRequest, RefundOutcome>>,
    webhooks: VecDeque<WebhookDelivery>,
}

impl State {
    fn next_id(&mut self, kind: &'static str) -> String {
        let counter = self.counters.entry(kind).or_insert(0);
        *counter += 1;
        format!("sbx_{kind}_{counter}")
    }
}

/// The sandbox gateway. Cheap to share behind an `Arc`; all state sits behind one mutex that is never held
/// across an `.await`.
pub struct Sandbox {
    /// Behind a lock so that a rotation changes them in place: rebuilding the sandbox would lose
    /// its in-memory payments.
    webhook_secrets: std::sync::RwLock<signing::WebhookSecrets>,
    clock: Clock,
    /// Simulates an outage: every charge times out without taking money (setup still works, so a
    /// customer can hold a method here). Lets tests and the demo show failover.
    outage: std::sync::atomic::AtomicBool,
    /// Simulates the worst timeout: every charge takes the money and then times out, however often
    /// it is retried; only the webhook tells. Lets tests show a failover's double charge surfacing.
    outage_after_capture: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("webhook_secret", &"<redacted>").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox signing its webhooks with `webhook_secret` and the system clock.
    pub fn new(webhook_secret: impl Into<String>) -> Sandbox {
        Sandbox::with_clock(webhook_secret, Arc::new(Utc::now))
    }

    pub fn with_clock(webhook_secret: impl Into<String>, clock: Clock) -> Sandbox {
        Sandbox {
            webhook_secrets: std::sync::RwLock::new(signing::WebhookSecrets::new(webhook_secret)),
            clock,
            outage: std::sync::atomic::AtomicBool::new(false),
            outage_after_capture: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(State::default()),
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
        self.outage_after_capture.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Switches the simulated outage on or off (see the `outage` field).
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held (only possible in a failing test) leaves consistent data behind:
        // every mutation below is completed before anything that could panic.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Removes and returns every webhook emitted so far, oldest first.
    pub fn drain_webhooks(&self) -> Vec<WebhookDelivery> {
        self.state().webhooks.drain(..).collect()
    }

    /// Finishes a charge that answered [`ChargeOutcome::RequiresAction`], as if the customer had passed (or
    /// failed) 3-D Secure, and emits the matching webhook.
    pub fn complete_action(&self, provider_payment_id: &str, success: bool) -> Result<ChargeOutcome, GatewayError> {
        let mut state = self.state();
        let payment =
            state.payments.get_mut(provider_payment_id).ok_or_else(|| no_such_payment(provider_payment_id))?;
        if payment.status != PaymentStatus::RequiresAction {
            return Err(GatewayError::Rejected {
                code: "payment_intent_unexpected_state".into(),
                message: format!("payment {provider_payment_id} is not waiting for authentication"),
            });
        }
        let amount = payment.amount;
        let key = payment.key.clone();
        let (outcome, event_kind) = if success {
            payment.status = PaymentStatus::Succeeded;
            (ChargeOutcome::Succeeded { provider_payment_id: provider_payment_id.to_owned(), amount }, true)
        } else {
            payment.status = PaymentStatus::Failed;
            payment.failure = Some("authentication_required".into());
            (
                ChargeOutcome::Failed {
                    provider_payment_id: Some(provider_payment_id.to_owned()),
                    // Stripe's code for a failed 3-D Secure challenge; hard in our table, since only the
                    // customer, on-session, can fix it.
                    decline_code: "authentication_required".into(),
                    decline_message: Some("The customer failed authentication.".into()),
                    advice_code: None,
                },
                false,
            )
        };
        let event_id = state.next_id("evt");
        let event = if event_kind {
            GatewayEvent::PaymentSucceeded {
                provider_event_id: event_id,
                provider_payment_id: provider_payment_id.to_owned(),
                amount,
                attempt_reference: Some(key),
            }
        } else {
            GatewayEvent::PaymentFailed {
                provider_event_id: event_id,
                provider_payment_id: provider_payment_id.to_owned(),
                decline_code: "authentication_required".into(),
            }
        };
        self.emit(&mut state, &event);
        Ok(outcome)
    }

    /// Finishes a card setup that answered [`SetupOutcome::RequiresAction`], as if the customer had passed (or
    /// failed) 3-D Secure in the browser, and emits `SetupSucceeded` or `SetupFailed`.
    pub fn authenticate_setup(&self, provider_setup_id: &str, success: bool) -> Result<SetupOutcome, GatewayError> {
        let mut state = self.state();
        let Some(SetupState::Waiting { customer, behaviour, tag }) = state.setups.get(provider_setup_id) else {
            return Err(GatewayError::Rejected {
                code: "setup_intent_unexpected_state".into(),
                message: format!("setup {provider_setup_id} is not waiting for authentication"),
            });
        };
        let (customer, behaviour, tag) = (customer.clone(), *behaviour, tag.clone());
        let event_id = state.next_id("evt");
        let (outcome, event) = if success {
            let method = PaymentMethodRef(format!("{}_{tag}", state.next_id("pm")));
            state.methods.insert(method.0.clone(), StoredMethod { customer, behaviour });
            state.setups.insert(provider_setup_id.to_owned(), SetupState::Succeeded(method.clone()));
            (
                SetupOutcome::Ready(method.clone()),
                GatewayEvent::SetupSucceeded {
                    provider_event_id: event_id,
                    provider_setup_id: provider_setup_id.to_owned(),
                    method,
                },
            )
        } else {
            state.setups.insert(provider_setup_id.to_owned(), SetupState::Failed);
            let code = "setup_intent_authentication_failure";
            (
                SetupOutcome::Failed {
                    decline_code: code.into(),
                    decline_message: Some("The customer failed authentication.".into()),
                },
                GatewayEvent::SetupFailed {
                    provider_event_id: event_id,
                    provider_setup_id: provider_setup_id.to_owned(),
                    decline_code: code.into(),
                },
            )
        };
        self.emit(&mut state, &event);
        Ok(outcome)
    }

    /// The bank settles every pending SEPA debit, as it would a few days after the debit: each is
    /// paid or returned (see [`sepa_behaviour`]) and its webhook goes out. Returns how many.
    pub fn settle_debits(&self) -> usize {
        let mut state = self.state();
        let pending: Vec<String> = state
            .payments
            .iter()
            .filter(|(_, p)| p.status == PaymentStatus::Pending)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &pending {
            let Some(payment) = state.payments.get_mut(id) else { continue };
            let (amount, key, returned) = (payment.amount, payment.key.clone(), payment.debit_return);
            match returned {
                None => payment.status = PaymentStatus::Succeeded,
                Some(code) => {
                    payment.status = PaymentStatus::Failed;
                    payment.failure = Some(code.to_owned());
                }
            }
            let provider_event_id = state.next_id("evt");
            let event = match returned {
                None => GatewayEvent::PaymentSucceeded {
                    provider_event_id,
                    provider_payment_id: id.clone(),
                    amount,
                    attempt_reference: Some(key),
                },
                Some(code) => GatewayEvent::PaymentFailed {
                    provider_event_id,
                    provider_payment_id: id.clone(),
                    decline_code: code.to_owned(),
                },
            };
            self.emit(&mut state, &event);
        }
        pending.len()
    }

    /// Opens a dispute (chargeback) on a captured payment and emits `DisputeOpened`, for demo and tests of the
    /// dispute flow.
    pub fn open_dispute(&self, provider_payment_id: &str, reason: &str) -> Result<(), GatewayError> {
        let mut state = self.state();
        let payment = state.payments.get(provider_payment_id).ok_or_else(|| no_such_payment(provider_payment_id))?;
        if payment.status != PaymentStatus::Succeeded {
            return Err(GatewayError::Rejected {
                code: "charge_not_captured".into(),
                message: format!("payment {provider_payment_id} has not captured any money"),
            });
        }
        let amount = payment.amount;
        let event = GatewayEvent::DisputeOpened {
            provider_event_id: state.next_id("evt"),
            provider_payment_id: provider_payment_id.to_owned(),
            amount,
            reason: reason.to_owned(),
        };
        self.emit(&mut state, &event);
        Ok(())
    }

    /// How much has been captured, net of refunds, over all payments in `currency`: lets tests assert that a
    /// customer was charged exactly once.
    pub fn net_captured(&self, currency: billing_core::currency::Currency) -> Money {
        let state = self.state();
        let net = state
            .payments
            .values()
            .filter(|p| p.status == PaymentStatus::Succeeded && p.amount.currency() == currency)
            .map(|p| p.amount.minor() - p.refunded.minor())
            .sum();
        Money::from_minor(net, currency)
    }

    /// Signs and queues an event. Called with the state lock held so that events queue in the order in which
    /// the state changed.
    fn emit(&self, state: &mut State, event: &GatewayEvent) {
        // Serializing a plain enum of strings and integers cannot fail.
        let body = serde_json::to_vec(event).unwrap_or_default();
        let header = signing::header_value(&self.secrets().current, (self.clock)().timestamp(), &body);
        let headers = BTreeMap::from([
            (SIGNATURE_HEADER.to_owned(), header),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]);
        state.webhooks.push_back((headers, body));
    }

    fn charge_fresh(&self, state: &mut State, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("amount must be positive, got {}", req.amount),
            });
        }
        if !state.methods.contains_key(&req.method.0)
            && let Some(behaviour) = behaviour_of_id(&req.method.0)
        {
            // Stored by an earlier run of this process: its id says what it does.
            state.methods.insert(req.method.0.clone(), StoredMethod { customer: req.customer.clone(), behaviour });
        }
        let method = state.methods.get(&req.method.0).ok_or_else(|| GatewayError::Rejected {
            code: "resource_missing".into(),
            message: format!("no such payment method: {}", req.method.0),
        })?;
        if method.customer != req.customer {
            return Err(GatewayError::Rejected {
                code: "payment_method_not_attached".into(),
                message: format!("payment method {} does not belong to customer {}", req.method.0, req.customer.0),
            });
        }
        let behaviour = method.behaviour;
        let payment_id = state.next_id("pi");
        let client_secret = format!("{payment_id}_secret");
        let zero = Money::zero(req.amount.currency());
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
            CardBehaviour::Declines { code, advice, message } => (
                PaymentStatus::Failed,
                ChargeOutcome::Failed {
                    provider_payment_id: Some(payment_id.clone()),
                    decline_code: code.into(),
                    decline_message: Some(message.into()),
                    advice_code: advice.map(str::to_owned),
                },
            ),
        };
        state.payments.insert(
            payment_id.clone(),
            Payment {
                amount: req.amount,
                status,
                refunded: zero,
                key: req.idempotency_key.clone(),
                debit_return: match behaviour {
                    CardBehaviour::SepaDebit { returned } => returned,
                    _ => None,
                },
                failure: match &outcome {
                    ChargeOutcome::Failed { decline_code, .. } => Some(decline_code.clone()),
                    _ => None,
                },
            },
        );
        let event = match &outcome {
            ChargeOutcome::Succeeded { .. } => Some(GatewayEvent::PaymentSucceeded {
                provider_event_id: state.next_id("evt"),
                provider_payment_id: payment_id,
                amount: req.amount,
                attempt_reference: Some(req.idempotency_key.clone()),
            }),
            ChargeOutcome::Failed { decline_code, .. } => Some(GatewayEvent::PaymentFailed {
                provider_event_id: state.next_id("evt"),
                provider_payment_id: payment_id,
                decline_code: decline_code.clone(),
            }),
            ChargeOutcome::RequiresAction { .. } | ChargeOutcome::Pending { .. } => None,
        };
        if let Some(event) = event {
            self.emit(state, &event);
        }
        state.charges.insert(req.idempotency_key.clone(), Replay { request: req.clone(), outcome: outcome.clone() });
        if behaviour == CardBehaviour::TimesOutAfterCapture {
            // The money is taken and the outcome recorded under the key, but the caller never hears about it:
            // exactly the case that idempotent retries exist for.
            return Err(GatewayError::Timeout);
        }
        Ok(outcome)
    }

    fn refund_fresh(&self, state: &mut State, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        let payment =
            state.payments.get(&req.provider_payment_id).ok_or_else(|| no_such_payment(&req.provider_payment_id))?;
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
                let refunded = payment.refunded.checked_add(req.amount).map_err(money_error)?;
                let refund_id = state.next_id("re");
                if let Some(payment) = state.payments.get_mut(&req.provider_payment_id) {
                    payment.refunded = refunded;
                }
                let event = GatewayEvent::RefundSucceeded {
                    provider_event_id: state.next_id("evt"),
                    provider_payment_id: req.provider_payment_id.clone(),
                    amount: refunded,
                };
                self.emit(state, &event);
                RefundOutcome::Succeeded { provider_refund_id: refund_id }
            }
        };
        state.refunds.insert(req.idempotency_key.clone(), Replay { request: req.clone(), outcome: outcome.clone() });
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
        let mut state = self.state();
        if let Some(existing) = state.customers_by_our_id.get(our_customer_id) {
            return Ok(existing.clone());
        }
        let customer = GatewayCustomerRef(state.next_id("cus"));
        state.customers_by_our_id.insert(our_customer_id.to_owned(), customer.clone());
        Ok(customer)
    }

    async fn setup_payment_method(
        &self,
        customer: &GatewayCustomerRef,
        method_details: &MethodDetails,
    ) -> Result<SetupOutcome, GatewayError> {
        let number = match method_details {
            MethodDetails::TestCard { number } => number,
            MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token } => {
                // The sandbox's "client SDK" is the test card number itself.
                token
            }
            MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban } => {
                let mut state = self.state();
                if !state.customers_by_our_id.values().any(|c| c == customer) && !is_sandbox_customer(customer) {
                    return Err(GatewayError::Rejected {
                        code: "resource_missing".into(),
                        message: format!("no such customer: {}", customer.0),
                    });
                }
                let behaviour = sepa_behaviour(iban);
                let id = format!("{}_{}", state.next_id("mdt"), behaviour_tag(iban, behaviour));
                state.methods.insert(id.clone(), StoredMethod { customer: customer.clone(), behaviour });
                return Ok(SetupOutcome::Ready(PaymentMethodRef(id)));
            }
        };
        let mut state = self.state();
        // A customer of an earlier run of this process is known by its id's shape.
        if !state.customers_by_our_id.values().any(|c| c == customer) && !is_sandbox_customer(customer) {
            return Err(GatewayError::Rejected {
                code: "resource_missing".into(),
                message: format!("no such customer: {}", customer.0),
            });
        }
        let Some(behaviour) = card_behaviour(number) else {
            // Test mode accepts only its documented numbers; anything else is treated as a typo.
            return Ok(SetupOutcome::Failed {
                decline_code: "incorrect_number".into(),
                decline_message: Some("The card number is not a sandbox test card.".into()),
            });
        };
        if behaviour == CardBehaviour::AuthenticatesAlways {
            let id = state.next_id("seti");
            let tag = behaviour_tag(number, behaviour);
            state.setups.insert(id.clone(), SetupState::Waiting { customer: customer.clone(), behaviour, tag });
            return Ok(SetupOutcome::RequiresAction {
                client_secret: format!("{id}_secret"),
                redirect_hint: None,
                provider_setup_id: id,
            });
        }
        let id = format!("{}_{}", state.next_id("pm"), behaviour_tag(number, behaviour));
        state.methods.insert(id.clone(), StoredMethod { customer: customer.clone(), behaviour });
        Ok(SetupOutcome::Ready(PaymentMethodRef(id)))
    }

    async fn complete_setup(
        &self,
        customer: &GatewayCustomerRef,
        provider_setup_id: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        let state = self.state();
        match state.setups.get(provider_setup_id) {
            Some(SetupState::Waiting { customer: owner, .. }) if owner == customer => {
                Ok(SetupOutcome::RequiresAction {
                    provider_setup_id: provider_setup_id.to_owned(),
                    client_secret: format!("{provider_setup_id}_secret"),
                    redirect_hint: None,
                })
            }
            Some(SetupState::Succeeded(method))
                if state.methods.get(&method.0).is_some_and(|m| &m.customer == customer) =>
            {
                Ok(SetupOutcome::Ready(method.clone()))
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
        let state = self.state();
        let payment = state.payments.get(provider_payment_id).ok_or_else(|| no_such_payment(provider_payment_id))?;
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
            },
        })
    }

    async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if self.outage.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(GatewayError::Timeout);
        }
        let mut state = self.state();
        if self.outage_after_capture.load(std::sync::atomic::Ordering::SeqCst) {
            // Takes the money (the first time for a key) and its webhook goes out, but no answer
            // ever comes back, retries included.
            if !state.charges.contains_key(&req.idempotency_key) {
                let _ = self.charge_fresh(&mut state, req);
            }
            return Err(GatewayError::Timeout);
        }
        if let Some(replay) = state.charges.get(&req.idempotency_key) {
            // Like Stripe: the same key replays the first answer, even if the payment has moved on since (e.g.
            // 3-D Secure completed); a different request under the same key is a caller bug.
            return if replay.request == *req {
                Ok(replay.outcome.clone())
            } else {
                Err(idempotency_conflict(&req.idempotency_key))
            };
        }
        self.charge_fresh(&mut state, req)
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        let mut state = self.state();
        if let Some(replay) = state.refunds.get(&req.idempotency_key) {
            return if replay.request == *req {
                Ok(replay.outcome.clone())
            } else {
                Err(idempotency_conflict(&req.idempotency_key))
            };
        }
        self.refund_fresh(&mut state, req)
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
mod tests {
    use super::*;
    use billing_core::currency::Currency;

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
        assert!(
            matches!(declined, ChargeOutcome::Failed { ref decline_code, .. } if decline_code == "insufficient_funds")
        );
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
        let outcome = sandbox.complete_action(&provider_payment_id, false).unwrap();
        assert!(
            matches!(outcome, ChargeOutcome::Failed { ref decline_code, .. } if decline_code == "authentication_required")
        );
        assert!(sandbox.complete_action(&provider_payment_id, true).is_err(), "only once");
        let events: Vec<_> = sandbox
            .drain_webhooks()
            .into_iter()
            .map(|(h, b)| sandbox.parse_webhook(&h, &b, Utc::now()).unwrap())
            .collect();
        assert!(matches!(events.as_slice(), [GatewayEvent::PaymentFailed { .. }]), "{events:?}");
        assert_eq!(sandbox.net_captured(Currency::EUR), eur(0));
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
        sandbox.open_dispute(&provider_payment_id, "fraudulent").unwrap();
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
}
