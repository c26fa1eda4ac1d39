//! Catalog: products, plans and the price book (one price per plan and currency).
//!
//! A plan is offered only in the currencies it has a price for; there is no silent conversion.
//! Each price carries a pricing model (flat, per unit, graduated, volume, package; see
//! `rating`), so the same plan can be per seat in EUR and tiered in USD if a merchant wants.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{PlanId, ProductId};
use crate::money::Money;
use crate::period::BillingInterval;
use crate::rating::{Pricing, PricingModel, UnitPrice};
use crate::rounding::RoundingPolicy;

/// One entry of a plan's price book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPrice {
    pub currency: Currency,
    pub pricing: Pricing,
    /// One-time fee invoiced when a subscription starts.
    #[serde(default)]
    pub setup_fee: Option<Money>,
    /// The customer segment this price is for (`None`: the default price list).
    #[serde(default)]
    pub segment: Option<String>,
    /// Whether the amounts are net (VAT added on top) or what the customer pays (VAT carved out).
    /// Absent in snapshots from before tax-inclusive prices: those were all exclusive.
    #[serde(default)]
    pub tax_behavior: TaxBehavior,
}

/// How a price relates to VAT (Stripe's `tax_behavior`, Chargebee's `price_type`).
///
/// `Exclusive`: the amount is net and the VAT the customer owes is added on top.
/// `Inclusive`: the amount is what the customer pays; whatever VAT applies to that customer
/// (domestic, the OSS rate of a consumer's country, none for reverse charge or export) is carved
/// out of it per VAT group (`tax::compute` with `prices_include_tax`), so the total stays the price
/// and the net varies by customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBehavior {
    #[default]
    Exclusive,
    Inclusive,
}

impl TaxBehavior {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxBehavior::Exclusive => "exclusive",
            TaxBehavior::Inclusive => "inclusive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "exclusive" => Some(TaxBehavior::Exclusive),
            "inclusive" => Some(TaxBehavior::Inclusive),
            _ => None,
        }
    }

    /// Parses a request field: absent is exclusive (today's meaning), anything but the two names
    /// is refused with the error the API reports.
    pub fn from_field(text: Option<&str>) -> Result<Self> {
        match text {
            None => Ok(TaxBehavior::Exclusive),
            Some(t) => Self::parse(t).ok_or_else(|| Error::InvalidTaxBehavior { value: t.to_string() }),
        }
    }

    /// What `tax::compute` needs to know.
    pub fn includes_tax(self) -> bool {
        self == TaxBehavior::Inclusive
    }

    /// The one behaviour of a document whose lines carry these, or
    /// [`Error::TaxBehaviorMixed`]: an invoice is either all tax-inclusive or all tax-exclusive,
    /// because VAT is rounded once per group over the group's sum (EN 16931 BR-CO-17), and a sum
    /// of net and gross amounts has no meaning. `None` for no lines.
    pub fn of_document(behaviors: impl IntoIterator<Item = TaxBehavior>) -> Result<Option<Self>> {
        let mut one = None;
        for b in behaviors {
            match one {
                None => one = Some(b),
                Some(a) if a == b => {}
                Some(_) => return Err(Error::TaxBehaviorMixed),
            }
        }
        Ok(one)
    }
}

impl PlanPrice {
    /// A per-unit price (a flat fee for quantity 1): the foundation's simple price.
    pub fn per_unit(price: Money) -> Result<Self> {
        Ok(Self {
            currency: price.currency(),
            pricing: Pricing {
                model: PricingModel::PerUnit { unit_price: UnitPrice::from_money(price)? },
                minimum_charge: None,
            },
            setup_fee: None,
            segment: None,
            tax_behavior: TaxBehavior::Exclusive,
        })
    }

    /// Validates a pricing and ties it to its currency.
    pub fn new(pricing: Pricing) -> Result<Self> {
        pricing.validate()?;
        Ok(Self {
            currency: pricing.currency()?,
            pricing,
            setup_fee: None,
            segment: None,
            tax_behavior: TaxBehavior::Exclusive,
        })
    }

    /// What one billing period costs at `quantity`, rounded once per rated line.
    pub fn period_amount(&self, quantity: u32, policy: RoundingPolicy) -> Result<Money> {
        Ok(self.pricing.rate(Decimal::from(quantity), policy)?.total)
    }

    /// The amount a price list shows first: the flat price, the unit price if it is whole money,
    /// else nothing (tiered prices are shown by their tiers).
    pub fn headline(&self) -> Option<Money> {
        match &self.pricing.model {
            PricingModel::Flat { price } => Some(*price),
            PricingModel::PerUnit { unit_price } => {
                Money::from_decimal(unit_price.amount(), unit_price.currency(), RoundingPolicy::default())
                    .ok()
                    .filter(|m| m.to_decimal() == unit_price.amount())
            }
            PricingModel::Package { block_price, .. } => Some(*block_price),
            PricingModel::Graduated { .. } | PricingModel::Volume { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: ProductId,
    pub code: String,
    pub name: String,
}

/// When a period is invoiced: on its first day (advance) or after its last day (arrears).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BillingTiming {
    #[default]
    Advance,
    Arrears,
}

/// The stored name of a tax category.
pub fn tax_category_str(c: crate::tax::TaxCategory) -> &'static str {
    use crate::tax::TaxCategory as T;
    match c {
        T::DigitalService => "digital_service",
        T::EBook => "e_book",
        T::PhysicalGoods => "physical_goods",
        T::Exempt => "exempt",
        T::NotSubject => "not_subject",
    }
}

pub fn parse_tax_category(text: &str) -> Option<crate::tax::TaxCategory> {
    use crate::tax::TaxCategory as T;
    Some(match text {
        "digital_service" => T::DigitalService,
        "e_book" => T::EBook,
        "physical_goods" => T::PhysicalGoods,
        "exempt" => T::Exempt,
        "not_subject" => T::NotSubject,
        _ => return None,
    })
}

impl BillingTiming {
    pub fn as_str(&self) -> &'static str {
        match self {
            BillingTiming::Advance => "advance",
            BillingTiming::Arrears => "arrears",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "advance" => Some(BillingTiming::Advance),
            "arrears" => Some(BillingTiming::Arrears),
            _ => None,
        }
    }
}

/// What makes a plan an add-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonRules {
    /// Codes of the base plans it fits; empty: every base plan.
    pub fits: Vec<String>,
    /// Charged once when attached, instead of every period.
    pub one_time: bool,
}

impl AddonRules {
    pub fn fits(&self, base_plan_code: &str) -> bool {
        self.fits.is_empty() || self.fits.iter().any(|c| c == base_plan_code)
    }
}

/// A metered plan's quantity per period: one metric, aggregated one way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metering {
    pub metric: String,
    pub aggregation: crate::usage::Aggregation,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: PlanId,
    pub product_id: ProductId,
    pub code: String,
    pub name: String,
    pub interval: BillingInterval,
    pub active: bool,
    pub timing: BillingTiming,
    /// Days of free trial before the first paid period (0: none).
    pub trial_days: u32,
    /// A trial starts only for a customer with a payment method on file.
    pub trial_requires_payment_method: bool,
    /// What the plan sells, for VAT (digital service by default).
    pub tax_category: crate::tax::TaxCategory,
    /// Set for add-ons: which base plans they fit and whether they are charged once.
    pub addon: Option<AddonRules>,
    /// Set for metered plans, which are billed in arrears on the period's aggregated usage.
    pub metering: Option<Metering>,
    /// The price book: at most one price per currency, sorted by currency code.
    pub prices: Vec<PlanPrice>,
}

impl Plan {
    /// The plan's default price in `currency`, or the error that says it is not sold in it.
    pub fn price_in(&self, currency: Currency) -> Result<&PlanPrice> {
        self.price_for(currency, None)
    }

    /// The price for a customer: its segment's price in `currency` if the plan has one, else the
    /// default price in `currency`.
    pub fn price_for(&self, currency: Currency, segment: Option<&str>) -> Result<&PlanPrice> {
        let in_currency = |p: &&PlanPrice| p.currency == currency;
        segment
            .and_then(|s| self.prices.iter().filter(in_currency).find(|p| p.segment.as_deref() == Some(s)))
            .or_else(|| self.prices.iter().filter(in_currency).find(|p| p.segment.is_none()))
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

    fn plan(prices: Vec<PlanPrice>) -> Plan {
        Plan {
            id: PlanId::new(),
            product_id: ProductId::new(),
            code: "pro".into(),
            name: "Pro".into(),
            interval: BillingInterval::monthly(),
            active: true,
            timing: BillingTiming::Advance,
            trial_days: 0,
            trial_requires_payment_method: false,
            tax_category: crate::tax::TaxCategory::DigitalService,
            addon: None,
            metering: None,
            prices,
        }
    }

    #[test]
    fn price_is_found_in_its_currency_only() {
        let p = plan(vec![
            PlanPrice::per_unit(Money::from_minor(2900, Currency::EUR)).unwrap(),
            PlanPrice::per_unit(Money::from_minor(3200, Currency::USD)).unwrap(),
        ]);
        let usd = p.price_in(Currency::USD).unwrap();
        assert_eq!(usd.headline().unwrap().minor(), 3200);
        assert_eq!(usd.period_amount(3, RoundingPolicy::default()).unwrap().minor(), 9600);
        let err = p.price_in(Currency::CHF).unwrap_err();
        assert!(matches!(err, Error::PlanNotPricedInCurrency { currency, .. } if currency == Currency::CHF));
    }

    #[test]
    fn tax_behavior_defaults_to_exclusive_and_refuses_other_words() {
        assert_eq!(TaxBehavior::from_field(None).unwrap(), TaxBehavior::Exclusive);
        assert_eq!(TaxBehavior::from_field(Some("inclusive")).unwrap(), TaxBehavior::Inclusive);
        let err = TaxBehavior::from_field(Some("sometimes")).unwrap_err();
        assert!(matches!(err, Error::InvalidTaxBehavior { value } if value == "sometimes"));
        // A price snapshot stored before tax behaviours existed reads as exclusive.
        let old = serde_json::json!({
            "currency": "EUR",
            "pricing": serde_json::to_value(PlanPrice::per_unit(Money::from_minor(100, Currency::EUR)).unwrap().pricing).unwrap(),
        });
        let price: PlanPrice = serde_json::from_value(old).unwrap();
        assert_eq!(price.tax_behavior, TaxBehavior::Exclusive);
    }

    #[test]
    fn a_document_is_all_inclusive_or_all_exclusive() {
        use TaxBehavior::{Exclusive, Inclusive};
        assert_eq!(TaxBehavior::of_document(std::iter::empty()).unwrap(), None);
        assert_eq!(TaxBehavior::of_document([Inclusive, Inclusive]).unwrap(), Some(Inclusive));
        assert_eq!(TaxBehavior::of_document([Exclusive]).unwrap(), Some(Exclusive));
        assert!(matches!(TaxBehavior::of_document([Exclusive, Inclusive]), Err(Error::TaxBehaviorMixed)));
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
