//! The one rule for free text from outside (names, descriptions, memos, codes, statement lines):
//! no control characters and a bounded length, checked before anything is stored or rendered.
//!
//! NUL is the reason this exists: PostgreSQL cannot store it in `text` or `jsonb`, so it used to
//! surface as a database error (500) deep inside a use case. The other control characters are
//! refused for what they do downstream: escape sequences in terminals and logs, invisible
//! characters in PDFs and e-invoices, line breaks that split CSV rows. Tab, line feed and
//! carriage return are ordinary text (multi-line memos, CSV files) and stay allowed; domain rules
//! (a code is `[A-Za-z0-9._-]`, a name is one line) are checked later by the use cases.

/// The longest text accepted in any single field, in characters. Generous (the longest real
/// field, an invoice memo, is a few paragraphs) and far below what could hurt memory or a page:
/// the request body limit bounds the total anyway; this bounds what one field can make a PDF
/// line, a log line or an index entry carry.
pub const MAX_TEXT_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The first offending character, as a code point (shown as `U+0000`).
    #[error("contains the control character U+{0:04X}")]
    ControlCharacter(u32),
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
}

/// Whether `c` may appear in text: everything but the Unicode control characters (C0, DEL, C1),
/// of which tab, line feed and carriage return are allowed.
pub fn is_allowed(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Checks `value` against the rule: no control character (but tab and line breaks), at most
/// [`MAX_TEXT_CHARS`] characters.
pub fn check(value: &str) -> Result<(), TextError> {
    if let Some(c) = value.chars().find(|c| !is_allowed(*c)) {
        return Err(TextError::ControlCharacter(u32::from(c)));
    }
    // Counting stops early: a huge value is refused without walking all of it.
    if value.chars().nth(MAX_TEXT_CHARS).is_some() {
        return Err(TextError::TooLong { max: MAX_TEXT_CHARS });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("Evil\u{0}Corp", 0x0)]
    #[case("bell\u{7}", 0x7)]
    #[case("\u{1b}[31mred", 0x1b)]
    #[case("del\u{7f}", 0x7f)]
    #[case("next line\u{85}", 0x85)]
    fn control_characters_are_refused_with_the_first_one_named(#[case] text: &str, #[case] code: u32) {
        assert_eq!(check(text), Err(TextError::ControlCharacter(code)));
    }

    #[rstest]
    #[case("Müller & Söhne GmbH")]
    #[case("Thanks!\r\n\tSee you")]
    #[case("東京株式会社")]
    #[case("")]
    fn ordinary_text_tabs_and_line_breaks_pass(#[case] text: &str) {
        assert_eq!(check(text), Ok(()));
    }

    #[test]
    fn the_length_bound_counts_characters_not_bytes() {
        assert_eq!(check(&"ü".repeat(MAX_TEXT_CHARS)), Ok(()));
        assert_eq!(check(&"x".repeat(MAX_TEXT_CHARS + 1)), Err(TextError::TooLong { max: MAX_TEXT_CHARS }));
    }

    #[test]
    fn the_message_names_the_code_point() {
        assert_eq!(TextError::ControlCharacter(0).to_string(), "contains the control character U+0000");
    }
}
