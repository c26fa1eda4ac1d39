//! Reports about mails that arrive later as mails themselves (docs/adr/0046): a bounce (RFC 3464
//! delivery status notification) or a spam complaint (RFC 5965 feedback report) is matched to
//! the mail it is about by the `Message-ID` our outbox gave it, and the address that mail went to
//! goes on its tenant's suppression list (`bounce` or `complaint`). A report that changes
//! nothing (a delay, a temporary failure, another feedback type) is answered and stored nowhere.

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::mail_report::{self, MailReportError};
use crate::store;

/// What a report did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub tenant: TenantId,
    /// `delivery_status` or `feedback`.
    pub report_type: &'static str,
    /// The mail the report is about.
    pub mail: Uuid,
    pub message_id: String,
    /// The address that mail went to.
    pub address: String,
    /// `bounce` or `complaint` when the address is suppressed now; none when nothing changed.
    pub suppressed: Option<&'static str>,
    /// False when the address was on the list already (a report sent twice adds nothing).
    pub newly_suppressed: bool,
    /// What the report says, as recorded with the suppression.
    pub detail: String,
}

/// Reads `raw` (the report mail as received) and applies it. `tenant`: the API's merchant (only
/// its own mails match; another's is not found); `None` from the operator's command line, where
/// the `Message-ID` alone names the mail. Without a `Message-ID` in the report, the merchant's
/// latest mail to the reported address is the one it is about.
pub async fn apply(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let report = mail_report::parse(raw).map_err(Error::MailReport)?;
    let reported_to = report
        .original_to
        .clone()
        .or_else(|| report.recipients.iter().find_map(|r| r.original_recipient.clone().or(r.final_recipient.clone())));
    let mail = match (&report.message_id, tenant, &reported_to) {
        (Some(id), _, _) => store::mail::by_message_id(conn, tenant, id).await?,
        (None, Some(t), Some(address)) => store::mail::latest_to(conn, t, address).await?,
        (None, Some(_), None) => None,
        (None, None, _) => return Err(Error::MailReport(MailReportError::NoMessageId)),
    };
    let Some(mail) = mail else {
        let named = report.message_id.clone().or(reported_to).unwrap_or_default();
        return Err(Error::not_found("mail", named));
    };
    let verdict = report.verdict(&mail.to_address);
    let mut newly_suppressed = false;
    if let Some(reason) = verdict.reason() {
        let mut tx = conn.begin().await?;
        newly_suppressed =
            store::mail::suppress(&mut tx, mail.tenant_id, &mail.to_address, reason, Some(verdict.detail()), now)
                .await?;
        if reason == "bounce" {
            store::mail::mark_bounced(&mut tx, mail.tenant_id, mail.id, verdict.detail()).await?;
        }
        tx.commit().await?;
    }
    Ok(Applied {
        tenant: mail.tenant_id,
        report_type: report.report_type.as_str(),
        mail: mail.id,
        message_id: mail.message_id,
        address: mail.to_address,
        suppressed: verdict.reason(),
        newly_suppressed,
        detail: verdict.detail().to_string(),
    })
}
