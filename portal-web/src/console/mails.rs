//! Resending a mail from the customer page's "mails sent" list (support, finance, admin): the
//! same rendered mail (template, address, language and outbox message) queued again as a new
//! mail row with a new Message-ID, sent by the mail worker; the review shows what goes where, the
//! confirm form's nonce queues it once, and the audit line records the old and the new mail.

use axum::extract::{Form, Path};
use axum::response::Response;
use billing_core::ids::CustomerId;
use billing_core::service::staff as staff_service;
use billing_core::staff::Permission;
use uuid::Uuid;

use super::confirm::{self, field};
use super::ctx::Console;
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};

struct Target {
    customer: billing_core::customer::Customer,
    mail: staff_service::MailSummary,
}

async fn load(ctx: &Console, id: &str, mail: &str) -> PageResult<Target> {
    let customer: CustomerId = id.parse().map_err(|_| PageError::not_found())?;
    let mail: Uuid = mail.parse().map_err(|_| PageError::not_found())?;
    ctx.require(Permission::HelpCustomers, "customer.resend_mail", Some(format!("mail:{mail}")), Some(customer))
        .await?;
    let mut conn = ctx.state.pool.acquire().await?;
    let customer = billing_core::service::customers::get(&mut conn, ctx.tenant.id, customer).await?;
    let mail =
        staff_service::customer_mail(&mut conn, ctx.tenant.id, customer.id, customer.email.as_str(), mail).await?;
    Ok(Target { customer, mail })
}

fn review(ctx: &Console, t: &Target) -> Response {
    let lang = ctx.lang();
    let sent = t.mail.created_at.with_timezone(&ctx.tenant.timezone).date_naive();
    let facts = vec![
        (ctx.t("console-field-customer"), t.customer.name.clone()),
        (ctx.t("console-mail-template"), t.mail.template.clone()),
        (ctx.t("console-mail-to"), t.mail.to_address.clone()),
        (ctx.t("console-mail-first-sent"), format::date(sent, lang)),
        (ctx.t("console-mail-status"), t.mail.status.clone()),
    ];
    let href = ctx.chrome.href(&format!("/customers/{}", t.customer.id));
    let back = (href, ctx.chrome.t1("console-back-to-customer", "name", &t.customer.name));
    let action = ctx.chrome.href(&format!("/customers/{}/mails/{}/resend", t.customer.id, t.mail.id));
    confirm::page(ctx, "console-mail-resend-title", "customers", back, action, facts, vec![], false)
}

/// `GET /customers/{id}/mails/{mail}/resend`: the review with the confirm form.
pub async fn resend_page(ctx: Console, Path(super::Ids { id, action, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        let t = load(&ctx, &id, &action).await?;
        Ok(review(&ctx, &t))
    })
    .await;
    ctx.finish(result)
}

/// `POST /customers/{id}/mails/{mail}/resend`: queues the mail again, once per confirm form.
pub async fn resend(
    ctx: Console,
    Path(super::Ids { id, action, .. }): Path<super::Ids>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        let t = load(&ctx, &id, &action).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        if field(&pairs, "step") != Some("confirm") {
            return Ok(review(&ctx, &t));
        }
        let outcome = ctx.chrome.href(&format!("/customers/{}?done=resend-mail", t.customer.id));
        let auditor = confirm::Auditor::of(&ctx);
        let (customer, email, mail) = (t.customer.id, t.customer.email.to_string(), t.mail);
        super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let new =
                    staff_service::resend_mail(tx, auditor.tenant, customer, &email, mail.id, auditor.now).await?;
                let before = serde_json::json!({
                    "mail": mail.id, "template": mail.template, "to": mail.to_address, "status": mail.status,
                    "message_id": mail.message_id,
                });
                let after = serde_json::json!({ "mail": new, "template": mail.template, "to": mail.to_address });
                auditor
                    .done(
                        tx,
                        "customer.resend_mail",
                        Some(format!("mail:{}", mail.id)),
                        Some(customer),
                        None,
                        Some(before),
                        Some(after),
                    )
                    .await
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}
