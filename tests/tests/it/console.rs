//! The finance staff console over real HTTP against a real PostgreSQL (issue 14, docs/console.md):
//! staff created through the API, sign-in with lock-out and the TOTP second factor, the role
//! matrix checked on the server (a refusal is a 403 page and an audit line), tenant and customer
//! isolation (another tenant's id is a 404), a credit note through the confirm step that a second
//! submission does not repeat, a dry run posted and its CSV report; and the flows in headless
//! Chromium (`tests/browser/console_flows.py`) with axe-core.

use billing_tests::{TestApp, create_catalog, create_tenant, instant};
use serde_json::{Value, json};

/// A browser without JavaScript: keeps cookies, never follows redirects by itself.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
    pub(crate) content_type: String,
}

impl Page {
    /// The value of the first input `name` in the page.
    pub(crate) fn field(&self, name: &str) -> String {
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

    pub(crate) async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
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

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(self.app.url(path));
        self.send(req).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
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

pub(crate) async fn staff(app: &TestApp, email: &str, role: &str) {
    let (s, body) = app.post("/api/v1/staff", json!({ "email": email, "role": role, "password": PASSWORD })).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["role"], role);
    assert!(body.get("invite_url").is_none(), "{body}");
}

pub(crate) async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
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
    // By VAT ID, typed with spaces and dots as it is printed on letters.
    let (s, business) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "ap@client.fr", "name": "Client SARL", "country": "FR", "currency": "EUR",
                    "kind": "business", "vat_id": "FR40303265045" }),
        )
        .await;
    assert_eq!(s, 201, "{business}");
    let by_vat = b.get("/c/acme/customers?q=fr%20403.032.650%2045").await;
    let business = business["id"].as_str().unwrap();
    assert!(by_vat.body.contains(&format!("/c/acme/customers/{business}")), "found by VAT ID: {}", by_vat.body);
    assert!(!by_vat.body.contains(&format!("/c/acme/customers/{customer}")), "only the VAT ID's owner");

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
        for role in ["finance", "support", "analyst", "admin"] {
            staff(&app, &format!("{role}-{lang}@example.com"), role).await;
        }
        // Billing questions from the portal: one answered and closed before (the inbox's medians
        // have a value), one for support to answer in the browser.
        let old = asked(&app, &customer, None, &format!("Old question {lang}"), "2026-03-01T08:00:00Z").await;
        let mut conn = app.db.pool.acquire().await.unwrap();
        let old_id = old.parse().unwrap();
        billing_core::service::billing_questions::reply(
            &mut conn,
            app.tenant.id,
            old_id,
            None,
            "Done.",
            instant("2026-03-01T10:00:00Z"),
        )
        .await
        .unwrap();
        billing_core::service::billing_questions::close(
            &mut conn,
            app.tenant.id,
            old_id,
            instant("2026-03-02T08:00:00Z"),
        )
        .await
        .unwrap();
        drop(conn);
        let question_text = format!("Why was I charged twice in March? ({lang})");
        let invoice_id = invoice["id"].as_str().unwrap();
        asked(&app, &customer, Some(invoice_id), &question_text, "2026-03-02T12:00:00Z").await;
        let answer = match lang {
            "de" => "Ihre Rechnung für März ist der Pro-Tarif; die Einzelheiten stehen darauf.",
            _ => "Your March invoice is the Pro plan; the details are on the invoice.",
        };
        runs.push(json!({
            "admin": format!("admin-{lang}@example.com"),
            "question_text": question_text,
            "answer": answer,
            "lang": lang,
            "customer": customer,
            "invoice_number": invoice["number"],
            "customer_name": "Payer",
            "finance": format!("finance-{lang}@example.com"),
            "support": format!("support-{lang}@example.com"),
            "analyst": format!("analyst-{lang}@example.com"),
            "admin": format!("admin-{lang}@example.com"),
            "run_date": day,
        }));
    }
    app.clock.set(instant("2026-03-03T09:00:00Z"));
    // The customers' mails so far (invoices, the failed payment) are queued, so that the customer
    // page lists them and support can open "Send again".
    let mut conn = app.db.pool.acquire().await.unwrap();
    billing_core::service::delivery::fan_out(&mut conn, "shop.example", instant("2026-03-03T09:00:00Z"), 500)
        .await
        .unwrap();
    drop(conn);
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
    eprintln!("axe-core checked {checked} pages");
    assert!(checked >= 110, "axe-core checked every console page of both runs: {transcript}");
    // Each run paused and resumed the customer's dunning and stored a clean logo (docs/adr/0039).
    assert_eq!(app.count("dunning_pauses WHERE resumed_at IS NOT NULL AND paused_by LIKE 'staff:admin-%'").await, 2);
    assert_eq!(app.count("tenant_logos WHERE content_type = 'image/svg+xml'").await, 1);
    assert_eq!(app.count("staff_audit_log WHERE action = 'settings.logo' AND outcome = 'refused'").await, 2);
    assert_eq!(app.count("invoices WHERE kind = 'credit_note'").await, 2, "one credit note per run");
    assert_eq!(app.count("api_keys WHERE name LIKE 'collector %' AND revoked_at IS NOT NULL").await, 2, "keys revoked");
    // Each run invited a staff member, added a webhook endpoint, a sandbox gateway account and a
    // routing rule to it, and finance saved the DATEV settings (docs/adr/0049).
    assert_eq!(app.count("staff_users WHERE email LIKE 'invited-%'").await, 2);
    assert_eq!(app.count("webhook_endpoints WHERE url LIKE 'https://hooks.example.com/billing-%'").await, 2);
    assert_eq!(app.count("gateway_accounts WHERE name IN ('sandbox-en', 'sandbox-de')").await, 2);
    assert_eq!(app.count("staff_audit_log WHERE action = 'routing_rules.update' AND outcome = 'done'").await, 2);
    let rules: serde_json::Value =
        sqlx::query_scalar("SELECT rules FROM routing_rules").fetch_one(&app.db.pool).await.unwrap();
    let names: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["eur-en", "eur-de"], "both runs' rules, in the router's order");
    assert_eq!(app.count("datev_settings WHERE consultant_number = 29098 AND client_number = 55003").await, 1);
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM staff_audit_log WHERE outcome = 'refused' AND actor LIKE 'staff:support-%' AND action = 'customer.credit_note'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(refused, 2, "each support refusal is audited");

    // The answers given in the console reach the customers by mail: the mail worker sends them
    // over SMTP to a real server (aiosmtpd).
    let sink = super::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::worker::run(&app.db.pool, &mailer, instant("2026-03-03T09:05:00Z")).await.unwrap();
    let mails = sink.mails();
    for (lang, answer) in [
        ("en", "Your March invoice is the Pro plan; the details are on the invoice."),
        ("de", "Ihre Rechnung für März ist der Pro-Tarif; die Einzelheiten stehen darauf."),
    ] {
        let to = format!("kunde-{lang}@example.com");
        let mail = mails
            .iter()
            .find(|m| {
                m["to"].as_str().is_some_and(|t| t.contains(&to))
                    && m["text"].as_str().is_some_and(|t| t.contains(answer))
            })
            .unwrap_or_else(|| panic!("the console's answer reached {to} over SMTP: {mails:?}"));
        assert!(mail["text"].as_str().unwrap().contains("/p/acme/help/questions/"), "{mail}");
    }
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
    assert!(board.body.contains("<dd id=\"recovered\">—</dd>"), "nothing recovered yet: {}", board.body);

    // The customer pays by bank transfer a day later: off the board, and counted as recovered this
    // month (the month of the merchant's today).
    app.clock.set(t0 + chrono::Duration::days(4));
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/mark_paid"), json!({ "amount": 2900 })).await;
    assert_eq!(s, 200, "{r}");
    let mut b = signed_in(&app, "support@example.com").await;
    let board = b.get("/c/acme/dunning").await;
    assert_eq!(board.body.matches("/c/acme/customers/cus_").count(), 0, "{}", board.body);
    assert!(board.body.contains("<dd id=\"recovered\">€29.00 from 1 invoice(s)</dd>"), "{}", board.body);
    // Next month the board starts again from nothing.
    app.clock.set(instant("2026-05-01T08:00:00Z"));
    let mut b = signed_in(&app, "support@example.com").await;
    let board = b.get("/c/acme/dunning").await;
    assert!(board.body.contains("<dd id=\"recovered\">—</dd>"), "{}", board.body);
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

// ---- console-ops: billing questions, resending mails, bank statements, settings ----

/// A question the customer asked in the portal (through the portal's service), at `at`.
async fn asked(app: &TestApp, customer: &str, invoice: Option<&str>, text: &str, at: &str) -> String {
    let mut conn = app.db.pool.acquire().await.unwrap();
    let q = billing_core::service::billing_questions::ask(
        &mut conn,
        app.tenant.id,
        customer.parse().unwrap(),
        "invoice",
        invoice.map(|i| i.parse().unwrap()),
        text,
        instant(at),
    )
    .await
    .unwrap();
    q.id.to_string()
}

/// The audit lines with before and after: (action, outcome, before, after).
async fn audit_details(app: &TestApp, action: &str) -> Vec<(String, Option<Value>, Option<Value>)> {
    sqlx::query_as("SELECT outcome, before, after FROM staff_audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_billing_question_is_answered_once_then_closed_with_its_times_and_the_medians() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("asker@example.com", "EUR").await;
    let invoice_id = invoice["id"].as_str().unwrap();
    let id = asked(&app, &customer, Some(invoice_id), "Why is my invoice 29 EUR?", "2026-03-02T08:00:00Z").await;
    for (email, role) in [("support@example.com", "support"), ("analyst@example.com", "analyst")] {
        staff(&app, email, role).await;
    }

    // The analyst may not even read the inbox: 403 and an audit line.
    let mut analyst = signed_in(&app, "analyst@example.com").await;
    assert_eq!(analyst.get("/c/acme/questions").await.status, 403);
    assert!(audit(&app).await.iter().any(|(a, o, _)| a == "questions.list" && o == "refused"));

    app.clock.set(instant("2026-03-02T10:30:00Z"));
    let mut b = signed_in(&app, "support@example.com").await;
    let inbox = b.get("/c/acme/questions").await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert!(inbox.body.contains("Why is my invoice 29 EUR?") && inbox.body.contains("Payer"), "{}", inbox.body);
    assert!(inbox.body.contains(invoice["number"].as_str().unwrap()), "the invoice is named");
    let page = b.get(&format!("/c/acme/questions/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("/c/acme/customers/{customer}")), "links the customer");

    // The customer page's feedback: their survey answers (a dismissed one too) and the question,
    // newest first, the question linked to its thread.
    for (kind, score, comment, at) in [
        ("nps", Some(9i16), Some("Clear invoices"), "2026-03-01T12:00:00Z"),
        ("csat", None, None, "2026-03-02T09:00:00Z"),
    ] {
        sqlx::query(
            "INSERT INTO survey_responses (tenant_id, customer_id, kind, score, dismissed, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(app.tenant.id)
        .bind(customer.parse::<billing_core::ids::CustomerId>().unwrap())
        .bind(kind)
        .bind(score)
        .bind(score.is_none())
        .bind(comment)
        .bind(instant(at))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let detail = b.get(&format!("/c/acme/customers/{customer}")).await;
    let feedback = between(&detail.body, "<ul id=\"feedback\">", "</ul>");
    let lines: Vec<&str> = feedback.split("<li>").skip(1).collect();
    assert_eq!(lines.len(), 3, "{feedback}");
    assert!(lines[0].contains("CSAT survey dismissed"), "{feedback}");
    assert!(
        lines[1].contains(&format!("<a href=\"/c/acme/questions/{id}\">Billing question (Open)</a>"))
            && lines[1].contains("Why is my invoice 29 EUR?"),
        "{feedback}"
    );
    assert!(lines[2].contains("NPS survey: 9") && lines[2].contains("Clear invoices"), "{feedback}");

    // An empty answer is refused in the page's language and changes nothing.
    let csrf = page.field("csrf");
    let empty = b.post(&format!("/c/acme/questions/{id}/reply"), &[("csrf", &csrf), ("body", "  ")]).await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Please write an answer."), "{}", empty.body);

    // Review, then confirm; a second submission of the same form answers nothing twice.
    let answer = "It is the Pro plan for March.\nThe invoice has the details.";
    let review = b
        .post(&format!("/c/acme/questions/{id}/reply"), &[("csrf", &csrf), ("step", "review"), ("body", answer)])
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("asker@example.com") && review.body.contains("id=\"review\""), "{}", review.body);
    assert_eq!(app.count("billing_question_messages").await, 1, "the review changes nothing");
    let nonce = review.field("nonce");
    let fields = [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("step", "confirm"), ("body", answer)];
    let done = b.post(&format!("/c/acme/questions/{id}/reply"), &fields).await;
    let outcome = format!("/c/acme/questions/{id}?done=reply");
    assert_eq!((done.status, done.location.as_deref()), (303, Some(outcome.as_str())), "{}", done.body);
    let again = b.post(&format!("/c/acme/questions/{id}/reply"), &fields).await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some(outcome.as_str())));
    assert_eq!(app.count("billing_question_messages").await, 2, "one answer for two submissions");
    assert_eq!(app.count("outbox WHERE topic = 'billing_question.replied'").await, 1, "one mail queued");

    // The API (and so the portal) sees the answer and the first-response time.
    let (_, q) = app.get(&format!("/api/v1/billing_questions/{id}")).await;
    assert_eq!(
        (q["status"].as_str(), q["first_response_at"].as_str()),
        (Some("answered"), Some("2026-03-02T10:30:00Z"))
    );
    let lines = audit_details(&app, "question.reply").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, "done");
    assert_eq!(lines[0].1.as_ref().unwrap()["status"], "open");
    assert_eq!(lines[0].2.as_ref().unwrap()["status"], "answered");

    let shown = b.get(&outcome).await;
    assert!(
        shown.body.contains("id=\"done\"") && shown.body.contains("The invoice has the details."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("2 h 30 min"), "first response after 2.5 hours: {}", shown.body);

    // Closed a day later: the resolution time, and the medians on the inbox.
    // (A staff session lasts 12 hours: sign in again.)
    app.clock.set(instant("2026-03-03T09:00:00Z"));
    let mut b = signed_in(&app, "support@example.com").await;
    let csrf = b.get(&format!("/c/acme/questions/{id}")).await.field("csrf");
    let review = b.post(&format!("/c/acme/questions/{id}/close"), &[("csrf", &csrf), ("step", "review")]).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let nonce = review.field("nonce");
    let closed = b
        .post(&format!("/c/acme/questions/{id}/close"), &[("csrf", &csrf), ("nonce", &nonce), ("step", "confirm")])
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let (_, q) = app.get(&format!("/api/v1/billing_questions/{id}")).await;
    assert_eq!(q["status"], "closed");
    let open = b.get("/c/acme/questions").await;
    assert!(open.body.contains("id=\"no-questions\""), "nothing open any more: {}", open.body);
    let all = b.get("/c/acme/questions?status=closed").await;
    assert!(all.body.contains("Why is my invoice 29 EUR?"), "{}", all.body);
    assert!(
        all.body.contains("<p style=\"font-size:1.4rem;margin:.25rem 0 0\" id=\"median-first\">2 h 30 min</p>"),
        "{}",
        all.body
    );
    assert!(all.body.contains("id=\"median-resolution\">1 d 1 h</p>"), "{}", all.body);
    // A closed question takes no answer.
    let late = b.post(&format!("/c/acme/questions/{id}/reply"), &[("csrf", &csrf), ("body", "More")]).await;
    assert_eq!(late.status, 400);
    assert!(late.body.contains("This question is closed"), "{}", late.body);
    // Another tenant's (or an unknown) question is not found.
    assert_eq!(b.get("/c/acme/questions/bq_0190d0f0c0b07000800000000000000a").await.status, 404);
}

#[tokio::test]
async fn support_resends_a_mail_as_a_new_mail_with_a_new_message_id_once() {
    let app = TestApp::spawn().await;
    let (customer, _) = app.invoiced_march_customer("resend@example.com", "EUR").await;
    let (other, _) = app.invoiced_march_customer("other@example.com", "EUR").await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    billing_core::service::delivery::fan_out(&mut conn, "shop.example", instant("2026-03-01T09:05:00Z"), 500)
        .await
        .unwrap();
    drop(conn);
    let (mail, message_id, template, payload): (uuid::Uuid, String, String, Value) = sqlx::query_as(
        "SELECT id, message_id, template, payload FROM mails WHERE to_address = 'resend@example.com' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the invoice mail was made");
    let other_mail: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM mails WHERE to_address = 'other@example.com' LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    staff(&app, "support@example.com", "support").await;
    staff(&app, "analyst@example.com", "analyst").await;
    let mut b = signed_in(&app, "support@example.com").await;
    let page = b.get(&format!("/c/acme/customers/{customer}")).await;
    let link = format!("/c/acme/customers/{customer}/mails/{mail}/resend");
    assert!(page.body.contains(&link), "the mails list offers a resend: {}", page.body);

    let review = b.get(&link).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("resend@example.com") && review.body.contains(&template), "{}", review.body);
    // Another customer's mail under this customer is not found.
    assert_eq!(b.get(&format!("/c/acme/customers/{customer}/mails/{other_mail}/resend")).await.status, 404);
    let fields = [("csrf", review.field("csrf")), ("nonce", review.field("nonce")), ("step", "confirm".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b.post(&link, &fields).await;
    let outcome = format!("/c/acme/customers/{customer}?done=resend-mail");
    assert_eq!((done.status, done.location.as_deref()), (303, Some(outcome.as_str())), "{}", done.body);
    assert_eq!(b.post(&link, &fields).await.location.as_deref(), Some(outcome.as_str()), "a repeat leads to the first");
    let copies: Vec<(uuid::Uuid, String, String, Value, String)> = sqlx::query_as(
        "SELECT id, message_id, template, payload, status FROM mails WHERE to_address = 'resend@example.com'
          AND template = $1 ORDER BY id",
    )
    .bind(&template)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(copies.len(), 2, "one new mail for two submissions");
    let new = &copies[1];
    assert_ne!(new.1, message_id, "a new Message-ID");
    assert!(new.1.ends_with("@shop.example>"), "{}", new.1);
    assert_eq!((&new.2, &new.3, new.4.as_str()), (&template, &payload, "pending"), "the same mail, queued");
    let lines = audit_details(&app, "customer.resend_mail").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].1.as_ref().unwrap()["message_id"], message_id.as_str());
    assert_eq!(lines[0].2.as_ref().unwrap()["mail"], new.0.to_string());
    assert!(b.get(&outcome).await.body.contains("queued to be sent again"));

    // The analyst may not resend.
    let mut a = signed_in(&app, "analyst@example.com").await;
    assert_eq!(a.get(&link).await.status, 403);
    let _ = other;
}

/// A `multipart/form-data` body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: (&str, &str)) -> (String, Vec<u8>) {
    let boundary = "----consoleopsboundary7d1";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

#[tokio::test]
async fn a_bank_statement_is_uploaded_and_an_unmatched_line_assigned_by_hand_once() {
    let app = TestApp::spawn().await;
    let (_, first) = app.invoiced_march_customer("first@example.com", "EUR").await;
    let (second_customer, second) = app.invoiced_march_customer("second@example.com", "EUR").await;
    let (first_number, second_id) = (first["number"].as_str().unwrap(), second["id"].as_str().unwrap());
    let csv = format!(
        "Date,Value date,Counterparty,IBAN,Description,Amount,Currency\n\
         2026-03-10,2026-03-10,Payer,DE02120300000000202051,Invoice {first_number},29.00,EUR\n\
         2026-03-11,2026-03-11,Someone,DE88100900001234567892,thanks for everything,29.00,EUR\n"
    );
    staff(&app, "finance@example.com", "finance").await;
    staff(&app, "support@example.com", "support").await;

    // Support moves no money: the bank page is refused.
    let mut s = signed_in(&app, "support@example.com").await;
    assert_eq!(s.get("/c/acme/bank").await.status, 403);

    let mut b = signed_in(&app, "finance@example.com").await;
    let page = b.get("/c/acme/bank").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let (content_type, body) = multipart(&[("csrf", &csrf), ("nonce", &nonce), ("format", "")], ("march.csv", &csv));
    let req = b.http.post(app.url("/c/acme/bank")).header("content-type", &content_type).body(body.clone());
    let uploaded = b.send(req).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let import = uploaded.location.clone().unwrap();
    // The same form again (double click) leads to the same import and imports nothing twice.
    let req = b.http.post(app.url("/c/acme/bank")).header("content-type", &content_type).body(body);
    assert_eq!(b.send(req).await.location, Some(import.clone()));
    assert_eq!(app.count("bank_statement_imports").await, 1);
    assert_eq!(app.count("invoice_payments").await, 1, "the line naming an invoice paid it");

    let shown = b.get(&import).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let (open, matched) = shown.body.split_once("id=\"matched-lines\"").unwrap();
    assert!(open.contains("thanks for everything") && open.contains("No invoice found"), "{open}");
    assert!(matched.contains(first_number) && matched.contains("Paid"), "{matched}");

    // Assign line 2 to the second invoice: a reason is required, then review, then confirm once.
    let assign = format!("{import}/lines/2/assign");
    let form = b.get(&assign).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(second["number"].as_str().unwrap()), "the open invoices to choose: {}", form.body);
    let csrf = form.field("csrf");
    let no_reason =
        b.post(&assign, &[("csrf", &csrf), ("step", "review"), ("invoice", second_id), ("reason", "")]).await;
    assert_eq!(no_reason.status, 400);
    let reason = "Paid without a reference, confirmed by phone";
    let review =
        b.post(&assign, &[("csrf", &csrf), ("step", "review"), ("invoice", second_id), ("reason", reason)]).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert_eq!(app.count("invoice_payments").await, 1, "the review moves no money");
    let nonce = review.field("nonce");
    let fields =
        [("csrf", csrf.as_str()), ("nonce", &nonce), ("step", "confirm"), ("invoice", second_id), ("reason", reason)];
    let done = b.post(&assign, &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(b.post(&assign, &fields).await.status, 303);
    assert_eq!(app.count("invoice_payments").await, 2, "one payment for two submissions");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{second_id}")).await;
    assert_eq!(inv["status"], "paid");
    // A fresh form for the same line cannot settle it twice: the engine refuses (409).
    let again =
        b.post(&assign, &[("csrf", &csrf), ("step", "review"), ("invoice", second_id), ("reason", reason)]).await;
    let nonce = again.field("nonce");
    let twice = b
        .post(
            &assign,
            &[("csrf", &csrf), ("nonce", &nonce), ("step", "confirm"), ("invoice", second_id), ("reason", reason)],
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert_eq!(app.count("invoice_payments").await, 2);
    let (customer_id, reason_logged): (Option<uuid::Uuid>, Option<String>) = sqlx::query_as(
        "SELECT customer_id, reason FROM staff_audit_log WHERE action = 'customer.bank_assign' AND outcome = 'done'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(customer_id.is_some(), "the assignment is on the customer's audit trail");
    assert_eq!(reason_logged.as_deref(), Some(reason));
    let _ = second_customer;
    assert_eq!(audit_details(&app, "bank.import").await.len(), 1, "the upload is on record");
}

#[tokio::test]
async fn an_admin_edits_the_settings_through_the_confirm_step_and_finance_is_refused() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    staff(&app, "finance@example.com", "finance").await;
    let mut f = signed_in(&app, "finance@example.com").await;
    assert_eq!(f.get("/c/acme/settings").await.status, 403);
    assert!(!f.get("/c/acme/dashboard").await.body.contains("/c/acme/settings\""), "not in finance's menu");

    let mut b = signed_in(&app, "admin@example.com").await;
    let page = b.get("/c/acme/settings").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.field("csrf");

    // Save one section: review (before → after), confirm; the audit line has both.
    async fn save(b: &mut Browser<'_>, section: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let path = format!("/c/acme/settings/{section}");
        let mut form = vec![("csrf", csrf), ("step", "review")];
        form.extend_from_slice(fields);
        let review = b.post(&path, &form).await;
        if review.status != 200 {
            return review;
        }
        let nonce = review.field("nonce");
        let mut form = vec![("csrf", csrf), ("step", "confirm"), ("nonce", nonce.as_str())];
        form.extend_from_slice(fields);
        b.post(&path, &form).await
    }
    let done = save(
        &mut b,
        "branding",
        &csrf,
        &[
            ("brand_color", "#AA3300"),
            ("logo_url", "https://cdn.example/logo.png"),
            ("sender_name", "Acme Billing"),
            ("reply_to", "help@acme.example"),
        ],
    )
    .await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/c/acme/settings?done=branding&faq=en")));
    let (_, tenant) = app.get("/api/v1/tenant").await;
    assert_eq!(
        (tenant["brand_color"].as_str(), tenant["logo_url"].as_str()),
        (Some("#aa3300"), Some("https://cdn.example/logo.png"))
    );
    let (_, mail) = app.get("/api/v1/mail_settings").await;
    assert_eq!(
        (mail["sender_name"].as_str(), mail["reply_to"].as_str()),
        (Some("Acme Billing"), Some("help@acme.example"))
    );
    let lines = audit_details(&app, "settings.branding").await;
    assert_eq!(lines[0].1.as_ref().unwrap()["brand_color"], "#1f4e79");
    assert_eq!(lines[0].2.as_ref().unwrap()["brand_color"], "#AA3300");

    // A bad colour is refused beside its field and changes nothing.
    let bad = save(
        &mut b,
        "branding",
        &csrf,
        &[("brand_color", "red"), ("logo_url", ""), ("sender_name", ""), ("reply_to", "")],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("id=\"branding-error\"") && bad.body.contains("six hexadecimal digits"), "{}", bad.body);

    // The dunning policy as rows; the engine's checks in the page's language (German here).
    let rows = [("day", "3"), ("action", "retry"), ("day", "1"), ("action", "email"), ("day", ""), ("action", "")];
    let refused = b
        .post(
            "/c/acme/settings/dunning?lang=de",
            &[&[("csrf", csrf.as_str()), ("step", "review")][..], &rows[..]].concat(),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Stufe 2: Ihr Tag liegt vor dem Tag der Stufe darüber."), "{}", refused.body);
    b.get("/c/acme/settings?lang=en").await;
    let rows = [
        ("day", "3"),
        ("action", "retry"),
        ("day", "10"),
        ("action", "email"),
        ("day", "30"),
        ("action", "mark_uncollectible"),
        ("day", ""),
        ("action", ""),
    ];
    let done = save(&mut b, "dunning", &csrf, &rows).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, policy) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(policy["steps"].as_array().map(Vec::len), Some(3), "{policy}");
    assert_eq!(policy["steps"][2]["action"], "mark_uncollectible");

    // Tax registrations: add FR, then remove it; the home country is refused.
    assert_eq!(save(&mut b, "tax", &csrf, &[("add", "fr")]).await.status, 303);
    let (_, tenant) = app.get("/api/v1/tenant").await;
    assert_eq!(tenant["tax"]["registrations"], json!(["FR"]));
    let home = tenant["country"].as_str().unwrap().to_string();
    let refused = save(&mut b, "tax", &csrf, &[("add", &home)]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(save(&mut b, "tax", &csrf, &[("remove", "FR"), ("add", "")]).await.status, 303);
    let (_, tenant) = app.get("/api/v1/tenant").await;
    assert_eq!(tenant["tax"]["registrations"], json!([]));

    // Portal options: a pause offer and the survey waiting period; an unknown coupon is refused.
    let refused = save(
        &mut b,
        "portal",
        &csrf,
        &[("retention_kind", "coupon"), ("retention_coupon", "NOPE"), ("nps_wait_days", "14")],
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("There is no coupon with this code."), "{}", refused.body);
    let done = save(
        &mut b,
        "portal",
        &csrf,
        &[("retention_kind", "pause"), ("retention_coupon", ""), ("nps_wait_days", "14")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, survey) = app.get("/api/v1/portal/survey_settings").await;
    assert_eq!(survey["nps_wait_days"], 14, "{survey}");

    // The German FAQ, entry by entry; the English one is kept.
    let (s, _) = app
        .send(
            app.http
                .put(app.url("/api/v1/portal/faq"))
                .json(&json!({ "entries": [{ "locale": "en", "question": "Q?", "answer": "A." }] })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200);
    let faq = [
        ("faq_lang", "de"),
        ("question", "Wie kündige ich?"),
        ("answer", "Im Portal unter Abo."),
        ("question", ""),
        ("answer", ""),
    ];
    assert_eq!(save(&mut b, "faq", &csrf, &faq).await.status, 303);
    let (_, stored) = app.get("/api/v1/portal/faq").await;
    assert_eq!(stored["entries"].as_array().map(Vec::len), Some(2), "{stored}");
    let half = save(&mut b, "faq", &csrf, &[("faq_lang", "de"), ("question", "Nur Frage"), ("answer", "")]).await;
    assert_eq!(half.status, 400);

    assert_eq!(save(&mut b, "languages", &csrf, &[("default_locale", "de")]).await.status, 303);
    let (_, tenant) = app.get("/api/v1/tenant").await;
    assert_eq!(tenant["default_locale"], "de");
    let done: i64 =
        sqlx::query_scalar("SELECT count(*) FROM staff_audit_log WHERE action LIKE 'settings.%' AND outcome = 'done'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(done, 7, "every saved section is on record");
}

/// The text between `start` and the next `end` in `body`.
fn between<'b>(body: &'b str, start: &str, end: &str) -> &'b str {
    let from = body.find(start).unwrap_or_else(|| panic!("no {start} in {body}")) + start.len();
    body[from..].split(end).next().unwrap()
}

/// The status of `GET /api/v1/customers` with `key`.
async fn api_status(app: &TestApp, key: &str) -> u16 {
    app.http.get(app.url("/api/v1/customers")).bearer_auth(key).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn an_admin_creates_rotates_and_revokes_an_api_key_with_its_secret_shown_once_and_others_are_refused() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    for role in ["finance", "support", "analyst"] {
        staff(&app, &format!("{role}@example.com"), role).await;
    }
    let mut admin = signed_in(&app, "admin@example.com").await;
    let page = admin.get("/c/acme/api-keys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"api-keys\""), "{}", page.body);
    let csrf = page.field("csrf");

    // Create: the form, the confirm step, the secret once.
    let form = [("csrf", csrf.as_str()), ("step", "review"), ("name", "usage collector"), ("scopes", "usage:write")];
    let missing = admin.post("/c/acme/api-keys", &[("csrf", &csrf), ("step", "review"), ("name", "no scope")]).await;
    assert_eq!(missing.status, 400, "a key needs a scope");
    assert!(missing.body.contains("Choose at least one scope"), "{}", missing.body);
    let review = admin.post("/c/acme/api-keys", &form).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("usage:write") && review.body.contains("id=\"review\""), "{}", review.body);
    assert_eq!(app.count("api_keys WHERE name = 'usage collector'").await, 0, "the review creates nothing");
    let nonce = review.field("nonce");
    let confirm = [
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("step", "confirm"),
        ("name", "usage collector"),
        ("scopes", "usage:write"),
    ];
    let created = admin.post("/c/acme/api-keys", &confirm).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let secret = between(&created.body, "id=\"api-key-secret\">", "<").to_string();
    assert!(secret.starts_with("sk_"), "{secret}");
    assert_eq!(api_status(&app, &secret).await, 403, "the key works, with its scope only");
    let again = admin.post("/c/acme/api-keys", &confirm).await;
    assert_eq!((again.status, again.location.as_deref()), (303, Some("/c/acme/api-keys")), "a resubmission");
    assert_eq!(app.count("api_keys WHERE name = 'usage collector'").await, 1, "one key for two submissions");
    let list = admin.get("/c/acme/api-keys").await;
    assert!(!list.body.contains(&secret), "the secret is never shown again");
    assert!(list.body.contains("usage collector") && list.body.contains(&secret[..12]), "name and prefix listed");
    let id = between(&list.body, "/c/acme/api-keys/", "/rotate").to_string();
    assert!(id.starts_with("key_"), "{id}");

    // Rotate without an overlap: the old secret stops, the new one works.
    let page = admin.get(&format!("/c/acme/api-keys/{id}/rotate")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let rotate = [("csrf", csrf.as_str()), ("nonce", &page.field("nonce")), ("overlap_hours", "0")];
    let rotated = admin.post(&format!("/c/acme/api-keys/{id}/rotate"), &rotate).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = between(&rotated.body, "id=\"api-key-secret\">", "<").to_string();
    assert_ne!(new_secret, secret);
    assert_eq!((api_status(&app, &secret).await, api_status(&app, &new_secret).await), (401, 403));

    // Revoke.
    let page = admin.get(&format!("/c/acme/api-keys/{id}/revoke")).await;
    let revoke = [("csrf", csrf.as_str()), ("nonce", &page.field("nonce"))];
    let revoked = admin.post(&format!("/c/acme/api-keys/{id}/revoke"), &revoke).await;
    assert_eq!((revoked.status, revoked.location.as_deref()), (303, Some("/c/acme/api-keys?done=revoke")));
    assert_eq!(api_status(&app, &new_secret).await, 401, "revoked at once");
    assert_eq!(admin.get(&format!("/c/acme/api-keys/{id}/rotate")).await.status, 404, "a revoked key has no actions");
    let done: Vec<_> =
        audit(&app).await.into_iter().filter(|(a, o, _)| a.starts_with("api_key.") && o == "done").collect();
    let actions: Vec<&str> = done.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, ["api_key.create", "api_key.rotate", "api_key.revoke"]);
    assert!(done.iter().all(|(_, _, who)| who == "staff:admin@example.com"));
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM staff_audit_log WHERE after::text LIKE '%' || $1 || '%' OR after::text LIKE '%' || $2 || '%'",
    )
    .bind(&secret)
    .bind(&new_secret)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(logged, 0, "no secret in the audit log");

    // Another merchant's key is not there.
    let other = create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let theirs = billing_core::service::api_keys::list(&mut conn, other.id).await.unwrap();
    drop(conn);
    assert_eq!(admin.get(&format!("/c/acme/api-keys/{}/revoke", theirs[0].id)).await.status, 404);

    // No other role opens the developer pages; refusals are audited.
    for role in ["finance", "support", "analyst"] {
        let mut b = signed_in(&app, &format!("{role}@example.com")).await;
        let dash = b.get("/c/acme/dashboard").await;
        assert!(!dash.body.contains("/c/acme/api-keys"), "{role}: no navigation to the keys");
        let revoke = format!("/c/acme/api-keys/{id}/revoke");
        for path in ["/c/acme/api-keys", "/c/acme/webhooks", revoke.as_str()] {
            assert_eq!(b.get(path).await.status, 403, "{role} {path}");
        }
        let csrf = dash.field("csrf");
        let nonce = "b".repeat(64);
        let post = b
            .post(
                "/c/acme/api-keys",
                &[("csrf", &csrf), ("nonce", &nonce), ("step", "confirm"), ("name", "mine"), ("scopes", "full")],
            )
            .await;
        assert_eq!(post.status, 403, "{role}");
    }
    assert_eq!(app.count("api_keys WHERE name = 'mine'").await, 0, "no key made by another role");
    let refused = audit(&app).await.into_iter().filter(|(a, o, _)| a == "api_key.create" && o == "refused").count();
    assert_eq!(refused, 3);
}

#[tokio::test]
async fn an_admin_adds_an_endpoint_rotates_its_secret_and_disables_it_through_confirm_steps() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    let mut admin = signed_in(&app, "admin@example.com").await;
    let page = admin.get("/c/acme/webhooks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.field("csrf");
    let bad = admin
        .post("/c/acme/webhooks", &[("csrf", &csrf), ("step", "review"), ("url", "ftp://x"), ("events", "*")])
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let form =
        [("csrf", csrf.as_str()), ("step", "review"), ("url", "http://127.0.0.1:9/hook"), ("events", "invoice.*")];
    let review = admin.post("/c/acme/webhooks", &form).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let nonce = review.field("nonce");
    let mut confirm = vec![("nonce", nonce.as_str()), ("step", "confirm"), ("description", "")];
    confirm.extend([("csrf", csrf.as_str()), ("url", "http://127.0.0.1:9/hook"), ("events", "invoice.*")]);
    let added = admin.post("/c/acme/webhooks", &confirm).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let secret = between(&added.body, "id=\"webhook-secret\">", "<").to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(admin.post("/c/acme/webhooks", &confirm).await.status, 303, "a resubmission adds nothing");
    assert_eq!(app.count("webhook_endpoints").await, 1);
    let list = admin.get("/c/acme/webhooks").await;
    assert!(!list.body.contains(&secret), "shown once");
    let id = between(&list.body, "/c/acme/webhooks/", "\"").to_string();
    let detail = admin.get(&format!("/c/acme/webhooks/{id}")).await;
    assert_eq!(detail.status, 200, "{}", detail.body);

    let page = admin.get(&format!("/c/acme/webhooks/{id}/rotate")).await;
    let rotated =
        admin.post(&format!("/c/acme/webhooks/{id}/rotate"), &[("csrf", &csrf), ("nonce", &page.field("nonce"))]).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = between(&rotated.body, "id=\"webhook-secret\">", "<").to_string();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);

    let page = admin.get(&format!("/c/acme/webhooks/{id}/disable")).await;
    let off = admin
        .post(&format!("/c/acme/webhooks/{id}/disable"), &[("csrf", &csrf), ("nonce", &page.field("nonce"))])
        .await;
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(app.count("webhook_endpoints WHERE status = 'disabled'").await, 1);
    let actions: Vec<String> = audit(&app)
        .await
        .into_iter()
        .filter(|(a, o, _)| a.starts_with("webhook_endpoint.") && o == "done")
        .map(|(a, _, _)| a)
        .collect();
    assert_eq!(actions, ["webhook_endpoint.create", "webhook_endpoint.rotate", "webhook_endpoint.disable"]);
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

/// The accountants' files in the console (issue 14 "Exports"): finance downloads the invoices,
/// credit notes and payments CSV and the DATEV Buchungsstapel of a range, the very files the API
/// answers; a reversed range or a DATEV range across fiscal years shows the form again with the
/// reason; support and analysts are refused, and every download and refusal is audited.
#[tokio::test]
async fn finance_downloads_the_exports_of_a_range_and_support_is_refused() {
    let app = TestApp::spawn().await;
    let (_, invoice) = app.invoiced_march_customer("payer@example.com", "EUR").await;
    let number = invoice["number"].as_str().unwrap().to_string();
    app.clock.set(instant("2026-04-02T09:00:00Z"));
    staff(&app, "fin@example.com", "finance").await;
    staff(&app, "sup@example.com", "support").await;
    let mut b = signed_in(&app, "fin@example.com").await;

    let page = b.get("/c/acme/exports").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/c/acme/exports\" aria-current=\"page\""), "in finance's menu: {}", page.body);
    // Last month by default, and one button per file, each a plain GET (no script).
    assert!(page.body.contains("name=\"from\" value=\"2026-03-01\""), "{}", page.body);
    assert!(page.body.contains("name=\"to\" value=\"2026-03-31\""), "{}", page.body);
    for file in ["invoices.csv", "credit-notes.csv", "payments.csv", "datev.csv"] {
        assert!(page.body.contains(&format!("formaction=\"/c/acme/exports/{file}\"")), "{file}: {}", page.body);
    }
    assert!(
        page.body.contains("Consultant number (Beraternummer)")
            && page.body.contains("name=\"consultant_number\" value=\"1001\""),
        "the DATEV settings form with the defaults: {}",
        page.body
    );

    // The same bytes as the API's files for the range (the clock is the same, so is the DATEV
    // header's creation time).
    let api = |path: String| {
        let req = app.http.get(app.url(&path)).bearer_auth(&app.tenant.api_key);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let range = "from=2026-03-01&to=2026-03-31";
    let datev = b.get(&format!("/c/acme/exports/datev.csv?{range}")).await;
    assert_eq!(datev.status, 200, "{}", datev.body);
    assert_eq!(datev.content_type, "text/csv; charset=windows-1252");
    assert!(datev.body.starts_with("\"EXTF\";700;21;\"Buchungsstapel\";13;"), "{}", datev.body);
    let belegfeld = billing_core::datev::document_field(&number);
    assert!(datev.body.contains(&format!("\"{belegfeld}\"")), "the invoice is booked: {}", datev.body);
    assert_eq!(datev.body, api(format!("/api/v1/exports/datev?{range}")).await);
    for (file, path) in
        [("invoices.csv", "invoices"), ("credit-notes.csv", "credit_notes"), ("payments.csv", "payments")]
    {
        let got = b.get(&format!("/c/acme/exports/{file}?{range}")).await;
        assert_eq!((got.status, got.content_type.as_str()), (200, "text/csv; charset=utf-8"), "{file}");
        assert_eq!(got.body, api(format!("/api/v1/exports/{path}?{range}")).await, "{file}");
    }
    let invoices = b.get(&format!("/c/acme/exports/invoices.csv?{range}")).await;
    assert!(invoices.body.contains(&number), "{}", invoices.body);

    // A reversed range, half a range and a DATEV range across the fiscal year: the form again.
    let reversed = b.get("/c/acme/exports/invoices.csv?from=2026-03-31&to=2026-03-01").await;
    assert_eq!(reversed.status, 400);
    assert!(reversed.content_type.starts_with("text/html"), "{}", reversed.content_type);
    assert!(reversed.body.contains("Enter two dates, the first not after the second"), "{}", reversed.body);
    assert!(reversed.body.contains("name=\"from\" value=\"2026-03-31\""), "the entry is kept: {}", reversed.body);
    let half = b.get("/c/acme/exports/payments.csv?from=2026-03-01&to=").await;
    assert_eq!(half.status, 400);
    let across = b.get("/c/acme/exports/datev.csv?from=2025-12-01&to=2026-01-31").await;
    assert_eq!(across.status, 400);
    assert!(across.body.contains("A DATEV file must lie within one fiscal year"), "{}", across.body);
    assert_eq!(b.get("/c/acme/exports/everything.zip?from=2026-03-01&to=2026-03-31").await.status, 404);

    // In German: the page and its refusal in the staff member's language.
    let de = b.get("/c/acme/exports?lang=de").await;
    assert!(de.body.contains("DATEV-Buchungsstapel") && de.body.contains("Beraternummer"), "{}", de.body);

    // Support and analysts: no menu entry, 403 for the page and for a file, each refusal audited.
    let mut s = signed_in(&app, "sup@example.com").await;
    let dashboard = s.get("/c/acme/dashboard").await;
    assert!(!dashboard.body.contains("/c/acme/exports"), "not in support's menu");
    assert_eq!(s.get("/c/acme/exports").await.status, 403);
    let refused = s.get(&format!("/c/acme/exports/datev.csv?{range}")).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("EXTF"), "no file for support");

    let lines: Vec<(String, String, String, Option<Value>)> = sqlx::query_as(
        "SELECT action, outcome, actor, after FROM staff_audit_log WHERE action LIKE 'exports.%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let done: Vec<&str> = lines.iter().filter(|l| l.1 == "done").map(|l| l.0.as_str()).collect();
    assert_eq!(
        done,
        ["exports.datev", "exports.invoices", "exports.credit_notes", "exports.payments", "exports.invoices"],
        "one line per file downloaded, none for the refused ranges: {lines:?}"
    );
    let first = &lines.iter().find(|l| l.0 == "exports.datev" && l.1 == "done").unwrap().3;
    assert_eq!(first.as_ref().unwrap()["from"], "2026-03-01", "{first:?}");
    assert_eq!(first.as_ref().unwrap()["file"], "EXTF_Buchungsstapel_20260301_20260331.csv");
    let refusals: Vec<(&str, &str)> =
        lines.iter().filter(|l| l.1 == "refused").map(|l| (l.0.as_str(), l.2.as_str())).collect();
    assert_eq!(refusals, [("exports.view", "staff:sup@example.com"), ("exports.datev", "staff:sup@example.com")]);
}

/// `billing demo` prints the console's URL and the demo staff sign-ins, and what it prints works:
/// the finance sign-in printed opens the console's dashboard at the printed address.
#[tokio::test]
async fn billing_demo_prints_the_console_url_and_sign_ins_that_work() {
    use std::io::BufRead;
    let db = billing_tests::TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(billing_tests::billing_binary())
        .arg("demo")
        .env("DATABASE_URL", &db.url)
        .env("BILLING__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BILLING__JOBS__INVOICE_RUN", "")
        .env("BILLING__JOBS__METRICS_SNAPSHOT", "")
        .env("BILLING__JOBS__FX_IMPORT", "")
        .env("BILLING__JOBS__VIES_RECHECK", "")
        .env("BILLING_DEMO_HISTORY", "0")
        .env("BILLING_LOG", "warn")
        .env("LANG", "en_US.UTF-8")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("billing demo starts");
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = vec![];
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let done = line.contains("(analyst)");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(std::time::Duration::from_secs(180), lines).await;
    let lines = match lines {
        Ok(l) => l.unwrap(),
        Err(_) => {
            child.kill().ok();
            panic!("billing demo printed no console sign-ins within 3 minutes");
        }
    };
    let base = format!("http://127.0.0.1:{port}");
    let console = format!("Console for finance staff: {base}/c/demo/sign-in");
    let all = lines.join("\n");
    assert!(lines.iter().any(|l| l.trim() == console), "{all}");
    for role in ["admin", "finance", "support", "analyst"] {
        let line = format!("Console sign-in: {role}@demo.example / demo-{role}-2026 ({role})");
        assert!(lines.iter().any(|l| l.trim() == line), "{line} in:\n{all}");
    }

    // Signing in with what was printed.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut ready = false;
    for _ in 0..120 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ready, "the demo serves at {base}");
    let cookies = |resp: &reqwest::Response| {
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let page = http.get(format!("{base}/c/demo/sign-in")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let jar = cookies(&page);
    let body = page.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let csrf = body[body.find(marker).unwrap() + marker.len()..].split('"').next().unwrap().to_string();
    let form = encode(&[("csrf", &csrf), ("email", "finance@demo.example"), ("password", "demo-finance-2026")]);
    let signed = http
        .post(format!("{base}/c/demo/sign-in"))
        .header("cookie", &jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()["location"], "/c/demo/dashboard");
    // The session's cookies replace those of the same name from the sign-in page.
    let mut merged: Vec<(String, String)> = vec![];
    for pair in jar.split("; ").chain(cookies(&signed).split("; ")).filter(|p| p.contains('=')) {
        let (k, v) = pair.split_once('=').unwrap();
        merged.retain(|(name, _)| name != k);
        merged.push((k.to_string(), v.to_string()));
    }
    let cookie = merged.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let dashboard = http.get(format!("{base}/c/demo/dashboard")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().await.unwrap().contains("finance@demo.example"), "signed in as finance");
    child.kill().ok();
    child.wait().ok();
}
