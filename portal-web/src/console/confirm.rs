//! The confirm step shared by the console-ops pages (questions, mails, bank, settings): a page
//! that shows what will happen and re-posts the submitted fields with `step=confirm` and a
//! once-only nonce ([`super::once`] claims it with the change).

use askama::Template;
use axum::response::Response;

use super::ctx::{Chrome, Console};

#[derive(Template)]
#[template(path = "console/confirm.html")]
pub struct ConfirmPage<'a> {
    pub c: &'a Chrome,
    pub back_href: String,
    pub back_label: String,
    /// Where the confirm form posts (the same handler).
    pub action: String,
    /// What will happen: (label, value); values keep their line breaks.
    pub facts: Vec<(String, String)>,
    /// The submitted fields, sent again (csrf, step and nonce are the page's own).
    pub fields: Vec<(String, String)>,
    pub nonce: String,
    /// Money moves: the button is red and a warning says so.
    pub money: bool,
}

/// Renders the confirm page for `fields` with a fresh nonce.
#[allow(clippy::too_many_arguments)]
pub fn page(
    ctx: &Console,
    title_id: &str,
    section: &'static str,
    back: (String, String),
    action: String,
    facts: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    money: bool,
) -> Response {
    let c = ctx.chrome(title_id, section);
    let fields = fields.into_iter().filter(|(k, _)| !matches!(k.as_str(), "csrf" | "nonce" | "step")).collect();
    ctx.page(&ConfirmPage {
        c: &c,
        back_href: back.0,
        back_label: back.1,
        action,
        facts,
        fields,
        nonce: c.nonce(),
        money,
    })
}

/// The first value of `name` among submitted form pairs.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A localized text for an engine error (its Fluent message in the page's language), for a form
/// that shows the problem beside its fields.
pub fn error_text(ctx: &Console, e: &crate::web::error::PageError) -> String {
    match e {
        crate::web::error::PageError::Problem(p) => crate::i18n::I18n::global().text(ctx.lang(), p.message_id, &p.args),
        crate::web::error::PageError::Redirect(_) => String::new(),
    }
}

/// A duration in whole minutes, hours and days, in the page's language.
pub fn duration(c: &Chrome, seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let i18n = crate::i18n::I18n::global();
    if days > 0 {
        i18n.text(c.lang, "console-duration-days", &[("days", days.to_string()), ("hours", hours.to_string())])
    } else if hours > 0 {
        i18n.text(c.lang, "console-duration-hours", &[("hours", hours.to_string()), ("minutes", mins.to_string())])
    } else {
        i18n.text(c.lang, "console-duration-minutes", &[("minutes", mins.to_string())])
    }
}

/// Who acts, owned, for an audit line written inside [`super::once`]'s transaction.
#[derive(Clone)]
pub struct Auditor {
    pub tenant: billing_core::ids::TenantId,
    pub staff: Option<uuid::Uuid>,
    pub actor: String,
    pub client: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Auditor {
    pub fn of(ctx: &Console) -> Self {
        Self {
            tenant: ctx.tenant.id,
            staff: ctx.staff.as_ref().map(|s| s.id),
            actor: ctx.actor(),
            client: ctx.client.clone(),
            now: ctx.now,
        }
    }

    /// A `done` line with before and after.
    #[allow(clippy::too_many_arguments)]
    pub async fn done(
        &self,
        conn: &mut sqlx::PgConnection,
        action: &str,
        target: Option<String>,
        customer: Option<billing_core::ids::CustomerId>,
        reason: Option<&str>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> crate::web::error::PageResult<()> {
        billing_core::service::staff::audit(
            conn,
            self.tenant,
            &billing_core::service::staff::AuditEntry {
                staff: self.staff,
                actor: &self.actor,
                action,
                outcome: "done",
                target,
                customer,
                reason,
                before,
                after,
                client: Some(&self.client),
            },
            self.now,
        )
        .await?;
        Ok(())
    }
}
