//! Cursor pagination in the API: `?limit=20&starting_after=<id>` in, `{object, data, has_more,
//! next_cursor}` out.

use std::str::FromStr;

use billing_core::store::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;

/// The query of a paginated list. `customer`, `subscription`, `status` and `credit_note_for`
/// filter the lists that name them in their documentation.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// How many items (1-100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page: the id of its last item.
    pub starting_after: Option<String>,
    /// Only this customer's items (`cus_…`).
    pub customer: Option<String>,
    /// Only this subscription's items (`sub_…`).
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

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    /// Always `list`.
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
