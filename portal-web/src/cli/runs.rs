//! `billing runs list | show | report`: the recorded invoice runs, for finance staff.

use std::path::Path;

use anyhow::Context;
use billing_core::ids::InvoiceRunId;
use billing_core::service::invoice_runs;
use billing_core::service::invoicing::summary_of;
use billing_core::store::runs::InvoiceRunRecord;

use super::invoice_run::render_tenant_body;
use super::{Ctx, t};

fn kind(lang: &str, r: &InvoiceRunRecord) -> String {
    t(lang, if r.dry_run { "cli-runs-dry" } else { "cli-runs-real" }, &[])
}

fn parse_id(id: &str) -> anyhow::Result<InvoiceRunId> {
    id.parse().map_err(|e| anyhow::anyhow!("`{id}` is not an invoice run id: {e}"))
}

pub async fn list(ctx: &Ctx, tenant: Option<&str>, limit: i64, json: bool) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let mut conn = ctx.db().pool.acquire().await?;
    let tenant = match tenant {
        Some(slug) => Some(
            billing_core::service::tenants::get_by_slug(&mut conn, slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?
                .id,
        ),
        None => None,
    };
    let runs = invoice_runs::recent(&mut conn, tenant, limit).await?;
    if json {
        // The API's spelling of the id (`ir_…`), which `runs show` and `runs report` take.
        let mut values = Vec::with_capacity(runs.len());
        for r in &runs {
            let mut v = serde_json::to_value(r)?;
            v["id"] = serde_json::Value::String(r.run_id().to_string());
            values.push(v);
        }
        ctx.out.line(serde_json::to_string_pretty(&values)?);
        return Ok(());
    }
    if runs.is_empty() {
        ctx.out.line(t(lang, "cli-runs-none", &[]));
    }
    for r in &runs {
        ctx.out.line(t(
            lang,
            "cli-runs-line",
            &[
                ("id", r.run_id().to_string()),
                ("date", r.as_of.to_string()),
                ("kind", kind(lang, r)),
                ("status", r.status.clone()),
                ("invoices", r.invoices_created.to_string()),
                ("exceptions", r.exceptions_count.to_string()),
                ("started", r.started_at.format("%Y-%m-%d %H:%M:%S").to_string()),
                ("by", r.triggered_by.clone()),
            ],
        ));
    }
    Ok(())
}

pub async fn show(ctx: &Ctx, id: &str, json: bool) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let run = parse_id(id)?;
    let mut conn = ctx.db().pool.acquire().await?;
    let Some(report) = invoice_runs::find(&mut conn, run).await? else {
        anyhow::bail!("{}", t(lang, "cli-runs-not-found", &[("id", id.to_string())]));
    };
    let record = report.record.clone();
    let summary = summary_of(report)?;
    if json {
        let mut run_json = serde_json::to_value(&record)?;
        run_json["id"] = serde_json::Value::String(run.to_string());
        let value = serde_json::json!({ "run": run_json, "summary": summary });
        ctx.out.line(serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let mut out = String::new();
    out.push_str(&t(lang, "cli-run-id", &[("id", run.to_string()), ("status", record.status.clone())]));
    out.push('\n');
    out.push_str("  ");
    out.push_str(&t(
        lang,
        "cli-runs-detail",
        &[
            ("kind", kind(lang, &record)),
            ("date", record.as_of.to_string()),
            ("started", record.started_at.format("%Y-%m-%d %H:%M:%S").to_string()),
            ("by", record.triggered_by.clone()),
            ("finished", record.finished_at.map(|f| f.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()),
            ("ms", record.duration_ms.to_string()),
            ("subscriptions", record.subscriptions_considered.to_string()),
        ],
    ));
    out.push('\n');
    render_tenant_body(&mut out, &summary, lang);
    ctx.out.write(out.as_bytes());
    Ok(())
}

pub async fn report(ctx: &Ctx, id: &str, output: &Path) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let run = parse_id(id)?;
    let mut conn = ctx.db().pool.acquire().await?;
    let Some(report) = invoice_runs::find(&mut conn, run).await? else {
        anyhow::bail!("{}", t(lang, "cli-runs-not-found", &[("id", id.to_string())]));
    };
    let (csv, rows) = crate::ops::run_report::run_csv(&mut conn, &report, lang).await?;
    if output.as_os_str() == "-" {
        ctx.out.write(csv.as_bytes());
    } else {
        let output = ctx.path(output);
        std::fs::write(&output, csv).with_context(|| format!("writing {}", output.display()))?;
        ctx.out.line(t(
            lang,
            "cli-runs-report-written",
            &[("id", id.to_string()), ("file", output.display().to_string()), ("rows", rows.to_string())],
        ));
    }
    Ok(())
}
