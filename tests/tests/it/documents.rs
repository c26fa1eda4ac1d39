//! Invoice and credit-note PDFs through the API, checked by extracting their text with poppler's
//! `pdftotext` (Debian package poppler-utils): the mandatory fields of § 14 Abs. 4 UStG and
//! Art. 226 VAT Directive, in the customer's language; and by rendering the page with
//! `pdftoppm`, for what only the picture shows (rules drawn through text).

use billing_core::currency::Currency;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::money::Money;
use billing_tests::{TestApp, create_tenant, instant, pdf_page_raster, pdf_text};
use chrono::NaiveDate;
use portal_web::i18n::{I18n, Locale, format};
use serde_json::{Value, json};

async fn fetch_pdf(app: &TestApp, key: &str, id: &str, query: &str) -> (u16, String, Vec<u8>) {
    let resp =
        app.http.get(app.url(&format!("/api/v1/invoices/{id}/pdf{query}"))).bearer_auth(key).send().await.unwrap();
    let status = resp.status().as_u16();
    let disposition =
        resp.headers().get("content-disposition").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    if status == 200 {
        assert_eq!(resp.headers()["content-type"], "application/pdf");
    }
    (status, disposition, resp.bytes().await.unwrap().to_vec())
}

async fn run(app: &TestApp, as_of: &str) {
    let as_of = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    invoice_run::run(&app.db.pool, &RunOptions::new(as_of), instant("2026-03-01T09:00:00Z"), &NoProgress)
        .await
        .unwrap();
}

async fn subscribe(app: &TestApp, customer: Value, plan: &str) -> (Value, Value) {
    let (status, c) = app.post("/api/v1/customers", customer).await;
    assert_eq!(status, 201, "{c}");
    let (status, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": plan, "start_date": "2026-03-01" }))
        .await;
    assert_eq!(status, 201, "{sub}");
    (c, sub)
}

async fn first_invoice(app: &TestApp, sub: &Value) -> Value {
    let (_, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    list["data"][0].clone()
}

/// A German seller with its full profile, set through the API.
async fn seller_profile(app: &TestApp) {
    let (status, t) = app
        .post(
            "/api/v1/tenant",
            json!({ "legal_name": "Acme Software GmbH",
                    "address": { "line1": "Friedrichstraße 123", "postal_code": "10117", "city": "Berlin" },
                    "tax_number": "37/123/45678", "bank_account_holder": "Acme Software GmbH",
                    "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "brand_color": "#0B6E4F" }),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["iban"], "DE89370400440532013000");
    assert_eq!(t["brand_color"], "#0b6e4f");
    // The VAT registration is set when a merchant is created (`billing tenant create --vat-id`);
    // the shared test merchant is made without one.
    sqlx::query("UPDATE tenants SET vat_id = 'DE136695976' WHERE tenant_id = $1")
        .bind(app.tenant.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_german_invoice_pdf_carries_every_mandatory_field_in_german() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let (c, sub) = subscribe(
        &app,
        json!({ "email": "einkauf@brauerei.de", "name": "Max Huber", "company_name": "Brauerei Huber GmbH",
                "country": "DE", "currency": "EUR", "locale": "de",
                "address": { "line1": "Am Brauhaus 3", "postal_code": "80331", "city": "München" } }),
        "pro",
    )
    .await;
    assert_eq!(c["address"]["city"], "München");
    run(&app, "2026-03-01").await;
    let inv = first_invoice(&app, &sub).await;
    let number = inv["number"].as_str().unwrap().to_string();
    let (status, disposition, pdf) = fetch_pdf(&app, &app.tenant.api_key, inv["id"].as_str().unwrap(), "").await;
    assert_eq!(status, 200);
    assert_eq!(disposition, format!("inline; filename=\"{number}.pdf\""));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for expected in [
        "Rechnung",
        number.as_str(),
        // Seller: full name, address, VAT id and tax number (§ 14 Abs. 4 Nr. 1, 2).
        "Acme Software GmbH",
        "Friedrichstraße 123",
        "10117 Berlin",
        "USt-IdNr.: DE136695976",
        "Steuernummer: 37/123/45678",
        // Buyer: name and address.
        "Brauerei Huber GmbH",
        "Max Huber",
        "Am Brauhaus 3",
        "80331 München",
        // Dates in German form: issue date, service period, due date (Nr. 3, 6).
        "Rechnungsdatum:",
        "01.03.2026",
        "Leistungszeitraum:",
        "01.03.2026 – 31.03.2026",
        "Fällig am:",
        "15.03.2026",
        // The line and the VAT per rate (Nr. 5, 7, 8).
        "PRO",
        "29,00 €",
        "19 % S",
        "Summe netto",
        "USt. 19 % (S) auf 29,00 €",
        "5,51 €",
        "Gesamtbetrag",
        "34,51 €",
        // Bank transfer with the invoice number as reference.
        "Bitte überweisen Sie 34,51 € bis zum 15.03.2026.",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        "Verwendungszweck:",
        "Seite 1 von 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    // The address is frozen at finalization: a move afterwards changes the next invoice, not this one.
    let (status, moved) = app
        .post(
            &format!("/api/v1/customers/{}", c["id"].as_str().unwrap()),
            json!({ "address": { "line1": "Neue Gasse 9", "postal_code": "80333", "city": "München" } }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["address"]["line1"], "Neue Gasse 9");
    let (_, _, again) = fetch_pdf(&app, &app.tenant.api_key, inv["id"].as_str().unwrap(), "").await;
    let again = pdf_text(&again);
    assert!(again.contains("Am Brauhaus 3") && !again.contains("Neue Gasse 9"), "{again}");

    // Another merchant cannot read it, whatever id it sends.
    let other = create_tenant(&app.db.pool, "other", instant("2026-03-01T09:00:00Z")).await;
    let (status, _, body) = fetch_pdf(&app, &other.api_key, inv["id"].as_str().unwrap(), "").await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn a_chinese_customer_gets_chinese_labels_and_a_french_business_the_reverse_charge_notice() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let (_, sub_cn) = subscribe(
        &app,
        json!({ "email": "wang@example.cn", "name": "王芳", "country": "CN", "currency": "USD", "locale": "zh-CN",
                "address": { "line1": "朝阳区建国路88号", "postal_code": "100022", "city": "北京市" } }),
        "pro",
    )
    .await;
    let (_, sub_fr) = subscribe(
        &app,
        json!({ "email": "compta@atelier.fr", "name": "Atelier Lumière SARL", "country": "FR", "currency": "EUR",
                "locale": "fr", "vat_id": "FR40303265045",
                "address": { "line1": "8 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon" } }),
        "pro",
    )
    .await;
    run(&app, "2026-03-01").await;

    let cn = first_invoice(&app, &sub_cn).await;
    let (status, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, cn["id"].as_str().unwrap(), "").await;
    assert_eq!(status, 200);
    let text = pdf_text(&pdf);
    for expected in [
        "发票",
        "发票号码",
        "开票日期",
        "2026年3月1日",
        "服务期间",
        "2026年3月1日 – 2026年3月31日",
        "王芳",
        "朝阳区建国路88号",
        "100022 北京市",
        "中国",
        "US$32.00",
        "净额合计",
        "总计",
        "供应地在欧盟境外，不征收欧盟增值税。",
        "增值税号: DE136695976",
        "第 1 页，共 1 页",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let fr = first_invoice(&app, &sub_fr).await;
    let fr_id = fr["id"].as_str().unwrap();
    let (_, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, fr_id, "").await;
    let text = pdf_text(&pdf);
    for expected in [
        "Facture",
        "Autoliquidation : la TVA est due par le preneur.",
        "N° TVA du client: FR40303265045",
        "TVA 0 % (AE) sur 29,00 €",
        // CLDR's medium French date (ICU4X), no longer the numeric 01/03/2026 of the old table.
        "1 mars 2026",
        "8 quai Saint-Antoine",
        "69002 Lyon",
        "France",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // `?lang=` overrides the customer's language.
    let (_, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, fr_id, "?lang=de").await;
    let text = pdf_text(&pdf);
    assert!(text.contains("Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)."), "{text}");
    assert!(text.contains("USt-IdNr. des Kunden: FR40303265045"), "{text}");
    let (status, _, body) = fetch_pdf(&app, &app.tenant.api_key, fr_id, "?lang=tlh").await;
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("lang")), "{err}");
}

#[tokio::test]
async fn a_credit_note_pdf_refers_to_the_invoice_it_corrects() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let (_, sub) = subscribe(
        &app,
        json!({ "email": "anna@example.de", "name": "Anna Schmidt", "country": "DE", "currency": "EUR", "locale": "de",
                "address": { "line1": "Lindenstraße 12", "postal_code": "10969", "city": "Berlin" } }),
        "pro",
    )
    .await;
    run(&app, "2026-03-01").await;
    let original = first_invoice(&app, &sub).await;
    let (status, c) = app
        .post(
            &format!("/api/v1/subscriptions/{}/cancel", sub["id"].as_str().unwrap()),
            json!({ "timing": "now", "prorate": true, "effective_date": "2026-03-16" }),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let note_id = c["document"]["id"].as_str().unwrap();
    let (_, note) = app.get(&format!("/api/v1/invoices/{note_id}")).await;
    assert_eq!(note["kind"], "credit_note");
    let (status, disposition, pdf) = fetch_pdf(&app, &app.tenant.api_key, note_id, "").await;
    assert_eq!(status, 200);
    assert!(disposition.contains(note["number"].as_str().unwrap()), "{disposition}");
    let text = pdf_text(&pdf);
    let sentence =
        format!("Diese Rechnungskorrektur bezieht sich auf die Rechnung {}.", original["number"].as_str().unwrap());
    for expected in [
        "Rechnungskorrektur",
        note["number"].as_str().unwrap(),
        sentence.as_str(),
        "Korrektur zu Rechnung:",
        "Korrekturbetrag",
        "Lindenstraße 12",
        "USt-IdNr.: DE136695976",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[tokio::test]
async fn bad_profile_or_address_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let req = app
        .http
        .post(app.url("/api/v1/tenant"))
        .header("accept-language", "de")
        .json(&json!({ "iban": "DE88370400440532013000", "legal_name": "Changed GmbH" }));
    let (status, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["param"], "iban");
    assert!(err["error"]["message"].as_str().unwrap().contains("ist ungültig"), "{err}");
    let (_, t) = app.get("/api/v1/tenant").await;
    assert_eq!(t["legal_name"], "Acme Software GmbH");
    assert_eq!(t["iban"], "DE89370400440532013000");

    let (status, err) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "x@example.de", "name": "X", "country": "DE", "currency": "EUR",
                    "address": { "line1": "Weg 1", "postal_code": "1011", "city": "Berlin" } }),
        )
        .await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("address.postal_code")), "{err}");
    let (status, err) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "x@example.de", "name": "X", "country": "DE", "currency": "EUR",
                    "address": { "line1": "Weg 1" } }),
        )
        .await;
    assert_eq!((status, err["error"]["param"].as_str()), (400, Some("address.postal_code")), "{err}");
    assert_eq!(app.count("customers").await, 0);
}

/// Finds, row by row of pixels on page 1 rendered at 100 dpi, the light full-width rules (those
/// under the lines of the table, and the footer's) and checks each lies in a blank gap: no text
/// pixel on the rule, and not text right above and right below it (a rule through the middle of
/// a line of text, which made the line look struck out). Returns how many such rules there are,
/// so the test knows it saw them.
fn rules_clear_of_text(pdf: &[u8]) -> Result<usize, String> {
    let page = pdf_page_raster(pdf, 1, 100);
    // The table runs from 50 pt to 545 pt, i.e. 69 to 757 px; look a little inside.
    let (from, to) = (75, 750);
    let span = to - from;
    let luminance = |(r, g, b): (u8, u8, u8)| (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
    let rows: Vec<(usize, usize)> = (0..page.height)
        .map(|y| {
            let lum: Vec<u32> = (from..to).map(|x| luminance(page.pixel(x, y))).collect();
            (lum.iter().filter(|l| **l < 245).count(), lum.iter().filter(|l| **l < 140).count())
        })
        .collect();
    // A light rule covers the row (brand-coloured rules are dark and not the ones in question).
    let rule = |y: usize| rows[y].0 * 10 >= span * 9 && rows[y].1 * 2 < span;
    let text = |y: usize| !rule(y) && rows[y].1 > 0;
    let mut found = 0;
    let mut y = 1;
    while y + 1 < page.height {
        if !rule(y) {
            y += 1;
            continue;
        }
        let top = y;
        while y + 1 < page.height && rule(y + 1) {
            y += 1;
        }
        found += 1;
        if let Some(hit) = (top..=y).find(|r| rows[*r].1 > 0) {
            return Err(format!("text pixels on the rule in pixel row {hit}"));
        }
        if text(top - 1) && text(y + 1) {
            return Err(format!("the rule in pixel rows {top}-{y} runs through a line of text"));
        }
        y += 1;
    }
    Ok(found)
}

#[tokio::test]
async fn the_rule_under_each_line_runs_between_the_lines_never_through_the_next_one() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let customer = |email: &str, name: &str, locale: &str| {
        json!({ "email": email, "name": name, "country": "DE", "currency": "EUR", "locale": locale,
                "address": { "line1": "Lindenstraße 12", "postal_code": "10969", "city": "Berlin" } })
    };
    let cases = [
        (
            customer("anna@example.de", "Anna Schmidt", "de"),
            vec![
                json!({ "description": "Beratung Datenmigration", "quantity": 3, "unit_amount": 12000 }),
                json!({ "description": "Schulung vor Ort für das Buchhaltungsteam einschließlich Unterlagen und Nachbereitung",
                        "unit_amount": 45000, "period_start": "2026-02-09", "period_end": "2026-02-10" }),
                json!({ "description": "Reisekosten", "unit_amount": 8990, "supply_date": "2026-02-10" }),
            ],
        ),
        (
            customer("wang@example.cn", "王芳", "zh-CN"),
            vec![
                json!({ "description": "数据迁移咨询", "quantity": 2, "unit_amount": 12000 }),
                json!({ "description": "现场培训", "unit_amount": 45000 }),
                json!({ "description": "差旅费用", "unit_amount": 8990 }),
            ],
        ),
    ];
    for (who, lines) in cases {
        let (status, c) = app.post("/api/v1/customers", who).await;
        assert_eq!(status, 201, "{c}");
        let (status, draft) = app.post("/api/v1/invoices", json!({ "customer": c["id"], "lines": lines })).await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap();
        let (status, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
        assert_eq!(status, 200, "{inv}");
        let (status, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, id, "").await;
        assert_eq!(status, 200);
        let lang = c["locale"].as_str().unwrap();
        // Every line's rule and the footer's, each clear of the text around it.
        assert_eq!(rules_clear_of_text(&pdf), Ok(lines.len() + 1), "{lang}");
        // The text is all there too (the picture check does not replace the text check).
        let text = pdf_text(&pdf);
        let last = lines.last().unwrap()["description"].as_str().unwrap();
        assert!(text.contains(last), "{lang}: {text}");
    }
}

#[tokio::test]
async fn every_language_prints_its_own_labels_amounts_and_dates_on_the_pdf() {
    let app = TestApp::spawn().await;
    seller_profile(&app).await;
    let (status, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "compta@atelier.fr", "name": "Atelier Lumière SARL", "country": "FR", "currency": "EUR",
                    "locale": "fr", "vat_id": "FR40303265045",
                    "address": { "line1": "8 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon" } }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    // Four-digit euros and a fractional quantity: group separators and decimal commas show.
    let (status, draft) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": c["id"], "lines": [{ "description": "Atelier", "quantity": 10, "unit_amount": 123456 }] }),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap();
    let (status, inv) = app.post(&format!("/api/v1/invoices/{id}/finalize"), json!({})).await;
    assert_eq!(status, 200, "{inv}");
    let total = Money::from_minor(inv["total"].as_i64().unwrap(), Currency::EUR);
    let issued = NaiveDate::parse_from_str(inv["issue_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();

    for locale in Locale::ALL {
        let (status, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, id, &format!("?lang={locale}")).await;
        assert_eq!(status, 200, "{locale}");
        // pdf_text gives U+00A0 as a space, and poppler every other Unicode space (U+202F below).
        let text = pdf_text(&pdf);
        for expected in [
            I18n::global().text(locale, "doc-title-invoice", &[]),
            format::money(total, locale),
            format::date(issued, locale),
            I18n::global().text(locale, "doc-country-FR", &[]),
        ] {
            let expected = expected.replace(['\u{a0}', '\u{202f}'], " ");
            assert!(text.contains(&expected), "{locale}: missing {expected:?} in:\n{text}");
        }
    }
    // CLDR's French groups digits with U+202F NARROW NO-BREAK SPACE, which the embedded font has
    // no glyph for: the thin space's glyph is drawn, and the PDF's text layer maps it back to
    // U+202F. pdftotext prints every Unicode space but U+00A0 as a plain space (poppler's
    // whitespace rule), so the map itself is read for the character.
    let (_, _, pdf) = fetch_pdf(&app, &app.tenant.api_key, id, "?lang=fr").await;
    // pdftotext's column spacing follows the page's other text (a random customer number's width
    // moves it by a space), so runs of spaces are compared as one.
    let words = pdf_text(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Total HT 12 345,60 €"), "{}", pdf_text(&pdf));
    let maps = to_unicode_maps(&pdf);
    assert!(maps.contains("<202F>"), "no glyph stands for U+202F in:\n{maps}");
    // Glyph 0 is the font's missing-glyph box: no text is ever drawn with it.
    let glyphs = maps.split("beginbfchar").skip(1).filter_map(|s| s.split("endbfchar").next());
    assert!(glyphs.flat_map(str::lines).all(|l| !l.starts_with("<0000>")), "a missing glyph in:\n{maps}");
}

/// The ToUnicode maps of a PDF's fonts (which text each drawn glyph stands for), inflated.
fn to_unicode_maps(pdf: &[u8]) -> String {
    use std::io::Read;
    let mut maps = String::new();
    let mut rest = pdf;
    while let Some(at) = rest.windows(6).position(|w| w == b"stream") {
        let body = &rest[at + 6..];
        let body = body.strip_prefix(b"\r\n").or_else(|| body.strip_prefix(b"\n")).unwrap_or(body);
        let Some(end) = body.windows(9).position(|w| w == b"endstream") else { break };
        let mut text = String::new();
        if flate2::read::ZlibDecoder::new(&body[..end]).read_to_string(&mut text).is_ok()
            && text.contains("beginbfchar")
        {
            maps.push_str(&text);
        }
        rest = &body[end + 9..];
    }
    maps
}
