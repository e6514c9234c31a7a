//! The device side of the contract (README "Device chain and signed consent changes"): a
//! device key, its link in the cardholder's chain, and the signed statement of each consent
//! change, each signed as its documented canonical text.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use crate::failure::{ensure, Failure};
use crate::webhook::{encode_key, sign_v1a};

/// Channels in the vocabulary's order, the order of a statement's `channels` line.
pub const CHANNELS: [&str; 4] = ["card", "nfc", "voice", "online"];

/// A device's Ed25519 key, made fresh for each device the suite enrolls.
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn generate() -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// `dpk_<base64>`.
    pub fn public_key(&self) -> String {
        encode_key("dpk_", &self.0.verifying_key())
    }

    /// `v1a,<base64>` over the UTF-8 bytes of `text`.
    pub fn sign(&self, text: &str) -> String {
        sign_v1a(&self.0, text.as_bytes())
    }
}

/// A time as signed texts carry it: RFC 3339, UTC, exactly three fraction digits, `Z`.
pub fn time_ms(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Now, as a signed text carries it.
pub fn now_ms() -> String {
    time_ms(Utc::now())
}

/// A JSON time (`null` or RFC 3339) as a signed text carries it: `-` for `null`.
fn signed_time(value: &Value) -> Result<String, Failure> {
    match value {
        Value::Null => Ok("-".to_owned()),
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| time_ms(t.with_timezone(&Utc)))
            .map_err(|_| Failure::new(format!("{text:?} is not an RFC 3339 time"))),
        other => Err(Failure::new(format!("{other} is not a time"))),
    }
}

/// Appends `name=value\n`; a value holding a line break cannot be signed.
fn line(out: &mut String, name: &str, value: &str) -> Result<(), Failure> {
    ensure!(
        !value.contains(['\n', '\r']),
        "{name} holds a line break: it cannot be signed"
    );
    out.push_str(name);
    out.push('=');
    out.push_str(value);
    out.push('\n');
    Ok(())
}

/// The canonical text of a device link.
pub fn link_text(link: &Value) -> Result<String, Failure> {
    let mut out = String::from("consentry.device-link.v1\n");
    for name in ["cardholder_id", "device_id", "public_key", "added_by"] {
        let value = link[name]
            .as_str()
            .ok_or_else(|| Failure::new(format!("a link without `{name}`")))?;
        line(&mut out, name, value)?;
    }
    line(&mut out, "added_at", &signed_time(&link["added_at"])?)?;
    Ok(out)
}

/// A device's own link: the root of its cardholder's chain.
pub fn root_link(cardholder_id: &str, device_id: &str, key: &DeviceKey) -> Result<Value, Failure> {
    let mut link = json!({
        "cardholder_id": cardholder_id,
        "device_id": device_id,
        "public_key": key.public_key(),
        "added_by": device_id,
        "added_at": now_ms(),
    });
    link["signature"] = json!(key.sign(&link_text(&link)?));
    Ok(link)
}

/// The canonical text of a consent statement (its JSON form, as `signed.statement` carries it).
pub fn statement_text(statement: &Value) -> Result<String, Failure> {
    let text = |name: &str| {
        statement[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Failure::new(format!("a statement without a string `{name}`")))
    };
    let number = |name: &str| {
        statement[name]
            .as_u64()
            .map(|n| n.to_string())
            .ok_or_else(|| Failure::new(format!("a statement without an integer `{name}`")))
    };
    let mut channels: Vec<&str> = statement["channels"]
        .as_array()
        .ok_or_else(|| Failure::new("a statement without `channels`"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    channels.sort_by_key(|c| CHANNELS.iter().position(|known| known == c));
    let minimum = match &statement["min_purchase"] {
        Value::Null => "-".to_owned(),
        money => format!(
            "{} {}",
            money["minor"]
                .as_i64()
                .ok_or_else(|| Failure::new("min_purchase without `minor`"))?,
            money["currency"]
                .as_str()
                .ok_or_else(|| Failure::new("min_purchase without `currency`"))?
        ),
    };
    let mut out = String::from("consentry.consent-change.v1\n");
    line(&mut out, "grant_id", &text("grant_id")?)?;
    line(&mut out, "action", &text("action")?)?;
    line(&mut out, "app_id", &text("app_id")?)?;
    line(&mut out, "card_token", &text("card_token")?)?;
    line(&mut out, "scope", &text("scope")?)?;
    line(&mut out, "channels", &channels.join(","))?;
    line(&mut out, "trigger", &text("trigger")?)?;
    line(&mut out, "min_purchase", &minimum)?;
    line(
        &mut out,
        "expires_at",
        &signed_time(&statement["expires_at"])?,
    )?;
    line(&mut out, "terms_version", &number("terms_version")?)?;
    line(&mut out, "terms_hash", &text("terms_hash")?)?;
    line(&mut out, "base_version", &number("base_version")?)?;
    line(&mut out, "at", &signed_time(&statement["at"])?)?;
    line(&mut out, "device_id", &text("device_id")?)?;
    Ok(out)
}

/// `{"statement": …, "signature": …}`: `statement` signed with `key`.
pub fn sign_statement(statement: &Value, key: &DeviceKey) -> Result<Value, Failure> {
    Ok(json!({
        "statement": statement,
        "signature": key.sign(&statement_text(statement)?),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::webhook::{decode_key, verify_v1a};

    const OPENAPI: &str = include_str!("../../../docs/platform/openapi.json");

    /// The contract's examples are real signatures: the texts built here from the
    /// documented encoding verify under the example device's key.
    #[test]
    fn the_contract_examples_verify_under_the_documented_encoding() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let chain = &doc["paths"]["/v1/devices/chain"]["get"]["responses"]["200"]["content"]
            ["application/json"]["examples"]["two devices"]["value"]["links"];
        let links = chain.as_array().unwrap();
        assert_eq!(links.len(), 2);
        let root_key = decode_key("dpk_", links[0]["public_key"].as_str().unwrap()).unwrap();
        for link in links {
            assert!(verify_v1a(
                &root_key,
                link_text(link).unwrap().as_bytes(),
                link["signature"].as_str().unwrap()
            ));
        }
        let grant = &doc["paths"]["/v1/grants/{grant_id}"]["put"]["requestBody"]["content"]
            ["application/json"]["examples"]["grant"]["value"]["signed"];
        let text = statement_text(&grant["statement"]).unwrap();
        assert!(text.starts_with("consentry.consent-change.v1\ngrant_id="));
        assert!(text.contains("\nchannels=card,nfc\n"));
        assert!(verify_v1a(
            &root_key,
            text.as_bytes(),
            grant["signature"].as_str().unwrap()
        ));
        let altered = text.replace("channels=card,nfc", "channels=card");
        assert!(!verify_v1a(
            &root_key,
            altered.as_bytes(),
            grant["signature"].as_str().unwrap()
        ));
    }

    #[test]
    fn signed_texts_follow_the_documented_encoding() {
        let statement = json!({
            "grant_id": "g1", "action": "grant", "app_id": "app_x", "card_token": "card_y",
            "scope": "receipts", "channels": ["online", "card", "voice"], "trigger": "settlement",
            "min_purchase": {"minor": 500, "currency": "EUR"},
            "expires_at": "2027-01-01T00:00:00Z", "terms_version": 2,
            "terms_hash": "ab".repeat(32), "base_version": 4,
            "at": "2026-01-05T10:00:00.123456+01:00", "device_id": "dev_z",
        });
        let text = statement_text(&statement).unwrap();
        assert_eq!(
            text,
            format!(
                "consentry.consent-change.v1\ngrant_id=g1\naction=grant\napp_id=app_x\n\
                 card_token=card_y\nscope=receipts\nchannels=card,voice,online\n\
                 trigger=settlement\nmin_purchase=500 EUR\n\
                 expires_at=2027-01-01T00:00:00.000Z\nterms_version=2\nterms_hash={}\n\
                 base_version=4\nat=2026-01-05T09:00:00.123Z\ndevice_id=dev_z\n",
                "ab".repeat(32)
            )
        );
        let mut forged = statement.clone();
        forged["app_id"] = json!("app_x\nscope=social_posts");
        assert!(statement_text(&forged).is_err());
    }
}
