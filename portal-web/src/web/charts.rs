//! Line and bar charts rendered on the server as SVG: readable without JavaScript, with a
//! `<title>` and `<desc>`, `role="img"` and an `aria-label`, and axis labels the caller formats in
//! the page's language (money and numbers through `i18n::format`). Every chart on a page has a
//! table of the same figures next to it (the accessible form of the data). Integer geometry.

/// One line of a line chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub values: Vec<i64>,
}

/// What every chart has.
pub struct Chart<'a> {
    /// A unique id on the page (for `aria-labelledby`).
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    /// One label per point or bar, already localized.
    pub x_labels: &'a [String],
    /// Formats a value for the y axis (e.g. money in the page's language).
    pub y_format: &'a dyn Fn(i64) -> String,
}

const W: i64 = 640;
const H: i64 = 280;
const LEFT: i64 = 96;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const BOTTOM: i64 = 44;
/// Colours with at least 4.5:1 contrast against white.
const PALETTE: [&str; 4] = ["#1f5fa8", "#a8361a", "#2e6b30", "#6a1b9a"];
const NEGATIVE: &str = "#a8361a";

/// Escapes text for XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A round step (1, 2 or 5 times a power of ten) that cuts `span` into about four parts.
fn nice_step(span: i64) -> i64 {
    let raw = (span / 4).max(1);
    let mut mag: i64 = 1;
    while mag <= raw / 10 {
        mag *= 10;
    }
    [1, 2, 5, 10].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10 * mag)
}

/// The y axis: lowest and highest tick and the step; 0 is always inside.
fn scale(values: impl Iterator<Item = i64> + Clone) -> (i64, i64, i64) {
    let lo = values.clone().min().unwrap_or(0).min(0);
    let hi = values.max().unwrap_or(0).max(0);
    let step = nice_step((hi - lo).max(1));
    let lo = lo.div_euclid(step) * step;
    let hi = if hi % step == 0 { hi } else { (hi.div_euclid(step) + 1) * step };
    let hi = if hi == lo { lo + step } else { hi };
    (lo, hi, step)
}

fn y_of(v: i64, lo: i64, hi: i64) -> i64 {
    let plot = i128::from(H - TOP - BOTTOM);
    let y = i128::from(TOP) + (i128::from(hi) - i128::from(v)) * plot / (i128::from(hi) - i128::from(lo)).max(1);
    i64::try_from(y).unwrap_or(TOP)
}

fn open(c: &Chart<'_>) -> String {
    let id = esc(c.id);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" \
         aria-label=\"{title}\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
        title = esc(c.title),
        desc = esc(c.desc),
    )
}

fn axes(c: &Chart<'_>, lo: i64, hi: i64, step: i64, x_at: &dyn Fn(usize) -> i64) -> String {
    let mut s = String::new();
    let mut v = lo;
    while v <= hi {
        let y = y_of(v, lo, hi);
        let stroke = if v == 0 { "#555" } else { "#ddd" };
        s.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"{stroke}\"/>\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#333\">{label}</text>",
            x2 = W - RIGHT,
            tx = LEFT - 6,
            ty = y + 4,
            label = esc(&(c.y_format)(v)),
        ));
        v += step;
    }
    let n = c.x_labels.len();
    // At most six labels: a date is about 70 px wide at the chart's font size.
    let every = n.div_ceil(6).max(1);
    for (i, label) in c.x_labels.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        // A label near the right edge ends there instead of running out of the picture.
        let anchor = if x_at(i) > W - RIGHT - 40 { "end" } else { "middle" };
        s.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" fill=\"#333\">{label}</text>",
            x = x_at(i),
            y = H - BOTTOM + 18,
            label = esc(label),
        ));
    }
    s
}

/// A line chart of one or more series over the same x labels, with a legend when there are
/// several series.
pub fn line_chart(c: &Chart<'_>, series: &[Series]) -> String {
    let n = c.x_labels.len();
    let (lo, hi, step) = scale(series.iter().flat_map(|s| s.values.iter().copied()).collect::<Vec<_>>().into_iter());
    let plot_w = W - LEFT - RIGHT;
    let span = i64::try_from(n.saturating_sub(1)).unwrap_or(1).max(1);
    let x_at = move |i: usize| {
        if n <= 1 { LEFT + plot_w / 2 } else { LEFT + i64::try_from(i).unwrap_or(0) * plot_w / span }
    };
    let mut s = open(c);
    s.push_str(&axes(c, lo, hi, step, &x_at));
    for (k, line) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let points: Vec<String> =
            line.values.iter().enumerate().map(|(i, v)| format!("{},{}", x_at(i), y_of(*v, lo, hi))).collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        ));
        for (i, v) in line.values.iter().enumerate() {
            s.push_str(&format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{colour}\"><title>{}: {}</title></circle>",
                x_at(i),
                y_of(*v, lo, hi),
                esc(c.x_labels.get(i).map(String::as_str).unwrap_or("")),
                esc(&(c.y_format)(*v)),
            ));
        }
        if series.len() > 1 {
            let lx = LEFT + 8 + i64::try_from(k).unwrap_or(0) * 120;
            s.push_str(&format!(
                "<rect x=\"{lx}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
                 <text x=\"{tx}\" y=\"{ty}\" fill=\"#333\">{label}</text>",
                ly = H - 18,
                tx = lx + 16,
                ty = H - 8,
                label = esc(&line.label),
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// A bar chart, one bar per x label; negative values hang below the zero line in another colour.
pub fn bar_chart(c: &Chart<'_>, values: &[i64]) -> String {
    let n = i64::try_from(values.len()).unwrap_or(0).max(1);
    let (lo, hi, step) = scale(values.iter().copied());
    let plot_w = W - LEFT - RIGHT;
    // Centres at (2i + 1) / 2n of the plot: multiplied before divided, so a year of days
    // (more bars than pixels per bar) still spans the whole width.
    let x_at = move |i: usize| LEFT + (2 * i64::try_from(i).unwrap_or(0) + 1) * plot_w / (2 * n);
    let mut s = open(c);
    s.push_str(&axes(c, lo, hi, step, &x_at));
    let zero = y_of(0, lo, hi);
    for (i, v) in values.iter().enumerate() {
        let y = y_of(*v, lo, hi);
        let (top, height) = if *v >= 0 { (y, zero - y) } else { (zero, y - zero) };
        let width = (plot_w * 3 / (4 * n)).max(1);
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"{top}\" width=\"{width}\" height=\"{height}\" fill=\"{fill}\">\
             <title>{label}: {value}</title></rect>",
            x = x_at(i) - width / 2,
            fill = if *v >= 0 { PALETTE[0] } else { NEGATIVE },
            label = esc(c.x_labels.get(i).map(String::as_str).unwrap_or("")),
            value = esc(&(c.y_format)(*v)),
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::i18n::format;
    use billing_core::currency::Currency;
    use billing_core::money::Money;

    /// A small well-formedness check: tags nest and close, attribute values are quoted, `&`
    /// only starts an entity, and no `<` or `>` appears in text.
    pub(crate) fn well_formed(xml: &str) -> Result<(), String> {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = xml;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            check_text(text)?;
            let end = rest[lt..].find('>').ok_or("unclosed tag")? + lt;
            let tag = &rest[lt + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or_else(|| format!("</{name}> without opening"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name = body.split_whitespace().next().ok_or("empty tag")?.to_string();
                check_attributes(&body[name.len()..])?;
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[end + 1..];
        }
        check_text(rest)?;
        if stack.is_empty() { Ok(()) } else { Err(format!("unclosed: {stack:?}")) }
    }

    fn check_text(t: &str) -> Result<(), String> {
        if t.contains('>') {
            return Err(format!("raw > in text {t:?}"));
        }
        for (i, _) in t.match_indices('&') {
            let entity = &t[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| entity.starts_with(e));
            if !ok {
                return Err(format!("bare & in {t:?}"));
            }
        }
        Ok(())
    }

    fn check_attributes(mut a: &str) -> Result<(), String> {
        loop {
            a = a.trim_start();
            if a.is_empty() {
                return Ok(());
            }
            let eq = a.find('=').ok_or_else(|| format!("attribute without value: {a:?}"))?;
            let name = &a[..eq];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':') {
                return Err(format!("bad attribute name {name:?}"));
            }
            let after = &a[eq + 1..];
            let value = after.strip_prefix('"').ok_or_else(|| format!("unquoted value of {name}"))?;
            let close = value.find('"').ok_or("unterminated value")?;
            check_text(&value[..close])?;
            if value[..close].contains('<') {
                return Err("< in attribute".into());
            }
            a = &value[close + 1..];
        }
    }

    fn eur(v: i64) -> String {
        format::money(Money::from_minor(v, Currency::EUR), Locale::from_tag("de").expect("de"))
    }

    #[test]
    fn a_line_chart_is_well_formed_svg_with_a_title_and_german_numbers() {
        let labels: Vec<String> = ["Jan.", "Feb.", "März"].iter().map(|s| s.to_string()).collect();
        let f = eur;
        let chart = Chart { id: "mrr", title: "MRR <EUR>", desc: "MRR & Bewegungen", x_labels: &labels, y_format: &f };
        let svg = line_chart(&chart, &[Series { label: "EUR".into(), values: vec![0, 123_456, 250_000] }]);
        well_formed(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"MRR &lt;EUR&gt;\""));
        assert!(svg.contains("<title id=\"mrr-title\">MRR &lt;EUR&gt;</title>"));
        assert!(svg.contains("<desc id=\"mrr-desc\">MRR &amp; Bewegungen</desc>"));
        // de groups thousands with a dot and separates decimals with a comma.
        assert!(svg.contains("1.234,56"), "{svg}");
        assert!(svg.contains("3.000,00"), "the top tick: {svg}");
    }

    #[test]
    fn a_bar_chart_draws_negative_bars_below_zero() {
        let labels: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let f = |v: i64| v.to_string();
        let chart = Chart { id: "net", title: "Net", desc: "d", x_labels: &labels, y_format: &f };
        let svg = bar_chart(&chart, &[500, -300]);
        well_formed(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        assert_eq!(svg.matches("<rect ").count(), 2);
        assert!(svg.contains(NEGATIVE));
        assert!(well_formed("<svg><g></svg>").is_err(), "the checker itself catches a bad nesting");
        assert!(well_formed("<svg a=b/>").is_err());
    }

    #[test]
    fn a_year_of_daily_bars_spans_the_whole_plot() {
        let labels: Vec<String> = (0..366).map(|i| i.to_string()).collect();
        let f = |v: i64| v.to_string();
        let chart = Chart { id: "days", title: "Days", desc: "d", x_labels: &labels, y_format: &f };
        let svg = bar_chart(&chart, &vec![1; 366]);
        let xs: Vec<i64> =
            svg.split("<rect x=\"").skip(1).map(|rest| rest.split('"').next().unwrap().parse().unwrap()).collect();
        assert_eq!(xs.len(), 366);
        let plot_w = W - LEFT - RIGHT;
        assert!(xs[0] < LEFT + plot_w / 100, "the first bar starts at the left: {}", xs[0]);
        assert!(xs[365] > LEFT + plot_w * 99 / 100 - 2, "the last bar ends at the right: {}", xs[365]);
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(1_000), 500);
        assert_eq!(scale([0, 123_456, 250_000].into_iter()), (0, 300_000, 100_000));
        assert_eq!(scale([-300, 500].into_iter()), (-400, 600, 200));
    }
}
