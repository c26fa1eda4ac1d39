//! Catalog: products, plans and the price book (one price per plan and currency).
//!
//! A plan is offered only in the currencies it has a price for; there is no silent conversion.

use serde::Serialize;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{PlanId, ProductId};
use crate::money::Money;
use crate::period::BillingInterval;

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: ProductId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: PlanId,
    pub product_id: ProductId,
    pub code: String,
    pub name: String,
    pub interval: BillingInterval,
    pub active: bool,
    /// The price book: at most one flat price per currency, sorted by currency code.
    pub prices: Vec<Money>,
}

impl Plan {
    /// The plan's price in `currency`, or the error that says it is not sold in that currency.
    pub fn price_in(&self, currency: Currency) -> Result<Money> {
        self.prices
            .iter()
            .find(|p| p.currency() == currency)
            .copied()
            .ok_or_else(|| Error::PlanNotPricedInCurrency { plan: self.code.clone(), currency })
    }
}

/// Validates a catalog code (`pro-monthly`): what integrators type in their own code.
pub fn validate_code(field: &'static str, code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(Error::invalid(field, "use 1-64 letters, digits, '-', '_' or '.'")) }
}

/// Validates a display name: trimmed, non-empty, at most 200 characters.
pub fn validate_name(field: &'static str, name: &str) -> Result<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > 200 {
        return Err(Error::invalid(field, "must be at most 200 characters"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(prices: Vec<Money>) -> Plan {
        Plan {
            id: PlanId::new(),
            product_id: ProductId::new(),
            code: "pro".into(),
            name: "Pro".into(),
            interval: BillingInterval::monthly(),
            active: true,
            prices,
        }
    }

    #[test]
    fn price_is_found_in_its_currency_only() {
        let p = plan(vec![Money::from_minor(2900, Currency::EUR), Money::from_minor(3200, Currency::USD)]);
        assert_eq!(p.price_in(Currency::USD).unwrap().minor(), 3200);
        let err = p.price_in(Currency::CHF).unwrap_err();
        assert!(matches!(err, Error::PlanNotPricedInCurrency { currency, .. } if currency == Currency::CHF));
    }

    #[test]
    fn codes_and_names_are_checked() {
        assert!(validate_code("code", "pro-monthly_2").is_ok());
        assert!(validate_code("code", "").is_err());
        assert!(validate_code("code", "pro monthly").is_err());
        assert_eq!(validate_name("name", "  Pro ").unwrap(), "Pro");
        assert!(validate_name("name", "   ").is_err());
    }
}
