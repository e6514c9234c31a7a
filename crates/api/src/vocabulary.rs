//! The domain's vocabularies as IPC types: the same snake_case names, with TypeScript unions.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Declares a DTO enum that mirrors a domain enum one-to-one, both ways.
macro_rules! mirror {
    ($(#[$doc:meta])* $dto:ident <=> $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $dto { $($variant),+ }

        impl From<$domain> for $dto {
            fn from(value: $domain) -> Self {
                match value { $(<$domain>::$variant => Self::$variant),+ }
            }
        }

        impl From<$dto> for $domain {
            fn from(value: $dto) -> Self {
                match value { $($dto::$variant => <$domain>::$variant),+ }
            }
        }
    };
}

mirror!(
    /// One thing an app may do.
    Scope <=> consentry_domain::Scope {
        Receipts, Points, Cashback, Offers, Recommendations, SocialPosts
    }
);
mirror!(
    /// How a payment was made.
    Channel <=> consentry_domain::Channel { Card, Nfc, Voice, Online }
);
mirror!(
    /// When an app may act: at authorization (real time) or at settlement.
    Trigger <=> consentry_domain::Trigger { Authorization, Settlement }
);
mirror!(
    /// Where a grant stands.
    GrantStatus <=> consentry_domain::GrantStatus { Active, Revoked, Expired, NeedsReconsent }
);

/// An amount in minor units (cents) and its ISO 4217 currency. Never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl From<&consentry_domain::Money> for Money {
    fn from(money: &consentry_domain::Money) -> Self {
        Self {
            minor: money.minor,
            currency: money.currency.code().to_owned(),
        }
    }
}

impl TryFrom<&Money> for consentry_domain::Money {
    type Error = crate::ApiError;

    fn try_from(money: &Money) -> Result<Self, Self::Error> {
        let currency = money
            .currency
            .parse::<consentry_domain::Currency>()
            .map_err(|e| crate::ApiError::invalid_input(format!("currency: {e}")))?;
        if money.minor < 0 {
            return Err(crate::ApiError::invalid_input("amounts cannot be negative"));
        }
        Ok(consentry_domain::Money {
            minor: money.minor,
            currency,
        })
    }
}
