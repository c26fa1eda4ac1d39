//! `billing simulate`: a subscription scenario over months on a simulated clock; prints the
//! invoices it would produce and stores nothing.

use std::path::Path;

use anyhow::Context;

use super::{Ctx, t};

pub async fn run(ctx: &Ctx, slug: &str, file: &Path, json: bool) -> anyhow::Result<()> {
    use sqlx::Connection;
    let lang = ctx.lang;
    let text = String::from_utf8(ctx.read_input(file)?).with_context(|| format!("{} is not UTF-8", file.display()))?;
    let scenario: billing_core::service::simulation::Scenario =
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid scenario", file.display()))?;
    let tenant = super::tenant::by_slug(ctx, slug).await?;
    let mut conn = ctx.db().pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let result = billing_core::service::simulation::simulate(&mut tx, tenant.id, &scenario).await;
    tx.rollback().await?;
    let result = result?;
    if json {
        ctx.out.line(serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    ctx.out.line(t(
        lang,
        "cli-sim-header",
        &[("start", result.start_date.to_string()), ("end", result.end_date.to_string())],
    ));
    for inv in &result.invoices {
        let period = match (inv.period_start, inv.period_end) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => inv
                .lines
                .first()
                .and_then(|l| l.period_start.zip(l.period_end))
                .map(|(a, b)| format!("{a} – {b}"))
                .unwrap_or_default(),
        };
        ctx.out.line(format!(
            "  {}  {:<12} {:<25} {:>14}{}",
            inv.issue_date.map(|d| d.to_string()).unwrap_or_default(),
            t(lang, &format!("cli-sim-kind-{}", inv.kind.replace('_', "-")), &[]),
            period,
            inv.total.to_string(),
            if inv.discount.is_zero() { String::new() } else { format!("  (-{})", inv.discount) }
        ));
    }
    ctx.out.line(t(
        lang,
        "cli-sim-total",
        &[
            ("count", result.invoices.len().to_string()),
            ("total", result.total.to_string()),
            ("status", result.final_status.to_string()),
        ],
    ));
    Ok(())
}
