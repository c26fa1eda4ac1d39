//! Test harness for the workspace-level tests: a fresh PostgreSQL database per test (on the
//! server named by `TEST_DATABASE_URL` / `DATABASE_URL`, else 127.0.0.1:5432, else an embedded
//! PostgreSQL), the real HTTP app on a loopback port, and the `billing` binary.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use billing_core::clock::FixedClock;
use billing_core::ids::TenantId;
use billing_core::service::tenants::{self, NewTenantInput};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

enum Server {
    External(String),
    Embedded(pglite_oxide::PgliteServer),
}

impl Server {
    fn admin_url(&self) -> String {
        match self {
            Server::External(u) => u.clone(),
            Server::Embedded(s) => s.database_url(),
        }
    }
    fn embedded(&self) -> bool {
        matches!(self, Server::Embedded(_))
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();
/// The embedded server takes one connection at a time, so tests on it run one after another.
static EMBEDDED_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let url = std::env::var("TEST_DATABASE_URL")
            .or_else(|_| std::env::var("DATABASE_URL"))
            .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string());
        let reachable = std::thread::spawn({
            let url = url.clone();
            move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    tokio::time::timeout(Duration::from_secs(3), PgConnection::connect(&url)).await.ok()?.ok()
                })
                .map(|_| ())
            }
        })
        .join()
        .ok()
        .flatten()
        .is_some();
        if reachable {
            Server::External(url)
        } else {
            eprintln!("no PostgreSQL at {url}; using an embedded PostgreSQL for the tests");
            Server::Embedded(pglite_oxide::PgliteServer::temporary_tcp().expect("embedded PostgreSQL starts"))
        }
    })
}

fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{db}")
}

/// A fresh, migrated database that only this test uses.
pub struct TestDb {
    pub pool: PgPool,
    pub url: String,
    pub name: String,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

impl TestDb {
    pub async fn new() -> Self {
        let server = server();
        let turn = if server.embedded() { Some(EMBEDDED_TURN.lock().await) } else { None };
        let admin = server.admin_url();
        let name = format!("billing_test_{}", uuid::Uuid::now_v7().simple());
        {
            let mut conn = PgConnection::connect(&admin).await.expect("connect to the admin database");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            conn.close().await.ok();
        }
        let url = with_database(&admin, &name);
        let mut options = PgPoolOptions::new().acquire_timeout(Duration::from_secs(60));
        options = if server.embedded() {
            options.max_connections(1).min_connections(0).idle_timeout(Duration::from_secs(1))
        } else {
            options.max_connections(8)
        };
        let pool = options.connect(&url).await.expect("connect to the test database");
        billing_core::store::MIGRATOR.run(&pool).await.expect("migrations apply");
        Self { pool, url, name, _turn: turn }
    }

    pub fn is_embedded(&self) -> bool {
        server().embedded()
    }
}

/// A merchant with an API key, for tests.
pub struct TestTenant {
    pub id: TenantId,
    pub api_key: String,
}

pub async fn create_tenant(pool: &PgPool, slug: &str, now: DateTime<Utc>) -> TestTenant {
    let mut conn = pool.acquire().await.expect("connection");
    let t = tenants::create(
        &mut conn,
        &NewTenantInput { slug: slug.into(), name: format!("Merchant {slug}"), ..Default::default() },
        now,
    )
    .await
    .expect("tenant");
    let key = tenants::create_api_key(&mut conn, t.id, "test", now).await.expect("key");
    TestTenant { id: t.id, api_key: key.secret }
}

/// Creates the standard test catalog for `tenant`: `pro` monthly (EUR 29.00, USD 32.00) and
/// `yearly` (EUR 290.00); no CHF price anywhere.
pub async fn create_catalog(pool: &PgPool, tenant: TenantId, now: DateTime<Utc>) {
    use billing_core::service::catalog::{NewPlanInput, PriceInput, create_plan};
    let mut conn = pool.acquire().await.expect("connection");
    for (code, unit, prices) in
        [("pro", "month", vec![("EUR", "29.00"), ("USD", "32.00")]), ("yearly", "year", vec![("EUR", "290.00")])]
    {
        create_plan(
            &mut conn,
            tenant,
            &NewPlanInput {
                product_code: "app".into(),
                product_name: "App".into(),
                code: code.into(),
                name: code.to_uppercase(),
                interval_unit: unit.into(),
                interval_count: 1,
                prices: prices.into_iter().map(|(c, a)| PriceInput::per_unit(c, a)).collect(),
                billing_timing: None,
                usage: None,
                trial_days: None,
                tax_category: None,
                setup_fees: vec![],
                addon: None,
                trial_requires_payment_method: false,
            },
            now,
        )
        .await
        .expect("plan");
    }
}

pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("RFC 3339").with_timezone(&Utc)
}

/// The real HTTP app on a loopback port, over a fresh database, with a clock the test moves.
pub struct TestApp {
    pub db: TestDb,
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Arc<FixedClock>,
    pub tenant: TestTenant,
    /// The server's gateway directory: tests reach a sandbox account's webhooks through it.
    pub gateways: Arc<gateway_adapters::directory::Directory>,
    /// The pool the server runs on (`db.pool`, unless spawned with one connection).
    pub app_pool: PgPool,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|state| state).await
    }

    /// Like [`TestApp::spawn`], with the app state adjusted first (e.g. another VIES client).
    pub async fn spawn_with(adjust: impl FnOnce(portal_web::app::AppState) -> portal_web::app::AppState) -> Self {
        Self::spawn_on(None, adjust).await
    }

    /// Like [`TestApp::spawn`], with the app (and its gateways) on a pool of one connection, as on
    /// the embedded database: code that holds a connection while it takes another then fails
    /// after a short acquire timeout instead of passing unnoticed. The test's own `db.pool` is
    /// separate.
    pub async fn spawn_one_connection() -> Self {
        Self::spawn_on(Some(1), |state| state).await
    }

    async fn spawn_on(
        app_connections: Option<u32>,
        adjust: impl FnOnce(portal_web::app::AppState) -> portal_web::app::AppState,
    ) -> Self {
        let db = TestDb::new().await;
        let now = instant("2026-03-01T09:00:00Z");
        let clock = Arc::new(FixedClock::at(now));
        let tenant = create_tenant(&db.pool, "acme", now).await;
        create_catalog(&db.pool, tenant.id, now).await;
        let pool = match app_connections {
            Some(n) => PgPoolOptions::new()
                .max_connections(n)
                .acquire_timeout(Duration::from_secs(10))
                .connect(&db.url)
                .await
                .expect("connect the app's pool"),
            None => db.pool.clone(),
        };
        let state = adjust(portal_web::app::AppState::new(pool, clock.clone()));
        let gateways = state.gateways.clone();
        let app_pool = state.pool.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(portal_web::app::serve(
            listener,
            portal_web::app::router(state, 1024 * 1024),
            std::future::pending(),
        ));
        Self { db, base, http: reqwest::Client::new(), clock, tenant, gateways, app_pool }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.send(self.http.post(self.url(path)).json(&body), &self.tenant.api_key).await
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.send(self.http.get(self.url(path)), &self.tenant.api_key).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder, key: &str) -> (u16, serde_json::Value) {
        let resp = req.bearer_auth(key).send().await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// A customer outside the EU (no VAT) with `currency`, on `pro` from 1 March 2026, invoiced for
    /// March by the invoice run. Returns the customer's id and the invoice as the API shows it.
    pub async fn invoiced_march_customer(&self, email: &str, currency: &str) -> (String, serde_json::Value) {
        use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
        let (s, c) = self
            .post(
                "/api/v1/customers",
                serde_json::json!({ "email": email, "name": "Payer", "country": "US", "currency": currency }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let (s, sub) = self
            .post(
                "/api/v1/subscriptions",
                serde_json::json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-03-01" }),
            )
            .await;
        assert_eq!(s, 201, "{sub}");
        let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        invoice_run::run(&self.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
            .await
            .expect("invoice run");
        let (_, list) = self.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().expect("id"))).await;
        (c["id"].as_str().expect("id").to_string(), list["data"][0].clone())
    }

    /// [`Self::invoiced_march_customer`] (EUR) whose card `card` declines when the invoice is
    /// paid on its due date at 10:00 (the test clock is set there). Returns the customer's id,
    /// the invoice's id and that moment.
    pub async fn declined_march_customer(
        &self,
        email: &str,
        card: &str,
    ) -> (String, String, chrono::DateTime<chrono::Utc>) {
        let (customer, invoice) = self.invoiced_march_customer(email, "EUR").await;
        let id = invoice["id"].as_str().expect("id").to_string();
        let t0 = instant(&format!("{}T10:00:00Z", invoice["due_date"].as_str().expect("due date")));
        self.clock.set(t0);
        let (s, pm) = self
            .post(&format!("/api/v1/customers/{customer}/payment_methods"), serde_json::json!({ "card_number": card }))
            .await;
        assert_eq!(s, 201, "{pm}");
        let (s, r) = self.post(&format!("/api/v1/invoices/{id}/pay"), serde_json::json!({})).await;
        assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
        (customer, id, t0)
    }

    /// The invoice's payment attempts as `GET /invoices/{id}/payment_attempts` lists them.
    pub async fn payment_attempts(&self, invoice: &str) -> Vec<serde_json::Value> {
        let (s, ledger) = self.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
        assert_eq!(s, 200, "{ledger}");
        ledger.as_array().expect("a list").clone()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&self.db.pool).await.expect("count")
    }
}

/// The `billing` binary built beside the test executables (the test command builds it first).
pub fn billing_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(|p| p.parent()).expect("target dir");
    let bin = dir.join("billing");
    assert!(bin.exists(), "{} is missing: run `cargo build -p portal-web --bin billing` first", bin.display());
    bin
}

/// The text of a PDF, as a reader's tool extracts it (`pdftotext -layout` from poppler-utils, so
/// columns stay on one line; no-break spaces read as spaces). `BILLING_KEEP_PDF=prefix` keeps a
/// copy of each document for looking at.
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("billing-doc-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pdf = dir.join("doc.pdf");
    std::fs::write(&pdf, bytes).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (Debian package poppler-utils)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    if let Ok(keep) = std::env::var("BILLING_KEEP_PDF") {
        std::fs::copy(&pdf, format!("{keep}-{}.pdf", uuid::Uuid::now_v7().simple())).expect("keep the PDF");
    }
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout).expect("UTF-8 text").replace('\u{a0}', " ")
}

/// One page of a PDF as poppler's `pdftoppm` renders it for a viewer (anti-aliased), as RGB
/// pixels: what a reader sees, for checks that extracted text cannot make (a rule drawn through
/// a line of text leaves the text intact). `BILLING_KEEP_PDF=prefix` also keeps the page as PNG.
pub struct Raster {
    pub width: usize,
    pub height: usize,
    /// Row after row, three bytes (R, G, B) per pixel.
    pub rgb: Vec<u8>,
}

impl Raster {
    pub fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let i = 3 * (y * self.width + x);
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
}

/// Renders page `page` (1-based) of a PDF at `dpi` with `pdftoppm` (PPM output, parsed here).
pub fn pdf_page_raster(bytes: &[u8], page: u32, dpi: u32) -> Raster {
    let dir = std::env::temp_dir().join(format!("billing-raster-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pdf = dir.join("doc.pdf");
    std::fs::write(&pdf, bytes).expect("write the PDF");
    let render = |extra: &[&str], out: &str| {
        let page = page.to_string();
        let dpi = dpi.to_string();
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", &dpi, "-f", &page, "-l", &page, "-singlefile"])
            .args(extra)
            .arg(&pdf)
            .arg(dir.join(out))
            .status()
            .expect("pdftoppm is installed (Debian package poppler-utils)");
        assert!(status.success(), "pdftoppm failed");
    };
    render(&[], "page");
    if let Ok(keep) = std::env::var("BILLING_KEEP_PDF") {
        render(&["-png"], "page");
        std::fs::copy(dir.join("page.png"), format!("{keep}-{}.png", uuid::Uuid::now_v7().simple())).expect("keep");
    }
    let ppm = std::fs::read(dir.join("page.ppm")).expect("pdftoppm wrote the page");
    let _ = std::fs::remove_dir_all(&dir);
    parse_ppm(&ppm)
}

/// A binary PPM (`P6`, maxval 255): four header fields separated by whitespace, then the pixels.
fn parse_ppm(data: &[u8]) -> Raster {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while data[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
    }
    // Exactly one whitespace byte separates the header from the pixels.
    at += 1;
    assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P6", "255"), "an 8-bit binary PPM");
    let width: usize = fields[1].parse().expect("width");
    let height: usize = fields[2].parse().expect("height");
    let rgb = data[at..].to_vec();
    assert_eq!(rgb.len(), width * height * 3, "the whole page");
    Raster { width, height, rgb }
}
