//! Sign-up from a tenant's public pricing page (issue 13, docs/adr/0036): a new customer, their
//! subscription and the first invoice, made by the engine's own use cases, so that the amount the
//! checkout shows before anything is stored is the invoice the customer then gets.
//!
//! [`start`] creates the customer, the subscription and whatever is due on the first day (the
//! invoice run for that one subscription, as `service::simulation` does) in the caller's
//! transaction. [`preview`] runs exactly that inside a transaction it rolls back: the lines, the
//! VAT for the entered country and VAT ID, and the total, with nothing written.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Connection, PgConnection};

use crate::catalog::Plan;
use crate::customer::{Customer, NewCustomer, NewCustomerInput};
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::money::Money;
use crate::service::subscriptions::{self, NewSubscriptionInput};
use crate::store::invoices::{Invoice, InvoiceFilter};
use crate::store::subscriptions::Subscription;
use crate::store::{self, PageRequest};
use crate::subscription::validate_quantity;

/// What a visitor asks for at the checkout.
#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    pub customer: NewCustomerInput,
    /// The plan's code (or id).
    pub plan: String,
    pub quantity: i64,
}

/// What a sign-up made (or, from [`preview`], would make).
#[derive(Debug, Clone)]
pub struct Started {
    pub customer: Customer,
    pub subscription: Subscription,
    /// The documents issued on the first day (the first period's invoice; a setup fee or the stub
    /// before a billing anchor are documents of their own), oldest first. Empty during a trial.
    pub invoices: Vec<Invoice>,
    /// For a trial: the first paid invoice as the run will make it on the trial's end.
    pub after_trial: Option<crate::service::invoicing::Upcoming>,
}

impl Started {
    /// What is due now: the sum of the first day's documents (VAT included).
    pub fn due_now(&self) -> Result<Money> {
        let mut total = Money::zero(self.customer.currency);
        for i in &self.invoices {
            total = total.checked_add(i.total)?;
        }
        Ok(total)
    }

    pub fn trial_end(&self) -> Option<NaiveDate> {
        self.subscription.trial_end
    }
}

/// Checks a sign-up without writing: the customer's details as the API checks them, the plan
/// (active, not an add-on, priced in the currency) and the quantity.
pub async fn check(conn: &mut PgConnection, tenant: TenantId, input: &SignupInput) -> Result<(NewCustomer, Plan)> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let plan = public_plan(conn, tenant, &input.plan).await?;
    let customer = NewCustomer::parse(&input.customer, &t.default_locale)?;
    plan.price_in(customer.currency)?;
    validate_quantity(input.quantity)?;
    Ok((customer, plan))
}

/// A plan a visitor may sign up for: active and not an add-on; any other code is not found.
pub async fn public_plan(conn: &mut PgConnection, tenant: TenantId, code: &str) -> Result<Plan> {
    let plan = crate::service::catalog::find_plan(conn, tenant, code).await?;
    if !plan.active || plan.addon.is_some() {
        return Err(Error::not_found("plan", code));
    }
    Ok(plan)
}

/// Creates the customer and the subscription, and invoices what is due on the first day, in the
/// caller's transaction. The invoice is the invoice run's (same rating, VAT, numbering); with the
/// tenant's `subscription_draft_hours` above zero it stays a draft like any other.
pub async fn start(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &SignupInput,
    now: DateTime<Utc>,
) -> Result<Started> {
    check(conn, tenant, input).await?;
    let customer = crate::service::customers::create(conn, tenant, &input.customer, now).await?;
    let sub = subscriptions::create(
        conn,
        tenant,
        &NewSubscriptionInput {
            customer: customer.id.to_string(),
            plan: input.plan.clone(),
            quantity: Some(input.quantity),
            ..NewSubscriptionInput::default()
        },
        now,
    )
    .await?;
    let today = sub.start_date;
    if sub.next_billing_date <= today {
        crate::service::invoicing::run_one_on_connection(conn, tenant, sub.id, today, now).await?;
    }
    let filter = InvoiceFilter { subscription: Some(sub.id), ..InvoiceFilter::default() };
    let mut invoices =
        store::invoices::list(conn, tenant, filter, PageRequest { limit: 100, starting_after: None }).await?.items;
    invoices.sort_by_key(|i| i.created_at);
    let subscription = subscriptions::get(conn, tenant, sub.id).await?;
    let after_trial = match subscription.trial_end {
        Some(end) if invoices.is_empty() => {
            crate::service::invoicing::upcoming(conn, tenant, &[(subscription.id, subscription.next_billing_date)])
                .await?
                .into_iter()
                .map(|(_, u)| u)
                .next()
                .filter(|u| u.date >= end)
        }
        _ => None,
    };
    Ok(Started { customer, subscription, invoices, after_trial })
}

/// [`start`] in a transaction that is rolled back: the exact first invoice, nothing stored.
pub async fn preview(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &SignupInput,
    now: DateTime<Utc>,
) -> Result<Started> {
    let mut tx = conn.begin().await?;
    let started = start(&mut tx, tenant, input, now).await;
    tx.rollback().await?;
    started
}
