//! Revenue and portal metrics and the exports (docs/metrics.md): a small history is made through
//! the API on a moving clock, and every figure is checked against a value computed by hand
//! below, one test per definition; the DATEV Buchungsstapel is checked field by field against
//! the format reference (shared/reference/domain.md § 10.1).
//!
//! The history (tenant time zone Europe/Berlin; all actions at 09:00 UTC on the day):
//!
//! | day   | customer | what                                              | MRR of the customer |
//! |-------|----------|---------------------------------------------------|---------------------|
//! | 01-05 | A (EUR)  | `pro` 29.00                                       | 2900 new            |
//! | 01-10 | B (EUR)  | `yearly` 290.00 / 12 = 24.1667                    | 2417 new            |
//! | 01-15 | G (EUR)  | `basic` 10.00                                     | 1000 new            |
//! | 01-20 | D (USD)  | `pro` 32.00                                       | 3200 new            |
//! | 02-01 | C (EUR)  | `pro` with 20 % forever: 29.00 - 5.80             | 2320 new            |
//! | 02-05 | D (USD)  | second subscription `basic` 11.00                 | 4300 expansion +1100 |
//! | 02-10 | A        | quantity 2                                        | 5800 expansion +2900 |
//! | 02-20 | B        | canceled now                                      | 0 churn -2417       |
//! | 03-01 | E (EUR)  | `pro` with a 14-day trial (paid from 03-15)       | 0, 03-15: 2900 new  |
//! | 03-02 | F (EUR)  | `pro` with a 14-day trial, canceled 03-05         | 0 throughout        |
//! | 03-10 | G        | paused                                            | 0 churn -1000       |
//! | 03-15 | A        | plan `basic`, quantity 1                          | 1000 contraction -4800 |
//! | 03-20 | D        | cancels `basic` (keeps `pro`)                     | 3200 contraction -1100 |
//! | 04-02 | B        | reactivated                                       | 2417 reactivation   |
//! | 04-10 | G        | resumed                                           | 1000 reactivation   |

use billing_core::fx::EcbRate;
use billing_core::service::metrics::{Interval, Range};
use billing_tests::{TestApp, instant};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn at(app: &TestApp, d: &str) {
    app.clock.set(instant(&format!("{d}T09:00:00Z")));
}

async fn customer(app: &TestApp, email: &str, currency: &str) -> String {
    let (s, c) = app
        .post("/api/v1/customers", json!({ "email": email, "name": email, "country": "US", "currency": currency }))
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn subscribe(app: &TestApp, body: Value) -> String {
    let (s, sub) = app.post("/api/v1/subscriptions", body).await;
    assert_eq!(s, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

async fn ok(app: &TestApp, path: &str, body: Value) {
    let (s, r) = app.post(path, body).await;
    assert_eq!(s, 200, "{path}: {r}");
}

/// The history of the table above. Returns the subscription ids by letter.
async fn history(app: &TestApp) -> std::collections::HashMap<&'static str, String> {
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "basic", "name": "Basic", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 1000 }, { "currency": "USD", "amount": 1100 }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let (s, c) =
        app.post("/api/v1/coupons", json!({ "code": "TWENTY", "percent_off": "20", "duration": "forever" })).await;
    assert_eq!(s, 201, "{c}");
    let mut subs = std::collections::HashMap::new();
    at(app, "2026-01-05").await;
    let a = customer(app, "a@example.com", "EUR").await;
    subs.insert("A", subscribe(app, json!({ "customer": a, "plan": "pro" })).await);
    at(app, "2026-01-10").await;
    let b = customer(app, "b@example.com", "EUR").await;
    subs.insert("B", subscribe(app, json!({ "customer": b, "plan": "yearly" })).await);
    at(app, "2026-01-15").await;
    let g = customer(app, "g@example.com", "EUR").await;
    subs.insert("G", subscribe(app, json!({ "customer": g, "plan": "basic" })).await);
    at(app, "2026-01-20").await;
    let d = customer(app, "d@example.com", "USD").await;
    subs.insert("D", subscribe(app, json!({ "customer": d, "plan": "pro" })).await);
    at(app, "2026-02-01").await;
    let c = customer(app, "c@example.com", "EUR").await;
    subs.insert("C", subscribe(app, json!({ "customer": c, "plan": "pro", "coupon": "TWENTY" })).await);
    at(app, "2026-02-05").await;
    subs.insert("D2", subscribe(app, json!({ "customer": d, "plan": "basic" })).await);
    at(app, "2026-02-10").await;
    ok(app, &format!("/api/v1/subscriptions/{}/change", subs["A"]), json!({ "quantity": 2 })).await;
    at(app, "2026-02-20").await;
    ok(app, &format!("/api/v1/subscriptions/{}/cancel", subs["B"]), json!({ "timing": "now" })).await;
    at(app, "2026-03-01").await;
    let e = customer(app, "e@example.com", "EUR").await;
    subs.insert("E", subscribe(app, json!({ "customer": e, "plan": "pro", "trial_days": 14 })).await);
    at(app, "2026-03-02").await;
    let f = customer(app, "f@example.com", "EUR").await;
    subs.insert("F", subscribe(app, json!({ "customer": f, "plan": "pro", "trial_days": 14 })).await);
    at(app, "2026-03-05").await;
    ok(app, &format!("/api/v1/subscriptions/{}/cancel", subs["F"]), json!({ "timing": "now" })).await;
    at(app, "2026-03-10").await;
    ok(app, &format!("/api/v1/subscriptions/{}/pause", subs["G"]), json!({})).await;
    at(app, "2026-03-15").await;
    ok(app, &format!("/api/v1/subscriptions/{}/change", subs["A"]), json!({ "plan": "basic", "quantity": 1 })).await;
    at(app, "2026-03-20").await;
    ok(app, &format!("/api/v1/subscriptions/{}/cancel", subs["D2"]), json!({ "timing": "now" })).await;
    at(app, "2026-04-02").await;
    ok(app, &format!("/api/v1/subscriptions/{}/reactivate", subs["B"]), json!({})).await;
    at(app, "2026-04-10").await;
    ok(app, &format!("/api/v1/subscriptions/{}/resume", subs["G"]), json!({})).await;
    at(app, "2026-05-01").await;
    subs
}

/// USD per EUR: 1.25 until 27 February, 1.60 from 28 February (one rate every day).
async fn rates(app: &TestApp) {
    let mut rates = Vec::new();
    let mut d = day("2025-12-15");
    while d <= day("2026-05-31") {
        let per_eur = if d < day("2026-02-28") { Decimal::new(125, 2) } else { Decimal::new(160, 2) };
        rates.push(EcbRate { date: d, currency: billing_core::currency::Currency::USD, per_eur });
        d += Duration::days(1);
    }
    let mut conn = app.db.pool.acquire().await.unwrap();
    billing_core::store::fx::upsert(&mut conn, &rates, instant("2026-05-01T00:00:00Z")).await.unwrap();
}

async fn mrr(app: &TestApp, query: &str) -> Value {
    let (s, r) = app.get(&format!("/api/v1/metrics/mrr?{query}")).await;
    assert_eq!(s, 200, "{r}");
    r
}

fn series<'a>(r: &'a Value, currency: &str) -> &'a Vec<Value> {
    r["currencies"].as_array().unwrap().iter().find(|s| s["currency"] == currency).unwrap()["periods"]
        .as_array()
        .unwrap()
}

fn col(periods: &[Value], field: &str) -> Vec<Value> {
    periods.iter().map(|p| p[field].clone()).collect()
}

const FOUR_MONTHS: &str = "from=2026-01-01&to=2026-04-30&interval=month";

#[tokio::test]
async fn mrr_and_arr_normalize_annual_plans_deduct_the_discount_and_exclude_trials_and_pauses() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = mrr(&app, FOUR_MONTHS).await;
    let eur = series(&r, "EUR");
    // Jan: A 2900 + B 2417 (29000 / 12 rounded once) + G 1000.
    // Feb: A 5800 + C 2320 (2900 less 20 %) + G 1000; B churned.
    // Mar: A 1000 + C 2320 + E 2900 (trial over on 03-15); G paused counts 0, F never paid.
    // Apr: + B 2417 + G 1000.
    assert_eq!(col(eur, "mrr"), vec![json!(6317), json!(9120), json!(6220), json!(9637)]);
    assert_eq!(col(eur, "arr"), vec![json!(6317 * 12), json!(9120 * 12), json!(6220 * 12), json!(9637 * 12)]);
    assert_eq!(col(eur, "mrr_start"), vec![json!(0), json!(6317), json!(9120), json!(6220)]);
    assert_eq!(col(series(&r, "USD"), "mrr"), vec![json!(3200), json!(4300), json!(3200), json!(3200)]);
    assert_eq!(col(eur, "metered"), vec![json!(0); 4], "no metered plan in this history");
    assert_eq!((eur[0]["start"].as_str(), eur[0]["end"].as_str()), (Some("2026-01-01"), Some("2026-01-31")));
}

#[tokio::test]
async fn movements_are_new_expansion_contraction_churn_and_reactivation_per_customer() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = mrr(&app, FOUR_MONTHS).await;
    let eur = series(&r, "EUR");
    assert_eq!(col(eur, "new"), vec![json!(6317), json!(2320), json!(2900), json!(0)]);
    assert_eq!(col(eur, "expansion"), vec![json!(0), json!(2900), json!(0), json!(0)]);
    assert_eq!(col(eur, "contraction"), vec![json!(0), json!(0), json!(-4800), json!(0)]);
    assert_eq!(col(eur, "churn"), vec![json!(0), json!(-2417), json!(-1000), json!(0)]);
    assert_eq!(col(eur, "reactivation"), vec![json!(0), json!(0), json!(0), json!(3417)]);
    assert_eq!(col(eur, "net_new"), vec![json!(6317), json!(2803), json!(-2900), json!(3417)]);
    // D's second subscription is an expansion and its end a contraction: the customer stays.
    let usd = series(&r, "USD");
    assert_eq!(col(usd, "new"), vec![json!(3200), json!(0), json!(0), json!(0)]);
    assert_eq!(col(usd, "expansion"), vec![json!(0), json!(1100), json!(0), json!(0)]);
    assert_eq!(col(usd, "contraction"), vec![json!(0), json!(0), json!(-1100), json!(0)]);
    assert_eq!(col(usd, "churn"), vec![json!(0); 4]);
    // Day by day around B's cancellation on 20 February.
    let r = mrr(&app, "from=2026-02-19&to=2026-02-21&interval=day").await;
    let eur = series(&r, "EUR");
    assert_eq!(col(eur, "mrr"), vec![json!(11537), json!(9120), json!(9120)]);
    assert_eq!(col(eur, "churn"), vec![json!(0), json!(-2417), json!(0)]);
}

#[tokio::test]
async fn customers_and_logo_churn() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = mrr(&app, FOUR_MONTHS).await;
    let eur = series(&r, "EUR");
    // Paying EUR customers at each month's end: {A,B,G}, {A,C,G}, {A,C,E}, {A,B,C,E,G}.
    assert_eq!(col(eur, "customers"), vec![json!(3), json!(3), json!(3), json!(5)]);
    assert_eq!(col(eur, "new_customers"), vec![json!(3), json!(1), json!(1), json!(0)]);
    assert_eq!(col(eur, "churned_customers"), vec![json!(0), json!(1), json!(1), json!(0)]);
    assert_eq!(col(eur, "reactivated_customers"), vec![json!(0), json!(0), json!(0), json!(2)]);
    // Logo churn = churned / customers at the start: Feb 1/3, Mar 1/3; Jan has no customers.
    assert_eq!(col(eur, "logo_churn_rate"), vec![Value::Null, json!("0.3333"), json!("0.3333"), json!("0.0000")]);
}

#[tokio::test]
async fn revenue_churn_net_and_gross_revenue_retention() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = mrr(&app, FOUR_MONTHS).await;
    let eur = series(&r, "EUR");
    // Feb: start 6317; churn 2417, expansion 2900.
    //   revenue churn = 2417 / 6317 = 0.38261...; NRR = (6317 + 2900 - 2417) / 6317 = 1.07646...;
    //   GRR = (6317 - 2417) / 6317 = 0.61738...
    // Mar: start 9120; contraction 4800, churn 1000.
    //   revenue churn = 5800 / 9120 = 0.63596...; NRR = GRR = 3320 / 9120 = 0.36403...
    assert_eq!(eur[1]["revenue_churn_rate"], "0.3826");
    assert_eq!(eur[1]["nrr"], "1.0765");
    assert_eq!(eur[1]["grr"], "0.6174");
    assert_eq!(eur[2]["revenue_churn_rate"], "0.6360");
    assert_eq!(eur[2]["nrr"], "0.3640");
    assert_eq!(eur[2]["grr"], "0.3640");
    assert!(eur[0]["nrr"].is_null(), "no MRR at the start of January: no retention");
}

#[tokio::test]
async fn arpu_is_mrr_per_paying_customer() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = mrr(&app, FOUR_MONTHS).await;
    let eur = series(&r, "EUR");
    // 6317 / 3 = 2105.67; 9120 / 3 = 3040; 6220 / 3 = 2073.33; 9637 / 5 = 1927.4.
    assert_eq!(col(eur, "arpu"), vec![json!(2106), json!(3040), json!(2073), json!(1927)]);
}

#[tokio::test]
async fn a_reporting_currency_converts_at_each_days_rate_and_shows_the_rate_effect_apart() {
    let app = TestApp::spawn().await;
    history(&app).await;
    rates(&app).await;
    let r = mrr(&app, "from=2026-01-01&to=2026-03-31&interval=month&currency=EUR").await;
    let rep = r["reporting"]["periods"].as_array().unwrap();
    assert_eq!(r["reporting"]["currency"], "EUR");
    // USD in EUR: Jan new 3200 / 1.25 = 2560 (end 3200 / 1.25 = 2560: no rate effect).
    // Feb: start 2560; expansion 1100 / 1.25 = 880 on 02-05; end 4300 / 1.60 = 2687.5 -> 2688;
    //   effect 2688 - 2560 - 880 = -752.
    // Mar: start 2688; contraction -1100 / 1.60 = -687.5 -> -688; end 3200 / 1.60 = 2000; effect 0.
    assert_eq!(col(rep, "new"), vec![json!(6317 + 2560), json!(2320), json!(2900)]);
    assert_eq!(col(rep, "expansion"), vec![json!(0), json!(2900 + 880), json!(0)]);
    assert_eq!(col(rep, "contraction"), vec![json!(0), json!(0), json!(-4800 - 688)]);
    assert_eq!(col(rep, "churn"), vec![json!(0), json!(-2417), json!(-1000)]);
    assert_eq!(col(rep, "fx_effect"), vec![json!(0), json!(-752), json!(0)]);
    assert_eq!(col(rep, "mrr"), vec![json!(6317 + 2560), json!(9120 + 2688), json!(6220 + 2000)]);
    assert_eq!(col(rep, "customers"), vec![json!(4), json!(4), json!(4)]);
    // The per-currency series carry no rate effect.
    assert!(series(&r, "USD")[1].get("fx_effect").is_none());
    // Without rates for a currency the report says so instead of guessing.
    let (s, e) = app.get("/api/v1/metrics/mrr?from=2026-01-01&to=2026-03-31&currency=JPY").await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["error"]["param"], "currency", "{e}");
}

#[tokio::test]
async fn the_mrr_report_comes_as_csv_too_and_refuses_bad_ranges() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/metrics/mrr?{FOUR_MONTHS}")))
        .bearer_auth(&app.tenant.api_key)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("series,currency,start,end,mrr_start,mrr,arr,new,expansion,contraction,churn"));
    assert_eq!(lines.len(), 1 + 4 + 4, "a header and four months of EUR and USD");
    assert!(lines.contains(&"currency,EUR,2026-02-01,2026-02-28,63.17,91.20,1094.40,23.20,29.00,0.00,-24.17,0.00,,0.00,3,1,1,0,0.3333,0.3826,1.0765,0.6174,30.40"), "{csv}");
    for (bad, param) in [
        ("from=2026-02-01&to=2026-01-01", Some("from")),
        ("to=2026-01-01", Some("from")),
        ("from=2026-01-01&to=2026-02-01&interval=week", None),
        ("from=x&to=y", None),
        ("from=2026-01-01&to=2026-02-01&format=xml", Some("format")),
    ] {
        let (s, e) = app.get(&format!("/api/v1/metrics/mrr?{bad}")).await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["error"]["message"].is_string(), "{bad}: {e}");
        if let Some(param) = param {
            assert_eq!(e["error"]["param"], param, "{bad}: {e}");
        }
    }
}

/// What the OpenAPI document promises for a bad range is what the endpoints answer: `400
/// invalid_request` naming the field, for every metrics and export report, and no `422` that
/// never comes (a client that branches on the documented status gets it).
#[tokio::test]
async fn a_bad_range_answers_the_documented_400_on_every_report() {
    let app = TestApp::spawn().await;
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let reports = [
        "/api/v1/metrics/mrr",
        "/api/v1/metrics/portal",
        "/api/v1/metrics/revenue",
        "/api/v1/metrics/customer_value",
        "/api/v1/metrics/success",
        "/api/v1/metrics/acquisition_spend",
        "/api/v1/metrics/snapshots",
        "/api/v1/exports/datev",
        "/api/v1/exports/invoices",
        "/api/v1/exports/credit_notes",
        "/api/v1/exports/payments",
    ];
    for path in reports {
        let responses = &doc["paths"][path]["get"]["responses"];
        assert!(responses["400"]["description"].as_str().is_some_and(|d| d.contains("range")), "{path}: {responses}");
        assert!(responses.get("422").is_none(), "{path} documents a 422 it never answers: {responses}");
        for (query, param) in [("from=2026-02-01&to=2026-01-01", "from"), ("from=2026-01-01", "to")] {
            let (s, e) = app.get(&format!("{path}?{query}")).await;
            assert_eq!(s, 400, "{path}?{query}: {e}");
            assert_eq!(
                (e["error"]["code"].as_str(), e["error"]["param"].as_str()),
                (Some("invalid_request"), Some(param)),
                "{path}?{query}: {e}"
            );
        }
    }
    // The bodies of the two PUTs: a body that is not the schema's is a 400 too, as documented.
    for path in ["/api/v1/metrics/acquisition_spend", "/api/v1/metrics/settings", "/api/v1/exports/datev/settings"] {
        let responses = &doc["paths"][path]["put"]["responses"];
        assert!(responses.get("400").is_some() && responses.get("422").is_none(), "{path}: {responses}");
        let (s, e) = put(&app, path, json!({ "unknown_field": 1 })).await;
        assert_eq!(s, 400, "{path}: {e}");
    }
}

#[tokio::test]
async fn subscriptions_without_a_schedule_are_backfilled_from_their_state() {
    let app = TestApp::spawn().await;
    let subs = history(&app).await;
    let before = mrr(&app, FOUR_MONTHS).await;
    // D's first subscription never changed: its schedule follows from its state alone.
    let id: uuid::Uuid = subs["D"].parse::<billing_core::ids::SubscriptionId>().unwrap().0;
    let n = sqlx::query("DELETE FROM subscription_mrr WHERE subscription_id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
    let after = mrr(&app, FOUR_MONTHS).await;
    assert_eq!(series(&after, "USD"), series(&before, "USD"));
    let mut conn = app.db.pool.acquire().await.unwrap();
    assert!(billing_core::store::metrics::unscheduled(&mut conn, app.tenant.id).await.unwrap().is_empty());
    // Another tenant sees nothing of this one.
    let other = billing_tests::create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    let (_, r) = app.send(app.http.get(app.url(&format!("/api/v1/metrics/mrr?{FOUR_MONTHS}"))), &other.api_key).await;
    assert_eq!(r["currencies"], json!([]), "{r}");
}

/// Portal facts, recorded as the portal records them, at known instants in March (and one
/// registration in February).
#[tokio::test]
async fn portal_adoption_sessions_self_service_completion_and_security() {
    use billing_core::ids::CustomerId;
    use billing_core::store::portal::{self, LinkClaims, PortalEvent};
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let c = customer(&app, &format!("p{n}@example.com"), "EUR").await;
        ids.push(c.parse::<CustomerId>().unwrap());
    }
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let session = |n: usize, when: &str| (n, instant(when));
    for (k, (n, when)) in [
        session(0, "2026-03-02T10:00:00Z"),
        session(0, "2026-03-20T10:00:00Z"),
        session(1, "2026-03-05T10:00:00Z"),
        session(2, "2026-02-15T10:00:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let hash = vec![u8::try_from(k).unwrap(); 32];
        portal::insert_session(
            &mut conn,
            t,
            ids[n],
            &hash,
            "csrf",
            &LinkClaims::default(),
            when,
            when + Duration::hours(1),
        )
        .await
        .unwrap();
        portal::audit(&mut conn, t, Some(ids[n]), "signed_in", None, json!({}), when).await.unwrap();
    }
    let march = instant("2026-03-10T10:00:00Z");
    for event in ["sign_in_failed", "sign_in_failed", "locked_out"] {
        portal::audit(&mut conn, t, Some(ids[3]), event, None, json!({}), march).await.unwrap();
    }
    for k in 0..5 {
        let e = PortalEvent {
            kind: "page_view",
            action: None,
            page: "overview",
            status: None,
            started_at: march + Duration::minutes(k),
            completed_at: None,
        };
        portal::record_event(&mut conn, t, Some(ids[0]), &e).await.unwrap();
    }
    // Plan change: started twice (the first abandoned by the second start), completed once.
    portal::start_action(&mut conn, t, ids[0], "change_plan", "change", march).await.unwrap();
    let ev = portal::start_action(&mut conn, t, ids[0], "change_plan", "change", march + Duration::minutes(5))
        .await
        .unwrap();
    portal::complete_action(&mut conn, t, ids[0], Some(ev), "change_plan", "change", march + Duration::minutes(6))
        .await
        .unwrap();
    // An invoice paid in one step.
    portal::complete_action(&mut conn, t, ids[1], None, "pay_invoice", "invoice", march).await.unwrap();
    drop(conn);

    let (s, r) = app.get("/api/v1/metrics/portal?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["customers"], 4);
    assert_eq!(r["registered"], 3, "three customers ever had a session by the end of March");
    assert_eq!(r["active"], 2, "two had one in March");
    assert_eq!(r["adoption"], "0.5000", "active / all = 2 / 4");
    assert_eq!(r["registration_rate"], "0.7500");
    assert_eq!(r["returning"], 1, "p1 came back");
    assert_eq!((r["sessions"].as_i64(), r["sign_ins"].as_i64()), (Some(3), Some(3)));
    assert_eq!(r["page_views"], 5);
    assert_eq!(r["pages_per_session"], "1.6667", "5 / 3");
    assert_eq!((r["failed_sign_ins"].as_i64(), r["lockouts"].as_i64()), (Some(2), Some(1)));
    let actions = r["actions"].as_array().unwrap();
    let change = actions.iter().find(|a| a["action"] == "change_plan").unwrap();
    assert_eq!((change["started"].as_i64(), change["completed"].as_i64()), (Some(2), Some(1)));
    assert_eq!(change["completion_rate"], "0.5000");
    assert_eq!(change["median_duration_ms"], 60_000);
    let pay = actions.iter().find(|a| a["action"] == "pay_invoice").unwrap();
    assert_eq!(pay["completion_rate"], "1.0000");
    assert_eq!(r["self_service_actions"], 2);
    let daily = r["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 31);
    assert_eq!(daily[1], json!({ "day": "2026-03-02", "sessions": 1, "actions_completed": 0 }));
    // February: only p3's session.
    let (_, feb) = app.get("/api/v1/metrics/portal?from=2026-02-01&to=2026-02-28").await;
    assert_eq!((feb["active"].as_i64(), feb["adoption"].as_str()), (Some(1), Some("0.2500")));
    let resp = app
        .http
        .get(app.url("/api/v1/metrics/portal?from=2026-03-01&to=2026-03-31&format=csv"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    let csv = resp.text().await.unwrap();
    assert!(csv.contains("adoption,,0.5000\r\n"), "{csv}");
    assert!(csv.contains("action_completion_rate,change_plan,0.5000\r\n"), "{csv}");
}

/// Session length and bounce rate (docs/metrics.md "Portal success"): each page view counts in
/// its customer's latest session that was live then; figures by hand below.
///
/// | session | customer | start (March) | views (minutes after start) | length | bounce |
/// |---|---|---|---|---|---|
/// | A | p1 | 02 10:00 | 0, 2, 7 | 420 s | no |
/// | B | p2 | 05 09:00 | 0.5 | 30 s | yes |
/// | C | p1 | 20 10:00 | 1, 4 | 240 s | no |
/// | D | p3 | 21 10:00 | none | – | – |
/// | E | p4 | Feb 15 | 3 (in February) | outside the range | |
///
/// A view of p2 on 6 March, after B expired, belongs to no session; a view of p1 after C was
/// revoked neither. Median of 30, 240, 420 = 240 s; bounce rate 1 / 3.
#[tokio::test]
async fn portal_session_length_and_bounce_rate_count_each_view_in_its_live_session() {
    use billing_core::ids::CustomerId;
    use billing_core::store::portal::{self, LinkClaims, PortalEvent};
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let c = customer(&app, &format!("s{n}@example.com"), "EUR").await;
        ids.push(c.parse::<CustomerId>().unwrap());
    }
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let sessions = [
        (0, "2026-03-02T10:00:00Z", vec![0, 120, 420]),
        (1, "2026-03-05T09:00:00Z", vec![30]),
        (0, "2026-03-20T10:00:00Z", vec![60, 240]),
        (2, "2026-03-21T10:00:00Z", vec![]),
        (3, "2026-02-15T10:00:00Z", vec![180]),
    ];
    let view = |secs: i64, when: chrono::DateTime<chrono::Utc>| PortalEvent {
        kind: "page_view",
        action: None,
        page: "overview",
        status: None,
        started_at: when + Duration::seconds(secs),
        completed_at: None,
    };
    for (k, (n, start, views)) in sessions.iter().enumerate() {
        let start = instant(start);
        let hash = vec![u8::try_from(k).unwrap() + 1; 32];
        portal::insert_session(
            &mut conn,
            t,
            ids[*n],
            &hash,
            "csrf",
            &LinkClaims::default(),
            start,
            start + Duration::hours(12),
        )
        .await
        .unwrap();
        for v in views {
            portal::record_event(&mut conn, t, Some(ids[*n]), &view(*v, start)).await.unwrap();
        }
    }
    // p2 comes back the next day without signing in again: B expired, the view is nobody's.
    portal::record_event(&mut conn, t, Some(ids[1]), &view(0, instant("2026-03-06T09:00:00Z"))).await.unwrap();
    // C is revoked at 10:10; a later view (another tab) counts for no session.
    sqlx::query("UPDATE portal_sessions SET revoked_at = $1 WHERE token_hash = $2")
        .bind(instant("2026-03-20T10:10:00Z"))
        .bind(vec![3u8; 32])
        .execute(&mut *conn)
        .await
        .unwrap();
    portal::record_event(&mut conn, t, Some(ids[0]), &view(0, instant("2026-03-20T10:20:00Z"))).await.unwrap();
    drop(conn);

    let (s, r) = app.get("/api/v1/metrics/portal?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["sessions"], 4);
    assert_eq!((r["sessions_with_views"].as_i64(), r["bounced_sessions"].as_i64()), (Some(3), Some(1)), "{r}");
    assert_eq!(r["bounce_rate"], "0.3333");
    assert_eq!(r["median_session_seconds"], 240);
    assert_eq!(r["returning"], 1, "p1 had two sessions: a return visit");
    let (_, feb) = app.get("/api/v1/metrics/portal?from=2026-02-01&to=2026-02-28").await;
    assert_eq!((feb["sessions_with_views"].as_i64(), feb["median_session_seconds"].as_i64()), (Some(1), Some(180)));
    assert_eq!(feb["bounce_rate"], "1.0000");
    let (_, april) = app.get("/api/v1/metrics/portal?from=2026-04-01&to=2026-04-30").await;
    assert!(april["bounce_rate"].is_null() && april["median_session_seconds"].is_null(), "no sessions: {april}");
    let csv = app
        .http
        .get(app.url("/api/v1/metrics/portal?from=2026-03-01&to=2026-03-31&format=csv"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("bounce_rate,,0.3333\r\n") && csv.contains("median_session_seconds,,240\r\n"), "{csv}");
    // On the dashboard, in German: 4 Min. 0 Sek. and 33,33 %.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let req = portal_web::analytics::DashboardRequest::from_query(
        Some("2026-03-01"),
        Some("2026-03-31"),
        None,
        None,
        day("2026-04-01"),
        "/c/acme/dashboard".into(),
    )
    .unwrap();
    let body = portal_web::analytics::dashboard(
        &mut conn,
        t,
        portal_web::i18n::Locale::De,
        &req,
        instant("2026-04-01T09:00:00Z"),
    )
    .await
    .unwrap();
    assert!(
        body.contains("Sitzungsdauer (Median, Beginn bis letzte Seite)") && body.contains("4 Min. 0 Sek."),
        "{body}"
    );
    assert!(body.contains("Absprungrate"), "{body}");
}

/// Two invoices whose first payment fails; one is paid later with another card.
#[tokio::test]
async fn recovery_dso_cancellation_reasons_retention_saves_and_trial_conversion() {
    use billing_core::ids::{CustomerId, SubscriptionId};
    use billing_core::store::portal;
    let app = TestApp::spawn().await;
    let mut invoices = Vec::new();
    for email in ["x@example.com", "y@example.com"] {
        let (c, inv) = app.invoiced_march_customer(email, "EUR").await;
        let (s, pm) = app
            .post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4000000000009995" }))
            .await;
        assert_eq!(s, 201, "{pm}");
        let id = inv["id"].as_str().unwrap().to_string();
        let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
        assert_eq!(r["attempt"]["status"], "failed", "{r}");
        invoices.push((c, id, inv["subscription"].as_str().unwrap_or_default().to_string()));
    }
    let (x, x_invoice, _) = &invoices[0];
    app.post(&format!("/api/v1/customers/{x}/payment_methods"), json!({ "card_number": "4242424242424242" })).await;
    let (_, r) = app.post(&format!("/api/v1/invoices/{x_invoice}/pay"), json!({})).await;
    assert_eq!(r["invoice_status"], "paid", "{r}");

    let (_, subs) = app.get("/api/v1/subscriptions").await;
    let sub_of = |customer: &str| -> SubscriptionId {
        subs["data"].as_array().unwrap().iter().find(|s| s["customer"] == customer).unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (sx, sy) = (sub_of(&invoices[0].0), sub_of(&invoices[1].0));
    let (cx, cy): (CustomerId, CustomerId) = (invoices[0].0.parse().unwrap(), invoices[1].0.parse().unwrap());
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    // x: a reason given before the offer, then the offer shown and taken: saved.
    portal::record_cancellation_reason(&mut conn, t, cx, sx, "unused", None, instant("2026-03-01T08:00:00Z"))
        .await
        .unwrap();
    portal::claim_retention_shown(&mut conn, t, sx, "coupon", instant("2026-03-02T10:00:00Z")).await.unwrap();
    portal::accept_retention(&mut conn, t, sx, instant("2026-03-02T10:01:00Z")).await.unwrap();
    // y: shown, then canceled two days later: not saved.
    portal::claim_retention_shown(&mut conn, t, sy, "coupon", instant("2026-03-03T10:00:00Z")).await.unwrap();
    portal::record_cancellation_reason(&mut conn, t, cy, sy, "too_expensive", None, instant("2026-03-05T10:00:00Z"))
        .await
        .unwrap();
    drop(conn);
    // Trials: E converts on 03-15, F is canceled during its trial.
    let e = customer(&app, "e@example.com", "EUR").await;
    subscribe(&app, json!({ "customer": e, "plan": "pro", "trial_days": 14 })).await;
    at(&app, "2026-03-02").await;
    let f = customer(&app, "f@example.com", "EUR").await;
    let fs = subscribe(&app, json!({ "customer": f, "plan": "pro", "trial_days": 14 })).await;
    at(&app, "2026-03-05").await;
    ok(&app, &format!("/api/v1/subscriptions/{fs}/cancel"), json!({ "timing": "now" })).await;
    at(&app, "2026-04-01").await;

    let (s, r) = app.get("/api/v1/metrics/revenue?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(s, 200, "{r}");
    // Both invoices (29.00 each, no VAT outside the EU) failed once; x's was paid.
    assert_eq!(
        r["recovery"],
        json!([{ "currency": "EUR", "failed_invoices": 2, "recovered_invoices": 1, "recovery_rate": "0.5000",
                 "recovered_revenue": 2900 }])
    );
    // DSO = open 2900 / invoiced 5800 × 31 days = 15.5.
    assert_eq!(
        r["dso"],
        json!([{ "currency": "EUR", "receivables": 2900, "invoiced": 5800, "days_sales_outstanding": "15.5" }])
    );
    assert_eq!(
        r["cancellation_reasons"],
        json!([{ "reason": "too_expensive", "count": 1, "share": "0.5000" },
               { "reason": "unused", "count": 1, "share": "0.5000" }])
    );
    assert_eq!(r["retention"], json!({ "shown": 2, "accepted": 1, "saved": 1, "save_rate": "0.5000" }));
    assert_eq!(r["trials"], json!({ "ended": 2, "converted": 1, "conversion_rate": "0.5000" }));
}

/// Splits a DATEV line into its fields (quotes kept, `;` inside quotes respected).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.last_mut().unwrap().push(c);
            }
            ';' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn cp1252_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| if *b == 0x80 { '€' } else { char::from(*b) }).collect()
}

#[tokio::test]
async fn the_datev_buchungsstapel_follows_the_format_field_by_field() {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let app = TestApp::spawn().await;
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "net100", "name": "Net 100", "interval": { "unit": "month", "count": 1 },
                    "prices": [{ "currency": "EUR", "amount": 10000 }, { "currency": "USD", "amount": 10000 }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let mut conn = app.db.pool.acquire().await.unwrap();
    let usd = EcbRate {
        date: day("2026-02-27"),
        currency: billing_core::currency::Currency::USD,
        per_eur: Decimal::new(10800, 4),
    };
    billing_core::store::fx::upsert(&mut conn, &[usd], instant("2026-03-01T00:00:00Z")).await.unwrap();
    drop(conn);
    let buyers = [
        json!({ "email": "de@example.com", "name": "Müller \"Bau\" GmbH", "country": "DE", "currency": "EUR" }),
        json!({ "email": "fr@example.com", "name": "Client SARL", "country": "FR", "currency": "EUR", "kind": "business", "vat_id": "FR40303265045" }),
        json!({ "email": "ch@example.com", "name": "Kunde AG", "country": "CH", "currency": "EUR", "kind": "business" }),
        json!({ "email": "at@example.com", "name": "Wiener Kunde", "country": "AT", "currency": "EUR" }),
        json!({ "email": "us@example.com", "name": "Dollar Kunde", "country": "DE", "currency": "USD" }),
    ];
    for b in buyers {
        let (s, c) = app.post("/api/v1/customers", b).await;
        assert_eq!(s, 201, "{c}");
        subscribe(&app, json!({ "customer": c["id"], "plan": "net100", "start_date": "2026-03-01" })).await;
    }
    invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-03-01")), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get("/api/v1/invoices?limit=100").await;
    let de = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["customer_details"]["name"] == "Müller \"Bau\" GmbH")
        .cloned();
    let de = de.unwrap_or_else(|| panic!("{list}"));
    assert_eq!(de["total"], 11900, "{de}");
    let (s, note) = app.post(&format!("/api/v1/invoices/{}/credit_notes", de["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, 201, "{note}");

    let (s, saved) = app
        .send(
            app.http
                .put(app.url("/api/v1/exports/datev/settings"))
                .json(&json!({ "consultant_number": 29098, "client_number": 55003 })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["revenue_accounts"]["domestic_standard"], "8400", "SKR03 defaults fill the rest");
    let resp = app
        .http
        .get(app.url("/api/v1/exports/datev?from=2026-03-01&to=2026-03-31"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=windows-1252");
    let bytes = resp.bytes().await.unwrap().to_vec();
    // Windows-1252: ü is one byte 0xFC, not UTF-8's C3 BC; lines end in CRLF.
    assert!(bytes.contains(&0xFC) && !bytes.windows(2).any(|w| w == [0xC3, 0xBC]));
    let text = cp1252_to_string(&bytes);
    assert!(text.ends_with("\r\n"));
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF");

    // Line 1: the header's 31 fields.
    let h = fields(lines[0]);
    assert_eq!(h.len(), 31, "{h:?}");
    assert_eq!(&h[..5], &["\"EXTF\"", "700", "21", "\"Buchungsstapel\"", "13"]);
    assert_eq!(h[5].len(), 17, "created YYYYMMDDHHMMSSFFF: {}", h[5]);
    assert!(h[5].chars().all(|c| c.is_ascii_digit()));
    assert_eq!(h[6], "", "imported: empty");
    assert_eq!(h[7].trim_matches('"').len(), 2, "origin: two characters");
    assert_eq!((h[10].as_str(), h[11].as_str()), ("29098", "55003"), "Berater- and Mandantennummer");
    assert_eq!(h[12], "20260101", "WJ-Beginn");
    assert_eq!(h[13], "4", "Sachkontenlänge");
    assert_eq!((h[14].as_str(), h[15].as_str()), ("20260301", "20260331"), "Datum vom / bis");
    assert_eq!(h[18], "1", "Buchungstyp Finanzbuchführung");
    assert_eq!(h[20], "0", "Festschreibung");
    assert_eq!(h[21], "\"EUR\"");

    // Line 2: the column names, in DATEV's order.
    let cols: Vec<String> = fields(lines[1]).into_iter().map(|c| c.trim_matches('"').to_string()).collect();
    assert_eq!(
        &cols[..14],
        &[
            "Umsatz (ohne Soll/Haben-Kz)",
            "Soll/Haben-Kennzeichen",
            "WKZ Umsatz",
            "Kurs",
            "Basis-Umsatz",
            "WKZ Basis-Umsatz",
            "Konto",
            "Gegenkonto (ohne BU-Schlüssel)",
            "BU-Schlüssel",
            "Belegdatum",
            "Belegfeld 1",
            "Belegfeld 2",
            "Skonto",
            "Buchungstext",
        ]
    );
    let at = |name: &str| cols.iter().position(|c| c == name).unwrap_or_else(|| panic!("column {name}"));
    assert_eq!(at("EU-Land u. USt-IdNr."), 25);
    assert_eq!(at("EU-Steuersatz"), 26);

    // One booking per document: five invoices and the credit note.
    let rows: Vec<Vec<String>> = lines[2..].iter().map(|l| fields(l)).collect();
    assert_eq!(rows.len(), 6, "{text}");
    assert!(rows.iter().all(|r| r.len() == cols.len()), "every row has every column");
    let by_text = |name: &str, sh: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[13] == format!("\"{}\"", name.replace('"', "\"\"")) && r[1] == format!("\"{sh}\""))
            .unwrap_or_else(|| panic!("{name} {sh}: {text}"))
            .clone()
    };
    // A German consumer: 100.00 + 19 % = 119,00 debit on receivables 1400 against 8400.
    let r = by_text("Müller \"Bau\" GmbH", "S");
    assert_eq!(&r[..3], &["119,00", "\"S\"", "\"EUR\""]);
    assert_eq!((r[6].as_str(), r[7].as_str(), r[8].as_str()), ("1400", "8400", "\"\""), "automatic account: no BU key");
    assert_eq!(r[9], "0103", "Belegdatum TTMM");
    let number = r[10].trim_matches('"');
    assert!(
        number.len() <= 36
            && number.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "$&%*+-/".contains(c)),
        "{number}"
    );
    assert!(number.starts_with("INV-2026-"), "{number}");
    // Its credit note: the same accounts, credit side.
    let r = by_text("Müller \"Bau\" GmbH", "H");
    assert_eq!((r[0].as_str(), r[6].as_str(), r[7].as_str()), ("119,00", "1400", "8400"));
    assert!(r[10].trim_matches('"').starts_with("CN-2026-"), "{r:?}");
    // Reverse charge in France: 8336 with the buyer's VAT id.
    let r = by_text("Client SARL", "S");
    assert_eq!((r[0].as_str(), r[7].as_str(), r[25].as_str()), ("100,00", "8336", "\"FR40303265045\""));
    // Outside the EU: 8338.
    let r = by_text("Kunde AG", "S");
    assert_eq!((r[0].as_str(), r[7].as_str()), ("100,00", "8338"));
    // An Austrian consumer under the OSS: 20 % Austrian VAT, country and rate for the OSS return.
    let r = by_text("Wiener Kunde", "S");
    assert_eq!((r[0].as_str(), r[7].as_str(), r[25].as_str(), r[26].as_str()), ("120,00", "8320", "\"AT\"", "20,00"));
    // A dollar invoice: the amount in USD, the ECB rate and the amount in EUR (119.00 / 1.08).
    let r = by_text("Dollar Kunde", "S");
    assert_eq!(&r[..6], &["119,00", "\"S\"", "\"USD\"", "1,08", "110,19", "\"EUR\""]);

    // Accounts are the tenant's to choose; a range across fiscal years is refused.
    let (s, _) = app
        .send(
            app.http.put(app.url("/api/v1/exports/datev/settings")).json(&json!({
                "consultant_number": 29098, "client_number": 55003, "revenue_accounts": { "domestic_standard": "8401" } })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200);
    let resp = app
        .http
        .get(app.url("/api/v1/exports/datev?from=2026-03-01&to=2026-03-31"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    let text = cp1252_to_string(&resp.bytes().await.unwrap());
    assert!(text.contains(";1400;8401;"), "{text}");
    let (s, e) = app.get("/api/v1/exports/datev?from=2025-12-01&to=2026-01-31").await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("to")), "{e}");
    let (s, e) = app
        .send(
            app.http
                .put(app.url("/api/v1/exports/datev/settings"))
                .json(&json!({ "consultant_number": 12, "client_number": 1 })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("consultant_number")), "{e}");
}

#[tokio::test]
async fn invoices_credit_notes_and_payments_export_as_csv() {
    let app = TestApp::spawn().await;
    let (c, inv) = app.invoiced_march_customer("=cmd@example.com", "EUR").await;
    let id = inv["id"].as_str().unwrap();
    app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4242424242424242" })).await;
    let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!(r["invoice_status"], "paid", "{r}");
    let shared = &app;
    let get = |path: &'static str| async move {
        let resp = shared.http.get(shared.url(path)).bearer_auth(&shared.tenant.api_key).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.text().await.unwrap()
    };
    let csv = get("/api/v1/exports/invoices?from=2026-03-01&to=2026-03-31").await;
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("number,kind,status,issue_date,due_date,customer_id,customer_name"));
    assert!(lines[1].contains(",paid,2026-03-01,"), "{csv}");
    assert!(lines[1].contains(",EUR,29.00,0.00,0.00,29.00,29.00,"), "{csv}");
    let csv = get("/api/v1/exports/payments?from=2026-03-01&to=2026-03-31").await;
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(",card,") && lines[1].contains(",EUR,29.00,0.00"), "{csv}");
    let csv = get("/api/v1/exports/credit_notes?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 1, "only the header: {csv}");
    let (s, e) = app.get("/api/v1/exports/invoices?from=2026-03-31&to=2026-03-01").await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("from")), "{e}");
}

/// Not a pass/fail test: measures a year of monthly and daily MRR over 100,000 subscriptions
/// inserted set-based. Run with `-- --ignored metrics::a_year_of_mrr --nocapture`; the figure
/// is in docs/metrics.md.
#[tokio::test]
#[ignore]
async fn a_year_of_mrr_for_100k_subscriptions_is_measured() {
    let app = TestApp::spawn().await;
    let t = app.tenant.id;
    let pool = &app.db.pool;
    let plan: uuid::Uuid = sqlx::query_scalar("SELECT id FROM plans WHERE tenant_id = $1 AND code = 'pro'")
        .bind(t)
        .fetch_one(pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    sqlx::query("SELECT setseed(0.42)").execute(pool).await.unwrap();
    sqlx::query(
        "INSERT INTO customers (tenant_id, id, email, name, country, currency, locale, created_at)
         SELECT $1, gen_random_uuid(), 'bench' || g || '@example.com', 'Bench ' || g, 'US',
                CASE WHEN g % 5 = 0 THEN 'USD' ELSE 'EUR' END, 'en', '2025-01-01T00:00:00Z'
           FROM generate_series(1, 100000) g",
    )
    .bind(t)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO subscriptions (tenant_id, id, customer_id, plan_id, status, currency, unit_amount, quantity, start_date,
                                    anchor_date, interval_unit, interval_count, next_period_index, next_billing_date,
                                    created_at, updated_at, next_period_start)
         SELECT c.tenant_id, gen_random_uuid(), c.id, $2, 'active', c.currency, 2900, 1, d, d, 'month', 1, 0, d, now(), now(), d
           FROM (SELECT tenant_id, id, currency, DATE '2025-01-01' + (random() * 420)::int AS d FROM customers WHERE tenant_id = $1) c",
    )
    .bind(t)
    .bind(plan)
    .execute(pool)
    .await
    .unwrap();
    // Every subscription starts at 2900; 30 % expand after 60 days, 20 % churn after 150, and
    // a quarter of those come back 60 days later.
    sqlx::query(
        "INSERT INTO subscription_mrr (tenant_id, subscription_id, customer_id, currency, effective_on, mrr, recorded_at)
         SELECT tenant_id, id, customer_id, currency, start_date + o, v, now()
           FROM (SELECT s.*, random() AS r FROM subscriptions s WHERE tenant_id = $1) s,
                LATERAL (VALUES (0, 2900, true), (60, 5800, s.r < 0.3), (150, 0, s.r >= 0.5 AND s.r < 0.7),
                                (210, 2900, s.r >= 0.5 AND s.r < 0.55)) AS e(o, v, keep)
          WHERE keep",
    )
    .bind(t)
    .execute(pool)
    .await
    .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_mrr").fetch_one(pool).await.unwrap();
    println!("seeded 100000 subscriptions, {rows} schedule rows in {:?}", started.elapsed());
    sqlx::query("ANALYZE subscription_mrr").execute(pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let range = Range::new(day("2025-03-01"), day("2026-02-28")).unwrap();
    for interval in [Interval::Month, Interval::Day] {
        let started = std::time::Instant::now();
        let r =
            billing_core::service::metrics::mrr(&mut conn, t, range, interval, None, instant("2026-03-01T09:00:00Z"))
                .await
                .unwrap();
        println!(
            "a year of MRR by {interval:?}: {:?} ({} periods, EUR MRR at the end {})",
            started.elapsed(),
            r.currencies[0].periods.len(),
            r.currencies[0].periods.last().unwrap().mrr
        );
    }
}

#[tokio::test]
async fn the_dashboard_renders_charts_and_tables_in_the_pages_language() {
    use portal_web::analytics::{DashboardRequest, dashboard};
    use portal_web::i18n::Locale;
    let app = TestApp::spawn().await;
    history(&app).await;
    let today = day("2026-05-01");
    let req = DashboardRequest::from_query(
        Some("2026-01-01"),
        Some("2026-04-30"),
        None,
        Some("eur"),
        today,
        "/c/acme/analytics".into(),
    )
    .unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    let de =
        dashboard(&mut conn, app.tenant.id, Locale::from_tag("de").unwrap(), &req, instant("2026-05-01T09:00:00Z"))
            .await;
    // Without USD rates the reporting currency cannot be computed: a clear error, no page.
    assert!(de.is_err());
    let req = DashboardRequest { reporting: None, ..req };
    let de =
        dashboard(&mut conn, app.tenant.id, Locale::from_tag("de").unwrap(), &req, instant("2026-05-01T09:00:00Z"))
            .await
            .unwrap();
    assert_eq!(de.matches("<svg ").count(), 3, "MRR, net new MRR, portal sessions");
    assert!(de.contains("role=\"img\""));
    assert!(de.contains("<title id=\"analytics-mrr-title\">Monatlich wiederkehrender Umsatz</title>"), "{de}");
    assert!(de.contains("91,20"), "February's EUR MRR in German: {de}");
    assert!(de.contains("action=\"/c/acme/analytics\""));
    assert!(de.contains("value=\"2026-01-01\""));
    let en =
        dashboard(&mut conn, app.tenant.id, Locale::from_tag("en").unwrap(), &req, instant("2026-05-01T09:00:00Z"))
            .await
            .unwrap();
    assert!(en.contains("€91.20"), "{en}");
    assert!(en.contains("Monthly recurring revenue"));
    // A bad date in the form is an error naming the field.
    let bad = DashboardRequest::from_query(Some("2026-13-01"), None, None, None, today, String::new());
    assert!(matches!(bad, Err(billing_core::Error::InvalidField { field: "from", .. })));
}

/// The demo's year of history goes through the real services: every kind of movement shows up,
/// and the portal has sessions in most months.
#[tokio::test]
async fn the_demo_history_gives_the_dashboard_real_shapes() {
    let db = billing_tests::TestDb::new().await;
    let now = instant("2026-03-01T09:00:00Z");
    portal_web::demo::seed(&db.pool, now).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let tenant =
        billing_core::store::tenants::get_by_slug(&mut conn, portal_web::demo::DEMO_SLUG).await.unwrap().unwrap();
    let created = portal_web::demo_history::seed(&mut conn, tenant.id, now).await.unwrap();
    assert!(created > 50, "{created} customers");
    let range = Range::new(day("2025-03-01"), day("2026-02-28")).unwrap();
    let r = billing_core::service::metrics::mrr(&mut conn, tenant.id, range, Interval::Month, None, now).await.unwrap();
    let eur = r.currencies.iter().find(|s| s.currency == "EUR").unwrap();
    assert_eq!(eur.periods.len(), 12);
    let sum = |f: fn(&billing_core::service::metrics::MrrPeriod) -> i64| eur.periods.iter().map(f).sum::<i64>();
    assert!(sum(|p| p.new) > 0 && sum(|p| p.expansion) > 0 && sum(|p| p.contraction) < 0, "{eur:?}");
    assert!(sum(|p| p.churn) < 0 && sum(|p| p.reactivation) > 0, "{eur:?}");
    assert!(eur.periods.last().unwrap().mrr > eur.periods[0].mrr, "a growing business");
    let portal = billing_core::service::metrics::portal(&mut conn, tenant.id, range).await.unwrap();
    assert!(portal.sessions > 50 && portal.adoption.is_some() && !portal.actions.is_empty(), "{portal:?}");
}

// ---------------------------------------------------------------------------------------------
// Customer value and portal success (analytics helper): one test per definition of
// docs/metrics.md "Customer value" and "Portal success (feedback, help, funnels, savings)",
// each against figures computed by hand in the comments.

async fn put(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let resp = app.http.put(app.url(path)).bearer_auth(&app.tenant.api_key).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn value(app: &TestApp, query: &str) -> Value {
    let (s, r) = app.get(&format!("/api/v1/metrics/customer_value?{query}")).await;
    assert_eq!(s, 200, "{r}");
    r
}

fn value_series<'a>(r: &'a Value, currency: &str) -> &'a Value {
    r["currencies"].as_array().unwrap().iter().find(|s| s["currency"] == currency).unwrap()
}

async fn success(app: &TestApp, query: &str) -> Value {
    let (s, r) = app.get(&format!("/api/v1/metrics/success?{query}")).await;
    assert_eq!(s, 200, "{r}");
    r
}

async fn csv_of(app: &TestApp, path: &str) -> String {
    let resp = app.http.get(app.url(path)).bearer_auth(&app.tenant.api_key).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    resp.text().await.unwrap()
}

#[tokio::test]
async fn customer_lifetime_value_is_arpu_over_the_logo_churn_rate() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let r = value(&app, "from=2026-01-01&to=2026-04-30").await;
    let eur = value_series(&r, "EUR");
    let p = eur["periods"].as_array().unwrap();
    // Jan: no customers at the start, no churn: no LTV (an infinite lifetime is no figure).
    assert!(p[0]["ltv"].is_null());
    // Feb: ARPU 3040 (9120 / 3); churn 1 of 3 at the start: LTV = 3040 / (1/3) = 3040 × 3 = 9120.
    assert_eq!((p[1]["arpu"].as_i64(), p[1]["logo_churn_rate"].as_str()), (Some(3040), Some("0.3333")));
    assert_eq!(p[1]["ltv"], 9120);
    // Mar: ARPU 2073 (6220 / 3); churn 1 of 3: LTV = 2073 × 3 = 6219.
    assert_eq!(p[2]["ltv"], 6219);
    // Apr: nobody churned: no LTV.
    assert!(p[3]["ltv"].is_null());
    // The range: ARPU at the end 1927 (9637 / 5); average monthly churn = Σ churned / Σ customers
    // at the months' starts = (0+1+1+0) / (0+3+3+3) = 2/9 = 0.2222; LTV = 1927 × 9 / 2 = 8671.5
    // → 8672 (half away from zero).
    let total = &eur["total"];
    assert_eq!((total["customers_start"].as_i64(), total["churned_customers"].as_i64()), (Some(9), Some(2)));
    assert_eq!(total["logo_churn_rate"], "0.2222");
    assert_eq!(total["ltv"], 8672);
    // USD: D never churned: no LTV.
    assert!(value_series(&r, "USD")["total"]["ltv"].is_null());
    let csv = csv_of(&app, "/api/v1/metrics/customer_value?from=2026-01-01&to=2026-04-30&format=csv").await;
    assert!(csv.starts_with("currency,start,end,new_customers,acquisition_spend,cac,arpu,"), "{csv}");
    assert!(csv.contains("EUR,2026-02-01,2026-02-28,1,0.00,,30.40,3,1,0.3333,91.20,,"), "{csv}");
    assert!(csv.contains("EUR,total,,"), "{csv}");
}

#[tokio::test]
async fn average_order_value_is_paid_totals_over_their_count_per_currency() {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let app = TestApp::spawn().await;
    at(&app, "2026-03-01").await;
    // X pro ×1 = 29.00, Y pro ×3 = 87.00, Z pro ×1 = 29.00 (not paid), W (USD) pro = 32.00.
    // US buyers: no VAT, so the totals are the net prices.
    let mut subs = Vec::new();
    for (email, currency, quantity) in [
        ("x@example.com", "EUR", 1),
        ("y@example.com", "EUR", 3),
        ("z@example.com", "EUR", 1),
        ("w@example.com", "USD", 1),
    ] {
        let c = customer(&app, email, currency).await;
        let s =
            subscribe(&app, json!({ "customer": c, "plan": "pro", "quantity": quantity, "start_date": "2026-03-01" }))
                .await;
        subs.push((email, c, s));
    }
    invoice_run::run(&app.db.pool, &RunOptions::new(day("2026-03-01")), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    for (email, c, s) in &subs {
        if *email == "z@example.com" {
            continue;
        }
        let (st, pm) = app
            .post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4242424242424242" }))
            .await;
        assert_eq!(st, 201, "{pm}");
        let (_, list) = app.get(&format!("/api/v1/invoices?subscription={s}")).await;
        let id = list["data"][0]["id"].as_str().unwrap().to_string();
        let (_, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
        assert_eq!(r["invoice_status"], "paid", "{r}");
    }
    let r = value(&app, "from=2026-03-01&to=2026-03-31").await;
    // EUR: (2900 + 8700) / 2 = 5800; Z's open invoice does not count.
    let eur = &value_series(&r, "EUR")["periods"][0];
    assert_eq!((eur["paid_invoices"].as_i64(), eur["paid_total"].as_i64()), (Some(2), Some(11600)));
    assert_eq!(eur["aov"], 5800);
    // USD apart: 3200 / 1.
    assert_eq!(value_series(&r, "USD")["periods"][0]["aov"], 3200);
    // No paid invoice in April: no AOV.
    let r = value(&app, "from=2026-04-01&to=2026-04-30").await;
    assert!(value_series(&r, "EUR")["periods"][0]["aov"].is_null());
}

#[tokio::test]
async fn customer_acquisition_cost_is_the_months_spend_over_its_new_customers() {
    let app = TestApp::spawn().await;
    history(&app).await;
    for (month, currency, amount) in [("2026-01", "EUR", 90_000), ("2026-02", "EUR", 40_000), ("2026-03", "USD", 5_000)]
    {
        let (s, r) = put(
            &app,
            "/api/v1/metrics/acquisition_spend",
            json!({ "month": month, "currency": currency, "amount": amount }),
        )
        .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r, json!({ "month": month, "currency": currency, "amount": amount }));
    }
    // Saving a month again replaces its amount.
    let (s, _) = put(
        &app,
        "/api/v1/metrics/acquisition_spend",
        json!({ "month": "2026-01", "currency": "EUR", "amount": 60_000 }),
    )
    .await;
    assert_eq!(s, 200);
    let (s, list) = app.get("/api/v1/metrics/acquisition_spend?from=2026-01-15&to=2026-03-31").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["data"].as_array().unwrap().len(), 3, "{list}");
    assert_eq!(list["data"][0], json!({ "month": "2026-01", "currency": "EUR", "amount": 60_000 }));
    // Bad input changes nothing and names the field.
    for (body, field) in [
        (json!({ "month": "2026-13", "currency": "EUR", "amount": 1 }), "month"),
        (json!({ "month": "2026-02", "currency": "EUR", "amount": -1 }), "amount"),
        (json!({ "month": "2026-02", "currency": "XXY", "amount": 1 }), "currency"),
    ] {
        let (s, e) = put(&app, "/api/v1/metrics/acquisition_spend", body).await;
        assert_eq!((s, e["error"]["code"].as_str()), (400, Some("invalid_request")), "{e}");
        assert_eq!(e["error"]["param"], field, "{e}");
    }
    let r = value(&app, "from=2026-01-01&to=2026-04-30").await;
    let eur = value_series(&r, "EUR");
    let p = eur["periods"].as_array().unwrap();
    // Jan: 600.00 / 3 new customers (A, B, G) = 200.00; Feb: 400.00 / 1 (C) = 400.00.
    assert_eq!((p[0]["acquisition_spend"].as_i64(), p[0]["new_customers"].as_i64()), (Some(60_000), Some(3)));
    assert_eq!(p[0]["cac"], 20_000);
    assert_eq!(p[1]["cac"], 40_000);
    // Mar: E is new but no spend was entered: no CAC (not 0).
    assert_eq!(p[2]["new_customers"], 1);
    assert!(p[2]["cac"].is_null());
    // The range: the months with spend, 1000.00 / 4 = 250.00.
    assert_eq!(eur["total"]["acquisition_spend"], 100_000);
    assert_eq!(eur["total"]["cac"], 25_000);
    // USD: 50.00 spent in March without a new customer: no CAC.
    let usd = value_series(&r, "USD");
    assert_eq!(usd["periods"][2]["acquisition_spend"], 5_000);
    assert!(usd["periods"][2]["cac"].is_null());
}

#[tokio::test]
async fn ltv_to_cac_is_the_lifetime_value_over_the_acquisition_cost() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let (s, _) = put(
        &app,
        "/api/v1/metrics/acquisition_spend",
        json!({ "month": "2026-02", "currency": "EUR", "amount": 40_000 }),
    )
    .await;
    assert_eq!(s, 200);
    let r = value(&app, "from=2026-01-01&to=2026-04-30").await;
    let eur = value_series(&r, "EUR");
    // Feb: LTV 9120 / CAC 40000 = 0.228.
    assert_eq!(eur["periods"][1]["ltv_cac"], "0.2280");
    // The range: LTV 8672 / CAC (40000 / 1 new customer in February) = 0.2168.
    assert_eq!(eur["total"]["ltv_cac"], "0.2168");
    assert!(eur["periods"][0]["ltv_cac"].is_null(), "January has no LTV and no spend");
}

/// Survey answers straight into the table: (kind, score or None for dismissed, comment, when).
async fn answers(app: &TestApp, rows: &[(&str, Option<i16>, Option<&str>, &str)]) {
    let c: billing_core::ids::CustomerId = customer(app, "survey@example.com", "EUR").await.parse().unwrap();
    for (kind, score, comment, when) in rows {
        sqlx::query(
            "INSERT INTO survey_responses (tenant_id, customer_id, kind, score, dismissed, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(app.tenant.id)
        .bind(c)
        .bind(*kind)
        .bind(*score)
        .bind(score.is_none())
        .bind(*comment)
        .bind(instant(when))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
}

fn survey<'a>(r: &'a Value, kind: &str) -> &'a Value {
    r["surveys"].as_array().unwrap().iter().find(|s| s["kind"] == kind).unwrap()
}

#[tokio::test]
async fn nps_is_promoters_less_detractors_per_month_with_the_latest_comments() {
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    answers(
        &app,
        &[
            // March: 10, 9 promoters; 8 passive; 6, 3 detractors; one dismissed.
            ("nps", Some(10), Some("Clear invoices"), "2026-03-02T10:00:00Z"),
            ("nps", Some(9), None, "2026-03-03T10:00:00Z"),
            ("nps", Some(8), None, "2026-03-04T10:00:00Z"),
            ("nps", Some(6), Some("  "), "2026-03-05T10:00:00Z"),
            ("nps", Some(3), Some("Too expensive"), "2026-03-06T10:00:00Z"),
            ("nps", None, None, "2026-03-07T10:00:00Z"),
            // April: 10, 10 promoters, 7 passive.
            ("nps", Some(10), None, "2026-04-02T10:00:00Z"),
            ("nps", Some(10), Some("Love the portal"), "2026-04-03T10:00:00Z"),
            ("nps", Some(7), None, "2026-04-04T10:00:00Z"),
            // Outside the range.
            ("nps", Some(0), Some("old"), "2026-02-20T10:00:00Z"),
        ],
    )
    .await;
    let r = success(&app, "from=2026-03-01&to=2026-04-30").await;
    let nps = survey(&r, "nps");
    // The range: 4 promoters, 2 detractors of 8 answers: (4 - 2) / 8 × 100 = 25.0.
    assert_eq!((nps["responses"].as_i64(), nps["dismissed"].as_i64()), (Some(8), Some(1)));
    assert_eq!(
        (nps["promoters"].as_i64(), nps["passives"].as_i64(), nps["detractors"].as_i64()),
        (Some(4), Some(2), Some(2))
    );
    assert_eq!(nps["score"], "25.0");
    // March: (2 - 2) / 5 = 0.0; April: (2 - 0) / 3 × 100 = 66.67 → 66.7.
    assert_eq!(
        nps["months"],
        json!([{ "start": "2026-03-01", "responses": 5, "score": "0.0" },
               { "start": "2026-04-01", "responses": 3, "score": "66.7" }])
    );
    // Mean: (10+9+8+6+3+10+10+7) / 8 = 63 / 8 = 7.875 → 7.88.
    assert_eq!(nps["average"], "7.88");
    // Newest comment first; blank comments are none.
    let comments: Vec<&str> =
        r["comments"].as_array().unwrap().iter().map(|c| c["comment"].as_str().unwrap()).collect();
    assert_eq!(comments, vec!["Love the portal", "Too expensive", "Clear invoices"]);
    let csv = csv_of(&app, "/api/v1/metrics/success?from=2026-03-01&to=2026-04-30&format=csv").await;
    assert!(csv.contains("nps_score,,25.0\r\n"), "{csv}");
    assert!(csv.contains("nps_score_month,2026-04-01,66.7\r\n"), "{csv}");
}

#[tokio::test]
async fn csat_is_the_share_of_satisfied_answers() {
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    answers(
        &app,
        &[
            ("csat", Some(5), None, "2026-03-02T10:00:00Z"),
            ("csat", Some(4), None, "2026-03-03T10:00:00Z"),
            ("csat", Some(3), None, "2026-03-04T10:00:00Z"),
            ("csat", Some(2), None, "2026-03-05T10:00:00Z"),
            ("csat", Some(4), None, "2026-04-05T10:00:00Z"),
        ],
    )
    .await;
    let r = success(&app, "from=2026-03-01&to=2026-04-30").await;
    let csat = survey(&r, "csat");
    // 4 and 5 are satisfied: March 2 of 4 = 0.5; April 1 of 1 = 1; the range 3 of 5 = 0.6.
    assert_eq!(csat["satisfied"], 3);
    assert_eq!(csat["score"], "0.6000");
    assert_eq!(csat["months"][0]["score"], "0.5000");
    assert_eq!(csat["months"][1]["score"], "1.0000");
    // Mean (5+4+3+2+4) / 5 = 3.6.
    assert_eq!(csat["average"], "3.60");
    assert!(survey(&r, "nps")["score"].is_null(), "no NPS answers: no NPS");
}

#[tokio::test]
async fn ces_is_the_mean_ease_from_one_to_seven() {
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    answers(
        &app,
        &[
            ("ces", Some(7), None, "2026-03-02T10:00:00Z"),
            ("ces", Some(6), None, "2026-03-03T10:00:00Z"),
            ("ces", Some(3), None, "2026-03-04T10:00:00Z"),
            ("ces", Some(4), None, "2026-04-05T10:00:00Z"),
        ],
    )
    .await;
    let r = success(&app, "from=2026-03-01&to=2026-04-30").await;
    let ces = survey(&r, "ces");
    // March (7+6+3) / 3 = 5.333 → 5.33; April 4; the range 20 / 4 = 5.
    assert_eq!(ces["months"][0]["score"], "5.33");
    assert_eq!(ces["months"][1]["score"], "4.00");
    assert_eq!(ces["score"], "5.00");
}

#[tokio::test]
async fn help_searches_count_the_zero_result_ones_and_their_top_queries() {
    use billing_core::store::portal;
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let c: billing_core::ids::CustomerId = customer(&app, "h@example.com", "EUR").await.parse().unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    let t = app.tenant.id;
    for (query, hits, when) in [
        ("invoice", 3, "2026-03-02T10:00:00Z"),
        ("PayPal", 0, "2026-03-03T10:00:00Z"),
        (" paypal ", 0, "2026-03-04T10:00:00Z"),
        ("iban", 0, "2026-03-05T10:00:00Z"),
        ("vat", 1, "2026-03-06T10:00:00Z"),
        ("bitcoin", 0, "2026-04-06T10:00:00Z"),
    ] {
        portal::record_search(&mut conn, t, Some(c), query, hits, "en", instant(when)).await.unwrap();
    }
    drop(conn);
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // March: 5 searches, 3 without a result: 0.6; "PayPal" and " paypal " are one query.
    assert_eq!(
        r["help"],
        json!({ "searches": 5, "zero_result_searches": 3, "zero_result_rate": "0.6000",
                "top_zero_result_queries": [{ "query": "paypal", "count": 2 }, { "query": "iban", "count": 1 }] })
    );
}

#[tokio::test]
async fn billing_questions_volume_response_times_per_100_customers_and_deflection() {
    use billing_core::service::billing_questions;
    use billing_core::store::portal;
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        let c: billing_core::ids::CustomerId =
            customer(&app, &format!("q{n}@example.com"), "EUR").await.parse().unwrap();
        ids.push(c);
    }
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let asked = instant("2026-03-02T10:00:00Z");
    let q1 =
        billing_questions::ask(&mut conn, t, ids[0], "invoice", None, "Where is my invoice?", asked).await.unwrap();
    let q2 = billing_questions::ask(&mut conn, t, ids[1], "refund", None, "Refund?", asked).await.unwrap();
    billing_questions::ask(&mut conn, t, ids[2], "other", None, "Hello?", asked).await.unwrap();
    // Answered after 1 h and 3 h; q1 closed 5 h after it was asked; the third waits.
    billing_questions::reply(&mut conn, t, q1.id, Some("Anna"), "Here.", asked + Duration::hours(1)).await.unwrap();
    billing_questions::reply(&mut conn, t, q2.id, Some("Anna"), "Done.", asked + Duration::hours(3)).await.unwrap();
    billing_questions::close(&mut conn, t, q1.id, asked + Duration::hours(5)).await.unwrap();
    // A question in April does not count for March.
    billing_questions::ask(&mut conn, t, ids[3], "tax", None, "VAT?", instant("2026-04-02T10:00:00Z")).await.unwrap();
    // Six self-service actions completed in March, one abandoned.
    for k in 0..6 {
        portal::complete_action(
            &mut conn,
            t,
            ids[k % 4],
            None,
            "pay_invoice",
            "invoice",
            asked + Duration::minutes(k as i64),
        )
        .await
        .unwrap();
    }
    let e = portal::PortalEvent {
        kind: "action",
        action: Some("change_plan"),
        page: "change",
        status: Some("abandoned"),
        started_at: asked,
        completed_at: None,
    };
    portal::record_event(&mut conn, t, Some(ids[0]), &e).await.unwrap();
    drop(conn);
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // 3 asked; 2 answered, 1 closed. Median first response of [3600, 10800] s: the lower middle
    // value, 3600; resolution [18000]. 3 questions × 100 / 4 customers = 75.00; deflection = 6
    // self-service actions / 3 questions = 2.00.
    assert_eq!(
        r["questions"],
        json!({ "asked": 3, "answered": 2, "resolved": 1, "median_first_response_seconds": 3600,
                "median_resolution_seconds": 18000, "customers": 4, "per_100_customers": "75.00",
                "self_service_actions": 6, "deflection": "2.00" })
    );
}

#[tokio::test]
async fn funnels_count_distinct_visitors_per_step_and_the_conversion_between_steps() {
    use billing_core::store::metrics::insert_funnel_step;
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let c1: billing_core::ids::CustomerId = customer(&app, "f1@example.com", "EUR").await.parse().unwrap();
    let c2: billing_core::ids::CustomerId = customer(&app, "f2@example.com", "EUR").await.parse().unwrap();
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let when = instant("2026-03-10T10:00:00Z");
    // Sign-up: v1 twice on the pricing page (one visitor), v1-v4 there; v1-v3 start checkout;
    // v1, v2 enter details; v1 pays. v9 in February does not count.
    let steps = [
        ("signup:pricing_viewed", "v1"),
        ("signup:pricing_viewed", "v1"),
        ("signup:pricing_viewed", "v2"),
        ("signup:pricing_viewed", "v3"),
        ("signup:pricing_viewed", "v4"),
        ("signup:checkout_started", "v1"),
        ("signup:checkout_started", "v2"),
        ("signup:checkout_started", "v3"),
        ("signup:details_entered", "v1"),
        ("signup:details_entered", "v2"),
        ("signup:paid", "v1"),
    ];
    for (action, visitor) in steps {
        insert_funnel_step(&mut conn, t, None, action, "/pricing", visitor, when).await.unwrap();
    }
    insert_funnel_step(&mut conn, t, None, "signup:pricing_viewed", "/pricing", "v9", instant("2026-02-10T10:00:00Z"))
        .await
        .unwrap();
    // Plan change (visitor = the customer): both view, c1 previews and confirms.
    for (c, action) in [
        (c1, "plan_change:viewed"),
        (c2, "plan_change:viewed"),
        (c1, "plan_change:previewed"),
        (c1, "plan_change:confirmed"),
    ] {
        insert_funnel_step(&mut conn, t, Some(c), action, "/change", &c.to_string(), when).await.unwrap();
    }
    drop(conn);
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // 4 → 3 → 2 → 1: 3/4, 2/3, 1/2 from the step before; 1, 3/4, 2/4, 1/4 from the first.
    assert_eq!(
        r["funnels"][0],
        json!({ "funnel": "signup", "steps": [
            { "step": "pricing_viewed", "visitors": 4, "conversion": null, "overall": "1.0000" },
            { "step": "checkout_started", "visitors": 3, "conversion": "0.7500", "overall": "0.7500" },
            { "step": "details_entered", "visitors": 2, "conversion": "0.6667", "overall": "0.5000" },
            { "step": "paid", "visitors": 1, "conversion": "0.5000", "overall": "0.2500" } ] })
    );
    // 2 → 1 → 1.
    assert_eq!(
        r["funnels"][1],
        json!({ "funnel": "plan_change", "steps": [
            { "step": "viewed", "visitors": 2, "conversion": null, "overall": "1.0000" },
            { "step": "previewed", "visitors": 1, "conversion": "0.5000", "overall": "0.5000" },
            { "step": "confirmed", "visitors": 1, "conversion": "1.0000", "overall": "0.5000" } ] })
    );
}

#[tokio::test]
async fn time_and_cost_saved_are_actions_times_the_merchants_figures_and_postage_for_paperless_invoices() {
    use billing_core::store::portal;
    let app = TestApp::spawn().await;
    // Defaults until saved: 5 minutes, no costs, EUR.
    let (s, d) = app.get("/api/v1/metrics/settings").await;
    assert_eq!(s, 200);
    assert_eq!(d, json!({ "currency": "EUR", "staff_minutes_per_action": 5, "cost_per_action": 0, "postage_cost": 0 }));
    let (s, e) = put(
        &app,
        "/api/v1/metrics/settings",
        json!({ "currency": "EUR", "staff_minutes_per_action": 2000, "cost_per_action": 250, "postage_cost": 95 }),
    )
    .await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("staff_minutes_per_action")), "{e}");
    let settings =
        json!({ "currency": "EUR", "staff_minutes_per_action": 6, "cost_per_action": 250, "postage_cost": 95 });
    let (s, saved) = put(&app, "/api/v1/metrics/settings", settings.clone()).await;
    assert_eq!((s, &saved), (200, &settings));
    // Two invoices issued in March (the March run of two customers).
    let (x, _) = app.invoiced_march_customer("x@example.com", "EUR").await;
    app.invoiced_march_customer("y@example.com", "EUR").await;
    let x: billing_core::ids::CustomerId = x.parse().unwrap();
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    // Four completed self-service actions in March.
    for k in 0..4 {
        portal::complete_action(
            &mut conn,
            t,
            x,
            None,
            "billing_details",
            "billing_details",
            instant("2026-03-05T10:00:00Z") + Duration::minutes(k),
        )
        .await
        .unwrap();
    }
    drop(conn);
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // 4 × 6 min = 24 min; 4 × 2.50 = 10.00; 2 invoices, all paperless (no letters are sent):
    // 2 × 0.95 = 1.90; together 11.90.
    assert_eq!(
        r["savings"],
        json!({ "self_service_actions": 4, "staff_minutes_per_action": 6, "minutes_saved": 24, "currency": "EUR",
                "cost_per_action": 250, "cost_saved": 1000, "invoices": 2, "paperless_invoices": 2,
                "paperless_share": "1.0000", "postage_cost": 95, "postage_saved": 190, "total_saved": 1190 })
    );
}

#[tokio::test]
async fn the_share_of_changes_made_by_customers_against_staff() {
    use billing_core::store::portal;
    let app = TestApp::spawn().await;
    at(&app, "2026-02-01").await;
    let c: billing_core::ids::CustomerId = customer(&app, "s@example.com", "EUR").await.parse().unwrap();
    let t = app.tenant.id;
    let mut conn = app.db.pool.acquire().await.unwrap();
    for k in 0..3 {
        portal::complete_action(
            &mut conn,
            t,
            c,
            None,
            "change_plan",
            "change",
            instant("2026-03-05T10:00:00Z") + Duration::minutes(k),
        )
        .await
        .unwrap();
    }
    // Staff: one credit note done; a refund refused and a staff invitation do not count.
    for (action, outcome) in
        [("customer.credit_note", "done"), ("customer.refund", "refused"), ("staff.create", "done")]
    {
        sqlx::query(
            "INSERT INTO staff_audit_log (tenant_id, actor, action, outcome, customer_id, at)
             VALUES ($1, 'staff:anna@example.com', $2, $3, $4, $5)",
        )
        .bind(t)
        .bind(action)
        .bind(outcome)
        .bind(c)
        .bind(instant("2026-03-06T10:00:00Z"))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    drop(conn);
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // 3 by customers, 1 by staff: 3 / 4 = 0.75.
    assert_eq!(r["changes"], json!({ "by_customers": 3, "by_staff": 1, "customer_share": "0.7500" }));
}

#[tokio::test]
async fn staff_two_factor_adoption_is_staff_with_totp_over_active_staff() {
    let app = TestApp::spawn().await;
    let t = app.tenant.id;
    // Active with TOTP, active without, disabled with TOTP, invited (no password yet).
    for (email, password, totp, disabled) in [
        ("a@example.com", true, true, false),
        ("b@example.com", true, false, false),
        ("c@example.com", true, true, true),
        ("d@example.com", false, false, false),
    ] {
        sqlx::query(
            "INSERT INTO staff_users (tenant_id, id, email, role, password_hash, totp_enabled, disabled_at, created_at, updated_at)
             VALUES ($1, $2, $3, 'finance', $4, $5, $6, now(), now())",
        )
        .bind(t)
        .bind(uuid::Uuid::now_v7())
        .bind(email)
        .bind(password.then_some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"))
        .bind(totp)
        .bind(disabled.then(chrono::Utc::now))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let r = success(&app, "from=2026-03-01&to=2026-03-31").await;
    // 2 active (a, b), 1 of them with TOTP: 0.5.
    assert_eq!(
        r["staff_security"],
        json!({ "active_staff": 2, "with_two_factor": 1, "two_factor_adoption": "0.5000" })
    );
}

#[tokio::test]
async fn the_dashboard_shows_customer_value_feedback_funnels_and_savings_in_the_pages_language() {
    use portal_web::analytics::{DashboardRequest, dashboard};
    use portal_web::i18n::Locale;
    let app = TestApp::spawn().await;
    history(&app).await;
    put(&app, "/api/v1/metrics/acquisition_spend", json!({ "month": "2026-02", "currency": "EUR", "amount": 40_000 }))
        .await;
    answers(
        &app,
        &[
            ("nps", Some(10), Some("Sehr gut & schnell"), "2026-03-02T10:00:00Z"),
            ("nps", Some(3), None, "2026-04-02T10:00:00Z"),
        ],
    )
    .await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let visitor = "v1";
    billing_core::store::metrics::insert_funnel_step(
        &mut conn,
        app.tenant.id,
        None,
        "signup:pricing_viewed",
        "/pricing",
        visitor,
        instant("2026-03-02T10:00:00Z"),
    )
    .await
    .unwrap();
    let req = DashboardRequest::from_query(
        Some("2026-01-01"),
        Some("2026-04-30"),
        None,
        None,
        day("2026-05-01"),
        "/c/acme/dashboard".into(),
    )
    .unwrap();
    let de =
        dashboard(&mut conn, app.tenant.id, Locale::from_tag("de").unwrap(), &req, instant("2026-05-01T09:00:00Z"))
            .await
            .unwrap();
    // MRR, net new, portal sessions, NPS, sign-up funnel (the plan-change funnel has no visitor).
    assert_eq!(de.matches("<svg ").count(), 5, "{de}");
    assert!(de.contains("<title id=\"analytics-nps-title\">Net Promoter Score pro Monat</title>"), "{de}");
    assert!(de.contains("Kundenakquisitionskosten"));
    // February's CAC 400,00 € and LTV 91,20 € in German.
    assert!(de.contains("400,00"), "{de}");
    assert!(de.contains("Sehr gut &#38; schnell"), "the comment, escaped: {de}");
    assert!(de.contains("Registrierungstrichter") && de.contains("Zwei-Faktor-Nutzung der Mitarbeiter"));
    let en =
        dashboard(&mut conn, app.tenant.id, Locale::from_tag("en").unwrap(), &req, instant("2026-05-01T09:00:00Z"))
            .await
            .unwrap();
    assert!(
        en.contains("€400.00") && en.contains("Customer acquisition cost") && en.contains("Sign-up funnel"),
        "{en}"
    );
}

/// How long a year of the new figures takes for the demo tenant (printed, not asserted).
#[tokio::test]
#[ignore = "a measurement: cargo test --test it -- --ignored metrics::a_year_of_customer_value --nocapture"]
async fn a_year_of_customer_value_and_portal_success_for_the_demo_is_measured() {
    let db = billing_tests::TestDb::new().await;
    let now = instant("2026-03-01T09:00:00Z");
    portal_web::demo::seed(&db.pool, now).await.unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let tenant =
        billing_core::store::tenants::get_by_slug(&mut conn, portal_web::demo::DEMO_SLUG).await.unwrap().unwrap();
    portal_web::demo_history::seed(&mut conn, tenant.id, now).await.unwrap();
    let range = Range::new(day("2025-03-01"), day("2026-02-28")).unwrap();
    // Warm the MRR backfill once so both timings are of the reports alone.
    billing_core::service::metrics::mrr(&mut conn, tenant.id, range, Interval::Month, None, now).await.unwrap();
    let started = std::time::Instant::now();
    let v = billing_core::service::metrics::customer_value(&mut conn, tenant.id, range, now).await.unwrap();
    println!("a year of customer value: {:?} ({} currencies)", started.elapsed(), v.currencies.len());
    let started = std::time::Instant::now();
    let s = billing_core::service::metrics::success(&mut conn, tenant.id, range).await.unwrap();
    println!(
        "a year of portal success: {:?} ({} survey answers, {} questions)",
        started.elapsed(),
        s.surveys.iter().map(|k| k.responses).sum::<i64>(),
        s.questions.asked
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM portal_events").fetch_one(&mut *conn).await.unwrap();
    println!("portal_events rows: {rows}");
}
