//! Card tokenization: `POST /v1/cards`, `GET /v1/cards`, `PATCH` and `DELETE /v1/cards/{token}`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

// Unknown fields are refused in a request ([`LinkCardRequest`]) and accepted in an answer (a
// wallet reads what the platform may grow); the document says the object is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Expiration {
    #[schemars(range(min = 1, max = 12))]
    pub month: u8,
    #[schemars(range(min = 2000, max = 2099))]
    pub year: u16,
}

impl Expiration {
    /// Reads an expiration that has no other field than `month` and `year`.
    fn strict<'de, D: Deserializer<'de>>(d: D) -> Result<Expiration, D::Error> {
        let strict::Expiration { month, year } = strict::Expiration::deserialize(d)?;
        Ok(Expiration { month, year })
    }
}

mod strict {
    // The same name, so that serde's messages read as they would for the public type.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Expiration {
        pub month: u8,
        pub year: u16,
    }
}

// `POST /v1/cards`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkCardRequest {
    /// The full card number (PAN), digits with optional spaces or dashes. Used to tokenize,
    /// then forgotten: never stored, logged or returned.
    // Raw JSON, so that the server never echoes a wrongly typed number in a serde message.
    #[schemars(with = "String", extend("examples" = ["4242 4242 4242 4242"]))]
    pub number: Value,
    #[serde(deserialize_with = "Expiration::strict")]
    pub expiration: Expiration,
    /// Text holding a card number is refused (`card_number_in_text`).
    #[schemars(length(max = 40))]
    pub nickname: Option<String>,
}

// `PATCH /v1/cards/{token}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameCardRequest {
    /// The new name; `null` or blank clears it. Text holding a card number is refused
    /// (`card_number_in_text`). Required: `{}` is refused rather than read as "clear".
    #[serde(deserialize_with = "required_nullable")]
    #[schemars(with = "crate::schema::Nullable<String>", length(max = 40))]
    pub nickname: Option<String>,
}

/// A field that must be present but may be `null` (serde reads a missing `Option` as `None`
/// unless the field has its own deserializer).
fn required_nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Card {
    /// The platform's token for the card.
    #[schemars(regex(pattern = "^card_"))]
    pub token: String,
    #[schemars(with = "crate::schema::CardBrand")]
    pub brand: consentry_domain::Brand,
    #[schemars(regex(pattern = "^[0-9]{4}$"))]
    pub last4: String,
    pub expiration: Expiration,
    #[schemars(with = "crate::schema::Nullable<String>")]
    pub nickname: Option<String>,
    #[schemars(extend("enum" = ["active", "removed"]))]
    pub status: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CardList {
    pub cards: Vec<Card>,
}
