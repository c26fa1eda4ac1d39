//! Reports about mails we sent that come back later as mails themselves, pure: a delivery status
//! notification (DSN, RFC 3464: `multipart/report; report-type=delivery-status`) when a mail
//! bounced after the SMTP server had accepted it, and a spam complaint in the Abuse Reporting
//! Format (ARF, RFC 5965: `multipart/report; report-type=feedback-report`). Both carry the
//! original message's headers (a `message/rfc822` or `text/rfc822-headers` part), whose
//! `Message-ID` is the one our outbox gave the mail (docs/adr/0046).
//!
//! The parser reads only what it needs: the top-level `Content-Type`, the parts of the report
//! (nested multiparts too), the status fields and the returned headers. Parts in base64 are
//! decoded; anything it does not understand is ignored, never a panic.

use std::fmt;

/// The kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportType {
    /// RFC 3464 delivery status notification.
    DeliveryStatus,
    /// RFC 5965 feedback report (a complaint).
    Feedback,
}

impl ReportType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::DeliveryStatus => "delivery_status",
            ReportType::Feedback => "feedback",
        }
    }
}

/// One recipient's status in a DSN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientStatus {
    /// `Final-Recipient`, the address part (after `rfc822;`).
    pub final_recipient: Option<String>,
    /// `Original-Recipient`, the address part.
    pub original_recipient: Option<String>,
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded` (lower case).
    pub action: String,
    /// The RFC 3463 status code, e.g. `5.1.1`.
    pub status: String,
    /// `Diagnostic-Code`, as given (e.g. `smtp; 550 5.1.1 user unknown`).
    pub diagnostic: Option<String>,
}

/// A report as read from the mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailReport {
    pub report_type: ReportType,
    /// The original mail's `Message-ID`, in angle brackets.
    pub message_id: Option<String>,
    /// The original mail's recipient (`To` of the returned headers, or ARF's `Original-Rcpt-To`).
    pub original_to: Option<String>,
    /// DSN: one entry per recipient.
    pub recipients: Vec<RecipientStatus>,
    /// ARF: `Feedback-Type` (lower case), e.g. `abuse`.
    pub feedback_type: Option<String>,
}

/// Why a text is not a report we can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailReportError {
    /// Not a `multipart/report` of type `delivery-status` or `feedback-report`.
    NotAReport,
    /// A DSN without a recipient status, or an ARF report without `Feedback-Type`.
    NoStatus,
    /// The report names no `Message-ID` and no merchant was named to match it by address.
    NoMessageId,
}

impl fmt::Display for MailReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailReportError::NotAReport => write!(
                f,
                "not a delivery status notification (RFC 3464) or feedback report (RFC 5965): \
                 the mail must be multipart/report with report-type delivery-status or feedback-report"
            ),
            MailReportError::NoStatus => write!(f, "the report carries no recipient status or feedback type"),
            MailReportError::NoMessageId => {
                write!(
                    f,
                    "the report names no Message-ID of the original mail; name the merchant to match it by address"
                )
            }
        }
    }
}

impl std::error::Error for MailReportError {}

/// What a report means for the address we mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A permanent failure (`Action: failed` with a 5.x.x status): do not mail the address again.
    Bounce { detail: String },
    /// A spam complaint (`Feedback-Type: abuse`): do not mail the address again.
    Complaint { detail: String },
    /// Nothing to do (a delay, a success, a temporary failure, another feedback type).
    Ignore { detail: String },
}

impl Verdict {
    /// The suppression reason (`bounce`, `complaint`), none when ignored.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Verdict::Bounce { .. } => Some("bounce"),
            Verdict::Complaint { .. } => Some("complaint"),
            Verdict::Ignore { .. } => None,
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Verdict::Bounce { detail } | Verdict::Complaint { detail } | Verdict::Ignore { detail } => detail,
        }
    }
}

impl MailReport {
    /// What the report says about `address` (the address the mail went to): for a DSN the
    /// recipient status naming it (else the first), for ARF the feedback type.
    pub fn verdict(&self, address: &str) -> Verdict {
        let id = self.message_id.as_deref().map(|m| format!(" (Message-ID {m})")).unwrap_or_default();
        match self.report_type {
            ReportType::Feedback => {
                let kind = self.feedback_type.clone().unwrap_or_default();
                let detail = clean(&format!("feedback report: Feedback-Type {kind}{id}"));
                if kind == "abuse" { Verdict::Complaint { detail } } else { Verdict::Ignore { detail } }
            }
            ReportType::DeliveryStatus => {
                let names = |r: &&RecipientStatus| {
                    [&r.final_recipient, &r.original_recipient]
                        .into_iter()
                        .flatten()
                        .any(|a| a.eq_ignore_ascii_case(address))
                };
                let Some(r) = self.recipients.iter().find(names).or_else(|| self.recipients.first()) else {
                    return Verdict::Ignore { detail: format!("delivery status without a recipient{id}") };
                };
                let mut detail = format!("delivery status: Action {}, Status {}", r.action, r.status);
                if let Some(d) = &r.diagnostic {
                    detail.push_str(&format!(", {d}"));
                }
                if let Some(f) = r.final_recipient.as_deref().filter(|f| !f.eq_ignore_ascii_case(address)) {
                    detail.push_str(&format!(", Final-Recipient {f}"));
                }
                detail.push_str(&id);
                let detail = clean(&detail);
                if r.action == "failed" && r.status.starts_with('5') {
                    Verdict::Bounce { detail }
                } else {
                    Verdict::Ignore { detail }
                }
            }
        }
    }
}

/// Text from outside as it is kept: no control characters, at most 400 characters.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(400).collect()
}

/// Reads a report mail (the whole RFC 5322 text, headers and body).
pub fn parse(raw: &str) -> Result<MailReport, MailReportError> {
    let (headers, body) = split_message(raw);
    let ct = ContentType::parse(header(&headers, "content-type").unwrap_or_default());
    if ct.mime != "multipart/report" {
        return Err(MailReportError::NotAReport);
    }
    let report_type = match ct.param("report-type").map(|t| t.to_ascii_lowercase()).as_deref() {
        Some("delivery-status") => ReportType::DeliveryStatus,
        Some("feedback-report") => ReportType::Feedback,
        _ => return Err(MailReportError::NotAReport),
    };
    let mut report =
        MailReport { report_type, message_id: None, original_to: None, recipients: Vec::new(), feedback_type: None };
    let Some(boundary) = ct.param("boundary") else {
        return Err(MailReportError::NotAReport);
    };
    walk(body, boundary, &mut report, 0);
    match report_type {
        ReportType::DeliveryStatus if report.recipients.is_empty() => Err(MailReportError::NoStatus),
        ReportType::Feedback if report.feedback_type.is_none() => Err(MailReportError::NoStatus),
        _ => Ok(report),
    }
}

/// Reads the parts of a multipart body into `report` (nested multiparts to a small depth).
fn walk(body: &str, boundary: &str, report: &mut MailReport, depth: usize) {
    if depth > 4 {
        return;
    }
    for part in split_parts(body, boundary) {
        let (headers, content) = split_message(part);
        let ct = ContentType::parse(header(&headers, "content-type").unwrap_or("text/plain"));
        let decoded;
        let content = if header(&headers, "content-transfer-encoding").is_some_and(|e| e.eq_ignore_ascii_case("base64"))
        {
            decoded = base64_decode(content).unwrap_or_default();
            decoded.as_str()
        } else {
            content
        };
        match ct.mime.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                // Field groups: the first is about the message, each further one a recipient.
                for group in field_groups(content).into_iter().skip(1) {
                    let action = header(&group, "action").map(|a| a.to_ascii_lowercase());
                    let Some(action) = action else { continue };
                    report.recipients.push(RecipientStatus {
                        final_recipient: header(&group, "final-recipient").map(address_of),
                        original_recipient: header(&group, "original-recipient").map(address_of),
                        action,
                        status: header(&group, "status")
                            .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
                            .unwrap_or_default(),
                        diagnostic: header(&group, "diagnostic-code").map(str::to_string),
                    });
                }
            }
            "message/feedback-report" => {
                let fields = field_groups(content).into_iter().next().unwrap_or_default();
                report.feedback_type = header(&fields, "feedback-type").map(|t| t.to_ascii_lowercase());
                if let Some(to) = header(&fields, "original-rcpt-to") {
                    report.original_to.get_or_insert_with(|| address_of(to));
                }
            }
            "message/rfc822" | "text/rfc822-headers" | "message/global" | "message/global-headers" => {
                let (original, _) = split_message(content);
                if let Some(id) = header(&original, "message-id") {
                    report.message_id = normalize_message_id(id);
                }
                if let Some(to) = header(&original, "to") {
                    report.original_to = Some(address_of(to));
                }
            }
            m if m.starts_with("multipart/") => {
                if let Some(b) = ct.param("boundary") {
                    walk(content, b, report, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// `<id@host>` from a `Message-ID` value (angle brackets added when missing).
pub fn normalize_message_id(value: &str) -> Option<String> {
    let v = value.trim();
    let inner = v.strip_prefix('<').and_then(|s| s.split('>').next()).unwrap_or(v).trim();
    let fine = !inner.is_empty() && !inner.contains(|c: char| c.is_whitespace() || c.is_control());
    fine.then(|| format!("<{inner}>"))
}

/// The address in `rfc822; a@b`, `Name <a@b>` or `a@b`, lower case.
fn address_of(value: &str) -> String {
    let v = value.split_once(';').map_or(value, |(kind, rest)| if kind.contains('@') { value } else { rest });
    let v = match (v.find('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        _ => v,
    };
    v.trim().trim_matches('"').chars().filter(|c| !c.is_control()).collect::<String>().to_ascii_lowercase()
}

/// The header block (unfolded, as (lower-case name, value)) and the body after the first empty line.
fn split_message(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = match (raw.find("\r\n\r\n"), raw.find("\n\n")) {
        (Some(a), Some(b)) if b < a => (&raw[..b], &raw[b + 2..]),
        (Some(a), _) => (&raw[..a], &raw[a + 4..]),
        (None, Some(b)) => (&raw[..b], &raw[b + 2..]),
        (None, None) => (raw, ""),
    };
    (fields(head), body)
}

/// Header fields of a block, continuation lines unfolded.
fn fields(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

/// Blocks of fields separated by empty lines (a delivery-status body).
fn field_groups(body: &str) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.trim().is_empty() {
                groups.push(fields(&current));
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        groups.push(fields(&current));
    }
    groups
}

fn header<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The parts between `--boundary` lines (the preamble and epilogue dropped).
fn split_parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == delimiter || bare == format!("{delimiter}--") {
            if let Some(s) = start {
                parts.push(&body[s..offset]);
            }
            if bare.ends_with("--") && bare != delimiter {
                return parts;
            }
            start = Some(offset + line.len());
        }
        offset += line.len();
    }
    parts
}

/// A `Content-Type` value: the lower-case type and its parameters.
struct ContentType {
    mime: String,
    params: Vec<(String, String)>,
}

impl ContentType {
    fn parse(value: &str) -> Self {
        let mut pieces = split_params(value).into_iter();
        let mime = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let params = pieces
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()))
            })
            .collect();
        Self { mime, params }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Splits at `;` outside quotes.
fn split_params(value: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Standard base64 (RFC 2045: line breaks and other characters outside the alphabet skipped).
fn base64_decode(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bounce as Postfix writes it (RFC 3464), our Message-ID in the returned headers.
    pub const DSN: &str = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r
To: billing@shop.example\r
Subject: Undelivered Mail Returned to Sender\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status;\r
\tboundary=\"B1/mx.example.net\"\r
\r
This is a MIME-encapsulated message.\r
\r
--B1/mx.example.net\r
Content-Type: text/plain; charset=us-ascii\r
\r
I'm sorry to have to inform you that your message could not be delivered.\r
\r
--B1/mx.example.net\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.net\r
Arrival-Date: Mon,  2 Mar 2026 10:00:00 +0100 (CET)\r
\r
Final-Recipient: rfc822; Anna@Example.DE\r
Original-Recipient: rfc822;anna@example.de\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 <anna@example.de>: Recipient address\r
    rejected: User unknown\r
\r
--B1/mx.example.net\r
Content-Type: text/rfc822-headers\r
\r
From: Shop <billing@shop.example>\r
To: Anna <anna@example.de>\r
Subject: Invoice 2026-0001\r
Message-ID:\r
 <0190aa@shop.example>\r
\r
--B1/mx.example.net--\r
";

    #[test]
    fn a_postfix_bounce_is_a_permanent_failure_of_the_mailed_address() {
        let r = parse(DSN).unwrap();
        assert_eq!(r.report_type, ReportType::DeliveryStatus);
        assert_eq!(r.message_id.as_deref(), Some("<0190aa@shop.example>"));
        assert_eq!(r.original_to.as_deref(), Some("anna@example.de"));
        assert_eq!(r.recipients.len(), 1);
        assert_eq!(r.recipients[0].final_recipient.as_deref(), Some("anna@example.de"));
        assert_eq!(r.recipients[0].status, "5.1.1");
        let v = r.verdict("anna@example.de");
        assert_eq!(v.reason(), Some("bounce"));
        assert!(v.detail().contains("User unknown") && v.detail().contains("<0190aa@shop.example>"), "{v:?}");
    }

    #[test]
    fn a_delay_and_a_temporary_failure_change_nothing() {
        let delayed = DSN.replace("Action: failed", "Action: delayed").replace("Status: 5.1.1", "Status: 4.4.7");
        assert_eq!(parse(&delayed).unwrap().verdict("anna@example.de").reason(), None);
        let expired = DSN.replace("Status: 5.1.1", "Status: 4.4.7");
        assert_eq!(parse(&expired).unwrap().verdict("anna@example.de").reason(), None);
    }

    #[test]
    fn a_complaint_in_arf_with_lf_line_ends_and_a_base64_part() {
        // RFC 5965 § 5's example, shortened, with the feedback part in base64.
        let fields = "Feedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\nOriginal-Rcpt-To: <Jonas@Weber.example>\n";
        let encoded = encode(fields);
        let arf = format!(
            "From: <abusedesk@example.com>\nTo: <billing@shop.example>\nSubject: FW: Invoice\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=feedback-report;\n     boundary=\"part1_13d.2e68ed54_boundary\"\n\n\
             --part1_13d.2e68ed54_boundary\nContent-Type: text/plain; charset=\"US-ASCII\"\n\nThis is an email abuse report.\n\n\
             --part1_13d.2e68ed54_boundary\nContent-Type: message/feedback-report\nContent-Transfer-Encoding: base64\n\n{encoded}\n\n\
             --part1_13d.2e68ed54_boundary\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n\
             From: <billing@shop.example>\nTo: <jonas@weber.example>\nMessage-ID: <0190bb@shop.example>\n\nYour invoice\n\
             --part1_13d.2e68ed54_boundary--\n"
        );
        let r = parse(&arf).unwrap();
        assert_eq!(r.report_type, ReportType::Feedback);
        assert_eq!(r.feedback_type.as_deref(), Some("abuse"));
        assert_eq!(r.message_id.as_deref(), Some("<0190bb@shop.example>"));
        assert_eq!(r.original_to.as_deref(), Some("jonas@weber.example"));
        assert_eq!(r.verdict("jonas@weber.example").reason(), Some("complaint"));
        let not_spam = arf.replace(&encoded, &encode(&fields.replace("abuse", "not-spam")));
        assert_eq!(parse(&not_spam).unwrap().verdict("jonas@weber.example").reason(), None);
    }

    #[test]
    fn other_mails_are_refused_and_garbage_does_not_panic() {
        assert_eq!(parse("Subject: hello\n\njust a reply"), Err(MailReportError::NotAReport));
        assert_eq!(
            parse("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n"),
            Err(MailReportError::NotAReport)
        );
        let no_status = "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: text/plain\n\nsorry\n--x--\n";
        assert_eq!(parse(no_status), Err(MailReportError::NoStatus));
        for junk in [
            "",
            "\n\n\n",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\n\n--\n",
            "\u{0}\u{ffff}:",
        ] {
            let _ = parse(junk);
        }
        assert_eq!(normalize_message_id(" <a@b> "), Some("<a@b>".into()));
        assert_eq!(normalize_message_id("a@b"), Some("<a@b>".into()));
        assert_eq!(normalize_message_id("<>"), None);
        assert_eq!(normalize_message_id("<a\u{0}@b>"), None, "no NUL reaches the database");
    }

    fn encode(text: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
