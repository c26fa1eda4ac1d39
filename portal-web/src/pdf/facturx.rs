//! The ZUGFeRD 2.3 / Factur-X 1.07 hybrid: the invoice PDF written as PDF/A-3b, the CII XML
//! embedded as `factur-x.xml` (associated with the document as its "Alternative" form, as
//! ZUGFeRD asks for German invoices), and the XMP metadata the standard prescribes.
//!
//! krilla writes PDF/A-3b and the attachment, but its XMP has no way to add properties of our
//! own. Factur-X requires four `fx:` properties and their PDF/A extension schema in the XMP, so
//! the finished file gets one incremental update (ISO 32000 7.5.6, allowed by PDF/A-3) that
//! replaces the metadata stream with krilla's XMP plus those entries. Nothing else changes:
//! krilla's conformance checks ran on the whole document before.

use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::metadata::DateTime;
use krilla::{Document, SerializeSettings};

/// The Factur-X XMP namespace (Factur-X 1.07 / ZUGFeRD 2.3, § 5 "PDF/A-3 metadata").
const FX_NS: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/// What makes a PDF a hybrid e-invoice.
#[derive(Debug, Clone)]
pub struct Hybrid {
    /// The CII XML (Factur-X EN 16931 profile).
    pub xml: Vec<u8>,
    /// `factur-x.xml` (ZUGFeRD 2.x and Factur-X), or `xrechnung.xml` for an embedded XRechnung.
    pub file_name: &'static str,
    /// The fx:ConformanceLevel, `EN 16931` for the profile this engine writes.
    pub conformance_level: &'static str,
    /// The document's creation date and the attachment's modification date (PDF/A wants both).
    pub created: DateTime,
}

/// PDF 1.7 under the PDF/A-3b validator: krilla refuses to write anything that breaks it.
pub fn pdfa3b_settings() -> Result<SerializeSettings, String> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .with_version(PdfVersion::Pdf17)
        .finish()
        .map_err(|e| format!("PDF/A-3b configuration: {e:?}"))?;
    Ok(SerializeSettings { configuration, ..Default::default() })
}

/// A krilla date from a civil date (midnight UTC: the invoice's issue date).
pub fn pdf_date(d: chrono::NaiveDate) -> DateTime {
    use chrono::Datelike;
    DateTime::new(u16::try_from(d.year()).unwrap_or(2000))
        .month(u8::try_from(d.month()).unwrap_or(1))
        .day(u8::try_from(d.day()).unwrap_or(1))
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

impl Hybrid {
    /// Embeds the XML as an associated file of the document.
    pub fn attach(&self, doc: &mut Document) -> Result<(), String> {
        doc.embed_file(EmbeddedFile {
            path: self.file_name.to_string(),
            mime_type: Some(MimeType::new("text/xml").ok_or("mime type")?),
            description: Some("Factur-X/ZUGFeRD invoice (EN 16931)".to_string()),
            association_kind: AssociationKind::Alternative,
            data: self.xml.clone().into(),
            modification_date: Some(self.created),
            compress: Some(true),
            location: None,
        })
        .ok_or_else(|| format!("a file named {} is already embedded", self.file_name))
    }

    /// The finished PDF with the Factur-X XMP added by an incremental update.
    pub fn finish(&self, pdf: Vec<u8>) -> Result<Vec<u8>, String> {
        add_facturx_xmp(pdf, self.file_name, self.conformance_level)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The XMP with the Factur-X extension schema and properties added.
fn patch_xmp(xmp: &str, file_name: &str, level: &str) -> Result<String, String> {
    let prop = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    let schema = format!(
        "<rdf:li rdf:parseType=\"Resource\" xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" \
         xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\
         <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
         <pdfaSchema:namespaceURI>{FX_NS}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix>\
         <pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li>",
        prop("DocumentFileName", "The name of the embedded XML document"),
        prop("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
        prop("Version", "The actual version of the standard applying to the embedded XML document"),
        prop("ConformanceLevel", "The conformance level of the embedded XML document"),
    );
    let description = format!(
        "<rdf:Description rdf:about=\"\" xmlns:fx=\"{FX_NS}\"><fx:DocumentType>INVOICE</fx:DocumentType>\
         <fx:DocumentFileName>{file_name}</fx:DocumentFileName><fx:Version>1.0</fx:Version>\
         <fx:ConformanceLevel>{level}</fx:ConformanceLevel></rdf:Description>"
    );
    // Into krilla's own list of extension schemas when it wrote one (it does for PDF/A-3),
    // else as a list of its own; the properties as one more rdf:Description.
    let mut out = xmp.to_string();
    if let Some(at) = out.find("</pdfaExtension:schemas>").and_then(|end| out[..end].rfind("</rdf:Bag>")) {
        out.insert_str(at, &schema);
    } else {
        let own = format!(
            "<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\">\
             <pdfaExtension:schemas><rdf:Bag>{schema}</rdf:Bag></pdfaExtension:schemas></rdf:Description>"
        );
        let at = out.rfind("</rdf:RDF>").ok_or("XMP without rdf:RDF")?;
        out.insert_str(at, &own);
    }
    let at = out.rfind("</rdf:RDF>").ok_or("XMP without rdf:RDF")?;
    out.insert_str(at, &description);
    Ok(out)
}

/// Replaces the document's XMP metadata stream by an incremental update.
fn add_facturx_xmp(mut pdf: Vec<u8>, file_name: &str, level: &str) -> Result<Vec<u8>, String> {
    let err = |what: &str| format!("cannot add the Factur-X metadata: {what}");
    // The metadata stream: `N 0 obj << ... /Type /Metadata ... >> stream ... endstream`.
    // pdf-writer writes dictionaries compactly (`/Type/Metadata`) unless asked to pretty-print.
    let marker = find(&pdf, b"/Type/Metadata")
        .or_else(|| find(&pdf, b"/Type /Metadata"))
        .ok_or_else(|| err("no metadata stream"))?;
    let obj_kw = rfind(&pdf[..marker], b" 0 obj").ok_or_else(|| err("no object header"))?;
    let line_start = pdf[..obj_kw].iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let number: u32 = std::str::from_utf8(&pdf[line_start..obj_kw])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| err("unreadable object number"))?;
    let stream_kw = marker + find(&pdf[marker..], b"stream").ok_or_else(|| err("no stream"))?;
    let body_start = stream_kw + "stream".len() + usize::from(pdf.get(stream_kw + 6) == Some(&b'\r')) + 1;
    let body_end = body_start + find(&pdf[body_start..], b"endstream").ok_or_else(|| err("no endstream"))?;
    let xmp = std::str::from_utf8(&pdf[body_start..body_end]).map_err(|_| err("XMP is not UTF-8"))?;
    let xmp = patch_xmp(xmp.trim_end_matches(['\r', '\n']), file_name, level)?;
    // The last trailer (Size, Root, Info, ID) and where the last cross-reference section starts.
    let trailer_kw = rfind(&pdf, b"trailer").ok_or_else(|| err("no trailer"))?;
    let startxref_kw = rfind(&pdf, b"startxref").ok_or_else(|| err("no startxref"))?;
    let dict = std::str::from_utf8(&pdf[trailer_kw + "trailer".len()..startxref_kw])
        .map_err(|_| err("trailer is not text"))?
        .trim()
        .to_string();
    let prev: usize = std::str::from_utf8(&pdf[startxref_kw + "startxref".len()..])
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .ok_or_else(|| err("unreadable startxref"))?;
    let dict_body = dict.strip_prefix("<<").and_then(|d| d.strip_suffix(">>")).ok_or_else(|| err("trailer shape"))?;

    if !pdf.ends_with(b"\n") {
        pdf.push(b'\n');
    }
    let offset = pdf.len();
    pdf.extend_from_slice(
        format!("{number} 0 obj\n<<\n  /Length {}\n  /Type /Metadata\n  /Subtype /XML\n>>\nstream\n", xmp.len())
            .as_bytes(),
    );
    pdf.extend_from_slice(xmp.as_bytes());
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = pdf.len();
    // Fixed 20-byte entries (ISO 32000 7.5.4): offset, generation, "n", CR LF.
    pdf.extend_from_slice(format!("xref\n{number} 1\n{offset:010} 00000 n\r\n").as_bytes());
    pdf.extend_from_slice(format!("trailer\n<<{dict_body}  /Prev {prev}\n>>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XMP: &str = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\
        <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" \
        xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\"><pdfaExtension:schemas><rdf:Bag>\
        <rdf:li>krilla</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description></rdf:RDF></x:xmpmeta>\
        <?xpacket end=\"r\"?>";

    #[test]
    fn the_factur_x_schema_joins_the_existing_extension_list() {
        let out = patch_xmp(XMP, "factur-x.xml", "EN 16931").unwrap();
        let bag = out.find("<rdf:Bag>").unwrap();
        let end = out.find("</rdf:Bag>").unwrap();
        assert!(out[bag..end].contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"));
        assert!(out.contains("<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>"));
        assert!(out.contains("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"));
        assert!(out.ends_with("<?xpacket end=\"r\"?>"));
    }

    #[test]
    fn an_update_section_follows_the_original_file() {
        // As pdf-writer writes it without pretty-printing.
        let pdf = format!(
            "%PDF-1.7\n5 0 obj\n<</Length {}/Type/Metadata/Subtype/XML>>\nstream\n{XMP}\nendstream\nendobj\n\
             xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 6/Root 1 0 R>>\nstartxref\n1234\n%%EOF",
            XMP.len()
        );
        let out =
            String::from_utf8(add_facturx_xmp(pdf.clone().into_bytes(), "factur-x.xml", "EN 16931").unwrap()).unwrap();
        assert!(out.starts_with(&pdf));
        let update = &out[pdf.len()..];
        assert!(update.contains("\n5 0 obj\n"));
        assert!(update.contains("/Prev 1234"));
        assert!(update.contains("/Root 1 0 R"));
        let offset: usize = update.split("xref\n5 1\n").nth(1).unwrap()[..10].parse().unwrap();
        assert_eq!(&out[offset..offset + 8], "5 0 obj\n");
        assert!(out.ends_with("%%EOF\n"));
    }
}
