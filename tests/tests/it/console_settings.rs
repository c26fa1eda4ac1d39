//! The console's missing settings and actions (issue 14, docs/adr/0039), over real HTTP against a
//! real PostgreSQL: pausing a dunning (API and console; the dunning job run by `billing jobs run
//! dunning --as-of` takes no step while paused and resumes where it was; support may not pause;
//! every pause and resume audited with before/after), the languages the portal offers (switcher
//! and negotiation within them), the plan moves customers may make (a forged POST of another move
//! refused in German, nothing changed), and the logo uploaded as a file (checked by content,
//! stored in the database, served with an ETag, shown by the portal, the console and the mails).

use billing_tests::{TestApp, create_tenant, instant};
use chrono::Duration;
use serde_json::{Value, json};

use crate::console::{signed_in, staff};

async fn reminders(app: &TestApp) -> i64 {
    app.count("outbox WHERE topic = 'dunning.step' AND payload->>'action' = 'email'").await
}

/// `billing jobs run dunning --as-of <day>` in German; its output.
fn run_dunning(app: &TestApp, as_of: &str) -> String {
    let out = std::process::Command::new(billing_tests::billing_binary())
        .args(["jobs", "run", "dunning", "--as-of", as_of])
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING_LOG", "warn")
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_paused_dunning_takes_no_step_and_resumes_where_it_was() {
    let app = TestApp::spawn().await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let day = |n: i64| (t0 + Duration::days(n)).date_naive().to_string();
    let pause_path = format!("/api/v1/customers/{customer}/dunning/pause");

    // Refused, and nothing stored: no reason, an end day not after today, an invoice not theirs.
    for (body, status, param) in [
        (json!({ "reason": "  " }), 400, "reason"),
        (json!({ "reason": "Disputed", "until": day(0) }), 400, "until"),
        (json!({ "reason": "Disputed", "invoice": billing_core::ids::InvoiceId::new().to_string() }), 404, ""),
    ] {
        let (s, e) = app.post(&pause_path, body.clone()).await;
        assert_eq!(s, status, "{body} -> {e}");
        if !param.is_empty() {
            assert_eq!(e["error"]["param"], param, "{e}");
        }
    }
    // Another tenant's key does not find the customer.
    let other = create_tenant(&app.db.pool, "other", t0).await;
    let (s, _) =
        app.send(app.http.post(app.url(&pause_path)).json(&json!({ "reason": "Not mine" })), &other.api_key).await;
    assert_eq!(s, 404);
    assert_eq!(app.count("dunning_pauses").await, 0);

    let (s, p) = app.post(&pause_path, json!({ "reason": "Customer disputes the March invoice" })).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["object"].as_str(), p["paused_on"].as_str()), (Some("dunning_pause"), Some(day(0).as_str())));
    assert!(p["invoice"].is_null() && p["until"].is_null(), "the whole customer, until resumed: {p}");
    let (s, again) = app.post(&pause_path, json!({ "reason": "Twice" })).await;
    assert_eq!((s, again["error"]["param"].as_str()), (400, Some("dunning")), "{again}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["dunning"]["paused"], true, "{c}");
    assert_eq!(c["dunning"]["pauses"][0]["reason"], "Customer disputes the March invoice", "{c}");
    assert!(c["dunning"]["next_action_on"].is_null(), "nothing is due while paused: {c}");

    // Day 3 would retry and remind: while paused, the job takes no step.
    let out = run_dunning(&app, &day(3));
    assert!(out.contains("0 erneut eingezogen") && out.contains("0 Mahnungen eingereiht"), "{out}");
    assert!(out.contains("1 Rechnungen ausgelassen"), "{out}");
    assert_eq!((app.payment_attempts(&invoice).await.len(), reminders(&app).await), (1, 0), "no charge, no mail");

    // Resumed on day 5: the five paused days do not count, so the day-3 step comes on day 8.
    app.clock.set(t0 + Duration::days(5));
    let resume_path = format!("/api/v1/customers/{customer}/dunning/resume");
    let (s, r) = app.post(&resume_path, json!({ "reason": "Dispute settled" })).await;
    assert_eq!((s, r["resumed_on"].as_str()), (200, Some(day(5).as_str())), "{r}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!((c["dunning"]["paused"].as_bool(), c["dunning"]["next_action"].as_str()), (Some(false), Some("retry")));
    assert_eq!(c["dunning"]["next_action_on"], day(8), "{c}");
    let (s, e) = app.post(&resume_path, json!({})).await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("dunning")), "nothing left to resume: {e}");

    let out = run_dunning(&app, &day(5));
    assert!(out.contains("0 erneut eingezogen"), "the policy's day 0 after the pause: {out}");
    let out = run_dunning(&app, &day(8));
    assert!(out.contains("1 erneut eingezogen") && out.contains("1 Mahnungen eingereiht"), "{out}");
    assert_eq!((app.payment_attempts(&invoice).await.len(), reminders(&app).await), (2, 1));

    // Each change is in the audit log with the pauses before and after.
    let rows: Vec<(String, String, Value, Value)> = sqlx::query_as(
        "SELECT action, actor, before, after FROM staff_audit_log WHERE action LIKE 'dunning.%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let summary: Vec<(&str, bool, usize, usize)> = rows
        .iter()
        .map(|(a, who, b, af)| {
            let pauses = |v: &Value| v["pauses"].as_array().unwrap().len();
            (a.as_str(), who.starts_with("api:"), pauses(b), pauses(af))
        })
        .collect();
    assert_eq!(summary, [("dunning.pause", true, 0, 1), ("dunning.resume", true, 1, 0)]);
}

#[tokio::test]
async fn finance_pauses_one_invoices_dunning_in_the_console_and_support_may_not() {
    let app = TestApp::spawn().await;
    staff(&app, "fin@example.com", "finance").await;
    staff(&app, "help@example.com", "support").await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let until = (t0 + Duration::days(10)).date_naive().to_string();

    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get(&format!("/c/acme/customers/{customer}")).await;
    assert!(page.body.contains("id=\"pause-dunning\""), "{}", page.body);
    assert!(page.body.contains(&format!("actions/pause-dunning?invoice={invoice}")), "{}", page.body);
    let path = format!("/c/acme/customers/{customer}/actions/pause-dunning");
    let form = fin.get(&format!("{path}?invoice={invoice}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.field("csrf");
    let bad = [
        ("csrf", csrf.as_str()),
        ("step", "review"),
        ("invoice", invoice.as_str()),
        ("reason", "Disputed line"),
        ("until", "2020-01-01"),
    ];
    let refused = fin.post(&path, &bad).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("The end day must be a date after today."), "{}", refused.body);

    let review_fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("step", "review"),
        ("invoice", &invoice),
        ("reason", "Disputed line"),
        ("until", &until),
    ];
    let review = fin.post(&path, &review_fields).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("id=\"review\""), "{}", review.body);
    let nonce = review.field("nonce");
    let confirm: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("nonce", &nonce),
        ("step", "confirm"),
        ("invoice", &invoice),
        ("reason", "Disputed line"),
        ("until", &until),
    ];
    let done = fin.post(&path, &confirm).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let twice = fin.post(&path, &confirm).await;
    assert_eq!((twice.status, twice.location), (303, done.location.clone()), "the second submission changes nothing");
    assert_eq!(app.count("dunning_pauses").await, 1);

    let page = fin.get(&format!("/c/acme/customers/{customer}?done=pause-dunning")).await;
    assert!(page.body.contains("The dunning is paused"), "{}", page.body);
    assert!(page.body.contains("Disputed line"), "{}", page.body);
    assert!(page.body.contains(&format!("actions/resume-dunning?invoice={invoice}")), "{}", page.body);
    let board = fin.get("/c/acme/dunning").await;
    assert!(board.body.contains("Paused (") && board.body.contains("Disputed line"), "{}", board.body);

    // The job leaves the invoice alone until its end day, then takes the steps due.
    let s = billing_core::service::dunning::run(&app.db.pool, app.gateways.as_ref(), t0 + Duration::days(3), None)
        .await
        .unwrap();
    assert_eq!((s.held, s.retried, s.emails), (1, 0, 0), "{s:?}");

    // Support may not pause: a 403 page and an audit line.
    let mut help = signed_in(&app, "help@example.com").await;
    let customer_page = help.get(&format!("/c/acme/customers/{customer}")).await;
    assert!(!customer_page.body.contains("actions/pause-dunning"), "no pause offered to support");
    let no = help.get(&format!("{path}?invoice={invoice}")).await;
    assert_eq!(no.status, 403);

    // Finance resumes it.
    let rpath = format!("/c/acme/customers/{customer}/actions/resume-dunning");
    let form = fin.get(&format!("{rpath}?invoice={invoice}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let review =
        fin.post(&rpath, &[("csrf", &csrf), ("step", "review"), ("invoice", &invoice), ("reason", "Settled")]).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let nonce = review.field("nonce");
    let done = fin
        .post(
            &rpath,
            &[("csrf", &csrf), ("nonce", &nonce), ("step", "confirm"), ("invoice", &invoice), ("reason", "Settled")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let open: i64 = app.count("dunning_pauses WHERE resumed_at IS NULL").await;
    assert_eq!(open, 0);
    let lines: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, outcome, actor FROM staff_audit_log WHERE action LIKE '%dunning%' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let lines: Vec<(&str, &str, &str)> = lines.iter().map(|(a, o, w)| (a.as_str(), o.as_str(), w.as_str())).collect();
    assert!(lines.contains(&("dunning.pause", "done", "staff:fin@example.com")), "{lines:?}");
    assert!(lines.contains(&("dunning.resume", "done", "staff:fin@example.com")), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|(a, o, w)| *a == "customer.pause_dunning" && *o == "refused" && *w == "staff:help@example.com"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_portal_offers_only_the_chosen_languages() {
    let app = TestApp::spawn().await;
    let put = |body: Value| app.send(app.http.put(app.url("/api/v1/portal/options")).json(&body), &app.tenant.api_key);
    let (s, o) = app.get("/api/v1/portal/options").await;
    assert_eq!(
        (s, o["offered_locales"].as_array().map(Vec::len), o["plan_moves"]["mode"].as_str()),
        (200, Some(10), Some("any"))
    );
    for bad in [
        json!({ "offered_locales": ["de", "fr"] }),
        json!({ "offered_locales": ["en", "xx"] }),
        json!({ "offered_locales": [] }),
    ] {
        let (s, e) = put(bad.clone()).await;
        assert_eq!((s, e["error"]["param"].as_str()), (400, Some("offered_locales")), "{bad} -> {e}");
    }
    let (_, o) = app.get("/api/v1/portal/options").await;
    assert_eq!(o["offered_locales"].as_array().map(Vec::len), Some(10), "nothing was stored");
    let (s, o) = put(json!({ "offered_locales": ["de", "en"] })).await;
    assert_eq!((s, o["offered_locales"].clone()), (200, json!(["en", "de"])), "{o}");

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = |path: &'static str, accept: &'static str| {
        let req = http.get(app.url(path)).header("accept-language", accept);
        async move {
            let r = req.send().await.unwrap();
            let cookie =
                r.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("portal_lang="));
            (r.headers()["content-language"].to_str().unwrap().to_string(), cookie, r.text().await.unwrap())
        }
    };
    // The browser's first choice is not offered: its next one is.
    let (lang, _, body) = page("/p/acme/sign-in", "fr-FR,fr;q=0.9,de;q=0.8").await;
    assert_eq!(lang, "de");
    assert!(body.contains("<html lang=\"de\""), "{body}");
    assert!(body.contains("hreflang=\"en\"") && body.contains("hreflang=\"de\""), "{body}");
    assert!(!body.contains("hreflang=\"fr\"") && !body.contains("hreflang=\"ja\""), "only the offered languages");
    // None of the browser's languages is offered: the tenant's default.
    assert_eq!(page("/p/acme/sign-in", "zh-CN,ja;q=0.5").await.0, "en");
    // The switcher's ?lang= for a language not offered is not taken, nor remembered.
    let (lang, remembered, _) = page("/p/acme/sign-in?lang=ja", "de").await;
    assert_eq!((lang.as_str(), remembered), ("de", false));
    let (lang, remembered, _) = page("/p/acme/sign-in?lang=en", "de").await;
    assert_eq!((lang.as_str(), remembered), ("en", true));

    // The default language must stay offered: choosing another one first is refused.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let refused = billing_core::service::tenants::set_default_locale(&mut conn, app.tenant.id, "fr").await;
    assert!(refused.is_err(), "{refused:?}");
    let (_, o) = app.get("/api/v1/portal/options").await;
    assert_eq!(o["default_locale"], "en");
}

/// A monthly plan `code` at `eur` (e.g. "9.00").
async fn plan(app: &TestApp, code: &str, eur: &str) {
    use billing_core::service::catalog::{NewPlanInput, PriceInput, create_plan};
    let mut conn = app.db.pool.acquire().await.unwrap();
    create_plan(
        &mut conn,
        app.tenant.id,
        &NewPlanInput {
            product_code: "app".into(),
            product_name: "App".into(),
            code: code.into(),
            name: code.to_uppercase(),
            interval_unit: "month".into(),
            interval_count: 1,
            prices: vec![PriceInput::per_unit("EUR", eur)],
            billing_timing: None,
            usage: None,
            trial_days: None,
            tax_category: None,
            setup_fees: vec![],
            addon: None,
            trial_requires_payment_method: false,
        },
        instant("2026-03-01T09:00:00Z"),
    )
    .await
    .unwrap();
}

/// The plans the change page's select offers, sorted.
fn options_in(body: &str) -> Vec<String> {
    let select = body.split("id=\"plan\"").nth(1).unwrap().split("</select>").next().unwrap();
    let mut codes: Vec<String> =
        select.split("<option value=\"").skip(1).map(|o| o.split('"').next().unwrap().to_string()).collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn the_change_plan_page_offers_only_the_allowed_moves_and_refuses_a_forged_post() {
    let app = TestApp::spawn().await;
    plan(&app, "basic", "9.00").await;
    plan(&app, "max", "99.00").await;
    let c = crate::portal::customer(&app, "moves@example.com", "US").await;
    let sub = crate::portal::subscribe(&app, &c, "pro").await;
    let put = |body: Value| app.send(app.http.put(app.url("/api/v1/portal/options")).json(&body), &app.tenant.api_key);
    for (bad, status) in [
        (json!({ "plan_moves": { "mode": "sometimes" } }), 400),
        (json!({ "plan_moves": { "mode": "any", "moves": [{ "from": "pro", "to": "basic" }] } }), 400),
        (json!({ "plan_moves": { "mode": "list", "moves": [{ "from": "pro", "to": "nope" }] } }), 404),
        (json!({ "plan_moves": { "mode": "list", "moves": [{ "from": "pro", "to": "pro" }] } }), 400),
    ] {
        let (s, e) = put(bad.clone()).await;
        assert_eq!(s, status, "{bad} -> {e}");
    }
    let (s, o) = put(json!({ "plan_moves": { "mode": "upgrades" } })).await;
    assert_eq!((s, o["plan_moves"]["mode"].as_str()), (200, Some("upgrades")), "{o}");

    let mut b = crate::portal::Browser::new(&app);
    b.lang = Some("de");
    b.sign_in("acme", "moves@example.com").await;
    let form = b.get(&format!("/p/acme/subscriptions/{sub}/change")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(options_in(&form.body), ["max", "pro"], "upgrades only (yearly is cheaper per month)");
    let (csrf, ev) = (form.field("csrf"), form.field("ev"));
    // A forged POST of a downgrade (with a nonce of its own): refused in German, nothing changed.
    let nonce = "a".repeat(64);
    let forged = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/change"),
            &[("csrf", &csrf), ("nonce", &nonce), ("ev", &ev), ("plan", "basic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(forged.status, 400, "{}", forged.body);
    assert!(forged.body.contains("Dieser Tarifwechsel wird für Ihr Abonnement nicht angeboten"), "{}", forged.body);
    let preview = b.get(&format!("/p/acme/subscriptions/{sub}/change?ev={ev}&plan=basic&quantity=1")).await;
    assert_eq!(preview.status, 400, "no preview of a move not offered");
    let fewer = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/change"),
            &[("csrf", &csrf), ("nonce", &nonce), ("ev", &ev), ("plan", "pro"), ("quantity", "0")],
        )
        .await;
    assert_eq!(fewer.status, 400, "{}", fewer.body);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["plan_name"].as_str(), s["quantity"].as_u64()), (Some("PRO"), Some(1)), "{s}");
    assert!(s["pending_change"].is_null(), "{s}");

    // The merchant allows pro → basic, taking effect at the end of the period.
    let moves =
        json!({ "mode": "list", "moves": [{ "from": "pro", "to": "basic" }], "downgrades_at_period_end": true });
    let (s, o) = put(json!({ "plan_moves": moves })).await;
    assert_eq!(s, 200, "{o}");
    let form = b.get(&format!("/p/acme/subscriptions/{sub}/change")).await;
    assert_eq!(options_in(&form.body), ["basic", "pro"]);
    assert!(form.body.contains("id=\"moves-later\""), "{}", form.body);
    let (csrf, ev) = (form.field("csrf"), form.field("ev"));
    let nonce = "b".repeat(64);
    let forged = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/change"),
            &[("csrf", &csrf), ("nonce", &nonce), ("ev", &ev), ("plan", "max"), ("quantity", "1")],
        )
        .await;
    assert_eq!(forged.status, 400, "max is not in the list any more");
    let done = b
        .post(
            &format!("/p/acme/subscriptions/{sub}/change"),
            &[("csrf", &csrf), ("nonce", &nonce), ("ev", &ev), ("plan", "basic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, s) = app.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!(s["plan_name"], "PRO", "still pro until the period ends: {s}");
    assert_eq!(s["pending_change"]["plan_name"], "BASIC", "{s}");
}

/// A 1x1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0xf8, 0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----console-logo-test";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_uploaded_logo_is_checked_by_content_stored_and_served_with_an_etag() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    let mut admin = signed_in(&app, "admin@example.com").await;
    let settings = admin.get("/c/acme/settings").await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert!(settings.body.contains("id=\"logo-file\""), "{}", settings.body);
    let (csrf, nonce) = (settings.field("csrf"), settings.field("nonce"));
    let http = admin.http.clone();
    let upload = |file: Option<(&'static str, Vec<u8>)>, lang: &'static str| {
        let (ct, body) =
            multipart(&[("csrf", &csrf), ("nonce", &nonce)], file.as_ref().map(|(n, d)| (*n, d.as_slice())));
        let url = app.url(&format!("/c/acme/settings/logo?lang={lang}"));
        std::future::ready(http.post(url).header("content-type", ct).body(body))
    };
    let script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let req = upload(Some(("logo.svg", script)), "de").await;
    let refused = admin.send(req).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("Das SVG enthält Skripte"), "{}", refused.body);
    let req = upload(Some(("logo.png", b"<html><body>not an image</body></html>".to_vec())), "en").await;
    let refused = admin.send(req).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("The file is not a PNG, JPEG or SVG image"), "{}", refused.body);
    let req = upload(Some(("big.png", [PNG, &vec![0u8; 300 * 1024]].concat())), "en").await;
    assert!(admin.send(req).await.body.contains("larger than 256 KiB"));
    assert_eq!(app.count("tenant_logos").await, 0, "nothing stored");

    let req = upload(Some(("logo.bin", PNG.to_vec())), "en").await;
    let done = admin.send(req).await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/c/acme/settings?done=logo#logo")),
        "{}",
        done.body
    );
    let req = upload(Some(("other.png", PNG.to_vec())), "en").await;
    let again = admin.send(req).await;
    assert_eq!(again.location, done.location, "the same form twice stores once");
    assert_eq!(app.count("tenant_logos").await, 1);

    // Served at a stable URL with an ETag; a revalidation answers 304.
    let r = reqwest::get(app.url("/p/acme/logo")).await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age="));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let r = reqwest::Client::new().get(app.url("/p/acme/logo")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    assert_eq!(reqwest::get(app.url("/p/other/logo")).await.unwrap().status(), 404, "the other tenant has none");

    // Shown by the portal header, the console and the mails.
    let v = &etag.trim_matches('"')[..12];
    let portal = reqwest::get(app.url("/p/acme/sign-in")).await.unwrap().text().await.unwrap();
    assert!(portal.contains(&format!("src=\"/p/acme/logo?v={v}\"")), "{portal}");
    let console = admin.get("/c/acme/settings?done=logo").await;
    assert!(console.body.contains(&format!("/p/acme/logo?v={v}")), "{}", console.body);
    assert!(console.body.contains("The logo has been saved."), "{}", console.body);
    let mut conn = app.db.pool.acquire().await.unwrap();
    let config =
        portal_web::mail::MailConfig { public_url: "https://billing.example.com".into(), ..Default::default() };
    let brand = portal_web::mail::worker::brand(&mut conn, app.tenant.id, &config).await.unwrap();
    assert_eq!(brand.logo_url.as_deref(), Some(format!("https://billing.example.com/p/acme/logo?v={v}").as_str()));
    drop(conn);

    let lines: Vec<(String, String)> =
        sqlx::query_as("SELECT action, outcome FROM staff_audit_log WHERE action = 'settings.logo' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let outcomes: Vec<&str> = lines.iter().map(|(_, o)| o.as_str()).collect();
    assert_eq!(outcomes, ["refused", "refused", "refused", "done"]);
}

/// A settings section saved through its review and confirm pages (the review's answer when refused).
async fn save(
    b: &mut crate::console::Browser<'_>,
    section: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> crate::console::Page {
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

#[tokio::test]
async fn admins_set_offered_languages_plan_moves_fees_and_the_german_ladder_in_the_console() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    let mut b = signed_in(&app, "admin@example.com").await;
    let page = b.get("/c/acme/settings").await;
    let csrf = page.field("csrf");
    assert!(page.body.contains("id=\"offered-ja\"") && page.body.contains("id=\"moves-mode-any\""), "{}", page.body);

    // Languages: at least one, the default among them; nothing stored when refused.
    let none = save(&mut b, "languages", &csrf, &[("offered_form", "1"), ("default_locale", "en")]).await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains("Offer at least one language."), "{}", none.body);
    let without_default = [("offered_form", "1"), ("default_locale", "fr"), ("offered", "en"), ("offered", "de")];
    let refused = save(&mut b, "languages", &csrf, &without_default).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("The default language (Français) must be among the languages offered."),
        "{}",
        refused.body
    );
    let (_, o) = app.get("/api/v1/portal/options").await;
    assert_eq!(o["offered_locales"].as_array().map(Vec::len), Some(10), "{o}");
    let fields = [("offered_form", "1"), ("default_locale", "de"), ("offered", "en"), ("offered", "de")];
    let done = save(&mut b, "languages", &csrf, &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, o) = app.get("/api/v1/portal/options").await;
    assert_eq!((o["offered_locales"].clone(), o["default_locale"].as_str()), (json!(["en", "de"]), Some("de")));

    // Plan moves: a list with a deferred downgrade; an unknown plan refused.
    let unknown = save(&mut b, "moves", &csrf, &[("moves_mode", "list"), ("move", "pro>nope")]).await;
    assert_eq!(unknown.status, 400);
    let fields = [("moves_mode", "list"), ("move", "pro>yearly"), ("downgrades_at_period_end", "1")];
    let done = save(&mut b, "moves", &csrf, &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, o) = app.get("/api/v1/portal/options").await;
    assert_eq!(
        o["plan_moves"],
        json!({ "mode": "list", "moves": [{ "from": "pro", "to": "yearly" }], "downgrades_at_period_end": true })
    );

    // The dunning policy with a late fee; a fee that is neither amount nor percentage refused.
    let rows = |fee: &'static str| {
        [
            ("day", "3"),
            ("action", "retry"),
            ("fee", ""),
            ("day", "7"),
            ("action", "late_fee"),
            ("fee", fee),
            ("day", "30"),
            ("action", "mark_uncollectible"),
            ("fee", ""),
        ]
    };
    let bad = save(&mut b, "dunning", &csrf, &rows("five euros")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Row 2: give the late fee"), "{}", bad.body);
    assert_eq!(save(&mut b, "dunning", &csrf, &rows("5,00 EUR; 6.00 USD")).await.status, 303);
    let (_, policy) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(policy["steps"][1]["fee"], json!({ "fixed": { "EUR": 500, "USD": 600 } }), "{policy}");
    assert_eq!(save(&mut b, "dunning", &csrf, &rows("2.5 %")).await.status, 303);
    let (_, policy) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(policy["steps"][1]["fee"]["percent"], "2.5", "{policy}");
    // The page shows the stored fee in its row, ready to edit again.
    let page = b.get("/c/acme/settings").await;
    assert!(page.body.contains("name=\"fee\" value=\"2.5 %\""), "{}", page.body);

    // The German reminder ladder as a preset, then shown as rows.
    assert_eq!(save(&mut b, "dunning", &csrf, &[("ladder", "de")]).await.status, 303);
    let (_, policy) = app.get("/api/v1/dunning_policy").await;
    assert_eq!(policy["ladder"], "de", "{policy}");
    let page = b.get("/c/acme/settings?lang=en").await;
    assert!(page.body.contains("First dunning notice (1. Mahnung)"), "{}", page.body);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM staff_audit_log WHERE action LIKE 'settings.%' AND outcome = 'done' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["settings.languages", "settings.moves", "settings.dunning", "settings.dunning", "settings.dunning"]
    );
}

/// The payment-failed mail promises the retry dunning will make as things stand when it is sent
/// (docs/adr/0045): while staff paused the dunning until further notice it promises none, and
/// when a pause has ended it names the day moved by the paused days, the day the customer API and
/// the job agree on. The failure's event keeps the policy's plan.
#[tokio::test]
async fn the_payment_failed_mail_promises_no_retry_that_a_pause_stops() {
    use portal_web::i18n::{Locale, format};
    let app = TestApp::spawn().await;
    let (customer, invoice, t0) = app.declined_march_customer("late@example.com", "4000000000009995").await;
    let day = |n: i64| (t0 + Duration::days(n)).date_naive();
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    let subject = format!("Payment for invoice {} failed", inv["number"].as_str().unwrap());
    let planned: String =
        sqlx::query_scalar("SELECT payload->>'next_attempt_at' FROM outbox WHERE topic = 'payment.failed'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(planned.starts_with(&day(3).to_string()), "the policy's day-3 retry: {planned}");

    // Paused before the mail goes out, without an end day.
    let (s, p) = app
        .post(&format!("/api/v1/customers/{customer}/dunning/pause"), json!({ "reason": "Disputed by phone" }))
        .await;
    assert_eq!(s, 200, "{p}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert!(c["dunning"]["next_action_on"].is_null(), "the API promises nothing while paused: {c}");
    let sink = crate::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, t0 + Duration::minutes(1)).await.unwrap();
    let failed = |mails: &[Value]| -> Vec<String> {
        mails
            .iter()
            .filter(|m| m["subject"] == subject.as_str())
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    };
    let texts = failed(&sink.mails());
    assert_eq!(texts.len(), 1, "{:?}", sink.mails());
    assert!(texts[0].contains("We will not try again automatically for now"), "{}", texts[0]);
    assert!(!texts[0].contains("We will try again on"), "no retry promised: {}", texts[0]);
    assert!(!texts[0].contains(&format::date_long(day(3), Locale::En)), "{}", texts[0]);

    // Resumed on day 2: the two paused days move the retry from day 3 to day 5. Sent again (as
    // support's "Send again" does), the mail names day 5, as the customer API does.
    app.clock.set(t0 + Duration::days(2));
    let (s, r) =
        app.post(&format!("/api/v1/customers/{customer}/dunning/resume"), json!({ "reason": "Settled" })).await;
    assert_eq!(s, 200, "{r}");
    let (_, c) = app.get(&format!("/api/v1/customers/{customer}")).await;
    assert_eq!(c["dunning"]["next_action_on"], day(5).to_string(), "{c}");
    let first: uuid::Uuid = sqlx::query_scalar("SELECT id FROM mails WHERE template = 'payment_failed'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    let id: billing_core::ids::CustomerId = customer.parse().unwrap();
    billing_core::service::staff::resend_mail(
        &mut conn,
        app.tenant.id,
        id,
        "late@example.com",
        first,
        t0 + Duration::days(2),
    )
    .await
    .unwrap();
    drop(conn);
    portal_web::mail::run(&app.db.pool, &mailer, t0 + Duration::days(2)).await.unwrap();
    let texts = failed(&sink.mails());
    assert_eq!(texts.len(), 2, "{:?}", sink.mails());
    let again = texts.iter().find(|t| !t.contains("We will not try again")).unwrap();
    assert!(again.contains(&format!("We will try again on {}", format::date_long(day(5), Locale::En))), "{again}");
    // And the job agrees: nothing on day 3 or 4, the retry on day 5.
    assert!(run_dunning(&app, &day(4).to_string()).contains("0 erneut eingezogen"));
    assert!(run_dunning(&app, &day(5).to_string()).contains("1 erneut eingezogen"));
}

/// A customer whose stored language the merchant's portal no longer offers gets mails and
/// documents in the merchant's default language, as the portal's pages fall back (docs/adr/0045);
/// one whose language is offered keeps it.
#[tokio::test]
async fn a_language_the_portal_does_not_offer_falls_back_to_the_default_in_mails_and_documents() {
    let app = TestApp::spawn().await;
    let (s, o) = app
        .send(
            app.http.put(app.url("/api/v1/portal/options")).json(&json!({ "offered_locales": ["de", "en"] })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200, "{o}");
    let mut ids = vec![];
    for (email, locale) in [("kenji@example.com", "ja"), ("anna@example.com", "de-AT")] {
        let (s, c) = app
            .post(
                "/api/v1/customers",
                json!({ "email": email, "name": "Kunde", "country": "US", "currency": "EUR", "locale": locale }),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let (s, sub) = app
            .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-03-01" }))
            .await;
        assert_eq!(s, 201, "{sub}");
        ids.push((email, sub["id"].as_str().unwrap().to_string()));
    }
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();

    let sink = crate::mail::SmtpSink::start(&[]);
    let mailer = portal_web::mail::Mailer::new(&sink.config(), std::path::Path::new("/nonexistent")).unwrap();
    portal_web::mail::run(&app.db.pool, &mailer, instant("2026-03-01T09:05:00Z")).await.unwrap();
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, locale FROM mails WHERE template = 'invoice_issued' ORDER BY to_address")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        [("anna@example.com".to_string(), "de".to_string()), ("kenji@example.com".to_string(), "en".to_string())]
    );
    let mails = sink.mails();
    let subject_to = |to: &str| {
        mails
            .iter()
            .find(|m| m["to"].as_str().is_some_and(|t| t.contains(to)))
            .map(|m| m["subject"].as_str().unwrap().to_string())
    };
    assert!(subject_to("kenji@example.com").is_some_and(|s| s.starts_with("Invoice ")), "{mails:?}");
    assert!(subject_to("anna@example.com").is_some_and(|s| s.starts_with("Rechnung ")), "{mails:?}");

    // The document without a chosen language: the default for the one, German for the other.
    for (email, sub, lang) in [(ids[0].0, &ids[0].1, "en"), (ids[1].0, &ids[1].1, "de")] {
        let (_, list) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
        let invoice = list["data"][0]["id"].as_str().unwrap().to_string();
        let resp = app
            .http
            .get(app.url(&format!("/api/v1/invoices/{invoice}/pdf")))
            .bearer_auth(&app.tenant.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{email}");
        assert_eq!(resp.headers()["content-language"], lang, "{email}");
    }
    // All ten offered again: the stored language governs.
    let (s, _) = app
        .send(
            app.http
                .put(app.url("/api/v1/portal/options"))
                .json(&json!({ "offered_locales": billing_core::customer::SUPPORTED_LOCALES })),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!(s, 200);
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", ids[0].1)).await;
    let invoice = list["data"][0]["id"].as_str().unwrap().to_string();
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{invoice}/pdf")))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-language"], "ja");
}

/// The logo through the API (docs/adr/0045): `PUT /api/v1/branding/logo` with the file as the
/// body is judged by the console's content checks (a scripted SVG named as a PNG, an HTML page,
/// an empty body and a file over 256 KiB are refused in the caller's language, nothing stored,
/// each refusal audited); a clean one is stored, served at `/p/{slug}/logo` and audited with the
/// key as actor; `DELETE` removes it; a key without the settings scope is refused.
#[tokio::test]
async fn the_logo_is_uploaded_through_the_api_with_the_consoles_checks() {
    let app = TestApp::spawn().await;
    let put = |body: Vec<u8>, content_type: &'static str, lang: &'static str| {
        let req = app
            .http
            .put(app.url("/api/v1/branding/logo"))
            .header("content-type", content_type)
            .header("accept-language", lang)
            .body(body);
        app.send(req, &app.tenant.api_key)
    };
    let scripted = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>"#;
    for (body, ct, lang, words) in [
        (scripted.to_vec(), "image/png", "de", "Das SVG enthält Skripte"),
        (b"<html><body>not an image</body></html>".to_vec(), "image/png", "en", "not a PNG, JPEG or SVG image"),
        (vec![], "image/png", "en", "The request body is empty"),
        ([PNG, &vec![0u8; 300 * 1024]].concat(), "application/octet-stream", "en", "larger than 256 KiB"),
    ] {
        let (s, e) = put(body, ct, lang).await;
        assert_eq!(
            (s, e["error"]["code"].as_str(), e["error"]["param"].as_str()),
            (400, Some("invalid_logo"), Some("logo")),
            "{e}"
        );
        assert!(e["error"]["message"].as_str().unwrap().contains(words), "{lang}: {e}");
    }
    assert_eq!(app.count("tenant_logos").await, 0, "nothing stored");
    let (s, e) = app.get("/api/v1/branding/logo").await;
    assert_eq!(s, 404, "{e}");

    let clean = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="#1f4e79"/></svg>"##;
    let (s, logo) = put(clean.to_vec(), "application/octet-stream", "en").await;
    assert_eq!(s, 200, "{logo}");
    assert_eq!((logo["object"].as_str(), logo["content_type"].as_str()), (Some("logo"), Some("image/svg+xml")));
    assert_eq!((logo["size"].as_i64(), logo["url"].as_str()), (Some(clean.len() as i64), Some("/p/acme/logo")));
    let r = reqwest::get(app.url("/p/acme/logo")).await.unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap().trim_matches('"'), logo["sha256"].as_str().unwrap());
    assert_eq!(r.bytes().await.unwrap().as_ref(), clean);
    let (s, got) = app.get("/api/v1/branding/logo").await;
    assert_eq!((s, &got), (200, &logo));

    // A key that may not change settings is refused.
    let (s, k) = app.post("/api/v1/api_keys", json!({ "name": "reader", "scopes": ["read_only"] })).await;
    assert_eq!(s, 201, "{k}");
    let reader = k["secret"].as_str().unwrap().to_string();
    let req = app.http.put(app.url("/api/v1/branding/logo")).body(PNG.to_vec());
    let (s, e) = app.send(req, &reader).await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("insufficient_scope")), "{e}");

    let del = || app.send(app.http.delete(app.url("/api/v1/branding/logo")), &app.tenant.api_key);
    let (s, d) = del().await;
    assert_eq!((s, d["deleted"].as_bool()), (200, Some(true)), "{d}");
    assert_eq!(reqwest::get(app.url("/p/acme/logo")).await.unwrap().status(), 404);
    let (s, d) = del().await;
    assert_eq!((s, d["deleted"].as_bool()), (200, Some(false)), "nothing left: {d}");

    let lines: Vec<(String, String, Option<Value>)> =
        sqlx::query_as("SELECT outcome, actor, after FROM staff_audit_log WHERE action = 'settings.logo' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let outcomes: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(outcomes, ["refused", "refused", "refused", "refused", "done", "done"], "{lines:?}");
    assert!(lines.iter().all(|l| l.1.starts_with("api:")), "the key is the actor: {lines:?}");
    assert_eq!(lines[0].2.as_ref().unwrap()["problem"], "unsafe-svg");
    assert_eq!(lines[4].2.as_ref().unwrap()["logo"]["content_type"], "image/svg+xml");
}
