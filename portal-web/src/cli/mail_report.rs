//! `billing mail report --file PATH`: a bounce (RFC 3464 delivery status notification) or a spam
//! complaint (RFC 5965 feedback report) that came back as a mail, e.g. piped from the bounce
//! mailbox's delivery agent with `--file -`: the address the original mail went to is put on its
//! merchant's suppression list (`billing_core::service::mail_reports`, docs/adr/0046).

use std::path::Path;

use billing_core::mail_report::MailReportError;
use billing_core::service::mail_reports;

use super::{Ctx, t};

pub async fn run(ctx: &Ctx, file: &Path, tenant: Option<&str>) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let raw = ctx.read_input(file)?;
    let raw = String::from_utf8_lossy(&raw);
    let tenant = match tenant {
        Some(slug) => Some(super::tenant::by_slug(ctx, slug).await?.id),
        None => None,
    };
    let mut conn = ctx.db().pool.acquire().await?;
    let applied = match mail_reports::apply(&mut conn, tenant, &raw, ctx.clock().now()).await {
        Ok(a) => a,
        Err(billing_core::Error::MailReport(e)) => {
            let key = match e {
                MailReportError::NotAReport => "mail-report-error-not-a-report",
                MailReportError::NoStatus => "mail-report-error-no-status",
                MailReportError::NoMessageId => "mail-report-error-no-message-id",
            };
            anyhow::bail!(t(lang, key, &[]));
        }
        Err(billing_core::Error::NotFound { id, .. }) => {
            anyhow::bail!(t(lang, "mail-report-cli-no-mail", &[("id", id)]))
        }
        Err(e) => return Err(e.into()),
    };
    let slug = billing_core::store::tenants::get(&mut conn, applied.tenant)
        .await?
        .map(|t| t.slug)
        .unwrap_or_else(|| applied.tenant.to_string());
    let args = [("address", applied.address.clone()), ("tenant", slug), ("detail", applied.detail.clone())];
    let line = match applied.suppressed {
        Some(reason) if applied.newly_suppressed => {
            let mut args = args.to_vec();
            args.push(("reason", reason.to_string()));
            t(lang, "mail-report-cli-suppressed", &args)
        }
        Some(_) => t(lang, "mail-report-cli-already", &args),
        None => t(lang, "mail-report-cli-ignored", &args),
    };
    ctx.out.line(line);
    Ok(())
}
