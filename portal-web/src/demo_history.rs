//! A year of history for the demo tenant, so the analytics dashboard shows real shapes: sign-ups
//! every month on monthly and yearly plans in three currencies, upgrades, downgrades, seat
//! changes, churn and reactivations, all through the subscription service with backdated clock
//! readings (so the MRR schedule is written as in production), plus portal sessions, page views,
//! self-service actions and failed sign-ins recorded through the portal's store functions.
//! Deterministic: the same `now` gives the same history.

use billing_core::customer::NewCustomerInput;
use billing_core::ids::{CustomerId, TenantId};
use billing_core::service::customers;
use billing_core::service::subscriptions::{self, Action, CancelInput, ChangeInput, NewSubscriptionInput};
use billing_core::store::portal::{self, LinkClaims, PortalEvent};
use billing_core::subscription::Timing;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

/// A small linear congruential generator: enough variety, no dependency, reproducible.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

const COUNTRIES: [(&str, &str); 4] = [("DE", "EUR"), ("US", "USD"), ("FR", "EUR"), ("CH", "CHF")];
const NAMES: [&str; 12] = [
    "Nordlicht",
    "Bergwerk",
    "Harbor",
    "Maple",
    "Lumen",
    "Fjord",
    "Atlas",
    "Quartz",
    "Juniper",
    "Cobalt",
    "Orchid",
    "Pioneer",
];

/// Whether `billing demo` seeds the history: yes, unless `BILLING_DEMO_HISTORY=0` (the tests
/// that count the demo's twelve customers and their invoices set it).
pub fn enabled() -> bool {
    std::env::var("BILLING_DEMO_HISTORY").map_or(true, |v| v != "0")
}

/// Seeds twelve months of history before `now` for `tenant` (whose catalog has the demo plans
/// `starter-monthly`, `pro-monthly`, `pro-yearly`, `team-monthly`). Returns the number of
/// customers created.
pub async fn seed(conn: &mut PgConnection, tenant: TenantId, now: DateTime<Utc>) -> billing_core::Result<usize> {
    let mut dice = Dice(0x5eed_2026);
    let mut created: Vec<(CustomerId, billing_core::ids::SubscriptionId, DateTime<Utc>, &str)> = Vec::new();
    // Sign-ups: more each month (a growing business), spread over the month.
    for month in 0..12i64 {
        let month_start = now - Duration::days(365 - month * 30);
        let signups = 3 + month / 2 + i64::try_from(dice.next(3)).unwrap_or(0);
        for n in 0..signups {
            let at = month_start + Duration::days(i64::try_from(dice.next(28)).unwrap_or(0)) + Duration::hours(9);
            let (country, currency) = COUNTRIES[usize::try_from(dice.next(4)).unwrap_or(0)];
            let name = format!("{} {} {}", NAMES[usize::try_from(dice.next(12)).unwrap_or(0)], month + 1, n + 1);
            let customer = customers::create(
                conn,
                tenant,
                &NewCustomerInput {
                    email: format!("history-{}-{}@example.com", month + 1, n + 1),
                    name,
                    country: country.into(),
                    currency: currency.into(),
                    locale: Some(if country == "DE" { "de" } else { "en" }.into()),
                    ..Default::default()
                },
                at,
            )
            .await?;
            let plan = match dice.next(10) {
                0..=4 => "starter-monthly",
                5..=7 => "pro-monthly",
                8 => "pro-yearly",
                _ => "team-monthly",
            };
            let quantity = if plan == "team-monthly" { 3 + i64::try_from(dice.next(8)).unwrap_or(0) } else { 1 };
            let sub = subscriptions::create(
                conn,
                tenant,
                &NewSubscriptionInput {
                    customer: customer.id.to_string(),
                    plan: plan.into(),
                    quantity: Some(quantity),
                    start_date: Some(at.date_naive()),
                    ..Default::default()
                },
                at,
            )
            .await?;
            created.push((customer.id, sub.id, at, plan));
        }
    }
    // Lifecycle changes after sign-up, each on its own backdated day (never after `now`).
    for (i, (customer, sub, since, plan)) in created.iter().enumerate() {
        let roll = dice.next(100);
        let at = *since + Duration::days(20 + i64::try_from(dice.next(120)).unwrap_or(0));
        if at >= now {
            continue;
        }
        let change = |plan: Option<&str>, quantity: Option<i64>| ChangeInput {
            plan: plan.map(str::to_string),
            quantity,
            timing: Some(Timing::Now),
            on: None,
        };
        match (roll, *plan) {
            (0..=19, "starter-monthly") => {
                subscriptions::change(conn, tenant, *sub, &change(Some("pro-monthly"), None), true, at).await?;
            }
            (0..=9, "pro-monthly") => {
                subscriptions::change(conn, tenant, *sub, &change(Some("starter-monthly"), None), true, at).await?;
            }
            (0..=29, "team-monthly") => {
                let q = 2 + i64::try_from(dice.next(12)).unwrap_or(0);
                subscriptions::change(conn, tenant, *sub, &change(None, Some(q)), true, at).await?;
            }
            (40..=54, _) => {
                let input = CancelInput { timing: Some(Timing::Now), prorate: false, on: None };
                subscriptions::cancel(conn, tenant, *sub, &input, at).await?;
                let back = at + Duration::days(30 + i64::try_from(dice.next(60)).unwrap_or(0));
                if roll < 44 && back < now {
                    subscriptions::act(conn, tenant, *sub, Action::Reactivate, None, back).await?;
                }
            }
            (55..=57, _) => {
                // Paused, and resumed by hand 45 days later (not by a resume date: the invoice
                // run's dry run does not resume, so a due resume date would make it differ).
                subscriptions::act(conn, tenant, *sub, Action::Pause { resume_on: None }, None, at).await?;
                let back = at + Duration::days(45);
                if back < now {
                    subscriptions::act(conn, tenant, *sub, Action::Resume, None, back).await?;
                }
            }
            _ => {}
        }
        portal_activity(conn, tenant, *customer, *since, now, &mut dice, i).await?;
    }
    success_history(conn, tenant, &created, now, &mut dice).await?;
    Ok(created.len())
}

/// What the portal-success figures count: survey answers (NPS improving over the year, CSAT,
/// CES), help searches (some without a result), billing questions answered and closed (the
/// answers are history: no mail goes out), the sign-up and plan-change funnels, and an
/// acquisition spend per month in EUR and USD.
async fn success_history(
    conn: &mut PgConnection,
    tenant: TenantId,
    created: &[(CustomerId, billing_core::ids::SubscriptionId, DateTime<Utc>, &str)],
    now: DateTime<Utc>,
    dice: &mut Dice,
) -> billing_core::Result<()> {
    use billing_core::store::surveys::{NewResponse, insert_response};
    use billing_core::survey::SurveyKind;
    const COMMENTS: [&str; 6] = [
        "Invoices are clear and arrive on time.",
        "Changing the plan took two clicks.",
        "I could not find how to download all invoices at once.",
        "Card update worked, but the confirmation mail came late.",
        "Great support on my billing question.",
        "Please add PayPal.",
    ];
    const QUERIES: [&str; 8] =
        ["invoice", "refund", "vat", "paypal", "cancel", "invoice address", "download all", "purchase order"];
    for (i, (customer, _, since, _)) in created.iter().enumerate() {
        let age = (now - *since).num_days();
        if age < 20 {
            continue;
        }
        let roll = |d: &mut Dice, n: i64| d.next(u64::try_from(n.max(1)).unwrap_or(1));
        let at = *since + Duration::days(14 + i64::try_from(roll(dice, age - 14)).unwrap_or(0)) + Duration::hours(10);
        // Later answers are happier: the merchant worked on what the comments said.
        let progress = (at - (now - Duration::days(365))).num_days().clamp(0, 365);
        if dice.next(10) < 6 {
            let base = 6 + progress * 3 / 365;
            let score = i16::try_from((base + i64::try_from(dice.next(5)).unwrap_or(0) - 1).clamp(0, 10)).unwrap_or(8);
            let comment = (dice.next(3) == 0).then(|| COMMENTS[usize::try_from(dice.next(6)).unwrap_or(0)]);
            let r = NewResponse {
                customer: *customer,
                kind: SurveyKind::Nps,
                score: Some(score),
                comment,
                context_action: None,
                context_event: None,
            };
            insert_response(conn, tenant, &r, at).await?;
        }
        if dice.next(10) < 4 {
            let csat = i16::try_from(3 + dice.next(3)).unwrap_or(4);
            let ces = i16::try_from(4 + dice.next(4)).unwrap_or(5);
            for (kind, score, action) in
                [(SurveyKind::Csat, csat, "pay_invoice"), (SurveyKind::Ces, ces, "change_plan")]
            {
                let r = NewResponse {
                    customer: *customer,
                    kind,
                    score: Some(score),
                    comment: None,
                    context_action: Some(action),
                    context_event: None,
                };
                insert_response(conn, tenant, &r, at + Duration::minutes(5)).await?;
            }
        }
        if dice.next(4) == 0 {
            let query = QUERIES[usize::try_from(dice.next(8)).unwrap_or(0)];
            let hits = if matches!(query, "paypal" | "download all" | "purchase order") { 0 } else { 2 };
            billing_core::store::portal::record_search(conn, tenant, Some(*customer), query, hits, "en", at).await?;
        }
        if dice.next(6) == 0 {
            let q = billing_core::service::billing_questions::ask(
                conn,
                tenant,
                *customer,
                "invoice",
                None,
                "Could you send the invoice with our purchase order number?",
                at,
            )
            .await?;
            let answered = at + Duration::hours(2 + i64::try_from(dice.next(30)).unwrap_or(0));
            if answered < now {
                let store = billing_core::store::help::insert_message;
                store(
                    conn,
                    tenant,
                    q.id,
                    "staff",
                    Some("Billing team"),
                    "Done: the new invoice is in the portal.",
                    answered,
                )
                .await?;
                billing_core::store::help::set_status(conn, tenant, q.id, "answered", true, answered).await?;
                let closed = answered + Duration::hours(6 + i64::try_from(dice.next(40)).unwrap_or(0));
                if closed < now {
                    billing_core::service::billing_questions::close(conn, tenant, q.id, closed).await?;
                }
            }
        }
        // The plan-change funnel: most who look preview, about half of those confirm.
        if dice.next(3) == 0 {
            let visitor = customer.to_string();
            let funnel = billing_core::store::metrics::insert_funnel_step;
            funnel(conn, tenant, Some(*customer), "plan_change:viewed", "/change", &visitor, at).await?;
            if dice.next(4) != 0 {
                funnel(conn, tenant, Some(*customer), "plan_change:previewed", "/change/preview", &visitor, at).await?;
                if dice.next(2) == 0 {
                    funnel(conn, tenant, Some(*customer), "plan_change:confirmed", "/change", &visitor, at).await?;
                }
            }
        }
        // The sign-up funnel: every customer came through it; visitors who left on the way too.
        let signup = billing_core::store::metrics::insert_funnel_step;
        let visitor = format!("v-{i}");
        signup(conn, tenant, None, "signup:pricing_viewed", "/pricing", &visitor, *since - Duration::minutes(9))
            .await?;
        signup(conn, tenant, None, "signup:checkout_started", "/checkout", &visitor, *since - Duration::minutes(6))
            .await?;
        signup(conn, tenant, None, "signup:details_entered", "/checkout", &visitor, *since - Duration::minutes(3))
            .await?;
        signup(conn, tenant, Some(*customer), "signup:paid", "/checkout", &visitor, *since).await?;
        for k in 0..(2 + dice.next(4)) {
            let lost = format!("v-{i}-{k}");
            let when = *since - Duration::hours(i64::try_from(k + 1).unwrap_or(1));
            signup(conn, tenant, None, "signup:pricing_viewed", "/pricing", &lost, when).await?;
            if dice.next(3) == 0 {
                signup(conn, tenant, None, "signup:checkout_started", "/checkout", &lost, when).await?;
                if dice.next(3) == 0 {
                    signup(conn, tenant, None, "signup:details_entered", "/checkout", &lost, when).await?;
                }
            }
        }
    }
    // Acquisition spend: more each month as the business grows.
    for month in 0..12i64 {
        let day = (now - Duration::days(365 - month * 30)).date_naive();
        for (currency, base) in
            [(billing_core::currency::Currency::EUR, 80_000), (billing_core::currency::Currency::USD, 30_000)]
        {
            let amount = base + month * 6_000 + i64::try_from(dice.next(20_000)).unwrap_or(0);
            billing_core::service::metrics::set_acquisition_spend(conn, tenant, day, currency, amount, now).await?;
        }
    }
    Ok(())
}

/// Portal use of one customer: a few sessions after sign-up with page views, some self-service
/// actions (most completed), and now and then a mistyped password.
async fn portal_activity(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    dice: &mut Dice,
    i: usize,
) -> billing_core::Result<()> {
    if dice.next(10) < 3 {
        return Ok(()); // Never uses the portal.
    }
    let sessions = 1 + dice.next(5);
    for s in 0..sessions {
        let at = since + Duration::days(i64::try_from(dice.next(300)).unwrap_or(0)) + Duration::minutes(37);
        if at >= now {
            continue;
        }
        let token = format!("demo-history-{}-{i}-{s}", tenant.0.simple());
        let hash = crate::web::token_hash(&token);
        portal::insert_session(
            conn,
            tenant,
            customer,
            &hash,
            &token,
            &LinkClaims::default(),
            at,
            at + Duration::hours(1),
        )
        .await?;
        portal::audit(conn, tenant, Some(customer), "signed_in", None, serde_json::json!({ "method": "link" }), at)
            .await?;
        if dice.next(12) == 0 {
            portal::audit(conn, tenant, Some(customer), "sign_in_failed", None, serde_json::json!({}), at).await?;
        }
        for (k, page) in ["overview", "invoices", "invoice"].iter().enumerate().take(1 + dice.next(3) as usize) {
            let started_at = at + Duration::seconds(20 * i64::try_from(k).unwrap_or(0));
            let event =
                PortalEvent { kind: "page_view", action: None, page, status: None, started_at, completed_at: None };
            portal::record_event(conn, tenant, Some(customer), &event).await?;
        }
        let action = match dice.next(8) {
            0 => Some(("pay_invoice", "invoice")),
            1 => Some(("billing_details", "billing_details")),
            2 => Some(("add_payment_method", "payment_methods")),
            3 => Some(("change_plan", "change")),
            _ => None,
        };
        if let Some((action, page)) = action {
            let done = dice.next(5) != 0;
            let started_at = at + Duration::minutes(1);
            let event = PortalEvent {
                kind: "action",
                action: Some(action),
                page,
                status: Some(if done { "completed" } else { "abandoned" }),
                started_at,
                completed_at: done.then(|| started_at + Duration::seconds(40)),
            };
            portal::record_event(conn, tenant, Some(customer), &event).await?;
        }
    }
    Ok(())
}
