//! Mail end to end: outbox messages become mails that a real SMTP server (aiosmtpd) receives,
//! read back with Python's mail parser as a mail client would; retries after a temporary
//! failure, a bounce that suppresses the address, `.eml` files without SMTP, previews of every
//! template in every language, no mail lost or duplicated with two workers, two servers, or a
//! server killed mid-delivery, and bounces and complaints that come back later as mails. Needs `AIOSMTPD_PYTHON` (scripts/test-all.sh sets it up).

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use billing_core::clock::Clock;
use billing_core::email::EmailAddress;
use billing_core::ids::{CustomerId, TenantId};
use billing_core::outbox::OutboxMessage;
use billing_tests::{TestApp, TestDb, create_tenant, instant};
use chrono::{DateTime, Utc};
use portal_web::mail::config::TlsMode;
use portal_web::mail::{MailConfig, Mailer};
use serde_json::{Value, json};

fn python() -> String {
    std::env::var("AIOSMTPD_PYTHON")
        .expect("AIOSMTPD_PYTHON must point at a python with aiosmtpd (scripts/test-all.sh)")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-{what}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running aiosmtpd that writes what it accepts into `dir`; stopped when dropped.
pub(crate) struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    pub(crate) fn start(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = temp_dir("smtp");
        let mut child = Command::new(python())
            .arg(fixture("smtp_sink.py"))
            .arg(port.to_string())
            .arg(&dir)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("aiosmtpd starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("listening"), "aiosmtpd said {line:?}");
        Self { child, port, dir }
    }

    /// How many mails have arrived (cheap: no parsing).
    pub(crate) fn received(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
            .count()
    }

    /// Every mail received so far, parsed.
    pub(crate) fn mails(&self) -> Vec<Value> {
        read_mails(&self.dir)
    }

    pub(crate) fn config(&self) -> MailConfig {
        MailConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: TlsMode::None,
            from: "billing@shop.example".into(),
            timeout_secs: 10,
            ..MailConfig::default()
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn read_mails(dir: &Path) -> Vec<Value> {
    let out = Command::new(python()).arg(fixture("read_mails.py")).arg(dir).output().expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn mailer(config: MailConfig) -> Mailer {
    Mailer::new(&config, Path::new("/nonexistent")).unwrap()
}

/// A customer in `locale` on `pro` from 1 March 2026, invoiced for March; returns the invoice.
async fn invoiced(app: &TestApp, email: &str, name: &str, locale: &str) -> Value {
    use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
    let (s, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": email, "name": name, "country": "US", "currency": "EUR", "locale": locale }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(march), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    list["data"][0].clone()
}

async fn sign_in_links(pool: &sqlx::PgPool, tenant: TenantId, count: usize, now: DateTime<Utc>) {
    let messages: Vec<OutboxMessage> = (0..count)
        .map(|n| OutboxMessage::SignInLink {
            customer_id: CustomerId::new(),
            to: EmailAddress::parse(&format!("user{n}@example.com")).unwrap(),
            locale: "en".into(),
            url: format!("https://billing.example/portal/sign-in/{n}"),
            expires_at: now + chrono::Duration::minutes(15),
        })
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    billing_core::store::outbox::enqueue(&mut conn, tenant, &messages, now).await.unwrap();
}

async fn message_ids(pool: &sqlx::PgPool) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>("SELECT message_id FROM mails").fetch_all(pool).await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn an_issued_invoice_reaches_a_real_smtp_server_in_the_customers_language_with_its_pdf() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start(&[]);
    let invoice = invoiced(&app, "jana@example.de", "Jana Beispiel", "de").await;
    let number = invoice["number"].as_str().unwrap().to_string();
    let (s, _) = app
        .post("/api/v1/mail_settings", json!({ "sender_name": "Acme Billing", "reply_to": "help@acme.example" }))
        .await;
    assert_eq!(s, 200);

    let mailer = mailer(sink.config());
    let run = portal_web::mail::run(&app.db.pool, &mailer, app.clock.now()).await.unwrap();
    assert_eq!(run.sent, 1, "{run:?}");

    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let m = &mails[0];
    assert_eq!(m["subject"], format!("Rechnung {number} von Merchant acme"));
    assert_eq!(m["to"], "Jana Beispiel <jana@example.de>");
    assert_eq!(m["from"], "Acme Billing <billing@shop.example>");
    assert_eq!(m["reply_to"], "help@acme.example");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Hallo Jana Beispiel,"), "{text}");
    assert!(text.contains("29,00\u{a0}€"), "amounts in German format: {text}");
    assert!(text.contains("Fällig am: 15. März 2026"), "the due date in German: {text}");
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("lang=\"de\"") && html.contains("#1f4e79"), "branded German HTML");
    let attachments = m["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    assert_eq!(attachments[0]["type"], "application/pdf");
    assert!(attachments[0]["bytes"].as_u64().unwrap() > 1000);
    // The Message-ID is the one stored with the mail.
    assert_eq!(message_ids(&app.db.pool).await, BTreeSet::from([m["message_id"].as_str().unwrap().to_string()]));

    // Running again sends nothing more: the outbox row was fanned out once, the mail sent once.
    let again = portal_web::mail::run(&app.db.pool, &mailer, app.clock.now()).await.unwrap();
    assert_eq!((again.messages, again.sent), (0, 0));
    assert_eq!(sink.mails().len(), 1);
    let (_, list) = app.get("/api/v1/mails").await;
    assert_eq!(list["items"][0]["status"], "sent", "{list}");
    assert_eq!(list["items"][0]["template"], "invoice_issued");
}

#[tokio::test]
async fn a_temporary_failure_is_retried_later_and_a_bounce_suppresses_the_address_until_removed() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start(&["--defer", "1", "--reject", "gone@example.com"]);
    invoiced(&app, "ok@example.com", "Ok", "en").await;
    invoiced(&app, "gone@example.com", "Gone", "en").await;
    let mailer = mailer(sink.config());
    let t0 = app.clock.now();

    let first = portal_web::mail::run(&app.db.pool, &mailer, t0).await.unwrap();
    assert_eq!((first.sent, first.retried, first.failed), (0, 1, 1), "{first:?}");
    assert!(sink.mails().is_empty());
    // Not due again yet.
    let early = portal_web::mail::run(&app.db.pool, &mailer, t0 + chrono::Duration::seconds(30)).await.unwrap();
    assert_eq!(early.sent, 0);
    let later = portal_web::mail::run(&app.db.pool, &mailer, t0 + chrono::Duration::minutes(2)).await.unwrap();
    assert_eq!(later.sent, 1, "{later:?}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["to"], "Ok <ok@example.com>");
    let outcomes: Vec<(i32, String)> = sqlx::query_as(
        "SELECT a.attempt, a.outcome FROM mail_attempts a JOIN mails m ON m.id = a.mail_id
          WHERE m.to_address = 'ok@example.com' ORDER BY a.attempt",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(outcomes, [(1, "retry".to_string()), (2, "sent".to_string())]);

    // The bounced address is on the list, with the server's answer.
    let (s, list) = app.get("/api/v1/mail_suppressions").await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["address"], "gone@example.com");
    assert_eq!(list["items"][0]["reason"], "bounce");
    assert!(list["items"][0]["detail"].as_str().unwrap().contains("550"), "{list}");

    // A further mail to it is not sent, but recorded as suppressed.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let link = OutboxMessage::SignInLink {
        customer_id: CustomerId::new(),
        to: EmailAddress::parse("gone@example.com").unwrap(),
        locale: "en".into(),
        url: "https://billing.example/portal/x".into(),
        expires_at: t0 + chrono::Duration::hours(1),
    };
    billing_core::store::outbox::enqueue(&mut conn, app.tenant.id, std::slice::from_ref(&link), t0).await.unwrap();
    drop(conn);
    portal_web::mail::run(&app.db.pool, &mailer, t0 + chrono::Duration::minutes(3)).await.unwrap();
    assert_eq!(sink.mails().len(), 1);
    let (_, mails_api) = app.get("/api/v1/mails").await;
    assert_eq!(mails_api["items"][0]["template"], "sign_in_link");
    assert_eq!(mails_api["items"][0]["status"], "suppressed");

    // The merchant takes it off the list; then it is mailed again.
    let del = |path: &str| app.http.delete(app.url(path));
    let (s, _) = app.send(del("/api/v1/mail_suppressions/gone@example.com"), &app.tenant.api_key).await;
    assert_eq!(s, 204);
    let (s, body) = app.send(del("/api/v1/mail_suppressions/gone@example.com"), &app.tenant.api_key).await;
    assert_eq!(s, 404, "{body}");
    // Another tenant cannot see or remove this tenant's list.
    let other = create_tenant(&app.db.pool, "other", t0).await;
    let (s, list) = app.send(app.http.get(app.url("/api/v1/mail_suppressions")), &other.api_key).await;
    assert_eq!((s, list["items"].as_array().unwrap().len()), (200, 0));
}

#[tokio::test]
async fn without_smtp_each_mail_is_one_eml_file_even_when_sent_twice() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T09:00:00Z");
    let tenant = create_tenant(&db.pool, "demo", now).await;
    sign_in_links(&db.pool, tenant.id, 2, now).await;
    let folder = temp_dir("eml");
    let mailer = mailer(MailConfig { folder: Some(folder.clone()), ..MailConfig::default() });
    let run = portal_web::mail::run(&db.pool, &mailer, now).await.unwrap();
    assert_eq!(run.sent, 2);
    // A crash after writing but before recording: the mails go again, into the same files.
    sqlx::query("UPDATE mails SET status = 'pending', sent_at = NULL").execute(&db.pool).await.unwrap();
    portal_web::mail::run(&db.pool, &mailer, now).await.unwrap();
    let mails = read_mails(&folder);
    assert_eq!(mails.len(), 2, "{mails:#?}");
    let ids: BTreeSet<String> = mails.iter().map(|m| m["message_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, message_ids(&db.pool).await);
    assert!(mails.iter().all(|m| m["subject"] == "Your sign-in link for Merchant demo"));
    assert!(mails[0]["text"].as_str().unwrap().contains("https://billing.example/portal/sign-in/"));
}

#[tokio::test]
async fn two_workers_at_once_send_every_mail_exactly_once() {
    let db = TestDb::new().await;
    if db.is_embedded() {
        return; // one connection: there is no second worker to race
    }
    let now = Utc::now();
    let tenant = create_tenant(&db.pool, "race", now).await;
    sign_in_links(&db.pool, tenant.id, 40, now).await;
    let sink = SmtpSink::start(&[]);
    let config = MailConfig { batch: 3, ..sink.config() };
    let (a, b) = (mailer(config.clone()), mailer(config));
    let other = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&db.url).await.unwrap();
    let (ra, rb) = tokio::join!(portal_web::mail::run(&db.pool, &a, now), portal_web::mail::run(&other, &b, now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 40, "{ra:?} {rb:?}");
    let received: Vec<String> = sink.mails().iter().map(|m| m["message_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(received.len(), 40);
    assert_eq!(received.into_iter().collect::<BTreeSet<_>>(), message_ids(&db.pool).await);
}

fn serve_mail(db: &TestDb, sink: &SmtpSink, claim_secs: &str) -> Child {
    let port = sink.port.to_string();
    let (child, _) = super::scheduler::serve(
        db,
        &[
            ("BILLING__MAIL__HOST", "127.0.0.1"),
            ("BILLING__MAIL__PORT", port.as_str()),
            ("BILLING__MAIL__TLS", "none"),
            ("BILLING__MAIL__FROM", "billing@shop.example"),
            ("BILLING__MAIL__BATCH", "2"),
            ("BILLING__MAIL__CLAIM_SECS", claim_secs),
            ("BILLING__JOBS__MAIL", "* * * * * *"),
            ("BILLING__JOBS__FINALIZE_DRAFTS", ""),
            ("BILLING__JOBS__APPLY_CREDIT", ""),
            ("BILLING__JOBS__COLLECT", ""),
        ],
    );
    child
}

async fn wait_all_sent(db: &TestDb, total: i64) {
    for _ in 0..240 {
        let sent: i64 =
            sqlx::query_scalar("SELECT count(*) FROM mails WHERE status = 'sent'").fetch_one(&db.pool).await.unwrap();
        if sent == total {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not every mail was sent within a minute");
}

fn counts(mails: &[Value]) -> BTreeMap<String, usize> {
    let mut by_id = BTreeMap::new();
    for m in mails {
        *by_id.entry(m["message_id"].as_str().unwrap().to_string()).or_insert(0) += 1;
    }
    by_id
}

#[tokio::test]
async fn two_servers_deliver_every_mail_once() {
    let db = TestDb::new().await;
    if db.is_embedded() {
        return; // one data folder has one server
    }
    let now = Utc::now();
    let tenant = create_tenant(&db.pool, "pair", now).await;
    sign_in_links(&db.pool, tenant.id, 30, now).await;
    let sink = SmtpSink::start(&["--delay-ms", "50"]);
    let mut a = serve_mail(&db, &sink, "60");
    let mut b = serve_mail(&db, &sink, "60");
    wait_all_sent(&db, 30).await;
    for c in [&mut a, &mut b] {
        c.kill().ok();
        c.wait().ok();
    }
    let by_id = counts(&sink.mails());
    assert_eq!(by_id.keys().cloned().collect::<BTreeSet<_>>(), message_ids(&db.pool).await);
    assert!(by_id.values().all(|n| *n == 1), "a mail arrived twice: {by_id:?}");
}

#[tokio::test]
async fn a_server_killed_mid_delivery_loses_no_mail_and_repeats_one_only_under_its_message_id() {
    let db = TestDb::new().await;
    if db.is_embedded() {
        return;
    }
    let now = Utc::now();
    let tenant = create_tenant(&db.pool, "crash", now).await;
    sign_in_links(&db.pool, tenant.id, 20, now).await;
    // A slow mail server, so the kill lands while a batch is being sent.
    let sink = SmtpSink::start(&["--delay-ms", "300"]);
    let mut first = serve_mail(&db, &sink, "5");
    for _ in 0..1200 {
        if sink.received() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap(); // SIGKILL: no clean shutdown
    first.wait().ok();
    let before = sink.received();
    assert!(before > 0 && before < 20, "killed mid-delivery ({before} of 20 sent)");
    let mut second = serve_mail(&db, &sink, "5");
    wait_all_sent(&db, 20).await;
    second.kill().ok();
    second.wait().ok();
    let mails = sink.mails();
    let by_id = counts(&mails);
    assert_eq!(by_id.keys().cloned().collect::<BTreeSet<_>>(), message_ids(&db.pool).await, "every mail arrived");
    // At most the batch that was in flight at the kill went twice, each under its own Message-ID.
    let repeated = by_id.values().filter(|n| **n > 1).count();
    assert!(repeated <= 2 && by_id.values().all(|n| *n <= 2), "{by_id:?}");
}

#[tokio::test]
async fn every_template_previews_in_every_language() {
    let app = TestApp::spawn().await;
    for template in billing_core::mail::MailTemplate::ALL {
        let mut subjects = BTreeSet::new();
        for lang in portal_web::i18n::LANGUAGES {
            let (s, p) = app.get(&format!("/api/v1/mail_previews/{}?locale={lang}", template.as_str())).await;
            assert_eq!(s, 200, "{template:?} {lang}: {p}");
            let subject = p["subject"].as_str().unwrap();
            assert!(!subject.starts_with("mail-") && !subject.is_empty(), "{template:?} {lang}: {subject}");
            let html = p["html"].as_str().unwrap();
            assert!(html.contains(&format!("lang=\"{lang}\"")), "{template:?} {lang}");
            assert!(!html.contains("mail-") && !p["text"].as_str().unwrap().contains("mail-"), "a missing string");
            assert!(!p["text"].as_str().unwrap().contains('<'), "the text part is text");
            subjects.insert(subject.to_string());
        }
        assert_eq!(subjects.len(), 10, "{template:?}: every language has its own subject: {subjects:?}");
    }
    let (s, p) = app.get("/api/v1/mail_previews/payment_failed?locale=fr").await;
    assert_eq!(s, 200);
    assert!(p["text"].as_str().unwrap().contains("119,00\u{a0}€"), "{p}");
    let resp = app
        .http
        .get(app.url("/api/v1/mail_previews/sign_in_link?locale=ja&format=html"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert!(resp.text().await.unwrap().contains("サインイン"));
    let (s, e) = app.get("/api/v1/mail_previews/nonsense?locale=de").await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("resource_missing")), "{e}");
    let (s, e) = app.get("/api/v1/mail_previews/invoice_issued?locale=xx").await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = app.get("/api/v1/mail_previews/invoice_issued?format=pdf").await;
    assert_eq!(s, 400, "{e}");
}

#[tokio::test]
async fn jobs_run_mail_writes_eml_files_and_every_run_is_listed_by_the_cli_and_the_api() {
    let app = TestApp::spawn().await;
    sign_in_links(&app.db.pool, app.tenant.id, 3, Utc::now()).await;
    let folder = temp_dir("cli-eml");
    let run = |args: &[&str]| {
        Command::new(billing_tests::billing_binary())
            .args(args)
            .env("DATABASE_URL", &app.db.url)
            .env("BILLING__MAIL__FOLDER", &folder)
            .env("BILLING_LOG", "warn")
            .env("LANG", "de_DE.UTF-8")
            .output()
            .unwrap()
    };
    let out = run(&["jobs", "run", "mail"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("E-Mails: 3 gesendet"), "{stdout}");
    assert!(stdout.contains(folder.to_str().unwrap()), "says where the mails went: {stdout}");
    assert_eq!(read_mails(&folder).len(), 3);

    let out = run(&["jobs", "list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let runs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["job"], "mail", "{runs}");
    assert_eq!((runs[0]["done"].as_i64(), runs[0]["trigger"].as_str()), (Some(3), Some("cli")));
    assert!(runs[0]["finished_at"].is_string() && runs[0]["error"].is_null());

    // The merchant sees that the mail job ran, not how much it did for all merchants.
    let (s, api) = app.get("/api/v1/job_runs?job=mail").await;
    assert_eq!(s, 200, "{api}");
    assert_eq!(api["items"][0]["job"], "mail");
    assert_eq!(api["items"][0]["succeeded"], true);
    assert!(api["items"][0]["done"].is_null(), "{api}");
}

#[tokio::test]
async fn a_declined_card_mails_the_customer_a_link_to_fix_it_and_a_paid_invoice_a_receipt() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start(&[]);
    let invoice = invoiced(&app, "marie@example.fr", "Marie Exemple", "fr").await;
    let (id, number) = (invoice["id"].as_str().unwrap(), invoice["number"].as_str().unwrap());
    let customer = invoice["customer"].as_str().unwrap();
    let card = |n: &'static str| json!({ "card_number": n });
    let (s, pm) = app.post(&format!("/api/v1/customers/{customer}/payment_methods"), card("4000000000000002")).await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("failed")), "{r}");
    let (s, pm) = app.post(&format!("/api/v1/customers/{customer}/payment_methods"), card("4242424242424242")).await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{id}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("succeeded")), "{r}");

    portal_web::mail::run(&app.db.pool, &mailer(sink.config()), app.clock.now()).await.unwrap();
    let mails = sink.mails();
    let subjects: Vec<&str> = mails.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    assert_eq!(
        subjects,
        [
            format!("Facture {number} de Merchant acme"),
            format!("Échec du paiement de la facture {number}"),
            format!("Reçu pour la facture {number}"),
        ],
        "in the order they happened, in French"
    );
    let failed = mails[1]["text"].as_str().unwrap();
    assert!(failed.contains("29,00\u{a0}€") && failed.contains("nouveau moyen de paiement"), "{failed}");
    assert!(failed.contains("Mettre à jour le moyen de paiement : http://localhost:8080/p/acme"), "{failed}");
    assert!(mails[2]["attachments"].as_array().unwrap().is_empty(), "a receipt carries no PDF");
}

/// A delivery status notification (RFC 3464) as an MTA returns it: the recipient's status and
/// the original's headers with its Message-ID.
fn dsn(message_id: &str, to: &str, action: &str, status: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n\
         To: billing@shop.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1.mx\"\r\n\r\n\
         --B1.mx\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n\
         --B1.mx\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.example.net\r\n\r\n\
         Final-Recipient: rfc822; {to}\r\nAction: {action}\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; 550 {status} <{to}>: Recipient address rejected:\r\n    User unknown in virtual mailbox table\r\n\r\n\
         --B1.mx\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         From: billing@shop.example\r\nTo: {to}\r\nMessage-ID: {message_id}\r\n\r\n\
         --B1.mx--\r\n"
    )
}

/// A spam complaint in the Abuse Reporting Format (RFC 5965), the original mail attached.
fn arf(message_id: &str, to: &str) -> String {
    format!(
        "From: <abuse@mailbox.example>\nTo: <billing@shop.example>\nSubject: FW: complaint\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=feedback-report; boundary=\"arf\"\n\n\
         --arf\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n\
         --arf\nContent-Type: message/feedback-report\n\n\
         Feedback-Type: abuse\nUser-Agent: Mailbox-FBL/1.0\nVersion: 1\nOriginal-Rcpt-To: <{to}>\n\n\
         --arf\nContent-Type: message/rfc822\n\n\
         From: billing@shop.example\nTo: {to}\nMessage-ID: {message_id}\nSubject: Invoice\n\nYour invoice.\n\
         --arf--\n"
    )
}

/// The merchant's suppression list as (address, reason).
async fn suppressed(app: &TestApp) -> Vec<(String, String)> {
    let (_, list) = app.get("/api/v1/mail_suppressions").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["address"].as_str().unwrap().to_string(), i["reason"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn a_later_bounce_and_a_spam_complaint_suppress_the_address_through_the_api_and_the_cli() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start(&[]);
    invoiced(&app, "anna@example.de", "Anna", "de").await;
    invoiced(&app, "jonas@example.com", "Jonas", "en").await;
    let mailer = mailer(sink.config());
    let t0 = app.clock.now();
    // The SMTP server accepts both: the trouble comes back later, as mails.
    let run = portal_web::mail::run(&app.db.pool, &mailer, t0).await.unwrap();
    assert_eq!(run.sent, 2, "{run:?}");
    let (_, mails) = app.get("/api/v1/mails").await;
    let message_id = |to: &str| {
        mails["items"].as_array().unwrap().iter().find(|m| m["to_address"] == to).unwrap()["message_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (anna, jonas) = (message_id("anna@example.de"), message_id("jonas@example.com"));
    let report = |body: String| {
        app.send(
            app.http.post(app.url("/api/v1/mail_reports")).header("content-type", "message/rfc822").body(body),
            &app.tenant.api_key,
        )
    };

    // A delay, and a failure with a temporary status, change nothing.
    let (s, r) = report(dsn(&anna, "anna@example.de", "delayed", "4.4.7")).await;
    assert_eq!((s, r["report_type"].as_str(), r["suppressed"].is_null()), (200, Some("delivery_status"), true), "{r}");
    let (s, r) = report(dsn(&anna, "anna@example.de", "failed", "4.2.2")).await;
    assert_eq!((s, r["suppressed"].is_null()), (200, true), "{r}");
    assert!(suppressed(&app).await.is_empty());

    // The permanent failure suppresses the address the mail went to, and the mail shows it.
    let (s, r) = report(dsn(&anna, "Anna@Example.DE", "failed", "5.1.1")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["suppressed"].as_str(), r["address"].as_str(), r["newly_suppressed"].as_bool()),
        (Some("bounce"), Some("anna@example.de"), Some(true)),
        "{r}"
    );
    assert_eq!(r["message_id"], anna.as_str());
    let (s, again) = report(dsn(&anna, "anna@example.de", "failed", "5.1.1")).await;
    assert_eq!((s, again["newly_suppressed"].as_bool()), (200, Some(false)), "a report sent twice adds nothing");
    assert_eq!(suppressed(&app).await, [("anna@example.de".to_string(), "bounce".to_string())]);
    let (_, list) = app.get("/api/v1/mail_suppressions").await;
    let detail = list["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("5.1.1") && detail.contains("User unknown") && detail.contains(&anna), "{detail}");
    let (_, mails) = app.get("/api/v1/mails").await;
    let bounced = mails["items"].as_array().unwrap().iter().find(|m| m["message_id"] == anna.as_str()).unwrap();
    assert_eq!(bounced["status"], "failed", "{bounced}");

    // The complaint comes through the command line, from a file the bounce mailbox wrote.
    let dir = temp_dir("arf");
    let file = dir.join("complaint.eml");
    std::fs::write(&file, arf(&jonas, "jonas@example.com")).unwrap();
    let out = Command::new(billing_tests::billing_binary())
        .args(["mail", "report", "--file"])
        .arg(&file)
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING_LOG", "warn")
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("jonas@example.com wird für")
            && stdout.contains("(complaint)")
            && stdout.contains("Feedback-Type abuse"),
        "{stdout}"
    );
    assert_eq!(
        suppressed(&app).await,
        [
            ("anna@example.de".to_string(), "bounce".to_string()),
            ("jonas@example.com".to_string(), "complaint".to_string())
        ]
    );

    // The next mail to a suppressed address is not sent.
    let mut conn = app.db.pool.acquire().await.unwrap();
    let link = OutboxMessage::SignInLink {
        customer_id: CustomerId::new(),
        to: EmailAddress::parse("anna@example.de").unwrap(),
        locale: "de".into(),
        url: "https://billing.example/portal/x".into(),
        expires_at: t0 + chrono::Duration::hours(1),
    };
    billing_core::store::outbox::enqueue(&mut conn, app.tenant.id, std::slice::from_ref(&link), t0).await.unwrap();
    drop(conn);
    portal_web::mail::run(&app.db.pool, &mailer, t0 + chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(sink.mails().len(), 2, "nothing more was sent");
    let (_, mails) = app.get("/api/v1/mails").await;
    assert_eq!(
        (mails["items"][0]["template"].as_str(), mails["items"][0]["status"].as_str()),
        (Some("sign_in_link"), Some("suppressed"))
    );

    // Another merchant cannot report this merchant's mails; a mail that is no report is refused
    // in the request's language; neither changes anything.
    let other = create_tenant(&app.db.pool, "other", t0).await;
    let (s, e) = app
        .send(
            app.http.post(app.url("/api/v1/mail_reports")).body(dsn(&jonas, "jonas@example.com", "failed", "5.1.1")),
            &other.api_key,
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("resource_missing")), "{e}");
    let (s, e) = app
        .send(
            app.http
                .post(app.url("/api/v1/mail_reports"))
                .header("accept-language", "de")
                .body("Subject: Re: Rechnung\r\n\r\nDanke!"),
            &app.tenant.api_key,
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("mail_report_unreadable")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("Zustellstatusbericht"), "{e}");
    let (_, list) = app.send(app.http.get(app.url("/api/v1/mail_suppressions")), &other.api_key).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(suppressed(&app).await.len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}
