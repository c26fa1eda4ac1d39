//! Rate limits per API key and per merchant across two `billing serve` processes on one database
//! (issue 16, docs/adr/0033): a key's requests spread over both servers are refused on both once
//! the key used up its limit, while the merchant's other keys go on; the merchant's limit stops
//! all its keys on both servers, and another merchant is not affected. Each process counts in
//! batches, so a window may admit up to `limit + processes × batch(limit)` requests (the
//! documented error bound); no assertion here is about time beyond that.

use std::time::Duration;

use billing_tests::{TestDb, create_tenant};
use chrono::Timelike;
use serde_json::{Value, json};

use super::scheduler::serve;

const PER_KEY: usize = 40;
const PER_TENANT: usize = 100;
/// Two processes, each counting up to `batch(limit)` (a twentieth of the limit) unshared.
const KEY_BOUND: usize = 2 * (PER_KEY / 20);
const TENANT_BOUND: usize = 2 * (PER_TENANT / 20);

struct Server {
    child: std::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn start(db: &TestDb, http: &reqwest::Client) -> Server {
    let per_key = PER_KEY.to_string();
    let per_tenant = PER_TENANT.to_string();
    let (child, base) = serve(
        db,
        &[
            ("BILLING__API__RATE_LIMIT_PER_KEY", per_key.as_str()),
            ("BILLING__API__RATE_LIMIT_PER_TENANT", per_tenant.as_str()),
            ("BILLING__API__RATE_LIMIT_INGEST_PER_KEY", "1000"),
        ],
    );
    let server = Server { child, base };
    for _ in 0..120 {
        if let Ok(resp) = http.get(format!("{}/readyz", server.base)).send().await
            && resp.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("billing serve did not start at {}", server.base);
}

/// One answer: status, error code, `Retry-After`, `RateLimit-Remaining`.
struct Answer {
    status: u16,
    code: Option<String>,
    retry_after: Option<u64>,
    remaining: Option<u64>,
    limit: Option<u64>,
}

async fn list_customers(http: &reqwest::Client, base: &str, key: &str) -> Answer {
    let resp = http.get(format!("{base}/api/v1/customers?limit=1")).bearer_auth(key).send().await.unwrap();
    answer(resp).await
}

async fn answer(resp: reqwest::Response) -> Answer {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let (retry_after, remaining, limit) =
        (header("retry-after"), header("ratelimit-remaining"), header("ratelimit-limit"));
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    Answer { status, code: body["error"]["code"].as_str().map(str::to_owned), retry_after, remaining, limit }
}

fn assert_refused(a: &Answer, what: &str) {
    assert_eq!((a.status, a.code.as_deref()), (429, Some("rate_limited")), "{what}");
    let wait = a.retry_after.unwrap_or_else(|| panic!("{what}: Retry-After"));
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait} is within the one-minute window");
    assert_eq!(a.remaining, Some(0), "{what}: RateLimit-Remaining");
}

/// The windows are whole minutes: start a phase early in one, so that it does not straddle two.
async fn early_in_a_minute() {
    let second = chrono::Utc::now().second();
    if second > 30 {
        tokio::time::sleep(Duration::from_millis(u64::from(61 - second) * 1000)).await;
    }
}

#[tokio::test]
async fn a_key_and_a_merchant_over_their_limits_are_refused_on_both_servers_and_others_go_on() {
    let db = TestDb::new().await;
    let now = chrono::Utc::now();
    let tenant = create_tenant(&db.pool, "limited", now).await;
    let other = create_tenant(&db.pool, "unlimited", now).await;
    let mut keys = Vec::new();
    for name in ["second", "third"] {
        let mut conn = db.pool.acquire().await.unwrap();
        keys.push(
            billing_core::service::tenants::create_api_key(&mut conn, tenant.id, name, now).await.unwrap().secret,
        );
    }
    let (second_key, third_key) = (&keys[0], &keys[1]);
    let http = reqwest::Client::new();
    let a = start(&db, &http).await;
    let b = start(&db, &http).await;
    let bases = [a.base.as_str(), b.base.as_str()];
    early_in_a_minute().await;

    // The first key, spread over both servers.
    let mut answers = Vec::new();
    for n in 0..PER_KEY + KEY_BOUND + 8 {
        answers.push(list_customers(&http, bases[n % 2], &tenant.api_key).await);
    }
    let first = &answers[0];
    assert_eq!(first.status, 200);
    assert_eq!((first.limit, first.remaining), (Some(PER_KEY as u64), Some(PER_KEY as u64 - 1)), "RateLimit-* headers");
    let admitted = answers.iter().filter(|a| a.status == 200).count();
    assert!(
        (PER_KEY..=PER_KEY + KEY_BOUND).contains(&admitted),
        "{admitted} requests admitted for a limit of {PER_KEY} (error bound {KEY_BOUND})"
    );
    for (n, a) in answers.iter().enumerate().filter(|(_, a)| a.status != 200) {
        assert_refused(a, &format!("request {n} of the first key"));
    }
    for (n, a) in answers.iter().enumerate().rev().take(4) {
        assert_refused(a, &format!("request {n} of the first key, on server {}", n % 2));
    }
    let mut tenant_admitted = admitted;

    // Usage ingestion has a limit of its own: the key over its limit still reaches it.
    let usage = json!({"subscription": "sub_0", "event_id": "e1", "timestamp": "2026-03-01T10:00:00Z", "value": "1"});
    for base in bases {
        let resp =
            http.post(format!("{base}/api/v1/usage_events")).bearer_auth(&tenant.api_key).json(&usage).send().await;
        let a = answer(resp.unwrap()).await;
        assert_ne!(a.status, 429, "usage ingestion counts against its own limit");
    }

    // The merchant's other keys go on, until together they use up the merchant's limit.
    let mut answers = Vec::new();
    for n in 0..(PER_TENANT - admitted) + TENANT_BOUND + 8 {
        let key = if n % 4 < 2 { second_key } else { third_key };
        answers.push(list_customers(&http, bases[n % 2], key).await);
    }
    assert!(answers.iter().take(4).all(|a| a.status == 200), "another key of the merchant is not limited");
    tenant_admitted += answers.iter().filter(|a| a.status == 200).count();
    assert!(
        (PER_TENANT..=PER_TENANT + TENANT_BOUND + KEY_BOUND).contains(&tenant_admitted),
        "{tenant_admitted} requests admitted for a merchant limit of {PER_TENANT}"
    );
    for (n, a) in answers.iter().enumerate().rev().take(4) {
        assert_refused(a, &format!("request {n} of the merchant's other keys"));
    }

    // Another merchant is not affected, on either server.
    for base in bases {
        let a = list_customers(&http, base, &other.api_key).await;
        assert_eq!(a.status, 200, "another merchant");
    }
    // The shared counters are rows per window, not per request.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM api_rate_windows").fetch_one(&db.pool).await.unwrap();
    assert!(rows <= 10, "{rows} counter rows");
}
