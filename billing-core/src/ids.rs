//! Typed entity ids: a UUIDv7 inside, a prefixed Crockford base32 string (`cus_…`) outside.
//!
//! UUIDv7 is time-ordered, so ordering by id is ordering by creation: cursor pagination and
//! chunked batch runs walk ids with a plain `id > $cursor` and a B-tree index.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Crockford's base32 alphabet: no I, L, O, U, so ids survive being read aloud or retyped.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 128 bits in base32 take 26 characters (the first carries only 3 bits).
const ENCODED_LEN: usize = 26;

fn encode(value: u128) -> String {
    let mut out = [0u8; ENCODED_LEN];
    let mut v = value;
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(v & 31) as usize];
        v >>= 5;
    }
    out.iter().map(|&b| b as char).collect()
}

fn decode(text: &str) -> Option<u128> {
    if text.len() != ENCODED_LEN {
        return None;
    }
    let mut value: u128 = 0;
    for (i, ch) in text.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|&a| a == ch.to_ascii_lowercase())? as u128;
        // The first character holds the top 3 bits only; anything larger would overflow.
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value)
}

/// The id given in a request does not parse as an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}_…`)")]
pub struct IdParseError {
    pub kind: &'static str,
    pub prefix: &'static str,
    pub value: String,
}

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
            pub const KIND: &'static str = $kind;

            /// A new time-ordered id. Ids are randomness, not business data, so minting one
            /// is allowed in services (they are never part of a calculation).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, encode(self.0.as_u128()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let err = || IdParseError { kind: $kind, prefix: $prefix, value: s.chars().take(64).collect() };
                let rest = s.strip_prefix($prefix).and_then(|r| r.strip_prefix('_')).ok_or_else(err)?;
                decode(rest).map(|v| Self(Uuid::from_u128(v))).ok_or_else(err)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(/// A merchant using the engine.
    TenantId, "ten", "tenant");
typed_id!(/// A tenant's API key (the id, never the secret).
    ApiKeyId, "key", "API key");
typed_id!(/// A paying customer of a tenant.
    CustomerId, "cus", "customer");
typed_id!(/// A product in the catalog.
    ProductId, "prod", "product");
typed_id!(/// A plan (how a product is billed).
    PlanId, "plan", "plan");
typed_id!(/// A subscription of a customer to a plan.
    SubscriptionId, "sub", "subscription");
typed_id!(/// An invoice.
    InvoiceId, "in", "invoice");
typed_id!(/// One recorded invoice run per tenant.
    InvoiceRunId, "ir", "invoice run");
typed_id!(/// An outbox message.
    OutboxId, "evt", "event");
typed_id!(/// A tenant's merchant account at one payment provider.
    GatewayAccountId, "gwa", "gateway account");
typed_id!(/// An imported bank statement.
    BankStatementId, "bst", "bank statement");
typed_id!(/// A merchant's endpoint for outgoing webhooks.
    WebhookEndpointId, "we", "webhook endpoint");
typed_id!(/// One event's delivery to one webhook endpoint.
    WebhookDeliveryId, "whd", "webhook delivery");
typed_id!(/// A customer's billing question asked in the portal.
    BillingQuestionId, "bq", "billing question");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn public_form_has_prefix_and_fixed_length() {
        let id = CustomerId::new();
        let text = id.to_string();
        assert!(text.starts_with("cus_"));
        assert_eq!(text.len(), 4 + ENCODED_LEN);
        assert_eq!(text.parse::<CustomerId>().unwrap(), id);
    }

    #[test]
    fn an_id_of_another_kind_is_rejected() {
        let sub = SubscriptionId::new().to_string();
        let err = sub.parse::<CustomerId>().unwrap_err();
        assert_eq!(err.kind, "customer");
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in ["", "cus_", "cus_!!!", "cus_zzzzzzzzzzzzzzzzzzzzzzzzzz", "cus", "in_0"] {
            assert!(bad.parse::<CustomerId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = InvoiceId::new();
        let b = InvoiceId::new();
        assert!(a < b);
    }

    proptest! {
        #[test]
        fn any_uuid_round_trips(v in any::<u128>()) {
            let id = InvoiceId(Uuid::from_u128(v));
            prop_assert_eq!(id.to_string().parse::<InvoiceId>().unwrap(), id);
            prop_assert_eq!(id.to_string().to_uppercase().replace("IN_", "in_").parse::<InvoiceId>().unwrap(), id);
        }
    }
}
