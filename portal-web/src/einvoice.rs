//! E-invoice delivery: one document's file in a chosen format, the attachment the invoice mail
//! carries per the customer's preference, and the ZIP export of a period (API and CLI).

use billing_core::einvoice::Format;
use billing_core::ids::{InvoiceId, TenantId};
use billing_core::service::einvoices;
use chrono::{Datelike, NaiveDate};
use sqlx::PgConnection;

/// A delivered e-invoice file.
#[derive(Debug, Clone)]
pub struct EInvoiceFile {
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The e-invoice of one finalized document in `format`: XRechnung XML, or the ZUGFeRD hybrid
/// PDF (in `lang`, else the customer's language).
pub async fn file(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    format: Format,
    lang: Option<crate::i18n::Locale>,
) -> billing_core::Result<EInvoiceFile> {
    match format {
        Format::Zugferd => {
            let doc = crate::pdf::render_zugferd(conn, tenant, id, lang).await?;
            Ok(EInvoiceFile { file_name: doc.file_name, media_type: format.media_type(), bytes: doc.bytes })
        }
        Format::XrechnungCii | Format::XrechnungUbl => {
            let xml = einvoices::xml(conn, tenant, id, format).await?;
            let suffix = if format == Format::XrechnungUbl { "ubl" } else { "cii" };
            Ok(EInvoiceFile {
                file_name: format!("{}-xrechnung-{suffix}.xml", einvoices::file_stem(&xml.number)),
                media_type: format.media_type(),
                bytes: xml.xml.into_bytes(),
            })
        }
    }
}

/// The e-invoice attachment for the invoice mail, per the customer's preference: `None` for a
/// customer who gets the plain PDF. The mail renderer calls this when it renders an
/// `invoice.finalized` message; an error (data missing for the chosen format) should hold the
/// mail back and be shown to finance, not be sent without the e-invoice the customer asked for.
pub async fn einvoice_attachment_for_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
) -> billing_core::Result<Option<EInvoiceFile>> {
    match einvoices::preferred_format(conn, tenant, id).await? {
        None => Ok(None),
        Some(format) => Ok(Some(file(conn, tenant, id, format, None).await?)),
    }
}

/// A period's e-invoices as one ZIP.
#[derive(Debug)]
pub struct Export {
    pub zip: Vec<u8>,
    pub files: usize,
    /// Documents no e-invoice could be made for: (number, why). Listed in `manifest.csv` too.
    pub skipped: Vec<(String, String)>,
}

/// Every document issued in `from..=to` in `format`, plus a `manifest.csv` naming each
/// document's file or why it has none (a partial export never looks complete).
pub async fn export(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    format: Format,
) -> billing_core::Result<Export> {
    let ids = einvoices::issued_between(conn, tenant, from, to).await?;
    let mut zip = Zip::default();
    let mut manifest = String::from("number,issue_date,file,status\n");
    let mut skipped = Vec::new();
    for id in ids {
        let inv = billing_core::service::invoices::get(conn, tenant, id).await?;
        let number = inv.number.clone().unwrap_or_default();
        let issued = inv.issue_date.unwrap_or(from);
        match file(conn, tenant, id, format, None).await {
            Ok(f) => {
                manifest.push_str(&format!("{},{issued},{},ok\n", csv(&number), csv(&f.file_name)));
                zip.add(&f.file_name, issued, &f.bytes)?;
            }
            Err(billing_core::Error::EInvoice(e)) => {
                manifest.push_str(&format!("{},{issued},,{}\n", csv(&number), csv(&e.to_string())));
                skipped.push((number, e.to_string()));
            }
            Err(e) => return Err(e),
        }
    }
    let files = zip.entries.len();
    zip.add("manifest.csv", to, manifest.as_bytes())?;
    Ok(Export { zip: zip.finish()?, files, skipped })
}

fn csv(v: &str) -> String {
    if v.contains([',', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_string() }
}

/// A minimal ZIP writer (stored entries, no compression: the XML is small and the PDFs are
/// compressed already), enough for an export and without another dependency.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    /// (name, crc, size, offset, dos date)
    entries: Vec<(String, u32, u32, u32, u16)>,
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, b| CRC_TABLE[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8))
}

fn too_large() -> billing_core::Error {
    billing_core::Error::invalid("to", "the export is too large for one ZIP file; export a shorter period")
}

impl Zip {
    fn add(&mut self, name: &str, date: NaiveDate, data: &[u8]) -> billing_core::Result<()> {
        let crc = crc32(data);
        let size = u32::try_from(data.len()).map_err(|_| too_large())?;
        let offset = u32::try_from(self.out.len()).map_err(|_| too_large())?;
        let year = u16::try_from(date.year().clamp(1980, 2107) - 1980).unwrap_or(0);
        let dos_date = (year << 9) | ((date.month() as u16) << 5) | date.day() as u16;
        let o = &mut self.out;
        o.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        // version 2.0, flag bit 11 (UTF-8 names), stored, time 00:00, date.
        for v in [20u16, 0x0800, 0, 0, dos_date] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        o.extend_from_slice(&(name.len() as u16).to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        o.extend_from_slice(name.as_bytes());
        o.extend_from_slice(data);
        self.entries.push((name.to_string(), crc, size, offset, dos_date));
        Ok(())
    }

    fn finish(mut self) -> billing_core::Result<Vec<u8>> {
        let count = u16::try_from(self.entries.len()).map_err(|_| too_large())?;
        let start = u32::try_from(self.out.len()).map_err(|_| too_large())?;
        for (name, crc, size, offset, date) in &self.entries {
            let o = &mut self.out;
            o.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            for v in [20u16, 20, 0x0800, 0, 0, *date] {
                o.extend_from_slice(&v.to_le_bytes());
            }
            for v in [*crc, *size, *size] {
                o.extend_from_slice(&v.to_le_bytes());
            }
            for v in [name.len() as u16, 0, 0, 0, 0] {
                o.extend_from_slice(&v.to_le_bytes());
            }
            o.extend_from_slice(&0u32.to_le_bytes());
            o.extend_from_slice(&offset.to_le_bytes());
            o.extend_from_slice(name.as_bytes());
        }
        let size = u32::try_from(self.out.len()).map_err(|_| too_large())? - start;
        let o = &mut self.out;
        o.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        for v in [0u16, 0, count, count] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        o.extend_from_slice(&size.to_le_bytes());
        o.extend_from_slice(&start.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_zip_lists_its_entries_in_the_central_directory() {
        let mut z = Zip::default();
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        z.add("a.xml", day, b"<a/>").unwrap();
        z.add("manifest.csv", day, b"number\n").unwrap();
        let bytes = z.finish().unwrap();
        assert!(bytes.starts_with(&[0x50, 0x4b, 0x03, 0x04]));
        let eocd = &bytes[bytes.len() - 22..];
        assert_eq!(&eocd[..4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 2);
    }
}
