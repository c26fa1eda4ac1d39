//! The DATEV Buchungsstapel (EXTF, format version 700, category 21, version 13), the pure part:
//! which revenue account a VAT case books to, and the file itself (docs/metrics.md, "DATEV";
//! the format as `shared/reference/domain.md` § 10.1 describes it).
//!
//! One booking per invoice or credit note and VAT group: the gross amount, `S` (debit of the
//! receivables account) for an invoice and `H` for a credit note, the revenue account as the
//! contra account. The default accounts are SKR03 automatic accounts (the VAT is derived from the
//! account), so the BU-Schlüssel stays empty. Semicolons, CRLF, decimal comma, text in double
//! quotes with inner quotes doubled, Windows-1252.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::error::{Error, Result};

/// Revenue accounts per VAT case (SKR03 defaults; confirm them with the Steuerberater).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RevenueAccounts {
    /// Domestic standard rate (19 %): 8400.
    pub domestic_standard: String,
    /// Domestic reduced rate (7 %): 8300.
    pub domestic_reduced: String,
    /// VAT of another EU member state charged under the OSS: 8320 (not in the reference).
    pub oss: String,
    /// Services taxable in another EU member state, reverse charge: 8336.
    pub reverse_charge: String,
    /// Domestic reverse charge (§ 13b UStG): 8337.
    pub section_13b: String,
    /// Services taxable in a third country, outside the scope, zero rated: 8338.
    pub third_country: String,
    /// Exempt supplies of a Kleinunternehmer (§ 19 UStG): 8195.
    pub small_business: String,
}

impl Default for RevenueAccounts {
    fn default() -> Self {
        Self {
            domestic_standard: "8400".into(),
            domestic_reduced: "8300".into(),
            oss: "8320".into(),
            reverse_charge: "8336".into(),
            section_13b: "8337".into(),
            third_country: "8338".into(),
            small_business: "8195".into(),
        }
    }
}

impl RevenueAccounts {
    /// The SKR04 counterparts of the SKR03 defaults (confirm them with the Steuerberater).
    pub fn skr04() -> Self {
        Self {
            domestic_standard: "4400".into(),
            domestic_reduced: "4300".into(),
            oss: "4320".into(),
            reverse_charge: "4336".into(),
            section_13b: "4337".into(),
            third_country: "4338".into(),
            small_business: "4185".into(),
        }
    }
}

/// The Standardkontenrahmen the accounts belong to (header field 27, `"03"` or `"04"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Skr {
    /// SKR03 (process-oriented; the default).
    #[default]
    #[serde(rename = "03")]
    Skr03,
    /// SKR04 (balance-sheet-oriented).
    #[serde(rename = "04")]
    Skr04,
}

impl Skr {
    pub const ALL: [Skr; 2] = [Skr::Skr03, Skr::Skr04];

    /// `03` or `04`, as the header and the API write it.
    pub fn code(self) -> &'static str {
        match self {
            Skr::Skr03 => "03",
            Skr::Skr04 => "04",
        }
    }

    /// `03`/`04`, also written `SKR03`, `skr 04` or `3`/`4`.
    pub fn parse(text: &str) -> Result<Skr> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        match t.strip_prefix("SKR").unwrap_or(&t) {
            "03" | "3" => Ok(Skr::Skr03),
            "04" | "4" => Ok(Skr::Skr04),
            _ => Err(Error::invalid("skr", "must be 03 or 04")),
        }
    }

    /// The receivables account of the chart (SKR03 1400, SKR04 1200).
    pub fn receivables_account(self) -> &'static str {
        match self {
            Skr::Skr03 => "1400",
            Skr::Skr04 => "1200",
        }
    }

    /// The chart's default revenue accounts.
    pub fn revenue_accounts(self) -> RevenueAccounts {
        match self {
            Skr::Skr03 => RevenueAccounts::default(),
            Skr::Skr04 => RevenueAccounts::skr04(),
        }
    }
}

/// A tenant's DATEV settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatevSettings {
    /// Beraternummer (1001–9999999).
    pub consultant_number: u32,
    /// Mandantennummer (1–99999).
    pub client_number: u32,
    /// The month the fiscal year starts in (1 = January).
    pub fiscal_year_start_month: u32,
    /// Sachkontenlänge (4–8).
    pub account_length: u32,
    /// Receivables (Forderungen aus Lieferungen und Leistungen): 1400.
    pub receivables_account: String,
    pub revenue_accounts: RevenueAccounts,
    /// The chart of accounts (header field 27).
    #[serde(default)]
    pub skr: Skr,
}

impl Default for DatevSettings {
    fn default() -> Self {
        Self::for_skr(Skr::Skr03)
    }
}

/// An account number of digits only, `min` to `max` long.
fn check_account(field: &'static str, account: &str, min: u32, max: u32) -> Result<()> {
    let n = account.len();
    let ok = n >= min as usize && n <= max as usize && account.bytes().all(|b| b.is_ascii_digit());
    match ok {
        true => Ok(()),
        false if min == max => Err(Error::invalid(field, format!("must be an account number of {min} digits"))),
        false => Err(Error::invalid(field, format!("must be an account number of {min} to {max} digits"))),
    }
}

impl DatevSettings {
    /// The defaults of a chart: numbers 1001/1, January, four-digit accounts, its standard accounts.
    pub fn for_skr(skr: Skr) -> Self {
        Self {
            consultant_number: 1001,
            client_number: 1,
            fiscal_year_start_month: 1,
            account_length: 4,
            receivables_account: skr.receivables_account().into(),
            revenue_accounts: skr.revenue_accounts(),
            skr,
        }
    }

    /// DATEV's rules: Beraternummer 1001–9999999, Mandantennummer 1–99999, a fiscal year starting
    /// in month 1–12, a Sachkontenlänge of 4–8; a revenue account is a Sachkonto of exactly that
    /// length; the receivables account a Sachkonto or a Personenkonto (one digit longer).
    pub fn validate(&self) -> Result<()> {
        if !(1001..=9_999_999).contains(&self.consultant_number) {
            return Err(Error::invalid("consultant_number", "must be between 1001 and 9999999"));
        }
        if !(1..=99_999).contains(&self.client_number) {
            return Err(Error::invalid("client_number", "must be between 1 and 99999"));
        }
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            return Err(Error::invalid("fiscal_year_start_month", "must be between 1 and 12"));
        }
        if !(4..=8).contains(&self.account_length) {
            return Err(Error::invalid("account_length", "must be between 4 and 8"));
        }
        let n = self.account_length;
        check_account("receivables_account", &self.receivables_account, n, n + 1)?;
        let r = &self.revenue_accounts;
        for a in [
            &r.domestic_standard,
            &r.domestic_reduced,
            &r.oss,
            &r.reverse_charge,
            &r.section_13b,
            &r.third_country,
            &r.small_business,
        ] {
            check_account("revenue_accounts", a, n, n)?;
        }
        Ok(())
    }

    /// The first day of the fiscal year `day` lies in.
    pub fn fiscal_year_start(&self, day: NaiveDate) -> NaiveDate {
        let m = self.fiscal_year_start_month.clamp(1, 12);
        let year = if day.month() >= m { day.year() } else { day.year() - 1 };
        NaiveDate::from_ymd_opt(year, m, 1).unwrap_or(day)
    }
}

/// The VAT case of one group of a document, as the revenue account sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatCase {
    DomesticStandard,
    DomesticReduced,
    Oss,
    ReverseCharge,
    Section13b,
    ThirdCountry,
    SmallBusiness,
}

impl VatCase {
    /// From a tax group: its category code (`S`, `AE`, ...), rate in percent, the country whose
    /// VAT it is, the seller's and the buyer's country.
    pub fn of(category: &str, rate: Decimal, vat_country: Option<&str>, seller: &str, buyer: &str) -> VatCase {
        match category {
            "S" if vat_country.is_some_and(|c| c != seller) => VatCase::Oss,
            "S" if rate == Decimal::from(7) => VatCase::DomesticReduced,
            "S" => VatCase::DomesticStandard,
            "AE" if buyer == seller => VatCase::Section13b,
            "AE" | "K" => VatCase::ReverseCharge,
            "E" => VatCase::SmallBusiness,
            _ => VatCase::ThirdCountry,
        }
    }

    pub fn account(self, a: &RevenueAccounts) -> &str {
        match self {
            VatCase::DomesticStandard => &a.domestic_standard,
            VatCase::DomesticReduced => &a.domestic_reduced,
            VatCase::Oss => &a.oss,
            VatCase::ReverseCharge => &a.reverse_charge,
            VatCase::Section13b => &a.section_13b,
            VatCase::ThirdCountry => &a.third_country,
            VatCase::SmallBusiness => &a.small_business,
        }
    }
}

/// One booking line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Gross amount in minor units of `currency`: positive for an invoice, negative for a
    /// credit note.
    pub amount_minor: i64,
    pub currency: Currency,
    /// For another currency than EUR: units per EUR and the amount in EUR cents.
    pub rate_per_eur: Option<Decimal>,
    pub base_eur_minor: Option<i64>,
    pub account: String,
    pub contra_account: String,
    pub date: NaiveDate,
    pub number: String,
    pub text: String,
    /// `EU-Land u. USt-IdNr.`: the buyer's VAT id (reverse charge) or the country (OSS).
    pub eu_id: String,
    /// `EU-Steuersatz` for OSS bookings.
    pub eu_rate: Option<Decimal>,
}

/// The column line: the first 27 columns of version 13, in DATEV's order; every booking line
/// has exactly these fields.
pub const COLUMNS: [&str; 27] = [
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    "Beleginfo - Art 1",
    "Beleginfo - Inhalt 1",
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenträger",
    "KOST-Menge",
    "EU-Land u. USt-IdNr.",
    "EU-Steuersatz",
];

/// A text field: in double quotes, inner quotes doubled, line breaks and semicolons flattened,
/// at most `max` characters.
pub fn text(s: &str, max: usize) -> String {
    let clean: String =
        s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect::<String>().replace('"', "\"\"");
    format!("\"{clean}\"")
}

/// Belegfeld 1: at most 36 characters of `A–Z 0–9 $ & % * + - /` (upper-cased, others dropped).
pub fn document_field(number: &str) -> String {
    number
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "$&%*+-/".contains(*c))
        .take(36)
        .collect()
}

/// Minor units with a decimal comma and no grouping (`11900` EUR -> `119,00`).
pub fn amount(minor: i64, exponent: u32) -> String {
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return abs.to_string();
    }
    let scale = 10u64.pow(exponent);
    format!("{}{}{:0width$}", abs / scale, ',', abs % scale, width = exponent as usize)
}

fn decimal_comma(d: Decimal) -> String {
    d.normalize().to_string().replace('.', ",")
}

/// The header line's 31 fields.
pub fn header(s: &DatevSettings, created: NaiveDateTime, from: NaiveDate, to: NaiveDate, title: &str) -> String {
    let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let fields: [String; 31] = [
        "\"EXTF\"".into(),
        "700".into(),
        "21".into(),
        "\"Buchungsstapel\"".into(),
        "13".into(),
        created.format("%Y%m%d%H%M%S%3f").to_string(),
        String::new(),
        "\"BL\"".into(),
        "\"\"".into(),
        "\"\"".into(),
        s.consultant_number.to_string(),
        s.client_number.to_string(),
        ymd(s.fiscal_year_start(from)),
        s.account_length.to_string(),
        ymd(from),
        ymd(to),
        text(title, 30),
        "\"\"".into(),
        "1".into(),
        String::new(),
        "0".into(),
        "\"EUR\"".into(),
        String::new(),
        "\"\"".into(),
        String::new(),
        String::new(),
        text(s.skr.code(), 2),
        String::new(),
        String::new(),
        "\"\"".into(),
        "\"\"".into(),
    ];
    fields.join(";")
}

/// One booking line with the fields of [`COLUMNS`].
pub fn line(b: &Booking) -> String {
    let foreign = b.currency != Currency::EUR;
    let mut f: Vec<String> = vec![String::new(); COLUMNS.len()];
    f[0] = amount(b.amount_minor, b.currency.exponent());
    f[1] = if b.amount_minor >= 0 { "\"S\"" } else { "\"H\"" }.into();
    f[2] = text(b.currency.code(), 3);
    if foreign {
        f[3] = b.rate_per_eur.map(decimal_comma).unwrap_or_default();
        f[4] = b.base_eur_minor.map(|m| amount(m, 2)).unwrap_or_default();
        f[5] = if b.base_eur_minor.is_some() { "\"EUR\"".into() } else { "\"\"".into() };
    } else {
        f[5] = "\"\"".into();
    }
    f[6] = b.account.clone();
    f[7] = b.contra_account.clone();
    f[8] = "\"\"".into();
    f[9] = b.date.format("%d%m").to_string();
    f[10] = text(&document_field(&b.number), 36);
    f[11] = "\"\"".into();
    f[13] = text(&b.text, 60);
    f[25] = text(&b.eu_id, 15);
    f[26] = b.eu_rate.map(|r| format!("{:.2}", r.round_dp(2)).replace('.', ",")).unwrap_or_default();
    f.join(";")
}

/// The whole file as text (CRLF line ends, a CRLF after the last line).
pub fn file(
    s: &DatevSettings,
    created: NaiveDateTime,
    from: NaiveDate,
    to: NaiveDate,
    title: &str,
    bookings: &[Booking],
) -> String {
    let mut out = header(s, created, from, to, title);
    out.push_str("\r\n");
    out.push_str(&COLUMNS.iter().map(|c| text(c, 60)).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
    for b in bookings {
        out.push_str(&line(b));
        out.push_str("\r\n");
    }
    out
}

/// Windows-1252 bytes of `s`; a character the code page lacks becomes `?`.
pub fn windows_1252(s: &str) -> Vec<u8> {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    s.chars()
        .map(|c| {
            let u = c as u32;
            if u < 0x80 || (0xA0..=0xFF).contains(&u) {
                u as u8
            } else {
                HIGH.iter().find(|(h, _)| *h == c).map(|(_, b)| *b).unwrap_or(b'?')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_a_decimal_comma_without_grouping() {
        assert_eq!(amount(11900, 2), "119,00");
        assert_eq!(amount(-123456789, 2), "1234567,89");
        assert_eq!(amount(5, 2), "0,05");
        assert_eq!(amount(1500, 0), "1500");
    }

    #[test]
    fn document_numbers_keep_only_datevs_characters() {
        assert_eq!(document_field("inv-2026_000001"), "INV-2026000001");
        assert_eq!(document_field(&"9".repeat(40)).len(), 36);
    }

    #[test]
    fn text_is_quoted_with_inner_quotes_doubled() {
        assert_eq!(text("Müller \"GmbH\"", 60), "\"Müller \"\"GmbH\"\"\"");
        assert_eq!(windows_1252("Müller €"), vec![b'M', 0xFC, b'l', b'l', b'e', b'r', b' ', 0x80]);
        assert_eq!(windows_1252("日"), vec![b'?']);
    }

    #[test]
    fn the_header_has_31_fields() {
        let created = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap().and_hms_milli_opt(12, 0, 0, 5).unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let h = header(&DatevSettings::default(), created, d(3, 1), d(3, 31), "Rechnungen");
        assert_eq!(h.split(';').count(), 31);
        assert!(h.starts_with("\"EXTF\";700;21;\"Buchungsstapel\";13;20260401120000005;"), "{h}");
    }

    #[test]
    fn settings_follow_datevs_number_and_account_rules() {
        let ok = DatevSettings { consultant_number: 29098, client_number: 55003, ..DatevSettings::default() };
        assert!(ok.validate().is_ok());
        let param = |s: DatevSettings| match s.validate() {
            Err(Error::InvalidField { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(param(DatevSettings { consultant_number: 1000, ..ok.clone() }), "consultant_number");
        assert_eq!(param(DatevSettings { client_number: 100_000, ..ok.clone() }), "client_number");
        assert_eq!(param(DatevSettings { account_length: 9, ..ok.clone() }), "account_length");
        // A revenue account is a Sachkonto: exactly the Sachkontenlänge.
        let mut five = ok.clone();
        five.revenue_accounts.domestic_standard = "84000".into();
        assert_eq!(param(five), "revenue_accounts");
        // The receivables account may be a Personenkonto, one digit longer, but no longer.
        assert!(DatevSettings { receivables_account: "10000".into(), ..ok.clone() }.validate().is_ok());
        assert_eq!(param(DatevSettings { receivables_account: "100000".into(), ..ok.clone() }), "receivables_account");
        assert_eq!(param(DatevSettings { receivables_account: "14O0".into(), ..ok.clone() }), "receivables_account");
        // Eight-digit accounts with an eight-digit Sachkontenlänge.
        let mut long = DatevSettings { account_length: 8, receivables_account: "14000000".into(), ..ok.clone() };
        assert_eq!(param(long.clone()), "revenue_accounts");
        long.revenue_accounts = RevenueAccounts {
            domestic_standard: "84000000".into(),
            domestic_reduced: "83000000".into(),
            oss: "83200000".into(),
            reverse_charge: "83360000".into(),
            section_13b: "83370000".into(),
            third_country: "83380000".into(),
            small_business: "81950000".into(),
        };
        assert!(long.validate().is_ok());
    }

    #[test]
    fn the_chart_of_accounts_gives_the_defaults_and_header_field_27() {
        assert_eq!(Skr::parse("SKR 04").unwrap(), Skr::Skr04);
        assert_eq!(Skr::parse("3").unwrap(), Skr::Skr03);
        assert!(Skr::parse("05").is_err());
        let s = DatevSettings::for_skr(Skr::Skr04);
        assert_eq!((s.receivables_account.as_str(), s.revenue_accounts.domestic_standard.as_str()), ("1200", "4400"));
        assert!(s.validate().is_ok());
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let h = header(&s, day.and_hms_opt(9, 0, 0).unwrap(), day, day, "x");
        assert_eq!(h.split(';').nth(26), Some("\"04\""), "{h}");
        let h = header(&DatevSettings::default(), day.and_hms_opt(9, 0, 0).unwrap(), day, day, "x");
        assert_eq!(h.split(';').nth(26), Some("\"03\""), "{h}");
    }
}
