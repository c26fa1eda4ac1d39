//! CSV files for accountants and analysts (docs/metrics.md): invoices, credit notes and payments
//! for a date range, and the metric reports. RFC 4180 (comma, CRLF, quotes doubled), UTF-8;
//! amounts as plain decimals in the currency's exponent (`29.00`); a text cell that a spreadsheet
//! would take for a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe.

use billing_core::service::metrics::{MrrReport, MrrSeries, PortalReport, RevenueReport, SuccessReport, ValueReport};
use billing_core::store::exports::{DocumentRow, PaymentRow};

use super::run_report::major;

fn field(out: &mut String, v: &str) {
    let v = if v.starts_with(['=', '+', '-', '@']) && v.parse::<f64>().is_err() { format!("'{v}") } else { v.into() };
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&v);
    }
}

fn row(out: &mut String, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, c);
    }
    out.push_str("\r\n");
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// The invoice (or credit note) export.
pub fn documents_csv(rows: &[DocumentRow]) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "number",
            "kind",
            "status",
            "issue_date",
            "due_date",
            "customer_id",
            "customer_name",
            "customer_country",
            "customer_vat_id",
            "currency",
            "subtotal",
            "discount",
            "tax",
            "total",
            "amount_paid",
            "credit_note_for",
        ]
        .map(String::from),
    );
    for r in rows {
        let m = |v: i64| major(v, &r.currency);
        row(
            &mut out,
            &[
                r.number.clone(),
                r.kind.clone(),
                r.status.clone(),
                r.issue_date.to_string(),
                opt(&r.due_date),
                billing_core::ids::CustomerId(r.customer_id).to_string(),
                r.customer_name.clone(),
                r.customer_country.clone(),
                opt(&r.customer_vat_id),
                r.currency.clone(),
                m(r.subtotal),
                m(r.discount),
                m(r.tax),
                m(r.total),
                m(r.amount_paid),
                opt(&r.credit_note_for),
            ],
        );
    }
    out
}

/// The payment export: receipts positive, refunds negative.
pub fn payments_csv(rows: &[PaymentRow]) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &["received_at", "invoice_number", "customer_id", "source", "reference", "currency", "amount", "to_balance"]
            .map(String::from),
    );
    for r in rows {
        row(
            &mut out,
            &[
                r.received_at.to_rfc3339(),
                opt(&r.invoice_number),
                billing_core::ids::CustomerId(r.customer_id).to_string(),
                r.source.clone(),
                r.reference.clone(),
                r.currency.clone(),
                major(r.amount, &r.currency),
                major(r.to_balance, &r.currency),
            ],
        );
    }
    out
}

fn mrr_rows(out: &mut String, series: &str, s: &MrrSeries) {
    for p in &s.periods {
        let m = |v: i64| major(v, &s.currency);
        row(
            out,
            &[
                series.to_string(),
                s.currency.clone(),
                p.start.to_string(),
                p.end.to_string(),
                m(p.mrr_start),
                m(p.mrr),
                m(p.arr),
                m(p.new),
                m(p.expansion),
                m(p.contraction),
                m(p.churn),
                m(p.reactivation),
                p.fx_effect.map(m).unwrap_or_default(),
                m(p.metered),
                p.customers.to_string(),
                p.new_customers.to_string(),
                p.churned_customers.to_string(),
                p.reactivated_customers.to_string(),
                opt(&p.logo_churn_rate),
                opt(&p.revenue_churn_rate),
                opt(&p.nrr),
                opt(&p.grr),
                p.arpu.map(m).unwrap_or_default(),
            ],
        );
    }
}

/// One row per series (`currency` or `reporting`) and period.
pub fn mrr_csv(r: &MrrReport) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "series",
            "currency",
            "start",
            "end",
            "mrr_start",
            "mrr",
            "arr",
            "new",
            "expansion",
            "contraction",
            "churn",
            "reactivation",
            "fx_effect",
            "metered",
            "customers",
            "new_customers",
            "churned_customers",
            "reactivated_customers",
            "logo_churn_rate",
            "revenue_churn_rate",
            "nrr",
            "grr",
            "arpu",
        ]
        .map(String::from),
    );
    for s in &r.currencies {
        mrr_rows(&mut out, "currency", s);
    }
    if let Some(s) = &r.reporting {
        mrr_rows(&mut out, "reporting", s);
    }
    out
}

/// `figure,feature,value`: one row per figure (actions per feature).
pub fn portal_csv(r: &PortalReport) -> String {
    let mut out = String::new();
    row(&mut out, &["figure", "feature", "value"].map(String::from));
    let mut put = |figure: &str, feature: &str, value: String| {
        row(&mut out, &[figure.to_string(), feature.to_string(), value]);
    };
    put("customers", "", r.customers.to_string());
    put("registered", "", r.registered.to_string());
    put("active", "", r.active.to_string());
    put("adoption", "", opt(&r.adoption));
    put("registration_rate", "", opt(&r.registration_rate));
    put("returning", "", r.returning.to_string());
    put("sign_ins", "", r.sign_ins.to_string());
    put("sessions", "", r.sessions.to_string());
    put("page_views", "", r.page_views.to_string());
    put("pages_per_session", "", opt(&r.pages_per_session));
    put("sessions_with_views", "", r.sessions_with_views.to_string());
    put("bounced_sessions", "", r.bounced_sessions.to_string());
    put("bounce_rate", "", opt(&r.bounce_rate));
    put("median_session_seconds", "", r.median_session_seconds.map(|s| s.to_string()).unwrap_or_default());
    put("self_service_actions", "", r.self_service_actions.to_string());
    put("failed_sign_ins", "", r.failed_sign_ins.to_string());
    put("lockouts", "", r.lockouts.to_string());
    put("revoked_sessions", "", r.revoked_sessions.to_string());
    put("links_requested", "", r.links_requested.to_string());
    for a in &r.actions {
        put("action_started", &a.action, a.started.to_string());
        put("action_completed", &a.action, a.completed.to_string());
        put("action_completion_rate", &a.action, opt(&a.completion_rate));
    }
    out
}

/// `figure,key,currency,value`.
pub fn revenue_csv(r: &RevenueReport) -> String {
    let mut out = String::new();
    row(&mut out, &["figure", "key", "currency", "value"].map(String::from));
    let mut put = |figure: &str, key: &str, currency: &str, value: String| {
        row(&mut out, &[figure.to_string(), key.to_string(), currency.to_string(), value]);
    };
    for x in &r.recovery {
        put("failed_invoices", "", &x.currency, x.failed_invoices.to_string());
        put("recovered_invoices", "", &x.currency, x.recovered_invoices.to_string());
        put("recovery_rate", "", &x.currency, opt(&x.recovery_rate));
        put("recovered_revenue", "", &x.currency, major(x.recovered_revenue, &x.currency));
    }
    for d in &r.dso {
        put("receivables", "", &d.currency, major(d.receivables, &d.currency));
        put("invoiced", "", &d.currency, major(d.invoiced, &d.currency));
        put("days_sales_outstanding", "", &d.currency, opt(&d.days_sales_outstanding));
    }
    for c in &r.cancellation_reasons {
        put("cancellation_reason", &c.reason, "", c.count.to_string());
    }
    put("retention_shown", "", "", r.retention.shown.to_string());
    put("retention_accepted", "", "", r.retention.accepted.to_string());
    put("retention_saved", "", "", r.retention.saved.to_string());
    put("retention_save_rate", "", "", opt(&r.retention.save_rate));
    put("trials_ended", "", "", r.trials.ended.to_string());
    put("trials_converted", "", "", r.trials.converted.to_string());
    put("trial_conversion_rate", "", "", opt(&r.trials.conversion_rate));
    out
}

/// One row per currency and month, then one `total` row per currency (minor units as decimals).
pub fn value_csv(r: &ValueReport) -> String {
    let mut out = String::new();
    row(
        &mut out,
        &[
            "currency",
            "start",
            "end",
            "new_customers",
            "acquisition_spend",
            "cac",
            "arpu",
            "customers_start",
            "churned_customers",
            "logo_churn_rate",
            "ltv",
            "ltv_cac",
            "paid_invoices",
            "paid_total",
            "aov",
        ]
        .map(String::from),
    );
    for s in &r.currencies {
        let m = |v: i64| major(v, &s.currency);
        for (label, p) in s.periods.iter().map(|p| (None, p)).chain(std::iter::once((Some("total"), &s.total))) {
            row(
                &mut out,
                &[
                    s.currency.clone(),
                    label.map_or_else(|| p.start.to_string(), |l| l.to_string()),
                    if label.is_some() { String::new() } else { p.end.to_string() },
                    p.new_customers.to_string(),
                    m(p.acquisition_spend),
                    p.cac.map(m).unwrap_or_default(),
                    p.arpu.map(m).unwrap_or_default(),
                    p.customers_start.to_string(),
                    p.churned_customers.to_string(),
                    opt(&p.logo_churn_rate),
                    p.ltv.map(m).unwrap_or_default(),
                    opt(&p.ltv_cac),
                    p.paid_invoices.to_string(),
                    m(p.paid_total),
                    p.aov.map(m).unwrap_or_default(),
                ],
            );
        }
    }
    out
}

/// `figure,key,value`: the portal-success figures (surveys with one row per month, help,
/// questions, funnels, savings, changes, staff second factor).
pub fn success_csv(r: &SuccessReport) -> String {
    let mut out = String::new();
    row(&mut out, &["figure", "key", "value"].map(String::from));
    let mut put = |figure: &str, key: &str, value: String| {
        row(&mut out, &[figure.to_string(), key.to_string(), value]);
    };
    for s in &r.surveys {
        put(&format!("{}_responses", s.kind), "", s.responses.to_string());
        put(&format!("{}_dismissed", s.kind), "", s.dismissed.to_string());
        put(&format!("{}_score", s.kind), "", opt(&s.score));
        put(&format!("{}_average", s.kind), "", opt(&s.average));
        for m in &s.months {
            put(&format!("{}_score_month", s.kind), &m.start.to_string(), opt(&m.score));
            put(&format!("{}_responses_month", s.kind), &m.start.to_string(), m.responses.to_string());
        }
    }
    put("nps_promoters", "", r.surveys.iter().map(|s| s.promoters).sum::<i64>().to_string());
    put("nps_detractors", "", r.surveys.iter().map(|s| s.detractors).sum::<i64>().to_string());
    for c in &r.comments {
        put("comment", &format!("{} {} {}", c.at.format("%Y-%m-%dT%H:%M:%SZ"), c.kind, c.score), c.comment.clone());
    }
    put("help_searches", "", r.help.searches.to_string());
    put("zero_result_searches", "", r.help.zero_result_searches.to_string());
    put("zero_result_rate", "", opt(&r.help.zero_result_rate));
    for q in &r.help.top_zero_result_queries {
        put("zero_result_query", &q.query, q.count.to_string());
    }
    let q = &r.questions;
    put("questions_asked", "", q.asked.to_string());
    put("questions_answered", "", q.answered.to_string());
    put("questions_resolved", "", q.resolved.to_string());
    put("median_first_response_seconds", "", opt(&q.median_first_response_seconds));
    put("median_resolution_seconds", "", opt(&q.median_resolution_seconds));
    put("questions_per_100_customers", "", opt(&q.per_100_customers));
    put("deflection", "", opt(&q.deflection));
    for f in &r.funnels {
        for s in &f.steps {
            put("funnel_visitors", &format!("{}:{}", f.funnel, s.step), s.visitors.to_string());
            put("funnel_conversion", &format!("{}:{}", f.funnel, s.step), opt(&s.conversion));
        }
    }
    let v = &r.savings;
    let m = |x: i64| major(x, &v.currency);
    put("minutes_saved", "", v.minutes_saved.to_string());
    put("cost_saved", &v.currency, m(v.cost_saved));
    put("paperless_share", "", opt(&v.paperless_share));
    put("postage_saved", &v.currency, m(v.postage_saved));
    put("total_saved", &v.currency, m(v.total_saved));
    put("changes_by_customers", "", r.changes.by_customers.to_string());
    put("changes_by_staff", "", r.changes.by_staff.to_string());
    put("customer_share", "", opt(&r.changes.customer_share));
    put("active_staff", "", r.staff_security.active_staff.to_string());
    put("staff_with_two_factor", "", r.staff_security.with_two_factor.to_string());
    put("staff_two_factor_adoption", "", opt(&r.staff_security.two_factor_adoption));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_defused_and_quoted() {
        let mut out = String::new();
        row(&mut out, &["=HYPERLINK(\"x\")".into(), "-12.50".into(), "a,b".into()]);
        assert_eq!(out, "\"'=HYPERLINK(\"\"x\"\")\",-12.50,\"a,b\"\r\n");
    }
}
