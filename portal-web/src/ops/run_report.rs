//! Finance reports of invoice runs shared by the command line and the API: localized exception
//! messages, amounts in major units, and the run's CSV report (columns in docs/operations.md).
//! The run itself is read once, by `billing_core::service::invoice_runs`.

use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::run_report::RunException;
use billing_core::service::invoice_runs::{self, RunReport};
use sqlx::PgConnection;

use crate::i18n::I18n;

/// The exception's message in `lang`.
pub fn exception_message(lang: &str, e: &RunException) -> String {
    let id = format!("cli-run-exception-{}", e.code.as_str().replace('_', "-"));
    let args: Vec<(&str, String)> = e.details.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    I18n::global().message(lang, &id, &args)
}

/// Minor units as a plain decimal in the currency's exponent ("29.00", "1000" for JPY): what a
/// spreadsheet reads as a number.
pub fn major(minor: i64, currency: &str) -> String {
    match Currency::from_code(currency) {
        Ok(c) => {
            let text = Money::from_minor(minor, c).to_string();
            text.split_once(' ').map(|(a, _)| a.to_string()).unwrap_or(text)
        }
        Err(_) => minor.to_string(),
    }
}

/// The CSV header; the order is part of the format (docs/operations.md).
pub const CSV_COLUMNS: [&str; 14] = [
    "row_type",
    "invoice_number",
    "customer_id",
    "customer_name",
    "subscription_id",
    "currency",
    "vat_category",
    "vat_rate",
    "net",
    "vat",
    "total",
    "exception_code",
    "blocking",
    "message",
];

fn field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

fn row(out: &mut String, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, c);
    }
    out.push_str("\r\n");
}

/// The run's report: one `invoice` row per invoice (per VAT group; a run's invoice has one), one
/// `exception` row per exception, and one `total` row per currency and VAT rate, equal to the
/// run's recorded totals. A dry run has no invoice rows (it created none).
pub async fn run_csv(conn: &mut PgConnection, report: &RunReport, lang: &str) -> billing_core::Result<(String, usize)> {
    let mut out = String::new();
    row(&mut out, &CSV_COLUMNS.map(String::from));
    let mut rows = 0;
    for r in invoice_runs::invoice_rows(conn, report.tenant, report.id()).await? {
        let total = r.net.saturating_add(r.vat);
        row(
            &mut out,
            &[
                "invoice".into(),
                r.number.unwrap_or_default(),
                billing_core::ids::CustomerId(r.customer_id).to_string(),
                r.customer_name,
                r.subscription_id.map(|s| billing_core::ids::SubscriptionId(s).to_string()).unwrap_or_default(),
                r.currency.clone(),
                r.vat_category,
                r.vat_rate.normalize().to_string(),
                major(r.net, &r.currency),
                major(r.vat, &r.currency),
                major(total, &r.currency),
                String::new(),
                String::new(),
                String::new(),
            ],
        );
        rows += 1;
    }
    for e in &report.exceptions {
        row(
            &mut out,
            &[
                "exception".into(),
                String::new(),
                e.customer_id.to_string(),
                e.details.get("customer").cloned().unwrap_or_default(),
                e.subscription_id.to_string(),
                e.details.get("currency").cloned().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                e.code.as_str().into(),
                e.blocking.to_string(),
                exception_message(lang, e),
            ],
        );
        rows += 1;
    }
    for t in &report.totals.by_rate {
        row(
            &mut out,
            &[
                "total".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                t.currency.clone(),
                t.vat_category.clone(),
                t.vat_rate.normalize().to_string(),
                major(t.net, &t.currency),
                major(t.vat, &t.currency),
                major(t.total, &t.currency),
                String::new(),
                String::new(),
                String::new(),
            ],
        );
        rows += 1;
    }
    Ok((out, rows))
}
