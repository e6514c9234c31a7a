//! The app directory: `GET /v1/apps`, and new terms (`POST /v1/apps/{app_id}/terms`).
//! Descriptions, categories, fees and terms come in the language `Accept-Language` asks for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use consentry_domain::{FeeModel, Scope};
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use crate::schema;

// A wallet reads terms without `language` (English); the document keeps it required.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = terms_always_sent)]
pub struct Terms {
    #[schemars(range(min = 1))]
    pub version: u32,
    pub text: String,
    /// The language of `text`: the one negotiated from `Accept-Language`, or `en` when the
    /// platform has this version only in English. A consent statement may carry the hash of
    /// the text in any language.
    #[serde(default = "english")]
    #[schemars(extend("enum" = ["en", "fr"]))]
    pub language: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub published_at: DateTime<Utc>,
    /// SHA-256 (hex) of `text`; `app.terms_changed` carries it.
    #[schemars(regex(pattern = "^[0-9a-f]{64}$"))]
    pub hash: String,
}

// A wallet reads an app without `category`, `fee_description` or its URLs (empty); the
// document keeps them required.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = app_always_sent)]
pub struct App {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[schemars(with = "Vec<schema::Scope>")]
    pub requested_scopes: Vec<Scope>,
    pub terms: Terms,
    #[schemars(with = "schema::FeeModel")]
    pub fee_model: FeeModel,
    /// The fee in a sentence, in the negotiated language.
    #[serde(default)]
    #[schemars(extend("examples" = ["1.5% of each purchase", "€0.10 per receipt", "Free", "0,10\u{202F}€ par reçu"]))]
    pub fee_description: String,
    #[serde(default)]
    #[schemars(extend("format" = "uri"))]
    pub privacy_url: String,
    #[serde(default)]
    #[schemars(extend("format" = "uri"))]
    pub website_url: String,
}

fn english() -> String {
    "en".to_owned()
}

fn terms_always_sent(schema: &mut Schema) {
    schema::always_sent(schema, &["language"]);
}

fn app_always_sent(schema: &mut Schema) {
    let names = ["category", "fee_description", "privacy_url", "website_url"];
    schema::always_sent(schema, &names);
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AppList {
    pub apps: Vec<App>,
}

// `POST /v1/apps/{app_id}/terms` (operator).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishTerms {
    /// Must be higher than the current version.
    #[schemars(range(min = 1))]
    pub version: u32,
    /// The English text. Text holding a card number is refused (`card_number_in_text`).
    #[schemars(length(min = 1, max = 20000))]
    pub text: String,
    /// The same terms in the platform's other languages, by language tag (`fr`): each is
    /// served to a reader of that language, and a consent statement may carry its hash.
    /// A language left out is served the English text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = { "enum": ["fr"] }))]
    #[schemars(extend("additionalProperties" = { "type": "string", "minLength": 1, "maxLength": 20000 }))]
    pub translations: BTreeMap<String, String>,
}
