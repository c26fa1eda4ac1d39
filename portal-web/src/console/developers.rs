//! What the admin's developer pages share (API keys in `api_keys.rs`, webhook endpoints in
//! `webhooks.rs`; issue 16, and the Settings of issue 14): the confirm page every action passes,
//! the once-only claim of a form inside the action's own transaction, and instants as the pages
//! show them. Admins only (the staff-managing permission, which no other role has).

use askama::Template;
use billing_core::staff::Permission;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::ctx::{Chrome, Console};
use crate::api::error::ApiError;
use crate::i18n::{I18n, format};
use crate::web::error::{PageError, PageResult};

/// The role that may open the developer pages: admins.
pub const PERMISSION: Permission = Permission::Settings;

/// A number typed on the confirm page (the overlap of a rotation).
pub struct NumberField {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub value: i64,
    pub min: i64,
    pub max: i64,
}

/// What an action shows before it is done: facts, an optional warning and number, the form
/// fields carried over, and a fresh once-only nonce.
#[derive(Template)]
#[template(path = "console/developers_confirm.html")]
pub struct ConfirmPage<'a> {
    pub c: &'a Chrome,
    pub back_href: String,
    pub back_label: String,
    pub warning: Option<String>,
    pub facts: Vec<(String, String)>,
    pub hidden: Vec<(&'static str, String)>,
    pub number: Option<NumberField>,
    pub nonce: String,
    pub danger: bool,
}

/// Claims a form's nonce on `conn` (the action's transaction): `Some(previous outcome)` when it
/// was submitted before, so a double click, a reload or a resend changes nothing twice.
pub async fn claim(ctx: &Console, conn: &mut PgConnection, nonce: &str, outcome: &str) -> PageResult<Option<String>> {
    let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
    if nonce.len() != 64 {
        return Err(PageError::csrf());
    }
    Ok(billing_core::service::staff::claim_form(conn, hash, nonce, outcome, ctx.now).await?)
}

/// An engine refusal as a sentence for the form it came from.
pub fn problem_text(ctx: &Console, e: billing_core::Error) -> String {
    let e = ApiError::from(e);
    I18n::global().text(ctx.lang(), e.message_id, &e.args)
}

/// An instant in the merchant's time zone: its date as the language writes it and the time.
pub fn when(ctx: &Console, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&ctx.tenant.timezone);
    format!("{} {}", format::date(local.date_naive(), ctx.lang()), local.format("%H:%M"))
}

/// A message with several arguments.
pub fn texts(ctx: &Console, id: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, v.to_string())).collect();
    I18n::global().text(ctx.lang(), id, &args)
}
