//! Cursor pagination in the API: `?limit=20&starting_after=<id>` in, `{object, data, has_more,
//! next_cursor}` out.

use std::str::FromStr;

use billing_core::store::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    /// Invoices: only those in this status.
    pub status: Option<String>,
    /// Invoices: only the credit notes of this invoice.
    pub credit_note_for: Option<String>,
}

impl ListQuery {
    /// The page request, with the cursor parsed as an id of kind `I`.
    pub fn page<I>(&self, uuid: impl Fn(&I) -> uuid::Uuid) -> ApiResult<PageRequest>
    where
        I: FromStr<Err = billing_core::ids::IdParseError>,
    {
        let after = match &self.starting_after {
            Some(text) => Some(uuid(&text.parse::<I>().map_err(billing_core::Error::from)?)),
            None => None,
        };
        Ok(PageRequest::new(self.limit, after)?)
    }
}

#[derive(Debug, Serialize)]
pub struct ListResponse<T> {
    pub object: &'static str,
    pub data: Vec<T>,
    pub has_more: bool,
    /// Pass as `starting_after` to get the next page.
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn from_page<U>(page: Page<U>, cursor: impl Fn(&U) -> String, map: impl Fn(U) -> T) -> Self {
        let next_cursor = if page.has_more { page.items.last().map(&cursor) } else { None };
        Self { object: "list", has_more: page.has_more, next_cursor, data: page.items.into_iter().map(map).collect() }
    }
}
