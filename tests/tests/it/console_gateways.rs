//! The console's gateway accounts and routing rules, and the DATEV settings (issue 14 Settings
//! and Exports, docs/adr/0049), over real HTTP against a real PostgreSQL: an admin adds a Stripe
//! account (its credentials never on a page, only sealed in the review and masked after) and a
//! sandbox account, a routing rule that the API then lists and collection then follows, disables
//! an account and is refused disabling the default; bad input is named in the page's language and
//! changes nothing; another tenant's account is a 404 and cannot be a rule's target; finance,
//! support and analysts are refused (403, audited). Finance edits the DATEV settings (checked by
//! DATEV's rules, reviewed, saved once, audited) and the next DATEV file carries them.

use billing_tests::{TestApp, create_tenant, instant};
use serde_json::{Value, json};

use crate::console::{Browser, Page, signed_in, staff};

/// What the HTML escaper wrote back to text.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hidden fields of a review page's confirm form, as a browser would send them.
fn confirm_fields(review: &Page) -> Vec<(String, String)> {
    let body = &review.body[review.body.find("id=\"review\"").expect("a review page")..];
    let mut out = vec![];
    let mut rest = body;
    while let Some(i) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[i + "<input type=\"hidden\" name=\"".len()..];
        let name = rest.split('"').next().unwrap().to_string();
        let v = rest.find("value=\"").unwrap() + "value=\"".len();
        let value = rest[v..].split('"').next().unwrap();
        out.push((name, unescape(value)));
    }
    out
}

async fn post_pairs(b: &mut Browser<'_>, path: &str, pairs: &[(String, String)]) -> Page {
    let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &form).await
}

/// Review, then confirm: the answer of the confirm (a redirect) and the review page.
async fn review_and_confirm(b: &mut Browser<'_>, path: &str, form: &[(&str, &str)]) -> (Page, Page) {
    let review = b.post(path, form).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let fields = confirm_fields(&review);
    assert!(fields.iter().any(|(k, v)| k == "step" && v == "confirm"), "{fields:?}");
    let done = post_pairs(b, path, &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let twice = post_pairs(b, path, &fields).await;
    assert_eq!((twice.status, &twice.location), (303, &done.location), "a second submission changes nothing");
    (done, review)
}

async fn accounts(app: &TestApp) -> Vec<Value> {
    let (s, list) = app.get("/api/v1/gateway_accounts").await;
    assert_eq!(s, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

async fn rules(app: &TestApp) -> Value {
    let (s, r) = app.get("/api/v1/routing_rules").await;
    assert_eq!(s, 200, "{r}");
    r["rules"].clone()
}

async fn audit_lines(app: &TestApp, like: &str) -> Vec<(String, String, String, Option<Value>, Option<Value>)> {
    sqlx::query_as("SELECT action, outcome, actor, before, after FROM staff_audit_log WHERE action LIKE $1 ORDER BY id")
        .bind(like)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

const SECRET_KEY: &str = "sk_test_0123456789abcdefWXYZ";
const WEBHOOK_SECRET: &str = "whsec_0123456789abcdef9876";

#[tokio::test]
async fn an_admin_adds_an_account_and_a_rule_that_collection_then_follows() {
    let app = TestApp::spawn().await;
    staff(&app, "admin@example.com", "admin").await;
    let mut admin = signed_in(&app, "admin@example.com").await;

    // The page: in the admin's menu, the default sandbox listed, a provider to choose.
    let page = admin.get("/c/acme/gateways").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/c/acme/gateways\" aria-current=\"page\""), "{}", page.body);
    assert!(page.body.contains("Sandbox (test only)") && page.body.contains(">Default<"), "{}", page.body);
    let form = admin.get("/c/acme/gateways/new?provider=stripe").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("name=\"config_secret_key\"") && form.body.contains("type=\"password\""));
    let csrf = form.field("csrf");

    // Bad input: named in English, the secret typed is not written back, nothing stored.
    let bad = [
        ("csrf", csrf.as_str()),
        ("step", "review"),
        ("provider", "stripe"),
        ("name", "Stripe EU"),
        ("config_secret_key", SECRET_KEY),
        ("config_webhook_secret", WEBHOOK_SECRET),
        ("config_publishable_key", "sk_oops_not_public"),
        ("active", "1"),
    ];
    let refused = admin.post("/c/acme/gateways", &bad).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("must start with pk_. Nothing was saved."), "{}", refused.body);
    assert!(!refused.body.contains("0123456789abcdef"), "no credential on the page: {}", refused.body);
    assert!(refused.body.contains("value=\"Stripe EU\""), "the name is kept");
    let taken = [("csrf", csrf.as_str()), ("step", "review"), ("provider", "sandbox"), ("name", "sandbox")];
    let refused = admin.post("/c/acme/gateways", &taken).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("An account named “sandbox” exists already."), "{}", refused.body);
    assert_eq!(accounts(&app).await.len(), 1);

    // The review shows the account with its key masked and carries the credentials only sealed.
    let good = [
        ("csrf", csrf.as_str()),
        ("step", "review"),
        ("provider", "stripe"),
        ("name", "Stripe EU"),
        ("config_secret_key", SECRET_KEY),
        ("config_webhook_secret", WEBHOOK_SECRET),
        ("config_api_base", "http://127.0.0.1:9"),
        ("currencies", "eur"),
        ("active", "1"),
    ];
    let (done, review) = review_and_confirm(&mut admin, "/c/acme/gateways", &good).await;
    assert!(review.body.contains("secret_key …WXYZ") && review.body.contains(">Test<"), "{}", review.body);
    assert!(!review.body.contains("0123456789abcdef"), "sealed, never in clear: {}", review.body);
    assert_eq!(done.location.as_deref(), Some("/c/acme/gateways?done=created"));
    let list = accounts(&app).await;
    assert_eq!(list.len(), 2, "added once: {list:?}");
    let stripe = list.iter().find(|a| a["name"] == "Stripe EU").unwrap();
    assert_eq!((stripe["provider"].as_str(), stripe["active"].as_bool()), (Some("stripe"), Some(true)));
    assert_eq!(stripe["config"]["secret_key"], "…WXYZ");
    assert_eq!(stripe["config"]["currencies"], json!(["EUR"]));
    let listed = admin.get("/c/acme/gateways?done=created").await;
    assert!(listed.body.contains("The gateway account was added."), "{}", listed.body);
    assert!(listed.body.contains("…WXYZ") && !listed.body.contains("0123456789abcdef"), "{}", listed.body);

    // A sandbox account for USD, and a rule that sends USD cards to it.
    let sandbox_form = [
        ("csrf", csrf.as_str()),
        ("step", "review"),
        ("provider", "sandbox"),
        ("name", "sandbox-usd"),
        ("active", "1"),
    ];
    review_and_confirm(&mut admin, "/c/acme/gateways", &sandbox_form).await;
    let usd = accounts(&app).await.into_iter().find(|a| a["name"] == "sandbox-usd").unwrap();
    let usd_id = usd["id"].as_str().unwrap().to_string();

    let rule = |currency: &'static str, weight: &'static str, target: String| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("step".to_string(), "review".to_string()),
            ("rules".to_string(), "1".to_string()),
            ("rule-0-name".to_string(), "usd-cards".to_string()),
            ("rule-0-priority".to_string(), "10".to_string()),
            ("rule-0-currencies".to_string(), currency.to_string()),
            ("rule-0-methods".to_string(), "card".to_string()),
            ("rule-0-max".to_string(), "5000.00 USD".to_string()),
            ("rule-0-slots".to_string(), "2".to_string()),
            ("rule-0-target-0".to_string(), target),
            ("rule-0-weight-0".to_string(), weight.to_string()),
            ("rule-0-target-1".to_string(), String::new()),
            ("rule-0-weight-1".to_string(), String::new()),
        ]
    };
    // Bad rules: a currency that is not one, a weight that is not a number, another tenant's
    // account (a forged form): each named, none stored.
    let other = create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    let (s, theirs) = app
        .send(
            app.http
                .post(app.url("/api/v1/gateway_accounts"))
                .json(&json!({ "provider": "sandbox", "name": "theirs" })),
            &other.api_key,
        )
        .await;
    assert_eq!(s, 201, "{theirs}");
    let their_id = theirs["id"].as_str().unwrap().to_string();
    for (form, message) in [
        (rule("USDX", "100", usd_id.clone()), "Rule 1: “USDX” is not an ISO currency code."),
        (rule("USD", "lots", usd_id.clone()), "Rule 1: a weight is a whole number from 0 to 1000000."),
        (rule("USD", "100", their_id.clone()), "Rule 1: the account is not one of yours."),
    ] {
        let refused = post_pairs(&mut admin, "/c/acme/gateways/rules", &form).await;
        assert_eq!(refused.status, 400, "{message}: {}", refused.body);
        assert!(refused.body.contains(message), "{message}: {}", refused.body);
    }
    assert_eq!(rules(&app).await, json!([]), "nothing stored");

    let form = rule("usd", "100", usd_id.clone());
    let review = post_pairs(&mut admin, "/c/acme/gateways/rules", &form).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("No rules: the default account collects every payment."), "{}", review.body);
    assert!(review.body.contains("10 · usd-cards: Currencies USD; ≤ 5000.00 USD; Card → sandbox-usd (100)"));
    let fields = confirm_fields(&review);
    let done = post_pairs(&mut admin, "/c/acme/gateways/rules", &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let stored = rules(&app).await;
    assert_eq!(stored[0]["name"], "usd-cards", "{stored}");
    assert_eq!(stored[0]["currencies"], json!(["USD"]));
    assert_eq!(stored[0]["methods"], json!(["card"]));
    assert_eq!(stored[0]["max_amount"], json!({ "amount": 500000, "currency": "USD" }));
    assert_eq!(stored[0]["targets"], json!([{ "gateway": usd_id, "weight": 100 }]));
    // The page shows the stored rule as its first row.
    let page = admin.get("/c/acme/gateways?done=rules").await;
    assert!(page.body.contains("The routing rules were saved."), "{}", page.body);
    assert!(page.body.contains("name=\"rule-0-name\" value=\"usd-cards\""), "{}", page.body);

    // Collection follows the rule: a USD invoice is charged at the sandbox-usd account.
    let (customer, invoice) = app.invoiced_march_customer("usd@example.com", "USD").await;
    for account in [usd_id.as_str(), accounts(&app).await[0]["id"].as_str().unwrap()] {
        let (s, pm) = app
            .post(
                &format!("/api/v1/customers/{customer}/payment_methods"),
                json!({ "card_number": "4242424242424242", "gateway_account": account }),
            )
            .await;
        assert_eq!(s, 201, "{pm}");
    }
    let (s, paid) = app.post(&format!("/api/v1/invoices/{}/pay", invoice["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["invoice_status"], "paid", "{paid}");
    assert_eq!(paid["attempt"]["gateway_account"], usd_id.as_str(), "{paid}");
    assert!(paid["attempt"]["routing_reason"].as_str().unwrap().contains("rule usd-cards"), "{paid}");

    // Another tenant's account: a 404 page, for reading and for changing.
    let theirs_page = admin.get(&format!("/c/acme/gateways/{their_id}")).await;
    assert_eq!(theirs_page.status, 404, "{}", theirs_page.body);
    let forged = admin
        .post(&format!("/c/acme/gateways/{their_id}"), &[("csrf", &csrf), ("step", "review"), ("name", "x")])
        .await;
    assert_eq!(forged.status, 404);

    // The default account cannot be disabled; the Stripe account can (reviewed, confirmed).
    let sandbox_id = accounts(&app).await[0]["id"].as_str().unwrap().to_string();
    let path = format!("/c/acme/gateways/{sandbox_id}");
    let no = admin.post(&path, &[("csrf", &csrf), ("step", "review"), ("name", "sandbox"), ("is_default", "1")]).await;
    assert_eq!(no.status, 400);
    assert!(no.body.contains("The default account cannot be disabled."), "{}", no.body);
    let stripe_id = stripe["id"].as_str().unwrap().to_string();
    let path = format!("/c/acme/gateways/{stripe_id}");
    let edit = admin.get(&path).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    assert!(edit.body.contains("secret_key …WXYZ") && !edit.body.contains("0123456789abcdef"), "{}", edit.body);
    let (_, review) =
        review_and_confirm(&mut admin, &path, &[("csrf", &csrf), ("step", "review"), ("name", "Stripe EU (old)")])
            .await;
    assert!(review.body.contains("Yes → No") && review.body.contains("Stripe EU → Stripe EU (old)"), "{}", review.body);
    let list = accounts(&app).await;
    let stripe = list.iter().find(|a| a["id"] == stripe_id.as_str()).unwrap();
    assert_eq!((stripe["name"].as_str(), stripe["active"].as_bool()), (Some("Stripe EU (old)"), Some(false)));
    assert!(list.iter().any(|a| a["id"] == sandbox_id.as_str() && a["active"] == true && a["is_default"] == true));

    // The audit log: each change once, with before and after, never a credential.
    let lines = audit_lines(&app, "gateway_account.%").await;
    let done: Vec<&str> = lines.iter().filter(|l| l.1 == "done").map(|l| l.0.as_str()).collect();
    assert_eq!(done, ["gateway_account.create", "gateway_account.create", "gateway_account.update"], "{lines:?}");
    let update = lines.iter().find(|l| l.0 == "gateway_account.update").unwrap();
    assert_eq!(update.3.as_ref().unwrap()["active"], true);
    assert_eq!(update.4.as_ref().unwrap()["active"], false);
    let text = format!("{lines:?}");
    assert!(text.contains("…WXYZ") && !text.contains("0123456789abcdef"), "{text}");
    let rule_lines = audit_lines(&app, "routing_rules.%").await;
    assert_eq!(rule_lines.len(), 1, "{rule_lines:?}");
    assert_eq!(rule_lines[0].3.as_ref().unwrap()["rules"], json!([]));
    assert_eq!(rule_lines[0].4.as_ref().unwrap()["rules"][0]["name"], "usd-cards");
}

#[tokio::test]
async fn finance_support_and_analysts_are_refused_the_gateways_and_each_refusal_is_audited() {
    let app = TestApp::spawn().await;
    for (email, role) in
        [("fin@example.com", "finance"), ("sup@example.com", "support"), ("ana@example.com", "analyst")]
    {
        staff(&app, email, role).await;
        let mut b = signed_in(&app, email).await;
        let dashboard = b.get("/c/acme/dashboard").await;
        assert!(!dashboard.body.contains("/c/acme/gateways"), "not in the {role}'s menu");
        assert_eq!(b.get("/c/acme/gateways").await.status, 403, "{role}");
        assert_eq!(b.get("/c/acme/gateways/new?provider=sandbox").await.status, 403, "{role}");
        let csrf =
            dashboard.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let forged = b
            .post(
                "/c/acme/gateways",
                &[("csrf", &csrf), ("step", "confirm"), ("provider", "sandbox"), ("name", "mine")],
            )
            .await;
        assert_eq!(forged.status, 403, "{role}");
        let rules = b.post("/c/acme/gateways/rules", &[("csrf", &csrf), ("step", "confirm"), ("rules", "0")]).await;
        assert_eq!(rules.status, 403, "{role}");
    }
    assert_eq!(accounts(&app).await.len(), 1, "only the default sandbox");
    let refused: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, action FROM staff_audit_log WHERE outcome = 'refused' AND (action LIKE 'gateway_account.%' OR action LIKE 'routing_rules.%') ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(refused.len(), 12, "four refusals per role: {refused:?}");
    for who in ["staff:fin@example.com", "staff:sup@example.com", "staff:ana@example.com"] {
        let actions: Vec<&str> = refused.iter().filter(|(a, _)| a == who).map(|(_, act)| act.as_str()).collect();
        assert_eq!(
            actions,
            ["gateway_account.list", "gateway_account.create", "gateway_account.create", "routing_rules.update"],
            "{who}"
        );
    }
}

/// Splits a DATEV line at its semicolons (no field of these files holds one).
fn fields(line: &str) -> Vec<&str> {
    line.split(';').collect()
}

#[tokio::test]
async fn finance_edits_the_datev_settings_and_the_next_export_carries_them() {
    let app = TestApp::spawn().await;
    app.invoiced_march_customer("payer@example.com", "EUR").await;
    app.clock.set(instant("2026-04-02T09:00:00Z"));
    staff(&app, "fin@example.com", "finance").await;
    staff(&app, "sup@example.com", "support").await;
    let mut fin = signed_in(&app, "fin@example.com").await;
    let page = fin.get("/c/acme/exports").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.field("csrf");
    let defaults = |consultant: &'static str, domestic: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("step", "review".to_string()),
            ("consultant_number", consultant.to_string()),
            ("client_number", "55003".to_string()),
            ("fiscal_year_start_month", "1".to_string()),
            ("account_length", "4".to_string()),
            ("skr", "04".to_string()),
            ("receivables_account", page.field("receivables_account")),
            ("revenue_domestic_standard", domestic.to_string()),
            ("revenue_domestic_reduced", page.field("revenue_domestic_reduced")),
            ("revenue_oss", page.field("revenue_oss")),
            ("revenue_reverse_charge", page.field("revenue_reverse_charge")),
            ("revenue_section_13b", page.field("revenue_section_13b")),
            ("revenue_third_country", page.field("revenue_third_country")),
            ("revenue_small_business", page.field("revenue_small_business")),
        ]
    };
    assert_eq!(page.field("receivables_account"), "1400", "SKR03's defaults until saved");
    let as_form = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Vec<_>>();

    // DATEV's rules, named on the page in the staff member's language; nothing saved.
    for (form, message) in [
        (defaults("999", "8400"), "The consultant number (Beraternummer) must be a whole number from 1001 to 9999999."),
        (defaults("29098", "84000"), "Domestic, standard rate: a revenue account has exactly 4 digits."),
    ] {
        let refused = post_pairs(&mut fin, "/c/acme/exports", &as_form(&form)).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains(message), "{message}: {}", refused.body);
        assert!(refused.body.contains("id=\"datev-error\""), "{}", refused.body);
    }
    assert_eq!(app.count("datev_settings").await, 0);

    // SKR04 chosen while every account is SKR03's default: the review shows SKR04's accounts.
    let review = post_pairs(&mut fin, "/c/acme/exports", &as_form(&defaults("29098", "8400"))).await;
    assert_eq!(review.status, 200, "{}", review.body);
    for change in ["1001 → 29098", "1 → 55003", "SKR03 → SKR04", "1400 → 1200", "8400 → 4400", "8338 → 4338"]
    {
        assert!(review.body.contains(change), "{change}: {}", review.body);
    }
    let confirm = confirm_fields(&review);
    let done = post_pairs(&mut fin, "/c/acme/exports", &confirm).await;
    assert_eq!(done.location.as_deref(), Some("/c/acme/exports?saved=datev#datev-settings"), "{}", done.body);
    let twice = post_pairs(&mut fin, "/c/acme/exports", &confirm).await;
    assert_eq!(twice.location, done.location, "once");
    let saved = fin.get("/c/acme/exports?saved=datev").await;
    assert!(saved.body.contains("The DATEV settings were saved."), "{}", saved.body);
    assert_eq!(saved.field("consultant_number"), "29098");

    // The API reads what the console saved.
    let (s, settings) = app.get("/api/v1/exports/datev/settings").await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(
        (settings["consultant_number"].as_u64(), settings["skr"].as_str(), settings["receivables_account"].as_str()),
        (Some(29098), Some("04"), Some("1200"))
    );

    // The next DATEV file: Beraternummer, Mandantennummer and SKR in the header, the SKR04
    // accounts in the booking (a customer outside the EU: the third-country account).
    let file = fin.get("/c/acme/exports/datev.csv?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(file.status, 200, "{}", file.body);
    let lines: Vec<&str> = file.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    let h = fields(lines[0]);
    assert_eq!((h[10], h[11], h[13], h[26]), ("29098", "55003", "4", "\"04\""), "{}", lines[0]);
    let booking = fields(lines[2]);
    assert_eq!((booking[6], booking[7]), ("1200", "4338"), "{}", lines[2]);

    // Audited with before and after; support is refused (403, audited) and changes nothing.
    let lines = audit_lines(&app, "exports.datev_settings").await;
    let done: Vec<_> = lines.iter().filter(|l| l.1 == "done").collect();
    assert_eq!(done.len(), 1, "{lines:?}");
    assert_eq!(done[0].3.as_ref().unwrap()["consultant_number"], 1001);
    assert_eq!(done[0].4.as_ref().unwrap()["consultant_number"], 29098);
    assert_eq!(done[0].4.as_ref().unwrap()["skr"], "04");
    let mut sup = signed_in(&app, "sup@example.com").await;
    let forged = post_pairs(&mut sup, "/c/acme/exports", &confirm).await;
    assert_eq!(forged.status, 403);
    let refused = audit_lines(&app, "exports.datev_settings").await;
    assert!(refused.iter().any(|l| l.1 == "refused" && l.2 == "staff:sup@example.com"), "{refused:?}");
    let (_, settings) = app.get("/api/v1/exports/datev/settings").await;
    assert_eq!(settings["consultant_number"], 29098, "unchanged by the refused form");
}
