//! The device side of the test wallet: its key (a fixed seed per device), its link in the
//! cardholder's device chain, and the signed statement it makes for each consent change.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SubsecRound as _, Utc};
use consentry_domain::{
    Channel, ConsentAction, ConsentStatement, DeviceKey, DeviceLink, Money, Scope, Sha256Digest,
    Trigger,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::support::{read, Wallet};

/// JSON with object keys sorted, whatever serde_json's map order: to compare requests.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// A grant as `GET /v1/grants` or a conflict's `current` shows it, split into the grant
/// and its `signed` change (which must be present, `null` or not).
pub fn split_signed(item: &Value) -> (Value, Value) {
    let mut grant = item.clone();
    let signed = grant
        .as_object_mut()
        .unwrap()
        .remove("signed")
        .expect("every grant shows its signed change");
    (grant, signed)
}

/// The device key of a test device: a fixed seed per device id.
pub fn device_key(device_id: &str) -> DeviceKey {
    let seed: [u8; 32] = Sha256::digest(format!("consentry.test-device\n{device_id}")).into();
    DeviceKey::from_seed(&seed)
}

/// Now, to the millisecond (what a signed text carries).
pub fn now_ms() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

fn parse<T: DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

impl Wallet {
    /// Posts this device's own link as the root of its cardholder's (empty) chain.
    pub async fn post_root_link(&self) {
        let link = DeviceLink::root(
            &self.cardholder_id,
            &self.device_id,
            &self.device_key,
            now_ms(),
        )
        .unwrap();
        let (status, body) = self.post("/v1/devices/chain", json!(link)).await;
        assert_eq!(status, 201, "{body}");
    }

    /// A link for `other`, signed by this device.
    pub fn vouch(&self, other: &Wallet) -> DeviceLink {
        DeviceLink::vouch(
            &self.cardholder_id,
            &other.device_id,
            &other.device_key.public_key(),
            &self.device_id,
            &self.device_key,
            now_ms(),
        )
        .unwrap()
    }

    /// Another device of this cardholder, enrolled with the cardholder secret, not in the
    /// chain.
    pub async fn enroll_device(&self, name: &str) -> Wallet {
        let (status, body) = read(
            self.http
                .post(self.url("/v1/enroll"))
                .json(
                    &json!({"device_name": name, "cardholder_id": self.cardholder_id,
                              "cardholder_secret": self.secret}),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let mut wallet = Wallet::enrolled(&self.http, &self.base, &body);
        wallet.secret.clone_from(&self.secret);
        wallet
    }

    /// Another device of this cardholder, in the chain on a link this device signed.
    pub async fn join(&self, name: &str) -> Wallet {
        let other = self.enroll_device(name).await;
        let (status, body) = self
            .post("/v1/devices/chain", json!(self.vouch(&other)))
            .await;
        assert_eq!(status, 201, "{body}");
        other
    }

    /// `body` with `signed`: this device's statement of the change, signed with its key.
    /// Signed once per grant id and body, so a retry sends the identical request. A body no
    /// statement can be made for (no valid change) comes back as it is.
    pub async fn sign_change(&self, grant_id: &str, body: &Value) -> Value {
        let cache_key = format!("{grant_id}\n{}", canonical(body));
        if let Some(signed) = self.signed.lock().unwrap().get(&cache_key) {
            return signed.clone();
        }
        let Some(statement) = self.statement_for(grant_id, body).await else {
            return body.clone();
        };
        let mut signed = body.clone();
        signed["signed"] = json!(statement.sign(&self.device_key).unwrap());
        self.signed
            .lock()
            .unwrap()
            .insert(cache_key, signed.clone());
        signed
    }

    /// The statement this device makes for the change `body` on `grant_id`: the request's
    /// fields, the current grant's for what the change keeps, the terms hash from the
    /// directory.
    pub async fn statement_for(&self, grant_id: &str, body: &Value) -> Option<ConsentStatement> {
        let action: ConsentAction = parse(&body["action"])?;
        let base_version = body["base_version"].as_u64()?;
        let mut statement = ConsentStatement {
            grant_id: grant_id.to_owned(),
            action,
            app_id: String::new(),
            card_token: String::new(),
            scope: Scope::Receipts,
            channels: BTreeSet::new(),
            trigger: Trigger::Authorization,
            min_purchase: None,
            expires_at: None,
            terms_version: 0,
            terms_hash: Sha256Digest::ZERO,
            base_version,
            at: now_ms(),
            device_id: self.device_id.clone(),
        };
        let from = match action {
            ConsentAction::Grant => body.clone(),
            ConsentAction::Revoke | ConsentAction::Renew | ConsentAction::Reconsent => {
                self.current_grant(grant_id).await.unwrap_or(Value::Null)
            }
            _ => return None,
        };
        if !from.is_null() {
            statement.app_id = from["app_id"].as_str()?.to_owned();
            statement.card_token = from["card_token"].as_str()?.to_owned();
            statement.scope = parse(&from["scope"])?;
            statement.channels = parse::<BTreeSet<Channel>>(&from["channels"])?;
            statement.trigger = parse(&from["trigger"])?;
            statement.min_purchase = parse::<Option<Money>>(&from["min_purchase"])?;
            statement.expires_at = parse::<Option<DateTime<Utc>>>(&from["expires_at"])?;
            statement.terms_version = u32::try_from(from["terms_version"].as_u64()?).ok()?;
        }
        match action {
            ConsentAction::Renew => statement.expires_at = parse(&body["expires_at"])?,
            ConsentAction::Reconsent => {
                statement.terms_version = u32::try_from(body["terms_version"].as_u64()?).ok()?;
            }
            _ => {}
        }
        statement.terms_hash = self
            .terms_hash(&statement.app_id, statement.terms_version)
            .await;
        Some(statement)
    }

    /// The grant as `GET /v1/grants` shows it (with `signed`).
    pub async fn current_grant(&self, grant_id: &str) -> Option<Value> {
        let (_, grants) = self.get("/v1/grants").await;
        grants["grants"]
            .as_array()?
            .iter()
            .find(|g| g["id"] == grant_id)
            .cloned()
    }

    /// The hash of `app`'s terms at `version`, as the directory showed it (now or earlier);
    /// zero when this wallet never saw that version.
    pub async fn terms_hash(&self, app: &str, version: u32) -> Sha256Digest {
        let (_, apps) = self.get("/v1/apps").await;
        let mut known = self.terms_hashes.lock().unwrap();
        for app in apps["apps"].as_array().into_iter().flatten() {
            if let (Some(id), Some(v), Some(hash)) = (
                app["id"].as_str(),
                app["terms"]["version"].as_u64(),
                app["terms"]["hash"].as_str(),
            ) {
                known.insert(
                    (id.to_owned(), u32::try_from(v).unwrap()),
                    hash.parse().unwrap(),
                );
            }
        }
        known
            .get(&(app.to_owned(), version))
            .copied()
            .unwrap_or(Sha256Digest::ZERO)
    }

    /// The device chain as the platform serves it.
    pub async fn chain(&self) -> Vec<DeviceLink> {
        let (status, body) = self.get("/v1/devices/chain").await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body["links"].clone()).unwrap()
    }
}
