//! The OpenAPI 3.1 document of /api/v1, generated from the handlers' `#[utoipa::path]`
//! annotations (docs/adr/0025), served at `GET /api/v1/openapi.json` and rendered as the
//! reference page `GET /api/docs` (`super::reference`).
//!
//! Registration: every API module lists its routes in `routes()` (what the router is built from)
//! and its annotated handlers in a `#[derive(OpenApi)] #[openapi(paths(...))] pub struct Doc`;
//! [`module_docs`] names each module's `Doc` once. [`document`] merges them and adds what every
//! operation shares, so the annotations stay short: the bearer key, the `Idempotency-Key` header
//! on everything that changes something, and the error answers the layers around every handler
//! give (400 input, 401 key, 404 unknown id, 409 idempotency, 408/413 body, 429 throttled). A test
//! (`tests::router_and_document_list_the_same_operations`) compares the router's (method, path)
//! list with the document's, so a route without an annotation or an annotation without a route
//! fails the build's tests.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, RefOr, Required, ResponseBuilder, Type};

use super::{Route, get};

use super::BASE;

/// The path of the document itself (no API key needed).
pub const DOCUMENT_PATH: &str = "/openapi.json";

pub(crate) fn routes() -> Vec<Route> {
    vec![get(DOCUMENT_PATH, openapi_json)]
}

/// Every error answer of the API.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"error": {"code": "resource_missing", "message": "No such customer: cus_0000000000000000000000000", "param": null}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: switch on it (the list is in the document's description and
    /// on /api/docs). A published code never changes its meaning.
    #[schema(example = "resource_missing")]
    pub code: String,
    /// For people, in the language `Accept-Language` asked for (`Content-Language` names it).
    pub message: String,
    /// The request field at fault, when there is one (a path such as `lines[0].description`).
    pub param: Option<String>,
    /// `einvoice_data_missing` only: the codes of the data the e-invoice still needs.
    pub missing: Option<Vec<String>>,
}

/// The stable error codes, their HTTP status and when they are given. Rendered into the
/// document's description and the reference page.
pub const ERROR_CODES: &[(u16, &str, &str)] = &[
    (400, "invalid_request", "Malformed JSON, an unknown field, a bad query, a field out of range (`param` names it)."),
    (400, "invalid_text", "A control character in a text: a JSON string or key, the decoded path or query."),
    (400, "text_too_long", "A JSON string or key longer than 5,000 characters."),
    (400, "unknown_currency", "Not an ISO 4217 currency code."),
    (400, "invalid_email", "Not an e-mail address."),
    (400, "invalid_country", "Not an ISO 3166-1 alpha-2 country code."),
    (400, "invalid_id", "An id of the wrong kind or shape (ids are prefixed: `cus_`, `plan_`, `sub_`, `in_`, ...)."),
    (400, "invalid_quantity", "A quantity out of range."),
    (400, "invalid_interval", "A billing interval that does not exist."),
    (400, "invalid_amount", "Not an amount."),
    (400, "amount_too_precise", "More decimals than the currency has."),
    (400, "amount_too_large", "An amount beyond ±999,999,999,999 minor units."),
    (400, "negative_amount", "A negative amount where only a positive one makes sense."),
    (400, "currency_mismatch", "Amounts in different currencies combined."),
    (400, "invalid_pricing", "A pricing model that does not hold together (tiers, block sizes)."),
    (400, "invalid_coupon", "A coupon definition that does not hold together."),
    (400, "invalid_number_format", "An invoice number format that cannot number invoices."),
    (400, "invalid_vat_id", "A VAT ID with an unknown prefix or the wrong format."),
    (400, "invalid_vat_id_check_digits", "A VAT ID whose check digits are wrong."),
    (400, "invalid_tax_behavior", "`tax_behavior` other than `exclusive` or `inclusive`."),
    (400, "invalid_late_fee", "A dunning `late_fee` step without a valid `fee` (`param` names the step)."),
    (400, "invalid_iban", "Not a valid IBAN."),
    (400, "invalid_bic", "Not a valid BIC."),
    (400, "invalid_statement", "A bank statement that cannot be read."),
    (400, "statement_format_unknown", "An unknown bank statement format."),
    (400, "statement_layout_unknown", "A CSV statement whose columns are not recognized."),
    (
        400,
        "mail_report_unreadable",
        "A bounce or complaint report that is not an RFC 3464 delivery status or RFC 5965 feedback report.",
    ),
    (400, "idempotency_key_invalid", "An `Idempotency-Key` that is not 1-255 visible ASCII characters."),
    (401, "api_key_missing", "No `Authorization: Bearer` API key."),
    (401, "api_key_invalid", "An unknown or revoked API key."),
    (403, "insufficient_scope", "The API key lacks the scope the operation needs (`required_scope` names it)."),
    (
        403,
        "account_restricted",
        "A dunning step restricted the customer: no plan changes or new subscriptions until paid.",
    ),
    (402, "card_declined", "The payment provider declined the payment."),
    (402, "authentication_failed", "The customer did not pass the payment method's authentication."),
    (404, "resource_missing", "No such object for this merchant (another merchant's id looks the same)."),
    (404, "route_not_found", "No such route."),
    (405, "method_not_allowed", "The route does not take this method."),
    (408, "request_timeout", "The body did not arrive in time."),
    (409, "idempotency_key_reused", "The same `Idempotency-Key` with another request."),
    (
        409,
        "idempotency_key_in_use",
        "The same `Idempotency-Key` while the first request still runs (`Retry-After: 1`).",
    ),
    (409, "resource_already_exists", "A duplicate code."),
    (409, "subscription_state_conflict", "The subscription's state does not allow the action."),
    (409, "invoice_state_conflict", "The invoice's state does not allow the action."),
    (409, "invoice_not_payable", "The invoice cannot be paid in its state."),
    (409, "invoice_not_finalized", "An e-invoice of a draft."),
    (409, "invoice_has_payments", "The invoice has payments that must be refunded first."),
    (409, "payment_in_progress", "Another collection of the invoice is under way."),
    (409, "setup_pending", "The customer has not finished the payment method's authentication."),
    (409, "statement_entry_settled", "The statement entry was settled already."),
    (409, "tax_behavior_mixed", "Lines with another tax behaviour than the invoice's."),
    (413, "payload_too_large", "The body is larger than the server accepts."),
    (422, "plan_not_available_in_currency", "The plan has no price in the customer's currency."),
    (422, "plan_inactive", "The plan is no longer sold."),
    (422, "tax_not_determinable", "VAT cannot be decided for this customer."),
    (422, "subscription_not_metered", "Usage for a subscription whose plan is not metered."),
    (422, "usage_period_closed", "Usage for a period that was invoiced already."),
    (422, "addon_not_compatible", "The add-on does not fit the subscription's plan."),
    (422, "proration_failed", "The change cannot be prorated."),
    (422, "coupon_expired", "The coupon expired."),
    (422, "coupon_exhausted", "The coupon was redeemed as often as it may be."),
    (422, "coupon_not_in_currency", "The coupon has no amount in the subscription's currency."),
    (422, "no_payment_method", "The customer has no payment method."),
    (422, "insufficient_balance", "More than the customer's balance."),
    (422, "refund_too_large", "More than is refundable."),
    (422, "refund_failed", "The payment provider refused the refund."),
    (422, "credit_exceeds_invoice", "More than is creditable."),
    (422, "invoice_empty", "Finalizing an invoice without lines."),
    (422, "no_gateway_route", "No gateway account can take the payment."),
    (422, "invalid_gateway_config", "The gateway account's configuration is not usable."),
    (422, "invoice_run_date_in_future", "A real invoice run for a day after the merchant's today."),
    (422, "fx_rate_missing", "No ECB rate for the supply date (Art. 230 VAT Directive)."),
    (422, "einvoice_data_missing", "The e-invoice needs data the invoice does not have (`missing` lists it)."),
    (422, "bank_account_missing", "The merchant has no bank account for transfers."),
    (422, "epc_qr_unavailable", "No EPC QR code for this invoice (not EUR, or nothing due)."),
    (
        429,
        "rate_limited",
        "Too many failed API-key checks from this address, or the API key or the merchant used up its requests \
         per minute (`Retry-After`, `RateLimit-*`).",
    ),
    (500, "internal_error", "A fault on our side; logged with its details."),
    (502, "gateway_unavailable", "The payment provider did not answer."),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Billing API",
        version = "1",
        description = "Subscriptions, invoices and payments over HTTP. Amounts are integer minor units \
beside an ISO 4217 currency code (`{\"amount\": 2900, \"currency\": \"EUR\"}` is 29.00 EUR). Dates are \
`YYYY-MM-DD` in the merchant's time zone, instants RFC 3339 UTC. Lists are paginated with `limit` and \
`starting_after` and answer `{object: \"list\", data, has_more, next_cursor}`. Every request that \
changes something honours `Idempotency-Key`. Errors answer `{\"error\": {code, message, param?}}` \
with a stable `code`; the list of codes follows."
    ),
    components(schemas(ErrorBody, ErrorDetail, FreeForm)),
    tags(
        (name = "customers", description = "The merchant's customers, their balance, payment terms and VAT IDs."),
        (name = "catalog", description = "Plans, prices and coupons."),
        (name = "subscriptions", description = "Subscriptions and their lifecycle."),
        (name = "usage", description = "Usage events of metered subscriptions."),
        (name = "invoices", description = "Invoices and credit notes: drafts, lines, finalization, documents."),
        (name = "payments", description = "Payment methods, collecting and refunding invoices."),
        (name = "bank transfers", description = "Payment by bank transfer and bank statement imports."),
        (name = "invoice runs", description = "Invoicing every due subscription at once."),
        (name = "gateways", description = "Payment gateway accounts and routing."),
        (name = "merchant", description = "The merchant's own settings."),
        (name = "e-invoices", description = "Structured invoices (XRechnung, ZUGFeRD, Peppol)."),
        (name = "portal", description = "The customer portal."),
        (name = "mail", description = "Mails sent to customers."),
        (name = "operations", description = "Jobs, dunning and the document itself."),
        (name = "api keys", description = "API keys with scopes, their rotation and revocation; the request log. `full` keys only."),
    )
)]
struct Root;

/// Every API module's `Doc`, once each. A new module adds one line here (and one
/// `routes.extend(...)` in `super::routes`).
fn module_docs() -> Vec<utoipa::openapi::OpenApi> {
    use super::*;
    vec![
        Doc::openapi(),
        customers::Doc::openapi(),
        balance::Doc::openapi(),
        vat_ids::Doc::openapi(),
        plans::Doc::openapi(),
        coupons::Doc::openapi(),
        simulations::Doc::openapi(),
        usage::Doc::openapi(),
        subscriptions::Doc::openapi(),
        invoices::Doc::openapi(),
        documents::Doc::openapi(),
        payments::Doc::openapi(),
        invoice_runs::Doc::openapi(),
        gateway_accounts::Doc::openapi(),
        tenant::Doc::openapi(),
        portal_sessions::Doc::openapi(),
        einvoices::Doc::openapi(),
        bank_transfer::Doc::openapi(),
        mail::Doc::openapi(),
        job_runs::Doc::openapi(),
        dunning::Doc::openapi(),
        api_keys::Doc::openapi(),
        request_logs::Doc::openapi(),
        events::Doc::openapi(),
        webhook_endpoints::Doc::openapi(),
        staff::Doc::openapi(),
        metrics::Doc::openapi(),
        exports::Doc::openapi(),
        portal_help::Doc::openapi(),
        portal_options::Doc::openapi(),
        mandates::Doc::openapi(),
    ]
}

/// This module's own operation.
#[derive(OpenApi)]
#[openapi(paths(openapi_json))]
struct Doc;

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> utoipa::openapi::OpenApi {
    let mut doc = Root::openapi();
    for module in module_docs() {
        doc.merge(module);
    }
    let mut description = doc.info.description.take().unwrap_or_default();
    description.push_str("\n\n| HTTP | code | when |\n| --- | --- | --- |\n");
    for (status, code, when) in ERROR_CODES {
        description.push_str(&format!("| {status} | `{code}` | {when} |\n"));
    }
    doc.info.description = Some(description);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "api_key",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The merchant's API key: `Authorization: Bearer sk_…`."))
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        let public = path == &format!("{BASE}{DOCUMENT_PATH}");
        for (method, op) in operations_mut(item) {
            finish(op, path, method, has_id, public);
        }
    }
    doc
}

/// The operations of a path item with their methods.
fn operations_mut(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    let mut out = Vec::new();
    let all = [
        (HttpMethod::Get, &mut item.get),
        (HttpMethod::Post, &mut item.post),
        (HttpMethod::Put, &mut item.put),
        (HttpMethod::Patch, &mut item.patch),
        (HttpMethod::Delete, &mut item.delete),
    ];
    for (method, op) in all {
        if let Some(op) = op.as_mut() {
            out.push((method, op));
        }
    }
    out
}

/// The (method, path) pairs the document lists, e.g. `("POST", "/api/v1/customers")`.
pub fn document_operations(doc: &utoipa::openapi::OpenApi) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        let mut item = item.clone();
        for (method, _) in operations_mut(&mut item) {
            out.insert((method_name(&method).to_string(), path.clone()));
        }
    }
    out
}

/// The (method, path) pairs the router serves under /api/v1.
pub fn router_operations() -> BTreeSet<(String, String)> {
    super::routes().iter().map(|r| (r.method.as_str().to_string(), format!("{BASE}{}", r.path))).collect()
}

fn method_as_http(m: &HttpMethod) -> axum::http::Method {
    axum::http::Method::from_bytes(method_name(m).as_bytes()).unwrap_or(axum::http::Method::GET)
}

pub fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

fn error_response(description: &str, retry_after: bool) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(error_response_body(description, retry_after))
}

fn error_response_body(description: &str, retry_after: bool) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))).build(),
    );
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build()
}

/// 429: the failed-authentication throttle or the rate limits per key and merchant
/// (docs/adr/0033), with the headers the limits send.
fn rate_limited_response() -> RefOr<utoipa::openapi::Response> {
    let mut response = error_response_body(
        "Too many failed API-key checks from this address, or the API key or the merchant used up its requests \
         per minute (`rate_limited`). `Retry-After` says when to try again.",
        true,
    );
    for (name, description) in [
        ("RateLimit-Limit", "The requests per minute of the limit closest to running out."),
        ("RateLimit-Remaining", "What is left of it in this window (0 here)."),
        ("RateLimit-Reset", "Seconds until the window ends."),
    ] {
        response.headers.insert(
            name.to_string(),
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
                    .description(Some(description))
                    .build(),
            ),
        );
    }
    RefOr::T(response)
}

fn idempotency_header() -> Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Your key for this request (1-255 visible ASCII characters): a repeat with the same key, \
             method, path and body gets the first answer again (`Idempotent-Replayed: true`) and changes \
             nothing; the same key with another request is `409 idempotency_key_reused`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[\\x21-\\x7E]+$")),
        ))
        .build()
}

/// What every operation shares: see the module documentation.
fn finish(op: &mut Operation, path: &str, method: HttpMethod, has_id: bool, public: bool) {
    // Unique and stable: the method and the path's fixed segments (`post_invoices_id_pay`).
    let mut id = method_name(&method).to_ascii_lowercase();
    for segment in path.trim_start_matches(BASE).split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(segment.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
    }
    op.operation_id = Some(id.replace("__", "_").trim_end_matches('_').to_string());
    if public {
        return;
    }
    if let Some((resource, access)) = super::scopes::needed(&method_as_http(&method), path) {
        let scope = billing_core::api_keys::required(resource, access);
        let note = format!("Scope: `{scope}`.");
        op.description = Some(match op.description.take() {
            Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
            _ => note,
        });
    }
    let responses = &mut op.responses.responses;
    responses.entry("429".to_string()).or_insert_with(rate_limited_response);
    let mut add = |status: &str, description: &str, retry_after: bool| {
        responses.entry(status.to_string()).or_insert_with(|| error_response(description, retry_after));
    };
    add("400", "Refused input (`invalid_request`, `invalid_id`, `invalid_text`, ...); nothing was written.", false);
    add("401", "No API key (`api_key_missing`) or an unknown or revoked one (`api_key_invalid`).", false);
    add("403", "The API key lacks the scope this operation needs (`insufficient_scope`, `required_scope`).", false);
    let changes = !matches!(method, HttpMethod::Get | HttpMethod::Head | HttpMethod::Options);
    if has_id || changes {
        add("404", "No such object for this merchant, in the path or named in the body (`resource_missing`).", false);
    }
    if changes {
        add(
            "409",
            "The `Idempotency-Key` was used for another request (`idempotency_key_reused`) or its first \
             request still runs (`idempotency_key_in_use`, `Retry-After: 1`); or a state conflict named by \
             its code.",
            true,
        );
        add("408", "The body did not arrive in time (`request_timeout`).", false);
        add("413", "The body is larger than the server accepts (`payload_too_large`).", false);
        let parameters = op.parameters.get_or_insert_with(Vec::new);
        // One definition for every operation: an annotation that names the header itself is
        // replaced, so the document never lists it twice.
        parameters.retain(|p| !matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"));
        parameters.push(RefOr::T(idempotency_header()));
    }
    op.security = Some(vec![SecurityRequirement::new("api_key", Vec::<String>::new())]);
}

/// The schema of an object whose keys are someone else's (a gateway's configuration, an event's
/// data): `additionalProperties: true`, said on purpose (docs/adr/0038). A field names it with
/// `#[schema(value_type = super::openapi::FreeForm)]` and says what it holds in its doc comment.
pub struct FreeForm;

impl utoipa::PartialSchema for FreeForm {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
            .description(Some("An object whose keys belong to its owner (the field says whose); any JSON values."))
            .into()
    }
}

impl ToSchema for FreeForm {}

/// The OpenAPI 3.1 document (its schema is OpenAPI's own, <https://spec.openapis.org/oas/3.1/schema>).
/// Documentation only: the document is served as utoipa writes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OpenApiDocument {
    #[schema(example = "3.1.0")]
    pub openapi: String,
    /// The API's title, version and description with the table of error codes.
    #[schema(value_type = FreeForm)]
    pub info: (),
    /// Every operation by path and method.
    #[schema(value_type = FreeForm)]
    pub paths: (),
    /// The schemas of bodies and answers, and the security scheme.
    #[schema(value_type = FreeForm)]
    pub components: (),
}

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json", body = OpenApiDocument))
)]
pub async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_and_document_list_the_same_operations() {
        let routed = router_operations();
        let documented = document_operations(document());
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routes without an annotation (add `#[utoipa::path]` and the handler to its module's `Doc`): \
             {undocumented:?}\nannotations without a route: {unrouted:?}"
        );
        assert!(routed.len() > 70, "the route table is the API's: {}", routed.len());
    }

    #[test]
    fn every_operation_has_a_tag_a_success_and_the_shared_answers() {
        let doc = document();
        for (path, item) in &doc.paths.paths {
            let mut item = item.clone();
            for (method, op) in operations_mut(&mut item) {
                let name = format!("{} {path}", method_name(&method));
                assert!(op.tags.as_ref().is_some_and(|t| !t.is_empty()), "{name} has no tag");
                assert!(op.responses.responses.keys().any(|s| s.starts_with('2')), "{name} documents no success");
                if path.ends_with(DOCUMENT_PATH) {
                    assert!(op.security.is_none() || op.security.as_ref().is_some_and(|s| s.len() == 1));
                    continue;
                }
                assert!(op.responses.responses.contains_key("401"), "{name}");
                let idempotent = op.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.name == "Idempotency-Key",
                    RefOr::Ref(_) => false,
                });
                assert_eq!(idempotent, !matches!(method, HttpMethod::Get), "{name}: Idempotency-Key");
            }
        }
    }

    #[test]
    fn every_operation_documents_the_rate_limit_answer_and_former_objects_have_schemas() {
        let json: serde_json::Value = serde_json::from_str(&document().to_json().expect("json")).expect("parse");
        let limited = &json["paths"]["/api/v1/customers"]["get"]["responses"]["429"]["headers"];
        for header in ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
            assert!(limited[header].is_object(), "{header}: {limited}");
        }
        let usage = &json["paths"]["/api/v1/subscriptions/{id}/usage"]["get"]["responses"]["200"];
        assert_eq!(usage["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/CurrentUsageBody");
        let schemas = &json["components"]["schemas"];
        assert!(schemas["CurrentUsageBody"]["properties"]["amount"].is_object());
        assert!(schemas["BankAccountBody"]["properties"]["iban"].is_object());
    }

    #[test]
    fn every_documented_error_code_is_unique_and_snake_case() {
        let mut seen = BTreeSet::new();
        for (status, code, _) in ERROR_CODES {
            assert!((400..600).contains(status), "{code}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert!(seen.insert(*code), "{code} twice");
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_json_with_the_bearer_scheme() {
        let json: serde_json::Value = serde_json::from_str(&document().to_json().expect("json")).expect("parse");
        assert_eq!(json["openapi"], "3.1.0");
        assert_eq!(json["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
        assert!(json["components"]["schemas"]["ErrorBody"].is_object());
        assert!(json["info"]["description"].as_str().is_some_and(|d| d.contains("`resource_missing`")));
    }
}
