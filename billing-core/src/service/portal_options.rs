//! The merchant's portal options that have no other home: the retention offer the cancel page
//! shows (`PUT /api/v1/portal/retention_offer` and the console's settings page check it the same
//! way). The FAQ is `service::help`, the survey waiting period `service::surveys`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::store;

/// The retention offer: `kind` is `coupon` (with the coupon's code), `pause` or `none`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RetentionOffer {
    pub kind: String,
    pub coupon: Option<String>,
}

pub async fn retention_offer(conn: &mut PgConnection, tenant: TenantId) -> Result<RetentionOffer> {
    Ok(match store::portal::retention_offer(conn, tenant).await? {
        Some((kind, coupon)) => RetentionOffer { kind, coupon },
        None => RetentionOffer { kind: "none".into(), coupon: None },
    })
}

/// Checks and stores the offer: a coupon offer names one of the tenant's coupons, the others
/// name none. Nothing is stored when it is refused.
pub async fn set_retention_offer(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    coupon: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RetentionOffer> {
    let kind = kind.trim();
    let coupon = coupon.map(str::trim).filter(|c| !c.is_empty());
    match (kind, coupon) {
        ("coupon", Some(_)) | ("pause" | "none", None) => {}
        ("coupon", None) => return Err(Error::invalid("coupon", "a coupon offer names its coupon")),
        ("pause" | "none", Some(_)) => return Err(Error::invalid("coupon", "only a coupon offer names a coupon")),
        _ => return Err(Error::invalid("kind", "use coupon, pause or none")),
    }
    if let Some(code) = coupon {
        store::coupons::get_for_update(conn, tenant, code).await?.ok_or_else(|| Error::not_found("coupon", code))?;
    }
    let offer = (kind != "none").then_some((kind, coupon));
    store::portal::set_retention_offer(conn, tenant, offer, now).await?;
    Ok(RetentionOffer { kind: kind.to_string(), coupon: coupon.map(str::to_string) })
}

// ---- Offered languages and allowed plan moves (issue 14, docs/adr/0039) ----

/// The languages the portal offers, in the shipped order; `None`: all of them.
pub async fn offered_locales(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<Vec<String>>> {
    Ok(store::console_settings::portal_settings(conn, tenant).await?.0)
}

/// The language the engine writes to a customer in where no browser chooses (mails, documents,
/// fee lines): their stored language when the portal offers it, else the merchant's default
/// (`customer::locale_within`; docs/adr/0045).
pub async fn customer_language(conn: &mut PgConnection, tenant: TenantId, stored: &str) -> Result<String> {
    let offered = offered_locales(conn, tenant).await?;
    let default = store::tenants::get(conn, tenant)
        .await?
        .map(|t| t.default_locale)
        .unwrap_or_else(|| crate::customer::SUPPORTED_LOCALES[0].to_string());
    Ok(crate::customer::locale_within(stored, offered.as_deref(), &default))
}

/// Checks a list of offered languages: shipped ones (matched as `match_locale` does), at least
/// one, including `default`; returned in the shipped order without repeats.
pub fn check_offered(list: &[String], default: &str) -> Result<Vec<String>> {
    let mut tags = Vec::new();
    for l in list {
        let tag = crate::customer::match_locale(l)
            .ok_or_else(|| Error::invalid("offered_locales", format!("`{}` is not a shipped language", l.trim())))?;
        tags.push(tag);
    }
    if tags.is_empty() {
        return Err(Error::invalid("offered_locales", "offer at least one language"));
    }
    if !tags.contains(&default) {
        return Err(Error::invalid("offered_locales", format!("include the default language ({default})")));
    }
    Ok(crate::customer::SUPPORTED_LOCALES.iter().filter(|l| tags.contains(*l)).map(|l| l.to_string()).collect())
}

/// Sets the default language and the offered ones together (`None`: offer all); the default
/// must be offered. Nothing is stored when it is refused.
pub async fn set_languages(
    conn: &mut PgConnection,
    tenant: TenantId,
    default: &str,
    offered: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<(String, Option<Vec<String>>)> {
    let default = crate::customer::match_locale(default)
        .ok_or_else(|| Error::invalid("default_locale", "not a shipped language"))?;
    let offered = offered.map(|o| check_offered(o, default)).transpose()?;
    let all = offered.as_ref().is_some_and(|o| o.len() == crate::customer::SUPPORTED_LOCALES.len());
    let offered = if all { None } else { offered };
    store::tenants::set_default_locale(conn, tenant, default).await?;
    store::console_settings::set_offered_locales(conn, tenant, offered.as_deref(), now).await?;
    Ok((default.to_string(), offered))
}

/// Which plan changes customers may make themselves in the portal (the API and staff may make
/// any). Stored as JSON; absent: `any`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanMoves {
    /// `any` (every active plan), `upgrades` (only to a higher monthly price), `list` (only the
    /// listed from → to moves) or `none` (no plan change; the quantity still may change).
    pub mode: String,
    #[serde(default)]
    pub moves: Vec<PlanMove>,
    /// A downgrade (a lower monthly price) takes effect at the end of the period instead of now.
    #[serde(default)]
    pub downgrades_at_period_end: bool,
}

impl Default for PlanMoves {
    fn default() -> Self {
        Self { mode: "any".into(), moves: vec![], downgrades_at_period_end: false }
    }
}

/// One allowed move, by plan code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanMove {
    pub from: String,
    pub to: String,
}

/// What the rules say about one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveVerdict {
    Refused,
    /// Allowed; `at_period_end` when it is a downgrade the merchant defers.
    Allowed {
        at_period_end: bool,
    },
}

impl PlanMoves {
    /// The verdict on moving from plan `from` to plan `to` (codes), the monthly amounts before
    /// and after (the customer's price, at the quantities asked for).
    pub fn decide(&self, from: &str, to: &str, before: i64, after: i64) -> MoveVerdict {
        let same_plan = from == to;
        let allowed = match self.mode.as_str() {
            "upgrades" => after > before || (same_plan && after >= before),
            "list" => same_plan || self.moves.iter().any(|m| m.from == from && m.to == to),
            "none" => same_plan,
            _ => true,
        };
        if !allowed {
            return MoveVerdict::Refused;
        }
        MoveVerdict::Allowed { at_period_end: self.downgrades_at_period_end && after < before }
    }
}

pub async fn plan_moves(conn: &mut PgConnection, tenant: TenantId) -> Result<PlanMoves> {
    match store::console_settings::portal_settings(conn, tenant).await?.1 {
        None => Ok(PlanMoves::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| Error::invalid("plan_moves", e.to_string())),
    }
}

/// Checks and stores the rules: a known mode, moves only in `list` mode, each between two
/// different base plans of the tenant's. Nothing is stored when it is refused.
pub async fn set_plan_moves(
    conn: &mut PgConnection,
    tenant: TenantId,
    moves: &PlanMoves,
    now: DateTime<Utc>,
) -> Result<PlanMoves> {
    let mode = moves.mode.trim().to_ascii_lowercase();
    if !matches!(mode.as_str(), "any" | "upgrades" | "list" | "none") {
        return Err(Error::invalid("mode", "use any, upgrades, list or none"));
    }
    if mode != "list" && !moves.moves.is_empty() {
        return Err(Error::invalid("moves", "only the list mode names moves"));
    }
    let plans = crate::service::catalog::list_plans(conn, tenant).await?;
    let mut list = Vec::with_capacity(moves.moves.len());
    for m in &moves.moves {
        let (from, to) = (m.from.trim(), m.to.trim());
        for code in [from, to] {
            if !plans.iter().any(|p| p.code == code && p.addon.is_none()) {
                return Err(Error::not_found("plan", code));
            }
        }
        if from == to {
            return Err(Error::invalid("moves", "a move goes from one plan to another"));
        }
        let m = PlanMove { from: from.to_string(), to: to.to_string() };
        if !list.contains(&m) {
            list.push(m);
        }
    }
    list.sort();
    let stored = PlanMoves { mode, moves: list, downgrades_at_period_end: moves.downgrades_at_period_end };
    let json = serde_json::to_value(&stored).map_err(|e| Error::invalid("plan_moves", e.to_string()))?;
    store::console_settings::set_plan_moves(conn, tenant, Some(&json), now).await?;
    Ok(stored)
}

/// A period price normalized to a month, in minor units (as the MRR does).
fn monthly(price: &crate::catalog::PlanPrice, quantity: u32, interval: crate::period::BillingInterval) -> Result<i64> {
    let amount = price.period_amount(quantity, crate::rounding::RoundingPolicy::default())?;
    Ok(crate::metrics::monthly(amount.minor(), interval))
}

/// The verdict on a customer's own change of `sub` to plan `to` (the current plan when `None`)
/// at `quantity`, by the merchant's rules; `plans` are the tenant's plans.
pub fn judge(
    rules: &PlanMoves,
    plans: &[crate::catalog::Plan],
    sub: &crate::subscription::Subscription,
    segment: Option<&str>,
    to: Option<&crate::catalog::Plan>,
    quantity: u32,
) -> Result<MoveVerdict> {
    let from_code = plans.iter().find(|p| p.id == sub.plan_id).map(|p| p.code.clone()).unwrap_or_default();
    let before = monthly(&sub.price, sub.quantity, sub.interval)?;
    let (to_code, after) = match to {
        None => (from_code.clone(), monthly(&sub.price, quantity, sub.interval)?),
        Some(p) if p.id == sub.plan_id => (from_code.clone(), monthly(&sub.price, quantity, sub.interval)?),
        Some(p) => match p.price_for(sub.price.currency, segment) {
            Ok(price) => (p.code.clone(), monthly(price, quantity, p.interval)?),
            // Not sold in the customer's currency: not a move they can make.
            Err(_) => return Ok(MoveVerdict::Refused),
        },
    };
    Ok(rules.decide(&from_code, &to_code, before, after))
}

#[cfg(test)]
mod move_tests {
    use super::*;

    #[test]
    fn each_mode_allows_what_it_says() {
        let any = PlanMoves::default();
        assert_eq!(any.decide("basic", "pro", 1000, 2000), MoveVerdict::Allowed { at_period_end: false });
        let up = PlanMoves { mode: "upgrades".into(), downgrades_at_period_end: true, ..Default::default() };
        assert_eq!(up.decide("pro", "basic", 2000, 1000), MoveVerdict::Refused);
        assert_eq!(up.decide("basic", "pro", 1000, 2000), MoveVerdict::Allowed { at_period_end: false });
        assert_eq!(
            up.decide("basic", "basic-yearly", 1000, 1000),
            MoveVerdict::Refused,
            "a lateral move is no upgrade"
        );
        assert_eq!(up.decide("basic", "basic", 1000, 1000), MoveVerdict::Allowed { at_period_end: false });
        assert_eq!(up.decide("basic", "basic", 2000, 1000), MoveVerdict::Refused, "fewer seats are a downgrade");
        let list = PlanMoves {
            mode: "list".into(),
            moves: vec![PlanMove { from: "pro".into(), to: "basic".into() }],
            downgrades_at_period_end: true,
        };
        assert_eq!(list.decide("pro", "basic", 2000, 1000), MoveVerdict::Allowed { at_period_end: true });
        assert_eq!(list.decide("basic", "pro", 1000, 2000), MoveVerdict::Refused);
        let none = PlanMoves { mode: "none".into(), ..Default::default() };
        assert_eq!(none.decide("basic", "pro", 1000, 2000), MoveVerdict::Refused);
        assert_eq!(none.decide("basic", "basic", 1000, 3000), MoveVerdict::Allowed { at_period_end: false });
    }
}

// ---- The uploaded logo (issue 14, docs/adr/0039) ----

/// The largest logo stored, in bytes.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// Why a logo file is refused (each has its own localized message on the console page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoProblem {
    Empty,
    TooLarge,
    /// Neither PNG, JPEG nor SVG by its content (whatever its name says).
    NotAnImage,
    /// An SVG with scripts, event handlers, external references or entity declarations.
    UnsafeSvg,
}

impl LogoProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too-large",
            Self::NotAnImage => "not-an-image",
            Self::UnsafeSvg => "unsafe-svg",
        }
    }
}

/// The content type of a logo file judged by its bytes: PNG and JPEG by their signatures, SVG
/// when it is UTF-8 text whose root element is `svg`. An SVG that could run or fetch anything
/// (script, `on…=` handlers, `javascript:`, foreignObject, external `href`s, `<!DOCTYPE`/
/// `<!ENTITY`, CSS `@import`/`url(`) is refused, not cleaned.
pub fn sniff_logo(data: &[u8]) -> std::result::Result<&'static str, LogoProblem> {
    if data.is_empty() {
        return Err(LogoProblem::Empty);
    }
    if data.len() > LOGO_MAX_BYTES {
        return Err(LogoProblem::TooLarge);
    }
    if data.starts_with(b"\x89PNG\r\n\x1a\n") && data.len() > 24 {
        return Ok("image/png");
    }
    if data.starts_with(&[0xff, 0xd8, 0xff]) && data.len() > 4 {
        return Ok("image/jpeg");
    }
    let Ok(text) = std::str::from_utf8(data) else { return Err(LogoProblem::NotAnImage) };
    let lower = text.trim_start_matches('\u{feff}').to_ascii_lowercase();
    // The first element after the XML declaration and comments must be <svg.
    let mut rest = lower.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?xml") {
            rest = r.split_once("?>").map(|(_, r)| r).unwrap_or("").trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->").map(|(_, r)| r).unwrap_or("").trim_start();
        } else {
            break;
        }
    }
    let end = lower.trim_end();
    if !(rest.starts_with("<svg") && (end.ends_with("</svg>") || end.ends_with("/>"))) {
        return Err(if rest.starts_with("<!doctype") { LogoProblem::UnsafeSvg } else { LogoProblem::NotAnImage });
    }
    const UNSAFE: [&str; 10] = [
        "<script",
        "javascript:",
        "<foreignobject",
        "<!doctype",
        "<!entity",
        "@import",
        "url(http",
        "url(//",
        "<iframe",
        "<embed",
    ];
    if UNSAFE.iter().any(|u| lower.contains(u)) || has_event_handler(&lower) || has_external_href(&lower) {
        return Err(LogoProblem::UnsafeSvg);
    }
    Ok("image/svg+xml")
}

/// An attribute `on<letters>=` after whitespace (onload, onclick, ...).
fn has_event_handler(lower: &str) -> bool {
    let b = lower.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i - 1].is_ascii_whitespace() && b[i] == b'o' && b[i + 1] == b'n' && {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            j > i + 2 && b.get(j) == Some(&b'=')
        }
    })
}

/// An `href` (or `xlink:href`, `src`) that is not a fragment (`#id`) or an inline image.
fn has_external_href(lower: &str) -> bool {
    ["href", "src"].iter().any(|attr| {
        lower.match_indices(attr).any(|(i, _)| {
            let after = lower[i + attr.len()..].trim_start();
            let Some(value) = after.strip_prefix('=') else { return false };
            let value = value.trim_start().trim_start_matches(['"', '\'']);
            !(value.starts_with('#') || value.starts_with("data:image/png") || value.starts_with("data:image/jpeg"))
        })
    })
}

/// The logo's content type, size in bytes and SHA-256 (hex, its ETag).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogoMeta {
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

pub async fn logo_meta(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<LogoMeta>> {
    Ok(store::console_settings::logo_meta(conn, tenant).await?.map(|(content_type, size, sha256)| LogoMeta {
        content_type,
        size: i64::from(size),
        sha256,
    }))
}

/// The stored logo: content type, bytes, SHA-256.
pub async fn logo(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<(String, Vec<u8>, String)>> {
    store::console_settings::logo(conn, tenant).await
}

/// Stores a logo after checking it by content ([`sniff_logo`]); a refused file stores nothing.
pub async fn put_logo(conn: &mut PgConnection, tenant: TenantId, data: &[u8], now: DateTime<Utc>) -> Result<LogoMeta> {
    let content_type = sniff_logo(data).map_err(|p| Error::invalid("logo", p.as_str()))?;
    use sha2::Digest;
    let sha256: String = sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect();
    store::console_settings::put_logo(conn, tenant, content_type, data, &sha256, now).await?;
    Ok(LogoMeta { content_type: content_type.to_string(), size: data.len() as i64, sha256 })
}

/// Removes the uploaded logo (the logo URL, if any, is shown again).
pub async fn delete_logo(conn: &mut PgConnection, tenant: TenantId) -> Result<bool> {
    store::console_settings::delete_logo(conn, tenant).await
}

#[cfg(test)]
mod logo_tests {
    use super::*;

    #[test]
    fn logos_are_judged_by_content_and_unsafe_svgs_are_refused() {
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 40]].concat();
        assert_eq!(sniff_logo(&png), Ok("image/png"));
        assert_eq!(sniff_logo(&[0xff, 0xd8, 0xff, 0xe0, 0, 16]), Ok("image/jpeg"));
        let svg = br##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1a56db"/><use href="#a"/></svg>"##;
        assert_eq!(sniff_logo(svg), Ok("image/svg+xml"));
        assert_eq!(sniff_logo(b""), Err(LogoProblem::Empty));
        let big: Vec<u8> = std::iter::repeat_n(0x89, LOGO_MAX_BYTES + 1).collect();
        assert_eq!(sniff_logo(&big), Err(LogoProblem::TooLarge));
        assert_eq!(sniff_logo(b"GIF89a......"), Err(LogoProblem::NotAnImage));
        assert_eq!(sniff_logo(b"<html><body>hi</body></html>"), Err(LogoProblem::NotAnImage));
        for bad in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)">x</a></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/t.png"/></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>"#,
        ] {
            assert_eq!(sniff_logo(bad.as_bytes()), Err(LogoProblem::UnsafeSvg), "{bad}");
        }
    }
}
