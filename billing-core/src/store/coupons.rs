//! Coupons and their redemption on subscriptions.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::coupon::{Coupon, CouponDuration, CouponValue};
use crate::error::{Error, Result};
use crate::ids::{SubscriptionId, TenantId};

#[derive(sqlx::FromRow)]
struct CouponRow {
    id: Uuid,
    code: String,
    value: serde_json::Value,
    duration: serde_json::Value,
    expires_at: Option<DateTime<Utc>>,
    max_redemptions: Option<i32>,
    times_redeemed: i32,
}

fn from_row(r: CouponRow) -> Result<(Uuid, Coupon)> {
    Ok((
        r.id,
        Coupon {
            code: r.code,
            value: serde_json::from_value::<CouponValue>(r.value).map_err(|e| corrupt("coupon value", e))?,
            duration: serde_json::from_value::<CouponDuration>(r.duration)
                .map_err(|e| corrupt("coupon duration", e))?,
            expires_at: r.expires_at,
            max_redemptions: r.max_redemptions.map(|m| m.max(0) as u32),
            times_redeemed: r.times_redeemed.max(0) as u32,
        },
    ))
}

const SELECT: &str = "SELECT id, code, value, duration, expires_at, max_redemptions, times_redeemed FROM coupons";

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, c: &Coupon, now: DateTime<Utc>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO coupons (tenant_id, id, code, value, duration, expires_at, max_redemptions, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant)
    .bind(id)
    .bind(&c.code)
    .bind(serde_json::to_value(&c.value).map_err(|e| corrupt("coupon value", e))?)
    .bind(serde_json::to_value(c.duration).map_err(|e| corrupt("coupon duration", e))?)
    .bind(c.expires_at)
    .bind(c.max_redemptions.map(|m| m as i32))
    .bind(now)
    .execute(conn)
    .await
    .map_err(|e| super::catalog::unique_to_duplicate(e, "coupons_code_unique", "coupon", &c.code))?;
    Ok(id)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Coupon>> {
    let rows: Vec<CouponRow> =
        sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 ORDER BY code")).bind(tenant).fetch_all(conn).await?;
    rows.into_iter().map(|r| from_row(r).map(|(_, c)| c)).collect()
}

/// Loads a coupon by code and locks it, so concurrent redemptions count one after another.
pub async fn get_for_update(conn: &mut PgConnection, tenant: TenantId, code: &str) -> Result<Option<(Uuid, Coupon)>> {
    let row: Option<CouponRow> = sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND code = $2 FOR UPDATE"))
        .bind(tenant)
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(from_row).transpose()
}

/// Attaches a locked, checked coupon to a subscription and counts the redemption.
pub async fn redeem(
    conn: &mut PgConnection,
    tenant: TenantId,
    coupon_id: Uuid,
    sub: SubscriptionId,
    from_period_index: u32,
    now: DateTime<Utc>,
) -> Result<()> {
    let attached = sqlx::query(
        "INSERT INTO subscription_discounts (tenant_id, subscription_id, coupon_id, from_period_index, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(sub)
    .bind(coupon_id)
    .bind(from_period_index as i32)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if attached == 0 {
        return Err(Error::invalid("coupon", "the subscription already has a coupon"));
    }
    sqlx::query("UPDATE coupons SET times_redeemed = times_redeemed + 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(coupon_id)
        .execute(conn)
        .await?;
    Ok(())
}
