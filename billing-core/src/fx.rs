//! ECB euro reference rates: parsing the ECB XML and CSV files, a dated rate table with publication-day fallback, and conversion between currencies via the euro.
//!
//! The ECB publishes, on every TARGET working day around 16:00 CET, how many
//! units of each currency one euro buys ("USD 1.0705"). There are no rates on
//! weekends and TARGET closing days (1 January, Good Friday, Easter Monday,
//! 1 May, 25 and 26 December), so a lookup for such a day falls back to the
//! previous publication (the general VAT rule) or the next one (the OSS
//! return, Art. 366(2) VAT Directive). The table needs no holiday calendar:
//! a missing publication is itself the signal.
//!
//! Conversions between two non-euro currencies go through the euro with both
//! rates from the same publication day, `amount_B = amount_A / rate_A × rate_B`,
//! and are rounded exactly once, to the target currency's minor unit.
//!
//! The ECB states that the rates are "published for information purposes
//! only"; they are used here where tax law allows them (Art. 91(2) VAT
//! Directive), not as transaction prices.
//!
//! Pure code: the parsers take bytes or text that the caller has fetched,
//! and every date is passed in; nothing here reads files, the network or the
//! clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::{Money, MoneyError};
use crate::rounding::RoundingPolicy;

/// The `source` of every [`Conversion`] made here, for the audit trail on an
/// invoice ("exchange rate: ECB, 2024-06-28").
pub const SOURCE_ECB: &str = "ECB";

/// How far a lookup may move away from the asked date to find a publication.
///
/// Regular closures never take a lookup further than four days (Easter
/// Monday back to Maundy Thursday), so ten days tolerates a late feed
/// update with room to spare, while a table that stopped being refreshed
/// weeks ago fails loudly instead of silently converting with a stale rate.
pub const MAX_FALLBACK_DAYS: u64 = 10;

/// How old the ECB rate stating an invoice's VAT in the national currency (Art. 230) may be:
/// the latest publication on or before the day the VAT became chargeable, at most this many
/// calendar days before it (docs/adr/0015).
///
/// The ECB publishes on TARGET working days only. The longest regular gap is four days (Maundy
/// Thursday's rate still applies on Easter Monday); a day for the 16:00 CET publication and two
/// for a late import make seven. A table that was not refreshed for longer holds the invoice
/// (an exception of the run, `fx_rate_missing` when finalizing) rather than state the VAT at a
/// rate that may no longer be the latest published one.
pub const ART230_RATE_WINDOW_DAYS: i64 = 7;

/// One published reference rate: `per_eur` units of `currency` buy one euro
/// on `date` (the ECB quote convention, e.g. USD 1.0705).
///
/// `per_eur` keeps the scale as published ("0.84638", "395.30") so that it
/// can be shown or stored exactly as the ECB printed it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct EcbRate {
    pub date: NaiveDate,
    pub currency: Currency,
    pub per_eur: Decimal,
}

/// The outcome of parsing an ECB file.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ParsedRates {
    /// Rates in document order (the ECB files list the newest day first).
    pub rates: Vec<EcbRate>,
    /// Currency codes present in the file but left out of `rates`, sorted and
    /// without duplicates: codes our currency table does not know (the
    /// history still carries CYP, EEK, HRK, ... from before their euro
    /// adoption) and EUR itself, which is the base and always 1. Reported
    /// rather than refused so that a full history still loads, while the
    /// caller can still notice a currency it expected.
    pub skipped: Vec<String>,
}

/// Which publication to use when none exists on the asked date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The latest publication on or before the date: the general rule
    /// ("the latest rate published at the time VAT becomes chargeable").
    Previous,
    /// The first publication on or after the date: the OSS return, which
    /// uses the rate of the last day of the period or, if none was
    /// published that day, of the next publication day (Art. 366(2)).
    Next,
}

/// A converted amount together with what is needed to show and audit it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Conversion {
    /// The converted amount, rounded once to the target currency's minor unit.
    pub amount: Money,
    /// Units of the target currency per unit of the source currency,
    /// `rate_to / rate_from`, to 28 significant digits (trailing zeros
    /// removed), so it is exact whenever the quotient terminates. The amount
    /// itself is computed from the two published rates, not from this
    /// (possibly cut) quotient.
    pub rate: Decimal,
    /// The ECB publication day whose rates were used. For a same-currency
    /// conversion, where no rate is consulted, the asked date.
    pub rate_date: NaiveDate,
    /// The two published rates on `rate_date`, as the ECB printed them: units
    /// of the source and of the target currency per one euro (1 for EUR).
    /// What a document shows ("1 EUR = 163.03 JPY"), since `rate` is a
    /// quotient no one published.
    pub from_per_eur: Decimal,
    pub to_per_eur: Decimal,
    /// Always [`SOURCE_ECB`].
    pub source: &'static str,
}

/// Why parsing, a lookup or a conversion failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum FxError {
    /// The XML is not well-formed or not shaped like an ECB rate file.
    /// `position` is a byte offset into the input.
    #[error("malformed ECB XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    /// The CSV is not shaped like eurofxref-hist.csv. `line` is 1-based.
    #[error("malformed ECB CSV at line {line}: {message}")]
    Csv { line: usize, message: String },
    /// A rate that is not a plain positive decimal. The currency is kept as
    /// text because the file, not our table, named it.
    #[error("invalid ECB rate {value:?} for {currency} on {date}: expected a positive decimal such as 1.0705")]
    InvalidRate { date: NaiveDate, currency: String, value: String },
    /// No publication for `currency` within [`MAX_FALLBACK_DAYS`] of `date`
    /// in the fallback direction.
    #[error("no ECB rate for {currency} within {max} days of {date}", max = MAX_FALLBACK_DAYS)]
    NoRate { currency: Currency, date: NaiveDate },
    /// Both currencies have publications near `date`, but never on the same
    /// day within [`MAX_FALLBACK_DAYS`], so no consistent cross rate exists.
    #[error("no common ECB publication day for {from} and {to} within {max} days of {date}", max = MAX_FALLBACK_DAYS)]
    NoCommonRate { from: Currency, to: Currency, date: NaiveDate },
    /// The latest publication before `date` is from `published`, older than
    /// [`ART230_RATE_WINDOW_DAYS`] allows for an invoice's VAT statement.
    #[error("the latest ECB rate for {currency} before {date} is from {published}, more than {max} days earlier", max = ART230_RATE_WINDOW_DAYS)]
    RateTooOld { currency: Currency, date: NaiveDate, published: NaiveDate },
    /// The converted amount does not fit the money representation.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Parses the ECB XML feeds: `eurofxref-daily.xml`, `eurofxref-hist-90d.xml`
/// and `eurofxref-hist.xml`, which share one shape:
///
/// ```xml
/// <gesmes:Envelope xmlns:gesmes="…" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
///   <Cube><Cube time='2024-06-28'><Cube currency='USD' rate='1.0705'/>…</Cube>…</Cube>
/// </gesmes:Envelope>
/// ```
///
/// Elements and attributes are matched by local name, so the namespace
/// prefix (or its absence) does not matter; either quote style is accepted.
/// Everything other than `Cube` elements is ignored.
///
/// Unknown currencies are reported in [`ParsedRates::skipped`]. A rate that
/// is not a positive decimal is an error naming the day and the currency, as
/// is a document with no `Cube time=…` block at all (e.g. an HTML error page
/// saved in place of the feed) or one that ends inside a `Cube` (a truncated
/// download).
pub fn parse_ecb_xml(xml: &[u8]) -> Result<ParsedRates, FxError> {
    // Whitespace between elements is left untrimmed: it arrives as separate
    // text events, which are ignored, and the position taken before each
    // event then points at the element itself in error messages.
    let mut reader = Reader::from_reader(xml);

    let mut collector = Collector::default();
    // One entry per open <Cube>: the day it opened, if it is a time block.
    // A stack rather than a single "current day" so that the day ends
    // exactly where its element ends.
    let mut open: Vec<Option<NaiveDate>> = Vec::new();
    let mut saw_day = false;

    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| FxError::Xml { position: reader.error_position(), message: error.to_string() })?;
        let (element, is_empty) = match &event {
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::End(element) => {
                // quick-xml has already checked that the end tag matches its
                // start tag, so this pops exactly the Cube being closed.
                if element.local_name().as_ref() == b"Cube" {
                    open.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if element.local_name().as_ref() != b"Cube" {
            continue;
        }

        let xml_error = |message: String| FxError::Xml { position, message };
        let cube = CubeAttributes::read(element, &reader).map_err(xml_error)?;
        let opened_day = match cube {
            CubeAttributes { time: Some(time), currency: None, rate: None } => {
                let day = parse_date(&time)
                    .ok_or_else(|| xml_error(format!("invalid time {time:?}: expected YYYY-MM-DD")))?;
                saw_day = true;
                Some(day)
            }
            CubeAttributes { time: None, currency: Some(code), rate: Some(rate) } => {
                let day = open
                    .iter()
                    .rev()
                    .find_map(|day| *day)
                    .ok_or_else(|| xml_error(format!("rate for {code} outside a <Cube time=...> block")))?;
                collector.add(day, &code, &rate)?;
                None
            }
            CubeAttributes { time: None, currency: None, rate: None } => None,
            CubeAttributes { time, currency, rate } => {
                return Err(xml_error(format!(
                    "unexpected Cube attributes (time {time:?}, currency {currency:?}, rate {rate:?}): \
                     expected either time, or currency and rate"
                )));
            }
        };
        if !is_empty {
            open.push(opened_day);
        }
    }

    if !open.is_empty() {
        return Err(FxError::Xml {
            position: reader.buffer_position(),
            message: "document ends inside a <Cube> element (truncated?)".to_owned(),
        });
    }
    if !saw_day {
        return Err(FxError::Xml {
            position: 0,
            message: "no <Cube time=...> block found: not an ECB reference-rate document".to_owned(),
        });
    }
    Ok(collector.finish())
}

/// The attributes of one `Cube` element that matter, by local name.
struct CubeAttributes {
    time: Option<String>,
    currency: Option<String>,
    rate: Option<String>,
}

impl CubeAttributes {
    fn read(element: &BytesStart<'_>, reader: &Reader<&[u8]>) -> Result<CubeAttributes, String> {
        let mut cube = CubeAttributes { time: None, currency: None, rate: None };
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|error| error.to_string())?;
            let slot = match attribute.key.local_name().as_ref() {
                b"time" => &mut cube.time,
                b"currency" => &mut cube.currency,
                b"rate" => &mut cube.rate,
                // Namespace declarations and anything the ECB may add later.
                _ => continue,
            };
            // Through the reader's decoder rather than assuming UTF-8, so this
            // keeps compiling if another crate enables quick-xml's `encoding`.
            let value = attribute.decode_and_unescape_value(reader.decoder()).map_err(|error| error.to_string())?;
            *slot = Some(value.trim().to_owned());
        }
        Ok(cube)
    }
}

/// Parses `eurofxref-hist.csv` (from `eurofxref-hist.zip`):
///
/// ```text
/// Date,USD,JPY,BGN,CYP,...,ZAR,
/// 2024-12-31,1.0389,163.06,1.9558,N/A,...,19.6188,
/// ```
///
/// Columns are found by header name, because their order has changed over
/// the years. The trailing comma (an empty last column) is ignored; `N/A`
/// and empty cells mean "no rate that day" and are skipped. Columns of
/// unknown currencies are reported in [`ParsedRates::skipped`] and their
/// cells are not looked at. Every row must have as many cells as the header,
/// so a truncated last line is an error rather than silently missing rates.
pub fn parse_ecb_csv(text: &str) -> Result<ParsedRates, FxError> {
    // A byte-order mark would otherwise become part of the "Date" name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `lines` also strips the '\r' of CRLF line ends.
    let mut lines =
        text.lines().enumerate().map(|(index, line)| (index + 1, line)).filter(|(_, line)| !line.trim().is_empty());

    let Some((header_line, header)) = lines.next() else {
        return Err(FxError::Csv {
            line: 1,
            message: "empty file: expected a header such as Date,USD,JPY,...".to_owned(),
        });
    };
    let header_error = |message: String| FxError::Csv { line: header_line, message };
    let names = csv_cells(header);

    let mut collector = Collector::default();
    let mut columns: Vec<Column> = Vec::with_capacity(names.len());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(header_error(format!("empty column name in column {}", index + 1)));
        }
        if !seen.insert(name.to_ascii_uppercase()) {
            return Err(header_error(format!("duplicate column {name:?}")));
        }
        let column = if name.eq_ignore_ascii_case("Date") {
            Column::Date
        } else {
            match known_currency(name) {
                Some(currency) => Column::Rate(currency),
                None => {
                    collector.skipped.insert((*name).to_owned());
                    Column::Ignored
                }
            }
        };
        columns.push(column);
    }
    let Some(date_index) = columns.iter().position(|column| matches!(column, Column::Date)) else {
        return Err(header_error("no Date column".to_owned()));
    };

    for (line, row) in lines {
        let row_error = |message: String| FxError::Csv { line, message };
        let cells = csv_cells(row);
        if cells.len() != columns.len() {
            return Err(row_error(format!(
                "expected {} fields as in the header, found {}",
                columns.len(),
                cells.len()
            )));
        }
        let date_text = cells[date_index];
        let date = parse_date(date_text)
            .ok_or_else(|| row_error(format!("invalid date {date_text:?}: expected YYYY-MM-DD")))?;
        for (column, cell) in columns.iter().zip(&cells) {
            if let Column::Rate(currency) = column
                && !cell.is_empty()
                && !cell.eq_ignore_ascii_case("N/A")
            {
                collector.add(date, currency.code(), cell)?;
            }
        }
    }
    Ok(collector.finish())
}

/// What a CSV column holds.
enum Column {
    Date,
    Rate(Currency),
    Ignored,
}

/// Splits a CSV line into trimmed cells, dropping the one empty cell that
/// the ECB's trailing comma produces. The ECB file never quotes cells, so
/// a plain split suffices; a quote would surface as an invalid rate.
fn csv_cells(line: &str) -> Vec<&str> {
    let mut cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() > 1 && cells.last().is_some_and(|cell| cell.is_empty()) {
        cells.pop();
    }
    cells
}

/// Accumulates the rates and skipped codes shared by both parsers.
#[derive(Default)]
struct Collector {
    rates: Vec<EcbRate>,
    skipped: BTreeSet<String>,
}

impl Collector {
    fn add(&mut self, date: NaiveDate, code: &str, value: &str) -> Result<(), FxError> {
        let Some(currency) = known_currency(code) else {
            self.skipped.insert(code.to_owned());
            return Ok(());
        };
        let per_eur = parse_rate(value).ok_or_else(|| FxError::InvalidRate {
            date,
            currency: code.to_owned(),
            value: value.to_owned(),
        })?;
        self.rates.push(EcbRate { date, currency, per_eur });
        Ok(())
    }

    fn finish(self) -> ParsedRates {
        ParsedRates { rates: self.rates, skipped: self.skipped.into_iter().collect() }
    }
}

/// A currency we can hold a rate for: known to our table and not the euro,
/// whose rate against itself is 1 by definition.
fn known_currency(code: &str) -> Option<Currency> {
    Currency::from_code(code).ok().filter(|currency| *currency != Currency::EUR)
}

/// A rate as the ECB prints it: digits with an optional fractional part
/// ("1.0705", "171.94", "17487.21"), greater than zero.
///
/// Checked by hand before handing it to rust_decimal, whose parser would
/// also accept signs, underscores and a bare ".5", none of which belongs in
/// an ECB file. The exact parse refuses to round a number with more digits
/// than a Decimal holds, so what is stored is what was published.
fn parse_rate(text: &str) -> Option<Decimal> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    let well_formed = match text.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(text),
    };
    if !well_formed {
        return None;
    }
    Decimal::from_str_exact(text).ok().filter(|rate| *rate > Decimal::ZERO)
}

/// Parses exactly `YYYY-MM-DD`. Done by hand because chrono's `%m` and `%d`
/// also accept single digits and padding, which the ECB never produces.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: core::ops::Range<usize>| -> Option<u32> {
        bytes[range]
            .iter()
            .try_fold(0_u32, |acc, byte| byte.is_ascii_digit().then(|| acc * 10 + u32::from(byte - b'0')))
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)
}

/// Reference rates by currency and publication day.
///
/// Only the days on which the ECB published a rate are stored; lookups for
/// other days fall back as the caller asks (see [`Fallback`]).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RateTable {
    series: HashMap<Currency, BTreeMap<NaiveDate, Decimal>>,
}

impl RateTable {
    /// Builds a table from rates, e.g. [`ParsedRates::rates`]. Where the same
    /// currency and day occur twice, the later entry wins, as with
    /// [`RateTable::insert`].
    pub fn new(rates: impl IntoIterator<Item = EcbRate>) -> Result<RateTable, FxError> {
        let mut table = RateTable::default();
        for rate in rates {
            table.insert(rate)?;
        }
        Ok(table)
    }

    /// Adds or replaces one rate and returns the rate it replaced.
    ///
    /// Later data wins so that a corrected or re-downloaded file can be
    /// merged over an older one. A non-positive rate is refused (it would
    /// make conversions divide by zero or flip signs). A EUR rate of exactly
    /// 1 is accepted and not stored, because EUR is the base on every day;
    /// any other EUR rate is refused.
    pub fn insert(&mut self, rate: EcbRate) -> Result<Option<Decimal>, FxError> {
        let is_eur = rate.currency == Currency::EUR;
        let valid = rate.per_eur > Decimal::ZERO && (!is_eur || rate.per_eur == Decimal::ONE);
        if !valid {
            return Err(FxError::InvalidRate {
                date: rate.date,
                currency: rate.currency.code().to_owned(),
                value: rate.per_eur.to_string(),
            });
        }
        if is_eur {
            return Ok(None);
        }
        Ok(self.series.entry(rate.currency).or_default().insert(rate.date, rate.per_eur))
    }

    /// Number of stored (currency, day) rates.
    pub fn len(&self) -> usize {
        self.series.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.series.values().all(BTreeMap::is_empty)
    }

    /// The rate of `currency` per EUR for `date`, and the publication day it
    /// comes from: `date` itself if the ECB published that day, otherwise the
    /// nearest publication in the `fallback` direction, at most
    /// [`MAX_FALLBACK_DAYS`] away. EUR is 1 on every date.
    pub fn rate_on(
        &self,
        currency: Currency,
        date: NaiveDate,
        fallback: Fallback,
    ) -> Result<(NaiveDate, Decimal), FxError> {
        if currency == Currency::EUR {
            return Ok((date, Decimal::ONE));
        }
        self.window(currency, date, fallback).first().copied().ok_or(FxError::NoRate { currency, date })
    }

    /// Converts `amount` into `to` with the ECB rates for `date`, via the euro:
    /// `amount / rate(from) × rate(to)`.
    ///
    /// Both rates come from one publication day, so the cross rate is the
    /// one the ECB's concertation implies for that day. Usually both
    /// currencies were published on the same days; where their latest
    /// publications differ (a currency missing on some day), the day used is
    /// the nearest one, searching from `date` in the `fallback` direction, on
    /// which *both* have a rate. Mixing two days would yield a cross rate
    /// that never existed. With EUR on either side only the other currency's
    /// publications matter.
    ///
    /// The result is computed exactly from the published rates and rounded
    /// once, to `to`'s minor unit, with `policy`. Converting to the same
    /// currency returns `amount` unchanged with rate 1, without consulting
    /// the table.
    pub fn convert(
        &self,
        amount: Money,
        to: Currency,
        date: NaiveDate,
        fallback: Fallback,
        policy: RoundingPolicy,
    ) -> Result<Conversion, FxError> {
        let from = amount.currency();
        if from == to {
            return Ok(Conversion {
                amount,
                rate: Decimal::ONE,
                rate_date: date,
                source: SOURCE_ECB,
                from_per_eur: Decimal::ONE,
                to_per_eur: Decimal::ONE,
            });
        }
        let (rate_date, from_per_eur, to_per_eur) = self.common_rates(from, to, date, fallback)?;
        let converted = convert_exact(amount, to, from_per_eur, to_per_eur, policy)?;
        let rate = to_per_eur.checked_div(from_per_eur).ok_or(MoneyError::Overflow)?.normalize();
        Ok(Conversion { amount: converted, rate, rate_date, source: SOURCE_ECB, from_per_eur, to_per_eur })
    }

    /// The publication day used for a `from` -> `to` conversion and the two
    /// rates per EUR on that day.
    fn common_rates(
        &self,
        from: Currency,
        to: Currency,
        date: NaiveDate,
        fallback: Fallback,
    ) -> Result<(NaiveDate, Decimal, Decimal), FxError> {
        // EUR exists on every day, so the other currency alone decides.
        if from == Currency::EUR {
            let (day, rate) = self.rate_on(to, date, fallback)?;
            return Ok((day, Decimal::ONE, rate));
        }
        if to == Currency::EUR {
            let (day, rate) = self.rate_on(from, date, fallback)?;
            return Ok((day, rate, Decimal::ONE));
        }
        let from_window = self.window(from, date, fallback);
        let to_window = self.window(to, date, fallback);
        // Name the currency that has nothing at all before blaming the pair.
        if from_window.is_empty() {
            return Err(FxError::NoRate { currency: from, date });
        }
        if to_window.is_empty() {
            return Err(FxError::NoRate { currency: to, date });
        }
        // Both windows are ordered nearest day first, so the first day of
        // `from` that `to` also has is the nearest common publication.
        from_window
            .iter()
            .find_map(|&(day, from_rate)| {
                to_window.iter().find(|(to_day, _)| *to_day == day).map(|&(_, to_rate)| (day, from_rate, to_rate))
            })
            .ok_or(FxError::NoCommonRate { from, to, date })
    }

    /// The publications of `currency` within [`MAX_FALLBACK_DAYS`] of `date`
    /// in the fallback direction, `date` itself included, nearest first.
    /// At most eleven entries, so a Vec is cheap.
    fn window(&self, currency: Currency, date: NaiveDate, fallback: Fallback) -> Vec<(NaiveDate, Decimal)> {
        let Some(series) = self.series.get(&currency) else {
            return Vec::new();
        };
        let span = Days::new(MAX_FALLBACK_DAYS);
        match fallback {
            Fallback::Previous => {
                let earliest = date.checked_sub_days(span).unwrap_or(NaiveDate::MIN);
                series.range(earliest..=date).rev().map(|(day, rate)| (*day, *rate)).collect()
            }
            Fallback::Next => {
                let latest = date.checked_add_days(span).unwrap_or(NaiveDate::MAX);
                series.range(date..=latest).map(|(day, rate)| (*day, *rate)).collect()
            }
        }
    }
}

/// `amount × to_per_eur / from_per_eur` in `to`, rounded once with `policy`.
///
/// Computed in integers rather than with Decimal division: a Decimal
/// quotient is cut to 28 significant digits, a hidden first rounding that
/// could push a value lying just below a tie onto it before our rounding
/// (double rounding). With integer mantissas m and scales s, the exact
/// result in the target's minor units is
///
/// ```text
/// minor_from × m_to × 10^(s_from + exp_to) / (m_from × 10^(exp_from + s_to))
/// ```
///
/// The powers of ten are cancelled against each other first; with ECB-sized
/// rates (at most 7 significant digits) every product stays far below
/// u128::MAX, and anything larger is reported as overflow, never wrapped.
fn convert_exact(
    amount: Money,
    to: Currency,
    from_per_eur: Decimal,
    to_per_eur: Decimal,
    policy: RoundingPolicy,
) -> Result<Money, MoneyError> {
    // Trailing zeros ("395.30") only inflate the numbers.
    let from_rate = from_per_eur.normalize();
    let to_rate = to_per_eur.normalize();
    let up = from_rate.scale() + to.exponent();
    let down = amount.currency().exponent() + to_rate.scale();
    let (up, down) = (up.saturating_sub(down), down.saturating_sub(up));

    let pow10 = |exp: u32| 10_u128.checked_pow(exp);
    let numerator = u128::from(amount.minor().unsigned_abs())
        .checked_mul(to_rate.mantissa().unsigned_abs())
        .zip(pow10(up))
        .and_then(|(product, scale)| product.checked_mul(scale))
        .ok_or(MoneyError::Overflow)?;
    let denominator = pow10(down)
        .and_then(|scale| from_rate.mantissa().unsigned_abs().checked_mul(scale))
        .filter(|denominator| *denominator > 0)
        .ok_or(MoneyError::Overflow)?;
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;

    // Beyond 2^63 no rounding can bring the value back into an i64.
    const LIMIT: u128 = 1 << 63;
    if quotient > LIMIT {
        return Err(MoneyError::Overflow);
    }
    // The discarded fraction remainder/denominator may have more digits than
    // a Decimal holds. Every rounding mode only asks whether it is zero,
    // below, at or above one half, so a stand-in fraction of the same class
    // (.00, .25, .50, .75) rounds identically and keeps `RoundingPolicy` the
    // one place that decides (the same approach as `Money::mul_decimal`).
    // `remainder` vs `denominator - remainder` compares the fraction with
    // one half without computing 2 × remainder, which could overflow.
    let stand_in: i128 = if remainder == 0 {
        0
    } else {
        match remainder.cmp(&(denominator - remainder)) {
            core::cmp::Ordering::Less => 25,
            core::cmp::Ordering::Equal => 50,
            core::cmp::Ordering::Greater => 75,
        }
    };
    // quotient <= 2^63, so this fits i128 and a Decimal mantissa (2^96).
    let hundredths = i128::try_from(quotient).map_err(|_| MoneyError::Overflow)? * 100 + stand_in;
    let signed = if amount.is_negative() { -hundredths } else { hundredths };
    let exact_enough = Decimal::try_from_i128_with_scale(signed, 2).map_err(|_| MoneyError::Overflow)?;
    let rounded = policy.round(exact_enough, 0);
    let minor = i64::try_from(rounded.mantissa()).map_err(|_| MoneyError::Overflow)?;
    Ok(Money::from_minor(minor, to))
}

/// States a VAT amount of an invoice issued in a foreign currency in the
/// seller's national currency, as Art. 230 of the VAT Directive
/// (2006/112/EC) requires: the invoice may be in any currency, but the VAT
/// payable must also be expressed in the Member State's national currency,
/// converted by the mechanism of Art. 91.
///
/// Art. 91(2) lets the taxable person use the latest rate published by the
/// ECB at the time the VAT becomes chargeable, with conversions between two
/// non-euro currencies made via the euro rate of each. That is
/// [`RateTable::convert`] with [`Fallback::Previous`]: on a day without a
/// publication (weekend, TARGET holiday) the latest earlier publication
/// applies, never a later one.
///
/// `supply_date` is the day the VAT became chargeable, normally the supply
/// date (Art. 63), or the payment date for an advance payment (Art. 65); the
/// caller decides. The lookup is by day: a supply before the 16:00 CET
/// publication on a publication day formally falls under the previous day's
/// rate, so pass the previous day if that precision matters.
///
/// Not covered: the national-market rate of Art. 91(1) and Germany's BMF
/// monthly average rates (§ 16 Abs. 6 UStG). The wording of Art. 91 and 230
/// here is paraphrased; check it against EUR-Lex before quoting it.
pub fn vat_in_national_currency(
    vat: Money,
    national: Currency,
    supply_date: NaiveDate,
    table: &RateTable,
    policy: RoundingPolicy,
) -> Result<Conversion, FxError> {
    let conversion = table.convert(vat, national, supply_date, Fallback::Previous, policy)?;
    // The general lookup tolerates MAX_FALLBACK_DAYS; the statement on an invoice is held to the
    // tighter window (see ART230_RATE_WINDOW_DAYS).
    if supply_date.signed_duration_since(conversion.rate_date).num_days() > ART230_RATE_WINDOW_DAYS {
        let currency = if vat.currency() == Currency::EUR { national } else { vat.currency() };
        return Err(FxError::RateTooOld { currency, date: supply_date, published: conversion.rate_date });
    }
    Ok(conversion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounding::RoundingMode;
    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    const DAILY_XML: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ecb/eurofxref-daily.xml"));
    const NINETY_DAY_XML: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ecb/eurofxref-hist-90d.xml"));
    const HIST_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ecb/eurofxref-hist.csv"));

    const COMMERCIAL: RoundingPolicy = RoundingPolicy::COMMERCIAL;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn money(text: &str, currency: Currency) -> Money {
        Money::parse(text, currency).unwrap()
    }

    fn rate(date: &str, code: &str, per_eur: Decimal) -> EcbRate {
        EcbRate { date: day(date), currency: cur(code), per_eur }
    }

    fn find(parsed: &ParsedRates, date: &str, code: &str) -> Option<Decimal> {
        parsed.rates.iter().find(|r| r.date == day(date) && r.currency == cur(code)).map(|r| r.per_eur)
    }

    fn daily_table() -> RateTable {
        RateTable::new(parse_ecb_xml(DAILY_XML.as_bytes()).unwrap().rates).unwrap()
    }

    fn csv_table() -> RateTable {
        RateTable::new(parse_ecb_csv(HIST_CSV).unwrap().rates).unwrap()
    }

    /// The two published rates of the cross-rate example, as literals.
    fn usd_gbp_table() -> RateTable {
        RateTable::new([rate("2024-06-28", "USD", dec!(1.0705)), rate("2024-06-28", "GBP", dec!(0.84638))]).unwrap()
    }

    // ---- XML ----

    #[test]
    fn daily_fixture_parses() {
        let parsed = parse_ecb_xml(DAILY_XML.as_bytes()).unwrap();
        assert_eq!(parsed.rates.len(), 30);
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        assert!(parsed.rates.iter().all(|r| r.date == day("2024-06-28")));
        assert_eq!(parsed.rates[0], rate("2024-06-28", "USD", dec!(1.0705)));
        assert_eq!(find(&parsed, "2024-06-28", "JPY"), Some(dec!(171.94)));
        assert_eq!(find(&parsed, "2024-06-28", "IDR"), Some(dec!(17487.21)));
        assert_eq!(parsed.rates.last().map(|r| (r.currency, r.per_eur)), Some((cur("ZAR"), dec!(19.4970))));
        // Published scale is kept, trailing zeros included.
        assert_eq!(find(&parsed, "2024-06-28", "GBP").unwrap().to_string(), "0.84638");
        assert_eq!(find(&parsed, "2024-06-28", "HUF").unwrap().to_string(), "395.30");
    }

    #[test]
    fn ninety_day_fixture_parses_every_time_block() {
        let parsed = parse_ecb_xml(NINETY_DAY_XML.as_bytes()).unwrap();
        assert_eq!(parsed.rates.len(), 6 * 8);
        let mut days: Vec<NaiveDate> = parsed.rates.iter().map(|r| r.date).collect();
        days.dedup();
        let expected: Vec<NaiveDate> =
            ["2024-07-03", "2024-07-02", "2024-07-01", "2024-06-28", "2024-06-27", "2024-06-26"].map(day).to_vec();
        assert_eq!(days, expected, "newest first, in document order");
        assert_eq!(find(&parsed, "2024-07-03", "USD"), Some(dec!(1.0784)));
        assert_eq!(find(&parsed, "2024-06-26", "IDR"), Some(dec!(17542.34)));
        assert_eq!(find(&parsed, "2024-06-28", "GBP"), Some(dec!(0.84638)));
    }

    #[test]
    fn xml_is_namespace_and_quote_agnostic() {
        let xml = r#"<?xml version="1.0"?>
            <e:Envelope xmlns:e="urn:a" xmlns:r="urn:b">
              <r:Cube>
                <r:Cube r:time="2024-06-28">
                  <r:Cube currency="USD" rate="1.0705"></r:Cube>
                  <r:Cube currency='XAU' rate='2163.40'/>
                  <r:Cube currency="EUR" rate="1"/>
                </r:Cube>
                <Cube time="2024-06-27"/>
              </r:Cube>
            </e:Envelope>"#;
        let parsed = parse_ecb_xml(xml.as_bytes()).unwrap();
        assert_eq!(parsed.rates, [rate("2024-06-28", "USD", dec!(1.0705))]);
        assert_eq!(parsed.skipped, ["EUR", "XAU"]);
    }

    #[test]
    fn xml_skipped_codes_are_sorted_and_unique() {
        let xml = "<Cube><Cube time='2008-01-02'><Cube currency='SKK' rate='33.583'/><Cube currency='CYP' rate='0.585274'/>\
                   </Cube><Cube time='2008-01-03'><Cube currency='SKK' rate='33.530'/></Cube></Cube>";
        let parsed = parse_ecb_xml(xml.as_bytes()).unwrap();
        assert!(parsed.rates.is_empty());
        assert_eq!(parsed.skipped, ["CYP", "SKK"]);
    }

    #[rstest]
    #[case("0")]
    #[case("0.0000")]
    #[case("-1.0705")]
    #[case("+1.0705")]
    #[case("abc")]
    #[case("")]
    #[case("1,0705")]
    #[case("1e3")]
    #[case(".5")]
    #[case("1.")]
    #[case("1_000")]
    #[case("N/A")]
    #[case("1.00000000000000000000000000001")]
    fn xml_rejects_invalid_rates(#[case] value: &str) {
        let xml = format!("<Cube><Cube time='2024-06-28'><Cube currency='USD' rate='{value}'/></Cube></Cube>");
        let error = parse_ecb_xml(xml.as_bytes()).unwrap_err();
        assert_eq!(
            error,
            FxError::InvalidRate { date: day("2024-06-28"), currency: "USD".to_owned(), value: value.to_owned() }
        );
        let message = error.to_string();
        assert!(message.contains("USD") && message.contains("2024-06-28"), "{message}");
    }

    #[rstest]
    #[case::mismatched_tags("<Cube><Cube time='2024-06-28'></Kube></Cube>")]
    #[case::truncated("<Cube><Cube time='2024-06-28'><Cube currency='USD' rate='1.0705'/>")]
    #[case::rate_outside_a_day("<Cube><Cube currency='USD' rate='1.0705'/></Cube>")]
    #[case::bad_time("<Cube><Cube time='2024-6-28'><Cube currency='USD' rate='1.0705'/></Cube></Cube>")]
    #[case::impossible_time("<Cube><Cube time='2024-02-30'/></Cube>")]
    #[case::missing_rate("<Cube><Cube time='2024-06-28'><Cube currency='USD'/></Cube></Cube>")]
    #[case::missing_currency("<Cube><Cube time='2024-06-28'><Cube rate='1.0705'/></Cube></Cube>")]
    #[case::time_and_rate("<Cube><Cube time='2024-06-28' currency='USD' rate='1.0705'/></Cube>")]
    #[case::duplicate_attribute("<Cube><Cube time='2024-06-28'><Cube currency='USD' rate='1' rate='2'/></Cube></Cube>")]
    #[case::no_day_at_all("<html><body>Service unavailable</body></html>")]
    #[case::empty("")]
    fn xml_structure_errors(#[case] xml: &str) {
        let error = parse_ecb_xml(xml.as_bytes()).unwrap_err();
        assert!(matches!(error, FxError::Xml { .. }), "{error:?}");
    }

    #[test]
    fn xml_error_names_the_position() {
        let xml = "<Cube>\n<Cube currency='USD' rate='1.0705'/></Cube>";
        let error = parse_ecb_xml(xml.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), "malformed ECB XML at byte 7: rate for USD outside a <Cube time=...> block");
    }

    // ---- CSV ----

    #[test]
    fn csv_fixture_parses() {
        let parsed = parse_ecb_csv(HIST_CSV).unwrap();
        // 41 currency columns: 10 unknown legacy codes, RUB (known but all
        // N/A), 30 with a rate on each of the 10 days.
        assert_eq!(parsed.rates.len(), 10 * 30);
        assert_eq!(parsed.skipped, ["CYP", "EEK", "HRK", "LTL", "LVL", "MTL", "ROL", "SIT", "SKK", "TRL"]);
        assert!(parsed.rates.iter().all(|r| r.currency != cur("RUB")), "N/A cells carry no rate");
        let days: BTreeSet<NaiveDate> = parsed.rates.iter().map(|r| r.date).collect();
        let expected: BTreeSet<NaiveDate> = [
            "2024-12-20",
            "2024-12-23",
            "2024-12-24",
            "2024-12-27",
            "2024-12-30",
            "2024-12-31",
            "2025-01-02",
            "2025-01-03",
            "2025-01-06",
            "2025-01-07",
        ]
        .map(day)
        .into();
        assert_eq!(days, expected);
        assert_eq!(parsed.rates[0], rate("2025-01-07", "USD", dec!(1.0393)), "newest first");
        assert_eq!(find(&parsed, "2024-12-31", "USD"), Some(dec!(1.0389)));
        assert_eq!(find(&parsed, "2024-12-24", "GBP").unwrap().to_string(), "0.83167");
        // The last column before the trailing comma is read, not dropped.
        assert_eq!(find(&parsed, "2024-12-20", "ZAR").map(|r| r.scale()), Some(4));
    }

    #[test]
    fn csv_columns_are_found_by_name() {
        let csv = "GBP,Date,USD\n0.84638,2024-06-28,1.0705\n";
        let parsed = parse_ecb_csv(csv).unwrap();
        assert_eq!(parsed.rates, [rate("2024-06-28", "GBP", dec!(0.84638)), rate("2024-06-28", "USD", dec!(1.0705))]);
    }

    #[test]
    fn csv_skips_empty_and_na_cells_and_tolerates_crlf_bom_and_blank_lines() {
        let csv = "\u{feff}Date,USD,JPY,GBP,\r\n2024-06-28,1.0705,,N/A,\r\n\r\n2024-06-27,1.0696,171.50,n/a\r\n";
        let parsed = parse_ecb_csv(csv).unwrap();
        assert_eq!(
            parsed.rates,
            [
                rate("2024-06-28", "USD", dec!(1.0705)),
                rate("2024-06-27", "USD", dec!(1.0696)),
                rate("2024-06-27", "JPY", dec!(171.50)),
            ]
        );
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn csv_with_only_a_header_has_no_rates() {
        assert_eq!(parse_ecb_csv("Date,USD,\n"), Ok(ParsedRates::default()));
    }

    #[test]
    fn csv_unknown_columns_are_not_validated() {
        // Legacy columns are skipped wholesale, whatever their cells hold.
        let parsed = parse_ecb_csv("Date,CYP,USD,\n2007-12-31,garbage,1.4721,\n").unwrap();
        assert_eq!(parsed.rates, [rate("2007-12-31", "USD", dec!(1.4721))]);
        assert_eq!(parsed.skipped, ["CYP"]);
    }

    #[rstest]
    #[case::empty_file("", 1)]
    #[case::no_date_column("USD,JPY,\n1.0705,171.94,\n", 1)]
    #[case::duplicate_column("Date,USD,usd,\n2024-06-28,1.0705,1.0705,\n", 1)]
    #[case::empty_name_inside("Date,,USD,\n2024-06-28,,1.0705,\n", 1)]
    #[case::bad_date("Date,USD,\n2024-06-28,1.0705,\n28.06.2024,1.0705,\n", 3)]
    #[case::truncated_row("Date,USD,JPY,\n2024-06-28,1.07", 2)]
    #[case::extra_cell("Date,USD,\n2024-06-28,1.0705,1.0,\n", 2)]
    fn csv_structure_errors(#[case] csv: &str, #[case] line: usize) {
        match parse_ecb_csv(csv) {
            Err(FxError::Csv { line: got, .. }) => assert_eq!(got, line),
            other => panic!("expected a CSV error at line {line}, got {other:?}"),
        }
    }

    #[test]
    fn csv_rejects_invalid_rates_naming_day_and_currency() {
        let error = parse_ecb_csv("Date,USD,JPY,\n2024-06-28,1.0705,-171.94,\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid ECB rate \"-171.94\" for JPY on 2024-06-28: expected a positive decimal such as 1.0705"
        );
    }

    // ---- lookups ----

    #[rstest]
    // Weekend: Saturday and Sunday use Friday's rate.
    #[case("2024-12-28", Fallback::Previous, "2024-12-27")]
    #[case("2024-12-29", Fallback::Previous, "2024-12-27")]
    // TARGET holidays 25 and 26 December and 1 January.
    #[case("2024-12-25", Fallback::Previous, "2024-12-24")]
    #[case("2024-12-26", Fallback::Previous, "2024-12-24")]
    #[case("2025-01-01", Fallback::Previous, "2024-12-31")]
    // OSS direction: the next publication.
    #[case("2024-12-25", Fallback::Next, "2024-12-27")]
    #[case("2024-12-28", Fallback::Next, "2024-12-30")]
    #[case("2025-01-01", Fallback::Next, "2025-01-02")]
    #[case("2025-01-04", Fallback::Next, "2025-01-06")]
    // A publication day is used as is in both directions.
    #[case("2024-12-27", Fallback::Previous, "2024-12-27")]
    #[case("2024-12-27", Fallback::Next, "2024-12-27")]
    // Exactly MAX_FALLBACK_DAYS away is still allowed.
    #[case("2025-01-17", Fallback::Previous, "2025-01-07")]
    #[case("2024-12-10", Fallback::Next, "2024-12-20")]
    fn lookup_falls_back_to_a_publication_day(#[case] asked: &str, #[case] fallback: Fallback, #[case] used: &str) {
        let table = csv_table();
        let (date, usd) = table.rate_on(Currency::USD, day(asked), fallback).unwrap();
        assert_eq!(date, day(used));
        let published = parse_ecb_csv(HIST_CSV).unwrap();
        assert_eq!(Some(usd), find(&published, used, "USD"));
    }

    #[rstest]
    #[case("2025-01-18", Fallback::Previous)]
    #[case("2024-12-09", Fallback::Previous)]
    #[case("2024-12-09", Fallback::Next)]
    #[case("2025-01-08", Fallback::Next)]
    fn lookup_beyond_the_window_is_no_rate(#[case] asked: &str, #[case] fallback: Fallback) {
        let error = csv_table().rate_on(Currency::USD, day(asked), fallback).unwrap_err();
        assert_eq!(error, FxError::NoRate { currency: Currency::USD, date: day(asked) });
        assert_eq!(error.to_string(), format!("no ECB rate for USD within 10 days of {asked}"));
    }

    #[test]
    fn currency_without_any_rate_is_no_rate() {
        let error = csv_table().rate_on(cur("AED"), day("2024-12-27"), Fallback::Previous).unwrap_err();
        assert_eq!(error, FxError::NoRate { currency: cur("AED"), date: day("2024-12-27") });
    }

    #[rstest]
    #[case("2024-12-25")]
    #[case("1999-01-01")]
    #[case("2099-12-31")]
    fn eur_is_one_on_any_date(#[case] date: &str) {
        for fallback in [Fallback::Previous, Fallback::Next] {
            assert_eq!(RateTable::default().rate_on(Currency::EUR, day(date), fallback), Ok((day(date), Decimal::ONE)));
        }
    }

    #[test]
    fn insert_validates_and_replaces() {
        let mut table = RateTable::default();
        assert!(table.is_empty());
        assert_eq!(table.insert(rate("2024-06-28", "USD", dec!(1.0700))), Ok(None));
        assert_eq!(table.insert(rate("2024-06-28", "USD", dec!(1.0705))), Ok(Some(dec!(1.0700))));
        assert_eq!(table.len(), 1);
        assert!(matches!(table.insert(rate("2024-06-28", "GBP", dec!(0))), Err(FxError::InvalidRate { .. })));
        assert!(matches!(table.insert(rate("2024-06-28", "GBP", dec!(-0.8))), Err(FxError::InvalidRate { .. })));
        // EUR is the base: 1 is accepted and implicit, anything else refused.
        assert_eq!(table.insert(rate("2024-06-28", "EUR", dec!(1.000))), Ok(None));
        assert!(matches!(table.insert(rate("2024-06-28", "EUR", dec!(1.1))), Err(FxError::InvalidRate { .. })));
        assert_eq!(table.len(), 1);
        assert_eq!(
            table.rate_on(Currency::USD, day("2024-06-28"), Fallback::Next),
            Ok((day("2024-06-28"), dec!(1.0705)))
        );
    }

    // ---- conversion ----

    #[test]
    fn cross_rate_usd_to_gbp_via_eur() {
        for table in [usd_gbp_table(), daily_table()] {
            let conversion = table
                .convert(
                    money("100.00", Currency::USD),
                    Currency::GBP,
                    day("2024-06-28"),
                    Fallback::Previous,
                    COMMERCIAL,
                )
                .unwrap();
            // 0.84638 / 1.0705 = 0.7906398879...: "0.790640" to six places.
            assert_eq!(conversion.rate.round_dp(6), dec!(0.790640));
            assert!(conversion.rate.to_string().starts_with("0.790639887902849135917795"), "{}", conversion.rate);
            assert!(conversion.rate.mantissa().to_string().len() >= 10, "at least 10 significant digits");
            // 100 × 0.84638 / 1.0705 = 79.0639... -> 79.06
            assert_eq!(conversion.amount, money("79.06", Currency::GBP));
            assert_eq!(conversion.rate_date, day("2024-06-28"));
            assert_eq!(conversion.source, "ECB");
        }
    }

    #[test]
    fn usd_to_eur_and_back() {
        let table = usd_gbp_table();
        let date = day("2024-06-28");
        // 100 / 1.0705 = 93.4143... -> 93.41
        let to_eur = table.convert(money("100.00", Currency::USD), Currency::EUR, date, Fallback::Previous, COMMERCIAL);
        let to_eur = to_eur.unwrap();
        assert_eq!(to_eur.amount, money("93.41", Currency::EUR));
        assert_eq!(to_eur.rate.round_dp(10), dec!(0.9341429239));
        assert_eq!(to_eur.rate_date, date);
        // The other way the published rate itself is the cross rate.
        let to_usd = table.convert(money("100.00", Currency::EUR), Currency::USD, date, Fallback::Next, COMMERCIAL);
        let to_usd = to_usd.unwrap();
        assert_eq!(to_usd.amount, money("107.05", Currency::USD));
        assert_eq!(to_usd.rate, dec!(1.0705));
    }

    #[test]
    fn jpy_target_is_a_whole_number() {
        let conversion = daily_table()
            .convert(money("100.00", Currency::USD), Currency::JPY, day("2024-06-28"), Fallback::Previous, COMMERCIAL)
            .unwrap();
        // 100 / 1.0705 × 171.94 = 16061.65... -> 16062
        assert_eq!(conversion.amount, Money::from_minor(16062, Currency::JPY));
        assert_eq!(conversion.amount.to_decimal().scale(), 0);
        assert_eq!(conversion.amount.to_string(), "16062 JPY");
    }

    #[rstest]
    // 1.00 EUR at 162.5 JPY is exactly 162.5 JPY: a tie.
    #[case("1.00", "EUR", "JPY", RoundingMode::HalfUp, "163")]
    #[case("-1.00", "EUR", "JPY", RoundingMode::HalfUp, "-163")]
    #[case("1.00", "EUR", "JPY", RoundingMode::HalfEven, "162")]
    // 0.03 EUR at 1.5 USD is exactly 0.045 USD.
    #[case("0.03", "EUR", "USD", RoundingMode::HalfUp, "0.05")]
    #[case("0.03", "EUR", "USD", RoundingMode::HalfEven, "0.04")]
    #[case("-0.03", "EUR", "USD", RoundingMode::HalfUp, "-0.05")]
    // Cross: 1.00 USD = 1 / 1.5 × 162.5 = 108.333... JPY; 0.03 USD = 3.25 JPY.
    #[case("1.00", "USD", "JPY", RoundingMode::HalfUp, "108")]
    #[case("0.03", "USD", "JPY", RoundingMode::HalfUp, "3")]
    // 3 JPY = 3 / 162.5 × 1.5 = 0.02769... USD
    #[case("3", "JPY", "USD", RoundingMode::HalfUp, "0.03")]
    #[case("3", "JPY", "USD", RoundingMode::TowardZero, "0.02")]
    fn rounding_happens_once_with_the_policy(
        #[case] amount: &str,
        #[case] from: &str,
        #[case] to: &str,
        #[case] mode: RoundingMode,
        #[case] expected: &str,
    ) {
        let table =
            RateTable::new([rate("2024-06-28", "JPY", dec!(162.5)), rate("2024-06-28", "USD", dec!(1.5))]).unwrap();
        let conversion = table
            .convert(
                money(amount, cur(from)),
                cur(to),
                day("2024-06-28"),
                Fallback::Previous,
                RoundingPolicy::new(mode),
            )
            .unwrap();
        assert_eq!(conversion.amount, money(expected, cur(to)));
    }

    #[test]
    fn ties_are_found_exactly_even_with_long_quotients() {
        // 1 / 3 × 0.015 = 0.005 exactly, though 1/3 itself never terminates:
        // a Decimal quotient first would give 0.00499... and round to 0.00.
        let table =
            RateTable::new([rate("2024-06-28", "USD", dec!(3)), rate("2024-06-28", "GBP", dec!(0.015))]).unwrap();
        let conversion = table
            .convert(money("1.00", Currency::USD), Currency::GBP, day("2024-06-28"), Fallback::Previous, COMMERCIAL)
            .unwrap();
        assert_eq!(conversion.amount, money("0.01", Currency::GBP));
        assert_eq!(conversion.rate, dec!(0.005));
    }

    #[test]
    fn cross_rates_use_the_nearest_day_both_currencies_share() {
        // GBP is missing on 2024-06-28 (and USD on 06-26), so neither
        // currency's latest publication alone is usable.
        let table = RateTable::new([
            rate("2024-06-28", "USD", dec!(1.0705)),
            rate("2024-06-27", "USD", dec!(1.0696)),
            rate("2024-06-27", "GBP", dec!(0.84628)),
            rate("2024-06-26", "GBP", dec!(0.84543)),
        ])
        .unwrap();
        let amount = money("100.00", Currency::USD);
        for (asked, fallback) in [("2024-06-28", Fallback::Previous), ("2024-06-26", Fallback::Next)] {
            let conversion = table.convert(amount, Currency::GBP, day(asked), fallback, COMMERCIAL).unwrap();
            assert_eq!(conversion.rate_date, day("2024-06-27"), "{asked} {fallback:?}");
            // 100 × 0.84628 / 1.0696 = 79.121...
            assert_eq!(conversion.amount, money("79.12", Currency::GBP));
        }
    }

    #[test]
    fn cross_rate_without_a_common_day_is_an_error() {
        let table = RateTable::new([rate("2024-06-28", "USD", dec!(1.0705)), rate("2024-06-27", "GBP", dec!(0.84628))])
            .unwrap();
        let error = table
            .convert(money("1.00", Currency::USD), Currency::GBP, day("2024-06-28"), Fallback::Previous, COMMERCIAL)
            .unwrap_err();
        assert_eq!(error, FxError::NoCommonRate { from: Currency::USD, to: Currency::GBP, date: day("2024-06-28") });
        // Each side missing entirely names that currency.
        let to_chf = table.convert(
            money("1.00", Currency::USD),
            Currency::CHF,
            day("2024-06-28"),
            Fallback::Previous,
            COMMERCIAL,
        );
        assert_eq!(to_chf, Err(FxError::NoRate { currency: Currency::CHF, date: day("2024-06-28") }));
        let from_chf = table.convert(
            money("1.00", Currency::CHF),
            Currency::USD,
            day("2024-06-28"),
            Fallback::Previous,
            COMMERCIAL,
        );
        assert_eq!(from_chf, Err(FxError::NoRate { currency: Currency::CHF, date: day("2024-06-28") }));
        let from_eur = table.convert(
            money("1.00", Currency::EUR),
            Currency::CHF,
            day("2024-06-28"),
            Fallback::Previous,
            COMMERCIAL,
        );
        assert_eq!(from_eur, Err(FxError::NoRate { currency: Currency::CHF, date: day("2024-06-28") }));
    }

    #[test]
    fn same_currency_is_identity_without_rates() {
        let amount = money("12.34", Currency::CHF);
        let conversion =
            RateTable::default().convert(amount, Currency::CHF, day("2024-12-25"), Fallback::Next, COMMERCIAL).unwrap();
        assert_eq!(
            conversion,
            Conversion {
                amount,
                rate: Decimal::ONE,
                rate_date: day("2024-12-25"),
                source: SOURCE_ECB,
                from_per_eur: Decimal::ONE,
                to_per_eur: Decimal::ONE
            }
        );
    }

    #[test]
    fn conversion_overflow_is_an_error() {
        let table =
            RateTable::new([rate("2024-06-28", "USD", dec!(1.0705)), rate("2024-06-28", "IDR", dec!(17487.21))])
                .unwrap();
        let huge = Money::from_minor(i64::MAX, Currency::USD);
        let result = table.convert(huge, cur("IDR"), day("2024-06-28"), Fallback::Previous, COMMERCIAL);
        assert_eq!(result, Err(FxError::Money(MoneyError::Overflow)));
        // The other way round the magnitude shrinks and fits.
        let back = table.convert(
            Money::from_minor(i64::MAX, cur("IDR")),
            Currency::USD,
            day("2024-06-28"),
            Fallback::Previous,
            COMMERCIAL,
        );
        assert!(back.is_ok());
    }

    // ---- Art. 230 ----

    #[test]
    fn vat_in_national_currency_uses_the_previous_publication() {
        let table = csv_table();
        // A German seller invoicing in USD; supply on Saturday 2024-12-28:
        // Friday's 1.0427 applies. 19.00 / 1.0427 = 18.2219... -> 18.22 EUR.
        let vat = money("19.00", Currency::USD);
        let german = vat_in_national_currency(vat, Currency::EUR, day("2024-12-28"), &table, COMMERCIAL).unwrap();
        assert_eq!(german.amount, money("18.22", Currency::EUR));
        assert_eq!(german.rate_date, day("2024-12-27"));
        // A Danish seller, supply on Christmas Day: 24 December's rates, via
        // the euro. 19.00 / 1.0402 × 7.4573 = 136.2129... -> 136.21 DKK.
        let danish = vat_in_national_currency(vat, cur("DKK"), day("2024-12-25"), &table, COMMERCIAL).unwrap();
        assert_eq!(danish.amount, money("136.21", cur("DKK")));
        assert_eq!(danish.rate_date, day("2024-12-24"));
        // Invoice already in the national currency: unchanged.
        let eur_vat = money("19.00", Currency::EUR);
        let same = vat_in_national_currency(eur_vat, Currency::EUR, day("2024-12-25"), &table, COMMERCIAL).unwrap();
        assert_eq!(same.amount, eur_vat);
    }

    #[test]
    fn the_vat_statement_takes_the_previous_publication_up_to_seven_days_back_and_never_an_older_one() {
        // Only Thursday 2026-04-02 (before Good Friday) is published; the ECB is closed on Good
        // Friday and Easter Monday, so Thursday's rate still applies on Tuesday's eve.
        let table = RateTable::new([rate("2026-04-02", "JPY", dec!(163.03))]).unwrap();
        let vat = Money::from_minor(1900, cur("JPY"));
        let monday = vat_in_national_currency(vat, Currency::EUR, day("2026-04-06"), &table, COMMERCIAL).unwrap();
        assert_eq!(
            (monday.rate_date, monday.from_per_eur, monday.to_per_eur),
            (day("2026-04-02"), dec!(163.03), dec!(1))
        );
        // 1900 JPY / 163.03 = 11.654... EUR -> 11.65.
        assert_eq!(monday.amount, Money::from_minor(1165, Currency::EUR));
        let last = vat_in_national_currency(vat, Currency::EUR, day("2026-04-09"), &table, COMMERCIAL).unwrap();
        assert_eq!(last.rate_date, day("2026-04-02"), "seven days after the publication");
        // Eight days on, the general lookup (ten days) would still find it; the statement may not.
        assert!(table.rate_on(cur("JPY"), day("2026-04-10"), Fallback::Previous).is_ok());
        assert_eq!(
            vat_in_national_currency(vat, Currency::EUR, day("2026-04-10"), &table, COMMERCIAL),
            Err(FxError::RateTooOld { currency: cur("JPY"), date: day("2026-04-10"), published: day("2026-04-02") })
        );
        // A later publication is never used for an earlier day.
        assert!(matches!(
            vat_in_national_currency(vat, Currency::EUR, day("2026-04-01"), &table, COMMERCIAL),
            Err(FxError::NoRate { .. })
        ));
    }

    #[test]
    fn ecb_rate_serializes_rate_as_string() {
        let value = rate("2024-06-28", "GBP", dec!(0.84638));
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, r#"{"date":"2024-06-28","currency":"GBP","per_eur":"0.84638"}"#);
        assert_eq!(serde_json::from_str::<EcbRate>(&json).unwrap(), value);
        assert_eq!(serde_json::to_string(&Fallback::Next).unwrap(), r#""next""#);
    }

    // ---- properties ----

    fn any_currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(Currency::all().collect::<Vec<_>>())
    }

    fn any_fallback() -> impl Strategy<Value = Fallback> {
        prop_oneof![Just(Fallback::Previous), Just(Fallback::Next)]
    }

    fn any_mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::TowardZero),
            Just(RoundingMode::AwayFromZero),
        ]
    }

    /// Two distinct currencies with different exponents (0, 2, 3 and 4).
    fn currency_pair() -> impl Strategy<Value = (Currency, Currency)> {
        let pool = vec![Currency::EUR, Currency::USD, Currency::JPY, cur("KWD"), cur("CLF"), Currency::GBP];
        (proptest::sample::select(pool.clone()), proptest::sample::select(pool))
            .prop_filter("distinct", |(a, b)| a != b)
    }

    /// ECB-like rates: 4 to 6 significant digits, 0.1 to 9999.99.
    fn ecb_like_rate() -> impl Strategy<Value = Decimal> {
        (1_000_i64..=999_999, 2_u32..=4).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
    }

    fn base_day() -> NaiveDate {
        day("2024-01-01")
    }

    fn offset(days: u64) -> NaiveDate {
        base_day().checked_add_days(Days::new(days)).unwrap()
    }

    /// A table with one day of rates for both currencies (EUR stays 1).
    fn pair_table(from: Currency, to: Currency, from_rate: Decimal, to_rate: Decimal) -> RateTable {
        let date = base_day();
        let entry = |currency: Currency, per_eur: Decimal| EcbRate {
            date,
            currency,
            per_eur: if currency == Currency::EUR { Decimal::ONE } else { per_eur },
        };
        RateTable::new([entry(from, from_rate), entry(to, to_rate)]).unwrap()
    }

    proptest! {
        #[test]
        fn converting_to_the_same_currency_is_identity(
            minor in any::<i64>(),
            currency in any_currency(),
            days in 0_u64..40,
            fallback in any_fallback(),
            mode in any_mode(),
        ) {
            let amount = Money::from_minor(minor, currency);
            let date = day("2024-12-15").checked_add_days(Days::new(days)).unwrap();
            let conversion = csv_table().convert(amount, currency, date, fallback, RoundingPolicy::new(mode)).unwrap();
            prop_assert_eq!(conversion.amount, amount);
            prop_assert_eq!(conversion.rate, Decimal::ONE);
        }

        #[test]
        fn conversion_never_changes_the_sign(
            minor in -1_000_000_000_000_i64..=1_000_000_000_000,
            (from, to) in currency_pair(),
            from_rate in ecb_like_rate(),
            to_rate in ecb_like_rate(),
            mode in any_mode(),
        ) {
            let table = pair_table(from, to, from_rate, to_rate);
            let amount = Money::from_minor(minor, from);
            let converted = match table.convert(amount, to, base_day(), Fallback::Previous, RoundingPolicy::new(mode)) {
                Ok(conversion) => conversion.amount,
                // Large amounts into a currency with more units or decimals
                // may not fit an i64; that must be an error, never a wrap.
                Err(error) => {
                    prop_assert_eq!(error, FxError::Money(MoneyError::Overflow));
                    return Ok(());
                }
            };
            prop_assert_eq!(converted.currency(), to);
            prop_assert!(!(amount.is_positive() && converted.is_negative()), "{} -> {}", amount, converted);
            prop_assert!(!(amount.is_negative() && converted.is_positive()), "{} -> {}", amount, converted);
            if amount.is_zero() {
                prop_assert!(converted.is_zero());
            }
        }

        #[test]
        fn conversion_matches_decimal_arithmetic(
            minor in -100_000_i64..=100_000,
            (from, to) in currency_pair(),
            from_rate in ecb_like_rate(),
            to_rate in ecb_like_rate(),
            mode in any_mode(),
        ) {
            // In this range the Decimal quotient is precise enough (error
            // below 1e-18, nearest non-tie at least 5e-17 from a tie) to
            // serve as a reference for the exact integer computation.
            let table = pair_table(from, to, from_rate, to_rate);
            let amount = Money::from_minor(minor, from);
            let policy = RoundingPolicy::new(mode);
            let reference_rate = if from == Currency::EUR { Decimal::ONE } else { from_rate };
            let target_rate = if to == Currency::EUR { Decimal::ONE } else { to_rate };
            let reference = amount.to_decimal() * target_rate / reference_rate;
            let expected = Money::from_decimal(reference, to, policy).unwrap();
            let converted = table.convert(amount, to, base_day(), Fallback::Next, policy).unwrap();
            prop_assert_eq!(converted.amount, expected);
        }

        #[test]
        fn lookups_stay_on_their_side_of_the_asked_date(
            published in proptest::collection::btree_set(0_u64..60, 0..20),
            asked in 0_u64..70,
            fallback in any_fallback(),
        ) {
            let table = RateTable::new(
                published.iter().map(|&d| EcbRate { date: offset(d), currency: Currency::USD, per_eur: dec!(1.0705) }),
            )
            .unwrap();
            let asked_date = offset(asked);
            // The nearest publication in the fallback direction, if within reach.
            let expected = match fallback {
                Fallback::Previous => published.range(..=asked).next_back().filter(|&&d| asked - d <= MAX_FALLBACK_DAYS),
                Fallback::Next => published.range(asked..).next().filter(|&&d| d - asked <= MAX_FALLBACK_DAYS),
            };
            match table.rate_on(Currency::USD, asked_date, fallback) {
                Ok((used, _)) => {
                    match fallback {
                        Fallback::Previous => prop_assert!(used <= asked_date, "{} after {}", used, asked_date),
                        Fallback::Next => prop_assert!(used >= asked_date, "{} before {}", used, asked_date),
                    }
                    prop_assert_eq!(Some(used), expected.map(|&d| offset(d)));
                }
                Err(error) => {
                    prop_assert_eq!(error, FxError::NoRate { currency: Currency::USD, date: asked_date });
                    prop_assert_eq!(expected, None);
                }
            }
        }
    }
}
