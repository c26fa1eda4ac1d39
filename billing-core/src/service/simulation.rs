//! Simulation (the equivalent of Stripe's test clocks): play a subscription scenario over N
//! months on a simulated clock and report the invoices it would produce.
//!
//! The scenario runs through the real code paths (subscription services, the invoice run for
//! one subscription, proration, coupons) inside the caller's transaction, which the caller rolls
//! back: nothing of it is ever committed, so real data is untouched. Invoicing runs before the
//! day's events, as a nightly run would.

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::customer::NewCustomerInput;
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::money::Money;
use crate::service::invoicing::run_one_on_connection;
use crate::service::subscriptions::{self, Action, CancelInput, ChangeInput, NewSubscriptionInput};
use crate::store::invoices::InvoiceFilter;
use crate::store::{self, PageRequest};
use crate::subscription::Timing;

pub const MAX_MONTHS: u32 = 36;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Plan id or code.
    pub plan: String,
    pub currency: String,
    pub quantity: Option<i64>,
    pub start_date: NaiveDate,
    /// How long to simulate (1 to 36 months).
    pub months: u32,
    pub coupon: Option<String>,
    /// Days of free trial (the plan's default when absent).
    pub trial_days: Option<u32>,
    /// A billing anchor after the start (the stub before it is prorated).
    pub billing_anchor: Option<NaiveDate>,
    /// The simulated customer's country (the merchant's when absent).
    pub country: Option<String>,
    #[serde(default)]
    pub events: Vec<ScenarioEvent>,
}

/// One dated event (`{"on": "2026-04-11", "action": "change", "plan": "pro"}`). Unknown fields
/// cannot be refused here: serde's `flatten` does not support `deny_unknown_fields`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ScenarioEvent {
    pub on: NaiveDate,
    #[serde(flatten)]
    pub action: EventAction,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EventAction {
    Change {
        plan: Option<String>,
        quantity: Option<i64>,
        timing: Option<Timing>,
    },
    Pause {
        resume_on: Option<NaiveDate>,
    },
    Resume,
    Cancel {
        timing: Option<Timing>,
        #[serde(default)]
        prorate: bool,
    },
    UndoCancel,
    Reactivate,
    Coupon {
        code: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulatedLine {
    pub kind: String,
    pub description: String,
    pub quantity: rust_decimal::Decimal,
    pub amount: Money,
    pub discount: Money,
    pub period_start: Option<NaiveDate>,
    /// Last day (inclusive).
    pub period_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulatedInvoice {
    pub kind: String,
    pub issue_date: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub lines: Vec<SimulatedLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulationResult {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub invoices: Vec<SimulatedInvoice>,
    /// Sum of all invoice and credit-note totals.
    pub total: Money,
    pub final_status: &'static str,
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()).and_utc()
}

/// Runs `scenario` on `conn`. The caller must roll the transaction back afterwards.
pub async fn simulate(conn: &mut PgConnection, tenant: TenantId, scenario: &Scenario) -> Result<SimulationResult> {
    if !(1..=MAX_MONTHS).contains(&scenario.months) {
        return Err(Error::invalid("months", format!("must be from 1 to {MAX_MONTHS}")));
    }
    let start = scenario.start_date;
    let end = start
        .checked_add_months(Months::new(scenario.months))
        .ok_or_else(|| Error::invalid("months", "too far in the future"))?;
    if scenario.events.iter().any(|e| e.on < start || e.on >= end) {
        return Err(Error::invalid("events", "every event must fall inside the simulated months"));
    }
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let customer = crate::service::customers::create(
        conn,
        tenant,
        &NewCustomerInput {
            email: "simulation@example.com".into(),
            name: "Simulation".into(),
            country: scenario.country.clone().unwrap_or_else(|| t.country.code().to_string()),
            currency: scenario.currency.clone(),
            locale: None,
            ..Default::default()
        },
        noon(start),
    )
    .await?;
    let sub = subscriptions::create(
        conn,
        tenant,
        &NewSubscriptionInput {
            customer: customer.id.to_string(),
            plan: scenario.plan.clone(),
            quantity: scenario.quantity,
            start_date: Some(start),
            coupon: scenario.coupon.clone(),
            trial_days: scenario.trial_days,
            billing_anchor: scenario.billing_anchor,
        },
        noon(start),
    )
    .await?;
    let mut day = start;
    while day < end {
        let now = noon(day);
        let current = subscriptions::get(conn, tenant, sub.id).await?;
        let resume_due = current.resume_on.is_some_and(|r| r <= day);
        if current.next_billing_date <= day || resume_due || current.cancel_at.is_some_and(|c| c <= day) {
            run_one_on_connection(conn, tenant, sub.id, day, now).await?;
        }
        for event in scenario.events.iter().filter(|e| e.on == day) {
            let on = Some(day);
            match &event.action {
                EventAction::Change { plan, quantity, timing } => {
                    let input = ChangeInput { plan: plan.clone(), quantity: *quantity, timing: *timing, on };
                    subscriptions::change(conn, tenant, sub.id, &input, true, now).await?;
                }
                EventAction::Cancel { timing, prorate } => {
                    let input = CancelInput { timing: *timing, prorate: *prorate, on };
                    subscriptions::cancel(conn, tenant, sub.id, &input, now).await?;
                }
                EventAction::Pause { resume_on } => {
                    subscriptions::act(conn, tenant, sub.id, Action::Pause { resume_on: *resume_on }, on, now).await?;
                }
                EventAction::Resume => {
                    subscriptions::act(conn, tenant, sub.id, Action::Resume, on, now).await?;
                }
                EventAction::UndoCancel => {
                    subscriptions::act(conn, tenant, sub.id, Action::UndoCancel, on, now).await?;
                }
                EventAction::Reactivate => {
                    subscriptions::act(conn, tenant, sub.id, Action::Reactivate, on, now).await?;
                }
                EventAction::Coupon { code } => {
                    let current = subscriptions::get(conn, tenant, sub.id).await?;
                    crate::service::coupons::redeem(conn, tenant, &current, code, now).await?;
                }
            }
        }
        day += Duration::days(1);
    }
    let filter = InvoiceFilter { subscription: Some(sub.id), ..Default::default() };
    let mut invoices = Vec::new();
    let mut after = None;
    loop {
        let page = store::invoices::list(conn, tenant, filter, PageRequest::new(Some(100), after)?).await?;
        after = page.items.last().map(|i| i.id.as_uuid());
        invoices.extend(page.items);
        if !page.has_more {
            break;
        }
    }
    let currency = sub.currency();
    let total = Money::sum(currency, invoices.iter().map(|i| i.total))?;
    let last_day = |d: Option<NaiveDate>| d.map(|e| e - Duration::days(1));
    let final_status = subscriptions::get(conn, tenant, sub.id).await?.status.as_str();
    Ok(SimulationResult {
        start_date: start,
        end_date: end - Duration::days(1),
        total,
        final_status,
        invoices: invoices
            .into_iter()
            .map(|i| SimulatedInvoice {
                kind: i.kind,
                issue_date: i.issue_date,
                period_start: i.period_start,
                period_end: last_day(i.period_end),
                subtotal: i.subtotal,
                discount: i.discount,
                total: i.total,
                lines: i
                    .lines
                    .into_iter()
                    .map(|l| SimulatedLine {
                        kind: l.kind,
                        description: l.description,
                        quantity: l.quantity,
                        amount: l.amount,
                        discount: l.discount,
                        period_start: l.period_start,
                        period_end: last_day(l.period_end),
                    })
                    .collect(),
            })
            .collect(),
    })
}
