//! Issue 15's changes to hot paths, as a client sees them: usage requests sent at the same time
//! share a commit (group commit) yet each is accepted or refused on its own, all or nothing, and
//! a customer's invoice list uses the filter it is given, and an event can never slip into a
//! period while it is being invoiced although ingestion takes no exclusive lock.

use billing_tests::TestApp;
use serde_json::{Value, json};

/// The metered plan `calls`: 0.10 EUR a call, summed per month.
async fn calls_plan(app: &TestApp) {
    let (s, p) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "calls", "name": "Calls", "interval": { "unit": "month", "count": 1 },
                    "usage": { "metric": "calls", "aggregation": "sum" },
                    "prices": [{ "currency": "EUR", "pricing": { "model": { "type": "per_unit",
                        "unit_price": { "amount": "0.10", "currency": "EUR" } }, "minimum_charge": null } }] }),
        )
        .await;
    assert_eq!(s, 201, "{p}");
}

async fn metered_subscription(app: &TestApp, email: &str) -> String {
    let (s, c) = app
        .post("/api/v1/customers", json!({ "email": email, "name": "Meter", "country": "US", "currency": "EUR" }))
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "calls", "start_date": "2026-02-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

fn ev(sub: &str, id: &str, value: &str) -> Value {
    json!({ "subscription": sub, "event_id": id, "timestamp": "2026-02-20T10:00:00Z", "value": value })
}

#[tokio::test]
async fn usage_requests_sent_at_once_share_commits_and_each_is_answered_on_its_own() {
    let app = TestApp::spawn().await;
    calls_plan(&app).await;
    let a = metered_subscription(&app, "a@example.com").await;
    let b = metered_subscription(&app, "b@example.com").await;
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "f@example.com", "name": "Flat", "country": "US", "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, flat) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-02-01" }))
        .await;
    assert_eq!(s, 201, "{flat}");
    let flat = flat["id"].as_str().unwrap().to_string();

    // 60 requests at once: 40 good single events over two subscriptions, 2 sending the same
    // event id, 8 for a flat subscription (refused), 6 good batches, 4 batches with one refused
    // event each (refused whole).
    let mut requests: Vec<(&str, Value, u16)> = Vec::new();
    for i in 0..40 {
        let sub = if i % 2 == 0 { &a } else { &b };
        requests.push(("/api/v1/usage_events", ev(sub, &format!("s{i}"), "1"), 201));
    }
    requests.push(("/api/v1/usage_events", ev(&a, "twice", "5"), 201));
    requests.push(("/api/v1/usage_events", ev(&a, "twice", "5"), 201));
    for i in 0..8 {
        requests.push(("/api/v1/usage_events", ev(&flat, &format!("f{i}"), "1"), 422));
    }
    for i in 0..6 {
        let events = json!({ "events": [ev(&a, &format!("ok{i}a"), "2"), ev(&b, &format!("ok{i}b"), "3")] });
        requests.push(("/api/v1/usage_events/batch", events, 201));
    }
    for i in 0..4 {
        let events = json!({ "events": [ev(&a, &format!("bad{i}a"), "2"), ev(&flat, &format!("bad{i}f"), "3")] });
        requests.push(("/api/v1/usage_events/batch", events, 422));
    }
    // Each on a task of its own, started together.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (path, body, _)) in requests.iter().enumerate() {
        let (http, url, key, body) = (app.http.clone(), app.url(path), app.tenant.api_key.clone(), body.clone());
        tasks.spawn(async move {
            let resp = http.post(url).bearer_auth(key).json(&body).send().await.expect("request");
            let status = resp.status().as_u16();
            (i, status, resp.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut answers = vec![(0, Value::Null); requests.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, status, body) = done.unwrap();
        answers[i] = (status, body);
    }
    let mut created_twice = 0;
    for ((path, body, expected), (status, answer)) in requests.iter().zip(&answers) {
        assert_eq!(status, expected, "{path} {body}: {answer}");
        if *expected == 422 {
            assert_eq!(answer["error"]["code"], "subscription_not_metered", "{answer}");
        } else {
            assert_eq!(answer["object"], "usage_batch");
            if body["event_id"] == "twice" {
                created_twice += usize::from(answer["events"][0]["created"] == true);
            } else {
                assert!(answer["events"].as_array().unwrap().iter().all(|e| e["created"] == true), "{answer}");
            }
        }
    }
    assert_eq!(created_twice, 1, "the same event id sent twice is stored once");
    // 40 singles, "twice" once, 6 batches of 2; nothing of a refused request.
    assert_eq!(app.count("usage_events").await, 40 + 1 + 12);
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM usage_events WHERE starts_with(event_id, 'bad') OR starts_with(event_id, 'f')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(refused, 0, "a refused request stores none of its events");
    // Fewer transactions than the 47 accepted requests: they shared commits.
    let transactions: i64 = sqlx::query_scalar("SELECT count(DISTINCT xmin::text) FROM usage_events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(transactions < 47, "{transactions} transactions for 47 requests");

    // The quantities the period bills: every accepted event once.
    app.clock.set(billing_tests::instant("2026-02-21T09:00:00Z"));
    let (_, usage) = app.get(&format!("/api/v1/subscriptions/{a}/usage")).await;
    assert_eq!(usage["quantity"], (20 + 5 + 6 * 2).to_string(), "{usage}");
    let (_, usage) = app.get(&format!("/api/v1/subscriptions/{b}/usage")).await;
    assert_eq!(usage["quantity"], (20 + 6 * 3).to_string(), "{usage}");

    // Under an Idempotency-Key a single event keeps its stored answer (its own transaction).
    let send = |key: &str| {
        app.http.post(app.url("/api/v1/usage_events")).header("idempotency-key", key).json(&ev(&a, "keyed", "7"))
    };
    let (s, first) = app.send(send("k-1"), &app.tenant.api_key).await;
    assert_eq!((s, first["events"][0]["created"].as_bool()), (201, Some(true)), "{first}");
    let (s, again) = app.send(send("k-1"), &app.tenant.api_key).await;
    assert_eq!((s, again), (201, first), "the replay is the first answer");
}

#[tokio::test]
async fn a_customers_invoice_list_holds_only_their_invoices_with_any_filter_combination() {
    let app = TestApp::spawn().await;
    let (mine, invoice) = app.invoiced_march_customer("mine@example.com", "EUR").await;
    let (theirs, _) = app.invoiced_march_customer("theirs@example.com", "EUR").await;
    // More than five times each: PostgreSQL's generic plan of a prepared statement is in use.
    for _ in 0..7 {
        let (s, list) = app.get(&format!("/api/v1/invoices?customer={mine}")).await;
        assert_eq!(s, 200, "{list}");
        let ids: Vec<&str> = list["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![invoice["id"].as_str().unwrap()]);
        let (_, open) = app.get(&format!("/api/v1/invoices?customer={theirs}&status=open")).await;
        assert_eq!(open["data"].as_array().unwrap().len(), 1, "{open}");
        assert_eq!(open["data"][0]["customer"], theirs.as_str(), "{open}");
        let (_, paid) = app.get(&format!("/api/v1/invoices?customer={mine}&status=paid")).await;
        assert_eq!(paid["data"], json!([]), "{paid}");
        let (_, all) = app.get("/api/v1/invoices?limit=1").await;
        assert_eq!((all["data"].as_array().unwrap().len(), all["has_more"].as_bool()), (1, Some(true)), "{all}");
        let next = all["next_cursor"].as_str().unwrap();
        let (_, rest) = app.get(&format!("/api/v1/invoices?limit=5&starting_after={next}")).await;
        assert_eq!(rest["data"].as_array().unwrap().len(), 1, "{rest}");
    }
}

#[tokio::test]
async fn an_event_for_a_period_being_invoiced_waits_and_is_refused_once_the_period_closed() {
    let app = TestApp::spawn().await;
    calls_plan(&app).await;
    let a = metered_subscription(&app, "a@example.com").await;
    let b = metered_subscription(&app, "b@example.com").await;
    let a_uuid = a.parse::<billing_core::ids::SubscriptionId>().unwrap().as_uuid();

    // As the invoice run does: subscription a locked while its February is invoiced.
    let mut run = app.db.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE").bind(a_uuid).execute(&mut *run).await.unwrap();

    // Ingestion of another subscription does not wait for a's lock.
    let (s, both) =
        app.post("/api/v1/usage_events/batch", json!({ "events": [ev(&b, "b1", "1"), ev(&b, "b2", "1")] })).await;
    assert_eq!(s, 201, "{both}");

    let (http, url, key) = (app.http.clone(), app.url("/api/v1/usage_events"), app.tenant.api_key.clone());
    let late = ev(&a, "late", "4");
    let sent = tokio::spawn(async move {
        let resp = http.post(url).bearer_auth(key).json(&late).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!sent.is_finished(), "the event must wait for the period's invoicing to finish");

    // The run closes February and commits: the waiting event's period is invoiced now.
    sqlx::query(
        "UPDATE subscriptions SET next_period_index = 1, next_period_start = '2026-03-01', next_billing_date = '2026-04-01'
         WHERE id = $1",
    )
    .bind(a_uuid)
    .execute(&mut *run)
    .await
    .unwrap();
    run.commit().await.unwrap();
    let (status, answer) = sent.await.unwrap();
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("usage_period_closed")), "{answer}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM usage_events WHERE event_id = 'late'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "an event of an invoiced period is never stored");
}

#[tokio::test]
async fn portal_page_views_are_recorded_once_each_without_a_write_in_the_page() {
    let app = TestApp::spawn().await;
    let c = crate::portal::customer(&app, "kunde@example.com", "US").await;
    crate::portal::subscribe(&app, &c, "pro").await;
    let mut b = crate::portal::Browser::new(&app);
    b.sign_in("acme", "kunde@example.com").await;
    for _ in 0..3 {
        let page = b.get("/p/acme").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Welcome, Kunde Eins."), "{}", page.body);
    }
    // The batching writer stores them a moment later: each view once, with its customer.
    let customer = c.parse::<billing_core::ids::CustomerId>().unwrap().as_uuid();
    let started = std::time::Instant::now();
    loop {
        let views: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM portal_events WHERE kind = 'page_view' AND page = 'overview' AND customer_id = $1",
        )
        .bind(customer)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if views == 3 {
            break;
        }
        assert!(views < 3 && started.elapsed().as_secs() < 10, "{views} overview page views recorded for 3 views");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The planner's row estimate of `portal_events` (its statistics), as a whole number.
async fn estimated_portal_events(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT reltuples::bigint FROM pg_class WHERE oid = 'portal_events'::regclass")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits until `n` page views are stored.
async fn page_views_stored(pool: &sqlx::PgPool, n: i64) {
    let started = std::time::Instant::now();
    loop {
        let views: i64 = sqlx::query_scalar("SELECT count(*) FROM portal_events WHERE kind = 'page_view'")
            .fetch_one(pool)
            .await
            .unwrap();
        if views == n {
            return;
        }
        assert!(views < n && started.elapsed().as_secs() < 10, "{views} page views stored, {n} sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Page views grow `portal_events`, which the overview page reads (a customer's first visit, the
/// newest completed action). Plans made while it was nearly empty read the whole table, so the
/// page got slower with every view (3.4 ms for the survey facts after 20,000 views). The writer
/// refreshes the table's statistics once it has written a few hundred rows and then each time it
/// has doubled the table, not on every batch.
#[tokio::test]
async fn page_views_refresh_the_planners_statistics_each_time_they_double_the_table() {
    use billing_core::store::planner::Growth;
    use billing_core::store::portal::PageView;
    let db = billing_tests::TestDb::new().await;
    let now = billing_tests::instant("2026-03-01T00:00:00Z");
    let t = billing_tests::create_tenant(&db.pool, "acme", now).await;
    // Autovacuum stays out of it: the refreshes measured are the writer's own.
    sqlx::query("ALTER TABLE portal_events SET (autovacuum_enabled = false)").execute(&db.pool).await.unwrap();
    sqlx::query("ANALYZE portal_events").execute(&db.pool).await.unwrap();
    assert_eq!(estimated_portal_events(&db.pool).await, 0, "analyzed while empty");

    let writer = portal_web::page_view_writer::PageViewWriter::default();
    let view = |i: i64| PageView { tenant: t.id, customer: None, page: format!("page-{}", i % 7), at: now };
    let below = Growth::MIN_ROWS - 100;
    for i in 0..below {
        writer.send(&db.pool, view(i));
    }
    page_views_stored(&db.pool, below).await;
    assert_eq!(estimated_portal_events(&db.pool).await, 0, "{below} rows are not worth an ANALYZE");

    for i in below..Growth::MIN_ROWS + 100 {
        writer.send(&db.pool, view(i));
    }
    page_views_stored(&db.pool, Growth::MIN_ROWS + 100).await;
    let started = std::time::Instant::now();
    while estimated_portal_events(&db.pool).await == 0 {
        assert!(started.elapsed().as_secs() < 10, "the statistics were not refreshed after {} views", Growth::MIN_ROWS);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let estimate = estimated_portal_events(&db.pool).await;
    assert!(
        (Growth::MIN_ROWS..=Growth::MIN_ROWS + 100).contains(&estimate),
        "refreshed once the minimum was written, with the rows then stored: {estimate}"
    );

    // Fewer rows than the estimate again: no refresh; the estimate stays where it was.
    for i in 0..estimate / 2 {
        writer.send(&db.pool, view(i));
    }
    page_views_stored(&db.pool, Growth::MIN_ROWS + 100 + estimate / 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(estimated_portal_events(&db.pool).await, estimate, "the table has not doubled since: no refresh");
}

/// A single window's usage is read by a statement of its own (bound as scalars, so that
/// PostgreSQL keeps one plan instead of planning on every page view); an invoice run's many
/// windows by the array statement. Both give the same quantities, for every aggregation.
#[tokio::test]
async fn one_usage_window_and_many_aggregate_alike_for_every_aggregation() {
    use billing_core::store::usage::{Window, aggregate};
    use billing_core::usage::Aggregation;
    let app = TestApp::spawn().await;
    calls_plan(&app).await;
    let sub = metered_subscription(&app, "agg@example.com").await;
    let at = |id: &str, value: &str, property: Option<&str>, timestamp: &str| json!({ "subscription": sub, "event_id": id, "timestamp": timestamp, "value": value, "property": property });
    let (s, r) = app
        .post(
            "/api/v1/usage_events/batch",
            json!({ "events": [
                at("e1", "5", Some("u1"), "2026-02-10T10:00:00Z"),
                at("e2", "3", Some("u2"), "2026-02-20T10:00:00Z"),
                at("e3", "7", Some("u1"), "2026-02-20T10:00:00Z"),
                at("e4", "2", None, "2026-02-05T10:00:00Z"),
            ] }),
        )
        .await;
    assert_eq!(s, 201, "{r}");

    let id = sub.parse::<billing_core::ids::SubscriptionId>().unwrap();
    let t = |s: &str| billing_tests::instant(s);
    let month = (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
    let first_half = (t("2026-02-01T00:00:00Z"), t("2026-02-15T00:00:00Z"));
    let all = [Aggregation::Sum, Aggregation::Count, Aggregation::Max, Aggregation::UniqueCount, Aggregation::Last];
    // (key, window, aggregation, quantity by hand): e3 and e2 share a time stamp, the greater id
    // is the latest; e4 has no property and is not a unique value.
    type Span = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>);
    let expected: Vec<(i32, Span, Aggregation, &str)> = all
        .iter()
        .zip(["17", "4", "7", "2", "7"])
        .map(|(a, q)| (month, *a, q))
        .chain(all.iter().zip(["7", "2", "5", "1", "5"]).map(|(a, q)| (first_half, *a, q)))
        .enumerate()
        .map(|(k, (w, a, q))| (k as i32, w, a, q))
        .collect();
    let window = |&(key, (from, to), aggregation, _): &(i32, _, Aggregation, &str)| Window {
        subscription: id,
        key,
        from,
        to,
        aggregation,
    };
    let mut conn = app.db.pool.acquire().await.unwrap();
    let together = aggregate(&mut conn, app.tenant.id, &expected.iter().map(window).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(together.len(), expected.len());
    for e in &expected {
        let alone = aggregate(&mut conn, app.tenant.id, &[window(e)]).await.unwrap();
        let want: rust_decimal::Decimal = e.3.parse().unwrap();
        assert_eq!(alone.len(), 1);
        assert_eq!((alone[0].1, alone[0].2), (e.0, want), "window {} ({:?}) alone", e.0, e.2);
        let with_others = together.iter().find(|r| r.1 == e.0).expect("every window answered");
        assert_eq!(with_others.2, want, "window {} ({:?}) among the others", e.0, e.2);
    }
}
