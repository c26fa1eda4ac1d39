//! Rule-based payment routing: a pure function from rules, capabilities, health and the payment to an ordered gateway list.
//!
//! Everything here is deterministic: the same inputs (including `now` and the routing key) give the same
//! decision, so a decision can be replayed and explained from the ledger. Every candidate and every skipped
//! gateway carries a human-readable reason for that ledger.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use billing_core::country::Country;
use billing_core::currency::Currency;
use billing_core::money::Money;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::decline::DeclineClass;

/// One configured merchant account at one gateway, e.g. `stripe-eu`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GatewayAccountId(pub String);

impl GatewayAccountId {
    pub fn new(id: impl Into<String>) -> GatewayAccountId {
        GatewayAccountId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GatewayAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodKind {
    Card,
    SepaDebit,
    BankTransfer,
}

impl PaymentMethodKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentMethodKind::Card => "card",
            PaymentMethodKind::SepaDebit => "sepa_debit",
            PaymentMethodKind::BankTransfer => "bank_transfer",
        }
    }
}

impl fmt::Display for PaymentMethodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the router knows about the payment to be made.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PaymentContext {
    pub currency: Currency,
    /// Must be in `currency`; a context where it is not matches no rule.
    pub amount: Money,
    pub customer_country: Country,
    pub method: PaymentMethodKind,
    pub segment: Option<String>,
    /// Stable per payment attempt (e.g. the invoice id): it alone decides the weighted split, so retries of
    /// the same key land on the same gateway.
    pub routing_key: String,
    /// The kinds of payment method the customer has stored and usable at each gateway account. Every kind
    /// is checked the same way, so list `BankTransfer` for accounts where the customer may pay by transfer.
    pub usable_methods_by_gateway: BTreeMap<GatewayAccountId, Vec<PaymentMethodKind>>,
}

impl PaymentContext {
    fn has_usable_method(&self, gateway: &GatewayAccountId) -> bool {
        self.usable_methods_by_gateway.get(gateway).is_some_and(|methods| methods.contains(&self.method))
    }
}

/// A gateway account and its share of a rule's traffic.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Target {
    pub gateway: GatewayAccountId,
    /// Relative share of the payments this target receives first. Weight 0 means "failover only". Keep the
    /// total constant (e.g. percentages) and the order unchanged while shifting weight during a migration:
    /// then keys already on the new gateway stay there as its share grows.
    pub weight: u32,
}

/// A routing rule. Every `Some` condition must hold for the rule to match; `None` means "any". A `Some` with
/// an empty list matches nothing (it says "only these", and there are none).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// Lower numbers are tried first; equal priorities are ordered by name, so the order never depends on
    /// how the rules were loaded.
    pub priority: i32,
    pub currencies: Option<Vec<Currency>>,
    pub countries: Option<Vec<Country>>,
    /// Inclusive lower bound. A bound in another currency than the payment never matches: there is no FX
    /// conversion in routing.
    pub min_amount: Option<Money>,
    /// Inclusive upper bound, same currency rule as `min_amount`.
    pub max_amount: Option<Money>,
    pub methods: Option<Vec<PaymentMethodKind>>,
    /// Compared exactly; a payment without a segment never matches a rule that lists segments.
    pub segments: Option<Vec<String>>,
    /// The split winner is tried first, then the others in the order listed here.
    pub targets: Vec<Target>,
}

impl Rule {
    /// Whether the rule applies to the payment.
    pub fn matches(&self, ctx: &PaymentContext) -> bool {
        fn allowed<T: PartialEq>(list: &Option<Vec<T>>, value: &T) -> bool {
            list.as_ref().is_none_or(|list| list.contains(value))
        }
        let amount = ctx.amount;
        // Money has no ordering across currencies, so bounds compare minor units after a currency check.
        let above_min =
            self.min_amount.is_none_or(|min| min.currency() == amount.currency() && amount.minor() >= min.minor());
        let below_max =
            self.max_amount.is_none_or(|max| max.currency() == amount.currency() && amount.minor() <= max.minor());
        let segment_ok = match (&self.segments, &ctx.segment) {
            (None, _) => true,
            (Some(segments), Some(segment)) => segments.contains(segment),
            (Some(_), None) => false,
        };
        amount.currency() == ctx.currency
            && allowed(&self.currencies, &ctx.currency)
            && allowed(&self.countries, &ctx.customer_country)
            && allowed(&self.methods, &ctx.method)
            && above_min
            && below_max
            && segment_ok
    }
}

/// Circuit-breaker state of one gateway account.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Circuit {
    Closed,
    /// No traffic until `until`. Once `until` has passed the router treats it as half-open.
    Open {
        until: DateTime<Utc>,
    },
    /// Cool-down over: allowed, but only after every closed gateway, so that a probe risks as few payments
    /// as possible.
    HalfOpen,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GatewayHealth {
    pub gateway: GatewayAccountId,
    pub circuit: Circuit,
    pub recent_attempts: u32,
    pub recent_timeouts: u32,
}

/// What a gateway account can process, from its configuration.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GatewayCapabilities {
    pub gateway: GatewayAccountId,
    pub currencies: Vec<Currency>,
    pub methods: Vec<PaymentMethodKind>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Candidate {
    pub gateway: GatewayAccountId,
    /// Why this gateway is in the list, for the ledger, e.g. "rule eur-cards: 100% to stripe-eu".
    pub reason: String,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RouteDecision {
    /// Gateways to try, in order: primary first, then failover.
    pub candidates: Vec<Candidate>,
    /// The name of the matching rule, if any.
    pub rule: Option<String>,
    /// Targets of the matching rule that were left out, with the reason.
    pub skipped: Vec<(GatewayAccountId, String)>,
    /// One line summarising the decision; says why when there are no candidates.
    pub reason: String,
}

/// Picks the gateways for a payment.
///
/// The first matching rule in (priority ascending, name ascending) order wins; later rules are not
/// consulted even if all of its targets are skipped, because falling through to an unrelated rule would
/// route money somewhere the configuration never intended for this payment. Within the rule the weighted
/// split picks the primary from the SHA-256 of `ctx.routing_key`; the other targets follow in listed order.
/// Targets whose circuit is open, that lack the currency or method, or where the customer has no usable
/// method of the requested kind are skipped with a reason. Half-open targets (including open ones whose
/// cool-down has passed) stay in, after all closed ones. A gateway without a health entry counts as closed.
pub fn route(
    rules: &[Rule],
    caps: &[GatewayCapabilities],
    health: &[GatewayHealth],
    ctx: &PaymentContext,
    now: DateTime<Utc>,
) -> RouteDecision {
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name)));
    let Some(rule) = ordered.into_iter().find(|rule| rule.matches(ctx)) else {
        let segment = ctx.segment.as_deref().map(|s| format!(", segment {s}")).unwrap_or_default();
        return RouteDecision {
            candidates: Vec::new(),
            rule: None,
            skipped: Vec::new(),
            reason: format!(
                "no routing rule matches {} {} from {}{segment}",
                ctx.amount, ctx.method, ctx.customer_country
            ),
        };
    };

    let primary = split_winner(&rule.targets, &ctx.routing_key);
    let total_weight: u64 = rule.targets.iter().map(|t| u64::from(t.weight)).sum();
    let weighted_targets = rule.targets.iter().filter(|t| t.weight > 0).count();

    // Primary first, then the rest in listed order; a gateway listed twice is only tried once.
    let mut order: Vec<&Target> = Vec::with_capacity(rule.targets.len());
    for target in primary.into_iter().chain(rule.targets.iter()) {
        if !order.iter().any(|t| t.gateway == target.gateway) {
            order.push(target);
        }
    }

    let mut closed = Vec::new();
    let mut half_open = Vec::new();
    let mut skipped = Vec::new();
    for (position, target) in order.iter().enumerate() {
        let gateway = &target.gateway;
        match eligibility(gateway, caps, health, ctx, now) {
            Err(why) => skipped.push((gateway.clone(), why)),
            Ok(probing) => {
                let mut reason = if position == 0 {
                    primary_reason(&rule.name, target, total_weight, weighted_targets)
                } else {
                    format!("rule {}: failover {position} to {gateway}", rule.name)
                };
                if probing {
                    reason.push_str(" (circuit half-open, tried last)");
                    half_open.push(Candidate { gateway: gateway.clone(), reason });
                } else {
                    closed.push(Candidate { gateway: gateway.clone(), reason });
                }
            }
        }
    }
    closed.extend(half_open);

    let reason = if closed.is_empty() {
        format!("rule {} matched but every target was skipped", rule.name)
    } else {
        format!("rule {}: {} candidate(s), {} skipped", rule.name, closed.len(), skipped.len())
    };
    RouteDecision { candidates: closed, rule: Some(rule.name.clone()), skipped, reason }
}

/// The target that receives this routing key first.
///
/// The first 8 bytes of SHA-256(key) as a big-endian integer, reduced modulo the total weight, select a
/// point on the line of cumulative weights. SHA-256 spreads any key shape evenly, and the modulo bias is at
/// most total/2^64, which is negligible. Without any positive weight the first listed target is primary.
fn split_winner<'r>(targets: &'r [Target], routing_key: &str) -> Option<&'r Target> {
    let total: u64 = targets.iter().map(|t| u64::from(t.weight)).sum();
    if total == 0 {
        return targets.first();
    }
    let digest = Sha256::digest(routing_key.as_bytes());
    let mut prefix = [0_u8; 8];
    prefix.copy_from_slice(&digest[..8]);
    let point = u64::from_be_bytes(prefix) % total;
    let mut upper = 0_u64;
    for target in targets {
        upper += u64::from(target.weight);
        if point < upper {
            return Some(target);
        }
    }
    // Unreachable: point < total, the final upper bound.
    targets.last()
}

fn primary_reason(rule: &str, target: &Target, total: u64, weighted: usize) -> String {
    if total == 0 {
        return format!("rule {rule}: first listed target {} (no weights set)", target.gateway);
    }
    let weight = u64::from(target.weight);
    let share = if (weight * 100) % total == 0 {
        format!("{}%", weight * 100 / total)
    } else {
        format!("{weight}/{total} of traffic")
    };
    let split = if weighted > 1 { " (split by routing key)" } else { "" };
    format!("rule {rule}: {share} to {}{split}", target.gateway)
}

/// `Ok(true)` when usable but half-open, `Ok(false)` when usable and closed, `Err(reason)` when skipped.
fn eligibility(
    gateway: &GatewayAccountId,
    caps: &[GatewayCapabilities],
    health: &[GatewayHealth],
    ctx: &PaymentContext,
    now: DateTime<Utc>,
) -> Result<bool, String> {
    let circuit = health.iter().find(|h| &h.gateway == gateway).map_or(Circuit::Closed, |h| h.circuit);
    let probing = match circuit {
        Circuit::Open { until } if until > now => {
            return Err(format!("circuit open until {}", until.to_rfc3339()));
        }
        Circuit::Open { .. } | Circuit::HalfOpen => true,
        Circuit::Closed => false,
    };
    let Some(cap) = caps.iter().find(|c| &c.gateway == gateway) else {
        return Err("no capabilities configured".to_owned());
    };
    if !cap.currencies.contains(&ctx.currency) {
        return Err(format!("unsupported currency {}", ctx.currency));
    }
    if !cap.methods.contains(&ctx.method) {
        return Err(format!("unsupported payment method {}", ctx.method));
    }
    if !ctx.has_usable_method(gateway) {
        return Err(format!("no usable {} for this customer", ctx.method));
    }
    Ok(probing)
}

/// The next gateway to try after a decline at `failed`, or `None`.
///
/// Never after a hard decline: the card itself is the problem, and another acquirer would only be
/// another declined (and, under the Visa rules, charged) reattempt. After a soft decline it is the next
/// candidate after `failed` where the customer still has a usable method of the requested kind (checked
/// again because `ctx` may be newer than the decision). If `failed` is not in the decision, there is no
/// defined "next" and the answer is `None`. The caller must still check [`crate::decline::may_retry`]: a
/// cascade with the same card counts as a reattempt.
pub fn cascade_after_soft_decline(
    decision: &RouteDecision,
    failed: &GatewayAccountId,
    class: DeclineClass,
    ctx: &PaymentContext,
) -> Option<GatewayAccountId> {
    if class == DeclineClass::Hard {
        return None;
    }
    let position = decision.candidates.iter().position(|c| &c.gateway == failed)?;
    decision.candidates[position + 1..]
        .iter()
        .map(|c| &c.gateway)
        .find(|gateway| *gateway != failed && ctx.has_usable_method(gateway))
        .cloned()
}

/// The technical outcome of one call to a gateway. A card decline is a `Success` here: the gateway
/// answered correctly, and declines say nothing about the gateway's health.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Success,
    Timeout,
    /// A technical error: 5xx, connection refused, malformed response.
    Error,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
}

/// Failures within [`BREAKER_WINDOW`] that open the circuit. Five is well above the odd isolated timeout
/// but low enough to fail over within minutes of an outage at small and medium volumes; high-volume
/// accounts should raise it via [`BreakerConfig`].
pub const BREAKER_FAILURE_THRESHOLD: u32 = 5;
/// The sliding window in which failures are counted; also the window of the reported recent counts.
pub const BREAKER_WINDOW: TimeDelta = TimeDelta::minutes(5);
/// How long an opened circuit rejects traffic before one probe is let through. Two minutes keeps the
/// probe rate low during a real outage while recovering quickly after a blip.
pub const BREAKER_COOL_DOWN: TimeDelta = TimeDelta::minutes(2);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BreakerConfig {
    pub failure_threshold: u32,
    pub window: TimeDelta,
    pub cool_down: TimeDelta,
}

impl BreakerConfig {
    pub const DEFAULT: BreakerConfig = BreakerConfig {
        failure_threshold: BREAKER_FAILURE_THRESHOLD,
        window: BREAKER_WINDOW,
        cool_down: BREAKER_COOL_DOWN,
    };
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig::DEFAULT
    }
}

/// A small circuit breaker replayed over the most recent attempts (in any order; attempts after `now` are
/// ignored).
///
/// Closed: each failure (timeout or error) is counted in a sliding `window`; when `failure_threshold` are
/// inside it, the circuit opens until the last failure plus `cool_down`. Attempts made while open (forced
/// manually) change nothing. The first attempt after the cool-down is the probe: success closes the circuit
/// and forgets earlier failures, failure opens it again for another cool-down. An open circuit whose
/// cool-down has passed by `now` is reported as half-open. With too few attempts given, the replay simply
/// starts from "closed", which errs towards sending traffic.
pub fn health_from_attempts(
    gateway: GatewayAccountId,
    attempts: &[AttemptRecord],
    config: &BreakerConfig,
    now: DateTime<Utc>,
) -> GatewayHealth {
    let mut history: Vec<&AttemptRecord> = attempts.iter().filter(|a| a.at <= now).collect();
    history.sort_by_key(|a| a.at);

    let mut open_until: Option<DateTime<Utc>> = None;
    let mut failures: VecDeque<DateTime<Utc>> = VecDeque::new();
    for attempt in &history {
        let failed = attempt.outcome != AttemptOutcome::Success;
        if let Some(until) = open_until {
            if attempt.at < until {
                continue;
            }
            open_until = failed.then(|| attempt.at + config.cool_down);
            failures.clear();
            continue;
        }
        if failed {
            failures.push_back(attempt.at);
            while failures.front().is_some_and(|&first| first <= attempt.at - config.window) {
                failures.pop_front();
            }
            if failures.len() >= config.failure_threshold as usize {
                open_until = Some(attempt.at + config.cool_down);
                failures.clear();
            }
        }
    }

    let circuit = match open_until {
        Some(until) if until > now => Circuit::Open { until },
        Some(_) => Circuit::HalfOpen,
        None => Circuit::Closed,
    };
    let recent: Vec<&&AttemptRecord> = history.iter().filter(|a| a.at > now - config.window).collect();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    GatewayHealth {
        gateway,
        circuit,
        recent_attempts: count(recent.len()),
        recent_timeouts: count(recent.iter().filter(|a| a.outcome == AttemptOutcome::Timeout).count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn gw(id: &str) -> GatewayAccountId {
        GatewayAccountId::new(id)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    }

    fn country(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn money(minor: i64, currency: Currency) -> Money {
        Money::from_minor(minor, currency)
    }

    fn target(id: &str, weight: u32) -> Target {
        Target { gateway: gw(id), weight }
    }

    fn rule(name: &str, priority: i32, targets: Vec<Target>) -> Rule {
        Rule {
            name: name.into(),
            priority,
            currencies: None,
            countries: None,
            min_amount: None,
            max_amount: None,
            methods: None,
            segments: None,
            targets,
        }
    }

    const ALL: [&str; 5] = ["stripe-eu", "stripe-us", "adyen-eu", "mollie", "gocardless"];

    fn caps() -> Vec<GatewayCapabilities> {
        use PaymentMethodKind::*;
        vec![
            GatewayCapabilities {
                gateway: gw("stripe-eu"),
                currencies: vec![Currency::EUR, Currency::GBP, Currency::CHF],
                methods: vec![Card, SepaDebit],
            },
            GatewayCapabilities { gateway: gw("stripe-us"), currencies: vec![Currency::USD], methods: vec![Card] },
            GatewayCapabilities {
                gateway: gw("adyen-eu"),
                currencies: vec![Currency::EUR, Currency::USD],
                methods: vec![Card, SepaDebit],
            },
            GatewayCapabilities { gateway: gw("mollie"), currencies: vec![Currency::EUR], methods: vec![Card] },
            GatewayCapabilities {
                gateway: gw("gocardless"),
                currencies: vec![Currency::EUR, Currency::GBP],
                methods: vec![SepaDebit],
            },
        ]
    }

    /// The customer has a usable method of every kind at every gateway unless a test says otherwise.
    fn ctx(currency: Currency, minor: i64, method: PaymentMethodKind) -> PaymentContext {
        use PaymentMethodKind::*;
        PaymentContext {
            currency,
            amount: money(minor, currency),
            customer_country: country("DE"),
            method,
            segment: None,
            routing_key: "inv_0001".into(),
            usable_methods_by_gateway: ALL.iter().map(|g| (gw(g), vec![Card, SepaDebit, BankTransfer])).collect(),
        }
    }

    fn standard_rules() -> Vec<Rule> {
        use PaymentMethodKind::*;
        vec![
            Rule {
                currencies: Some(vec![Currency::EUR]),
                methods: Some(vec![Card]),
                ..rule("eur-cards", 10, vec![target("stripe-eu", 100), target("adyen-eu", 0), target("mollie", 0)])
            },
            Rule {
                currencies: Some(vec![Currency::USD]),
                ..rule("usd", 20, vec![target("stripe-us", 100), target("adyen-eu", 0)])
            },
            Rule {
                methods: Some(vec![SepaDebit]),
                ..rule("sepa", 30, vec![target("gocardless", 100), target("stripe-eu", 0)])
            },
        ]
    }

    fn health(id: &str, circuit: Circuit) -> GatewayHealth {
        GatewayHealth { gateway: gw(id), circuit, recent_attempts: 0, recent_timeouts: 0 }
    }

    fn ids(decision: &RouteDecision) -> Vec<&str> {
        decision.candidates.iter().map(|c| c.gateway.as_str()).collect()
    }

    #[rstest]
    #[case(Currency::EUR, PaymentMethodKind::Card, Some("eur-cards"), &["stripe-eu", "adyen-eu", "mollie"])]
    #[case(Currency::USD, PaymentMethodKind::Card, Some("usd"), &["stripe-us", "adyen-eu"])]
    #[case(Currency::EUR, PaymentMethodKind::SepaDebit, Some("sepa"), &["gocardless", "stripe-eu"])]
    // GBP SEPA: gocardless and stripe-eu both support GBP.
    #[case(Currency::GBP, PaymentMethodKind::SepaDebit, Some("sepa"), &["gocardless", "stripe-eu"])]
    #[case(Currency::GBP, PaymentMethodKind::Card, None, &[])]
    #[case(Currency::JPY, PaymentMethodKind::BankTransfer, None, &[])]
    fn routes_by_currency_and_method(
        #[case] currency: Currency,
        #[case] method: PaymentMethodKind,
        #[case] rule_name: Option<&str>,
        #[case] expected: &[&str],
    ) {
        let decision = route(&standard_rules(), &caps(), &[], &ctx(currency, 1000, method), now());
        assert_eq!(decision.rule.as_deref(), rule_name);
        assert_eq!(ids(&decision), expected);
        assert!(decision.skipped.is_empty(), "{:?}", decision.skipped);
    }

    #[test]
    fn reasons_are_readable() {
        let decision =
            route(&standard_rules(), &caps(), &[], &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        let reasons: Vec<&str> = decision.candidates.iter().map(|c| c.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "rule eur-cards: 100% to stripe-eu",
                "rule eur-cards: failover 1 to adyen-eu",
                "rule eur-cards: failover 2 to mollie"
            ]
        );
        assert_eq!(decision.reason, "rule eur-cards: 3 candidate(s), 0 skipped");
    }

    #[test]
    fn no_matching_rule_explains_itself() {
        let mut payment = ctx(Currency::GBP, 1250, PaymentMethodKind::Card);
        payment.segment = Some("enterprise".into());
        let decision = route(&standard_rules(), &caps(), &[], &payment, now());
        assert!(decision.candidates.is_empty());
        assert_eq!(decision.rule, None);
        assert_eq!(decision.reason, "no routing rule matches 12.50 GBP card from DE, segment enterprise");
    }

    #[test]
    fn open_circuit_is_skipped_for_the_next() {
        let until = now() + TimeDelta::minutes(1);
        let health = [health("stripe-eu", Circuit::Open { until }), health("adyen-eu", Circuit::Closed)];
        let decision =
            route(&standard_rules(), &caps(), &health, &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        assert_eq!(ids(&decision), ["adyen-eu", "mollie"]);
        assert_eq!(decision.skipped, [(gw("stripe-eu"), "circuit open until 2026-03-02T12:01:00+00:00".to_owned())]);
        assert_eq!(decision.candidates[0].reason, "rule eur-cards: failover 1 to adyen-eu");
    }

    #[test]
    fn half_open_and_expired_open_go_last() {
        let health = [
            health("stripe-eu", Circuit::HalfOpen),
            // Cool-down ended exactly now: no longer open, so it is probed like a half-open one.
            health("adyen-eu", Circuit::Open { until: now() }),
        ];
        let decision =
            route(&standard_rules(), &caps(), &health, &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        assert_eq!(ids(&decision), ["mollie", "stripe-eu", "adyen-eu"]);
        assert_eq!(decision.candidates[1].reason, "rule eur-cards: 100% to stripe-eu (circuit half-open, tried last)");
        assert!(decision.skipped.is_empty());
    }

    #[test]
    fn capability_and_usable_method_gaps_are_skipped() {
        let rules = vec![rule(
            "everything",
            0,
            vec![
                target("stripe-us", 1),
                target("gocardless", 0),
                target("mollie", 0),
                target("unknown", 0),
                target("adyen-eu", 0),
            ],
        )];
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        payment.usable_methods_by_gateway.insert(gw("mollie"), vec![PaymentMethodKind::SepaDebit]);
        let decision = route(&rules, &caps(), &[], &payment, now());
        assert_eq!(ids(&decision), ["adyen-eu"]);
        assert_eq!(
            decision.skipped,
            [
                (gw("stripe-us"), "unsupported currency EUR".to_owned()),
                (gw("gocardless"), "unsupported payment method card".to_owned()),
                (gw("mollie"), "no usable card for this customer".to_owned()),
                (gw("unknown"), "no capabilities configured".to_owned()),
            ]
        );
    }

    #[test]
    fn every_target_skipped_gives_no_candidates() {
        let until = now() + TimeDelta::minutes(2);
        let health = [health("stripe-us", Circuit::Open { until }), health("adyen-eu", Circuit::Open { until })];
        let decision =
            route(&standard_rules(), &caps(), &health, &ctx(Currency::USD, 1000, PaymentMethodKind::Card), now());
        assert!(decision.candidates.is_empty());
        assert_eq!(decision.rule.as_deref(), Some("usd"));
        assert_eq!(decision.reason, "rule usd matched but every target was skipped");
        assert_eq!(decision.skipped.len(), 2);
    }

    #[test]
    fn weighted_split_follows_weights_and_is_stable_per_key() {
        let rules = vec![rule("migrate", 0, vec![target("stripe-eu", 90), target("adyen-eu", 10)])];
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        let mut to_stripe = 0_u32;
        for i in 0..10_000 {
            payment.routing_key = format!("inv_{i:06}");
            let first = route(&rules, &caps(), &[], &payment, now());
            let again = route(&rules, &caps(), &[], &payment, now());
            assert_eq!(first, again, "same key, same decision");
            assert_eq!(first.candidates.len(), 2, "the other target is the failover");
            if first.candidates[0].gateway == gw("stripe-eu") {
                to_stripe += 1;
                assert_eq!(first.candidates[0].reason, "rule migrate: 90% to stripe-eu (split by routing key)");
            } else {
                assert_eq!(first.candidates[0].reason, "rule migrate: 10% to adyen-eu (split by routing key)");
            }
        }
        // 90 % +- 2 percentage points of 10,000.
        assert!((8_800..=9_200).contains(&to_stripe), "{to_stripe}");
    }

    #[test]
    fn growing_the_new_share_keeps_keys_already_moved() {
        let before = vec![rule("migrate", 0, vec![target("stripe-eu", 90), target("adyen-eu", 10)])];
        let after = vec![rule("migrate", 0, vec![target("stripe-eu", 50), target("adyen-eu", 50)])];
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        for i in 0..2_000 {
            payment.routing_key = format!("cus_{i}");
            let was = route(&before, &caps(), &[], &payment, now()).candidates[0].gateway.clone();
            let is = route(&after, &caps(), &[], &payment, now()).candidates[0].gateway.clone();
            if was == gw("adyen-eu") {
                assert_eq!(is, gw("adyen-eu"));
            }
        }
    }

    #[test]
    fn odd_weights_are_described_as_fractions() {
        let rules = vec![rule("thirds", 0, vec![target("stripe-eu", 1), target("adyen-eu", 2)])];
        let decision = route(&rules, &caps(), &[], &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        let reason = &decision.candidates[0].reason;
        assert!(
            reason == "rule thirds: 1/3 of traffic to stripe-eu (split by routing key)"
                || reason == "rule thirds: 2/3 of traffic to adyen-eu (split by routing key)",
            "{reason}"
        );
    }

    fn amount_rules() -> Vec<Rule> {
        vec![
            Rule {
                min_amount: Some(money(100_000, Currency::EUR)),
                ..rule("large-eur", 1, vec![target("adyen-eu", 1)])
            },
            Rule { max_amount: Some(money(500, Currency::EUR)), ..rule("small-eur", 2, vec![target("mollie", 1)]) },
            Rule {
                min_amount: Some(money(1_000, Currency::USD)),
                max_amount: Some(money(5_000, Currency::USD)),
                ..rule("mid-usd", 3, vec![target("stripe-us", 1)])
            },
            rule("fallback", 99, vec![target("stripe-eu", 1), target("stripe-us", 1)]),
        ]
    }

    #[rstest]
    #[case(Currency::EUR, 100_000, "large-eur")]
    #[case(Currency::EUR, 99_999, "fallback")]
    #[case(Currency::EUR, 500, "small-eur")]
    #[case(Currency::EUR, 501, "fallback")]
    #[case(Currency::EUR, 0, "small-eur")]
    #[case(Currency::USD, 999, "fallback")]
    #[case(Currency::USD, 1_000, "mid-usd")]
    #[case(Currency::USD, 5_000, "mid-usd")]
    #[case(Currency::USD, 5_001, "fallback")]
    // A EUR bound never matches a USD payment, however large.
    #[case(Currency::USD, 10_000_000, "fallback")]
    fn amount_ranges_are_inclusive_and_currency_bound(
        #[case] currency: Currency,
        #[case] minor: i64,
        #[case] expected: &str,
    ) {
        let decision = route(&amount_rules(), &caps(), &[], &ctx(currency, minor, PaymentMethodKind::Card), now());
        assert_eq!(decision.rule.as_deref(), Some(expected));
    }

    fn audience_rules() -> Vec<Rule> {
        vec![
            Rule {
                countries: Some(vec![country("AT"), country("CH")]),
                segments: Some(vec!["enterprise".into()]),
                ..rule("alpine-enterprise", 5, vec![target("adyen-eu", 1)])
            },
            Rule {
                countries: Some(vec![country("AT"), country("CH")]),
                ..rule("alpine", 6, vec![target("mollie", 1)])
            },
            Rule { segments: Some(vec!["enterprise".into()]), ..rule("enterprise", 7, vec![target("stripe-eu", 1)]) },
            Rule { countries: Some(vec![]), ..rule("nobody", 0, vec![target("stripe-eu", 1)]) },
            rule("default", 100, vec![target("stripe-eu", 1)]),
        ]
    }

    #[rstest]
    #[case("AT", Some("enterprise"), "alpine-enterprise")]
    #[case("CH", Some("enterprise"), "alpine-enterprise")]
    #[case("AT", None, "alpine")]
    #[case("CH", Some("smb"), "alpine")]
    #[case("DE", Some("enterprise"), "enterprise")]
    #[case("DE", Some("Enterprise"), "default")]
    #[case("DE", None, "default")]
    fn countries_and_segments_match(#[case] code: &str, #[case] segment: Option<&str>, #[case] expected: &str) {
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        payment.customer_country = country(code);
        payment.segment = segment.map(str::to_owned);
        let decision = route(&audience_rules(), &caps(), &[], &payment, now());
        assert_eq!(decision.rule.as_deref(), Some(expected));
    }

    #[test]
    fn priority_then_name_decides() {
        let rules = vec![
            rule("b", 1, vec![target("adyen-eu", 1)]),
            rule("a", 1, vec![target("mollie", 1)]),
            rule("z", -5, vec![target("stripe-eu", 1)]),
        ];
        let payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        assert_eq!(route(&rules, &caps(), &[], &payment, now()).rule.as_deref(), Some("z"));
        assert_eq!(route(&rules[..2], &caps(), &[], &payment, now()).rule.as_deref(), Some("a"));
        let mut reversed = rules[..2].to_vec();
        reversed.reverse();
        assert_eq!(route(&reversed, &caps(), &[], &payment, now()).rule.as_deref(), Some("a"));
    }

    #[test]
    fn duplicate_targets_and_zero_weights() {
        let rules = vec![rule("dup", 0, vec![target("mollie", 0), target("stripe-eu", 0), target("mollie", 0)])];
        let decision = route(&rules, &caps(), &[], &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        assert_eq!(ids(&decision), ["mollie", "stripe-eu"]);
        assert_eq!(decision.candidates[0].reason, "rule dup: first listed target mollie (no weights set)");
    }

    #[test]
    fn amount_in_another_currency_matches_nothing() {
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        payment.amount = money(1000, Currency::USD);
        assert_eq!(route(&standard_rules(), &caps(), &[], &payment, now()).rule, None);
    }

    fn decision_of(gateways: &[&str]) -> RouteDecision {
        RouteDecision {
            candidates: gateways.iter().map(|g| Candidate { gateway: gw(g), reason: String::new() }).collect(),
            rule: Some("r".into()),
            skipped: Vec::new(),
            reason: String::new(),
        }
    }

    #[test]
    fn soft_decline_cascades_only_to_a_gateway_with_a_usable_method() {
        let decision = decision_of(&["stripe-eu", "adyen-eu", "mollie"]);
        let mut payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        // Since routing, the customer's card at adyen-eu became unusable.
        payment.usable_methods_by_gateway.insert(gw("adyen-eu"), vec![PaymentMethodKind::SepaDebit]);
        let next = cascade_after_soft_decline(&decision, &gw("stripe-eu"), DeclineClass::Soft, &payment);
        assert_eq!(next, Some(gw("mollie")));
        assert_eq!(cascade_after_soft_decline(&decision, &gw("mollie"), DeclineClass::Soft, &payment), None);
        payment.usable_methods_by_gateway.remove(&gw("mollie"));
        assert_eq!(cascade_after_soft_decline(&decision, &gw("stripe-eu"), DeclineClass::Soft, &payment), None);
        assert_eq!(cascade_after_soft_decline(&decision, &gw("elsewhere"), DeclineClass::Soft, &payment), None);
    }

    #[test]
    fn hard_decline_never_cascades() {
        let decision = decision_of(&["stripe-eu", "adyen-eu", "mollie"]);
        let payment = ctx(Currency::EUR, 1000, PaymentMethodKind::Card);
        for failed in ["stripe-eu", "adyen-eu"] {
            assert_eq!(cascade_after_soft_decline(&decision, &gw(failed), DeclineClass::Hard, &payment), None);
        }
        let real = route(&standard_rules(), &caps(), &[], &payment, now());
        assert_eq!(
            cascade_after_soft_decline(&real, &gw("stripe-eu"), DeclineClass::Soft, &payment),
            Some(gw("adyen-eu"))
        );
        assert_eq!(cascade_after_soft_decline(&real, &gw("stripe-eu"), DeclineClass::Hard, &payment), None);
    }

    /// Attempts as (seconds before now, outcome letter): S success, T timeout, E error.
    fn attempts(spec: &[(i64, char)]) -> Vec<AttemptRecord> {
        spec.iter()
            .map(|&(ago, kind)| AttemptRecord {
                at: now() - TimeDelta::seconds(ago),
                outcome: match kind {
                    'S' => AttemptOutcome::Success,
                    'T' => AttemptOutcome::Timeout,
                    _ => AttemptOutcome::Error,
                },
            })
            .collect()
    }

    fn circuit_of(spec: &[(i64, char)]) -> Circuit {
        health_from_attempts(gw("stripe-eu"), &attempts(spec), &BreakerConfig::default(), now()).circuit
    }

    fn at(seconds_before_now: i64) -> DateTime<Utc> {
        now() - TimeDelta::seconds(seconds_before_now)
    }

    #[test]
    fn breaker_stays_closed_below_the_threshold() {
        assert_eq!(circuit_of(&[]), Circuit::Closed);
        assert_eq!(circuit_of(&[(50, 'T'), (40, 'E'), (30, 'T'), (20, 'E'), (10, 'S')]), Circuit::Closed);
        // Five failures, but never five within five minutes of each other.
        assert_eq!(circuit_of(&[(900, 'T'), (700, 'T'), (500, 'T'), (300, 'T'), (100, 'T')]), Circuit::Closed);
    }

    #[test]
    fn breaker_opens_at_the_threshold_for_the_cool_down() {
        // Given out of order on purpose: the replay sorts by time.
        let spec = [(10, 'T'), (50, 'T'), (40, 'E'), (30, 'S'), (25, 'T'), (20, 'E')];
        assert_eq!(circuit_of(&spec), Circuit::Open { until: at(10) + BREAKER_COOL_DOWN });
        // Successes in between do not reset the count.
        let spec = [(200, 'E'), (190, 'S'), (180, 'E'), (170, 'S'), (160, 'E'), (150, 'E'), (100, 'E')];
        assert_eq!(circuit_of(&spec), Circuit::Open { until: at(100) + BREAKER_COOL_DOWN });
    }

    #[test]
    fn breaker_goes_half_open_then_closes_or_reopens_on_the_probe() {
        let opened = [(400, 'T'), (390, 'T'), (380, 'T'), (370, 'T'), (360, 'T')];
        // Opened at -360 s until -240 s: half-open by now.
        assert_eq!(circuit_of(&opened), Circuit::HalfOpen);
        // An attempt during the cool-down changes nothing.
        let mut spec = opened.to_vec();
        spec.push((300, 'S'));
        assert_eq!(circuit_of(&spec), Circuit::HalfOpen);
        // A successful probe closes it.
        let mut closed = opened.to_vec();
        closed.push((200, 'S'));
        assert_eq!(circuit_of(&closed), Circuit::Closed);
        // A failed probe reopens it.
        let mut reopened = opened.to_vec();
        reopened.push((60, 'E'));
        assert_eq!(circuit_of(&reopened), Circuit::Open { until: at(60) + BREAKER_COOL_DOWN });
    }

    #[test]
    fn breaker_counts_recent_attempts_and_timeouts() {
        let spec = [(600, 'T'), (299, 'T'), (200, 'E'), (100, 'S'), (-30, 'T')];
        let health = health_from_attempts(gw("x"), &attempts(&spec), &BreakerConfig::default(), now());
        assert_eq!(health.recent_attempts, 3, "the one 10 minutes ago and the future one are out");
        assert_eq!(health.recent_timeouts, 1);
        assert_eq!(health.gateway, gw("x"));
    }

    #[test]
    fn breaker_health_feeds_the_router() {
        let failures = attempts(&[(50, 'T'), (40, 'T'), (30, 'T'), (20, 'T'), (10, 'T')]);
        let health = [health_from_attempts(gw("stripe-eu"), &failures, &BreakerConfig::default(), now())];
        let decision =
            route(&standard_rules(), &caps(), &health, &ctx(Currency::EUR, 1000, PaymentMethodKind::Card), now());
        assert_eq!(ids(&decision)[0], "adyen-eu");
    }

    #[test]
    fn decision_serializes_for_the_ledger() {
        let decision =
            route(&standard_rules(), &caps(), &[], &ctx(Currency::USD, 1000, PaymentMethodKind::Card), now());
        let json = serde_json::to_value(&decision).unwrap();
        assert_eq!(json["rule"], "usd");
        assert_eq!(json["candidates"][0]["gateway"], "stripe-us");
        assert_eq!(json["candidates"][0]["reason"], "rule usd: 100% to stripe-us");
    }
}
