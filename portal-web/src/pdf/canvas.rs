//! A small drawing layer over krilla: one embedded font, text measured with skrifa, left/right
//! aligned and wrapped text, rules and filled boxes, in points from the page's top-left corner.
//!
//! Layout geometry is f32 points; no money goes through here (amounts arrive as finished text).
#![allow(clippy::float_arithmetic)]

use std::sync::{Arc, OnceLock};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

/// WenQuanYi Micro Hei: Latin and CJK in one face, so every language renders (docs/adr/0008).
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// The parsed font, shared by every document (krilla subsets it per PDF).
pub fn font() -> Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(FONT_DATA);
        Font::new(data.into(), 0).expect("the embedded font parses")
    })
    .clone()
}

/// Characters the font has no glyph for, and the character whose glyph is drawn in their place.
/// The PDF's text layer keeps the real character (see [`Canvas::text`]).
///
/// U+202F NARROW NO-BREAK SPACE groups digits in CLDR's French (`12 345,60 €`); the thin space
/// U+2009 has the width it is meant to have (0.2 em) and a glyph of its own in this face.
const STAND_INS: &[(char, char)] = &[('\u{202f}', '\u{2009}')];

fn stand_in(c: char) -> Option<char> {
    STAND_INS.iter().find(|(missing, _)| *missing == c).map(|(_, drawn)| *drawn)
}

/// Whether the embedded font can draw `c` (itself or through its stand-in).
pub fn has_glyph(c: char) -> bool {
    let Ok(f) = skrifa::FontRef::from_index(FONT_DATA, 0) else {
        return false;
    };
    f.charmap().map(stand_in(c).unwrap_or(c)).is_some_and(|g| g.to_u32() != 0)
}

/// Width of `text` at `size` points (sum of advances; the scripts we print need no shaping).
pub fn text_width(text: &str, size: f32) -> f32 {
    let Ok(f) = skrifa::FontRef::from_index(FONT_DATA, 0) else {
        return 0.0;
    };
    let charmap = f.charmap();
    let metrics = f.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| charmap.map(stand_in(c).unwrap_or(c)).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.5))
        .sum()
}

/// How far the face reaches above the baseline (ascent) and below it (descent, positive) at
/// `size` points: what a layout keeps clear of rules drawn between lines.
pub fn vertical_extent(size: f32) -> (f32, f32) {
    let Ok(f) = skrifa::FontRef::from_index(FONT_DATA, 0) else {
        return (size, size * 0.25);
    };
    let m = f.metrics(Size::new(size), LocationRef::default());
    (m.ascent, -m.descent)
}

/// Splits `text` into lines no wider than `width`: at spaces for alphabetic scripts, anywhere
/// between CJK characters (which are written without spaces).
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let cjk = ('\u{2e80}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c);
        if c == ' ' || cjk {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            tokens.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    for token in tokens {
        let candidate = format!("{line}{token}");
        if !line.is_empty() && text_width(candidate.trim_end(), size) > width {
            lines.push(line.trim_end().to_string());
            line = token.trim_start().to_string();
        } else {
            line = candidate;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// An sRGB colour from `#rrggbb` (the tenant's brand colour), dark blue if unreadable.
pub fn parse_hex(hex: &str) -> rgb::Color {
    let h = hex.trim_start_matches('#');
    let byte = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
    match (byte(0), byte(2), byte(4)) {
        (Some(r), Some(g), Some(b)) => rgb::Color::new(r, g, b),
        _ => rgb::Color::new(0x1f, 0x4e, 0x79),
    }
}

pub const BLACK: (u8, u8, u8) = (0x1a, 0x1a, 0x1a);
pub const GREY: (u8, u8, u8) = (0x5f, 0x63, 0x68);
pub const LIGHT: (u8, u8, u8) = (0xd0, 0xd4, 0xd9);

pub fn color((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

/// Text alignment relative to the x coordinate given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Draws on one page surface.
pub struct Canvas<'a, 'b> {
    pub surface: &'a mut Surface<'b>,
    font: Font,
}

impl<'a, 'b> Canvas<'a, 'b> {
    pub fn new(surface: &'a mut Surface<'b>) -> Self {
        Self { surface, font: font() }
    }

    fn fill(&mut self, c: rgb::Color) {
        self.surface.set_fill(Some(Fill { paint: c.into(), opacity: NormalizedF32::ONE, rule: Default::default() }));
    }

    /// Text with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, c: rgb::Color, align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - text_width(text, size),
        };
        self.fill(c);
        self.draw(x, y, size, text);
    }

    /// Draws `text` from `x`: runs the font covers are shaped by krilla; a character with a stand-in
    /// is drawn with the stand-in's glyph but keeps its own text, so copying or extracting the text
    /// of the PDF (pdftotext) gives back exactly what was formatted.
    fn draw(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let mut x = x;
        let mut run_start = 0;
        for (i, c) in text.char_indices() {
            let Some(drawn) = stand_in(c) else { continue };
            let run = &text[run_start..i];
            if !run.is_empty() {
                self.surface.draw_text(Point::from_xy(x, y), self.font.clone(), size, run, false, TextDirection::Auto);
                x += text_width(run, size);
            }
            let original = &text[i..i + c.len_utf8()];
            if let Some(glyph) = self.stand_in_glyph(drawn, original.len(), size) {
                self.surface.draw_glyphs(Point::from_xy(x, y), &[glyph], self.font.clone(), original, size, false);
            }
            x += text_width(original, size);
            run_start = i + c.len_utf8();
        }
        let rest = &text[run_start..];
        if !rest.is_empty() {
            self.surface.draw_text(Point::from_xy(x, y), self.font.clone(), size, rest, false, TextDirection::Auto);
        }
    }

    /// The glyph of `drawn`, standing for a `len`-byte character, advances normalized to the em.
    fn stand_in_glyph(&self, drawn: char, len: usize, size: f32) -> Option<KrillaGlyph> {
        let f = skrifa::FontRef::from_index(FONT_DATA, 0).ok()?;
        let glyph = f.charmap().map(drawn)?;
        let advance = text_width(&drawn.to_string(), size) / size;
        Some(KrillaGlyph::new(GlyphId::new(glyph.to_u32()), advance, 0.0, 0.0, 0.0, 0..len, None))
    }

    /// Emphasised text: the glyphs filled and outlined, since the face has no bold cut.
    pub fn strong(&mut self, x: f32, y: f32, size: f32, c: rgb::Color, align: Align, text: &str) {
        self.surface.set_stroke(Some(Stroke {
            paint: c.into(),
            width: size * 0.035,
            opacity: NormalizedF32::ONE,
            ..Default::default()
        }));
        let x = match align {
            Align::Left => x,
            Align::Right => x - text_width(text, size),
        };
        self.fill(c);
        self.draw(x, y, size, text);
        self.surface.set_stroke(None);
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: rgb::Color) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else { return };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        if let Some(path) = pb.finish() {
            self.fill(c);
            self.surface.draw_path(&path);
        }
    }

    /// A horizontal rule `thickness` points high.
    pub fn rule(&mut self, x: f32, y: f32, w: f32, thickness: f32, c: rgb::Color) {
        self.rect(x, y, w, thickness, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Locale, format};
    use billing_core::currency::Currency;
    use billing_core::money::Money;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn every_character_the_formatter_emits_has_a_glyph() {
        let mut missing = std::collections::BTreeSet::new();
        for locale in Locale::ALL {
            let mut texts = vec![
                format::decimal(Decimal::new(-12345678, 3), locale),
                format::percent(Decimal::new(77, 1), locale),
                format::date(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), locale),
                format::date_long(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), locale),
            ];
            for c in Currency::all() {
                let symbol = format::money(Money::from_minor(-123456789, c), locale);
                // What the invoice prints when the font lacks the sign (pdf::invoice::amount).
                if symbol.chars().all(has_glyph) {
                    texts.push(symbol);
                } else {
                    assert!(["KRW", "ILS", "INR"].contains(&c.code()), "{locale}: {symbol}");
                    texts.push(format::money_with_code(Money::from_minor(-123456789, c), locale));
                }
            }
            for t in texts {
                for ch in t.chars().filter(|ch| !has_glyph(*ch)) {
                    missing.insert(format!("{locale} {ch:?} U+{:04X} in {t:?}", ch as u32));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn a_stand_in_is_as_wide_as_the_glyph_drawn_for_it() {
        assert!(has_glyph('\u{202f}'));
        assert_eq!(text_width("1\u{202f}234", 10.0), text_width("1\u{2009}234", 10.0));
        assert!(text_width("\u{202f}", 10.0) < text_width(" ", 10.0));
    }
}
