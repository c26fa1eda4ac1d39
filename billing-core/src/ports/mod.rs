//! Ports: the traits through which the engine reaches what it does not own, each with the
//! provider-neutral types it speaks. Adapters live outside the engine (`gateway-adapters`, the
//! VIES client in `portal-web`); tests and the demo plug in fixed clocks and sandboxes.
//!
//! - [`gateway`]: payment providers (charges, refunds, payment-method setups, webhooks, routing).
//!   Its items are also re-exported here, as `crate::ports::Gateways` and so on.
//! - [`clock`]: the only way the engine learns the time.
//! - [`vat_registry`]: VIES, the EU's VAT ID confirmation service, and what its answers mean.
//! - [`charge_texts`]: the words of the invoice lines a dunning step charges, in the customer's
//!   language (the Fluent catalog lives in portal-web).

pub mod charge_texts;
pub mod clock;
pub mod gateway;
pub mod vat_registry;

pub use gateway::*;
