//! The small closed vocabularies: what an app may do (`Scope`), how a payment was
//! made (`Channel`) and when an app hears about it (`Trigger`).
//!
//! Wire names are snake_case and identical in serde, `as_str` and `FromStr`.

vocabulary! {
    /// One thing an app may do on a card, once the cardholder grants it.
    Scope, "scope" {
        /// Issue digital receipts.
        Receipts => "receipts",
        /// Award loyalty points.
        Points => "points",
        /// Pay cashback into a bank account.
        Cashback => "cashback",
        /// Hand out coupons and offers.
        Offers => "offers",
        /// Make purchase recommendations.
        Recommendations => "recommendations",
        /// Post to a social network on the cardholder's behalf.
        SocialPosts => "social_posts",
    }
}

impl Scope {
    /// Short plain-English label for lists and exports ("Receipts", "Social posts").
    pub const fn label(self) -> &'static str {
        match self {
            Scope::Receipts => "Receipts",
            Scope::Points => "Loyalty points",
            Scope::Cashback => "Cashback",
            Scope::Offers => "Offers",
            Scope::Recommendations => "Recommendations",
            Scope::SocialPosts => "Social posts",
        }
    }

    /// What one event of this scope is called, for "€0.10 per receipt".
    pub const fn event_noun(self) -> &'static str {
        match self {
            Scope::Receipts => "receipt",
            Scope::Points => "points award",
            Scope::Cashback => "cashback payment",
            Scope::Offers => "offer",
            Scope::Recommendations => "recommendation",
            Scope::SocialPosts => "social post",
        }
    }
}

vocabulary! {
    /// How a payment was made.
    Channel, "channel" {
        /// Chip or swipe at a terminal.
        Card => "card",
        /// Contactless (card or phone).
        Nfc => "nfc",
        /// Voice assistant.
        Voice => "voice",
        /// Card-not-present, on the web or in an app.
        Online => "online",
    }
}

vocabulary! {
    /// When an app is told about a payment.
    Trigger, "trigger" {
        /// In real time, when the payment is authorized.
        Authorization => "authorization",
        /// Later, once the payment has settled (reversals never reach the app).
        Settlement => "settlement",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for scope in Scope::ALL {
            let json = serde_json::to_string(scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), *scope);
        }
        for channel in Channel::ALL {
            let json = serde_json::to_string(channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
        }
    }

    #[test]
    fn unknown_name_lists_the_choices() {
        let err = "tweets".parse::<Scope>().unwrap_err();
        assert_eq!(err.what, "scope");
        assert!(err.to_string().contains("social_posts"), "{err}");
    }
}
