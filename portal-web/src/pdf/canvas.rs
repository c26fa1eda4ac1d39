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
use krilla::text::{Font, TextDirection};
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

/// Width of `text` at `size` points (sum of advances; the scripts we print need no shaping).
pub fn text_width(text: &str, size: f32) -> f32 {
    let Ok(f) = skrifa::FontRef::from_index(FONT_DATA, 0) else {
        return 0.0;
    };
    let charmap = f.charmap();
    let metrics = f.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars().map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.5)).sum()
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
        self.surface.draw_text(Point::from_xy(x, y), self.font.clone(), size, text, false, TextDirection::Auto);
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
        self.surface.draw_text(Point::from_xy(x, y), self.font.clone(), size, text, false, TextDirection::Auto);
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
