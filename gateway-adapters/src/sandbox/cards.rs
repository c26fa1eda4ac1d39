//! The sandbox's test cards and SEPA test IBANs, and what each does when charged (pure).

/// What a test card number does when charged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum CardBehaviour {
    Succeeds,
    Declines {
        code: &'static str,
        advice: Option<&'static str>,
        message: &'static str,
        /// The card network's advice (a Mastercard Merchant Advice Code), if the decline has one.
        network_advice: Option<&'static str>,
    },
    RequiresAction,
    TimesOutAfterCapture,
    /// Asks for 3-D Secure already when it is saved, and again on every charge.
    AuthenticatesAlways,
    /// A SEPA Direct Debit mandate: a debit is pending until the bank settles it
    /// (`Sandbox::settle_debits`), then paid or returned with this code.
    SepaDebit {
        returned: Option<&'static str>,
    },
}

/// What a SEPA mandate for this IBAN does, after Stripe's test IBANs: one ending in 3001 is
/// returned for insufficient funds (R-transaction AM04), every other valid IBAN is paid.
pub(super) fn sepa_behaviour(iban: &str) -> CardBehaviour {
    CardBehaviour::SepaDebit { returned: iban.ends_with("3001").then_some("insufficient_funds") }
}

/// The suffix of a stored method's id, which names its behaviour: the card's last four digits,
/// or `ok`/`ret` for a SEPA mandate.
pub(super) fn behaviour_tag(number_or_iban: &str, behaviour: CardBehaviour) -> String {
    match behaviour {
        CardBehaviour::SepaDebit { returned: None } => "ok".into(),
        CardBehaviour::SepaDebit { returned: Some(_) } => "ret".into(),
        _ => number_or_iban.chars().skip(number_or_iban.chars().count().saturating_sub(4)).collect(),
    }
}

/// The behaviour a tag names (see [`behaviour_tag`]).
pub(super) fn behaviour_of_tag(tag: &str) -> Option<CardBehaviour> {
    match tag {
        "ok" => Some(CardBehaviour::SepaDebit { returned: None }),
        "ret" => Some(sepa_behaviour("3001")),
        _ if tag.len() == 4 => TEST_CARDS.iter().find(|n| n.ends_with(tag)).and_then(|n| card_behaviour(n)),
        _ => None,
    }
}

/// The tag of a method id the sandbox gave (`sbx_pm_<n>_<tag>`, `sbx_mdt_<n>_<tag>`); `None` for
/// any other id. Lets a sandbox charge methods stored before it kept its records in the database.
pub(super) fn tag_of_id(id: &str) -> Option<&str> {
    let (prefix, tag) = id.rsplit_once('_')?;
    let number = prefix.strip_prefix("sbx_pm_").or_else(|| prefix.strip_prefix("sbx_mdt_"))?;
    number.parse::<u64>().ok()?;
    let sepa = prefix.starts_with("sbx_mdt_");
    (sepa == matches!(tag, "ok" | "ret")).then_some(tag).filter(|t| behaviour_of_tag(t).is_some())
}

/// Every test card number the sandbox knows (their last four digits differ).
pub(super) const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000000000000069",
    "4000002500003155",
    "4000002760003184",
    "4000000000000119",
    "5200000000000213",
];

pub(super) fn card_behaviour(number: &str) -> Option<CardBehaviour> {
    Some(match number {
        "4242424242424242" => CardBehaviour::Succeeds,
        // Stripe reports this card as `card_declined`/`generic_decline`; the explicit advice makes it the hard
        // decline the demo needs, since `generic_decline` alone is soft in our table.
        "4000000000000002" => CardBehaviour::Declines {
            code: "generic_decline",
            advice: Some("do_not_try_again"),
            message: "Your card was declined.",
            network_advice: None,
        },
        "4000000000009995" => CardBehaviour::Declines {
            code: "insufficient_funds",
            advice: None,
            message: "Your card has insufficient funds.",
            network_advice: None,
        },
        "4000000000000069" => CardBehaviour::Declines {
            code: "expired_card",
            advice: None,
            message: "Your card has expired.",
            network_advice: None,
        },
        // A Mastercard the issuer cannot approve now, with Merchant Advice Code 02 ("try again
        // later"): dunning waits 72 hours before the next automatic attempt.
        "5200000000000213" => CardBehaviour::Declines {
            code: "try_again_later",
            advice: None,
            message: "Your card was declined; try again later.",
            network_advice: Some("02"),
        },
        "4000002500003155" => CardBehaviour::RequiresAction,
        "4000002760003184" => CardBehaviour::AuthenticatesAlways,
        "4000000000000119" => CardBehaviour::TimesOutAfterCapture,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_and_mandate_is_named_by_its_tag() {
        for number in TEST_CARDS {
            let behaviour = card_behaviour(number).unwrap();
            assert_eq!(behaviour_of_tag(&behaviour_tag(number, behaviour)), Some(behaviour), "{number}");
        }
        for iban in ["DE89370400440532013000", "DE62370400440532013001"] {
            let behaviour = sepa_behaviour(iban);
            assert_eq!(behaviour_of_tag(&behaviour_tag(iban, behaviour)), Some(behaviour), "{iban}");
        }
    }

    #[test]
    fn only_ids_of_the_sandboxs_shape_carry_a_tag() {
        assert_eq!(tag_of_id("sbx_pm_17_4242"), Some("4242"));
        assert_eq!(tag_of_id("sbx_mdt_3_ret"), Some("ret"));
        assert_eq!(tag_of_id("sbx_pm_9_1234"), None, "no test card ends in 1234");
        assert_eq!(tag_of_id("sbx_pm_x_4242"), None);
        assert_eq!(tag_of_id("sbx_mdt_3_4242"), None, "a mandate is never a card");
        assert_eq!(tag_of_id("pm_card_visa"), None);
    }
}
