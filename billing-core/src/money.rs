//! Money: an exact amount as integer minor units of one currency, with checked arithmetic, parsing and allocation.

use core::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::rounding::RoundingPolicy;

/// An amount of money: a whole number of minor units (cents for EUR, yen for
/// JPY, fils for KWD) in one currency.
///
/// Integer minor units make every stored amount exact and every sum exact.
/// There is deliberately no `Add`/`Sub`/`Mul` operator: each arithmetic step
/// goes through a `checked_*` method so that currency mismatches and
/// overflow are errors, never panics or wrapped values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(into = "MoneyRepr", from = "MoneyRepr")]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why a money operation was refused. The web layer localizes by variant,
/// so messages here are plain English for logs and developers.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum MoneyError {
    #[error("currency mismatch: cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount out of range")]
    Overflow,
    #[error("too many decimal places: {currency} allows at most {exponent}")]
    TooPrecise { currency: Currency, exponent: u32 },
    #[error("invalid amount {0:?}: expected a plain decimal such as 12.34 or -0.5")]
    Invalid(String),
    #[error("cannot allocate over an empty or all-zero list of weights")]
    EmptyAllocation,
    /// An amount from outside beyond [`MAX_AMOUNT_MINOR`] in magnitude.
    #[error("amount must be between -{MAX_AMOUNT_MINOR} and {MAX_AMOUNT_MINOR} minor units")]
    OutOfBounds,
}

/// The largest amount, in minor units of any currency, that any input may carry: a price, a fee,
/// a line, a balance adjustment, a refund, a payment, a bound in a routing rule. One bound,
/// checked where amounts come in (the API edge, statement imports, the CLI), so that what one
/// endpoint accepts another cannot refuse later, and so that sums of accepted amounts stay far
/// from `i64` (and PostgreSQL `BIGINT`) overflow: quantity (at most 1,000,000) times this bound is
/// still below 2^63. It is 10^12 - 1: EUR 9,999,999,999.99, JPY 999,999,999,999.
pub const MAX_AMOUNT_MINOR: i64 = 999_999_999_999;

/// Wire form: `{"amount": <minor units>, "currency": "EUR"}`. Minor units
/// rather than a decimal string keep the JSON exact and unambiguous; the
/// currency's exponent says where the decimal point goes.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyRepr {
    amount: i64,
    // Deserializing `Currency` validates the code against the ISO table.
    currency: Currency,
}

impl From<Money> for MoneyRepr {
    fn from(money: Money) -> Self {
        MoneyRepr { amount: money.minor, currency: money.currency }
    }
}

impl From<MoneyRepr> for Money {
    fn from(repr: MoneyRepr) -> Self {
        Money::from_minor(repr.amount, repr.currency)
    }
}

/// `minor` if its magnitude is at most [`MAX_AMOUNT_MINOR`].
pub fn check_bound(minor: i64) -> Result<i64, MoneyError> {
    if (-MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR).contains(&minor) { Ok(minor) } else { Err(MoneyError::OutOfBounds) }
}

/// An amount in minor units as a request spells it (`"amount": 2900`), already checked against
/// [`MAX_AMOUNT_MINOR`] while it is deserialized: request types use it for every integer amount,
/// so that no handler can forget the bound. The deserializer's error is the text of
/// [`MoneyError::OutOfBounds`], which the web edge recognizes and localizes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(into = "i64")]
pub struct MinorAmount(i64);

impl<'de> Deserialize<'de> for MinorAmount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = MinorAmount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of minor units")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<MinorAmount, E> {
                MinorAmount::try_from(v).map_err(E::custom)
            }
            // Numbers beyond i64 arrive as u64 or (beyond u64) as floats: out of bounds too,
            // rather than a type error that would hide what is wrong.
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MinorAmount, E> {
                i64::try_from(v).map_err(|_| E::custom(MoneyError::OutOfBounds)).and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<MinorAmount, E> {
                // No arithmetic on the float: only its magnitude is compared, to pick the error.
                if v.is_finite() && v.abs() > 1e12 {
                    Err(E::custom(MoneyError::OutOfBounds))
                } else {
                    Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
                }
            }
        }
        deserializer.deserialize_i64(Visitor)
    }
}

impl MinorAmount {
    pub const fn get(self) -> i64 {
        self.0
    }

    /// For an answer built from a stored amount (which was bounded when it came in); never for
    /// input, which goes through `Deserialize` or `TryFrom`.
    pub const fn from_stored(minor: i64) -> Self {
        MinorAmount(minor)
    }
}

impl TryFrom<i64> for MinorAmount {
    type Error = MoneyError;
    fn try_from(minor: i64) -> Result<Self, MoneyError> {
        check_bound(minor).map(MinorAmount)
    }
}

impl From<MinorAmount> for i64 {
    fn from(a: MinorAmount) -> i64 {
        a.0
    }
}

/// 10^exp. Currency exponents are at most 4 (checked when the currency table
/// is compiled), so this cannot overflow.
const fn pow10(exp: u32) -> i64 {
    10_i64.pow(exp)
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Money {
        Money::from_minor(0, currency)
    }

    /// Parses a plain decimal such as "12.34", "-0.5" or "1000".
    ///
    /// Accepted: an optional leading `-`, at least one digit, and optionally a
    /// `.` followed by at least one digit. No `+`, whitespace, thousands
    /// separators or exponent notation: input is meant to be machine-shaped,
    /// and locale-specific formats belong in the web layer.
    ///
    /// Fraction digits beyond the currency's exponent must be zeros
    /// ("12.340" EUR is exactly 12.34); any other extra digit is
    /// [`MoneyError::TooPrecise`], because silently rounding user input
    /// would change the amount.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let invalid = || MoneyError::Invalid(text.to_owned());
        let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());

        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) if is_digits(fraction) => (whole, fraction),
            Some(_) => return Err(invalid()),
            None => (unsigned, ""),
        };
        if !is_digits(whole) {
            return Err(invalid());
        }

        let exponent = currency.exponent();
        let allowed = fraction.len().min(exponent as usize);
        let (kept, dropped) = fraction.split_at(allowed);
        if dropped.bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooPrecise { currency, exponent });
        }

        // Accumulate the magnitude in i128 and stop as soon as it exceeds
        // what any i64 can hold (2^63, the magnitude of i64::MIN), so even
        // absurdly long inputs cannot overflow the accumulator itself.
        const LIMIT: i128 = 1 << 63;
        let padding = exponent as usize - kept.len();
        let digits = whole.bytes().chain(kept.bytes()).chain(core::iter::repeat_n(b'0', padding));
        let mut magnitude: i128 = 0;
        for digit in digits {
            magnitude = magnitude * 10 + i128::from(digit - b'0');
            if magnitude > LIMIT {
                return Err(MoneyError::Overflow);
            }
        }
        let signed = if negative { -magnitude } else { magnitude };
        let minor = i64::try_from(signed).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// Converts an exact decimal in major units (12.345 meaning EUR 12.345)
    /// to money, rounding exactly once to the currency's exponent.
    pub fn from_decimal(value: Decimal, currency: Currency, policy: RoundingPolicy) -> Result<Money, MoneyError> {
        let exponent = currency.exponent();
        let rounded = policy.round(value, exponent);
        // Rounding leaves at most `exponent` decimal places, possibly fewer
        // (12.3 stays 12.3); scale the mantissa up to exactly `exponent`.
        let lift = exponent - rounded.scale();
        let minor = rounded.mantissa().checked_mul(i128::from(pow10(lift))).ok_or(MoneyError::Overflow)?;
        let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// `minor` units of `currency` if within [`MAX_AMOUNT_MINOR`]: how amounts from outside become money.
    pub fn bounded(minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        check_bound(minor)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// This amount, if within [`MAX_AMOUNT_MINOR`] (e.g. one parsed from a decimal string).
    pub fn within_bounds(self) -> Result<Money, MoneyError> {
        check_bound(self.minor)?;
        Ok(self)
    }

    pub const fn minor(&self) -> i64 {
        self.minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// The exact amount in major units, with scale equal to the currency's
    /// exponent (EUR 5 is 5.00, JPY 5 is 5).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub const fn is_positive(&self) -> bool {
        self.minor > 0
    }

    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    pub fn checked_neg(&self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Multiplies by a whole number (a quantity); exact, no rounding.
    pub fn checked_mul(&self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Multiplies by a decimal factor (a tax rate, a discount, a proration
    /// ratio) and rounds the exact product once with `policy`.
    ///
    /// The product is computed in integers rather than with `Decimal`
    /// multiplication: rust_decimal quietly rounds products that need more
    /// than 96 bits or 28 decimal places, and that hidden first rounding
    /// followed by ours is double rounding (0.01 x 0.4999999999999999999999999995
    /// would become 0.01 instead of 0.00).
    pub fn mul_decimal(&self, factor: Decimal, policy: RoundingPolicy) -> Result<Money, MoneyError> {
        // Exact result in minor units: minor * mantissa / 10^scale.
        let negative = (self.minor < 0) != factor.is_sign_negative();
        let product = mul_u64_u128(self.minor.unsigned_abs(), factor.mantissa().unsigned_abs());
        let (quotient, remainder, divisor) = div_pow10(product, factor.scale());

        // Magnitudes above 2^63 overflow whatever the rounding does: rounding
        // moves a value by at most one unit and 2^63 + 1 fits no i64.
        const LIMIT: u64 = 1 << 63;
        if quotient[1] != 0 || quotient[2] != 0 || quotient[0] > LIMIT {
            return Err(MoneyError::Overflow);
        }

        // The discarded fraction remainder/divisor can have up to 28 digits on
        // top of a 19-digit quotient, more than a Decimal holds. Every
        // rounding mode only asks whether the fraction is zero, below, at or
        // above one half, so a stand-in fraction of the same class (0, .25,
        // .5, .75) rounds identically and lets `RoundingPolicy` stay the one
        // place that decides.
        let twice = remainder * 2;
        let stand_in: i128 = if remainder == 0 {
            0
        } else if twice < divisor {
            25
        } else if twice == divisor {
            50
        } else {
            75
        };
        let hundredths = i128::from(quotient[0]) * 100 + stand_in;
        let signed = if negative { -hundredths } else { hundredths };
        let rounded = policy.round(Decimal::from_i128_with_scale(signed, 2), 0);
        let minor = i64::try_from(rounded.mantissa()).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Adds up `items`, all of which must be in `currency`. An empty
    /// sequence sums to zero.
    ///
    /// The running total is kept in i128 and range-checked only at the end,
    /// so the outcome does not depend on the order of the items (a checked
    /// i64 fold could overflow midway for one order and not for another).
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money, MoneyError> {
        let mut total: i128 = 0;
        for item in items {
            if item.currency != currency {
                return Err(MoneyError::CurrencyMismatch { left: currency, right: item.currency });
            }
            // Cannot overflow: it would take more than 2^64 items.
            total += i128::from(item.minor);
        }
        let minor = i64::try_from(total).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, currency))
    }

    /// Splits the amount proportionally to `weights`; the parts always add up
    /// to exactly `self`.
    ///
    /// Largest-remainder method: every part first gets the floor of its exact
    /// share, then the minor units left over go one each to the parts with
    /// the largest remainders, earlier index first on ties. Each part is
    /// therefore within one minor unit of its exact share, and a zero weight
    /// always gets zero. Negative amounts are split as their magnitude and
    /// negated, so a refund mirrors the charge it reverses.
    pub fn allocate(&self, weights: &[u64]) -> Result<Vec<Money>, MoneyError> {
        // u128 throughout: magnitude <= 2^63 and weight < 2^64, so every
        // magnitude * weight product fits (< 2^127).
        let total_weight: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        if total_weight == 0 {
            return Err(MoneyError::EmptyAllocation);
        }
        let magnitude = u128::from(self.minor.unsigned_abs());

        let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
        let mut remainders: Vec<u128> = Vec::with_capacity(weights.len());
        for &weight in weights {
            let exact = magnitude * u128::from(weight);
            parts.push(exact / total_weight);
            remainders.push(exact % total_weight);
        }
        // Each floor loses less than one unit, so fewer units are left over
        // than there are parts with a non-zero remainder: zero-weight parts
        // (remainder 0) are never reached below.
        let handed_out: u128 = parts.iter().sum();
        let mut leftover = magnitude - handed_out;

        let mut order: Vec<usize> = (0..weights.len()).collect();
        // Stable sort, so equal remainders keep index order.
        order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]));
        for &index in &order {
            if leftover == 0 {
                break;
            }
            parts[index] += 1;
            leftover -= 1;
        }

        parts
            .into_iter()
            .map(|part| {
                // part <= magnitude <= 2^63, and the sign is the whole's, so
                // each part is in i64 range (2^63 only when negative).
                let part = i128::try_from(part).map_err(|_| MoneyError::Overflow)?;
                let signed = if self.minor < 0 { -part } else { part };
                let minor = i64::try_from(signed).map_err(|_| MoneyError::Overflow)?;
                Ok(Money::from_minor(minor, self.currency))
            })
            .collect()
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }
}

/// Full 160-bit product of a 64-bit and a (at most) 96-bit magnitude, as
/// three little-endian 64-bit limbs.
fn mul_u64_u128(a: u64, b: u128) -> [u64; 3] {
    let a = u128::from(a);
    let low = a * (b & u128::from(u64::MAX));
    // b >> 64 is below 2^32 for a Decimal mantissa, so this fits easily.
    let high = a * (b >> 64) + (low >> 64);
    [low as u64, high as u64, (high >> 64) as u64]
}

/// Divides a 192-bit magnitude by a 64-bit divisor, returning the quotient
/// and the remainder.
fn div_limbs(n: [u64; 3], divisor: u64) -> ([u64; 3], u64) {
    let divisor = u128::from(divisor);
    let mut quotient = [0_u64; 3];
    let mut remainder: u128 = 0;
    for (q, &limb) in quotient.iter_mut().zip(n.iter()).rev() {
        // remainder < divisor < 2^64, so `current` fits in u128 and the
        // per-limb quotient fits in u64.
        let current = (remainder << 64) | u128::from(limb);
        *q = (current / divisor) as u64;
        remainder = current % divisor;
    }
    (quotient, remainder as u64)
}

/// n / 10^scale for scale <= 28: (quotient, remainder, 10^scale).
///
/// 10^28 does not fit in 64 bits, so the division is done in two steps
/// (by 10^19, then by the rest) and the two remainders recombined exactly.
fn div_pow10(n: [u64; 3], scale: u32) -> ([u64; 3], u128, u128) {
    let first = scale.min(19);
    let second = scale - first;
    let first_divisor = 10_u64.pow(first);
    let (partial, low) = div_limbs(n, first_divisor);
    let (quotient, high) = div_limbs(partial, 10_u64.pow(second));
    let remainder = u128::from(high) * u128::from(first_divisor) + u128::from(low);
    (quotient, remainder, 10_u128.pow(scale))
}

impl fmt::Display for Money {
    /// "12.34 EUR", "-0.50 EUR", "1000 JPY", "1.500 KWD": always exactly the
    /// currency's number of decimals, no grouping, code after the amount.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exponent = self.currency.exponent();
        let magnitude = self.minor.unsigned_abs();
        let unit = pow10(exponent).unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        write!(f, "{sign}{}", magnitude / unit)?;
        if exponent > 0 {
            let width = exponent as usize;
            write!(f, ".{:0width$}", magnitude % unit)?;
        }
        write!(f, " {}", self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounding::RoundingMode;
    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn policy(mode: RoundingMode) -> RoundingPolicy {
        RoundingPolicy::new(mode)
    }

    #[rstest]
    #[case("12.34", "EUR", 1234)]
    #[case("-0.5", "EUR", -50)]
    #[case("1000", "EUR", 100_000)]
    #[case("0", "EUR", 0)]
    #[case("-0", "EUR", 0)]
    #[case("0.01", "EUR", 1)]
    #[case("-12.34", "EUR", -1234)]
    #[case("007.10", "EUR", 710)]
    #[case("12.340", "EUR", 1234)]
    #[case("12", "JPY", 12)]
    #[case("12.000", "JPY", 12)]
    #[case("-7", "JPY", -7)]
    #[case("1.5", "KWD", 1500)]
    #[case("0.001", "KWD", 1)]
    #[case("1.2345", "CLF", 12345)]
    #[case("92233720368547758.07", "EUR", i64::MAX)]
    #[case("-92233720368547758.08", "EUR", i64::MIN)]
    #[case("9223372036854775807", "JPY", i64::MAX)]
    fn parse_ok(#[case] text: &str, #[case] code: &str, #[case] minor: i64) {
        let currency = cur(code);
        assert_eq!(Money::parse(text, currency), Ok(Money::from_minor(minor, currency)));
    }

    #[rstest]
    #[case("0.001", "EUR", 2)]
    #[case("12.345", "EUR", 2)]
    #[case("-0.009", "EUR", 2)]
    #[case("12.3401", "EUR", 2)]
    #[case("1.5", "JPY", 0)]
    #[case("0.0001", "KWD", 3)]
    #[case("1.23456", "CLF", 4)]
    fn parse_too_precise(#[case] text: &str, #[case] code: &str, #[case] exponent: u32) {
        let currency = cur(code);
        assert_eq!(Money::parse(text, currency), Err(MoneyError::TooPrecise { currency, exponent }));
    }

    #[rstest]
    #[case("92233720368547758.08", "EUR")]
    #[case("-92233720368547758.09", "EUR")]
    #[case("9223372036854775808", "JPY")]
    #[case("100000000000000000000000000000000000000000000", "EUR")]
    #[case("922337203685477.5808", "CLF")]
    fn parse_overflow(#[case] text: &str, #[case] code: &str) {
        assert_eq!(Money::parse(text, cur(code)), Err(MoneyError::Overflow));
    }

    #[rstest]
    #[case("abc")]
    #[case("")]
    #[case("-")]
    #[case(".5")]
    #[case("5.")]
    #[case("-.5")]
    #[case("+1")]
    #[case("1,000.00")]
    #[case("1 000")]
    #[case(" 12.34")]
    #[case("12.34 ")]
    #[case("1e3")]
    #[case("1.2.3")]
    #[case("--1")]
    #[case("1-")]
    #[case("12.3a")]
    #[case("١٢")]
    fn parse_invalid(#[case] text: &str) {
        assert_eq!(Money::parse(text, Currency::EUR), Err(MoneyError::Invalid(text.to_owned())));
    }

    #[rstest]
    #[case(1234, "EUR", "12.34 EUR")]
    #[case(-1234, "EUR", "-12.34 EUR")]
    #[case(-50, "EUR", "-0.50 EUR")]
    #[case(-5, "EUR", "-0.05 EUR")]
    #[case(0, "EUR", "0.00 EUR")]
    #[case(100_000, "EUR", "1000.00 EUR")]
    #[case(1000, "JPY", "1000 JPY")]
    #[case(-1000, "JPY", "-1000 JPY")]
    #[case(1500, "KWD", "1.500 KWD")]
    #[case(1, "CLF", "0.0001 CLF")]
    #[case(i64::MAX, "EUR", "92233720368547758.07 EUR")]
    #[case(i64::MIN, "EUR", "-92233720368547758.08 EUR")]
    fn display(#[case] minor: i64, #[case] code: &str, #[case] expected: &str) {
        assert_eq!(Money::from_minor(minor, cur(code)).to_string(), expected);
    }

    #[rstest]
    #[case(RoundingMode::HalfUp, dec!(0.005), 1)]
    #[case(RoundingMode::HalfUp, dec!(-0.005), -1)]
    #[case(RoundingMode::HalfUp, dec!(0.0049999), 0)]
    #[case(RoundingMode::HalfUp, dec!(12.345), 1235)]
    #[case(RoundingMode::HalfEven, dec!(0.005), 0)]
    #[case(RoundingMode::HalfEven, dec!(0.015), 2)]
    #[case(RoundingMode::HalfEven, dec!(-0.005), 0)]
    #[case(RoundingMode::TowardZero, dec!(-0.019), -1)]
    #[case(RoundingMode::AwayFromZero, dec!(0.001), 1)]
    #[case(RoundingMode::HalfUp, dec!(12.3), 1230)]
    #[case(RoundingMode::HalfUp, dec!(7), 700)]
    fn from_decimal_rounds_once(#[case] mode: RoundingMode, #[case] value: Decimal, #[case] minor: i64) {
        assert_eq!(Money::from_decimal(value, Currency::EUR, policy(mode)), Ok(eur(minor)));
    }

    #[test]
    fn from_decimal_uses_the_currency_exponent() {
        let jpy = Money::from_decimal(dec!(2.5), Currency::JPY, RoundingPolicy::COMMERCIAL);
        assert_eq!(jpy, Ok(Money::from_minor(3, Currency::JPY)));
        let kwd = Money::from_decimal(dec!(1.2345), cur("KWD"), RoundingPolicy::COMMERCIAL);
        assert_eq!(kwd, Ok(Money::from_minor(1235, cur("KWD"))));
    }

    #[test]
    fn from_decimal_overflow() {
        let policy = RoundingPolicy::COMMERCIAL;
        assert_eq!(Money::from_decimal(dec!(92233720368547758.08), Currency::EUR, policy), Err(MoneyError::Overflow));
        assert_eq!(Money::from_decimal(Decimal::MAX, Currency::EUR, policy), Err(MoneyError::Overflow));
        assert_eq!(Money::from_decimal(dec!(-92233720368547758.08), Currency::EUR, policy), Ok(eur(i64::MIN)));
    }

    #[test]
    fn to_decimal_is_exact_with_currency_scale() {
        let d = eur(500).to_decimal();
        assert_eq!(d, dec!(5));
        assert_eq!(d.scale(), 2);
        assert_eq!(d.to_string(), "5.00");
        assert_eq!(Money::from_minor(5, Currency::JPY).to_decimal().to_string(), "5");
        assert_eq!(eur(i64::MIN).to_decimal().to_string(), "-92233720368547758.08");
    }

    #[test]
    fn sign_predicates() {
        assert!(eur(0).is_zero() && !eur(0).is_negative() && !eur(0).is_positive());
        assert!(eur(-1).is_negative() && !eur(-1).is_positive());
        assert!(eur(1).is_positive() && !eur(1).is_zero());
        assert_eq!(Money::zero(Currency::USD), Money::from_minor(0, Currency::USD));
    }

    #[test]
    fn add_and_sub() {
        assert_eq!(eur(1234).checked_add(eur(66)), Ok(eur(1300)));
        assert_eq!(eur(1234).checked_sub(eur(2000)), Ok(eur(-766)));
    }

    #[test]
    fn mismatched_currencies_are_refused() {
        let usd = Money::from_minor(1, Currency::USD);
        let mismatch = MoneyError::CurrencyMismatch { left: Currency::EUR, right: Currency::USD };
        let expected = Err(mismatch.clone());
        assert_eq!(eur(1).checked_add(usd), expected);
        assert_eq!(eur(1).checked_sub(usd), expected);
        assert_eq!(Money::sum(Currency::EUR, [eur(1), usd, eur(2)]), expected);
        assert_eq!(mismatch.to_string(), "currency mismatch: cannot combine EUR with USD");
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_sub(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MAX / 2 + 1).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_mul(-1), Err(MoneyError::Overflow));
        assert_eq!(Money::sum(Currency::EUR, [eur(i64::MAX), eur(1)]), Err(MoneyError::Overflow));
    }

    #[test]
    fn neg_and_mul() {
        assert_eq!(eur(5).checked_neg(), Ok(eur(-5)));
        assert_eq!(eur(i64::MAX).checked_neg(), Ok(eur(-i64::MAX)));
        assert_eq!(eur(250).checked_mul(3), Ok(eur(750)));
        assert_eq!(eur(250).checked_mul(-2), Ok(eur(-500)));
    }

    #[test]
    fn sum_of_nothing_is_zero() {
        assert_eq!(Money::sum(Currency::JPY, []), Ok(Money::zero(Currency::JPY)));
    }

    #[test]
    fn sum_tolerates_intermediate_overflow() {
        // A left-to-right i64 fold would overflow after the second item.
        let items = [eur(i64::MAX), eur(i64::MAX), eur(-i64::MAX)];
        assert_eq!(Money::sum(Currency::EUR, items), Ok(eur(i64::MAX)));
    }

    #[rstest]
    // 19 % VAT on 10.05 = 1.9095
    #[case(1005, dec!(0.19), RoundingMode::HalfUp, 191)]
    #[case(1005, dec!(0.19), RoundingMode::TowardZero, 190)]
    #[case(-1005, dec!(0.19), RoundingMode::HalfUp, -191)]
    // Exact ties in minor units: 0.5 cent.
    #[case(1, dec!(0.5), RoundingMode::HalfUp, 1)]
    #[case(-1, dec!(0.5), RoundingMode::HalfUp, -1)]
    #[case(1, dec!(-0.5), RoundingMode::HalfUp, -1)]
    #[case(1, dec!(0.5), RoundingMode::HalfEven, 0)]
    #[case(3, dec!(0.5), RoundingMode::HalfEven, 2)]
    #[case(1, dec!(0.5), RoundingMode::TowardZero, 0)]
    #[case(1, dec!(0.0001), RoundingMode::AwayFromZero, 1)]
    #[case(1, dec!(0.0001), RoundingMode::HalfUp, 0)]
    #[case(0, dec!(0.19), RoundingMode::AwayFromZero, 0)]
    #[case(1234, dec!(0), RoundingMode::AwayFromZero, 0)]
    #[case(1234, dec!(1), RoundingMode::HalfUp, 1234)]
    #[case(1234, dec!(-1), RoundingMode::HalfUp, -1234)]
    #[case(1000, dec!(1.5), RoundingMode::HalfUp, 1500)]
    // Just below a half with 28 decimal places: Decimal multiplication would
    // round this up to exactly 0.005 first and then to 0.01.
    #[case(1, dec!(0.4999999999999999999999999995), RoundingMode::HalfUp, 0)]
    #[case(1, dec!(0.5000000000000000000000000001), RoundingMode::HalfEven, 1)]
    #[case(-1, dec!(0.5000000000000000000000000001), RoundingMode::HalfEven, -1)]
    #[case(i64::MAX, dec!(1), RoundingMode::HalfUp, i64::MAX)]
    #[case(i64::MIN, dec!(1), RoundingMode::HalfUp, i64::MIN)]
    #[case(i64::MAX, dec!(-1), RoundingMode::HalfUp, -i64::MAX)]
    #[case(i64::MAX, dec!(0.0000000000000000000000000001), RoundingMode::HalfUp, 0)]
    #[case(i64::MAX, dec!(0.0000000000000000000000000001), RoundingMode::AwayFromZero, 1)]
    // 1/3 of 100.00 with the longest possible factor.
    #[case(10000, dec!(0.3333333333333333333333333333), RoundingMode::HalfUp, 3333)]
    fn mul_decimal_cases(
        #[case] minor: i64,
        #[case] factor: Decimal,
        #[case] mode: RoundingMode,
        #[case] expected: i64,
    ) {
        assert_eq!(eur(minor).mul_decimal(factor, policy(mode)), Ok(eur(expected)));
    }

    #[test]
    fn mul_decimal_overflow() {
        let p = RoundingPolicy::COMMERCIAL;
        assert_eq!(eur(i64::MAX).mul_decimal(dec!(1.01), p), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).mul_decimal(dec!(-1), p), Err(MoneyError::Overflow));
        assert_eq!(eur(2).mul_decimal(Decimal::MAX, p), Err(MoneyError::Overflow));
        assert_eq!(eur(-2).mul_decimal(Decimal::MIN, p), Err(MoneyError::Overflow));
    }

    #[test]
    fn mul_decimal_keeps_the_currency() {
        let kwd = Money::from_minor(1000, cur("KWD"));
        let half = kwd.mul_decimal(dec!(0.5), RoundingPolicy::COMMERCIAL);
        assert_eq!(half, Ok(Money::from_minor(500, cur("KWD"))));
    }

    #[rstest]
    #[case(100, &[1, 1, 1], &[34, 33, 33])]
    #[case(-100, &[1, 1, 1], &[-34, -33, -33])]
    #[case(5, &[3, 7], &[2, 3])]
    #[case(-5, &[3, 7], &[-2, -3])]
    #[case(10, &[1, 0, 1], &[5, 0, 5])]
    #[case(1, &[0, 1, 1], &[0, 1, 0])]
    #[case(2, &[1, 1, 1], &[1, 1, 0])]
    #[case(0, &[1, 2], &[0, 0])]
    #[case(1000, &[5], &[1000])]
    #[case(101, &[70, 20, 10], &[71, 20, 10])]
    #[case(i64::MAX, &[1, 1], &[i64::MAX / 2 + 1, i64::MAX / 2])]
    #[case(i64::MIN, &[1, 1], &[i64::MIN / 2, i64::MIN / 2])]
    #[case(i64::MIN, &[1], &[i64::MIN])]
    #[case(7, &[u64::MAX, u64::MAX], &[4, 3])]
    fn allocate_cases(#[case] minor: i64, #[case] weights: &[u64], #[case] expected: &[i64]) {
        let parts = eur(minor).allocate(weights).unwrap();
        let got: Vec<i64> = parts.iter().map(Money::minor).collect();
        assert_eq!(got, expected);
        assert!(parts.iter().all(|p| p.currency() == Currency::EUR));
    }

    #[rstest]
    #[case(&[])]
    #[case(&[0])]
    #[case(&[0, 0, 0])]
    fn allocate_needs_a_positive_weight(#[case] weights: &[u64]) {
        assert_eq!(eur(100).allocate(weights), Err(MoneyError::EmptyAllocation));
    }

    #[test]
    fn serde_shape() {
        let json = serde_json::to_string(&eur(1234)).unwrap();
        assert_eq!(json, r#"{"amount":1234,"currency":"EUR"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, eur(1234));
        let jpy: Money = serde_json::from_str(r#"{"currency":"jpy","amount":-5}"#).unwrap();
        assert_eq!(jpy, Money::from_minor(-5, Currency::JPY));
    }

    #[rstest]
    #[case(r#"{"amount":1,"currency":"XYZ"}"#)]
    #[case(r#"{"amount":1}"#)]
    #[case(r#"{"currency":"EUR"}"#)]
    #[case(r#"{"amount":"12.34","currency":"EUR"}"#)]
    #[case(r#"{"amount":1.5,"currency":"EUR"}"#)]
    #[case(r#"{"amount":9223372036854775808,"currency":"EUR"}"#)]
    #[case(r#"{"amount":1,"currency":"EUR","scale":2}"#)]
    fn serde_rejects(#[case] json: &str) {
        assert!(serde_json::from_str::<Money>(json).is_err(), "{json}");
    }

    #[test]
    fn error_messages() {
        assert_eq!(MoneyError::Overflow.to_string(), "amount out of range");
        assert_eq!(
            MoneyError::TooPrecise { currency: Currency::JPY, exponent: 0 }.to_string(),
            "too many decimal places: JPY allows at most 0"
        );
        assert_eq!(
            Money::parse("abc", Currency::EUR).unwrap_err().to_string(),
            "invalid amount \"abc\": expected a plain decimal such as 12.34 or -0.5"
        );
        assert_eq!(
            MoneyError::EmptyAllocation.to_string(),
            "cannot allocate over an empty or all-zero list of weights"
        );
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        let all: Vec<Currency> = Currency::all().collect();
        proptest::sample::select(all)
    }

    fn any_mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::TowardZero),
            Just(RoundingMode::AwayFromZero),
        ]
    }

    /// 1..=20 weights in 0..=1000, at least one of them non-zero.
    fn weights() -> impl Strategy<Value = Vec<u64>> {
        proptest::collection::vec(0_u64..=1000, 1..=20)
            .prop_filter("at least one non-zero weight", |w| w.iter().any(|&x| x > 0))
    }

    const BOUND: i64 = 1_000_000_000_000_000;

    #[rstest]
    #[case("2900", Ok(2900))]
    #[case("-999999999999", Ok(-MAX_AMOUNT_MINOR))]
    #[case("999999999999", Ok(MAX_AMOUNT_MINOR))]
    #[case("1000000000000", Err("out of bounds"))]
    #[case("-1000000000000", Err("out of bounds"))]
    #[case("9223372036854775807", Err("out of bounds"))]
    #[case("18446744073709551615", Err("out of bounds"))]
    #[case("1e300", Err("out of bounds"))]
    #[case("12.5", Err("type"))]
    #[case("\"12\"", Err("type"))]
    fn request_amounts_are_bounded_while_they_are_read(#[case] json: &str, #[case] expected: Result<i64, &str>) {
        let parsed = serde_json::from_str::<MinorAmount>(json).map(MinorAmount::get).map_err(|e| e.to_string());
        match (parsed, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(e), Err("out of bounds")) => assert!(e.starts_with(&MoneyError::OutOfBounds.to_string()), "{e}"),
            (Err(e), Err(_)) => assert!(e.contains("invalid type"), "{e}"),
            (got, want) => panic!("{json}: {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn the_bound_applies_to_money_made_from_input() {
        assert_eq!(Money::bounded(MAX_AMOUNT_MINOR, Currency::EUR), Ok(eur(MAX_AMOUNT_MINOR)));
        assert_eq!(Money::bounded(-MAX_AMOUNT_MINOR - 1, Currency::EUR), Err(MoneyError::OutOfBounds));
        let parsed = Money::parse("10000000000.00", Currency::EUR).unwrap();
        assert_eq!(parsed.within_bounds(), Err(MoneyError::OutOfBounds));
        // The quantity bound times the amount bound stays inside i64.
        assert!(MAX_AMOUNT_MINOR.checked_mul(crate::subscription::MAX_QUANTITY).is_some());
    }

    proptest! {
        #[test]
        fn allocate_sums_to_the_whole(minor in -BOUND..=BOUND, weights in weights()) {
            let whole = eur(minor);
            let parts = whole.allocate(&weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(Money::sum(Currency::EUR, parts.iter().copied()), Ok(whole));

            // |part - minor * w / W| < 1, compared without division.
            let total: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (part, &w) in parts.iter().zip(&weights) {
                let deviation = i128::from(part.minor()) * total - i128::from(minor) * i128::from(w);
                prop_assert!(deviation.abs() < total, "part {} weight {}", part, w);
                if w == 0 {
                    prop_assert!(part.is_zero());
                }
            }
        }

        #[test]
        fn allocate_mirrors_negative_amounts(minor in 0..=BOUND, weights in weights()) {
            let positive = eur(minor).allocate(&weights).unwrap();
            let negative = eur(-minor).allocate(&weights).unwrap();
            for (p, n) in positive.iter().zip(&negative) {
                prop_assert_eq!(p.checked_neg(), Ok(*n));
            }
        }

        #[test]
        fn add_then_sub_is_identity(a in -BOUND..=BOUND, b in -BOUND..=BOUND, currency in any_currency()) {
            let x = Money::from_minor(a, currency);
            let y = Money::from_minor(b, currency);
            prop_assert_eq!(x.checked_add(y).and_then(|s| s.checked_sub(y)), Ok(x));
        }

        #[test]
        fn parse_round_trips_to_decimal(minor in any::<i64>(), currency in any_currency()) {
            let money = Money::from_minor(minor, currency);
            let text = money.to_decimal().to_string();
            prop_assert_eq!(Money::parse(&text, currency), Ok(money));
        }

        #[test]
        fn parse_round_trips_display(minor in any::<i64>(), currency in any_currency()) {
            let money = Money::from_minor(minor, currency);
            let shown = money.to_string();
            let (amount, code) = shown.split_once(' ').unwrap();
            prop_assert_eq!(code, currency.code());
            prop_assert_eq!(Money::parse(amount, currency), Ok(money));
        }

        #[test]
        fn sum_is_order_independent(
            items in proptest::collection::vec(-BOUND..=BOUND, 0..50),
            seed in any::<u64>(),
        ) {
            let forward: Vec<Money> = items.iter().map(|&m| eur(m)).collect();
            let mut shuffled = forward.clone();
            shuffled.reverse();
            // A cheap deterministic permutation on top of the reversal.
            if !shuffled.is_empty() {
                let len = shuffled.len();
                shuffled.rotate_left((seed % len as u64) as usize);
            }
            prop_assert_eq!(
                Money::sum(Currency::EUR, forward),
                Money::sum(Currency::EUR, shuffled)
            );
        }

        #[test]
        fn mul_decimal_matches_exact_decimal_math(
            minor in -BOUND..=BOUND,
            mantissa in -1_000_000_000_i64..=1_000_000_000,
            scale in 0_u32..=9,
            mode in any_mode(),
        ) {
            // Small enough that Decimal multiplication is exact, so it is a
            // valid reference for the integer implementation.
            let factor = Decimal::new(mantissa, scale);
            let money = eur(minor);
            let reference = Money::from_decimal(money.to_decimal() * factor, Currency::EUR, policy(mode));
            prop_assert_eq!(money.mul_decimal(factor, policy(mode)), reference);
        }

        #[test]
        fn from_decimal_of_to_decimal_is_identity(minor in any::<i64>(), currency in any_currency(), mode in any_mode()) {
            let money = Money::from_minor(minor, currency);
            prop_assert_eq!(Money::from_decimal(money.to_decimal(), currency, policy(mode)), Ok(money));
        }

        #[test]
        fn serde_round_trip(minor in any::<i64>(), currency in any_currency()) {
            let money = Money::from_minor(minor, currency);
            let json = serde_json::to_string(&money).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
        }
    }
}
