//! The REST API under /api/v1: Stripe-style resources, integer minor units with a currency code,
//! cursor pagination, tenant API keys and stable error codes.

pub mod api_keys;
pub mod balance;
pub mod bank_transfer;
pub mod coupons;
pub mod customers;
pub mod documents;
pub mod dunning;
pub mod einvoices;
pub mod error;
pub mod events;
pub mod exports;
pub mod extract;
pub mod gateway_accounts;
pub mod idempotency;
pub mod input;
pub mod invoice_runs;
pub mod invoices;
pub mod job_runs;
pub mod mail;
pub mod mandates;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod payments;
pub mod plans;
pub mod portal_help;
pub mod portal_options;
pub mod portal_sessions;
pub mod rate_limits;
pub mod reference;
pub mod request_logs;
pub mod schemas;
pub mod scopes;
pub mod simulations;
pub mod staff;
pub mod subscriptions;
pub mod tenant;
pub mod usage;
pub mod vat_ids;
pub mod webhook_endpoints;
pub mod webhooks;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

use crate::state::AppState;

/// Where the API lives (`app` nests the router here); the OpenAPI annotations' paths carry it,
/// the route table's do not.
pub const BASE: &str = "/api/v1";

/// One route of the API: the table below is what the router is built from, and what the tests
/// walk (every route that changes something must honour `Idempotency-Key`; see `idempotency`).
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

macro_rules! route_fns {
    ($($v:vis fn $name:ident => $method:ident;)*) => {$(
        $v fn $name<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
            Route { method: Method::$method, path, handler: axum::routing::$name(handler) }
        }
    )*};
}

route_fns! {
    pub(crate) fn get => GET;
    pub(crate) fn post => POST;
    pub(crate) fn put => PUT;
    pub(crate) fn patch => PATCH;
    fn delete => DELETE;
}

/// Every route of the API, relative to /api/v1.
pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        get("/customers", customers::list),
        post("/customers", customers::create),
        get("/customers/{id}", customers::get_one),
        post("/customers/{id}", customers::update),
        patch("/customers/{id}", customers::update),
        get("/plans", plans::list),
        post("/plans", plans::create),
        post("/plans/{id}/prices", plans::change_price),
        get("/coupons", coupons::list),
        post("/coupons", coupons::create),
        post("/simulations", simulations::create),
        post("/usage_events", usage::create),
        post("/usage_events/batch", usage::create_batch),
        get("/subscriptions/{id}/usage", usage::current),
        get("/subscriptions", subscriptions::list),
        post("/subscriptions", subscriptions::create),
        get("/subscriptions/{id}", subscriptions::get_one),
        post("/subscriptions/{id}/change", subscriptions::change),
        post("/subscriptions/{id}/change/preview", subscriptions::preview_change),
        post("/subscriptions/{id}/cancel", subscriptions::cancel),
        post("/subscriptions/{id}/undo_cancel", subscriptions::undo_cancel),
        post("/subscriptions/{id}/pause", subscriptions::pause),
        post("/subscriptions/{id}/resume", subscriptions::resume),
        post("/subscriptions/{id}/reactivate", subscriptions::reactivate),
        post("/subscriptions/{id}/coupon", subscriptions::apply_coupon),
        post("/subscriptions/{id}/addons", subscriptions::add_addon),
        get("/invoices", invoices::list),
        post("/invoices", invoices::create),
        get("/invoices/{id}", invoices::get_one),
        delete("/invoices/{id}", invoices::delete),
        post("/invoices/{id}/lines", invoices::add_lines),
        delete("/invoices/{id}/lines/{line_no}", invoices::remove_line),
        post("/invoices/{id}/finalize", invoices::finalize),
        post("/invoices/{id}/void", invoices::void),
        post("/invoices/{id}/mark_uncollectible", invoices::mark_uncollectible),
        post("/invoices/{id}/credit_notes", invoices::credit_note),
        get("/invoices/{id}/pdf", documents::invoice_pdf),
        get("/customers/{id}/balance", balance::get_balance),
        post("/customers/{id}/balance/transactions", balance::create_transaction),
        post("/customers/{id}/payment_terms", balance::set_payment_terms),
        post("/customers/{id}/vat_id/verify", vat_ids::verify),
        get("/customers/{id}/vat_id/checks", vat_ids::checks),
        post("/invoices/{id}/pay", payments::pay),
        get("/invoices/{id}/payment_attempts", payments::attempts),
        post("/invoices/{id}/refunds", payments::refund),
        get("/customers/{id}/payment_methods", payments::list_methods),
        post("/customers/{id}/payment_methods", payments::add_method),
        get("/customers/{id}/payment_method_setups/{setup}", payments::get_setup),
        post("/customers/{id}/payment_method_setups/{setup}/complete", payments::complete_setup),
        get("/invoice_runs", invoice_runs::list),
        post("/invoice_runs", invoice_runs::create),
        get("/invoice_runs/{id}", invoice_runs::get_one),
        get("/invoice_runs/{id}/report.csv", invoice_runs::report),
        get("/gateway_accounts", gateway_accounts::list),
        post("/gateway_accounts", gateway_accounts::create),
        post("/gateway_accounts/{id}/webhook_secret/rotate", gateway_accounts::rotate_webhook_secret),
        post("/gateway_accounts/{id}/sandbox/authenticate", gateway_accounts::sandbox_authenticate),
        post("/gateway_accounts/{id}/sandbox/settle_debits", gateway_accounts::sandbox_settle_debits),
        get("/routing_rules", gateway_accounts::get_rules),
        put("/routing_rules", gateway_accounts::put_rules),
        get("/tenant", tenant::get_one),
        post("/tenant", tenant::update),
        post("/portal_sessions", portal_sessions::create),
        put("/portal/retention_offer", portal_sessions::set_retention_offer),
        get("/invoices/{id}/einvoice", einvoices::invoice_einvoice),
        get("/einvoices/export", einvoices::export),
        get("/customers/{id}/einvoice", einvoices::get_customer_settings),
        post("/customers/{id}/einvoice", einvoices::set_customer_settings),
        get("/tenant/einvoice", einvoices::get_seller_settings),
        post("/tenant/einvoice", einvoices::set_seller_settings),
    ];
    routes.extend(bank_transfer::routes());
    routes.extend(mail::routes());
    routes.extend(events::routes());
    routes.extend(webhook_endpoints::routes());
    routes.extend(staff::routes());
    routes.extend(metrics::routes());
    routes.extend(exports::routes());
    routes.extend(portal_help::routes());
    routes.extend(portal_options::routes());
    routes.extend(mandates::routes());
    routes.push(get("/job_runs", job_runs::list));
    routes.push(get("/dunning_policy", dunning::get_policy));
    routes.push(put("/dunning_policy", dunning::put_policy));
    routes.push(get("/dunning_policies", dunning::list_scoped));
    routes.push(get("/dunning_policies/{scope}/{name}", dunning::get_scoped));
    routes.push(put("/dunning_policies/{scope}/{name}", dunning::put_scoped));
    routes.push(delete("/dunning_policies/{scope}/{name}", dunning::delete_scoped));
    routes.push(post("/customers/{id}/dunning/pause", dunning::pause));
    routes.push(post("/customers/{id}/dunning/resume", dunning::resume));
    routes.extend(openapi::routes());
    routes.extend(api_keys::routes());
    routes.extend(request_logs::routes());
    routes
}

/// The API router, built from [`routes`], with the idempotency layer around all of it.
pub fn router(state: AppState, max_body_bytes: usize) -> Router<AppState> {
    let api = routes().into_iter().fold(Router::new(), |router, r| router.route(r.path, r.handler));
    api.layer(axum::middleware::from_fn_with_state(
        idempotency::LayerState { app: state.clone(), max_body_bytes },
        idempotency::layer,
    ))
    .layer(axum::middleware::from_fn_with_state(state, request_logs::layer))
    .layer(axum::middleware::from_fn(rate_limits::layer))
}

/// Money in API bodies: integer minor units and the currency code.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"amount": 2900, "currency": "EUR"}))]
pub struct AmountBody {
    /// Integer minor units (cents for EUR; JPY has none, KWD three).
    pub amount: i64,
    /// ISO 4217.
    pub currency: &'static str,
}

impl From<billing_core::money::Money> for AmountBody {
    fn from(m: billing_core::money::Money) -> Self {
        Self { amount: m.minor(), currency: m.currency().code() }
    }
}
