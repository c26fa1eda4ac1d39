//! Error classification for every front. The one mapping from engine errors to a status, a stable
//! code and a Fluent message is `api::error::ApiError`'s; the API renders it as JSON, the pages
//! render the same classification as an HTML page in the page's language
//! ([`super::layout::error_page`]). A redirect (to the sign-in page, after a form) travels the
//! same way so that handlers can use `?`.

use axum::http::StatusCode;

use crate::api::error::ApiError;

#[derive(Debug)]
pub enum PageError {
    /// 303 See Other to this location (relative to the server root).
    Redirect(String),
    /// A problem shown as a page: status and localized message.
    Problem(Box<ApiError>),
}

impl PageError {
    pub fn not_found() -> Self {
        Self::Problem(Box::new(ApiError::new(StatusCode::NOT_FOUND, "resource_missing", "portal-error-not-found")))
    }

    /// A form without the session's CSRF token (or with a stale one).
    pub fn csrf() -> Self {
        Self::Problem(Box::new(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "portal-error-csrf")))
    }

    pub fn rate_limited(seconds: u64) -> Self {
        Self::Problem(Box::new(
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "portal-error-rate-limited")
                .arg("minutes", seconds.div_ceil(60).max(1))
                .retry_after(seconds),
        ))
    }

    pub fn bad_request(message_id: &'static str) -> Self {
        Self::Problem(Box::new(ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message_id)))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Redirect(_) => StatusCode::SEE_OTHER,
            Self::Problem(e) => e.status,
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        // A record of another customer or tenant is simply not there: the page never tells
        // which ids exist.
        if e.status == StatusCode::NOT_FOUND {
            return Self::not_found();
        }
        Self::Problem(Box::new(e))
    }
}

impl From<billing_core::Error> for PageError {
    fn from(e: billing_core::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::from(e).into()
    }
}

pub type PageResult<T> = Result<T, PageError>;
