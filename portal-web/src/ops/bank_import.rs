//! Bank statement import: parse a camt.053 or CSV statement (gateway-adapters' bank module), check
//! its text like any input from outside, and reconcile it in one transaction (billing-core's
//! `service::bank_transfer`). Shared by `POST /api/v1/bank_statements` and `billing bank-import`.

use billing_core::ids::{InvoiceId, TenantId};
use billing_core::service::bank_transfer::{self, EntryMatch, NewEntry, OpenInvoice, StatementImport};
use billing_core::text::TextError;
use chrono::{DateTime, Utc};
use gateway_adapters::bank::BankError;
use gateway_adapters::bank::epc_qr::rf_creditor_reference;
use gateway_adapters::bank::reference::{self, MatchResult};
use gateway_adapters::bank::statement::{
    CsvFormat, StatementEntry, decode_statement_text, parse_camt053, parse_csv, parse_csv_detect,
};
use sha2::{Digest, Sha256};

/// The statement formats the import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFormat {
    Camt053,
    Csv,
}

impl StatementFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "camt053" | "camt.053" | "camt" | "xml" => Some(Self::Camt053),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The format a media type names (`application/xml`, `text/csv`, parameters ignored).
    pub fn from_content_type(value: &str) -> Option<Self> {
        let mime = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/xml" | "text/xml" => Some(Self::Camt053),
            "text/csv" | "application/csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Camt053 => "camt053",
            Self::Csv => "csv",
        }
    }
}

/// Why a statement was not imported.
#[derive(Debug)]
pub enum ImportError {
    /// The statement (or a value in it) cannot be read.
    Bank(BankError),
    /// A text field of an entry is refused, as a request body's would be.
    Text { error: TextError, field: String },
    /// The named CSV layout does not exist.
    LayoutUnknown(String),
    /// The engine refused it (an amount out of bounds names its entry in `param`).
    Core { error: billing_core::Error, param: Option<String> },
}

impl From<billing_core::Error> for ImportError {
    fn from(error: billing_core::Error) -> Self {
        ImportError::Core { error, param: None }
    }
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        billing_core::Error::from(e).into()
    }
}

/// An input problem as every front shows it: a stable code, a Fluent message with its
/// arguments, and the field at fault.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub message_id: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub param: Option<String>,
}

impl Problem {
    fn new(code: &'static str, message_id: &'static str) -> Self {
        Self { code, message_id, args: Vec::new(), param: None }
    }

    fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    fn param(mut self, p: impl Into<String>) -> Self {
        self.param = Some(p.into());
        self
    }
}

impl ImportError {
    /// The problem with the input; `None` for an engine error, which each front classifies with
    /// its other engine errors.
    pub fn problem(&self) -> Option<Problem> {
        Some(match self {
            ImportError::Bank(BankError::InvalidIban { iban, .. }) => {
                Problem::new("invalid_iban", "error-invalid-iban").arg("value", iban).param("iban")
            }
            ImportError::Bank(BankError::InvalidBic(bic)) => {
                Problem::new("invalid_bic", "error-invalid-bic").arg("value", bic).param("bic")
            }
            ImportError::Bank(BankError::Statement { location, reason }) => {
                Problem::new("invalid_statement", "error-invalid-statement")
                    .arg("location", location)
                    .arg("detail", reason)
            }
            ImportError::Bank(other) => Problem::new("invalid_request", "error-invalid-body").arg("detail", other),
            ImportError::Text { error: TextError::ControlCharacter(c), field } => {
                Problem::new("invalid_text", "error-invalid-text")
                    .arg("field", field)
                    .arg("char", format!("U+{c:04X}"))
                    .param(field.clone())
            }
            ImportError::Text { error: TextError::TooLong { max }, field } => {
                Problem::new("text_too_long", "error-text-too-long")
                    .arg("field", field)
                    .arg("max", max)
                    .param(field.clone())
            }
            ImportError::LayoutUnknown(name) => {
                Problem::new("statement_layout_unknown", "error-statement-layout-unknown")
                    .arg("value", name.chars().take(40).collect::<String>())
                    .param("layout")
            }
            ImportError::Core { .. } => return None,
        })
    }
}

/// The named CSV layout (`german`, `english`), or `None` to recognize it by the header row.
pub fn csv_layout(name: Option<&str>) -> Result<Option<CsvFormat>, ImportError> {
    match name {
        None => Ok(None),
        Some(n) => CsvFormat::preset(n).map(Some).ok_or_else(|| ImportError::LayoutUnknown(n.to_string())),
    }
}

/// The reference a receipt is recorded under: the bank's own, else a digest of the booking so that
/// the same line of a re-exported CSV gives the same reference. `occurrence` tells apart two
/// identical bookings in one file (the same customer paying twice on one day).
fn entry_reference(entry: &StatementEntry, occurrence: usize) -> String {
    if let Some(r) = entry.bank_reference.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        return r.to_owned();
    }
    let mut hasher = Sha256::new();
    let fields = [
        entry.booking_date.to_string(),
        entry.amount.minor().to_string(),
        entry.amount.currency().code().to_owned(),
        entry.counterparty_iban.clone().unwrap_or_default(),
        entry.counterparty_name.clone().unwrap_or_default(),
        entry.remittance.clone(),
    ];
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    let digest: String = hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("entry-{digest}-{occurrence}")
}

fn matcher(entry: &NewEntry, open: &[OpenInvoice]) -> EntryMatch {
    let candidates: Vec<reference::OpenInvoice> = open
        .iter()
        .map(|o| reference::OpenInvoice {
            id: o.id.to_string(),
            number: o.number.clone(),
            rf_reference: rf_creditor_reference(&o.number).unwrap_or_default(),
            amount_due: o.amount_due,
        })
        .collect();
    let parsed = StatementEntry {
        booking_date: entry.booking_date,
        value_date: None,
        amount: entry.amount,
        counterparty_name: entry.counterparty_name.clone(),
        counterparty_iban: entry.counterparty_iban.clone(),
        remittance: entry.remittance.clone(),
        bank_reference: None,
    };
    let id = |text: &str| text.parse::<InvoiceId>().ok();
    match reference::match_entry(&parsed, &candidates) {
        MatchResult::Exact { invoice }
        | MatchResult::Partial { invoice, .. }
        | MatchResult::Overpaid { invoice, .. } => id(&invoice).map_or(EntryMatch::Unmatched, EntryMatch::Invoice),
        MatchResult::Ambiguous(ids) => EntryMatch::Ambiguous(ids.iter().filter_map(|i| id(i)).collect()),
        MatchResult::Unmatched => EntryMatch::Unmatched,
    }
}

/// Parses and reconciles a statement in one transaction.
pub async fn import(
    pool: &sqlx::PgPool,
    tenant: TenantId,
    bytes: &[u8],
    format: StatementFormat,
    layout: Option<&CsvFormat>,
    now: DateTime<Utc>,
) -> Result<StatementImport, ImportError> {
    let parsed = match format {
        StatementFormat::Camt053 => parse_camt053(bytes),
        StatementFormat::Csv => {
            let text = decode_statement_text(bytes);
            match layout {
                Some(layout) => parse_csv(&text, layout),
                None => parse_csv_detect(&text, &[CsvFormat::german_bank(), CsvFormat::english_bank()]),
            }
        }
    }
    .map_err(ImportError::Bank)?;
    // A statement is text from outside like a request body: the same rules, per entry.
    for (i, e) in parsed.iter().enumerate() {
        let fields = [
            ("counterparty_name", e.counterparty_name.as_deref()),
            ("counterparty_iban", e.counterparty_iban.as_deref()),
            ("remittance", Some(e.remittance.as_str())),
            ("bank_reference", e.bank_reference.as_deref()),
        ];
        for (field, value) in fields {
            if let Some(error) = value.and_then(|v| billing_core::text::check(v).err()) {
                return Err(ImportError::Text { error, field: format!("entries[{i}].{field}") });
            }
        }
        e.amount.within_bounds().map_err(|err| ImportError::Core {
            error: billing_core::Error::from(err),
            param: Some(format!("entries[{i}].amount")),
        })?;
    }
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let entries: Vec<NewEntry> = parsed
        .into_iter()
        .map(|e| {
            let base = entry_reference(&e, 0);
            let n = seen.entry(base).or_insert(0);
            *n += 1;
            let reference = if e.bank_reference.is_some() { entry_reference(&e, 0) } else { entry_reference(&e, *n) };
            NewEntry {
                booking_date: e.booking_date,
                amount: e.amount,
                counterparty_name: e.counterparty_name,
                counterparty_iban: e.counterparty_iban,
                remittance: e.remittance,
                reference,
            }
        })
        .collect();
    let sha256: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let mut tx = pool.begin().await?;
    let result =
        bank_transfer::import_statement(&mut tx, tenant, format.as_str(), &sha256, entries, &matcher, now).await?;
    tx.commit().await?;
    Ok(result)
}
