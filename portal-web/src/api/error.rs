//! The API's error type and the one mapping from core errors to HTTP: status, stable code and a
//! Fluent message in the request's language.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use billing_core::Error as CoreError;
use billing_core::money::MoneyError;
use gateway_adapters::bank::BankError;
use serde_json::json;

use crate::i18n::I18n;

tokio::task_local! {
    /// The language negotiated for the current request (set by the locale middleware).
    pub static REQUEST_LANG: &'static str;
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable; clients switch on it. Never change one once published.
    pub code: &'static str,
    pub message_id: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// The request field at fault, when there is one (a path such as `lines[0].description`).
    pub param: Option<Cow<'static, str>>,
    /// Seconds after which the client may try again (`Retry-After`), for 429 and 503 answers.
    pub retry_after: Option<u32>,
    /// Machine-readable details beside the message (e.g. the `missing` data of an e-invoice).
    pub extra: Vec<(&'static str, serde_json::Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message_id: &'static str) -> Self {
        Self { status, code, message_id, args: Vec::new(), param: None, retry_after: None, extra: Vec::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn param(mut self, p: impl Into<Cow<'static, str>>) -> Self {
        self.param = Some(p.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(u32::try_from(seconds).unwrap_or(u32::MAX));
        self
    }

    pub fn invalid_body(detail: impl ToString) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", "error-invalid-body").arg("detail", detail)
    }

    pub fn invalid_query(detail: impl ToString) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", "error-invalid-query").arg("detail", detail)
    }

    pub fn payload_too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "error-payload-too-large")
    }

    /// The body did not arrive within `server.body_timeout_ms`.
    pub fn request_timeout() -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", "error-request-timeout")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "error-internal")
    }

    /// The JSON body in `lang`.
    pub fn body(&self, lang: &str) -> serde_json::Value {
        let message = I18n::global().message(lang, self.message_id, &self.args);
        let mut error = json!({ "code": self.code, "message": message });
        if let Some(p) = &self.param {
            error["param"] = json!(p);
        }
        for (k, v) in &self.extra {
            error[*k] = v.clone();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = REQUEST_LANG.try_with(|l| *l).unwrap_or("en");
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "request failed");
        }
        let mut response = (self.status, axum::Json(self.body(lang))).into_response();
        response.extensions_mut().insert(ErrorCode(self.code));
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        use StatusCode as S;
        // Exhaustive on purpose: a new core error must be given its code here.
        match e {
            CoreError::Currency(c) => {
                let billing_core::currency::CurrencyError::Unknown(value) = c;
                ApiError::new(S::BAD_REQUEST, "unknown_currency", "error-unknown-currency")
                    .arg("value", value)
                    .param("currency")
            }
            CoreError::Money(m) => money_error(m),
            CoreError::Email(err) => {
                ApiError::new(S::BAD_REQUEST, "invalid_email", "error-invalid-email").arg("value", err.0).param("email")
            }
            CoreError::Country(err) => ApiError::new(S::BAD_REQUEST, "invalid_country", "error-invalid-country")
                .arg("value", err.0)
                .param("country"),
            CoreError::Period(p) => {
                ApiError::new(S::BAD_REQUEST, "invalid_interval", "error-invalid-interval").arg("detail", p)
            }
            CoreError::Id(err) => ApiError::new(S::BAD_REQUEST, "invalid_id", "error-invalid-id")
                .arg("value", err.value)
                .arg("prefix", err.prefix),
            CoreError::InvalidField { field, reason } => {
                ApiError::new(S::BAD_REQUEST, "invalid_request", "error-invalid-field")
                    .arg("field", field)
                    .arg("detail", reason)
                    .param(field)
            }
            CoreError::InvalidQuantity { max, .. } => {
                ApiError::new(S::BAD_REQUEST, "invalid_quantity", "error-invalid-quantity")
                    .arg("max", max)
                    .param("quantity")
            }
            CoreError::NegativeAmount => ApiError::new(S::BAD_REQUEST, "negative_amount", "error-negative-amount"),
            CoreError::NotFound { resource, id } => ApiError::new(S::NOT_FOUND, "resource_missing", "error-not-found")
                .arg("resource", resource)
                .arg("id", id),
            CoreError::PlanNotPricedInCurrency { plan, currency } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "plan_not_available_in_currency", "error-plan-not-priced")
                    .arg("plan", plan)
                    .arg("currency", currency)
                    .param("plan")
            }
            CoreError::PlanInactive { plan } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "plan_inactive", "error-plan-inactive")
                    .arg("plan", plan)
                    .param("plan")
            }
            CoreError::Duplicate { code, .. } => {
                ApiError::new(S::CONFLICT, "resource_already_exists", "error-duplicate").arg("code", code)
            }
            CoreError::InvalidNumberFormat { reason, .. } => {
                ApiError::new(S::BAD_REQUEST, "invalid_number_format", "error-invalid-number-format")
                    .arg("detail", reason)
            }
            CoreError::VatId(v) => {
                use billing_core::tax::VatIdError as V;
                let (code, id) = match &v {
                    V::UnknownPrefix { .. } => ("invalid_vat_id", "error-vat-id-prefix"),
                    V::BadFormat { .. } => ("invalid_vat_id", "error-vat-id-format"),
                    V::BadCheckDigits { .. } => ("invalid_vat_id_check_digits", "error-vat-id-check-digits"),
                };
                let country = match &v {
                    V::BadFormat { country } | V::BadCheckDigits { country } => country.code().to_string(),
                    V::UnknownPrefix { prefix } => prefix.clone(),
                };
                ApiError::new(S::BAD_REQUEST, code, id).arg("country", country).param("vat_id")
            }
            CoreError::Tax(t) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "tax_not_determinable", "error-tax").arg("detail", t)
            }
            CoreError::EInvoice(e) => einvoice_error(e),
            CoreError::Rating(r) => rating_error(r),
            CoreError::Proration(p) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "proration_failed", "error-proration").arg("detail", p)
            }
            CoreError::Coupon(c) => coupon_error(c),
            CoreError::InvalidTransition { status, action } => {
                ApiError::new(S::CONFLICT, "subscription_state_conflict", "error-subscription-state")
                    .arg("status", status)
                    .arg("action", action)
            }
            CoreError::NotMetered { subscription } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "subscription_not_metered", "error-not-metered")
                    .arg("subscription", subscription)
                    .param("subscription")
            }
            CoreError::UsagePeriodClosed { event_id } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "usage_period_closed", "error-usage-period-closed")
                    .arg("event_id", event_id)
                    .param("timestamp")
            }
            CoreError::AddonNotCompatible { addon, plan } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "addon_not_compatible", "error-addon-not-compatible")
                    .arg("addon", addon)
                    .arg("plan", plan)
                    .param("addon")
            }
            CoreError::InvoiceNotPayable { status } => {
                ApiError::new(S::CONFLICT, "invoice_not_payable", "error-invoice-not-payable").arg("status", status)
            }
            CoreError::PaymentInProgress => {
                ApiError::new(S::CONFLICT, "payment_in_progress", "error-payment-in-progress")
            }
            CoreError::NoPaymentMethod => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "no_payment_method", "error-no-payment-method")
            }
            CoreError::PaymentDeclined { code } => {
                ApiError::new(S::PAYMENT_REQUIRED, "card_declined", "error-card-declined").arg("code", code)
            }
            CoreError::StatementEntrySettled { outcome } => {
                ApiError::new(S::CONFLICT, "statement_entry_settled", "error-statement-entry-settled")
                    .arg("outcome", outcome)
            }
            CoreError::SetupPending => ApiError::new(S::CONFLICT, "setup_pending", "error-setup-pending"),
            CoreError::SetupAuthenticationFailed { code } => {
                ApiError::new(S::PAYMENT_REQUIRED, "authentication_failed", "error-setup-authentication-failed")
                    .arg("code", code)
            }
            CoreError::Gateway { detail } => {
                tracing::warn!(%detail, "payment gateway failure");
                ApiError::new(S::BAD_GATEWAY, "gateway_unavailable", "error-gateway-unavailable")
            }
            CoreError::InsufficientBalance { available, currency } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "insufficient_balance", "error-insufficient-balance")
                    .arg("available", available)
                    .arg("currency", currency)
                    .param("amount")
            }
            CoreError::RefundTooLarge { refundable, currency } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "refund_too_large", "error-refund-too-large")
                    .arg("refundable", refundable)
                    .arg("currency", currency)
                    .param("amount")
            }
            CoreError::RefundFailed { reason } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "refund_failed", "error-refund-failed").arg("reason", reason)
            }
            CoreError::InvoiceStateConflict { status, action } => {
                ApiError::new(S::CONFLICT, "invoice_state_conflict", "error-invoice-state")
                    .arg("status", status)
                    .arg("action", action)
            }
            CoreError::CreditExceedsInvoice { creditable, currency } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "credit_exceeds_invoice", "error-credit-exceeds-invoice")
                    .arg("creditable", creditable)
                    .arg("currency", currency)
                    .param("amount")
            }
            CoreError::InvoiceHasPayments => {
                ApiError::new(S::CONFLICT, "invoice_has_payments", "error-invoice-has-payments")
            }
            CoreError::InvoiceEmpty => ApiError::new(S::UNPROCESSABLE_ENTITY, "invoice_empty", "error-invoice-empty"),
            CoreError::InvalidTaxBehavior { value } => {
                ApiError::new(S::BAD_REQUEST, "invalid_tax_behavior", "error-invalid-tax-behavior")
                    .arg("value", value)
                    .param("tax_behavior")
            }
            CoreError::TaxBehaviorMixed => {
                ApiError::new(S::CONFLICT, "tax_behavior_mixed", "error-tax-behavior-mixed").param("tax_behavior")
            }
            CoreError::NoRoute { reason } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "no_gateway_route", "error-no-gateway-route")
                    .arg("reason", reason)
            }
            CoreError::GatewayConfig { detail } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_gateway_config", "error-invalid-gateway-config")
                    .arg("detail", detail)
            }
            CoreError::RunDateInFuture { as_of, today } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invoice_run_date_in_future", "error-run-date-in-future")
                    .arg("as_of", as_of)
                    .arg("today", today)
                    .param("as_of")
            }
            CoreError::FxRateMissing { currency, national, date } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "fx_rate_missing", "error-fx-rate-missing")
                    .arg("currency", currency)
                    .arg("national", national)
                    .arg("date", date)
                    .arg("days", billing_core::fx::ART230_RATE_WINDOW_DAYS)
            }
            CoreError::InvalidWebhookUrl { url } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_webhook_url", "error-invalid-webhook-url")
                    .arg("url", url)
                    .param("url")
            }
            CoreError::WebhookEndpointDisabled => {
                ApiError::new(S::CONFLICT, "webhook_endpoint_disabled", "error-webhook-endpoint-disabled")
            }
            CoreError::DunningPolicy(p) => dunning_policy_error(p),
            CoreError::AccountRestricted => {
                ApiError::new(S::FORBIDDEN, "account_restricted", "error-account-restricted")
            }
            CoreError::MailReport(e) => {
                use billing_core::mail_report::MailReportError as M;
                let key = match e {
                    M::NotAReport => "mail-report-error-not-a-report",
                    M::NoStatus => "mail-report-error-no-status",
                    M::NoMessageId => "mail-report-error-no-message-id",
                };
                ApiError::new(S::BAD_REQUEST, "mail_report_unreadable", key).param("message")
            }
            CoreError::Database(db) => {
                tracing::error!(error = %db, "database error");
                ApiError::internal()
            }
        }
    }
}

/// A refused dunning policy: the structural rules keep the code they always had
/// (`invalid_request`); a bad late fee is `invalid_late_fee`, a currency that does not exist
/// `unknown_currency`. `param` names the step (`steps[2].fee`).
fn dunning_policy_error(p: billing_core::dunning::PolicyError) -> ApiError {
    use billing_core::dunning::PolicyError as P;
    let param = match (&p, p.step()) {
        (P::BadFee { .. }, Some(i)) => format!("steps[{i}].fee"),
        (P::UnknownCurrency { .. }, Some(i)) => format!("steps[{i}].fee.fixed"),
        (P::ChargesNotAllowed { .. }, Some(i)) => format!("steps[{i}].charges"),
        (_, Some(i)) => format!("steps[{i}].day"),
        (_, None) => "steps".to_string(),
    };
    let e = match &p {
        P::BadFee { .. } => ApiError::new(StatusCode::BAD_REQUEST, "invalid_late_fee", "error-invalid-late-fee"),
        P::UnknownCurrency { code, .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "unknown_currency", "error-unknown-currency").arg("value", code)
        }
        P::Empty | P::TooManySteps | P::DayOutOfRange { .. } | P::NotAscending { .. } | P::ChargesNotAllowed { .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", "error-invalid-field").arg("field", "steps")
        }
    };
    e.arg("detail", p).param(param)
}

fn einvoice_error(e: billing_core::einvoice::EInvoiceError) -> ApiError {
    use billing_core::einvoice::EInvoiceError as E;
    match e {
        E::Incomplete { format, missing } => {
            // The list is part of the sentence, so it is localized here, in the request's language.
            let lang = REQUEST_LANG.try_with(|l| *l).unwrap_or("en");
            let names: Vec<String> = missing
                .iter()
                .map(|m| I18n::global().message(lang, &format!("einvoice-missing-{}", m.code().replace('_', "-")), &[]))
                .collect();
            let mut err =
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "einvoice_data_missing", "error-einvoice-data-missing")
                    .arg("format", format)
                    .arg("missing", names.join("; "));
            err.extra.push(("missing", json!(missing.iter().map(|m| m.code()).collect::<Vec<_>>())));
            err
        }
        E::NotFinalized => ApiError::new(StatusCode::CONFLICT, "invoice_not_finalized", "error-einvoice-not-finalized"),
        E::Inconsistent(detail) => {
            tracing::error!(%detail, "stored invoice cannot become an e-invoice");
            ApiError::internal()
        }
    }
}

fn rating_error(r: billing_core::rating::RatingError) -> ApiError {
    use billing_core::rating::RatingError as R;
    let code = match r {
        R::NegativeQuantity(_) => "invalid_quantity",
        R::NegativePrice(_) => "negative_amount",
        R::Overflow | R::OutOfBounds => "amount_too_large",
        R::CurrencyMismatch { .. } => "currency_mismatch",
        R::TooPrecise(_)
        | R::EmptyTiers
        | R::TierNotAscending { .. }
        | R::UnboundedTierNotLast { .. }
        | R::LastTierBounded
        | R::NonPositiveBlockSize(_) => "invalid_pricing",
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, "error-invalid-pricing").arg("detail", r).param("pricing")
}

fn coupon_error(c: billing_core::coupon::CouponError) -> ApiError {
    use billing_core::coupon::CouponError as C;
    let (status, code, id) = match &c {
        C::Expired => (StatusCode::UNPROCESSABLE_ENTITY, "coupon_expired", "error-coupon-expired"),
        C::Exhausted => (StatusCode::UNPROCESSABLE_ENTITY, "coupon_exhausted", "error-coupon-exhausted"),
        C::NotInCurrency(_) => (StatusCode::UNPROCESSABLE_ENTITY, "coupon_not_in_currency", "error-coupon-currency"),
        C::EmptyCode
        | C::PercentOutOfRange(_)
        | C::PercentTooPrecise(_)
        | C::NoFixedAmounts
        | C::DuplicateCurrency(_)
        | C::NegativeFixed(_)
        | C::ZeroRepeatingPeriods
        | C::ZeroMaxRedemptions
        | C::NegativeLine(_)
        | C::CurrencyMismatch { .. }
        | C::Overflow => (StatusCode::BAD_REQUEST, "invalid_coupon", "error-invalid-coupon"),
    };
    let currency = if let C::NotInCurrency(cur) = &c { cur.to_string() } else { String::new() };
    ApiError::new(status, code, id).arg("detail", &c).arg("currency", currency).param("coupon")
}

fn money_error(m: MoneyError) -> ApiError {
    use StatusCode as S;
    match m {
        MoneyError::CurrencyMismatch { left, right } => {
            ApiError::new(S::BAD_REQUEST, "currency_mismatch", "error-currency-mismatch")
                .arg("left", left)
                .arg("right", right)
        }
        MoneyError::Overflow => ApiError::new(S::BAD_REQUEST, "amount_too_large", "error-amount-overflow"),
        MoneyError::TooPrecise { currency, exponent } => {
            ApiError::new(S::BAD_REQUEST, "amount_too_precise", "error-amount-too-precise")
                .arg("currency", currency)
                .arg("exponent", exponent)
        }
        MoneyError::Invalid(v) => {
            ApiError::new(S::BAD_REQUEST, "invalid_amount", "error-amount-invalid").arg("value", v)
        }
        MoneyError::OutOfBounds => ApiError::new(S::BAD_REQUEST, "amount_too_large", "error-amount-out-of-bounds")
            .arg("max", billing_core::money::MAX_AMOUNT_MINOR)
            .param("amount"),
        MoneyError::EmptyAllocation => ApiError::internal(),
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        CoreError::Database(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The stable code of an error answer, beside it in the response's extensions (the request log
/// reads it without parsing the body).
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

pub(crate) fn bank_error(e: BankError) -> ApiError {
    match e {
        BankError::InvalidIban { iban, .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_iban", "error-invalid-iban")
                .arg("value", iban)
                .param("iban")
        }
        BankError::InvalidBic(bic) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_bic", "error-invalid-bic").arg("value", bic).param("bic")
        }
        BankError::Statement { location, reason } => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_statement", "error-invalid-statement")
                .arg("location", location)
                .arg("detail", reason)
        }
        other => ApiError::invalid_body(other),
    }
}
