//! Coupon use cases: define, list, redeem on a subscription.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::coupon::Coupon;
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::store;
use crate::subscription::Subscription;

pub async fn create(conn: &mut PgConnection, tenant: TenantId, coupon: &Coupon, now: DateTime<Utc>) -> Result<Coupon> {
    let mut c = coupon.clone();
    c.code = c.code.trim().to_string();
    c.times_redeemed = 0;
    crate::catalog::validate_code("code", &c.code)?;
    c.validate()?;
    store::coupons::insert(conn, tenant, &c, now).await?;
    Ok(c)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Coupon>> {
    store::coupons::list(conn, tenant).await
}

/// Redeems `code` on `sub` from its next uninvoiced period on. Expired, exhausted or
/// wrong-currency coupons are refused and nothing changes.
pub async fn redeem(
    conn: &mut PgConnection,
    tenant: TenantId,
    sub: &Subscription,
    code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (id, coupon) = store::coupons::get_for_update(conn, tenant, code.trim())
        .await?
        .ok_or_else(|| Error::not_found("coupon", code))?;
    coupon.check_redeemable(now, sub.currency())?;
    store::coupons::redeem(conn, tenant, id, sub.id, sub.next_period_index, now).await?;
    // The discount changes MRR from the period it applies to on (not before today).
    let from = sub.next_period_start.min(now.date_naive());
    crate::service::metrics::record(conn, tenant, sub, from, now).await
}
