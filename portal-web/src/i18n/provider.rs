//! The ICU4X data the currency formatter reads: the compiled CLDR data, except that the number
//! of decimals is the currency's ISO 4217 exponent, so an amount prints exactly as stored.
//!
//! CLDR's currency digits are a display preference and differ from ISO 4217 for some currencies
//! (IQD: ISO 3, CLDR 0; see shared/reference/domain.md §6.1). ICU4X rounds to CLDR's digits, which
//! on an invoice would print IQD 1,234.567 as "IQD 1,235": a total the customer does not owe.
//! Our amounts are integer minor units of the ISO exponent, so that exponent is the precision.

use icu_decimal::provider::{DecimalDigitsV1, DecimalSymbolsV1};
use icu_experimental::dimension::provider::currency::essentials::CurrencyEssentialsV1;
use icu_experimental::dimension::provider::currency::fractions::{
    CurrencyFractions, CurrencyFractionsV1, FractionInfo, Rounding,
};
use icu_experimental::dimension::provider::currency::no_currency::CurrencyPatternsNoCurrencyV1;
use icu_experimental::dimension::provider::currency::symbols::{CurrencyDecimalSymbolsV1, CurrencySymbolsV1};
use icu_provider::prelude::*;

/// Compiled CLDR data with the fraction digits fixed to `digits` (the ISO exponent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactDigits {
    pub digits: u8,
}

/// Delegates markers to a baked provider. Requests are marked silent: a currency without a
/// localized symbol is an expected miss (the formatter then prints the ISO code), and ICU4X would
/// otherwise print it on stderr in debug builds; real failures still come back as errors.
macro_rules! delegate {
    ($baked:path => $($marker:ty),*) => {$(
        impl DataProvider<$marker> for ExactDigits {
            fn load(&self, mut req: DataRequest) -> Result<DataResponse<$marker>, DataError> {
                req.metadata.silent = true;
                $baked.load(req)
            }
        }
    )*};
}

delegate!(icu_experimental::provider::Baked =>
    CurrencyEssentialsV1, CurrencySymbolsV1, CurrencyPatternsNoCurrencyV1, CurrencyDecimalSymbolsV1);
delegate!(icu_decimal::provider::Baked => DecimalSymbolsV1, DecimalDigitsV1);

impl DataProvider<CurrencyFractionsV1> for ExactDigits {
    fn load(&self, _req: DataRequest) -> Result<DataResponse<CurrencyFractionsV1>, DataError> {
        // One default for every currency: the formatter is built for one currency at a time.
        let exact =
            FractionInfo { digits: self.digits, rounding: Rounding::R1, cash_digits: None, cash_rounding: None };
        Ok(DataResponse {
            metadata: Default::default(),
            payload: DataPayload::from_owned(CurrencyFractions { fractions: Default::default(), default: exact }),
        })
    }
}
