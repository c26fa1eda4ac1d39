//! Rating: pricing models (flat, per unit, graduated, volume, package, minimum) and what a quantity costs.
//!
//! # Rounding
//!
//! Unit prices may be finer than the currency's minor unit (0.0015 EUR per API call), so a line's
//! exact amount can fall between two cents. Each rated line is rounded exactly ONCE, from its
//! exact value `units * unit_price + flat_fee`, with the caller's [`RoundingPolicy`]. The total
//! is then the exact integer sum of those rounded lines (plus any minimum-charge top-up), never
//! re-rounded.
//!
//! Rounding per line rather than rounding the exact grand total is deliberate: an invoice must
//! foot. A customer (or an auditor) adds up the lines printed on the invoice and must arrive at
//! the printed total; with a separately rounded total the two could differ by a cent per line,
//! and the invoice would contradict itself. The price of this choice is that a graduated total
//! can differ from `round(exact sum)` by up to about one minor unit per line; the test
//! `total_is_the_sum_of_rounded_lines` pins that down.
//!
//! Arithmetic is exact: a line's value is computed as an `i128` count of 10^-k minor units and
//! rounded by [`round_div`]. `Decimal` multiplication is not used for money because it quietly
//! rounds products beyond 28 digits, which would be a hidden first rounding. Inputs too large or
//! too precise for that exact computation are refused with [`RatingError::Overflow`], never
//! approximated.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::{Money, MoneyError};
use crate::proration::round_div;
use crate::rounding::RoundingPolicy;

/// The finest unit price accepted: 12 decimal places is a millionth of a millionth of a major
/// unit, far below any real per-unit price, while keeping exact products inside `i128`.
pub const MAX_UNIT_PRICE_SCALE: u32 = 12;

/// Why a price definition or a rating was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RatingError {
    #[error("quantity must not be negative, got {0}")]
    NegativeQuantity(Decimal),
    #[error("prices must not be negative, got {0}")]
    NegativePrice(Decimal),
    #[error("unit price {0} has more than {MAX_UNIT_PRICE_SCALE} decimal places")]
    TooPrecise(Decimal),
    #[error("a tiered price needs at least one tier")]
    EmptyTiers,
    /// Bounds must rise strictly, starting above zero: tier `index` does not.
    #[error("tier {index}: its upper bound must be greater than the previous tier's (and than 0)")]
    TierNotAscending { index: usize },
    /// Only the last tier may be unbounded: tier `index` is unbounded but not last.
    #[error("tier {index}: only the last tier may be unbounded")]
    UnboundedTierNotLast { index: usize },
    /// The last tier is bounded, so quantities above its bound would have no price.
    #[error("the last tier must be unbounded (up_to: null)")]
    LastTierBounded,
    #[error("package block size must be greater than zero, got {0}")]
    NonPositiveBlockSize(Decimal),
    /// All amounts of one pricing must be in one currency.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    /// A value does not fit the exact computation (or the result does not fit in an amount).
    #[error("amount out of range")]
    Overflow,
    /// A price beyond [`crate::money::MAX_AMOUNT_MINOR`]; the text is [`MoneyError::OutOfBounds`]'s,
    /// which the web edge recognizes in a deserializer's error.
    #[error("{}", MoneyError::OutOfBounds)]
    OutOfBounds,
}

impl From<MoneyError> for RatingError {
    fn from(error: MoneyError) -> Self {
        match error {
            MoneyError::CurrencyMismatch { left, right } => {
                RatingError::CurrencyMismatch { expected: left, found: right }
            }
            MoneyError::OutOfBounds => RatingError::OutOfBounds,
            // Rating only adds, subtracts and multiplies amounts, which fail by overflow alone.
            _ => RatingError::Overflow,
        }
    }
}

/// A non-negative price per unit, possibly finer than the currency's minor unit, with at most
/// [`MAX_UNIT_PRICE_SCALE`] decimal places.
///
/// The fields are private so that every `UnitPrice`, including a deserialized one, has passed
/// [`UnitPrice::new`]. Serialized as `{"amount": "0.0015", "currency": "EUR"}`: a decimal string,
/// because JSON numbers are floats to most readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawUnitPrice")]
pub struct UnitPrice {
    amount: Decimal,
    currency: Currency,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnitPrice {
    amount: Decimal,
    currency: Currency,
}

impl TryFrom<RawUnitPrice> for UnitPrice {
    type Error = RatingError;

    fn try_from(raw: RawUnitPrice) -> Result<Self, Self::Error> {
        UnitPrice::new(raw.amount, raw.currency)
    }
}

impl UnitPrice {
    /// Validates the price. Trailing zeros beyond 12 places are harmless ("0.50000000000000"
    /// is 0.5) and are dropped; any other digit beyond 12 places is refused, not rounded, since
    /// rounding a price list entry would silently change it.
    pub fn new(amount: Decimal, currency: Currency) -> Result<UnitPrice, RatingError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(RatingError::NegativePrice(amount));
        }
        let amount = if amount.scale() > MAX_UNIT_PRICE_SCALE { amount.normalize() } else { amount };
        if amount.scale() > MAX_UNIT_PRICE_SCALE {
            return Err(RatingError::TooPrecise(amount));
        }
        // The one amount bound, for a price per unit: at most the bound's amount in major units.
        if amount > Money::from_minor(crate::money::MAX_AMOUNT_MINOR, currency).to_decimal() {
            return Err(RatingError::OutOfBounds);
        }
        // A "-0" must never be shown on a price list.
        let mut amount = amount;
        amount.set_sign_positive(true);
        Ok(UnitPrice { amount, currency })
    }

    /// A whole-money price (currency exponents are at most 4, well within 12 places).
    pub fn from_money(money: Money) -> Result<UnitPrice, RatingError> {
        UnitPrice::new(money.to_decimal(), money.currency())
    }

    pub const fn amount(&self) -> Decimal {
        self.amount
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }
}

/// One tier of a graduated or volume price.
///
/// A tier covers the quantities above the previous tier's `up_to` (0 for the first tier) up to
/// and including its own `up_to`; the last tier has `up_to: None` (no upper bound).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub up_to: Option<Decimal>,
    pub unit_price: UnitPrice,
    /// Charged once when the tier is used (see [`PricingModel`]).
    pub flat_fee: Option<Money>,
}

/// How a quantity is priced.
///
/// Serialized with a `type` tag: `{"type": "graduated", "tiers": [...]}`.
///
/// A zero quantity costs nothing under every quantity-driven model (a tier's flat fee is only
/// charged when some quantity falls in it); only `Flat` and a minimum charge bill for nothing used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PricingModel {
    /// A fixed price, charged whatever the quantity, including zero: it is a subscription fee,
    /// not a usage charge.
    Flat { price: Money },
    /// Every unit at the same price.
    PerUnit { unit_price: UnitPrice },
    /// Each tier prices the part of the quantity that falls in it; a tier's flat fee is charged
    /// once the quantity reaches into the tier.
    Graduated { tiers: Vec<Tier> },
    /// The whole quantity is priced at the tier that contains it, plus that tier's flat fee.
    Volume { tiers: Vec<Tier> },
    /// The quantity is billed in started blocks: `ceil(quantity / block_size)` times
    /// `block_price`.
    Package { block_size: Decimal, block_price: Money },
}

/// A pricing model with an optional minimum charge.
///
/// Deserialization runs [`Pricing::validate`], so a stored pricing that loads is well-formed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPricing")]
pub struct Pricing {
    pub model: PricingModel,
    /// If the rated lines add up to less, the total is lifted to this amount. Applies to a zero
    /// quantity too: a minimum is a commitment, not a usage charge.
    pub minimum_charge: Option<Money>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPricing {
    model: PricingModel,
    minimum_charge: Option<Money>,
}

impl TryFrom<RawPricing> for Pricing {
    type Error = RatingError;

    fn try_from(raw: RawPricing) -> Result<Self, Self::Error> {
        let pricing = Pricing { model: raw.model, minimum_charge: raw.minimum_charge };
        pricing.validate()?;
        Ok(pricing)
    }
}

/// One priced line of a rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedTier {
    /// The quantity range this line prices, `(from, to]`: `from` is the previous tier's bound
    /// (0 for the first), `to` the tier's own (`None`: unbounded). For integer units, `from: 10,
    /// to: 50` reads "units 11 to 50".
    pub from: Decimal,
    pub to: Option<Decimal>,
    /// Units billed on this line. Graduated: the part of the quantity inside the range; volume
    /// and per unit: the whole quantity; package: the number of blocks; flat: 1.
    pub quantity: Decimal,
    /// Price of one of `quantity` (for a package, of one block; for flat, the flat price).
    pub unit_price: UnitPrice,
    pub flat_fee: Option<Money>,
    /// `quantity * unit_price + flat_fee`, rounded once.
    pub amount: Money,
}

/// The result of rating a quantity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rated {
    /// The sum of the lines' amounts plus `minimum_applied`: exactly what the lines show.
    pub total: Money,
    /// The priced lines, in tier order; empty when nothing was charged for a zero quantity.
    pub tiers: Vec<RatedTier>,
    /// The top-up added to reach the minimum charge (`minimum - sum of lines`), if any.
    pub minimum_applied: Option<Money>,
}

fn check_currency(expected: Currency, found: Currency) -> Result<(), RatingError> {
    if expected == found { Ok(()) } else { Err(RatingError::CurrencyMismatch { expected, found }) }
}

fn check_money(expected: Currency, money: Money) -> Result<(), RatingError> {
    check_currency(expected, money.currency())?;
    money.within_bounds()?;
    if money.is_negative() { Err(RatingError::NegativePrice(money.to_decimal())) } else { Ok(()) }
}

fn validate_tiers(tiers: &[Tier]) -> Result<Currency, RatingError> {
    let first = tiers.first().ok_or(RatingError::EmptyTiers)?;
    let currency = first.unit_price.currency();
    let last = tiers.len() - 1;
    let mut previous = Decimal::ZERO;
    for (index, tier) in tiers.iter().enumerate() {
        check_currency(currency, tier.unit_price.currency())?;
        if let Some(fee) = tier.flat_fee {
            check_money(currency, fee)?;
        }
        match tier.up_to {
            Some(bound) => {
                if bound <= previous {
                    return Err(RatingError::TierNotAscending { index });
                }
                previous = bound;
            }
            None if index != last => return Err(RatingError::UnboundedTierNotLast { index }),
            None => {}
        }
    }
    if tiers[last].up_to.is_some() {
        return Err(RatingError::LastTierBounded);
    }
    Ok(currency)
}

fn pow10(exponent: u32) -> Result<i128, RatingError> {
    10_i128.checked_pow(exponent).ok_or(RatingError::Overflow)
}

/// `units * unit_price + flat_fee` in `currency`, exact and then rounded once.
///
/// With `units = u / 10^a` and `unit_price = p / 10^b`, the exact amount in minor units is
/// `(u * p * 10^e + fee * 10^(a+b)) / 10^(a+b)` for a currency exponent `e`.
fn line_amount(
    units: Decimal,
    unit_price: UnitPrice,
    flat_fee: Option<Money>,
    currency: Currency,
    policy: RoundingPolicy,
) -> Result<Money, RatingError> {
    // Normalizing changes no value, only drops trailing zeros, and keeps the powers small.
    let units = units.normalize();
    let price = unit_price.amount().normalize();
    let scale = units.scale() + price.scale();
    let denominator = pow10(scale)?;
    let variable = units
        .mantissa()
        .checked_mul(price.mantissa())
        .and_then(|product| product.checked_mul(pow10(currency.exponent()).ok()?))
        .ok_or(RatingError::Overflow)?;
    let fee =
        i128::from(flat_fee.map_or(0, |fee| fee.minor())).checked_mul(denominator).ok_or(RatingError::Overflow)?;
    let numerator = variable.checked_add(fee).ok_or(RatingError::Overflow)?;
    let minor = round_div(numerator, denominator, policy).ok_or(RatingError::Overflow)?;
    Ok(Money::from_minor(minor, currency))
}

/// `ceil(quantity / block_size)` for a non-negative quantity and a positive block size, exact.
fn blocks(quantity: Decimal, block_size: Decimal) -> Result<i64, RatingError> {
    // q / s = (mq / 10^a) / (ms / 10^b) = (mq * 10^b) / (ms * 10^a).
    let (quantity, size) = (quantity.normalize(), block_size.normalize());
    let dividend = quantity.mantissa().checked_mul(pow10(size.scale())?).ok_or(RatingError::Overflow)?;
    let divisor = size.mantissa().checked_mul(pow10(quantity.scale())?).ok_or(RatingError::Overflow)?;
    let whole = dividend / divisor;
    let count = if dividend % divisor == 0 { whole } else { whole + 1 };
    i64::try_from(count).map_err(|_| RatingError::Overflow)
}

impl Pricing {
    /// The currency every amount of this pricing is in.
    pub fn currency(&self) -> Result<Currency, RatingError> {
        match &self.model {
            PricingModel::Flat { price } => Ok(price.currency()),
            PricingModel::PerUnit { unit_price } => Ok(unit_price.currency()),
            PricingModel::Graduated { tiers } | PricingModel::Volume { tiers } => {
                tiers.first().map(|tier| tier.unit_price.currency()).ok_or(RatingError::EmptyTiers)
            }
            PricingModel::Package { block_price, .. } => Ok(block_price.currency()),
        }
    }

    /// Checks the definition: tiers non-empty with strictly ascending bounds above zero and only
    /// the last unbounded, a positive block size, one currency throughout, no negative amounts.
    pub fn validate(&self) -> Result<(), RatingError> {
        let currency = match &self.model {
            PricingModel::Flat { price } => {
                check_money(price.currency(), *price)?;
                price.currency()
            }
            // UnitPrice is validated on construction.
            PricingModel::PerUnit { unit_price } => unit_price.currency(),
            PricingModel::Graduated { tiers } | PricingModel::Volume { tiers } => validate_tiers(tiers)?,
            PricingModel::Package { block_size, block_price } => {
                if *block_size <= Decimal::ZERO {
                    return Err(RatingError::NonPositiveBlockSize(*block_size));
                }
                check_money(block_price.currency(), *block_price)?;
                block_price.currency()
            }
        };
        if let Some(minimum) = self.minimum_charge {
            check_money(currency, minimum)?;
        }
        Ok(())
    }

    /// What `quantity` costs. See the module documentation for where rounding happens.
    pub fn rate(&self, quantity: Decimal, policy: RoundingPolicy) -> Result<Rated, RatingError> {
        self.validate()?;
        if quantity.is_sign_negative() && !quantity.is_zero() {
            return Err(RatingError::NegativeQuantity(quantity));
        }
        let currency = self.currency()?;
        let tiers = match &self.model {
            PricingModel::Flat { price } => vec![RatedTier {
                from: Decimal::ZERO,
                to: None,
                quantity: Decimal::ONE,
                unit_price: UnitPrice::from_money(*price)?,
                flat_fee: None,
                amount: *price,
            }],
            _ if quantity.is_zero() => Vec::new(),
            PricingModel::PerUnit { unit_price } => vec![RatedTier {
                from: Decimal::ZERO,
                to: None,
                quantity,
                unit_price: *unit_price,
                flat_fee: None,
                amount: line_amount(quantity, *unit_price, None, currency, policy)?,
            }],
            PricingModel::Graduated { tiers } => graduated(tiers, quantity, currency, policy)?,
            PricingModel::Volume { tiers } => volume(tiers, quantity, currency, policy)?,
            PricingModel::Package { block_size, block_price } => {
                let count = blocks(quantity, *block_size)?;
                vec![RatedTier {
                    from: Decimal::ZERO,
                    to: None,
                    quantity: Decimal::from(count),
                    unit_price: UnitPrice::from_money(*block_price)?,
                    flat_fee: None,
                    amount: block_price.checked_mul(count)?,
                }]
            }
        };
        let subtotal = Money::sum(currency, tiers.iter().map(|line| line.amount))?;
        let minimum_applied = match self.minimum_charge {
            Some(minimum) if subtotal.minor() < minimum.minor() => Some(minimum.checked_sub(subtotal)?),
            _ => None,
        };
        let total = match minimum_applied {
            Some(top_up) => subtotal.checked_add(top_up)?,
            None => subtotal,
        };
        Ok(Rated { total, tiers, minimum_applied })
    }
}

/// Graduated lines for a positive quantity: each tier prices the units between its lower and
/// upper bound; tiers the quantity does not reach are left out.
fn graduated(
    tiers: &[Tier],
    quantity: Decimal,
    currency: Currency,
    policy: RoundingPolicy,
) -> Result<Vec<RatedTier>, RatingError> {
    let mut lines = Vec::new();
    let mut lower = Decimal::ZERO;
    for tier in tiers {
        if quantity <= lower {
            break;
        }
        let upper = tier.up_to.map_or(quantity, |bound| bound.min(quantity));
        let units = upper.checked_sub(lower).ok_or(RatingError::Overflow)?;
        lines.push(RatedTier {
            from: lower,
            to: tier.up_to,
            quantity: units,
            unit_price: tier.unit_price,
            flat_fee: tier.flat_fee,
            amount: line_amount(units, tier.unit_price, tier.flat_fee, currency, policy)?,
        });
        match tier.up_to {
            Some(bound) => lower = bound,
            None => break,
        }
    }
    Ok(lines)
}

/// The single volume line for a positive quantity: the whole quantity at the price of the first
/// tier whose bound is at or above it.
fn volume(
    tiers: &[Tier],
    quantity: Decimal,
    currency: Currency,
    policy: RoundingPolicy,
) -> Result<Vec<RatedTier>, RatingError> {
    let mut lower = Decimal::ZERO;
    for tier in tiers {
        if tier.up_to.is_none_or(|bound| quantity <= bound) {
            return Ok(vec![RatedTier {
                from: lower,
                to: tier.up_to,
                quantity,
                unit_price: tier.unit_price,
                flat_fee: tier.flat_fee,
                amount: line_amount(quantity, tier.unit_price, tier.flat_fee, currency, policy)?,
            }]);
        }
        // Not reached for a validated pricing's last tier, which is unbounded.
        lower = tier.up_to.unwrap_or(lower);
    }
    Err(RatingError::LastTierBounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    use crate::rounding::RoundingMode;

    const P: RoundingPolicy = RoundingPolicy::COMMERCIAL;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn price(amount: Decimal) -> UnitPrice {
        UnitPrice::new(amount, Currency::EUR).unwrap()
    }

    fn tier(up_to: Option<Decimal>, unit: Decimal) -> Tier {
        Tier { up_to, unit_price: price(unit), flat_fee: None }
    }

    /// 1-10 at 5.00, 11-50 at 4.00, 51+ at 3.00.
    fn example_tiers() -> Vec<Tier> {
        vec![tier(Some(dec!(10)), dec!(5.00)), tier(Some(dec!(50)), dec!(4.00)), tier(None, dec!(3.00))]
    }

    fn usd_tier() -> Tier {
        Tier { up_to: None, unit_price: UnitPrice::new(dec!(1), Currency::USD).unwrap(), flat_fee: None }
    }

    fn pricing(model: PricingModel) -> Pricing {
        Pricing { model, minimum_charge: None }
    }

    fn total(pricing: &Pricing, quantity: Decimal) -> Money {
        pricing.rate(quantity, P).unwrap().total
    }

    #[test]
    fn graduated_60_units_cost_240() {
        let rated = pricing(PricingModel::Graduated { tiers: example_tiers() }).rate(dec!(60), P).unwrap();
        assert_eq!(rated.total, eur(24_000));
        let shown: Vec<(Decimal, Option<Decimal>, Decimal, Money)> =
            rated.tiers.iter().map(|l| (l.from, l.to, l.quantity, l.amount)).collect();
        assert_eq!(
            shown,
            vec![
                (dec!(0), Some(dec!(10)), dec!(10), eur(5_000)),
                (dec!(10), Some(dec!(50)), dec!(40), eur(16_000)),
                (dec!(50), None, dec!(10), eur(3_000)),
            ]
        );
        assert_eq!(rated.minimum_applied, None);
    }

    #[test]
    fn volume_60_units_cost_180() {
        let rated = pricing(PricingModel::Volume { tiers: example_tiers() }).rate(dec!(60), P).unwrap();
        assert_eq!(rated.total, eur(18_000));
        assert_eq!(rated.tiers.len(), 1);
        assert_eq!((rated.tiers[0].from, rated.tiers[0].to, rated.tiers[0].quantity), (dec!(50), None, dec!(60)));
    }

    #[test]
    fn package_of_100_calls_250_calls_cost_30() {
        let package = pricing(PricingModel::Package { block_size: dec!(100), block_price: eur(1_000) });
        let rated = package.rate(dec!(250), P).unwrap();
        assert_eq!(rated.total, eur(3_000));
        assert_eq!(rated.tiers[0].quantity, dec!(3));
    }

    #[test]
    fn zero_units_on_graduated_cost_nothing() {
        let rated = pricing(PricingModel::Graduated { tiers: example_tiers() }).rate(dec!(0), P).unwrap();
        assert_eq!(rated.total, eur(0));
        assert!(rated.tiers.is_empty());
    }

    #[test]
    fn minimum_charge_lifts_3_to_10() {
        let per_unit = Pricing {
            model: PricingModel::PerUnit { unit_price: price(dec!(1.00)) },
            minimum_charge: Some(eur(1_000)),
        };
        let rated = per_unit.rate(dec!(3), P).unwrap();
        assert_eq!(rated.total, eur(1_000));
        assert_eq!(rated.minimum_applied, Some(eur(700)));
        assert_eq!(rated.tiers[0].amount, eur(300));
        // At or above the minimum nothing is added; a zero quantity still owes the minimum.
        assert_eq!(per_unit.rate(dec!(12), P).unwrap().minimum_applied, None);
        assert_eq!(per_unit.rate(dec!(10), P).unwrap().minimum_applied, None);
        assert_eq!(per_unit.rate(dec!(0), P).unwrap().total, eur(1_000));
    }

    #[test]
    fn total_is_the_sum_of_rounded_lines() {
        // Half a cent per unit: each single-unit tier line rounds (half-up) to 0.01, so the
        // total is 0.02, although the exact sum 0.010 would round to 0.01. The lines printed on
        // the invoice are authoritative and must add up to the total.
        let tiers = vec![tier(Some(dec!(1)), dec!(0.005)), tier(None, dec!(0.005))];
        let rated = pricing(PricingModel::Graduated { tiers }).rate(dec!(2), P).unwrap();
        let amounts: Vec<Money> = rated.tiers.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, vec![eur(1), eur(1)]);
        assert_eq!(rated.total, eur(2));
        assert_eq!(Money::from_decimal(dec!(0.010), Currency::EUR, P), Ok(eur(1)));
    }

    #[test]
    fn flat_charges_regardless_of_quantity() {
        let flat = pricing(PricingModel::Flat { price: eur(2_900) });
        assert_eq!(total(&flat, dec!(0)), eur(2_900));
        assert_eq!(total(&flat, dec!(1000)), eur(2_900));
        assert_eq!(flat.rate(dec!(0), P).unwrap().tiers.len(), 1);
    }

    #[rstest]
    // 0.0015 EUR per call: 1 call is 0.15 cent, rounded once per line.
    #[case(dec!(1), RoundingMode::HalfUp, 0)]
    #[case(dec!(3), RoundingMode::HalfUp, 0)]
    #[case(dec!(4), RoundingMode::HalfUp, 1)]
    #[case(dec!(10), RoundingMode::HalfUp, 2)]
    #[case(dec!(10), RoundingMode::HalfEven, 2)]
    #[case(dec!(30), RoundingMode::HalfEven, 4)]
    #[case(dec!(30), RoundingMode::HalfUp, 5)]
    #[case(dec!(1), RoundingMode::AwayFromZero, 1)]
    #[case(dec!(1_000_000), RoundingMode::HalfUp, 150_000)]
    #[case(dec!(2.5), RoundingMode::HalfUp, 0)]
    fn sub_cent_unit_prices(#[case] quantity: Decimal, #[case] mode: RoundingMode, #[case] minor: i64) {
        let per_call = pricing(PricingModel::PerUnit { unit_price: price(dec!(0.0015)) });
        assert_eq!(per_call.rate(quantity, RoundingPolicy::new(mode)).unwrap().total, eur(minor));
    }

    #[rstest]
    #[case(dec!(0), 0)]
    #[case(dec!(0.5), 1)]
    #[case(dec!(100), 1)]
    #[case(dec!(100.0001), 2)]
    #[case(dec!(200), 2)]
    #[case(dec!(250), 3)]
    fn package_blocks(#[case] quantity: Decimal, #[case] count: i64) {
        let package = pricing(PricingModel::Package { block_size: dec!(100), block_price: eur(1_000) });
        assert_eq!(total(&package, quantity), eur(1_000 * count));
    }

    #[rstest]
    #[case(dec!(1), 500)]
    #[case(dec!(10), 5_000)]
    #[case(dec!(10.5), 5_200)]
    #[case(dec!(11), 5_400)]
    #[case(dec!(50), 21_000)]
    #[case(dec!(51), 21_300)]
    fn graduated_boundaries(#[case] quantity: Decimal, #[case] minor: i64) {
        assert_eq!(total(&pricing(PricingModel::Graduated { tiers: example_tiers() }), quantity), eur(minor));
    }

    #[rstest]
    #[case(dec!(1), 500)]
    #[case(dec!(10), 5_000)]
    #[case(dec!(10.5), 4_200)]
    #[case(dec!(50), 20_000)]
    #[case(dec!(51), 15_300)]
    fn volume_boundaries(#[case] quantity: Decimal, #[case] minor: i64) {
        assert_eq!(total(&pricing(PricingModel::Volume { tiers: example_tiers() }), quantity), eur(minor));
    }

    #[test]
    fn tier_flat_fees() {
        let mut tiers = example_tiers();
        tiers[0].flat_fee = Some(eur(1_000));
        tiers[2].flat_fee = Some(eur(2_000));
        let graduated = pricing(PricingModel::Graduated { tiers: tiers.clone() });
        assert_eq!(total(&graduated, dec!(0)), eur(0));
        assert_eq!(total(&graduated, dec!(5)), eur(3_500));
        assert_eq!(total(&graduated, dec!(60)), eur(24_000 + 3_000));
        let volume = pricing(PricingModel::Volume { tiers });
        assert_eq!(total(&volume, dec!(0)), eur(0));
        assert_eq!(total(&volume, dec!(5)), eur(3_500));
        assert_eq!(total(&volume, dec!(30)), eur(12_000));
        assert_eq!(total(&volume, dec!(60)), eur(20_000));
    }

    #[test]
    fn flat_fee_joins_the_single_rounding() {
        // HalfEven: 0.5 cent plus a 1 cent fee is 1.5 cents, rounded once to 2 cents. Rounding
        // the variable part first (0) and adding the fee would give 1 cent.
        let tiers = vec![Tier { up_to: None, unit_price: price(dec!(0.005)), flat_fee: Some(eur(1)) }];
        let rated = pricing(PricingModel::Volume { tiers }).rate(dec!(1), RoundingPolicy::new(RoundingMode::HalfEven));
        assert_eq!(rated.unwrap().total, eur(2));
    }

    #[test]
    fn negative_quantity_is_refused() {
        let flat = pricing(PricingModel::Flat { price: eur(100) });
        assert_eq!(flat.rate(dec!(-1), P), Err(RatingError::NegativeQuantity(dec!(-1))));
        // "-0" is zero, not negative.
        assert_eq!(flat.rate(dec!(-0), P).unwrap().total, eur(100));
    }

    #[rstest]
    #[case(vec![], RatingError::EmptyTiers)]
    #[case(vec![tier(Some(dec!(10)), dec!(1))], RatingError::LastTierBounded)]
    #[case(vec![tier(None, dec!(1)), tier(None, dec!(1))], RatingError::UnboundedTierNotLast { index: 0 })]
    #[case(vec![tier(Some(dec!(0)), dec!(1)), tier(None, dec!(1))], RatingError::TierNotAscending { index: 0 })]
    #[case(vec![tier(Some(dec!(-5)), dec!(1)), tier(None, dec!(1))], RatingError::TierNotAscending { index: 0 })]
    #[case(
        vec![tier(Some(dec!(10)), dec!(1)), tier(Some(dec!(10)), dec!(1)), tier(None, dec!(1))],
        RatingError::TierNotAscending { index: 1 }
    )]
    #[case(
        vec![tier(Some(dec!(10)), dec!(1)), tier(Some(dec!(5)), dec!(1)), tier(None, dec!(1))],
        RatingError::TierNotAscending { index: 1 }
    )]
    #[case(
        vec![tier(Some(dec!(10)), dec!(1)), usd_tier()],
        RatingError::CurrencyMismatch { expected: Currency::EUR, found: Currency::USD }
    )]
    #[case(
        vec![Tier { up_to: None, unit_price: price(dec!(1)), flat_fee: Some(Money::from_minor(1, Currency::USD)) }],
        RatingError::CurrencyMismatch { expected: Currency::EUR, found: Currency::USD }
    )]
    #[case(
        vec![Tier { up_to: None, unit_price: price(dec!(1)), flat_fee: Some(eur(-1)) }],
        RatingError::NegativePrice(dec!(-0.01))
    )]
    fn invalid_tiers(#[case] tiers: Vec<Tier>, #[case] expected: RatingError) {
        let graduated = pricing(PricingModel::Graduated { tiers: tiers.clone() });
        assert_eq!(graduated.validate(), Err(expected.clone()));
        assert_eq!(graduated.rate(dec!(1), P), Err(expected.clone()));
        assert_eq!(pricing(PricingModel::Volume { tiers }).validate(), Err(expected));
    }

    #[test]
    fn invalid_other_models() {
        let flat = pricing(PricingModel::Flat { price: eur(-1) });
        assert_eq!(flat.validate(), Err(RatingError::NegativePrice(dec!(-0.01))));
        let package = pricing(PricingModel::Package { block_size: dec!(0), block_price: eur(100) });
        assert_eq!(package.validate(), Err(RatingError::NonPositiveBlockSize(dec!(0))));
        let package = pricing(PricingModel::Package { block_size: dec!(10), block_price: eur(-100) });
        assert_eq!(package.validate(), Err(RatingError::NegativePrice(dec!(-1.00))));
        let usd_minimum = Pricing {
            model: PricingModel::Flat { price: eur(100) },
            minimum_charge: Some(Money::from_minor(100, Currency::USD)),
        };
        let mismatch = RatingError::CurrencyMismatch { expected: Currency::EUR, found: Currency::USD };
        assert_eq!(usd_minimum.validate(), Err(mismatch));
        let negative_minimum = Pricing { model: PricingModel::Flat { price: eur(100) }, minimum_charge: Some(eur(-5)) };
        assert_eq!(negative_minimum.validate(), Err(RatingError::NegativePrice(dec!(-0.05))));
    }

    #[rstest]
    #[case(dec!(0.0015), Ok(dec!(0.0015)))]
    #[case(dec!(0.000000000001), Ok(dec!(0.000000000001)))]
    #[case(dec!(0.5000000000000000), Ok(dec!(0.5)))]
    #[case(dec!(0), Ok(dec!(0)))]
    #[case(dec!(-0), Ok(dec!(0)))]
    #[case(dec!(0.0000000000001), Err(RatingError::TooPrecise(dec!(0.0000000000001))))]
    #[case(dec!(-0.01), Err(RatingError::NegativePrice(dec!(-0.01))))]
    fn unit_price_validation(#[case] amount: Decimal, #[case] expected: Result<Decimal, RatingError>) {
        let got = UnitPrice::new(amount, Currency::EUR).map(|p| p.amount());
        assert_eq!(got, expected);
        if let Ok(amount) = got {
            assert!(amount.is_sign_positive());
        }
    }

    #[test]
    fn huge_inputs_overflow_instead_of_rounding_silently() {
        let per_unit = pricing(PricingModel::PerUnit { unit_price: price(dec!(1000000)) });
        assert_eq!(per_unit.rate(Decimal::MAX, P), Err(RatingError::Overflow));
        let flat_tiers = vec![tier(Some(dec!(1)), dec!(0)), tier(None, dec!(0.000000000001))];
        let tiny = pricing(PricingModel::Graduated { tiers: flat_tiers });
        // 28 decimal places on the quantity plus 12 on the price exceed the exact range.
        assert_eq!(tiny.rate(dec!(1.0000000000000000000000000001), P), Err(RatingError::Overflow));
        let package =
            pricing(PricingModel::Package { block_size: dec!(0.0000000000000000000000000001), block_price: eur(1) });
        assert_eq!(package.rate(dec!(1000), P), Err(RatingError::Overflow));
    }

    #[test]
    fn serde_shapes() {
        let graduated = Pricing {
            model: PricingModel::Graduated {
                tiers: vec![
                    Tier { up_to: Some(dec!(10)), unit_price: price(dec!(0.0015)), flat_fee: Some(eur(100)) },
                    tier(None, dec!(0.001)),
                ],
            },
            minimum_charge: Some(eur(500)),
        };
        let json = serde_json::to_string(&graduated).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"model":{"type":"graduated","tiers":["#,
                r#"{"up_to":"10","unit_price":{"amount":"0.0015","currency":"EUR"},"#,
                r#""flat_fee":{"amount":100,"currency":"EUR"}},"#,
                r#"{"up_to":null,"unit_price":{"amount":"0.001","currency":"EUR"},"flat_fee":null}]},"#,
                r#""minimum_charge":{"amount":500,"currency":"EUR"}}"#
            )
        );
        assert_eq!(serde_json::from_str::<Pricing>(&json).unwrap(), graduated);

        let package =
            r#"{"model":{"type":"package","block_size":"100","block_price":{"amount":1000,"currency":"EUR"}}}"#;
        let parsed: Pricing = serde_json::from_str(package).unwrap();
        assert_eq!(parsed.model, PricingModel::Package { block_size: dec!(100), block_price: eur(1_000) });
        assert_eq!(parsed.minimum_charge, None);
    }

    #[rstest]
    // Deserialization validates: bounded last tier, negative unit price, too precise, zero block.
    #[case(concat!(
        r#"{"model":{"type":"volume","tiers":[{"up_to":"5","#,
        r#""unit_price":{"amount":"1","currency":"EUR"},"flat_fee":null}]}}"#
    ))]
    #[case(r#"{"model":{"type":"per_unit","unit_price":{"amount":"-1","currency":"EUR"}}}"#)]
    #[case(r#"{"model":{"type":"per_unit","unit_price":{"amount":"0.0000000000001","currency":"EUR"}}}"#)]
    #[case(r#"{"model":{"type":"package","block_size":"0","block_price":{"amount":1,"currency":"EUR"}}}"#)]
    #[case(r#"{"model":{"type":"tiered","tiers":[]}}"#)]
    #[case(r#"{"model":{"type":"flat","price":{"amount":1,"currency":"EUR"}},"discount":1}"#)]
    fn serde_rejects(#[case] json: &str) {
        assert!(serde_json::from_str::<Pricing>(json).is_err(), "{json}");
    }

    #[test]
    fn rated_round_trips() {
        let rated = pricing(PricingModel::Graduated { tiers: example_tiers() }).rate(dec!(60), P).unwrap();
        let json = serde_json::to_string(&rated).unwrap();
        assert_eq!(serde_json::from_str::<Rated>(&json).unwrap(), rated);
    }

    // ---- properties ----

    fn any_mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::TowardZero),
            Just(RoundingMode::AwayFromZero),
        ]
    }

    /// A non-negative decimal with up to `max_scale` places.
    fn any_decimal(max: i64, max_scale: u32) -> impl Strategy<Value = Decimal> {
        (0..=max, 0..=max_scale).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
    }

    /// 1 to 5 tiers with ascending (possibly fractional) bounds, sub-cent prices and optional fees.
    fn any_tiers() -> impl Strategy<Value = Vec<Tier>> {
        let step = (1..=100_000_i64, 0..=2_u32).prop_map(|(m, s)| Decimal::new(m, s));
        let fee = proptest::option::of((0..=10_000_i64).prop_map(eur));
        proptest::collection::vec((step, any_decimal(1_000_000, 6), fee), 1..=5).prop_map(|specs| {
            let last = specs.len() - 1;
            let mut bound = Decimal::ZERO;
            specs
                .into_iter()
                .enumerate()
                .map(|(index, (step, unit, flat_fee))| {
                    bound += step;
                    let up_to = if index == last { None } else { Some(bound) };
                    Tier { up_to, unit_price: price(unit), flat_fee }
                })
                .collect()
        })
    }

    /// Reference: rounds `units * unit + fee` with the Decimal route, which is exact for the
    /// small values the strategies produce.
    fn reference_line(units: Decimal, tier: &Tier, policy: RoundingPolicy) -> Money {
        let fee = tier.flat_fee.map_or(Decimal::ZERO, |f| f.to_decimal());
        Money::from_decimal(units * tier.unit_price.amount() + fee, Currency::EUR, policy).unwrap()
    }

    proptest! {
        #[test]
        fn graduated_is_monotonic(
            tiers in any_tiers(),
            a in any_decimal(10_000_000, 3),
            b in any_decimal(10_000_000, 3),
            mode in any_mode(),
        ) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let graduated = pricing(PricingModel::Graduated { tiers });
            let policy = RoundingPolicy::new(mode);
            let cheaper = graduated.rate(low, policy).unwrap().total;
            let dearer = graduated.rate(high, policy).unwrap().total;
            prop_assert!(cheaper.minor() <= dearer.minor(), "{} for {} > {} for {}", cheaper, low, dearer, high);
        }

        #[test]
        fn graduated_equals_the_independent_sum_over_tiers(
            tiers in any_tiers(),
            quantity in any_decimal(10_000_000, 3),
            mode in any_mode(),
        ) {
            let policy = RoundingPolicy::new(mode);
            let mut expected = 0_i64;
            let mut lower = Decimal::ZERO;
            for tier in &tiers {
                // The part of [0, quantity] inside (lower, up_to], computed without the engine.
                let upper = tier.up_to.unwrap_or(Decimal::MAX);
                let units = (quantity.min(upper) - lower).max(Decimal::ZERO);
                if units > Decimal::ZERO {
                    expected += reference_line(units, tier, policy).minor();
                }
                lower = upper;
            }
            let rated = pricing(PricingModel::Graduated { tiers }).rate(quantity, policy).unwrap();
            prop_assert_eq!(rated.total, eur(expected));
            let lines: i64 = rated.tiers.iter().map(|l| l.amount.minor()).sum();
            prop_assert_eq!(lines, expected);
            let units: Decimal = rated.tiers.iter().map(|l| l.quantity).sum();
            prop_assert_eq!(units, quantity);
        }

        #[test]
        fn volume_prices_everything_at_the_containing_tier(
            tiers in any_tiers(),
            quantity in any_decimal(10_000_000, 3),
            mode in any_mode(),
        ) {
            let policy = RoundingPolicy::new(mode);
            let rated = pricing(PricingModel::Volume { tiers: tiers.clone() }).rate(quantity, policy).unwrap();
            if quantity.is_zero() {
                prop_assert_eq!(rated.total, eur(0));
            } else {
                let containing = tiers.iter().find(|t| t.up_to.is_none_or(|u| quantity <= u)).unwrap();
                prop_assert_eq!(rated.total, reference_line(quantity, containing, policy));
                // Above its lower bound too: no earlier tier contains the quantity.
                prop_assert!(quantity > rated.tiers[0].from);
            }
        }

        #[test]
        fn package_is_block_price_times_started_blocks(
            size in (1..=1_000_000_i64, 0..=3_u32).prop_map(|(m, s)| Decimal::new(m, s)),
            quantity in any_decimal(1_000_000_000, 4),
            block_price in 0..=1_000_000_i64,
        ) {
            let package = pricing(PricingModel::Package { block_size: size, block_price: eur(block_price) });
            let blocks = (quantity / size).ceil();
            let expected = block_price * i64::try_from(blocks.mantissa()).unwrap();
            prop_assert_eq!(total(&package, quantity), eur(expected));
            // Enough blocks to cover the quantity, and one fewer would not.
            prop_assert!(blocks * size >= quantity);
            prop_assert!(blocks.is_zero() || (blocks - Decimal::ONE) * size < quantity);
        }

        #[test]
        fn minimum_is_a_floor(
            tiers in any_tiers(),
            quantity in any_decimal(10_000_000, 3),
            minimum in 0..=100_000_000_i64,
        ) {
            let plain = pricing(PricingModel::Graduated { tiers: tiers.clone() }).rate(quantity, P).unwrap();
            let floored = Pricing { model: PricingModel::Graduated { tiers }, minimum_charge: Some(eur(minimum)) };
            let rated = floored.rate(quantity, P).unwrap();
            prop_assert_eq!(rated.total.minor(), plain.total.minor().max(minimum));
            let top_up = rated.minimum_applied.map_or(0, |m| m.minor());
            prop_assert_eq!(plain.total.minor() + top_up, rated.total.minor());
        }
    }
}
