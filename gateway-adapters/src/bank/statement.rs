//! Bank statement import: ISO 20022 camt.053 (versions .02 to .08) and configurable CSV exports, into one entry type.
//!
//! Both parsers take the file's content, never a path, and return every booked entry with an exact amount
//! whose sign says the direction (positive = money in). A file that cannot be read completely is an error as
//! a whole: a partial import would hide payments.

use billing_core::currency::Currency;
use billing_core::money::Money;
use chrono::NaiveDate;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde::{Deserialize, Serialize};

use super::BankError;

/// One booking on the account, or one transaction of a split batch booking.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct StatementEntry {
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    /// Positive for a credit (money in), negative for a debit.
    pub amount: Money,
    /// The other party: the payer of a credit, the payee of a debit.
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    /// Remittance information as one line: structured references first, then free text; runs of
    /// whitespace (including the bank's line wrapping) are collapsed to one space.
    pub remittance: String,
    /// The bank's reference for the booking (camt `AcctSvcrRef`), to recognise an entry imported twice.
    pub bank_reference: Option<String>,
}

/// Reads a camt.053 bank-to-customer statement (ISO 20022 `BkToCstmrStmt`).
///
/// Elements are recognised by local name, so any namespace or prefix of versions .02 to .08 works.
/// Per `Ntry`: `Amt`/`@Ccy`, `CdtDbtInd` (`DBIT` makes the amount negative), `BookgDt`/`ValDt` as `Dt` or
/// `DtTm` (the date part is kept, in the bank's time zone), `AcctSvcrRef`, and per `NtryDtls/TxDtls` the
/// related parties (`Dbtr`/`Cdtr` with `Nm`, directly or under `Pty`, and `DbtrAcct`/`CdtrAcct` IBAN),
/// `RmtInf/Strd/CdtrRefInf/Ref` and `RmtInf/Ustrd` (joined). `AddtlNtryInf` is the remittance when the
/// entry has no other.
///
/// Decisions:
/// - Entries with a status other than `BOOK` (pending or informational) are left out: only booked money is
///   money received.
/// - A batch booking whose `TxDtls` all carry amounts that add up to the entry amount is split into one
///   entry per transaction, because each may pay a different invoice. Their `bank_reference` is the
///   transaction's own `AcctSvcrRef`, else the entry's with `/1`, `/2`, ... appended. A batch that does not
///   add up stays one entry with all remittance texts joined.
/// - The counterparty is the debtor of a credit and the creditor of a debit, the other way round for a
///   reversal (`RvslInd`, e.g. a returned direct debit), and in any case not the statement's own account.
pub fn parse_camt053(xml: &[u8]) -> Result<Vec<StatementEntry>, BankError> {
    let mut reader = Reader::from_reader(xml);
    let mut parser = CamtParser::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| BankError::statement(format!("at byte {}", reader.error_position()), e.to_string()))?;
        let at = || format!("at byte {}", reader.buffer_position());
        match event {
            Event::Start(start) => parser.start(&start).map_err(|reason| BankError::statement(at(), reason))?,
            Event::Empty(start) => {
                parser.start(&start).map_err(|reason| BankError::statement(at(), reason))?;
                parser.end()?;
            }
            Event::End(_) => parser.end()?,
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|e| BankError::statement(at(), e.to_string()))?;
                parser.text.push_str(&text);
            }
            Event::CData(data) => {
                let text = data.decode().map_err(|e| BankError::statement(at(), e.to_string()))?;
                parser.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                // quick-xml reports `&amp;` and `&#228;` as separate events; only the XML built-ins and
                // character references exist in camt (no DTD), anything else is malformed.
                if let Some(c) = reference.resolve_char_ref().map_err(|e| BankError::statement(at(), e.to_string()))? {
                    parser.text.push(c);
                } else {
                    let name = reference.decode().map_err(|e| BankError::statement(at(), e.to_string()))?;
                    let resolved = resolve_predefined_entity(&name)
                        .ok_or_else(|| BankError::statement(at(), format!("unknown entity &{name};")))?;
                    parser.text.push_str(resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !parser.saw_statement {
        return Err(BankError::statement("document", "no BkToCstmrStmt element: not a camt.053 statement"));
    }
    Ok(parser.entries)
}

#[derive(Default)]
struct CamtParser {
    /// Local names of the open elements.
    path: Vec<String>,
    /// Text of the innermost element so far (entity references arrive as separate events).
    text: String,
    /// `Ccy` of the `Amt` element being read.
    amount_currency: Option<String>,
    saw_statement: bool,
    own_iban: Option<String>,
    entry: Option<EntryBuilder>,
    entry_number: usize,
    tx: Option<TxBuilder>,
    entries: Vec<StatementEntry>,
}

#[derive(Default)]
struct EntryBuilder {
    amount: Option<Money>,
    credit_debit: Option<String>,
    reversal: bool,
    status: Option<String>,
    booking_date: Option<NaiveDate>,
    value_date: Option<NaiveDate>,
    reference: Option<String>,
    additional_info: Vec<String>,
    txs: Vec<TxBuilder>,
}

#[derive(Default)]
struct TxBuilder {
    amount: Option<Money>,
    /// `AmtDtls/TxAmt/Amt`, the .02 place for the transaction amount; used when `Amt` is absent.
    detail_amount: Option<Money>,
    credit_debit: Option<String>,
    reference: Option<String>,
    debtor: Party,
    creditor: Party,
    structured: Vec<String>,
    unstructured: Vec<String>,
}

#[derive(Default, Clone)]
struct Party {
    name: Option<String>,
    iban: Option<String>,
}

impl CamtParser {
    fn start(&mut self, start: &BytesStart<'_>) -> Result<(), String> {
        let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        let parent = self.path.last().map(String::as_str);
        match (name.as_str(), parent) {
            ("BkToCstmrStmt", _) => self.saw_statement = true,
            ("Stmt", Some("BkToCstmrStmt")) => self.own_iban = None,
            ("Ntry", Some("Stmt")) => {
                self.entry = Some(EntryBuilder::default());
                self.entry_number += 1;
            }
            ("TxDtls", _) if self.entry.is_some() => self.tx = Some(TxBuilder::default()),
            ("Amt", _) => {
                let currency = start.try_get_attribute("Ccy").map_err(|e| e.to_string())?;
                self.amount_currency = match currency {
                    Some(attr) => Some(attr.unescape_value().map_err(|e| e.to_string())?.into_owned()),
                    None => None,
                };
            }
            _ => {}
        }
        self.path.push(name);
        self.text.clear();
        Ok(())
    }

    fn end(&mut self) -> Result<(), BankError> {
        let text = collapse_whitespace(&self.text);
        self.text.clear();
        let location = format!("Ntry {}", self.entry_number);
        let result = self.apply(&text).map_err(|reason| BankError::statement(location, reason));
        self.path.pop();
        result
    }

    /// Handles the end of the innermost element, whose trimmed text is `text`.
    fn apply(&mut self, text: &str) -> Result<(), String> {
        let path: Vec<&str> = self.path.iter().map(String::as_str).collect();
        if path.ends_with(&["Stmt", "Acct", "Id", "IBAN"]) {
            self.own_iban = Some(normalize_iban(text));
            return Ok(());
        }
        if let Some(tx) = self.tx.as_mut()
            && let Some(at) = path.iter().rposition(|n| *n == "TxDtls")
        {
            match &path[at + 1..] {
                [] => {
                    let done = self.tx.take().unwrap_or_default();
                    if let Some(entry) = self.entry.as_mut() {
                        entry.txs.push(done);
                    }
                }
                ["Amt"] => tx.amount = Some(parse_camt_amount(text, self.amount_currency.as_deref())?),
                ["AmtDtls", "TxAmt", "Amt"] => {
                    tx.detail_amount = Some(parse_camt_amount(text, self.amount_currency.as_deref())?);
                }
                ["CdtDbtInd"] => tx.credit_debit = Some(text.to_owned()),
                ["Refs", "AcctSvcrRef"] => tx.reference = non_empty(text),
                ["RltdPties", "Dbtr", "Nm"] | ["RltdPties", "Dbtr", "Pty", "Nm"] => tx.debtor.name = non_empty(text),
                ["RltdPties", "Cdtr", "Nm"] | ["RltdPties", "Cdtr", "Pty", "Nm"] => {
                    tx.creditor.name = non_empty(text);
                }
                ["RltdPties", "DbtrAcct", "Id", "IBAN"] => tx.debtor.iban = Some(normalize_iban(text)),
                ["RltdPties", "CdtrAcct", "Id", "IBAN"] => tx.creditor.iban = Some(normalize_iban(text)),
                ["RmtInf", "Strd", "CdtrRefInf", "Ref"] | ["RmtInf", "Strd", "AddtlRmtInf"] => {
                    tx.structured.extend(non_empty(text));
                }
                ["RmtInf", "Ustrd"] => tx.unstructured.extend(non_empty(text)),
                _ => {}
            }
            return Ok(());
        }
        let Some(entry) = self.entry.as_mut() else { return Ok(()) };
        let Some(at) = path.iter().rposition(|n| *n == "Ntry") else { return Ok(()) };
        match &path[at + 1..] {
            [] => {
                let done = self.entry.take().unwrap_or_default();
                let own_iban = self.own_iban.clone();
                self.entries.extend(done.finish(own_iban.as_deref())?);
            }
            ["Amt"] => entry.amount = Some(parse_camt_amount(text, self.amount_currency.as_deref())?),
            ["CdtDbtInd"] => entry.credit_debit = Some(text.to_owned()),
            ["RvslInd"] => entry.reversal = text == "true" || text == "1",
            ["Sts"] | ["Sts", "Cd"] => entry.status = non_empty(text),
            ["BookgDt", "Dt" | "DtTm"] => entry.booking_date = Some(parse_iso_date(text)?),
            ["ValDt", "Dt" | "DtTm"] => entry.value_date = Some(parse_iso_date(text)?),
            ["AcctSvcrRef"] => entry.reference = non_empty(text),
            ["AddtlNtryInf"] => entry.additional_info.extend(non_empty(text)),
            _ => {}
        }
        Ok(())
    }
}

impl EntryBuilder {
    fn finish(self, own_iban: Option<&str>) -> Result<Vec<StatementEntry>, String> {
        if self.status.as_deref().is_some_and(|s| s != "BOOK") {
            return Ok(Vec::new());
        }
        let amount = self.amount.ok_or("no Amt")?;
        let credit = parse_credit_debit(self.credit_debit.as_deref().ok_or("no CdtDbtInd")?)?;
        let amount = signed(amount, credit)?;
        let booking_date = self.booking_date.ok_or("no BookgDt")?;
        let fallback_info = self.additional_info.join(" ");

        let split = self.split_amounts(credit)?;
        let Some(amounts) = split else {
            // One entry: the first transaction with party details names the counterparty.
            let party = self
                .txs
                .iter()
                .map(|tx| tx.counterparty(credit, self.reversal, own_iban))
                .find(|p| p.name.is_some() || p.iban.is_some());
            let party = party.unwrap_or_default();
            let texts: Vec<String> = self.txs.iter().map(TxBuilder::remittance).filter(|t| !t.is_empty()).collect();
            let remittance = if texts.is_empty() { fallback_info } else { texts.join(" ") };
            let reference = self.reference.clone().or_else(|| self.txs.iter().find_map(|tx| tx.reference.clone()));
            return Ok(vec![StatementEntry {
                booking_date,
                value_date: self.value_date,
                amount,
                counterparty_name: party.name,
                counterparty_iban: party.iban,
                remittance,
                bank_reference: reference,
            }]);
        };
        let entries = self
            .txs
            .iter()
            .zip(amounts)
            .enumerate()
            .map(|(index, (tx, amount))| {
                // A transaction may run against the batch's direction; its own sign picks the party.
                let tx_credit = if amount.is_zero() { credit } else { amount.is_positive() };
                let party = tx.counterparty(tx_credit, self.reversal, own_iban);
                let reference =
                    tx.reference.clone().or_else(|| self.reference.as_ref().map(|r| format!("{r}/{}", index + 1)));
                StatementEntry {
                    booking_date,
                    value_date: self.value_date,
                    amount,
                    counterparty_name: party.name,
                    counterparty_iban: party.iban,
                    remittance: tx.remittance(),
                    bank_reference: reference,
                }
            })
            .collect();
        Ok(entries)
    }

    /// Signed per-transaction amounts when this is a batch that can be split exactly, else `None`.
    fn split_amounts(&self, entry_credit: bool) -> Result<Option<Vec<Money>>, String> {
        if self.txs.len() < 2 {
            return Ok(None);
        }
        let mut amounts = Vec::with_capacity(self.txs.len());
        for tx in &self.txs {
            let Some(amount) = tx.amount.or(tx.detail_amount) else { return Ok(None) };
            let credit = match tx.credit_debit.as_deref() {
                Some(indicator) => parse_credit_debit(indicator)?,
                None => entry_credit,
            };
            amounts.push(signed(amount, credit)?);
        }
        let total = self.amount.ok_or("no Amt")?;
        let total = signed(total, entry_credit)?;
        match Money::sum(total.currency(), amounts.iter().copied()) {
            Ok(sum) if sum == total => Ok(Some(amounts)),
            _ => Ok(None),
        }
    }
}

impl TxBuilder {
    fn counterparty(&self, credit: bool, reversal: bool, own_iban: Option<&str>) -> Party {
        // Money in comes from the debtor; a reversal undoes a booking, so the original roles are swapped.
        let (primary, other) =
            if credit != reversal { (&self.debtor, &self.creditor) } else { (&self.creditor, &self.debtor) };
        let is_own = |p: &Party| own_iban.is_some() && p.iban.as_deref() == own_iban;
        let is_empty = |p: &Party| p.name.is_none() && p.iban.is_none();
        if (is_own(primary) || is_empty(primary)) && !is_own(other) && !is_empty(other) {
            other.clone()
        } else if is_own(primary) {
            Party::default()
        } else {
            primary.clone()
        }
    }

    fn remittance(&self) -> String {
        self.structured.iter().chain(&self.unstructured).map(String::as_str).collect::<Vec<_>>().join(" ")
    }
}

fn parse_credit_debit(indicator: &str) -> Result<bool, String> {
    match indicator {
        "CRDT" => Ok(true),
        "DBIT" => Ok(false),
        other => Err(format!("CdtDbtInd {other:?} is neither CRDT nor DBIT")),
    }
}

fn signed(amount: Money, credit: bool) -> Result<Money, String> {
    if credit { Ok(amount) } else { amount.checked_neg().map_err(|e| e.to_string()) }
}

fn parse_camt_amount(text: &str, currency: Option<&str>) -> Result<Money, String> {
    let code = currency.ok_or("Amt without Ccy")?;
    let currency = Currency::from_code(code).map_err(|e| e.to_string())?;
    let amount = Money::parse(text, currency).map_err(|e| e.to_string())?;
    // The direction is in CdtDbtInd; a signed amount would be counted twice.
    if amount.is_negative() {
        return Err(format!("negative Amt {text}"));
    }
    Ok(amount)
}

/// The date of an ISO date or date-time ("2026-03-02", "2026-03-02+01:00", "2026-03-02T14:31:07+01:00"),
/// as written: the bank's local calendar day is the booking day.
fn parse_iso_date(text: &str) -> Result<NaiveDate, String> {
    let bad = || format!("invalid date {text:?}");
    let (day, rest) = text.split_at_checked(10).ok_or_else(bad)?;
    if !(rest.is_empty() || rest.starts_with(['T', '+', '-', 'Z'])) {
        return Err(bad());
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| bad())
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn normalize_iban(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Trims and collapses every run of whitespace, line breaks included, to one space.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which character separates the decimals in a CSV amount.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    /// `1,234.56`
    Point,
    /// `1.234,56`, as German banks write amounts.
    Comma,
}

/// Header names of the columns to read. Matching ignores case and surrounding spaces.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CsvColumns {
    pub booking_date: String,
    pub value_date: Option<String>,
    /// A signed amount: negative is a debit.
    pub amount: String,
    pub currency: Option<String>,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    /// Joined with a space, in this order (some banks split the purpose over several columns).
    pub remittance: Vec<String>,
    pub reference: Option<String>,
}

/// How to read one bank's CSV export.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CsvFormat {
    pub delimiter: u8,
    pub decimal_separator: DecimalSeparator,
    /// A chrono format string, e.g. `%d.%m.%Y`.
    pub date_format: String,
    pub columns: CsvColumns,
    /// Used when there is no currency column or its cell is empty.
    pub default_currency: Option<Currency>,
}

impl CsvFormat {
    /// A typical German online-banking export: `;`, decimal comma, `dd.mm.yyyy`, header
    /// `Buchungstag;Valutadatum;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung`.
    pub fn german_bank() -> CsvFormat {
        CsvFormat {
            delimiter: b';',
            decimal_separator: DecimalSeparator::Comma,
            date_format: "%d.%m.%Y".to_owned(),
            columns: CsvColumns {
                booking_date: "Buchungstag".to_owned(),
                value_date: Some("Valutadatum".to_owned()),
                amount: "Betrag".to_owned(),
                currency: Some("Währung".to_owned()),
                counterparty_name: Some("Auftraggeber/Empfänger".to_owned()),
                counterparty_iban: Some("IBAN".to_owned()),
                remittance: vec!["Verwendungszweck".to_owned()],
                reference: None,
            },
            default_currency: Some(Currency::EUR),
        }
    }
}

impl CsvFormat {
    /// An English/ISO export as many non-German banks and payment accounts produce it: `,`, decimal
    /// point, `yyyy-mm-dd`, header `Date,Value date,Counterparty,IBAN,Description,Amount,Currency`.
    pub fn english_bank() -> CsvFormat {
        CsvFormat {
            delimiter: b',',
            decimal_separator: DecimalSeparator::Point,
            date_format: "%Y-%m-%d".to_owned(),
            columns: CsvColumns {
                booking_date: "Date".to_owned(),
                value_date: Some("Value date".to_owned()),
                amount: "Amount".to_owned(),
                currency: Some("Currency".to_owned()),
                counterparty_name: Some("Counterparty".to_owned()),
                counterparty_iban: Some("IBAN".to_owned()),
                remittance: vec!["Description".to_owned()],
                reference: None,
            },
            default_currency: None,
        }
    }

    /// A layout by name, as the API and CLI accept it.
    pub fn preset(name: &str) -> Option<CsvFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "german" | "de" => Some(CsvFormat::german_bank()),
            "english" | "en" | "iso" => Some(CsvFormat::english_bank()),
            _ => None,
        }
    }

    /// Whether `text` has this format's header row (its booking-date and amount columns; a missing
    /// other column is then reported by [`parse_csv`]).
    fn recognizes(&self, text: &str) -> bool {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        reader.records().take(30).map_while(Result::ok).any(|r| !matches!(find_layout(&r, &self.columns), Ok(None)))
    }
}

/// Reads a CSV export whose layout is not named: the first of `candidates` (the merchant's own
/// layout first, then the presets) whose header row is in the file. None recognized is an error
/// that lists what was looked for.
pub fn parse_csv_detect(text: &str, candidates: &[CsvFormat]) -> Result<Vec<StatementEntry>, BankError> {
    match candidates.iter().find(|f| f.recognizes(text)) {
        Some(format) => parse_csv(text, format),
        None => {
            let looked_for: Vec<String> =
                candidates.iter().map(|f| format!("{:?}+{:?}", f.columns.booking_date, f.columns.amount)).collect();
            Err(BankError::statement(
                "header",
                format!("no known layout; looked for the columns {}", looked_for.join(", ")),
            ))
        }
    }
}

/// Statement text as banks export it: UTF-8 (a byte-order mark is fine), or else Windows-1252,
/// which many German online banks still use ("Empfänger", "Währung" in one byte each).
pub fn decode_statement_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return std::borrow::Cow::Borrowed(text);
    }
    // Windows-1252 is Latin-1 except for 0x80..=0x9F; its five undefined bytes become U+FFFD.
    const HIGH: [char; 32] = [
        '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž', '\u{fffd}',
        '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{fffd}', 'ž', 'Ÿ',
    ];
    std::borrow::Cow::Owned(
        bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9f => HIGH[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect(),
    )
}

/// Column positions resolved from the header row.
struct CsvLayout {
    booking_date: usize,
    value_date: Option<usize>,
    amount: usize,
    currency: Option<usize>,
    name: Option<usize>,
    iban: Option<usize>,
    remittance: Vec<usize>,
    reference: Option<usize>,
}

/// Reads a bank's CSV export.
///
/// The text must already be decoded (many German exports are Windows-1252; decoding is the caller's
/// business). A UTF-8 byte-order mark is ignored. Lines before the header are skipped: the header is the
/// first row that has both the booking-date and the amount column, because exports often start with account
/// details. Every configured column must be in the header; a silently missing remittance column would make
/// every later match fail without a trace. Blank rows are skipped; any other row that does not parse is an
/// error with its line number. CSV exports carry no bank reference unless `columns.reference` names one.
pub fn parse_csv(text: &str, format: &CsvFormat) -> Result<Vec<StatementEntry>, BankError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut layout: Option<CsvLayout> = None;
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            BankError::statement(format!("line {line}"), e.to_string())
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let location = || format!("line {line}");
        let Some(columns) = &layout else {
            layout =
                find_layout(&record, &format.columns).map_err(|reason| BankError::statement(location(), reason))?;
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let entry = csv_entry(&record, columns, format).map_err(|reason| BankError::statement(location(), reason))?;
        entries.push(entry);
    }
    if layout.is_none() {
        return Err(BankError::statement(
            "header",
            format!("no row with the columns {:?} and {:?}", format.columns.booking_date, format.columns.amount),
        ));
    }
    Ok(entries)
}

/// The layout if `record` is the header row, `None` if it is a line before the header.
fn find_layout(record: &csv::StringRecord, columns: &CsvColumns) -> Result<Option<CsvLayout>, String> {
    let cells: Vec<String> = record.iter().map(|cell| cell.trim().to_lowercase()).collect();
    let find = |name: &str| cells.iter().position(|cell| *cell == name.trim().to_lowercase());
    let (Some(booking_date), Some(amount)) = (find(&columns.booking_date), find(&columns.amount)) else {
        return Ok(None);
    };
    let required = |name: &String| find(name).ok_or_else(|| format!("header has no column {name:?}"));
    let optional = |name: &Option<String>| name.as_ref().map(required).transpose();
    Ok(Some(CsvLayout {
        booking_date,
        value_date: optional(&columns.value_date)?,
        amount,
        currency: optional(&columns.currency)?,
        name: optional(&columns.counterparty_name)?,
        iban: optional(&columns.counterparty_iban)?,
        remittance: columns.remittance.iter().map(required).collect::<Result<_, _>>()?,
        reference: optional(&columns.reference)?,
    }))
}

fn csv_entry(record: &csv::StringRecord, layout: &CsvLayout, format: &CsvFormat) -> Result<StatementEntry, String> {
    let cell = |index: usize| record.get(index).unwrap_or("").trim();
    let optional = |index: Option<usize>| index.map(cell).filter(|c| !c.is_empty());
    let date = |text: &str| {
        NaiveDate::parse_from_str(text, &format.date_format)
            .map_err(|_| format!("date {text:?} does not match {:?}", format.date_format))
    };

    let booking_date = date(cell(layout.booking_date))?;
    let value_date = optional(layout.value_date).map(date).transpose()?;
    let currency = match optional(layout.currency) {
        Some(code) => Currency::from_code(code).map_err(|e| e.to_string())?,
        None => format.default_currency.ok_or("no currency in the row and no default currency")?,
    };
    let amount = parse_csv_amount(cell(layout.amount), format.decimal_separator, currency)?;
    let remittance: Vec<&str> = layout.remittance.iter().map(|&i| cell(i)).filter(|c| !c.is_empty()).collect();
    Ok(StatementEntry {
        booking_date,
        value_date,
        amount,
        counterparty_name: optional(layout.name).map(collapse_whitespace),
        counterparty_iban: optional(layout.iban).map(normalize_iban),
        remittance: collapse_whitespace(&remittance.join(" ")),
        bank_reference: optional(layout.reference).map(str::to_owned),
    })
}

/// Parses a localized amount exactly ("-1.234,56" with a decimal comma).
///
/// Thousands separators must sit between groups of three digits: a file in the other convention then fails
/// instead of being read a hundred times too large or small ("1234.56" is not a decimal-comma amount).
fn parse_csv_amount(text: &str, separator: DecimalSeparator, currency: Currency) -> Result<Money, String> {
    let bad = || format!("invalid amount {text:?}");
    let (decimal, thousands) = match separator {
        DecimalSeparator::Point => ('.', ','),
        DecimalSeparator::Comma => (',', '.'),
    };
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match unsigned.split_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let groups: Vec<&str> = whole.split(thousands).collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let grouped_ok = groups.iter().all(|g| digits(g))
        && (groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    if !grouped_ok || fraction.is_some_and(|f| !digits(f)) {
        return Err(bad());
    }
    let plain = format!(
        "{}{}{}",
        if negative { "-" } else { "" },
        groups.concat(),
        fraction.map(|f| format!(".{f}")).unwrap_or_default()
    );
    Money::parse(&plain, currency).map_err(|e| format!("{}: {e}", bad()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    const CAMT_V08: &str = include_str!("../../tests/fixtures/camt053_v08.xml");
    const CAMT_V02: &str = include_str!("../../tests/fixtures/camt053_v02_prefixed.xml");
    const GERMAN_CSV: &str = include_str!("../../tests/fixtures/german_bank.csv");

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn camt_v08_fixture() {
        let entries = parse_camt053(CAMT_V08.as_bytes()).unwrap();
        let expected = vec![
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(11_900),
                counterparty_name: some("Beispiel AG"),
                counterparty_iban: some("DE02120300000000202051"),
                remittance: "RF29RE2026000042".to_owned(),
                bank_reference: some("2026030200012301"),
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(4_990),
                counterparty_name: some("Jürgen Groß & Co. KG"),
                counterparty_iban: some("DE02500105170137075030"),
                remittance: "Rechnung RE-2026-0000 43 Kd-Nr. 1007 vielen Dank".to_owned(),
                bank_reference: some("2026030200012302"),
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(-2_380),
                counterparty_name: some("Telefon Beispiel GmbH"),
                counterparty_iban: some("DE88100900001234567892"),
                remittance: "Kundennummer 123456789 Rechnung RE-2026-000042".to_owned(),
                bank_reference: some("2026030200012303"),
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-03")),
                amount: eur(10_000),
                counterparty_name: some("Alpha Software OHG"),
                counterparty_iban: some("DE12500105170648489890"),
                remittance: "RE-2026-000044 Teilzahlung".to_owned(),
                bank_reference: some("2026030200012304/1"),
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-03")),
                amount: eur(15_000),
                counterparty_name: some("Bergblick Hotel GmbH"),
                counterparty_iban: some("AT483200000012345864"),
                remittance: "RF45 RE20 2600 0045".to_owned(),
                bank_reference: some("2026030200012304-2"),
            },
        ];
        assert_eq!(entries, expected);
        // Net movement equals closing minus opening balance in the fixture (10395.10 - 10000.00).
        assert_eq!(Money::sum(Currency::EUR, entries.iter().map(|e| e.amount)), Ok(eur(39_510)));
    }

    #[test]
    fn camt_v02_prefixed_fixture() {
        let entries = parse_camt053(CAMT_V02.as_bytes()).unwrap();
        let expected = vec![
            StatementEntry {
                booking_date: date("2026-03-04"),
                value_date: Some(date("2026-03-04")),
                amount: eur(123_450),
                counterparty_name: some("Erika Mustermann"),
                counterparty_iban: some("DE75512108001245126199"),
                remittance: "re2026000046 Jahreslizenz".to_owned(),
                bank_reference: some("V02-0001"),
            },
            // A returned direct debit: booked as a debit, the customer is the debtor of the original.
            StatementEntry {
                booking_date: date("2026-03-04"),
                value_date: Some(date("2026-03-04")),
                amount: eur(-5_950),
                counterparty_name: some("Max Beispiel"),
                counterparty_iban: some("DE02701500000000594937"),
                remittance: "RUECKLASTSCHRIFT MD06 RE-2026-000040".to_owned(),
                bank_reference: some("V02-0002"),
            },
            // The pending entry is left out; an entry without details takes AddtlNtryInf.
            StatementEntry {
                booking_date: date("2026-03-04"),
                value_date: None,
                amount: Money::from_minor(8_000, Currency::CHF),
                counterparty_name: None,
                counterparty_iban: None,
                remittance: "GUTSCHRIFT RE-2026-000047 Bergbahnen".to_owned(),
                bank_reference: some("V02-0004"),
            },
        ];
        assert_eq!(entries, expected);
    }

    fn camt(entries: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"#
        )
    }

    #[test]
    fn batch_that_does_not_add_up_stays_one_entry() {
        let xml = camt(
            r#"<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
            <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>B1</AcctSvcrRef><NtryDtls>
            <TxDtls><Amt Ccy="EUR">10.00</Amt><RmtInf><Ustrd>first</Ustrd></RmtInf></TxDtls>
            <TxDtls><RmtInf><Ustrd>second   without
            amount</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"#,
        );
        let entries = parse_camt053(xml.as_bytes()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].amount, eur(3_000));
        assert_eq!(entries[0].remittance, "first second without amount");
        assert_eq!(entries[0].bank_reference.as_deref(), Some("B1"));
    }

    #[test]
    fn debit_batch_splits_with_negative_amounts() {
        let xml = camt(
            r#"<Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
            <BookgDt><Dt>2026-03-02+01:00</Dt></BookgDt><NtryDtls>
            <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
              <RltdPties><Cdtr><Nm>A</Nm></Cdtr></RltdPties></TxDtls>
            <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls>
              <RltdPties><Cdtr><Nm>B</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>"#,
        );
        let entries = parse_camt053(xml.as_bytes()).unwrap();
        let got: Vec<(i64, Option<&str>, Option<&str>)> = entries
            .iter()
            .map(|e| (e.amount.minor(), e.counterparty_name.as_deref(), e.bank_reference.as_deref()))
            .collect();
        assert_eq!(got, [(-1_000, Some("A"), None), (-2_000, Some("B"), None)]);
    }

    #[rstest]
    #[case("<Ntry><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>", "no Amt")]
    #[case(r#"<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"#, "Amt without Ccy")]
    #[case(r#"<Ntry><Amt Ccy="EUR">1.001</Amt></Ntry>"#, "too many decimal places")]
    #[case(r#"<Ntry><Amt Ccy="EUR">-1.00</Amt></Ntry>"#, "negative Amt")]
    #[case(r#"<Ntry><Amt Ccy="XXX">1.00</Amt></Ntry>"#, "unknown currency")]
    #[case(r#"<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"#, "no BookgDt")]
    #[case(r#"<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>BOTH</CdtDbtInd></Ntry>"#, "neither CRDT nor DBIT")]
    #[case(r#"<Ntry><BookgDt><Dt>02.03.2026</Dt></BookgDt></Ntry>"#, "invalid date")]
    #[case(r#"<Ntry><AddtlNtryInf>&nbsp;</AddtlNtryInf></Ntry>"#, "unknown entity")]
    #[case(r#"<Ntry><Amt Ccy="EUR">1.00</Amt></Nry>"#, "at byte")]
    fn camt_errors(#[case] entries: &str, #[case] message: &str) {
        let error = parse_camt053(camt(entries).as_bytes()).unwrap_err().to_string();
        assert!(error.contains(message), "{error}");
    }

    #[test]
    fn camt_entry_errors_name_the_entry() {
        let ok = r#"<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>"#;
        let xml = camt(&format!("{ok}{ok}<Ntry><Amt Ccy=\"EUR\">x</Amt></Ntry>"));
        let error = parse_camt053(xml.as_bytes()).unwrap_err();
        assert!(matches!(&error, BankError::Statement { location, .. } if location == "Ntry 3"), "{error}");
    }

    #[rstest]
    #[case(b"<Document><BkToCstmrDbtCdtNtfctn/></Document>".as_slice())]
    #[case(b"".as_slice())]
    #[case(b"not xml at all".as_slice())]
    #[case(b"\xff\xfe<\x00".as_slice())]
    fn not_a_statement(#[case] bytes: &[u8]) {
        assert!(parse_camt053(bytes).is_err());
    }

    #[test]
    fn empty_statement_has_no_entries() {
        assert_eq!(parse_camt053(camt("").as_bytes()), Ok(Vec::new()));
    }

    #[test]
    fn german_csv_fixture() {
        let entries = parse_csv(GERMAN_CSV, &CsvFormat::german_bank()).unwrap();
        let expected = vec![
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(11_900),
                counterparty_name: some("Beispiel AG"),
                counterparty_iban: some("DE02120300000000202051"),
                remittance: "RF29 RE20 2600 0042".to_owned(),
                bank_reference: None,
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(4_990),
                counterparty_name: some("Jürgen Groß & Co. KG"),
                counterparty_iban: some("DE02500105170137075030"),
                remittance: "Rechnung RE-2026-0000 43 Kd-Nr. 1007".to_owned(),
                bank_reference: None,
            },
            StatementEntry {
                booking_date: date("2026-03-02"),
                value_date: Some(date("2026-03-02")),
                amount: eur(-2_380),
                counterparty_name: some("Telefon Beispiel GmbH"),
                counterparty_iban: some("DE88100900001234567892"),
                remittance: "Kundennummer 123456789".to_owned(),
                bank_reference: None,
            },
            StatementEntry {
                booking_date: date("2026-03-03"),
                value_date: Some(date("2026-03-03")),
                amount: eur(123_456),
                counterparty_name: some("Müller; Schulz GbR"),
                counterparty_iban: some("DE91100000000123456789"),
                remittance: "RE2026000048 Jahresabo".to_owned(),
                bank_reference: None,
            },
            StatementEntry {
                booking_date: date("2026-03-04"),
                value_date: None,
                amount: eur(-1),
                counterparty_name: some("Bergblick Hotel GmbH"),
                counterparty_iban: some("AT483200000012345864"),
                remittance: "re 2026 000045".to_owned(),
                bank_reference: None,
            },
        ];
        assert_eq!(entries, expected);
    }

    fn generic_format() -> CsvFormat {
        CsvFormat {
            delimiter: b',',
            decimal_separator: DecimalSeparator::Point,
            date_format: "%Y-%m-%d".to_owned(),
            columns: CsvColumns {
                booking_date: "Date".to_owned(),
                value_date: None,
                amount: "Amount".to_owned(),
                currency: Some("Currency".to_owned()),
                counterparty_name: Some("Payer".to_owned()),
                counterparty_iban: None,
                remittance: vec!["Reference 1".to_owned(), "Reference 2".to_owned()],
                reference: Some("Transaction ID".to_owned()),
            },
            default_currency: None,
        }
    }

    #[test]
    fn the_layout_is_recognized_by_its_header() {
        let presets = [CsvFormat::german_bank(), CsvFormat::english_bank()];
        let english = "Date,Value date,Counterparty,IBAN,Description,Amount,Currency\n\
                       2026-03-02,2026-03-02,Example Ltd,GB82WEST12345698765432,RF29 RE20 2600 0042,\"1,119.00\",EUR\n";
        let entries = parse_csv_detect(english, &presets).unwrap();
        assert_eq!(entries[0].amount, eur(111_900));
        assert_eq!(entries[0].counterparty_iban.as_deref(), Some("GB82WEST12345698765432"));
        let german = "Buchungstag;Valutadatum;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n\
                      02.03.2026;02.03.2026;Beispiel AG;DE02120300000000202051;RE-1;1.119,00;EUR\n";
        assert_eq!(parse_csv_detect(german, &presets).unwrap()[0].amount, eur(111_900));
        let unknown = parse_csv_detect("When;How much\n02.03.2026;5\n", &presets).unwrap_err();
        assert!(unknown.to_string().contains("no known layout"), "{unknown}");
        assert_eq!(CsvFormat::preset("EN"), Some(CsvFormat::english_bank()));
        assert_eq!(CsvFormat::preset("klingon"), None);
    }

    #[test]
    fn windows_1252_exports_are_decoded() {
        // "Empfänger;Währung" and the euro sign as a German bank writes them in Windows-1252.
        let bytes = b"Auftraggeber/Empf\xe4nger;W\xe4hrung;\x80";
        assert_eq!(decode_statement_text(bytes), "Auftraggeber/Empfänger;Währung;€");
        assert_eq!(decode_statement_text("already UTF-8: ä".as_bytes()), "already UTF-8: ä");
    }

    #[test]
    fn minimal_csv_columns() {
        let german = CsvFormat::german_bank();
        let columns = CsvColumns {
            value_date: None,
            currency: None,
            counterparty_name: None,
            counterparty_iban: None,
            remittance: Vec::new(),
            ..german.columns.clone()
        };
        let format = CsvFormat { columns, ..german };
        let entries = parse_csv("Buchungstag;Betrag\n01.03.2026;-7,5\n", &format).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].amount, eur(-750));
        assert_eq!(entries[0].remittance, "");
    }

    #[test]
    fn generic_csv_format() {
        let text = "\u{feff}date,amount,currency,payer,reference 1,reference 2,transaction id\n\
                    2026-03-02,\"1,234.50\",usd,ACME Inc.,INV-2026-000042,,tx-1\n\
                    \n\
                    2026-03-03,-5,EUR,,,refund,tx-2\n";
        let entries = parse_csv(text, &generic_format()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].amount, Money::from_minor(123_450, Currency::USD));
        assert_eq!(entries[0].remittance, "INV-2026-000042");
        assert_eq!(entries[0].bank_reference.as_deref(), Some("tx-1"));
        assert_eq!(entries[1].amount, eur(-500));
        assert_eq!(entries[1].counterparty_name, None);
        assert_eq!(entries[1].remittance, "refund");
    }

    #[test]
    fn csv_errors() {
        let format = generic_format();
        let header = "Date,Amount,Currency,Payer,Reference 1,Reference 2,Transaction ID\n";
        let cases = [
            ("Date,Amount\n", "header has no column \"Currency\""),
            ("nothing,here\n", "no row with the columns"),
            ("", "no row with the columns"),
        ];
        for (text, message) in cases {
            let error = parse_csv(text, &format).unwrap_err().to_string();
            assert!(error.contains(message), "{text:?}: {error}");
        }
        let rows = [
            ("03/02/2026,1.00,EUR,,,,\n", "line 2", "does not match"),
            ("2026-03-02,1.001,EUR,,,,\n", "line 2", "too many decimal places"),
            ("2026-03-02,\"1,00\",EUR,,,,\n", "line 2", "invalid amount"),
            ("2026-03-02,1.00,EURO,,,,\n", "line 2", "unknown currency"),
            ("2026-03-02,1.00,,,,,\n", "line 2", "no default currency"),
        ];
        for (row, location, message) in rows {
            let error = parse_csv(&format!("{header}{row}"), &format).unwrap_err();
            let text = error.to_string();
            assert!(text.contains(location) && text.contains(message), "{row:?}: {text}");
        }
    }

    #[rstest]
    #[case("1.234,56", DecimalSeparator::Comma, Some(123_456))]
    #[case("-1.234.567,8", DecimalSeparator::Comma, Some(-123_456_780))]
    #[case("+0,05", DecimalSeparator::Comma, Some(5))]
    #[case("12", DecimalSeparator::Comma, Some(1_200))]
    #[case("1234,56", DecimalSeparator::Comma, Some(123_456))]
    // The other convention must fail rather than be off by a factor of 100.
    #[case("1234.56", DecimalSeparator::Comma, None)]
    #[case("1.23", DecimalSeparator::Comma, None)]
    #[case("1,234.56", DecimalSeparator::Point, Some(123_456))]
    #[case("1,23", DecimalSeparator::Point, None)]
    #[case("", DecimalSeparator::Point, None)]
    #[case("-", DecimalSeparator::Point, None)]
    #[case("1.", DecimalSeparator::Point, None)]
    #[case(".5", DecimalSeparator::Point, None)]
    #[case("1 234.56", DecimalSeparator::Point, None)]
    #[case("€1.00", DecimalSeparator::Point, None)]
    fn csv_amounts(#[case] text: &str, #[case] separator: DecimalSeparator, #[case] minor: Option<i64>) {
        assert_eq!(parse_csv_amount(text, separator, Currency::EUR).ok().map(|m| m.minor()), minor, "{text}");
    }

    proptest! {
        #[test]
        fn camt_never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_camt053(&bytes);
        }

        #[test]
        fn camt_never_panics_on_a_cut_or_damaged_fixture(cut in 0..CAMT_V08.len(), at in 0..CAMT_V08.len(), byte in any::<u8>()) {
            let mut bytes = CAMT_V08.as_bytes()[..cut].to_vec();
            if at < bytes.len() {
                bytes[at] = byte;
            }
            let _ = parse_camt053(&bytes);
        }

        #[test]
        fn csv_never_panics(text in "[0-9;,.\\-\"\n a-zA-Zä]{0,200}") {
            let german = CsvFormat::german_bank();
            let minimal = CsvColumns {
                value_date: None,
                currency: None,
                counterparty_name: None,
                counterparty_iban: None,
                remittance: Vec::new(),
                ..german.columns.clone()
            };
            let minimal = CsvFormat { columns: minimal, ..german.clone() };
            let _ = parse_csv(&format!("Buchungstag;Betrag\n{text}"), &minimal);
            let _ = parse_csv(&text, &german);
        }
    }
}
