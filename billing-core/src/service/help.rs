//! The merchant's FAQ for the portal's help page: replacing it, reading it in a language (with
//! the tenant's default language as the fallback), and searching it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::help::FaqEntry;
use crate::ids::TenantId;
use crate::store;

/// The most entries a tenant's FAQ holds, over all languages.
pub const MAX_ENTRIES: usize = 500;

/// Replaces the tenant's FAQ. `locale` is the language tag the portal serves (the caller
/// checks it against its languages); question and answer are trimmed and must not be empty.
pub async fn put_faq(
    conn: &mut PgConnection,
    tenant: TenantId,
    entries: Vec<FaqEntry>,
    now: DateTime<Utc>,
) -> Result<Vec<FaqEntry>> {
    if entries.len() > MAX_ENTRIES {
        return Err(Error::invalid("entries", format!("at most {MAX_ENTRIES} entries")));
    }
    let mut clean = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let question = e.question.trim().to_string();
        let answer = e.answer.trim().to_string();
        if question.is_empty() || question.chars().count() > 500 {
            return Err(Error::invalid("question", format!("entry {}: 1 to 500 characters", i + 1)));
        }
        if answer.is_empty() || answer.chars().count() > 10_000 {
            return Err(Error::invalid("answer", format!("entry {}: 1 to 10000 characters", i + 1)));
        }
        clean.push(FaqEntry { locale: e.locale, question, answer });
    }
    store::help::replace_faq(conn, tenant, &clean, now).await?;
    store::help::faq(conn, tenant).await
}

pub async fn faq(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<FaqEntry>> {
    store::help::faq(conn, tenant).await
}

/// The FAQ in `locale`, else in the tenant's default language.
pub async fn faq_in(conn: &mut PgConnection, tenant: TenantId, locale: &str, fallback: &str) -> Result<Vec<FaqEntry>> {
    store::help::faq_in(conn, tenant, locale, fallback).await
}
