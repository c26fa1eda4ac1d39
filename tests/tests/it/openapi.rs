//! The OpenAPI document against a live `billing serve` (docs/adr/0025): it is served without a
//! key, the reference page renders it, openapi-spec-validator accepts it, and schemathesis over
//! every operation finds no server error, no undocumented status, no answer that breaks its
//! schema and no wrong content type. The Python tools come from `SCHEMATHESIS_PYTHON` (set by
//! scripts/test-all.sh); without it the two tool checks are skipped with a notice.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use billing_tests::{TestDb, create_catalog, create_tenant};
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

async fn start(db: &TestDb) -> Server {
    // Negative cases send broken keys; the limiter of failed key checks must not end the run.
    let (child, base) = serve(
        db,
        &[
            ("BILLING__SERVER__AUTH_FAILURE_BURST", "10000"),
            ("BILLING__SERVER__AUTH_FAILURE_REFILL_PER_MINUTE", "10000"),
            // Schemathesis sends thousands of requests with one key: the rate limits are off.
            ("BILLING__API__RATE_LIMIT_PER_KEY", "0"),
            ("BILLING__API__RATE_LIMIT_PER_TENANT", "0"),
            ("BILLING__API__RATE_LIMIT_INGEST_PER_KEY", "0"),
        ],
    );
    let server = Server { child, base };
    let http = reqwest::Client::new();
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

fn python() -> Option<String> {
    match std::env::var("SCHEMATHESIS_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!(
                "SCHEMATHESIS_PYTHON is not set: scripts/test-all.sh installs schemathesis and \
                 openapi-spec-validator and sets it; skipping the schemathesis checks"
            );
            None
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-openapi-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[tokio::test]
async fn the_document_is_served_without_a_key_rendered_and_valid() {
    let db = TestDb::new().await;
    let server = start(&db).await;
    let http = reqwest::Client::new();
    let resp = http.get(format!("{}/api/v1/openapi.json", server.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let text = resp.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/customers"]["post"].is_object());
    let params = doc["paths"]["/api/v1/invoices/{id}/pay"]["post"]["parameters"].as_array().unwrap();
    assert!(params.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"));

    let page = http.get(format!("{}/api/docs", server.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/v1/subscriptions/{id}/cancel"), "operations are listed");
    assert!(html.contains("idempotency_key_reused"), "error codes are listed");

    let Some(python) = python() else { return };
    let dir = scratch("validate");
    let file = dir.join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let out = Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("openapi-spec-validator runs");
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// schemathesis' command line, with one CPython 3.11 bug kept out of its way: `ast.parse` deep
/// in a generator can raise `SystemError: AST constructor recursion depth mismatch`
/// (python/cpython#106905, fixed in 3.12), which hypothesis meets when it only wants a lambda's
/// source for a description. The description falls back to `<unknown>`; nothing is tested less.
const ST_MAIN: &str = r#"
import sys
from hypothesis.internal import lambda_sources
_describe = lambda_sources._lambda_description
def _lambda_description(f, *a, **k):
    try:
        return _describe(f, *a, **k)
    except SystemError:
        return "lambda: <unknown>"
lambda_sources._lambda_description = _lambda_description
from schemathesis.cli import schemathesis
sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"#;

#[tokio::test]
async fn schemathesis_over_the_whole_document_finds_nothing() {
    let Some(python) = python() else { return };
    let db = TestDb::new().await;
    let now = chrono::Utc::now();
    let tenant = create_tenant(&db.pool, "fuzz", now).await;
    create_catalog(&db.pool, tenant.id, now).await;
    let server = start(&db).await;

    // Something to find: a customer with a subscription and an open invoice.
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}/api/v1{path}", server.base)).bearer_auth(&tenant.api_key).json(&body).send()
    };
    let c: Value =
        post("/customers", json!({"email": "fuzz@example.com", "name": "Fuzz", "country": "DE", "currency": "EUR"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let customer = c["id"].as_str().expect("customer").to_string();
    let s = post("/subscriptions", json!({"customer": customer, "plan": "pro"})).await.unwrap();
    assert_eq!(s.status(), 201);
    let lines = json!([{"description": "Setup", "unit_amount": 5000}]);
    let d: Value =
        post("/invoices", json!({"customer": customer, "lines": lines})).await.unwrap().json().await.unwrap();
    let draft = d["id"].as_str().expect("draft").to_string();
    assert_eq!(post(&format!("/invoices/{draft}/finalize"), json!({})).await.unwrap().status(), 200);

    let dir = scratch("fuzz");
    let out = Command::new(&python)
        .current_dir(&dir)
        .args(["-c", ST_MAIN, "run"])
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args(["--header", &format!("Authorization: Bearer {}", tenant.api_key)])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        ])
        .args(["--max-examples", "12", "--seed", "1", "--workers", "2", "--no-color"])
        .args(["--request-timeout", "20"])
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schemathesis found failures:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("passed") || stdout.contains("No issues found"), "{stdout}");
}

/// The shell blocks of docs/first-integration.md, in order: the guide as a reader runs it.
fn guide_script() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/first-integration.md");
    let text = std::fs::read_to_string(&path).expect("docs/first-integration.md");
    let mut script = String::new();
    let mut inside = false;
    for line in text.lines() {
        match (inside, line.trim_end()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) => {
                script.push_str(l);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

// Two worker threads: the server in this process answers while bash and curl run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_integration_guide_runs_as_written() {
    let app = billing_tests::TestApp::spawn().await;
    let script = guide_script();
    assert!(script.matches("curl ").count() >= 6, "the guide's commands were found: {script}");
    let (api, key) = (format!("{}/api/v1", app.base), app.tenant.api_key.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash").args(["-euo", "pipefail", "-c", &script]).env("API", api).env("KEY", key).output()
    })
    .await
    .unwrap()
    .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "the guide failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // What the reader is told to expect: a paid invoice, charged once, the retry replayed.
    assert!(stdout.contains("payment succeeded, invoice paid"), "{stdout}");
    assert!(stdout.to_ascii_lowercase().contains("idempotent-replayed: true"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("invoice ") && last.ends_with(" is paid, 0 due"), "{stdout}");
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_attempts WHERE status = 'succeeded'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 1, "one charge for two pay requests under one key");
}

/// Where in `doc` a schema reachable from an answer is an object that says nothing about its
/// content: `{"type": "object"}` (or `{}`) without `properties`, without a schema for
/// `additionalProperties` and without `allOf`/`oneOf`/`anyOf`. An object whose keys are the
/// caller's own (a gateway's configuration, an event's data) says so with
/// `additionalProperties: true` and a description; anything else gets an API-owned type.
fn untyped_answers(doc: &Value) -> Vec<String> {
    fn walk(doc: &Value, schema: &Value, at: String, seen: &mut Vec<String>, found: &mut Vec<String>) {
        if let Some(target) = schema["$ref"].as_str() {
            if seen.iter().any(|s| s == target) {
                return;
            }
            seen.push(target.to_string());
            let name = target.trim_start_matches("#/components/schemas/");
            let resolved = &doc["components"]["schemas"][name];
            assert!(resolved.is_object(), "{at}: {target} is not in the document");
            walk(doc, resolved, format!("{at} -> {name}"), seen, found);
            return;
        }
        let Some(map) = schema.as_object() else { return };
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let composed = ["allOf", "oneOf", "anyOf"].iter().any(|k| map.contains_key(*k));
        let said_free_form = schema["additionalProperties"] == Value::Bool(true)
            && schema["description"].as_str().is_some_and(|d| !d.trim().is_empty());
        let nothing_said = !composed
            && !map.contains_key("properties")
            && !schema["additionalProperties"].is_object()
            && !said_free_form
            && (types.contains(&"object")
                || (types.is_empty() && !map.contains_key("enum") && !map.contains_key("const")));
        if nothing_said {
            found.push(format!("{at}: {schema}"));
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            walk(doc, property, format!("{at}.{name}"), seen, found);
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, part) in schema[key].as_array().into_iter().flatten().enumerate() {
                walk(doc, part, format!("{at}.{key}[{i}]"), seen, found);
            }
        }
        if schema["items"].is_object() {
            walk(doc, &schema["items"], format!("{at}[]"), seen, found);
        }
        if schema["additionalProperties"].is_object() {
            walk(doc, &schema["additionalProperties"], format!("{at}{{*}}"), seen, found);
        }
    }
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                for (media, content) in answer["content"].as_object().into_iter().flatten() {
                    if !media.contains("json") {
                        continue;
                    }
                    let at = format!("{} {path} {status}", method.to_uppercase());
                    walk(doc, &content["schema"], at, &mut Vec::new(), &mut found);
                }
            }
        }
    }
    found
}

#[test]
fn every_answer_of_every_operation_has_a_typed_schema() {
    let doc: Value = serde_json::from_str(&portal_web::api::openapi::document().to_json().unwrap()).unwrap();
    let untyped = untyped_answers(&doc);
    assert!(
        untyped.is_empty(),
        "{} answer schemas are objects the document says nothing about (give each an API-owned type \
         with ToSchema, or mark a truly free-form one `additional_properties = true` with a \
         description):\n{}",
        untyped.len(),
        untyped.join("\n")
    );
    // The check sees what it must: a bare object in an answer is found, a typed one is not.
    let mut broken = doc.clone();
    broken["components"]["schemas"]["CollectionBody"] = serde_json::json!({"type": "object"});
    assert!(untyped_answers(&broken).iter().any(|u| u.starts_with("POST /api/v1/invoices/{id}/pay 200")));
}

/// The reference page in Chromium: in German (chosen by the browser's language) and in Japanese
/// (chosen with `?lang=`), each saying its language, and axe-core finds nothing serious or
/// critical. Needs `BILLING_BROWSER_PYTHON` (scripts/test-all.sh); skipped with a notice without.
const AXE_REFERENCE: &str = r#"
import json, sys
from playwright.sync_api import sync_playwright
cfg = json.loads(sys.argv[1])
axe = open(cfg["axe"]).read()
found = []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
    for locale, query, lang, heading in [("de-DE", "", "de", "Antworten"), ("fr-FR", "?lang=ja", "ja", "レスポンス")]:
        ctx = browser.new_context(locale=locale, bypass_csp=True)
        page = ctx.new_page()
        page.goto(cfg["base"] + "/api/docs" + query)
        if page.locator("html").get_attribute("lang") != lang:
            found.append(f"{lang}: html lang is {page.locator('html').get_attribute('lang')}")
        if page.get_by_role("heading", name=heading).count() == 0:
            found.append(f"{lang}: no heading {heading}")
        # The two languages' pages differ only in their texts: axe runs once (a long page).
        if lang == "ja":
            page.add_script_tag(content=axe)
            tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
            options = "{ runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }"
            result = page.evaluate(f"(tags) => axe.run(document, {options})", tags)
            for v in result["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:3]
                    found.append(f"{lang}: {v['id']} ({v['impact']}): {v['help']} {targets}")
        ctx.close()
    browser.close()
print(json.dumps(found))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_passes_axe_in_the_readers_language() {
    let Ok(python) = std::env::var("BILLING_BROWSER_PYTHON") else {
        eprintln!("BILLING_BROWSER_PYTHON is not set (scripts/test-all.sh sets it): skipping the axe check");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let axe = std::env::var("BILLING_AXE_JS")
        .unwrap_or_else(|_| root.join(".ci-work/axe/node_modules/axe-core/axe.min.js").display().to_string());
    let app = billing_tests::TestApp::spawn().await;
    let cfg = json!({ "base": app.base, "axe": axe }).to_string();
    let out = tokio::task::spawn_blocking(move || Command::new(python).args(["-c", AXE_REFERENCE, &cfg]).output())
        .await
        .unwrap()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the browser check failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<String> = serde_json::from_str(stdout.trim()).expect("the check's findings");
    assert!(found.is_empty(), "the reference page:\n{}", found.join("\n"));
}
