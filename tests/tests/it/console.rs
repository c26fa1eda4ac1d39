//! The finance staff console over real HTTP against a real PostgreSQL (issue 14, docs/console.md):
//! staff created through the API, sign-in with lock-out and the TOTP second factor, the role
//! matrix checked on the server (a refusal is a 403 page and an audit line), tenant and customer
//! isolation (another tenant's id is a 404), a credit note through the confirm step that a second
//! submission does not repeat, a dry run posted and its CSV report; and the flows in headless
//! Chromium (`tests/browser/console_flows.py`) with axe-core.

use billing_tests::{TestApp, create_catalog, create_tenant, instant};
use serde_json::{Value, json};

/// A browser without JavaScript: keeps cookies, never follows redirects by itself.
struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
    content_type: String,
}

impl Page {
    /// The value of the first input `name` in the page.
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.body)) + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { app, http, cookies: vec![] }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let resp = req.header("cookie", cookie).header("accept-language", "en").send().await.expect("request");
        for v in resp.headers().get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
            assert!(attrs.contains("HttpOnly") && attrs.contains("SameSite=Lax"), "cookie {text}");
        }
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let content_type =
            resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let body = resp.text().await.unwrap_or_default();
        Page { status, location, body, content_type }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(self.app.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(self.app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(form));
        self.send(req).await
    }

    /// Email and password on the sign-in page of `tenant`; the answer of the form.
    async fn sign_in(&mut self, tenant: &str, email: &str, password: &str) -> Page {
        let page = self.get(&format!("/c/{tenant}/sign-in")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.field("csrf");
        self.post(&format!("/c/{tenant}/sign-in"), &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }
}

const PASSWORD: &str = "correct horse battery staple";

async fn staff(app: &TestApp, email: &str, role: &str) {
    let (s, body) = app.post("/api/v1/staff", json!({ "email": email, "role": role, "password": PASSWORD })).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["role"], role);
    assert!(body.get("invite_url").is_none(), "{body}");
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let done = b.sign_in("acme", email, PASSWORD).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/c/acme/dashboard")), "{}", done.body);
    b
}

/// The audit lines of the tenant: (action, outcome, actor).
async fn audit(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT action, outcome, actor FROM staff_audit_log ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_are_created_by_api_key_and_sign_in_with_an_argon2id_password() {
    let app = TestApp::spawn().await;
    staff(&app, "Fin@Example.com", "finance").await;
    let (s, dup) =
        app.post("/api/v1/staff", json!({ "email": "fin@example.com", "role": "admin", "password": PASSWORD })).await;
    assert_eq!(s, 409, "{dup}");
    let (s, bad) =
        app.post("/api/v1/staff", json!({ "email": "x@example.com", "role": "owner", "password": PASSWORD })).await;
    assert_eq!(s, 400, "{bad}");
    let (s, short) =
        app.post("/api/v1/staff", json!({ "email": "y@example.com", "role": "support", "password": "short" })).await;
    assert_eq!(s, 400, "{short}");
    let phc: String = sqlx::query_scalar("SELECT password_hash FROM staff_users WHERE email = 'fin@example.com'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");

    // Without a password: an invitation link that sets one, once.
    let (s, invited) = app.post("/api/v1/staff", json!({ "email": "new@example.com", "role": "support" })).await;
    assert_eq!(s, 201, "{invited}");
    let url = invited["invite_url"].as_str().unwrap().to_string();
    let path = &url[url.find("/c/acme/invite").unwrap()..];
    let mut b = Browser::new(&app);
    let page = b.get(path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("new@example.com"), "{}", page.body);
    let (csrf, token) = (page.field("csrf"), page.field("token"));
    let set = b
        .post("/c/acme/invite", &[("csrf", &csrf), ("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let again = b.get(path).await;
    assert!(again.body.contains("invalid or has expired"), "the link works once: {}", again.body);
    signed_in(&app, "new@example.com").await;

    let (s, list) = app.get("/api/v1/staff").await;
    assert_eq!(s, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");
    let created: Vec<_> = audit(&app).await.into_iter().filter(|(a, _, _)| a == "staff.create").collect();
    assert_eq!(created.len(), 2);
    assert!(created[0].2.starts_with("api:"), "the API key is the actor: {created:?}");

    // A form without the CSRF token is refused.
    let mut c = Browser::new(&app);
    let no_csrf = c.post("/c/acme/sign-in", &[("email", "fin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(no_csrf.status, 403);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    staff(&app, "fin@example.com", "finance").await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(b.sign_in("acme", "fin@example.com", "wrong password!").await.status, 401);
    }
    let locked = b.sign_in("acme", "fin@example.com", PASSWORD).await;
    assert_eq!(locked.status, 401, "locked out");
    let unknown = b.sign_in("acme", "nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, 401);
    assert_eq!(
        locked.body.replace("fin@example.com", "X"),
        unknown.body.replace("nobody@example.com", "X"),
        "a locked account answers like an unknown address"
    );
    assert!(audit(&app).await.iter().any(|(a, o, _)| a == "sign_in.locked_out" && o == "failed"));
    app.clock.set(instant("2026-03-01T09:16:00Z"));
    signed_in(&app, "fin@example.com").await;
}

#[tokio::test]
async fn the_role_decides_on_the_server_and_every_refusal_is_audited() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("payer@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_string();
    staff(&app, "support@example.com", "support").await;
    staff(&app, "analyst@example.com", "analyst").await;

    // Support reads the customer but cannot move money: the form and the post are refused.
    let mut support = signed_in(&app, "support@example.com").await;
    let detail = support.get(&format!("/c/acme/customers/{customer}")).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert!(!detail.body.contains("actions/credit-note"), "no money action offered to support");
    assert!(detail.body.contains("actions/portal-link"));
    let form = support.get(&format!("/c/acme/customers/{customer}/actions/credit-note?invoice={invoice}")).await;
    assert_eq!(form.status, 403);
    assert!(form.body.contains("Your role does not allow this action"), "{}", form.body);
    let csrf = detail.field("csrf");
    let nonce = "a".repeat(64);
    let post = support
        .post(
            &format!("/c/acme/customers/{customer}/actions/credit-note"),
            &[("csrf", &csrf), ("nonce", &nonce), ("step", "confirm"), ("invoice", &invoice), ("reason", "goodwill")],
        )
        .await;
    assert_eq!(post.status, 403);
    assert_eq!(app.count("invoices WHERE kind = 'credit_note'").await, 0, "nothing was credited");
    let refused: Vec<_> = audit(&app).await.into_iter().filter(|(_, o, _)| o == "refused").collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|(a, _, who)| a == "customer.credit_note" && who == "staff:support@example.com"));
    assert_eq!(support.get("/c/acme/runs").await.status, 200, "support reads runs");
    let start = support.post("/c/acme/runs", &[("csrf", &csrf), ("nonce", &nonce), ("as_of", "2026-03-01")]).await;
    assert_eq!(start.status, 403, "but starts none");
    assert_eq!(support.get("/c/acme/staff").await.status, 403);

    // Support's own help: a portal sign-in link mailed to the customer, once.
    let link_form = support.get(&format!("/c/acme/customers/{customer}/actions/portal-link")).await;
    assert_eq!(link_form.status, 200);
    let review = support
        .post(
            &format!("/c/acme/customers/{customer}/actions/portal-link"),
            &[("csrf", &csrf), ("step", "review"), ("reason", "customer called")],
        )
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    let nonce = review.field("nonce");
    let confirm = [("csrf", csrf.as_str()), ("nonce", &nonce), ("step", "confirm"), ("reason", "customer called")];
    for _ in 0..2 {
        let done = support.post(&format!("/c/acme/customers/{customer}/actions/portal-link"), &confirm).await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
    assert_eq!(app.count("outbox WHERE topic = 'portal.sign_in_link'").await, 1, "one mail for two submissions");

    // The analyst sees the dashboard only.
    let mut analyst = signed_in(&app, "analyst@example.com").await;
    assert_eq!(analyst.get("/c/acme/dashboard").await.status, 200);
    for path in ["/c/acme/customers", "/c/acme/runs", "/c/acme/dunning", "/c/acme/jobs", "/c/acme/staff"] {
        assert_eq!(analyst.get(path).await.status, 403, "{path}");
    }
    let dash = analyst.get("/c/acme/dashboard").await;
    assert!(!dash.body.contains("/c/acme/customers"), "no navigation to what the role cannot open");
}

#[tokio::test]
async fn another_tenants_ids_are_not_found_and_sessions_stay_in_their_tenant() {
    let app = TestApp::spawn().await;
    let now = instant("2026-03-01T09:00:00Z");
    let other = create_tenant(&app.db.pool, "other", now).await;
    create_catalog(&app.db.pool, other.id, now).await;
    let (s, theirs) = app
        .send(
            app.http.post(app.url("/api/v1/customers")).json(&json!({
                "email": "theirs@example.com", "name": "Theirs", "country": "US", "currency": "EUR"
            })),
            &other.api_key,
        )
        .await;
    assert_eq!(s, 201, "{theirs}");
    let theirs = theirs["id"].as_str().unwrap();
    staff(&app, "fin@example.com", "finance").await;
    let mut b = signed_in(&app, "fin@example.com").await;
    assert_eq!(b.get(&format!("/c/acme/customers/{theirs}")).await.status, 404);
    assert_eq!(b.get("/c/acme/customers/cus_nonsense").await.status, 404);
    assert_eq!(b.get(&format!("/c/acme/customers/{theirs}/actions/portal-link")).await.status, 404);
    assert_eq!(b.get("/c/acme/runs/run_nonsense").await.status, 404);
    let search = b.get("/c/acme/customers?q=theirs").await;
    assert!(!search.body.contains("theirs@example.com"), "search stays in the tenant");
    let elsewhere = b.get("/c/other/dashboard").await;
    assert_eq!(elsewhere.status, 303, "the session is acme's, not other's");
    assert_eq!(elsewhere.location.as_deref(), Some("/c/other/sign-in"));
    assert_eq!(b.get("/c/nobody/sign-in").await.status, 404);
}

#[tokio::test]
async fn a_credit_note_is_issued_after_the_confirm_step_once_with_its_reason_on_record() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("payer@example.com", "EUR").await;
    let number = invoice["number"].as_str().unwrap().to_string();
    let invoice = invoice["id"].as_str().unwrap().to_string();
    staff(&app, "fin@example.com", "finance").await;
    let mut b = signed_in(&app, "fin@example.com").await;

    let found = b.get(&format!("/c/acme/customers?q={number}")).await;
    assert!(found.body.contains(&format!("/c/acme/customers/{customer}")), "found by invoice number");
    let by_mail = b.get("/c/acme/customers?q=PAYER%40example").await;
    assert!(by_mail.body.contains(&format!("/c/acme/customers/{customer}")), "found by email");

    let path = format!("/c/acme/customers/{customer}/actions/credit-note");
    let form = b.get(&format!("{path}?invoice={invoice}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.field("csrf");
    let no_reason = b.post(&path, &[("csrf", &csrf), ("step", "review"), ("invoice", &invoice), ("amount", "5")]).await;
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.body.contains("Please give a reason"));
    let too_much =
        [("csrf", csrf.as_str()), ("step", "review"), ("invoice", &invoice), ("amount", "12,345"), ("reason", "x")];
    assert_eq!(b.post(&path, &too_much).await.status, 400, "more decimals than the currency has");
    let review = b
        .post(
            &path,
            &[("csrf", &csrf), ("step", "review"), ("invoice", &invoice), ("amount", "5,50"), ("reason", "outage")],
        )
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("€5.50"), "the review shows the amount: {}", review.body);
    assert_eq!(app.count("invoices WHERE kind = 'credit_note'").await, 0, "the review changes nothing");
    let nonce = review.field("nonce");
    let confirm = [
        ("csrf", csrf.as_str()),
        ("nonce", &nonce),
        ("step", "confirm"),
        ("invoice", &invoice),
        ("amount", "5,50"),
        ("reason", "outage"),
    ];
    let first = b.post(&path, &confirm).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let second = b.post(&path, &confirm).await;
    assert_eq!(
        (second.status, second.location.clone()),
        (303, first.location.clone()),
        "a double submit leads to the first"
    );
    let notes: Vec<(i64, String)> = sqlx::query_as("SELECT total, memo FROM invoices WHERE kind = 'credit_note'")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        notes,
        vec![(-550, "outage".to_string())],
        "credited once (a credit note counts negative), with the reason"
    );
    let (reason, before, after): (String, Value, Value) = sqlx::query_as(
        "SELECT reason, before, after FROM staff_audit_log WHERE action = 'customer.credit_note' AND outcome = 'done'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(reason, "outage");
    assert_eq!(before["amount_credited"], 0);
    assert_eq!(after["amount_credited"], 550);
    let page = b.get(first.location.as_deref().unwrap()).await;
    assert!(page.body.contains("The credit note has been issued"), "{}", page.body);
    assert!(page.body.contains("customer.credit_note"), "the audit trail on the customer page");
}

#[tokio::test]
async fn a_dry_run_is_reviewed_posted_once_and_its_report_downloaded() {
    let app = TestApp::spawn().await;
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "run@example.com", "name": "Runner", "country": "US", "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    staff(&app, "fin@example.com", "finance").await;
    let mut b = signed_in(&app, "fin@example.com").await;
    let runs = b.get("/c/acme/runs").await;
    let (csrf, nonce) = (runs.field("csrf"), runs.field("nonce"));
    let bad_date = b.post("/c/acme/runs", &[("csrf", &csrf), ("nonce", &nonce), ("as_of", "1.3.2026")]).await;
    assert_eq!(bad_date.status, 400);
    let started = b.post("/c/acme/runs", &[("csrf", &csrf), ("nonce", &nonce), ("as_of", "2026-03-01")]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let run_path = started.location.clone().unwrap();
    let dry = b.get(&run_path).await;
    assert_eq!(dry.status, 200);
    assert!(dry.body.contains("€29.00"), "totals per currency: {}", dry.body);
    assert_eq!(app.count("invoices").await, 0, "a dry run writes no invoice");
    let post_nonce = dry.field("nonce");
    let post = format!("{run_path}/post");
    let posted = b.post(&post, &[("csrf", &csrf), ("nonce", &post_nonce)]).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let again = b.post(&post, &[("csrf", &csrf), ("nonce", &post_nonce)]).await;
    assert_eq!(again.location, posted.location, "the second submission leads to the first run");
    assert_eq!(app.count("invoices").await, 1, "invoiced once");
    let real = b.get(posted.location.as_deref().unwrap()).await;
    assert!(real.body.contains("Posted run") && !real.body.contains("id=\"post-run\""), "{}", real.body);
    let csv = b.get(&format!("{}/report.csv", posted.location.unwrap())).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    assert!(csv.body.lines().count() >= 2, "{}", csv.body);
    let actions: Vec<String> =
        audit(&app).await.into_iter().filter(|(_, o, _)| o == "done").map(|(a, _, _)| a).collect();
    assert!(actions.contains(&"runs.dry_run".into()) && actions.contains(&"runs.post".into()), "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "runs.post").count(), 1);
}

#[tokio::test]
async fn a_totp_second_factor_is_set_up_then_required_and_each_code_works_once() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    let mut b = signed_in(&app, "admin@example.com").await;
    let account = b.get("/c/acme/account").await;
    let csrf = account.field("csrf");
    assert_eq!(b.post("/c/acme/account/totp", &[("csrf", &csrf)]).await.status, 303);
    let pending = b.get("/c/acme/account").await;
    assert!(pending.body.contains("<svg"), "a QR code");
    assert!(pending.body.contains("otpauth://totp/"), "the URI");
    let secret: String =
        sqlx::query_scalar("SELECT totp_secret FROM staff_users").fetch_one(&app.db.pool).await.unwrap();
    let wrong = b.post("/c/acme/account/totp/confirm", &[("csrf", &csrf), ("code", "000000")]).await;
    assert_eq!(wrong.status, 400);
    let now = instant("2026-03-01T09:00:00Z");
    let code = portal_web::ops::staff::totp_code(&secret, now).unwrap();
    let on = b.post("/c/acme/account/totp/confirm", &[("csrf", &csrf), ("code", &code)]).await;
    assert_eq!(on.status, 303, "{}", on.body);
    assert!(b.get("/c/acme/account?done=totp").await.body.contains("Two-factor sign-in is on"));

    // Next sign-in: the password opens the code page only.
    app.clock.set(instant("2026-03-01T09:05:00Z"));
    let mut next = Browser::new(&app);
    let half = next.sign_in("acme", "admin@example.com", PASSWORD).await;
    assert_eq!(half.location.as_deref(), Some("/c/acme/sign-in/code"));
    assert_eq!(next.get("/c/acme/dashboard").await.location.as_deref(), Some("/c/acme/sign-in/code"));
    let code_page = next.get("/c/acme/sign-in/code").await;
    let csrf = code_page.field("csrf");
    let used = next.post("/c/acme/sign-in/code", &[("csrf", &csrf), ("code", &code)]).await;
    assert_eq!(used.status, 401, "a code from five minutes ago");
    let fresh = portal_web::ops::staff::totp_code(&secret, instant("2026-03-01T09:05:00Z")).unwrap();
    let ok = next.post("/c/acme/sign-in/code", &[("csrf", &csrf), ("code", &fresh)]).await;
    assert_eq!(ok.location.as_deref(), Some("/c/acme/dashboard"), "{}", ok.body);
    assert_eq!(next.get("/c/acme/dashboard").await.status, 200);
    let mut third = Browser::new(&app);
    third.sign_in("acme", "admin@example.com", PASSWORD).await;
    let csrf = third.get("/c/acme/sign-in/code").await.field("csrf");
    let replay = third.post("/c/acme/sign-in/code", &[("csrf", &csrf), ("code", &fresh)]).await;
    assert_eq!(replay.status, 401, "the same code does not work twice");
}

/// The flows in real headless Chromium (`tests/browser/console_flows.py`, the portal's harness:
/// Playwright for Python with Debian's chromium and axe-core), in English and German.
#[tokio::test]
async fn browser_flows_in_chromium() {
    let Ok(python) = std::env::var("BILLING_BROWSER_PYTHON") else {
        eprintln!(
            "BILLING_BROWSER_PYTHON is not set: scripts/test-all.sh installs Chromium and Playwright and sets it"
        );
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let axe = std::env::var("BILLING_AXE_JS")
        .unwrap_or_else(|_| root.join(".ci-work/axe/node_modules/axe-core/axe.min.js").display().to_string());
    let app = TestApp::spawn_with(|s| {
        s.with_portal(portal_web::config::PortalConfig { secure_cookies: false, ..Default::default() })
    })
    .await;
    let mut runs = vec![];
    for (lang, day) in [("en", "2026-03-02"), ("de", "2026-03-03")] {
        let (customer, invoice) = app.invoiced_march_customer(&format!("kunde-{lang}@example.com"), "EUR").await;
        // Its card declines: a payment attempt on the customer page, a line on the dunning board.
        let (s, pm) = app
            .post(
                &format!("/api/v1/customers/{customer}/payment_methods"),
                json!({ "card_number": "4000000000000002" }),
            )
            .await;
        assert_eq!(s, 201, "{pm}");
        let (s, r) = app.post(&format!("/api/v1/invoices/{}/pay", invoice["id"].as_str().unwrap()), json!({})).await;
        assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
        // A customer with a subscription due after the March run: the dry run has work, and a
        // customer without a payment method an exception.
        let (s, c) = app
            .post(
                "/api/v1/customers",
                json!({ "email": format!("neu-{lang}@example.com"), "name": format!("Neu {lang}"), "country": "DE", "currency": "EUR" }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let (s, sub) =
            app.post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": day })).await;
        assert_eq!(s, 201, "{sub}");
        for role in ["finance", "support", "analyst"] {
            staff(&app, &format!("{role}-{lang}@example.com"), role).await;
        }
        runs.push(json!({
            "lang": lang,
            "customer": customer,
            "invoice_number": invoice["number"],
            "customer_name": "Payer",
            "finance": format!("finance-{lang}@example.com"),
            "support": format!("support-{lang}@example.com"),
            "analyst": format!("analyst-{lang}@example.com"),
            "run_date": day,
        }));
    }
    app.clock.set(instant("2026-03-03T09:00:00Z"));
    let shots = std::env::var("BILLING_CONSOLE_SCREENSHOTS").ok();
    let cfg = json!({ "base": app.base, "axe": axe, "runs": runs, "password": PASSWORD, "screenshots": shots });
    let cfg_path = std::env::temp_dir().join(format!("console-browser-{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(root.join("tests/browser/console_flows.py"))
            .arg(&cfg_path)
            .output()
            .expect("start the browser test")
    })
    .await
    .unwrap();
    let transcript = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser flows failed:\n{transcript}");
    assert_eq!(transcript.lines().filter(|l| l.starts_with("PASSED ")).count(), 2, "{transcript}");
    let checked: usize = transcript
        .lines()
        .find_map(|l| l.strip_prefix("axe checked ").and_then(|r| r.split(' ').next()?.parse().ok()))
        .unwrap_or(0);
    assert!(checked >= 24, "axe-core checked every console page of both runs: {transcript}");
    assert_eq!(app.count("invoices WHERE kind = 'credit_note'").await, 2, "one credit note per run");
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM staff_audit_log WHERE outcome = 'refused' AND actor LIKE 'staff:support-%' AND action = 'customer.credit_note'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(refused, 2, "each support refusal is audited");
}

#[tokio::test]
async fn the_dunning_board_groups_failed_invoices_by_step_with_the_amount_at_risk() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("late@example.com", "EUR").await;
    let id = invoice["id"].as_str().unwrap().to_string();
    let t0 = instant(&format!("{}T10:00:00Z", invoice["due_date"].as_str().unwrap()));
    app.clock.set(t0);
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4000000000000002" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
    // A second customer who pays: not on the board.
    app.invoiced_march_customer("ontime@example.com", "EUR").await;
    staff(&app, "support@example.com", "support").await;
    let mut b = signed_in(&app, "support@example.com").await;

    let board = b.get("/c/acme/dunning").await;
    assert_eq!(board.status, 200);
    assert!(board.body.contains("Payment failed, no step taken yet"), "{}", board.body);
    assert!(board.body.contains("€29.00") && board.body.contains(&format!("/c/acme/customers/{customer}")));
    let customers = board.body.matches("/c/acme/customers/cus_").count();
    assert_eq!(customers, 1, "only the customer whose payment failed");

    // The dunning job takes the default policy's day-3 steps (the retry, skipped after a hard
    // decline, and the reminder): the board moves the invoice to the last of them.
    billing_core::service::dunning::run(&app.db.pool, app.gateways.as_ref(), t0 + chrono::Duration::days(3), None)
        .await
        .unwrap();
    let board = b.get("/c/acme/dunning").await;
    assert!(board.body.contains("Step 2") && !board.body.contains("no step taken yet"), "{}", board.body);
    let detail = b.get(&format!("/c/acme/customers/{customer}")).await;
    assert!(detail.body.contains("1 invoice(s) in dunning, last step 2, €29.00 at risk"), "{}", detail.body);
    assert!(detail.body.contains("failed"), "the declined attempt is listed");
}

/// `billing staff add` (password from standard input, or an invitation link) and the demo's
/// console staff, through the real binary.
#[tokio::test]
async fn the_command_line_adds_staff_and_the_demo_seeds_its_console_sign_ins() {
    use std::io::Write;
    let db = billing_tests::TestDb::new().await;
    create_tenant(&db.pool, "acme", instant("2026-03-01T09:00:00Z")).await;
    let billing = |args: &[&str], stdin: Option<&str>| {
        let mut child = std::process::Command::new(billing_tests::billing_binary())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("LANG", "en_US.UTF-8")
            .env("BILLING_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("billing runs");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let add =
        ["staff", "add", "--tenant", "acme", "--email", "Cli@Example.com", "--role", "finance", "--password-stdin"];
    let (ok, out) = billing(&add, Some(&format!("{PASSWORD}\n")));
    assert!(ok, "{out}");
    assert!(out.contains("cli@example.com (finance)"), "{out}");
    let (ok, out) =
        billing(&["staff", "add", "--tenant", "acme", "--email", "inv@example.com", "--role", "support"], None);
    assert!(ok, "{out}");
    assert!(out.contains("/c/acme/invite?token="), "an invitation link: {out}");
    let (ok, out) = billing(&["staff", "add", "--tenant", "acme", "--email", "x@example.com", "--role", "boss"], None);
    assert!(!ok, "an unknown role is refused: {out}");
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM staff_audit_log WHERE action = 'staff.create' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(actors.len(), 2);
    assert!(actors.iter().all(|a| a.starts_with("cli:")), "{actors:?}");
    let phc: String = sqlx::query_scalar("SELECT password_hash FROM staff_users WHERE email = 'cli@example.com'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(phc.starts_with("$argon2id$"), "stored as argon2id: {phc}");

    let (ok, out) = billing(&["demo", "--no-serve"], None);
    assert!(ok, "{out}");
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT s.role FROM staff_users s JOIN tenants t ON t.tenant_id = s.tenant_id WHERE t.slug = 'demo' ORDER BY s.role",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(roles, ["admin", "analyst", "finance", "support"]);
    let (ok, out) = billing(&["demo", "--no-serve"], None);
    assert!(ok, "a second start reuses the staff: {out}");
}

#[tokio::test]
async fn an_admin_invites_and_disables_staff_and_the_disabled_are_signed_out() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    staff(&app, "fin@example.com", "finance").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    assert_eq!(fin.get("/c/acme/staff").await.status, 403, "finance manages no staff");
    let mut admin = signed_in(&app, "admin@example.com").await;
    let page = admin.get("/c/acme/staff").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let invited = admin
        .post("/c/acme/staff", &[("csrf", &csrf), ("nonce", &nonce), ("email", "Neu@Example.com"), ("role", "analyst")])
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert!(invited.body.contains("/c/acme/invite?token="), "the link is shown once: {}", invited.body);
    let again = admin
        .post("/c/acme/staff", &[("csrf", &csrf), ("nonce", &nonce), ("email", "neu@example.com"), ("role", "analyst")])
        .await;
    assert_eq!(again.status, 303, "a second submission creates nothing");
    assert_eq!(app.count("staff_users").await, 3);

    let fin_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'fin@example.com'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let off = admin.post(&format!("/c/acme/staff/{fin_id}/disable"), &[("csrf", &csrf), ("reason", "left")]).await;
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(fin.get("/c/acme/dashboard").await.location.as_deref(), Some("/c/acme/sign-in"), "signed out");
    assert_eq!(Browser::new(&app).sign_in("acme", "fin@example.com", PASSWORD).await.status, 401);
    let admin_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'admin@example.com'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let me = admin.post(&format!("/c/acme/staff/{admin_id}/disable"), &[("csrf", &csrf)]).await;
    assert_eq!(me.status, 400, "an admin does not lock themselves out");
    let (before, after, reason): (Value, Value, String) = sqlx::query_as(
        "SELECT before, after, reason FROM staff_audit_log WHERE action = 'staff.disable' AND outcome = 'done'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (before["disabled"].as_bool(), after["disabled"].as_bool(), reason.as_str()),
        (Some(false), Some(true), "left")
    );
}

/// The acquisition spend that the customer acquisition cost divides (docs/metrics.md "Customer
/// value"): entered on the dashboard by finance, once per form, audited; refused to support and
/// not offered to analysts; bad input is a localized error that changes nothing.
#[tokio::test]
async fn finance_enters_the_acquisition_spend_on_the_dashboard_once_and_audited() {
    let app = TestApp::spawn().await;
    staff(&app, "finance@example.com", "finance").await;
    staff(&app, "support@example.com", "support").await;
    staff(&app, "analyst@example.com", "analyst").await;
    let mut finance = signed_in(&app, "finance@example.com").await;
    let dash = finance.get("/c/acme/dashboard").await;
    assert_eq!(dash.status, 200, "{}", dash.body);
    assert!(dash.body.contains("action=\"/c/acme/dashboard/acquisition-spend\""), "{}", dash.body);
    let (csrf, nonce) = (dash.field("csrf"), dash.field("nonce"));
    // A bad amount: the form again with the error, nothing stored.
    let bad = finance
        .post(
            "/c/acme/dashboard/acquisition-spend",
            &[("csrf", &csrf), ("nonce", &nonce), ("month", "2026-02"), ("currency", "EUR"), ("amount", "-5")],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("Enter an amount of 0 or more"), "{}", bad.body);
    assert_eq!(app.count("acquisition_spend").await, 0);
    // 1,500.50 EUR for February; the same form sent twice stores once and audits once.
    let form =
        [("csrf", csrf.as_str()), ("nonce", &nonce), ("month", "2026-02"), ("currency", "eur"), ("amount", "1500,50")];
    for _ in 0..2 {
        let done = finance.post("/c/acme/dashboard/acquisition-spend", &form).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/c/acme/dashboard?saved=1#analytics-spend"));
    }
    let (s, list) = app.get("/api/v1/metrics/acquisition_spend?from=2026-02-01&to=2026-02-28").await;
    assert_eq!(s, 200);
    assert_eq!(list["data"], json!([{ "month": "2026-02", "currency": "EUR", "amount": 150_050 }]));
    let done: Vec<_> = audit(&app).await.into_iter().filter(|(a, _, _)| a == "metrics.acquisition_spend").collect();
    assert_eq!(done, vec![("metrics.acquisition_spend".into(), "done".into(), "staff:finance@example.com".into())]);
    let saved = finance.get("/c/acme/dashboard?saved=1").await;
    assert!(saved.body.contains("The acquisition spend was saved."), "{}", saved.body);

    // Support: no form, and a post is refused and audited.
    let mut support = signed_in(&app, "support@example.com").await;
    let page = support.get("/c/acme/dashboard").await;
    assert!(!page.body.contains("acquisition-spend\""), "no form for support");
    let csrf = page.field("csrf");
    let nonce = "b".repeat(64);
    let refused = support
        .post(
            "/c/acme/dashboard/acquisition-spend",
            &[("csrf", &csrf), ("nonce", &nonce), ("month", "2026-02"), ("currency", "EUR"), ("amount", "1")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        audit(&app).await.iter().any(|(a, o, who)| a == "metrics.acquisition_spend"
            && o == "refused"
            && who == "staff:support@example.com")
    );
    let mut analyst = signed_in(&app, "analyst@example.com").await;
    assert!(!analyst.get("/c/acme/dashboard").await.body.contains("acquisition-spend\""));
}
