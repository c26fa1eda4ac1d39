//! The invoice and credit-note document: every field § 14 Abs. 4 UStG and Art. 226 of the VAT
//! Directive ask for, laid out on A4 in the customer's language.
//!
//! Layout runs first into a list of pages of drawing operations (so the page count is known for
//! "page 1 of 2"), then krilla paints them. Geometry is in points from the top-left corner.
#![allow(clippy::float_arithmetic)]

use std::str::FromStr;

use billing_core::invoice::InvoiceStatus;
use billing_core::money::Money;
use billing_core::party::{BuyerAddress, PostalAddress, SellerSnapshot};
use billing_core::store::invoices::Invoice;
use chrono::Duration;
use krilla::Document;
use krilla::color::rgb;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use rust_decimal::Decimal;

use super::canvas::{self, Align, BLACK, Canvas, GREY, LIGHT, wrap};
use crate::i18n::format;
use crate::i18n::{I18n, Locale};

const W: f32 = 595.28;
const H: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = W - 50.0;
/// Where the body of a page ends; the footer sits below.
const BODY_END: f32 = H - 110.0;

/// What one document shows; the parties come from the invoice's frozen snapshot when it has one.
#[derive(Debug)]
pub struct DocumentInput<'a> {
    pub invoice: &'a Invoice,
    pub seller: SellerSnapshot,
    pub buyer_address: Option<BuyerAddress>,
    pub lang: Locale,
}

#[derive(Debug, Clone)]
enum Op {
    Text { x: f32, y: f32, size: f32, color: rgb::Color, align: Align, strong: bool, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, color: rgb::Color },
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    lang: Locale,
    brand: rgb::Color,
}

impl Layout {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page exists")
    }

    fn text(&mut self, x: f32, y: f32, size: f32, color: rgb::Color, align: Align, text: impl Into<String>) {
        self.ops().push(Op::Text { x, y, size, color, align, strong: false, text: text.into() });
    }

    fn strong(&mut self, x: f32, y: f32, size: f32, color: rgb::Color, align: Align, text: impl Into<String>) {
        self.ops().push(Op::Text { x, y, size, color, align, strong: true, text: text.into() });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: rgb::Color) {
        self.ops().push(Op::Rect { x, y, w, h, color });
    }

    fn t(&self, id: &str) -> String {
        I18n::global().text(self.lang, id, &[])
    }

    fn ta(&self, id: &str, args: &[(&str, String)]) -> String {
        I18n::global().text(self.lang, id, args)
    }

    /// Starts a new page when `needed` points do not fit any more; true if it did.
    fn ensure(&mut self, needed: f32) -> bool {
        if self.y + needed <= BODY_END {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = 70.0;
        true
    }
}

/// One row of the stored VAT breakdown (`tax::TaxGroup` as JSON).
struct Group {
    category: String,
    rate: Decimal,
    taxable: i64,
    tax: i64,
}

fn groups(invoice: &Invoice) -> Vec<Group> {
    let decimal = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Decimal::from_str(s).ok(),
        serde_json::Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    let minor = |v: &serde_json::Value| v.get("amount").and_then(serde_json::Value::as_i64);
    invoice
        .tax_groups
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|g| {
                    Some(Group {
                        category: g.get("category_code")?.as_str()?.to_string(),
                        rate: decimal(g.get("rate")?)?,
                        taxable: minor(g.get("taxable")?)?,
                        tax: minor(g.get("tax")?)?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn country_name(code: &str, lang: Locale) -> String {
    let id = format!("doc-country-{code}");
    let name = I18n::global().text(lang, &id, &[]);
    if name == id { code.to_string() } else { name }
}

fn address_lines(a: &PostalAddress, lang: Locale) -> Vec<String> {
    let mut lines = vec![a.line1.clone()];
    if let Some(l2) = &a.line2 {
        lines.push(l2.clone());
    }
    lines.push(format!("{} {}", a.postal_code, a.city));
    lines.push(country_name(a.country.code(), lang));
    lines
}

/// An amount as the language writes it, with the ISO code instead of a sign the embedded font
/// cannot draw (₩, ₪, ₹): a missing glyph would print an empty box on a legal document.
fn amount(m: Money, lang: Locale) -> String {
    let text = format::money(m, lang);
    if text.chars().all(canvas::has_glyph) { text } else { format::money_with_code(m, lang) }
}

/// Renders the PDF.
pub fn render(input: &DocumentInput<'_>) -> Result<Vec<u8>, String> {
    render_with(input, None)
}

/// Renders the PDF; with `hybrid`, as PDF/A-3b with the e-invoice XML embedded (ZUGFeRD).
pub fn render_with(input: &DocumentInput<'_>, hybrid: Option<&super::facturx::Hybrid>) -> Result<Vec<u8>, String> {
    let inv = input.invoice;
    let lang = input.lang;
    let credit = inv.kind == "credit_note";
    let draft = inv.status == InvoiceStatus::Draft;
    let mut l = Layout { pages: Vec::new(), y: 0.0, lang, brand: canvas::parse_hex(&input.seller.brand_color) };
    let (ink, grey) = (canvas::color(BLACK), canvas::color(GREY));
    let m = |minor: i64| amount(Money::from_minor(minor, inv.currency), lang);
    let seller = &input.seller;

    // Header: the seller's name in the brand colour, the document title on the right.
    l.rect(0.0, 0.0, W, 10.0, l.brand);
    l.strong(LEFT, 58.0, 18.0, l.brand, Align::Left, seller.name.clone());
    let title = l.t(if credit { "doc-title-credit-note" } else { "doc-title-invoice" });
    l.strong(RIGHT, 58.0, 20.0, ink, Align::Right, title);
    if draft {
        let marker = l.t("doc-draft");
        l.strong(RIGHT, 84.0, 16.0, rgb::Color::new(0xc0, 0x1c, 0x28), Align::Right, marker);
    }

    // The sender line above the recipient (DIN 5008 style), then the recipient.
    let mut sender = vec![seller.name.clone()];
    if let Some(a) = &seller.address {
        sender.push(a.line1.clone());
        sender.push(format!("{} {}", a.postal_code, a.city));
    }
    l.text(LEFT, 120.0, 7.5, grey, Align::Left, sender.join(" · "));
    l.rect(LEFT, 124.0, 250.0, 0.5, canvas::color(LIGHT));
    let mut y = 142.0;
    let buyer = input.buyer_address.as_ref();
    if let Some(company) = buyer.and_then(|b| b.company_name.clone()) {
        l.text(LEFT, y, 10.5, ink, Align::Left, company);
        y += 14.0;
    }
    l.text(LEFT, y, 10.5, ink, Align::Left, inv.customer_name.clone());
    y += 14.0;
    match buyer {
        Some(b) => {
            for line in address_lines(&b.address, lang) {
                l.text(LEFT, y, 10.5, ink, Align::Left, line);
                y += 14.0;
            }
        }
        None => {
            l.text(LEFT, y, 10.5, ink, Align::Left, country_name(&inv.customer_country, lang));
            y += 14.0;
        }
    }
    if let Some(vat) = &inv.customer_vat_id {
        y += 4.0;
        let label = l.t("doc-buyer-vat-id");
        l.text(LEFT, y, 9.0, grey, Align::Left, format!("{label}: {vat}"));
        y += 14.0;
    }

    // The facts block on the right: number, dates, period, due date, corrected invoice.
    let mut facts: Vec<(String, String)> = Vec::new();
    let number = inv.number.clone().unwrap_or_else(|| l.t("doc-draft"));
    facts.push((l.t(if credit { "doc-credit-note-number" } else { "doc-number" }), number.clone()));
    if let Some(d) = inv.issue_date.or(inv.finalized_at.map(|f| f.date_naive())) {
        facts.push((l.t("doc-issue-date"), format::date(d, lang)));
    }
    let (period_start, period_end) = service_period(inv);
    match (period_start, period_end) {
        (Some(s), Some(e)) if s != e => facts.push((l.t("doc-service-period"), format::date_range(s, e, lang))),
        (Some(s), _) => facts.push((l.t("doc-supply-date"), format::date(s, lang))),
        _ => {}
    }
    if !credit && let Some(d) = inv.due_date {
        facts.push((l.t("doc-due-date"), format::date(d, lang)));
    }
    facts.push((l.t("doc-customer-id"), inv.customer_id.to_string()));
    if let Some(orig) = &inv.original_invoice_number {
        facts.push((l.t("doc-corrects"), orig.clone()));
    }
    let mut fy = 142.0;
    for (label, value) in &facts {
        // A long value (the customer id) pushes its label left rather than run into it.
        let label_x = (RIGHT - 150.0).min(RIGHT - canvas::text_width(value, 8.5) - 6.0);
        l.text(label_x, fy, 8.5, grey, Align::Right, format!("{label}:"));
        l.text(RIGHT, fy, 8.5, ink, Align::Right, value.clone());
        fy += 13.0;
    }
    l.y = y.max(fy) + 26.0;

    if draft {
        let notice = l.t("doc-draft-notice");
        l.text(LEFT, l.y, 9.0, rgb::Color::new(0xc0, 0x1c, 0x28), Align::Left, notice);
        l.y += 18.0;
    }
    if let Some(orig) = &inv.original_invoice_number {
        let s = l.ta("doc-corrects-sentence", &[("number", orig.clone())]);
        l.text(LEFT, l.y, 10.0, ink, Align::Left, s);
        l.y += 18.0;
    }

    lines_table(&mut l, inv, &m);
    totals(&mut l, inv, &m);
    notices_and_payment(&mut l, inv, seller, credit, &number, &m);

    paint(l.pages, seller, lang, &number, hybrid)
}

/// The service period of the whole document: the invoice's, else the span of its lines
/// (shown inclusive: stored ends are exclusive).
fn service_period(inv: &Invoice) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
    let last = |e: chrono::NaiveDate| e - Duration::days(1);
    if let (Some(s), Some(e)) = (inv.period_start, inv.period_end) {
        return (Some(s), Some(last(e).max(s)));
    }
    let start = inv.lines.iter().filter_map(|l| l.period_start).min();
    let end = inv.lines.iter().filter_map(|l| l.period_end).max();
    (start, end.map(last).zip(start).map(|(e, s)| e.max(s)))
}

// Column edges of the line table (x of each column's right edge, descriptions left-aligned).
const COL_POS: f32 = LEFT;
const COL_DESC: f32 = LEFT + 26.0;
const COL_QTY: f32 = 330.0;
const COL_UNIT: f32 = 405.0;
const COL_VAT: f32 = 460.0;
const COL_AMOUNT: f32 = RIGHT;

fn table_header(l: &mut Layout) {
    let grey = canvas::color(GREY);
    let y = l.y;
    for (x, align, id) in [
        (COL_POS, Align::Left, "doc-col-pos"),
        (COL_DESC, Align::Left, "doc-col-description"),
        (COL_QTY, Align::Right, "doc-col-quantity"),
        (COL_UNIT, Align::Right, "doc-col-unit-price"),
        (COL_VAT, Align::Right, "doc-col-vat"),
        (COL_AMOUNT, Align::Right, "doc-col-amount"),
    ] {
        let label = l.t(id);
        l.text(x, y, 8.5, grey, align, label);
    }
    let brand = l.brand;
    l.rect(LEFT, y + 5.0, RIGHT - LEFT, 1.2, brand);
    l.y += 20.0;
}

fn lines_table(l: &mut Layout, inv: &Invoice, m: &dyn Fn(i64) -> String) {
    let (ink, grey) = (canvas::color(BLACK), canvas::color(GREY));
    let lang = l.lang;
    table_header(l);
    for (i, line) in inv.lines.iter().enumerate() {
        let desc = wrap(&line.description, 9.5, COL_QTY - COL_DESC - 50.0);
        let period = match (line.period_start, line.period_end) {
            (Some(s), Some(e)) => {
                let e = (e - Duration::days(1)).max(s);
                Some(if s == e { format::date(s, lang) } else { format::date_range(s, e, lang) })
            }
            _ => None,
        };
        let bottom = row_bottom(desc.len(), period.is_some(), !line.discount.is_zero());
        // The rule sits in the gap between this row's lowest text and the next row's highest.
        let rule = bottom + ROW_GAP;
        let height = rule + RULE + ROW_GAP + canvas::vertical_extent(ROW_SIZE).0;
        if l.ensure(height) {
            table_header(l);
        }
        let y = l.y;
        l.text(COL_POS, y, ROW_SIZE, ink, Align::Left, (i + 1).to_string());
        for (k, text) in desc.iter().enumerate() {
            l.text(COL_DESC, y + LEADING * k as f32, ROW_SIZE, ink, Align::Left, text.clone());
        }
        if let Some(p) = period {
            l.text(COL_DESC, y + period_baseline(desc.len()), SMALL, grey, Align::Left, p);
        }
        l.text(COL_QTY, y, ROW_SIZE, ink, Align::Right, format::decimal(line.quantity, lang));
        l.text(COL_UNIT, y, ROW_SIZE, ink, Align::Right, m(line.unit_price.minor()));
        let vat = match (&line.vat_rate, &line.vat_category) {
            (Some(r), Some(c)) => format!("{} {c}", format::percent(*r, lang)),
            (None, Some(c)) => c.clone(),
            _ => String::new(),
        };
        l.text(COL_VAT, y, ROW_SIZE, ink, Align::Right, vat);
        l.text(COL_AMOUNT, y, ROW_SIZE, ink, Align::Right, m(line.amount.minor()));
        if !line.discount.is_zero() {
            let label = l.t("doc-discount");
            l.text(COL_UNIT, y + DISCOUNT_BASELINE, SMALL, grey, Align::Right, label);
            l.text(COL_AMOUNT, y + DISCOUNT_BASELINE, SMALL, grey, Align::Right, m(-line.discount.minor()));
        }
        l.rect(LEFT, y + rule, RIGHT - LEFT, RULE, canvas::color(LIGHT));
        l.y += height;
    }
    l.y += 6.0;
}

/// Size of a table row's main text; its second lines (period, discount) are `SMALL`.
const ROW_SIZE: f32 = 9.5;
const SMALL: f32 = 8.0;
/// Distance between wrapped description lines.
const LEADING: f32 = 13.0;
/// The rule under a row: its thickness and the clear space above and below it.
const RULE: f32 = 0.4;
const ROW_GAP: f32 = 4.0;

/// How far below a row's first baseline its lowest text reaches: the last description line, the
/// service period under it, or the discount line.
fn row_bottom(desc_lines: usize, period: bool, discount: bool) -> f32 {
    let (_, main) = canvas::vertical_extent(ROW_SIZE);
    let (_, small) = canvas::vertical_extent(SMALL);
    let mut bottom = LEADING * desc_lines.saturating_sub(1) as f32 + main;
    if period {
        bottom = bottom.max(period_baseline(desc_lines) + small);
    }
    if discount {
        bottom = bottom.max(DISCOUNT_BASELINE + small);
    }
    bottom
}

/// The baseline of the service period under `desc_lines` lines of description.
fn period_baseline(desc_lines: usize) -> f32 {
    LEADING * desc_lines as f32 - 1.0
}

/// The baseline of a line's discount, under its amount.
const DISCOUNT_BASELINE: f32 = 12.0;

fn totals(l: &mut Layout, inv: &Invoice, m: &dyn Fn(i64) -> String) {
    let (ink, grey) = (canvas::color(BLACK), canvas::color(GREY));
    let lang = l.lang;
    let groups = groups(inv);
    l.ensure(40.0 + 14.0 * (groups.len() as f32 + 3.0));
    let label_x = COL_VAT;
    let row = |l: &mut Layout, label: String, value: String, size: f32, strong: bool| {
        let y = l.y;
        if strong {
            l.strong(label_x, y, size, ink, Align::Right, label);
            l.strong(COL_AMOUNT, y, size, ink, Align::Right, value);
        } else {
            l.text(label_x, y, size, grey, Align::Right, label);
            l.text(COL_AMOUNT, y, size, ink, Align::Right, value);
        }
        l.y += size + 5.0;
    };
    let inclusive = inv.tax_behavior.includes_tax();
    if !inv.discount.is_zero() {
        // On a tax-inclusive invoice the lines, the subtotal and the discount include VAT.
        let subtotal = l.t(if inclusive { "doc-subtotal-incl-vat" } else { "doc-subtotal" });
        row(l, subtotal, m(inv.subtotal.minor()), 9.5, false);
        row(l, l.t("doc-discount"), m(-inv.discount.minor()), 9.5, false);
    }
    // The net total is the groups' net sum either way (for an exclusive invoice also
    // subtotal - discount; for an inclusive one what is left once the VAT is carved out).
    row(l, l.t("doc-net-total"), m(inv.total_excluding_tax().minor()), 9.5, false);
    for g in &groups {
        let rate = format!("{} ({})", format::percent(g.rate, lang), g.category);
        let label = l.ta("doc-vat-line", &[("rate", rate), ("base", m(g.taxable))]);
        row(l, label, m(g.tax), 9.5, false);
    }
    let brand = l.brand;
    l.rect(label_x - 120.0, l.y - 6.0, COL_AMOUNT - label_x + 120.0, 1.0, brand);
    l.y += 8.0;
    let total_label = l.t(if inv.kind == "credit_note" { "doc-credit-total" } else { "doc-total" });
    row(l, total_label, m(inv.total.minor()), 12.0, true);
    if inclusive {
        l.y += 4.0;
        let text = l.t("doc-prices-include-vat");
        l.text(COL_AMOUNT, l.y, 8.5, grey, Align::Right, text);
        l.y += 14.0;
    }
    if let Some((vat, rate, date)) = &inv.vat_national {
        l.y += 4.0;
        // The ECB's own quotes ("1 EUR = 163.03 JPY"); only an invoice from before they were
        // frozen (and not found in the imported rates) falls back to the bare quotient.
        let rate = match inv.fx_per_eur {
            Some((invoice, national)) => {
                format::ecb_rates(&[(inv.currency, invoice), (vat.currency(), national)], lang)
            }
            None => format::decimal(*rate, lang),
        };
        let text = l.ta(
            "doc-national-vat",
            &[
                ("currency", vat.currency().code().to_string()),
                ("amount", amount(*vat, lang)),
                ("rate", rate),
                ("date", format::date(*date, lang)),
            ],
        );
        l.text(COL_AMOUNT, l.y, 8.5, grey, Align::Right, text);
        l.y += 14.0;
    }
    l.y += 14.0;
}

fn paragraph(l: &mut Layout, text: &str, size: f32, color: rgb::Color) {
    for line in wrap(text, size, RIGHT - LEFT) {
        l.ensure(size + 5.0);
        let y = l.y;
        l.text(LEFT, y, size, color, Align::Left, line);
        l.y += size + 5.0;
    }
}

fn notices_and_payment(
    l: &mut Layout,
    inv: &Invoice,
    seller: &SellerSnapshot,
    credit: bool,
    number: &str,
    m: &dyn Fn(i64) -> String,
) {
    let (ink, grey) = (canvas::color(BLACK), canvas::color(GREY));
    for key in &inv.tax_notices {
        let text = l.t(&format!("doc-notice-{key}"));
        paragraph(l, &text, 9.5, ink);
        if let Some(basis) = legal_basis(key) {
            let text = l.ta("doc-legal-basis", &[("basis", basis.to_string())]);
            paragraph(l, &text, 8.0, grey);
        }
        l.y += 4.0;
    }
    l.y += 6.0;
    let lang = l.lang;
    if credit {
        let text = l.ta("doc-credit-terms", &[("amount", m(inv.total.minor().abs()))]);
        paragraph(l, &text, 9.5, ink);
        return;
    }
    if inv.status == InvoiceStatus::Paid {
        let text = l.t("doc-paid");
        paragraph(l, &text, 9.5, ink);
        return;
    }
    if let Some(due) = inv.due_date {
        let text = l.ta("doc-payment-terms", &[("amount", m(inv.total.minor())), ("date", format::date(due, lang))]);
        paragraph(l, &text, 9.5, ink);
    }
    if let Some(bank) = &seller.bank {
        l.y += 6.0;
        l.ensure(70.0);
        let title = l.t("doc-bank-transfer");
        let brand = l.brand;
        let y = l.y;
        l.strong(LEFT, y, 9.5, brand, Align::Left, title);
        l.y += 15.0;
        let mut rows =
            vec![(l.t("doc-account-holder"), bank.account_holder.clone()), (l.t("doc-iban"), group_iban(&bank.iban))];
        if let Some(bic) = &bank.bic {
            rows.push((l.t("doc-bic"), bic.clone()));
        }
        rows.push((l.t("doc-reference"), number.to_string()));
        for (label, value) in rows {
            let y = l.y;
            l.text(LEFT, y, 9.0, grey, Align::Left, format!("{label}:"));
            l.text(LEFT + 110.0, y, 9.0, ink, Align::Left, value);
            l.y += 13.0;
        }
    }
}

/// An IBAN in groups of four, as printed for people (`DE89 3704 0044 …`).
fn group_iban(iban: &str) -> String {
    iban.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

fn legal_basis(key: &str) -> Option<&'static str> {
    use billing_core::tax::TaxNotice as N;
    [
        N::ReverseCharge,
        N::IntraCommunitySupply,
        N::NotTaxableOutsideEu,
        N::NotTaxableAbroad,
        N::SmallBusinessExempt,
        N::ExportOfGoods,
        N::Exempt,
        N::NotSubjectDamages,
    ]
    .into_iter()
    .find(|n| n.key() == key)
    .map(|n| n.legal_basis())
}

/// The footer every page carries: the seller's legal identity and the page number.
fn footer(seller: &SellerSnapshot, lang: Locale) -> Vec<String> {
    let t = |id: &str| I18n::global().text(lang, id, &[]);
    let mut first = vec![seller.name.clone()];
    if let Some(a) = &seller.address {
        first.push(a.line1.clone());
        first.push(format!("{} {}", a.postal_code, a.city));
        first.push(country_name(a.country.code(), lang));
    }
    let mut second = Vec::new();
    if let Some(v) = &seller.vat_id {
        second.push(format!("{}: {v}", t("doc-vat-id")));
    }
    if let Some(n) = &seller.tax_number {
        second.push(format!("{}: {n}", t("doc-tax-number")));
    }
    if let Some(b) = &seller.bank {
        second.push(format!("{}: {}", t("doc-iban"), group_iban(&b.iban)));
        if let Some(bic) = &b.bic {
            second.push(format!("{}: {bic}", t("doc-bic")));
        }
    }
    vec![first.join(" · "), second.join(" · ")]
}

fn paint(
    pages: Vec<Vec<Op>>,
    seller: &SellerSnapshot,
    lang: Locale,
    number: &str,
    hybrid: Option<&super::facturx::Hybrid>,
) -> Result<Vec<u8>, String> {
    let mut doc = match hybrid {
        Some(_) => Document::new_with(super::facturx::pdfa3b_settings()?),
        None => Document::new(),
    };
    let total = pages.len();
    let foot = footer(seller, lang);
    let grey = canvas::color(GREY);
    for (i, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(W, H).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        {
            let mut c = Canvas::new(&mut surface);
            for op in ops {
                match op {
                    Op::Text { x, y, size, color, align, strong: true, text } => {
                        c.strong(x, y, size, color, align, &text)
                    }
                    Op::Text { x, y, size, color, align, strong: false, text } => {
                        c.text(x, y, size, color, align, &text)
                    }
                    Op::Rect { x, y, w, h, color } => c.rect(x, y, w, h, color),
                }
            }
            c.rule(LEFT, H - 62.0, RIGHT - LEFT, 0.5, canvas::color(LIGHT));
            for (k, line) in foot.iter().enumerate() {
                for (j, part) in wrap(line, 7.5, RIGHT - LEFT - 70.0).iter().enumerate() {
                    c.text(LEFT, H - 50.0 + 10.0 * (2 * k + j) as f32, 7.5, grey, Align::Left, part);
                }
            }
            let page_no =
                I18n::global().text(lang, "doc-page", &[("page", (i + 1).to_string()), ("pages", total.to_string())]);
            c.text(RIGHT, H - 50.0, 7.5, grey, Align::Right, &page_no);
        }
        surface.finish();
        page.finish();
    }
    let mut metadata =
        Metadata::new().title(number.to_string()).language(lang.tag().to_string()).creator("billing".into());
    if let Some(h) = hybrid {
        metadata = metadata.creation_date(h.created);
        h.attach(&mut doc)?;
    }
    doc.set_metadata(metadata);
    let bytes = doc.finish().map_err(|e| format!("{e:?}"))?;
    match hybrid {
        Some(h) => h.finish(bytes),
        None => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use billing_core::currency::Currency;

    #[test]
    fn a_sign_the_font_cannot_draw_is_printed_as_its_iso_code() {
        let krw = Money::from_minor(123456, Currency::from_code("KRW").unwrap());
        assert_eq!(format::money(krw, Locale::En), "₩123,456");
        assert_eq!(amount(krw, Locale::En), "KRW\u{a0}123,456");
        assert_eq!(amount(Money::from_minor(123456, Currency::EUR), Locale::Fr), "1\u{202f}234,56\u{a0}€");
    }
}
