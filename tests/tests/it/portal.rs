//! The customer portal over real HTTP against a real PostgreSQL: sign-in by email link (read from
//! the outbox the mail worker sends from), sessions, CSRF refusal, once-only forms, the sign-in
//! rate limit, tenant and customer isolation (404 for every id that is not the customer's), the
//! plan change after its preview, the VAT ID refused in German, cancellation with a reason, and
//! the merchant's signed portal URL.

use billing_tests::{TestApp, create_catalog, create_tenant, instant};
use serde_json::{Value, json};

/// A browser without JavaScript: keeps cookies, never follows redirects by itself.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
    pub(crate) lang: Option<&'static str>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
    /// The page's Content-Security-Policy.
    pub(crate) csp: Option<String>,
}

impl Page {
    /// The value of the first hidden input `name` in the page.
    pub(crate) fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.body)) + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                        b' ' => "+".to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { app, http, cookies: vec![], lang: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req.header("cookie", self.cookie_header());
        if let Some(l) = self.lang {
            req = req.header("accept-language", l);
        }
        let resp = req.send().await.expect("request");
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
        let csp = resp.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string());
        let body = resp.text().await.unwrap_or_default();
        Page { status, location, body, csp }
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

    /// Signs in through the sign-in page and the link from the mail in the outbox.
    pub(crate) async fn sign_in(&mut self, tenant: &str, email: &str) -> Page {
        let page = self.get(&format!("/p/{tenant}/sign-in")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.field("csrf");
        let sent = self.post(&format!("/p/{tenant}/sign-in"), &[("csrf", &csrf), ("email", email)]).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let url = last_link(self.app, &email.to_lowercase()).await;
        let path = url.split_once("/p/").map(|(_, p)| format!("/p/{p}")).unwrap();
        let confirm = self.get(&path).await;
        assert_eq!(confirm.status, 200);
        let token = confirm.field("token");
        let csrf = confirm.field("csrf");
        let done = self.post(&format!("/p/{tenant}/sign-in/link"), &[("csrf", &csrf), ("token", &token)]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        done
    }
}

/// The link of the newest sign-in mail to `email`, as the mail worker will send it.
async fn last_link(app: &TestApp, email: &str) -> String {
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE topic = 'portal.sign_in_link' AND payload->>'to' = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.db.pool)
    .await
    .expect("a sign-in mail in the outbox");
    payload["url"].as_str().unwrap().to_string()
}

pub(crate) async fn customer(app: &TestApp, email: &str, country: &str) -> String {
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": email, "name": "Kunde Eins", "country": country, "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

pub(crate) async fn subscribe(app: &TestApp, customer: &str, plan: &str) -> String {
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": customer, "plan": plan, "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

async fn audit_events(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT event FROM portal_audit_log ORDER BY id").fetch_all(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_link_from_the_mail_signs_in_once_and_sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "kunde@example.com", "US").await;
    subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    // Not signed in: the overview sends to the sign-in page.
    let page = b.get("/p/acme").await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/p/acme/sign-in")));

    let done = b.sign_in("acme", "Kunde@Example.com").await;
    assert_eq!(done.location.as_deref(), Some("/p/acme"));
    let overview = b.get("/p/acme").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("Welcome, Kunde Eins."), "{}", overview.body);
    assert!(overview.body.contains("PRO"));
    // March is not invoiced yet: the next invoice is today's, EUR 29.00 before VAT.
    assert!(overview.body.contains("March 1, 2026"), "{}", overview.body);
    assert!(overview.body.contains("€29.00"), "{}", overview.body);

    // The link was used up: a second use is refused and changes nothing.
    let url = last_link(&app, "kunde@example.com").await;
    let path = url.split_once("/p/").map(|(_, p)| format!("/p/{p}")).unwrap();
    let mut other = Browser::new(&app);
    let again = other.get(&path).await;
    assert!(again.body.contains("expired or has already been used"), "{}", again.body);
    let token = url.split("token=").nth(1).unwrap().to_string();
    let csrf_page = other.get("/p/acme/sign-in").await;
    let csrf = csrf_page.field("csrf");
    let reuse = other.post("/p/acme/sign-in/link", &[("csrf", &csrf), ("token", &token)]).await;
    assert_eq!(reuse.status, 400);
    assert_eq!(other.get("/p/acme").await.status, 303, "no session from a used link");

    let csrf = b.get("/p/acme").await.field("csrf");
    let out = b.post("/p/acme/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/p/acme/sign-in")));
    assert_eq!(b.get("/p/acme").await.status, 303);
    let events = audit_events(&app).await;
    assert_eq!(events, ["link_requested", "signed_in", "sign_in_failed", "session_revoked"]);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM portal_sign_in_tokens WHERE used_at IS NOT NULL")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

/// The portal remembers each tenant between requests (docs/adr/0055). A change of the tenant's
/// settings made anywhere (here straight in the database, as another process or an operator
/// would) shows on the very next page: no waiting, no restart.
#[tokio::test]
async fn a_tenants_changed_settings_show_on_the_next_signed_in_page() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "kunde@example.com", "US").await;
    subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.lang = Some("de");
    b.sign_in("acme", "kunde@example.com").await;
    for _ in 0..2 {
        let page = b.get("/p/acme").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<html lang=\"de\""), "the browser's language: {}", page.body);
        assert!(!page.body.contains("/p/acme/logo?v="), "no logo yet");
    }
    let pool = &app.db.pool;
    let exec = |sql: &'static str| async move { sqlx::query(sql).execute(pool).await.unwrap() };

    exec("UPDATE tenants SET name = 'Acme Neu', brand_color = '#123456' WHERE slug = 'acme'").await;
    let page = b.get("/p/acme").await;
    assert!(page.body.contains("--brand: #123456;") && page.body.contains("Acme Neu"), "{}", page.body);

    exec(
        "INSERT INTO tenant_logos (tenant_id, content_type, data, sha256, updated_at)
         SELECT tenant_id, 'image/png', '\\x89504e47'::bytea, repeat('ab', 32), now() FROM tenants WHERE slug = 'acme'",
    )
    .await;
    let page = b.get("/p/acme").await;
    assert!(page.body.contains("/p/acme/logo?v=abababababab"), "the new logo: {}", page.body);
    exec("DELETE FROM tenant_logos").await;
    assert!(!b.get("/p/acme").await.body.contains("/p/acme/logo?v="), "the logo is gone");

    exec(
        "INSERT INTO portal_settings (tenant_id, offered_locales, updated_at)
         SELECT tenant_id, ARRAY['en', 'fr'], now() FROM tenants WHERE slug = 'acme'",
    )
    .await;
    let page = b.get("/p/acme").await;
    assert!(page.body.contains("<html lang=\"en\""), "German is not offered now: {}", page.body);
    exec("UPDATE portal_settings SET offered_locales = NULL").await;
    assert!(b.get("/p/acme").await.body.contains("<html lang=\"de\""), "every language again");
}

#[tokio::test]
async fn an_unknown_address_sees_the_same_page_and_gets_no_mail() {
    let app = TestApp::spawn().await;
    customer(&app, "known@example.com", "US").await;
    let mut b = Browser::new(&app);
    let csrf = b.get("/p/acme/sign-in").await.field("csrf");
    let known = b.post("/p/acme/sign-in", &[("csrf", &csrf), ("email", "known@example.com")]).await;
    let unknown = b.post("/p/acme/sign-in", &[("csrf", &csrf), ("email", "nobody@example.com")]).await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(
        known.body.replace("known@example.com", "ADDRESS"),
        unknown.body.replace("nobody@example.com", "ADDRESS"),
        "the page never tells whether an address is known"
    );
    assert_eq!(app.count("outbox WHERE topic = 'portal.sign_in_link'").await, 1);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "k@example.com", "US").await;
    let sub = subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.get("/p/acme/sign-in").await;
    let refused = b.post("/p/acme/sign-in", &[("email", "k@example.com")]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("This form has expired"), "{}", refused.body);
    let forged = b.post("/p/acme/sign-in", &[("csrf", &"0".repeat(64)), ("email", "k@example.com")]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(app.count("outbox WHERE topic = 'portal.sign_in_link'").await, 0);

    b.sign_in("acme", "k@example.com").await;
    let page = b.get(&format!("/p/acme/subscriptions/{sub}/cancel")).await;
    let nonce = page.field("nonce");
    // Another site's form: the session cookie goes along, the token does not.
    let cancel = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/cancel"),
            &[("nonce", &nonce), ("reason", "unused"), ("timing", "now")],
        )
        .await;
    assert_eq!(cancel.status, 403);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["cancel_at"].is_null()), (Some("active"), true));
}

#[tokio::test]
async fn sign_in_requests_are_limited_per_address() {
    let app = TestApp::spawn().await;
    customer(&app, "many@example.com", "US").await;
    let mut b = Browser::new(&app);
    let csrf = b.get("/p/acme/sign-in").await.field("csrf");
    for _ in 0..5 {
        let ok = b.post("/p/acme/sign-in", &[("csrf", &csrf), ("email", "many@example.com")]).await;
        assert_eq!(ok.status, 200);
    }
    let limited = b.post("/p/acme/sign-in", &[("csrf", &csrf), ("email", "many@example.com")]).await;
    assert_eq!(limited.status, 429);
    assert!(limited.body.contains("Too many attempts"), "{}", limited.body);
    assert_eq!(app.count("outbox WHERE topic = 'portal.sign_in_link'").await, 5, "no mail beyond the limit");
    assert!(audit_events(&app).await.contains(&"rate_limited".to_string()));
    // A quarter of an hour later the address may ask again.
    app.clock.set(instant("2026-03-01T09:16:00Z"));
    let later = b.post("/p/acme/sign-in", &[("csrf", &csrf), ("email", "many@example.com")]).await;
    assert_eq!(later.status, 200);
}

#[tokio::test]
async fn another_customers_or_tenants_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let mine = customer(&app, "me@example.com", "US").await;
    let theirs = customer(&app, "them@example.com", "US").await;
    subscribe(&app, &mine, "pro").await;
    let their_sub = subscribe(&app, &theirs, "pro").await;
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?customer={theirs}")).await;
    let their_invoice = list["data"][0]["id"].as_str().unwrap().to_string();

    let mut b = Browser::new(&app);
    b.sign_in("acme", "me@example.com").await;
    let csrf = b.get("/p/acme").await.field("csrf");
    for path in [
        format!("/p/acme/invoices/{their_invoice}"),
        format!("/p/acme/invoices/{their_invoice}/pdf"),
        format!("/p/acme/subscriptions/{their_sub}/change"),
        format!("/p/acme/subscriptions/{their_sub}/change?plan=yearly&quantity=2"),
        format!("/p/acme/subscriptions/{their_sub}/cancel"),
        "/p/acme/invoices/in_nonsense".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, 404, "GET {path}");
        assert!(page.body.contains("not yours to see"), "{path}: {}", page.body);
    }
    let nonce = "a".repeat(64);
    for path in [
        format!("/p/acme/invoices/{their_invoice}/pay"),
        format!("/p/acme/subscriptions/{their_sub}/change"),
        format!("/p/acme/subscriptions/{their_sub}/cancel"),
        format!("/p/acme/subscriptions/{their_sub}/pause"),
        format!("/p/acme/subscriptions/{their_sub}/resume"),
        format!("/p/acme/subscriptions/{their_sub}/undo-cancel"),
        format!("/p/acme/subscriptions/{their_sub}/retention"),
    ] {
        let page = b
            .post(
                &path,
                &[("csrf", &csrf), ("nonce", &nonce), ("plan", "yearly"), ("reason", "unused"), ("timing", "now")],
            )
            .await;
        assert_eq!(page.status, 404, "POST {path}");
    }
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{their_sub}")).await;
    assert_eq!((s["status"].as_str(), s["plan_name"].as_str()), (Some("active"), Some("PRO")));

    // Another tenant: its portal does not know this session, and its ids are not here either.
    let other = create_tenant(&app.db.pool, "globex", instant("2026-03-01T09:00:00Z")).await;
    create_catalog(&app.db.pool, other.id, instant("2026-03-01T09:00:00Z")).await;
    let page = b.get("/p/globex").await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/p/globex/sign-in")));
    assert_eq!(b.get("/p/no-such-tenant/sign-in").await.status, 404);
}

#[tokio::test]
async fn a_plan_change_is_confirmed_after_its_preview_and_a_second_submit_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "up@example.com", "US").await;
    let sub = subscribe(&app, &c, "pro").await;
    // March is invoiced; on 11 March the customer triples the quantity.
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    app.clock.set(instant("2026-03-11T09:00:00Z"));
    let mut b = Browser::new(&app);
    b.sign_in("acme", "up@example.com").await;
    let form = b.get(&format!("/p/acme/subscriptions/{sub}/change")).await;
    assert_eq!(form.status, 200);
    let ev = form.field("ev");
    let preview = b.get(&format!("/p/acme/subscriptions/{sub}/change?ev={ev}&plan=pro&quantity=3")).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    // The engine's own preview of the same change, through the API.
    let (s, api) = app.post(&format!("/api/v1/subscriptions/{sub}/change/preview"), json!({ "quantity": 3 })).await;
    assert_eq!(s, 200, "{api}");
    let total = api["total"].as_i64().unwrap();
    assert!(total > 0);
    let shown = format!("€{}.{:02}", total / 100, total % 100);
    assert!(preview.body.contains(&shown), "preview shows {shown}: {}", preview.body);
    assert!(preview.body.contains("21 of 31 days"), "{}", preview.body);

    let csrf = preview.field("csrf");
    let nonce = preview.field("nonce");
    let fields =
        [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("ev", ev.as_str()), ("plan", "pro"), ("quantity", "3")];
    let first = b.post(&format!("/p/acme/subscriptions/{sub}/change"), &fields).await;
    assert_eq!((first.status, first.location.as_deref()), (303, Some("/p/acme?done=change")));
    let second = b.post(&format!("/p/acme/subscriptions/{sub}/change"), &fields).await;
    assert_eq!((second.status, second.location.as_deref()), (303, Some("/p/acme?done=change")));
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(s["quantity"], 3);
    let (_, invoices) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    let prorations: Vec<&Value> =
        invoices["data"].as_array().unwrap().iter().filter(|i| i["kind"] == "proration").collect();
    assert_eq!(prorations.len(), 1, "one change, one proration invoice: {invoices}");
    assert_eq!(prorations[0]["subtotal"].as_i64(), Some(total), "the invoice is what the preview showed");
    let completed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM portal_events WHERE kind = 'action' AND action = 'change_plan' AND status = 'completed' AND duration_ms IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(completed, 1);
}

#[tokio::test]
async fn a_wrong_vat_id_is_refused_in_german_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    customer(&app, "firma@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.lang = Some("de-DE,de;q=0.9");
    b.sign_in("acme", "firma@example.com").await;
    let page = b.get("/p/acme/billing-details").await;
    assert!(page.body.contains("<html lang=\"de\">"));
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let wrong = b
        .post(
            "/p/acme/billing-details",
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("name", "Neuer Name"),
                ("email", "firma@example.com"),
                ("vat_id", "DE123456789"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("„DE123456789“ ist keine gültige USt-IdNr."), "{}", wrong.body);
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    let (_, c) = app.get("/api/v1/customers?limit=1").await;
    assert_eq!(c["data"][0]["name"], "Kunde Eins", "nothing stored");
    assert!(c["data"][0]["vat_id"].is_null());

    let good = b
        .post(
            "/p/acme/billing-details",
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("name", "Neuer Name"),
                ("email", "firma@example.com"),
                ("vat_id", "DE 123456788"),
            ],
        )
        .await;
    assert_eq!((good.status, good.location.as_deref()), (303, Some("/p/acme/billing-details?done=1")));
    let (_, c) = app.get("/api/v1/customers?limit=1").await;
    assert_eq!(
        (c["data"][0]["name"].as_str(), c["data"][0]["vat_id"].as_str()),
        (Some("Neuer Name"), Some("DE123456788"))
    );
    assert_eq!(c["data"][0]["vat_id_status"]["status"], "unverified", "{c}");
}

#[tokio::test]
async fn cancel_needs_a_reason_and_is_recorded_with_it() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "bye@example.com", "US").await;
    let sub = subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.lang = Some("zh-CN");
    b.sign_in("acme", "bye@example.com").await;
    let page = b.get(&format!("/p/acme/subscriptions/{sub}/cancel")).await;
    assert!(page.body.contains("您为什么要取消？"), "{}", page.body);
    let (csrf, nonce, ev) = (page.field("csrf"), page.field("nonce"), page.field("ev"));
    let missing = b
        .post(&format!("/p/acme/subscriptions/{sub}/cancel"), &[("csrf", &csrf), ("nonce", &nonce), ("ev", &ev)])
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("请选择一个原因。"));
    let done = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/cancel"),
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("ev", &ev),
                ("reason", "too_expensive"),
                ("comment", "zu teuer"),
                ("timing", "period_end"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    // The first day without service; the page shows the last day with it.
    assert_eq!(s["cancel_at"], "2026-04-01", "{s}");
    let reason: (String, Option<String>) = sqlx::query_as("SELECT reason, comment FROM portal_cancellation_reasons")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reason, ("too_expensive".into(), Some("zu teuer".into())));
    assert_eq!(done.location.as_deref(), Some("/p/acme?done=cancel"));
    let overview = b.get("/p/acme?done=cancel").await;
    assert!(overview.body.contains("您的订阅已取消。"), "the outcome is confirmed: {}", overview.body);
    assert!(overview.body.contains("保留我的订阅"), "undo is offered: {}", overview.body);
    assert!(overview.body.contains("2026年3月31日"), "ends on 31 March: {}", overview.body);
}

#[tokio::test]
async fn a_merchants_app_opens_one_flow_with_a_signed_url() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "app@example.com", "US").await;
    let (s, body) = app
        .post(
            "/api/v1/portal_sessions",
            json!({ "customer": c, "flow": "billing_details", "return_url": "https://app.example.com/settings", "locale": "fr" }),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.contains("/p/acme/sign-in/link?token="), "{url}");
    let (s, refused) = app.post("/api/v1/portal_sessions", json!({ "customer": c, "flow": "everything" })).await;
    assert_eq!((s, refused["error"]["param"].as_str()), (400, Some("flow")));
    let unknown = billing_core::ids::CustomerId::new().to_string();
    let (s, _) = app.post("/api/v1/portal_sessions", json!({ "customer": unknown })).await;
    assert_eq!(s, 404);

    let mut b = Browser::new(&app);
    let path = url.split_once("/p/").map(|(_, p)| format!("/p/{p}")).unwrap();
    let confirm = b.get(&path).await;
    let (csrf, token) = (confirm.field("csrf"), confirm.field("token"));
    let done = b.post("/p/acme/sign-in/link", &[("csrf", &csrf), ("token", &token)]).await;
    assert_eq!(done.location.as_deref(), Some("/p/acme/billing-details"));
    let page = b.get("/p/acme/billing-details").await;
    assert!(page.body.contains("Coordonnées de facturation"), "in French: {}", page.body);
    assert!(page.body.contains("https://app.example.com/settings"));
    assert!(!page.body.contains("aria-label=\"Portail\""), "no navigation inside a flow");
    // The rest of the portal is closed inside the flow.
    let other = b.get("/p/acme/invoices").await;
    assert_eq!(other.location.as_deref(), Some("/p/acme/billing-details"));
}

#[tokio::test]
async fn a_tenants_own_domain_serves_its_portal_at_the_root() {
    let app = TestApp::spawn().await;
    customer(&app, "dom@example.com", "US").await;
    let tenant = app.tenant.id;
    billing_core::store::portal::add_domain(
        &mut app.db.pool.acquire().await.unwrap(),
        tenant,
        "billing.acme.test",
        instant("2026-03-01T09:00:00Z"),
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(app.url("/sign-in")).header("host", "billing.acme.test").send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("action=\"/sign-in\""), "links without the /p/ prefix: {body}");
    let root = http.get(app.url("/")).header("host", "billing.acme.test").send().await.unwrap();
    assert_eq!(root.headers()["location"], "/sign-in");
    let unknown = http.get(app.url("/sign-in")).header("host", "other.test").send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(unknown.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    // A typed or pasted trailing slash leads to the page, not to the API's 404.
    let slashed = http.get(app.url("/p/acme/")).send().await.unwrap();
    assert_eq!(slashed.status().as_u16(), 308);
    assert_eq!(slashed.headers()["location"], "/p/acme");
    let slashed = http.get(app.url("/p/acme/invoices/?lang=de")).send().await.unwrap();
    assert_eq!(slashed.headers()["location"], "/p/acme/invoices?lang=de");
    // A path below the portal that is no page: the portal's 404 page in the visitor's language.
    let missing = http.get(app.url("/p/acme/no-such-page")).header("accept-language", "de").send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let body = missing.text().await.unwrap();
    assert!(body.contains("lang=\"de\""), "{body}");
}

/// The flows in real headless Chromium (`tests/browser/portal_flows.py`, Playwright for Python
/// with Debian's chromium and axe-core; `scripts/test-all.sh` installs them and sets
/// `BILLING_BROWSER_PYTHON`): German and Chinese, each with JavaScript on and off. The sign-in
/// link is read from the mail in the outbox.
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
    // Served over plain http here: links with http, cookies without `Secure` (as `billing demo`).
    let app = TestApp::spawn_with(|s| {
        s.with_portal(portal_web::config::PortalConfig { secure_cookies: false, ..Default::default() })
    })
    .await;
    // The NPS question is asked from the second visit on; the FAQ has German and Chinese entries.
    let put = |path: &str, body: Value| {
        let req = app.http.put(app.url(path)).json(&body);
        app.send(req, &app.tenant.api_key)
    };
    let (s, _) = put("/api/v1/portal/survey_settings", json!({ "nps_wait_days": 0 })).await;
    assert_eq!(s, 200);
    let faq = json!({ "entries": [
        { "locale": "en", "question": "How do I get a refund?", "answer": "Write to us within 14 days." },
        { "locale": "de", "question": "Wie bekomme ich eine Erstattung?", "answer": "Schreiben Sie uns innerhalb von 14 Tagen." },
        { "locale": "de", "question": "Wo finde ich meine Rechnungen?", "answer": "Unter „Rechnungen“, als PDF." },
        { "locale": "zh-CN", "question": "如何申请退款？", "answer": "请在 14 天内联系我们。" },
        { "locale": "zh-CN", "question": "在哪里查看发票？", "answer": "在“发票”页面，可下载 PDF。" },
    ]});
    let (s, f) = put("/api/v1/portal/faq", faq).await;
    assert_eq!(s, 200, "{f}");
    // SEPA Direct Debit mandates need the merchant's creditor identifier.
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": "DE98ZZZ09999999999" })).await;
    assert_eq!(s, 200, "{t}");
    let mut runs = vec![];
    for (lang, js) in [("de", true), ("de", false), ("zh-CN", true), ("zh-CN", false)] {
        let email = format!("{}-{}@example.com", lang.to_lowercase(), if js { "js" } else { "nojs" });
        let (s, c) = app
            .post(
                "/api/v1/customers",
                json!({ "email": email, "name": "Browser", "country": "US", "currency": "EUR", "locale": lang }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let c = c["id"].as_str().unwrap().to_string();
        // Another card first (its charges fail for want of funds): the run makes it the default,
        // removes it (the 4242 card is the default again) and is refused removing the last one.
        let (s, m) = app
            .post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4000000000009995" }))
            .await;
        assert!(s == 201 || s == 200, "{m}");
        let (s, m) = app
            .post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4242424242424242" }))
            .await;
        assert!(s == 201 || s == 200, "{m}");
        subscribe(&app, &c, "pro").await;
        let lines = json!([{ "description": "Setup", "unit_amount": 4900 }]);
        let (s, inv) = app.post("/api/v1/invoices", json!({ "customer": c, "lines": lines })).await;
        assert_eq!(s, 201, "{inv}");
        let (s, fin) = app.post(&format!("/api/v1/invoices/{}/finalize", inv["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(s, 200, "{fin}");
        let signup_email = format!("signup-{}-{}@example.com", lang.to_lowercase(), if js { "js" } else { "nojs" });
        // A customer whose card asks for 3-D Secure on every charge: the merchant's charge of an
        // open invoice waits for the customer, who confirms it from the overview's notice.
        let auth_email = format!("auth-{}-{}@example.com", lang.to_lowercase(), if js { "js" } else { "nojs" });
        let (s, a) = app
            .post(
                "/api/v1/customers",
                json!({ "email": auth_email, "name": "Browser", "country": "US", "currency": "EUR", "locale": lang }),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        let a = a["id"].as_str().unwrap().to_string();
        let (s, m) = app
            .post(&format!("/api/v1/customers/{a}/payment_methods"), json!({ "card_number": "4000002500003155" }))
            .await;
        assert_eq!(s, 201, "{m}");
        let invoice = open_invoice_of(&app, &a).await;
        let (s, charged) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
        assert!(matches!(s, 200 | 202) && charged["attempt"]["status"] == "requires_action", "{s} {charged}");
        runs.push(
            json!({ "lang": lang, "js": js, "email": email, "signup_email": signup_email, "auth_email": auth_email }),
        );
    }
    // March is invoiced, so a change today is prorated (the preview shows lines and a total).
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    app.clock.set(instant("2026-03-11T09:00:00Z"));
    // The sign-in mails go over SMTP to a real server (aiosmtpd), sent by the mail worker.
    let sink = super::mail::SmtpSink::start(&[]);
    let mail_config = portal_web::mail::MailConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls: portal_web::mail::config::TlsMode::None,
        from: "billing@shop.example".into(),
        timeout_secs: 10,
        ..portal_web::mail::MailConfig::default()
    };
    let mailer = portal_web::mail::Mailer::new(&mail_config, std::path::Path::new("/nonexistent")).unwrap();
    let shots = std::env::var("BILLING_PORTAL_SCREENSHOTS").ok();
    let cfg = json!({ "base": app.base, "axe": axe, "runs": runs, "screenshots": shots });
    let cfg_path = std::env::temp_dir().join(format!("portal-browser-{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let mut child = std::process::Command::new(python)
        .arg(root.join("tests/browser/portal_flows.py"))
        .arg(&cfg_path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the browser test");
    // The child's pipes are read on a thread (blocking I/O); the links come from the database here.
    let (mut stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let (line_tx, mut line_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (reply_tx, reply_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let wants_link = line.starts_with("LINK ");
            if line_tx.send(line).is_err() {
                break;
            }
            if wants_link {
                let Ok(url) = reply_rx.recv() else { break };
                let _ = writeln!(stdin, "{url}");
                let _ = stdin.flush();
            }
        }
    });
    let mut transcript = vec![];
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(300), line_rx.recv()).await;
        let Ok(next) = next else {
            let _ = child.kill();
            panic!("the browser test stalled:\n{}", transcript.join("\n"));
        };
        let Some(line) = next else { break };
        if let Some(email) = line.strip_prefix("LINK ") {
            portal_web::mail::worker::run(&app.db.pool, &mailer, billing_core::clock::Clock::now(app.clock.as_ref()))
                .await
                .unwrap();
            let mails = sink.mails();
            let mail = mails
                .iter()
                .rev()
                .find(|m| m["to"].as_str().is_some_and(|to| to.contains(email)))
                .unwrap_or_else(|| panic!("a sign-in mail to {email} arrived over SMTP: {mails:?}"));
            let text = mail["text"].as_str().unwrap();
            let at = text.find("/sign-in/link?token=").expect("the mail carries the link");
            let start = text[..at].rfind("http").unwrap();
            let end = text[at..].find(char::is_whitespace).map_or(text.len(), |e| at + e);
            let link = text[start..end].to_string();
            assert_eq!(link, last_link(&app, email).await, "the mailed link is the one issued");
            reply_tx.send(link).unwrap();
        }
        transcript.push(line);
    }
    reader.join().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "the browser flows failed:\n{}", transcript.join("\n"));
    assert_eq!(transcript.iter().filter(|l| l.starts_with("PASSED ")).count(), 4, "{}", transcript.join("\n"));
    let changed: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE quantity = 2")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(changed, 4, "every run changed its quantity once");
    assert_eq!(app.count("survey_responses WHERE kind = 'nps' AND score = 9").await, 4);
    assert_eq!(app.count("billing_questions WHERE topic = 'invoice'").await, 4);
    assert_eq!(app.count("portal_events WHERE kind = 'help_search' AND status = 'no_results'").await, 4);
    assert_eq!(app.count("payment_methods WHERE removed_at IS NULL AND last4 = '4242' AND is_default").await, 4);
    // Each sign-up: the 4242 card at the checkout, the 3-D Secure card, then a SEPA mandate (the
    // default now), each mandate stored with its text in the run's language; and each run's
    // customer whose payment waited for 3-D Secure keeps its card.
    assert_eq!(app.count("payment_methods WHERE removed_at IS NULL").await, 4 + 4 * 3 + 4);
    assert_eq!(app.count("payment_methods WHERE removed_at IS NULL AND last4 = '3184'").await, 4);
    assert_eq!(
        app.count("payment_methods WHERE removed_at IS NULL AND kind = 'sepa_debit' AND last4 = '3000' AND is_default")
            .await,
        4
    );
    assert_eq!(app.count("sepa_mandates WHERE text_locale = 'de' AND mandate_text LIKE '%Ich ermächtige%'").await, 2);
    assert_eq!(app.count("sepa_mandates WHERE text_locale = 'zh-CN' AND mandate_text LIKE '%确认本授权%'").await, 2);
    let signed_up: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM customers c JOIN subscriptions s ON s.customer_id = c.id AND s.tenant_id = c.tenant_id
          JOIN invoices i ON i.subscription_id = s.id WHERE c.email LIKE 'signup-%' AND s.quantity = 3
           AND i.status = 'paid' AND i.tax = 1653",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(signed_up, 4, "each sign-up paid its first invoice with German VAT (3 × 29.00 × 19 %)");
    assert_eq!(app.count("portal_events WHERE kind = 'funnel' AND action = 'signup:paid'").await, 4);
    let confirmed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
          WHERE c.email LIKE 'auth-%' AND i.status = 'paid' AND i.amount_paid = 4900",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(confirmed, 4, "each run confirmed its payment's 3-D Secure and the invoice is paid once");
    let _ = std::fs::remove_file(cfg_path);
}

#[tokio::test]
async fn a_card_added_in_the_portal_becomes_the_default_and_pays_the_open_invoice_once() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "card@example.com", "US").await;
    let lines = json!([{ "description": "Setup", "unit_amount": 4900 }]);
    let (_, inv) = app.post("/api/v1/invoices", json!({ "customer": c, "lines": lines })).await;
    let invoice = inv["id"].as_str().unwrap().to_string();
    let (s, _) = app.post(&format!("/api/v1/invoices/{invoice}/finalize"), json!({})).await;
    assert_eq!(s, 200);
    let mut b = Browser::new(&app);
    b.sign_in("acme", "card@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert!(page.body.contains("No payment method on file."));
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let wrong = b.post("/p/acme/payment-methods", &[("csrf", &csrf), ("nonce", &nonce), ("card_number", "42")]).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("12 to 19 digits"));
    let form = [("csrf", csrf.as_str()), ("nonce", nonce.as_str()), ("card_number", "4242 4242 4242 4242")];
    let added = b.post("/p/acme/payment-methods", &form).await;
    assert_eq!((added.status, added.location.as_deref()), (303, Some("/p/acme/payment-methods?done=1")));
    let again = b.post("/p/acme/payment-methods", &form).await;
    assert_eq!(again.status, 303);
    let (_, methods) = app.get(&format!("/api/v1/customers/{c}/payment_methods")).await;
    assert_eq!(methods.as_array().unwrap().len(), 1, "one card for two submissions: {methods}");
    assert_eq!(methods[0]["is_default"], true);
    let (_, paid) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(paid["status"], "paid", "the open invoice was retried with the new card: {paid}");
    let page = b.get("/p/acme/payment-methods?done=1").await;
    assert!(page.body.contains("ending in 4242"), "{}", page.body);
}

#[tokio::test]
async fn a_password_signs_in_locks_after_five_failures_and_sign_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    customer(&app, "pw@example.com", "US").await;
    let mut phone = Browser::new(&app);
    phone.sign_in("acme", "pw@example.com").await;
    let account = phone.get("/p/acme/account").await;
    let csrf = account.field("csrf");
    let short =
        phone.post("/p/acme/account/password", &[("csrf", &csrf), ("password", "short"), ("confirm", "short")]).await;
    assert_eq!(short.status, 400);
    assert!(short.body.contains("at least 10 characters"));
    let pw = "correct horse battery";
    let set = phone.post("/p/acme/account/password", &[("csrf", &csrf), ("password", pw), ("confirm", pw)]).await;
    assert_eq!(set.status, 303);
    let phc: String =
        sqlx::query_scalar("SELECT password_hash FROM portal_credentials").fetch_one(&app.db.pool).await.unwrap();
    assert!(phc.starts_with("$argon2id$"), "stored as argon2id, never in clear: {phc}");

    let mut laptop = Browser::new(&app);
    let csrf = laptop.get("/p/acme/sign-in").await.field("csrf");
    let ok = laptop
        .post("/p/acme/sign-in/password", &[("csrf", &csrf), ("email", "pw@example.com"), ("password", pw)])
        .await;
    assert_eq!((ok.status, ok.location.as_deref()), (303, Some("/p/acme")));
    assert_eq!(laptop.get("/p/acme").await.status, 200);

    // Five wrong passwords lock password sign-in; the right one is then refused too, with the
    // same answer as for an unknown address.
    let mut attacker = Browser::new(&app);
    let csrf = attacker.get("/p/acme/sign-in").await.field("csrf");
    for _ in 0..5 {
        let bad = attacker
            .post("/p/acme/sign-in/password", &[("csrf", &csrf), ("email", "pw@example.com"), ("password", "guess")])
            .await;
        assert_eq!(bad.status, 401);
    }
    let locked = attacker
        .post("/p/acme/sign-in/password", &[("csrf", &csrf), ("email", "pw@example.com"), ("password", pw)])
        .await;
    assert_eq!(locked.status, 401, "locked out");
    let unknown = attacker
        .post("/p/acme/sign-in/password", &[("csrf", &csrf), ("email", "nobody@example.com"), ("password", pw)])
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(locked.body.replace("pw@example.com", "X"), unknown.body.replace("nobody@example.com", "X"));
    assert!(audit_events(&app).await.contains(&"locked_out".to_string()));

    // Sign out everywhere from the phone: the laptop's session ends too.
    let csrf = phone.get("/p/acme/account").await.field("csrf");
    let out = phone.post("/p/acme/account/sign-out-everywhere", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(phone.get("/p/acme").await.status, 303);
    assert_eq!(laptop.get("/p/acme").await.status, 303, "the other device is signed out too");
}

#[tokio::test]
async fn the_retention_offer_is_shown_once_and_taking_it_keeps_the_subscription() {
    let app = TestApp::spawn().await;
    let (s, coupon) =
        app.post("/api/v1/coupons", json!({ "code": "STAY20", "percent_off": "20", "duration": "once" })).await;
    assert_eq!(s, 201, "{coupon}");
    let (s, body) = app
        .send(
            app.http
                .put(app.url("/api/v1/portal/retention_offer"))
                .json(&json!({ "kind": "coupon", "coupon": "NOPE" })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 404, "an unknown coupon is refused: {body}");
    let (s, _) = app
        .send(
            app.http
                .put(app.url("/api/v1/portal/retention_offer"))
                .json(&json!({ "kind": "coupon", "coupon": "STAY20" })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200);
    let c = customer(&app, "stay@example.com", "US").await;
    let sub = subscribe(&app, &c, "pro").await;
    let mut b = Browser::new(&app);
    b.lang = Some("de");
    b.sign_in("acme", "stay@example.com").await;
    let first = b.get(&format!("/p/acme/subscriptions/{sub}/cancel")).await;
    assert!(first.body.contains("Gutschein STAY20"), "{}", first.body);
    let offer_nonce = {
        let start = first.body.find("id=\"retention-offer\"").unwrap();
        let part = Page { status: 200, location: None, body: first.body[start..].to_string(), csp: None };
        (part.field("csrf"), part.field("nonce"))
    };
    let again = b.get(&format!("/p/acme/subscriptions/{sub}/cancel")).await;
    assert!(!again.body.contains("STAY20"), "shown once per subscription");
    let form = [("csrf", offer_nonce.0.as_str()), ("nonce", offer_nonce.1.as_str())];
    let taken = b.post(&format!("/p/acme/subscriptions/{sub}/retention"), &form).await;
    assert_eq!((taken.status, taken.location.as_deref()), (303, Some("/p/acme?done=retention")));
    assert_eq!(b.post(&format!("/p/acme/subscriptions/{sub}/retention"), &form).await.status, 303);
    assert_eq!(app.count("subscription_discounts").await, 1, "the coupon is redeemed once");
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["cancel_at"].is_null()), (Some("active"), true));
    let overview = b.get("/p/acme?done=retention").await;
    assert!(overview.body.contains("Das Angebot gilt"), "{}", overview.body);

    // A pause offer, taken on another subscription, pauses it.
    let (s, _) = app
        .send(
            app.http.put(app.url("/api/v1/portal/retention_offer")).json(&json!({ "kind": "pause" })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200);
    let sub2 = subscribe(&app, &c, "pro").await;
    let page = b.get(&format!("/p/acme/subscriptions/{sub2}/cancel")).await;
    assert!(page.body.contains("Pausieren Sie Ihr Abonnement stattdessen"), "{}", page.body);
    let start = page.body.find("id=\"retention-offer\"").unwrap();
    let part = Page { status: 200, location: None, body: page.body[start..].to_string(), csp: None };
    let taken = b
        .post(
            &format!("/p/acme/subscriptions/{sub2}/retention"),
            &[("csrf", &part.field("csrf")), ("nonce", &part.field("nonce"))],
        )
        .await;
    assert_eq!(taken.status, 303);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub2}")).await;
    assert_eq!(s["status"], "paused", "{s}");
}

/// The customer's open invoice of 49.00, finalized; its id.
async fn open_invoice_of(app: &TestApp, customer: &str) -> String {
    let lines = json!([{ "description": "Setup", "unit_amount": 4900 }]);
    let (s, inv) = app.post("/api/v1/invoices", json!({ "customer": customer, "lines": lines })).await;
    assert_eq!(s, 201, "{inv}");
    let invoice = inv["id"].as_str().unwrap().to_string();
    let (s, fin) = app.post(&format!("/api/v1/invoices/{invoice}/finalize"), json!({})).await;
    assert_eq!(s, 200, "{fin}");
    invoice
}

/// The attempt id in a `/p/acme/payments/{id}` location.
pub(crate) fn payment_path(location: Option<&str>) -> String {
    let to = location.expect("a redirect").to_string();
    assert!(to.starts_with("/p/acme/payments/"), "{to}");
    to
}

#[tokio::test]
async fn a_payment_that_needs_3ds_is_confirmed_on_its_own_page_and_a_forged_return_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = customer(&app, "threeds@example.com", "US").await;
    // The sandbox's card that is saved at once but asks for 3-D Secure on every charge.
    let (s, m) =
        app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4000002500003155" })).await;
    assert_eq!(s, 201, "{m}");
    let invoice = open_invoice_of(&app, &c).await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "threeds@example.com").await;
    let page = b.get(&format!("/p/acme/invoices/{invoice}")).await;
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let paid = b.post(&format!("/p/acme/invoices/{invoice}/pay"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let challenge = payment_path(paid.location.as_deref());
    let attempt = challenge.rsplit('/').next().unwrap().to_string();
    let page = b.get(&challenge).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Confirm your payment") && page.body.contains("Test bank (sandbox)"), "{}", page.body);
    assert!(page.body.contains("Your bank asks you to confirm the payment of €49.00"), "{}", page.body);

    // The overview and the invoice page say the payment waits, with a link to its challenge.
    for path in ["/p/acme".to_string(), format!("/p/acme/invoices/{invoice}")] {
        let p = b.get(&path).await;
        assert!(
            p.body.contains("id=\"payment-notice\"") && p.body.contains(&format!("/p/acme/payments/{attempt}")),
            "{path}: {}",
            p.body
        );
    }

    // A forged return (as if the provider had said "succeeded") and a guess at another id change
    // nothing: the page asks the provider, which still waits.
    let forged =
        b.get(&format!("{challenge}?redirect_status=succeeded&payment_intent={attempt}&status=succeeded")).await;
    assert_eq!(forged.status, 200);
    assert!(forged.body.contains("id=\"payment-challenge\""), "{}", forged.body);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("open"), Some(0)), "{inv}");
    assert_eq!(b.get(&format!("/p/acme/payments/{}", uuid::Uuid::now_v7())).await.status, 404);
    assert_eq!(b.get("/p/acme/payments/not-an-id").await.status, 404);

    // Another customer of the tenant: not found, and their answer changes nothing.
    customer(&app, "other3ds@example.com", "US").await;
    let mut other = Browser::new(&app);
    other.sign_in("acme", "other3ds@example.com").await;
    assert_eq!(other.get(&challenge).await.status, 404);
    let theirs = other.get("/p/acme").await;
    let forged_answer = other
        .post(&challenge, &[("csrf", &theirs.field("csrf")), ("nonce", &"a".repeat(64)), ("result", "pass")])
        .await;
    assert_eq!(forged_answer.status, 404);
    assert_eq!(app.count("payment_attempts WHERE status = 'succeeded'").await, 0);

    // The customer refuses first: nothing is charged, the invoice stays open, a retry is offered.
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let refused = b.post(&challenge, &[("csrf", &csrf), ("nonce", &nonce), ("result", "fail")]).await;
    assert_eq!((refused.status, refused.location.as_deref()), (303, Some(challenge.as_str())));
    let failed = b.get(&challenge).await;
    assert!(
        failed.body.contains("did not confirm the payment") && failed.body.contains("Try again"),
        "{}",
        failed.body
    );
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "open");

    // "Try again" is a new attempt with its own challenge; this time the customer confirms.
    let (csrf, nonce) = (failed.field("csrf"), failed.field("nonce"));
    let again = b.post(&format!("/p/acme/invoices/{invoice}/pay"), &[("csrf", &csrf), ("nonce", &nonce)]).await;
    let second = payment_path(again.location.as_deref());
    assert_ne!(second, challenge, "a new attempt");
    let page = b.get(&second).await;
    let form = [("csrf", page.field("csrf")), ("nonce", page.field("nonce")), ("result", "pass".to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let confirmed = b.post(&second, &form).await;
    assert_eq!((confirmed.status, confirmed.location.as_deref()), (303, Some(second.as_str())));
    let done = b.get(&second).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("was confirmed and invoice") && done.body.contains("is paid"), "{}", done.body);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(4900)), "{inv}");

    // Replays: the return page again, the answer form again, the sandbox's own webhook: the money
    // is recorded once.
    b.get(&second).await;
    b.post(&second, &form).await;
    let sandbox = app.gateways.sandboxes();
    for (account, s) in &sandbox {
        for (headers, body) in s.drain_webhooks() {
            let req = app.http.post(app.url(&format!("/webhooks/{}", billing_core::ids::GatewayAccountId(*account))));
            let mut req = req.body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            req.send().await.unwrap();
        }
    }
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["amount_paid"].as_i64(), Some(4900), "once: {inv}");
    assert_eq!(app.count("payment_attempts WHERE status = 'succeeded'").await, 1);
    let p = b.get("/p/acme").await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("id=\"payment-notice\""), "nothing waits any more");
}

/// A Stripe account whose cards the portal collects with Stripe.js (a publishable key), served by
/// a portal that loads localstripe's stand-in Stripe.js.
pub(crate) async fn stripe_js_app(peer: &super::payments_stripe::Localstripe) -> (TestApp, String) {
    let js = format!("{}/js.stripe.com/v3/", peer.url);
    let app = TestApp::spawn_with({
        let js = js.clone();
        move |s| s.with_portal(portal_web::config::PortalConfig { stripe_js_url: js, ..Default::default() })
    })
    .await;
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe-js", "is_default": true, "config": {
                "secret_key": super::payments_stripe::KEY, "webhook_secret": "whsec_e2e_0123456789abcdef",
                "api_base": peer.url, "send_description": false, "send_mandate_data": false,
                "publishable_key": "pk_test_portal_0123456789" } }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    (app, js)
}

/// What Stripe.js does in the browser, against localstripe: `confirmCardSetup` with a card (and,
/// for a 3-D Secure card, the customer's "Complete authentication" in its window).
pub(crate) async fn stripe_js_confirms_setup(
    peer: &super::payments_stripe::Localstripe,
    secret: &str,
    number: &str,
) -> Value {
    let seti = secret.split("_secret_").next().unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/v1/setup_intents/{seti}/confirm", peer.url);
    let card = json!({ "number": number, "exp_month": "12", "exp_year": "2031", "cvc": "123" });
    let body = json!({ "key": "pk_test_portal_0123456789", "use_stripe_sdk": true, "client_secret": secret,
                       "payment_method_data": { "type": "card", "card": card } });
    let first: Value = http.post(&url).json(&body).send().await.unwrap().json().await.unwrap();
    if first["status"] != "requires_action" {
        return first;
    }
    let again = json!({ "key": "pk_test_portal_0123456789", "use_stripe_sdk": true, "client_secret": secret });
    http.post(&url).json(&again).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_stripe_card_is_added_with_stripe_js_and_stored_only_when_stripe_says_it_succeeded() {
    let peer = super::payments_stripe::localstripe();
    let (app, js) = stripe_js_app(&peer).await;
    let c = customer(&app, "stripejs@example.com", "DE").await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "stripejs@example.com").await;
    let page = b.get("/p/acme/payment-methods").await;
    assert!(page.body.contains("id=\"stripe-card-start\""), "{}", page.body);
    assert!(!page.body.contains("name=\"card_number\""), "no typed card number for a Stripe.js account");
    let (csrf, nonce) = (page.field("csrf"), page.field("nonce"));
    let started = b.post("/p/acme/payment-methods/card", &[("csrf", &csrf), ("nonce", &nonce)]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let setup_path = started.location.clone().unwrap();
    assert!(setup_path.starts_with("/p/acme/payment-methods/setups/"), "{setup_path}");

    // The page: Stripe's card element from the configured Stripe.js, our script, the SetupIntent's
    // client secret; the policy allows exactly that origin; without JavaScript, what else works.
    let form = b.get(&setup_path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(&format!("<script src=\"{js}\"></script>")), "{}", form.body);
    assert!(form.body.contains("/p/acme/assets/stripe.js"));
    assert!(form.body.contains("data-key=\"pk_test_portal_0123456789\""));
    let secret = form.body.split("data-secret=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(secret.starts_with("seti_"), "{secret}");
    let csp = form.csp.clone().unwrap_or_default();
    assert!(csp.contains(&format!("script-src 'self' {}", peer.url)), "{csp}");
    assert!(form.body.contains("<noscript>") && form.body.contains("needs JavaScript"), "{}", form.body);
    assert!(form.body.contains("SEPA Direct Debit") && form.body.contains("bank transfer"));
    let asset = b.get("/p/acme/assets/stripe.js").await;
    assert!(asset.status == 200 && asset.body.contains("confirmCardSetup"), "{}", asset.body);

    // Posted before Stripe.js confirmed anything (or forged): nothing is stored.
    let early = b
        .post(&setup_path, &[("csrf", &form.field("csrf")), ("nonce", &form.field("nonce")), ("result", "provider")])
        .await;
    assert_eq!((early.status, early.location.as_deref()), (303, Some("/p/acme/payment-methods?done=auth")));
    let (_, methods) = app.get(&format!("/api/v1/customers/{c}/payment_methods")).await;
    assert_eq!(methods.as_array().unwrap().len(), 0, "{methods}");

    // Another customer cannot see or finish this setup.
    customer(&app, "stripejs-other@example.com", "DE").await;
    let mut other = Browser::new(&app);
    other.sign_in("acme", "stripejs-other@example.com").await;
    assert_eq!(other.get(&setup_path).await.status, 404);

    // Stripe.js confirms with a 3-D Secure card and the customer completes the bank's step; then
    // the form posts our setup's id and the server asks Stripe.
    let confirmed = stripe_js_confirms_setup(&peer, &secret, "4000002760003184").await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let form = b.get(&setup_path).await;
    let done = b
        .post(&setup_path, &[("csrf", &form.field("csrf")), ("nonce", &form.field("nonce")), ("result", "provider")])
        .await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/p/acme/payment-methods?done=1")), "{}", done.body);
    let (_, methods) = app.get(&format!("/api/v1/customers/{c}/payment_methods")).await;
    let m = &methods.as_array().unwrap()[..];
    assert_eq!(m.len(), 1, "{methods}");
    assert_eq!(
        (m[0]["gateway"].as_str(), m[0]["brand"].as_str(), m[0]["last4"].as_str(), m[0]["is_default"].as_bool()),
        (Some("stripe"), Some("visa"), Some("3184"), Some(true)),
        "{methods}"
    );
    // The method is attached to the customer's Stripe customer (localstripe does not attach it).
    let pm: Value = reqwest::Client::new()
        .get(format!("{}/v1/payment_methods/{}", peer.url, confirmed["payment_method"].as_str().unwrap()))
        .bearer_auth(super::payments_stripe::KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(pm["customer"].as_str().is_some_and(|c| c.starts_with("cus_")), "{pm}");
}

#[tokio::test]
async fn a_stripe_payment_that_needs_3ds_is_confirmed_through_stripe_js_and_checked_with_stripe() {
    let peer = super::payments_stripe::localstripe();
    let (app, js) = stripe_js_app(&peer).await;
    let c = customer(&app, "stripe3ds@example.com", "US").await;
    // A card that passes its setup (attached through the API's test path) and asks on the charge.
    let (s, m) =
        app.post(&format!("/api/v1/customers/{c}/payment_methods"), json!({ "card_number": "4000002500003155" })).await;
    assert!(s == 201 || s == 202, "{m}");
    if s == 202 {
        // localstripe asks already at the setup for this card: finish it as the browser would.
        let secret = m["next_action"]["client_secret"].as_str().unwrap();
        let seti = secret.split("_secret_").next().unwrap();
        let resp = reqwest::Client::new()
            .post(format!("{}/v1/setup_intents/{seti}/confirm", peer.url))
            .json(&json!({ "key": "pk_test_portal_0123456789", "client_secret": secret }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let id = m["id"].as_str().unwrap();
        let (s, done) =
            app.post(&format!("/api/v1/customers/{c}/payment_method_setups/{id}/complete"), json!({})).await;
        assert_eq!(s, 200, "{done}");
    }
    let invoice = open_invoice_of(&app, &c).await;
    let mut b = Browser::new(&app);
    b.sign_in("acme", "stripe3ds@example.com").await;
    let page = b.get(&format!("/p/acme/invoices/{invoice}")).await;
    let paid = b
        .post(
            &format!("/p/acme/invoices/{invoice}/pay"),
            &[("csrf", &page.field("csrf")), ("nonce", &page.field("nonce"))],
        )
        .await;
    let challenge = payment_path(paid.location.as_deref());
    let page = b.get(&challenge).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("id=\"stripe-payment\"") && page.body.contains(&format!("<script src=\"{js}\"></script>")),
        "{}",
        page.body
    );
    assert!(page.body.contains("<noscript>"), "without JavaScript the page says so");
    let secret = page.body.split("data-secret=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(secret.starts_with("pi_"), "{secret}");
    // A forged return before the bank answered changes nothing.
    let forged = b
        .get(&format!(
            "{challenge}?payment_intent={}&redirect_status=succeeded",
            secret.split("_secret_").next().unwrap()
        ))
        .await;
    assert!(forged.body.contains("id=\"stripe-payment\""), "{}", forged.body);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "open");
    // Stripe.js `confirmCardPayment`: the bank's window, "Complete authentication".
    let pi = secret.split("_secret_").next().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents/{pi}/_authenticate?success=true", peer.url))
        .json(&json!({ "key": "pk_test_portal_0123456789", "client_secret": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let back = b.get(&challenge).await;
    assert!(back.body.contains("is paid"), "{}", back.body);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(4900)), "{inv}");
    b.get(&challenge).await;
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["amount_paid"].as_i64(), Some(4900), "a replayed return records nothing more");
}

/// Stripe's card element in real headless Chromium against localstripe
/// (`tests/browser/portal_stripe.py`): with JavaScript a 3-D Secure card is added through
/// Stripe.js and the stand-in's authentication window, under the page's own
/// Content-Security-Policy, axe-clean; without it the page names the other ways to pay. Then
/// the checkout's Stripe card step in German: details, the pay form without a card number, the
/// card element, the first invoice paid and `signup:paid` once.
#[tokio::test]
async fn stripe_card_element_in_chromium() {
    let Ok(python) = std::env::var("BILLING_BROWSER_PYTHON") else {
        eprintln!(
            "BILLING_BROWSER_PYTHON is not set: scripts/test-all.sh installs Chromium and Playwright and sets it"
        );
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let axe = std::env::var("BILLING_AXE_JS")
        .unwrap_or_else(|_| root.join(".ci-work/axe/node_modules/axe-core/axe.min.js").display().to_string());
    let peer = super::payments_stripe::localstripe();
    let js = format!("{}/js.stripe.com/v3/", peer.url);
    let app = TestApp::spawn_with(move |s| {
        s.with_portal(portal_web::config::PortalConfig {
            secure_cookies: false,
            stripe_js_url: js,
            ..Default::default()
        })
    })
    .await;
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe-js", "is_default": true, "config": {
                "secret_key": super::payments_stripe::KEY, "webhook_secret": "whsec_e2e_0123456789abcdef",
                "api_base": peer.url, "send_description": false, "send_mandate_data": false,
                "publishable_key": "pk_test_portal_0123456789" } }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (s, t) = app.post("/api/v1/tenant", json!({ "sepa_creditor_id": "DE98ZZZ09999999999" })).await;
    assert_eq!(s, 200, "{t}");
    let mut runs = vec![];
    for (lang, js) in [("de", true), ("de", false), ("zh-CN", true), ("zh-CN", false)] {
        let email = format!("stripe-{}-{}@example.com", lang.to_lowercase(), if js { "js" } else { "nojs" });
        let (s, c) = app
            .post(
                "/api/v1/customers",
                json!({ "email": email, "name": "Browser", "country": "DE", "currency": "EUR", "locale": lang }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let (s, session) = app.post("/api/v1/portal_sessions", json!({ "customer": c["id"], "locale": lang })).await;
        assert_eq!(s, 201, "{session}");
        runs.push(json!({ "lang": lang, "js": js, "url": session["url"] }));
    }
    let shots = std::env::var("BILLING_PORTAL_SCREENSHOTS").ok();
    let checkout = json!({ "email": "stripe-checkout-chromium@example.com", "card": "4242424242424242" });
    let cfg = json!({ "base": app.base, "axe": axe, "runs": runs, "card": "4000002760003184", "screenshots": shots,
                      "checkout": checkout });
    let cfg_path = std::env::temp_dir().join(format!("portal-stripe-{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    // On a thread of its own: the server answering the browser runs on this test's runtime.
    let (script, cfg_arg) = (root.join("tests/browser/portal_stripe.py"), cfg_path.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).arg(script).arg(cfg_arg).output().expect("start the browser test")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Stripe card element flows failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("PASSED ")).count(), 5, "{stdout}");
    // The checkout in Chromium: the first invoice paid with the card Stripe.js confirmed, the
    // funnel's `paid` step once.
    assert_eq!(app.count("invoices WHERE status = 'paid' AND total = 3451").await, 1, "€29.00 + 19 % VAT, paid");
    assert_eq!(app.count("portal_events WHERE kind = 'funnel' AND action = 'signup:paid'").await, 1);
    assert_eq!(
        app.count("payment_methods WHERE gateway = 'stripe' AND last4 = '3184' AND brand = 'visa' AND is_default")
            .await,
        2,
        "one card per run with JavaScript, stored from what Stripe says"
    );
    let _ = std::fs::remove_file(cfg_path);
}
