//! The REST API under /api/v1: Stripe-style resources, integer minor units with a currency code,
//! cursor pagination, tenant API keys and stable error codes.

pub mod balance;
pub mod bank_transfer;
pub mod coupons;
pub mod customers;
pub mod documents;
pub mod einvoices;
pub mod error;
pub mod extract;
pub mod gateway_accounts;
pub mod idempotency;
pub mod invoice_runs;
pub mod invoices;
pub mod pagination;
pub mod payments;
pub mod plans;
pub mod simulations;
pub mod subscriptions;
pub mod tenant;
pub mod usage;
pub mod vat_ids;
pub mod webhooks;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(customers::list).post(customers::create))
        .route("/customers/{id}", get(customers::get_one))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/plans/{id}/prices", post(plans::change_price))
        .route("/coupons", get(coupons::list).post(coupons::create))
        .route("/simulations", post(simulations::create))
        .route("/usage_events", post(usage::create))
        .route("/usage_events/batch", post(usage::create_batch))
        .route("/subscriptions/{id}/usage", get(usage::current))
        .route("/subscriptions", get(subscriptions::list).post(subscriptions::create))
        .route("/subscriptions/{id}", get(subscriptions::get_one))
        .route("/subscriptions/{id}/change", post(subscriptions::change))
        .route("/subscriptions/{id}/change/preview", post(subscriptions::preview_change))
        .route("/subscriptions/{id}/cancel", post(subscriptions::cancel))
        .route("/subscriptions/{id}/undo_cancel", post(subscriptions::undo_cancel))
        .route("/subscriptions/{id}/pause", post(subscriptions::pause))
        .route("/subscriptions/{id}/resume", post(subscriptions::resume))
        .route("/subscriptions/{id}/reactivate", post(subscriptions::reactivate))
        .route("/subscriptions/{id}/coupon", post(subscriptions::apply_coupon))
        .route("/subscriptions/{id}/addons", post(subscriptions::add_addon))
        .route("/invoices", get(invoices::list).post(invoices::create))
        .route("/invoices/{id}", get(invoices::get_one).delete(invoices::delete))
        .route("/invoices/{id}/lines", post(invoices::add_lines))
        .route("/invoices/{id}/lines/{line_no}", axum::routing::delete(invoices::remove_line))
        .route("/invoices/{id}/finalize", post(invoices::finalize))
        .route("/invoices/{id}/void", post(invoices::void))
        .route("/invoices/{id}/mark_uncollectible", post(invoices::mark_uncollectible))
        .route("/invoices/{id}/credit_notes", post(invoices::credit_note))
        .route("/customers/{id}/balance", get(balance::get_balance))
        .route("/customers/{id}/balance/transactions", post(balance::create_transaction))
        .route("/customers/{id}/payment_terms", post(balance::set_payment_terms))
        .route("/customers/{id}/vat_id/verify", post(vat_ids::verify))
        .route("/customers/{id}/vat_id/checks", get(vat_ids::checks))
        .route("/invoices/{id}/pay", post(payments::pay))
        .route("/invoices/{id}/payment_attempts", get(payments::attempts))
        .route("/customers/{id}/payment_methods", get(payments::list_methods).post(payments::add_method))
        .route("/customers/{id}/payment_method_setups/{setup}", get(payments::get_setup))
        .route("/customers/{id}/payment_method_setups/{setup}/complete", post(payments::complete_setup))
        .route("/invoice_runs", get(invoice_runs::list).post(invoice_runs::create))
        .route("/invoice_runs/{id}", get(invoice_runs::get_one))
        .route("/invoice_runs/{id}/report.csv", get(invoice_runs::report))
        .route("/gateway_accounts", get(gateway_accounts::list).post(gateway_accounts::create))
        .route("/gateway_accounts/{id}/sandbox/authenticate", post(gateway_accounts::sandbox_authenticate))
        .route("/gateway_accounts/{id}/sandbox/settle_debits", post(gateway_accounts::sandbox_settle_debits))
        .route("/routing_rules", get(gateway_accounts::get_rules).put(gateway_accounts::put_rules))
        .route("/invoices/{id}/refunds", post(payments::refund))
        .merge(bank_transfer::routes())
        .route("/customers/{id}", post(customers::update).patch(customers::update))
        .route("/tenant", get(tenant::get_one).post(tenant::update))
        .route("/invoices/{id}/pdf", get(documents::invoice_pdf))
        .route("/invoices/{id}/einvoice", get(einvoices::invoice_einvoice))
        .route("/einvoices/export", get(einvoices::export))
        .route("/customers/{id}/einvoice", get(einvoices::get_customer_settings).post(einvoices::set_customer_settings))
        .route("/tenant/einvoice", get(einvoices::get_seller_settings).post(einvoices::set_seller_settings))
}

/// Money in API bodies: integer minor units and the currency code.
#[derive(Debug, serde::Serialize)]
pub struct AmountBody {
    pub amount: i64,
    pub currency: &'static str,
}

impl From<billing_core::money::Money> for AmountBody {
    fn from(m: billing_core::money::Money) -> Self {
        Self { amount: m.minor(), currency: m.currency().code() }
    }
}
