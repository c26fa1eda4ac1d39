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
