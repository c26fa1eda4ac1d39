//! Two `billing serve` processes on one database, each delivering its sandbox's webhooks to
//! itself, with every invoice paid through both at the same moment: each invoice is charged at
//! most once, a declining card or an unauthenticated 3-D Secure payment never pays an invoice,
//! provider ids never repeat, and the request that comes second is told 409, never 422.
//!
//! Before the sandbox kept its records in the database each process numbered `sbx_pi_<n>` from 1,
//! and a webhook for one process's payment settled the other's attempt with the same id.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use billing_tests::{TestDb, create_tenant};
use serde_json::{Value, json};

use super::scheduler::serve;

/// A running `billing serve`, stopped when dropped.
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

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    key: String,
}

impl Client {
    async fn post(&self, base: &str, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

async fn start(db: &TestDb, client: &Client) -> Server {
    let (child, base) = serve(db, &[]);
    let server = Server { child, base };
    for _ in 0..120 {
        if let Ok(resp) = client.http.get(format!("{}/readyz", server.base)).send().await
            && resp.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("billing serve did not start at {}", server.base);
}

const CARDS: [(&str, &str); 3] =
    [("4242424242424242", "pays"), ("4000000000000002", "declines"), ("4000002500003155", "needs 3-D Secure")];

#[tokio::test]
async fn two_servers_charge_each_invoice_once_and_never_settle_one_attempt_with_anothers_payment() {
    let db = TestDb::new().await;
    let tenant = create_tenant(&db.pool, "race", chrono::Utc::now()).await;
    let client = Client { http: reqwest::Client::new(), key: tenant.api_key.clone() };
    let a = start(&db, &client).await;
    let b = start(&db, &client).await;
    let bases = [a.base.clone(), b.base.clone()];

    // Customers and invoices, made through both servers in turn.
    let mut invoices: Vec<(String, &str)> = Vec::new();
    for n in 0..30 {
        let base = &bases[n % 2];
        let (card, behaviour) = CARDS[n % 3];
        let body = json!({ "email": format!("c{n}@example.com"), "name": "C", "country": "US", "currency": "EUR" });
        let (s, c) = client.post(base, "/customers", body).await;
        assert_eq!(s, 201, "{c}");
        let customer = c["id"].as_str().unwrap();
        let (s, pm) =
            client.post(base, &format!("/customers/{customer}/payment_methods"), json!({ "card_number": card })).await;
        assert_eq!(s, 201, "{pm}");
        let lines = json!([{ "description": "Service", "unit_amount": 1000 + n as i64 }]);
        let (s, draft) = client.post(base, "/invoices", json!({ "customer": customer, "lines": lines })).await;
        assert_eq!(s, 201, "{draft}");
        let id = draft["id"].as_str().unwrap().to_owned();
        let (s, open) = client.post(base, &format!("/invoices/{id}/finalize"), json!({})).await;
        assert_eq!(s, 200, "{open}");
        invoices.push((id, behaviour));
    }

    // Every invoice paid through both servers at once.
    let limit = Arc::new(tokio::sync::Semaphore::new(6));
    let mut tasks = tokio::task::JoinSet::new();
    for (id, _) in &invoices {
        for base in &bases {
            let (client, base, id, limit) = (client.clone(), base.clone(), id.clone(), limit.clone());
            tasks.spawn(async move {
                let _turn = limit.acquire_owned().await.unwrap();
                let (status, body) = client.post(&base, &format!("/invoices/{id}/pay"), json!({})).await;
                (id, status, body)
            });
        }
    }
    let mut answers: BTreeMap<String, Vec<(u16, Value)>> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (id, status, body) = done.unwrap();
        answers.entry(id).or_default().push((status, body));
    }
    for (id, got) in &answers {
        for (status, body) in got {
            let code = body["error"]["code"].as_str();
            let allowed = *status == 200
                || (*status == 409 && matches!(code, Some("payment_in_progress" | "invoice_not_payable")));
            assert!(allowed, "{id}: {status} {body}");
        }
    }

    // Both servers deliver their sandbox's webhooks to themselves; give them time.
    tokio::time::sleep(Duration::from_secs(3)).await;

    for (id, behaviour) in &invoices {
        let uuid = id.parse::<billing_core::ids::InvoiceId>().unwrap().as_uuid();
        let (status, total, paid): (String, i64, i64) =
            sqlx::query_as("SELECT status, total, amount_paid FROM invoices WHERE id = $1")
                .bind(uuid)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        let receipts: Vec<i64> = sqlx::query_scalar("SELECT amount FROM invoice_payments WHERE invoice_id = $1")
            .bind(uuid)
            .fetch_all(&db.pool)
            .await
            .unwrap();
        match *behaviour {
            "pays" => {
                assert_eq!((status.as_str(), paid), ("paid", total), "{id}");
                assert_eq!(receipts, [total], "{id} is charged exactly once");
            }
            _ => {
                assert_eq!((status.as_str(), paid), ("open", 0), "{id}: a card that {behaviour} paid it");
                assert!(receipts.is_empty(), "{id}: {receipts:?}");
            }
        }
    }
    let repeated: Vec<(String, i64)> = sqlx::query_as(
        "SELECT provider_payment_id, count(*) FROM payment_attempts WHERE provider_payment_id IS NOT NULL
         GROUP BY provider_payment_id HAVING count(*) > 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(repeated.is_empty(), "provider ids given to two attempts: {repeated:?}");
    let credited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM customer_balance_transactions").fetch_one(&db.pool).await.unwrap();
    assert_eq!(credited, 0, "no money was left over to credit");
}
