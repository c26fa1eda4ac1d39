//! A small indenting XML writer for the two syntax modules: elements in the order the schema
//! demands are easier to read as nested calls than as a template, and every text and attribute
//! value goes through one escaping function.

use rust_decimal::Decimal;

use crate::money::Money;

pub(super) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    pub fn new() -> Self {
        Self { out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), depth: 0 }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", quick_xml::escape::escape(*v)));
        }
    }

    /// `<name attrs>`, then `body` nested, then `</name>`.
    pub fn el(&mut self, name: &str, attrs: &[(&str, &str)], body: impl FnOnce(&mut Xml)) {
        self.start(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    /// `<name attrs>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        self.out.push_str(&format!(">{}</{name}>\n", quick_xml::escape::escape(text)));
    }

    pub fn text(&mut self, name: &str, text: &str) {
        self.leaf(name, &[], text);
    }

    pub fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.text(name, t);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// An amount with the currency's own decimals (EUR 19.00, JPY 1900).
pub(super) fn amount(m: Money) -> String {
    m.to_decimal().to_string()
}

/// A rate or quantity without trailing zeros, but at least two decimals for rates (19.00).
pub(super) fn percent(rate: Decimal) -> String {
    let mut r = rate.normalize();
    if r.scale() < 2 {
        r.rescale(2);
    }
    r.to_string()
}

pub(super) fn decimal(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;
    use rust_decimal_macros::dec;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut x = Xml::new();
        x.el("a", &[("k", "1 < 2 & \"q\"")], |x| x.text("b", "Müller & Söhne <GmbH>"));
        let s = x.finish();
        assert!(s.contains("k=\"1 &lt; 2 &amp; &quot;q&quot;\""));
        assert!(s.contains("<b>Müller &amp; Söhne &lt;GmbH&gt;</b>"));
    }

    #[test]
    fn numbers_print_as_the_standard_expects() {
        assert_eq!(amount(Money::from_minor(1900, Currency::EUR)), "19.00");
        assert_eq!(amount(Money::from_minor(-5, Currency::EUR)), "-0.05");
        assert_eq!(amount(Money::from_minor(1900, Currency::JPY)), "1900");
        assert_eq!(percent(dec!(19)), "19.00");
        assert_eq!(percent(dec!(25.5)), "25.50");
        assert_eq!(decimal(dec!(1.0000)), "1");
    }
}
