//! The app directory: `GET /v1/apps`, and new terms (`POST /v1/apps/{app_id}/terms`).

use chrono::{DateTime, Utc};
use consentry_domain::{FeeModel, Scope};
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

use crate::schema;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Terms {
    #[schemars(range(min = 1))]
    pub version: u32,
    pub text: String,
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
    /// The fee in plain English.
    #[serde(default)]
    #[schemars(extend("examples" = ["1.5% of each purchase", "€0.10 per receipt", "Free"]))]
    pub fee_description: String,
    #[serde(default)]
    #[schemars(extend("format" = "uri"))]
    pub privacy_url: String,
    #[serde(default)]
    #[schemars(extend("format" = "uri"))]
    pub website_url: String,
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
    /// Text holding a card number is refused (`card_number_in_text`).
    #[schemars(length(min = 1, max = 20000))]
    pub text: String,
}
