//! A real platform on a loopback port per test, and a small wallet-like client that
//! verifies every event signature it receives and signs every consent change it sends with
//! its device key, as a device in its cardholder's chain (`device_support.rs`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use consentry_domain::{DeviceKey, Sha256Digest};
use consentry_platform::{signing, DataLocation, PlatformConfig, RunningPlatform};
use ed25519_dalek::VerifyingKey;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub use crate::device_support::*;

pub const ADMIN: &str = "test-admin-token";
pub const VISA: &str = "4242 4242 4242 4242";
pub const MASTERCARD: &str = "5555555555554444";
/// One card number as people write it: plain, spaced, dashed.
pub const CARD_NUMBER_SPELLINGS: [&str; 3] = [
    "4111111111111111",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
];

pub fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

pub fn config() -> PlatformConfig {
    PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(7),
        ..PlatformConfig::default()
    }
}

pub struct Platform {
    pub running: RunningPlatform,
    pub http: reqwest::Client,
    pub base: String,
}

pub async fn start() -> Platform {
    start_with(config()).await
}

/// A platform, a wallet enrolled on it and the token of the VISA test card it linked.
pub async fn enrolled_with_card() -> (Platform, Wallet, String) {
    with_card(start().await).await
}

/// [`enrolled_with_card`] on a platform keeping its data in `dir`.
pub async fn enrolled_with_card_in(dir: &std::path::Path) -> (Platform, Wallet, String) {
    with_card(start_in(dir).await).await
}

async fn with_card(p: Platform) -> (Platform, Wallet, String) {
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    (p, w, card)
}

/// A platform with this configuration. With a PostgreSQL test cluster
/// (`CONSENTRY_TEST_POSTGRES`), a platform that would keep its data in memory keeps it in a
/// fresh database there instead: the whole contract then runs against PostgreSQL.
pub async fn start_with(mut config: PlatformConfig) -> Platform {
    if config.data == DataLocation::Memory {
        if let Ok(cluster) = std::env::var(consentry_testkit::postgres::ENV) {
            config.data =
                DataLocation::Postgres(consentry_testkit::postgres::fresh_database(&cluster).await);
        }
    }
    let running = consentry_platform::serve(config)
        .await
        .expect("platform starts");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap();
    let base = running.base_url();
    Platform {
        running,
        http,
        base,
    }
}

pub async fn start_in(dir: &std::path::Path) -> Platform {
    start_with(PlatformConfig {
        data: DataLocation::Directory(dir.to_path_buf()),
        ..config()
    })
    .await
}

/// The database of a stopped platform that kept its data in `dir`.
pub async fn open_database(dir: &std::path::Path) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions as _;
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(consentry_platform::DATABASE_FILE))
        .connect()
        .await
        .unwrap()
}

/// Status and JSON body (Null when the body is not JSON).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts an error response: the status, the `code`, and a non-empty `message`.
pub fn assert_error(result: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(result.0.as_u16(), status, "{:?}", result.1);
    assert_eq!(result.1["code"], code, "{:?}", result.1);
    assert!(
        result.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{:?}",
        result.1
    );
}

/// A new cardholder's first device on the platform at `base`, with its root link in the
/// device chain.
pub async fn enroll_at(http: &reqwest::Client, base: &str) -> Wallet {
    let wallet = enroll_unlinked_at(http, base).await;
    wallet.post_root_link().await;
    wallet
}

/// A new cardholder's first device on the platform at `base`, not yet in a device chain.
pub async fn enroll_unlinked_at(http: &reqwest::Client, base: &str) -> Wallet {
    let request = http
        .post(format!("{base}/v1/enroll"))
        .json(&json!({"device_name": "test laptop"}));
    let (status, body) = read(request.send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    Wallet::enrolled(http, base, &body)
}

/// The body of `POST /v1/simulate/purchase`.
pub fn purchase_body(
    card: &str,
    minor: i64,
    currency: &str,
    merchant: &str,
    channel: &str,
) -> Value {
    json!({"card_token": card, "amount": {"minor": minor, "currency": currency},
           "merchant": merchant, "channel": channel})
}

impl Platform {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new cardholder's first device, with its root link in the device chain.
    pub async fn enroll(&self) -> Wallet {
        enroll_at(&self.http, &self.base).await
    }

    /// An unauthenticated `GET path`: the status and the answer.
    pub async fn get_public(&self, path: &str) -> (StatusCode, Value) {
        read(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    /// `POST /v1/enroll` with `body`: the status and the answer.
    pub async fn post_enroll(&self, body: &Value) -> (StatusCode, Value) {
        let request = self.http.post(self.url("/v1/enroll")).json(body);
        read(request.send().await.unwrap()).await
    }

    /// A new cardholder's first device, not yet in a device chain.
    pub async fn enroll_unlinked(&self) -> Wallet {
        enroll_unlinked_at(&self.http, &self.base).await
    }

    /// An admin request that must be refused with `status` and the error `code`.
    pub async fn admin_refused(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
        status: u16,
        code: &str,
    ) {
        assert_error(&self.admin(method, path, body).await, status, code);
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        read(
            self.http
                .request(method, self.url(path))
                .bearer_auth(ADMIN)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn faults(&self, faults: Value) {
        let result = self
            .admin(reqwest::Method::PUT, "/v1/admin/faults", faults)
            .await;
        assert_eq!(result.0, 200, "{:?}", result.1);
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let result = self
            .admin(
                reqwest::Method::POST,
                "/v1/admin/clock",
                json!({"advance_seconds": seconds}),
            )
            .await;
        assert_eq!(result.0, 200, "{:?}", result.1);
    }
}

/// One verified delivery from the feed.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub id: String,
    pub cursor: String,
    pub timestamp: i64,
    pub kind: String,
    pub body: Value,
}

pub struct Wallet {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub cardholder_id: String,
    pub device_id: String,
    pub device_key: DeviceKey,
    pub secret: String,
    pub keys: Vec<VerifyingKey>,
    /// Each change signed once: a retry of the same change sends the same signed body.
    pub signed: Mutex<BTreeMap<String, Value>>,
    /// Terms hashes seen in the directory, by app and version.
    pub terms_hashes: Mutex<BTreeMap<(String, u32), Sha256Digest>>,
}

impl Wallet {
    pub fn from_enrollment(platform: &Platform, body: &Value) -> Wallet {
        Wallet::enrolled(&platform.http, &platform.base, body)
    }

    /// A wallet from an enrollment response, talking to the platform at `base`.
    pub fn enrolled(http: &reqwest::Client, base: &str, body: &Value) -> Wallet {
        let keys = body["signing_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| signing::decode_public_key(k["public_key"].as_str().unwrap()).unwrap())
            .collect();
        let device_id = body["device_id"].as_str().unwrap().to_owned();
        Wallet {
            http: http.clone(),
            base: base.to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            cardholder_id: body["cardholder_id"].as_str().unwrap().to_owned(),
            device_key: device_key(&device_id),
            device_id,
            secret: body["cardholder_secret"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            keys,
            signed: Mutex::new(BTreeMap::new()),
            terms_hashes: Mutex::new(BTreeMap::new()),
        }
    }

    /// This wallet talking to `platform` (the same platform, started again).
    pub fn on(self, platform: &Platform) -> Wallet {
        Wallet {
            base: platform.base.clone(),
            http: platform.http.clone(),
            ..self
        }
    }

    /// The same wallet (same device, token, keys and signed changes) talking to the platform
    /// at `base`: another instance on the same database.
    pub fn at(&self, base: &str) -> Wallet {
        Wallet {
            http: self.http.clone(),
            base: base.to_owned(),
            token: self.token.clone(),
            cardholder_id: self.cardholder_id.clone(),
            device_id: self.device_id.clone(),
            device_key: device_key(&self.device_id),
            secret: self.secret.clone(),
            keys: self.keys.clone(),
            signed: Mutex::new(self.signed.lock().unwrap().clone()),
            terms_hashes: Mutex::new(self.terms_hashes.lock().unwrap().clone()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        read(self.get_response(path).await).await
    }

    /// The whole answer to an authorized GET, headers included.
    pub async fn get_response(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        read(
            self.http
                .post(self.url(path))
                .bearer_auth(&self.token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        read(
            self.http
                .delete(self.url(path))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// PUT a consent change signed by this device (a body that holds `signed` already is
    /// sent as it is); returns status, body and whether it was a replay.
    pub async fn put_grant(
        &self,
        grant_id: &str,
        key: &str,
        body: &Value,
    ) -> (StatusCode, Value, bool) {
        let body = if body.get("signed").is_some() {
            body.clone()
        } else {
            self.sign_change(grant_id, body).await
        };
        self.put_grant_as_is(grant_id, key, &body).await
    }

    /// PUT the body exactly as given (no signature added).
    pub async fn put_grant_as_is(
        &self,
        grant_id: &str,
        key: &str,
        body: &Value,
    ) -> (StatusCode, Value, bool) {
        let response = self
            .http
            .put(self.url(&format!("/v1/grants/{grant_id}")))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        let replayed = response.headers().get("idempotent-replayed").is_some();
        let (status, body) = read(response).await;
        (status, body, replayed)
    }

    pub async fn link_card(&self, number: &str) -> String {
        let (status, body) = self
            .post(
                "/v1/cards",
                json!({"number": number, "expiration": {"month": 12, "year": 2031}}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Grants `scope` on `card` to `app` at the app's current terms (version 0 → 1).
    pub async fn grant(
        &self,
        grant_id: &str,
        app: &str,
        card: &str,
        scope: &str,
        extra: Value,
    ) -> Value {
        let terms = self.terms_version(app).await;
        let mut body = json!({
            "action": "grant", "base_version": 0, "app_id": app, "card_token": card, "scope": scope,
            "channels": ["card", "nfc", "online", "voice"], "trigger": "authorization",
            "terms_version": terms,
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        let (status, grant, _) = self
            .put_grant(grant_id, &format!("key-{grant_id}"), &body)
            .await;
        assert_eq!(status, 201, "{grant}");
        grant
    }

    /// [`Wallet::grant`] with the default channels and trigger, nothing more.
    pub async fn grant_defaults(
        &self,
        grant_id: &str,
        app: &str,
        card: &str,
        scope: &str,
    ) -> Value {
        self.grant(grant_id, app, card, scope, json!({})).await
    }

    pub async fn terms_version(&self, app: &str) -> u64 {
        let (_, apps) = self.get("/v1/apps").await;
        apps["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == app)
            .unwrap()["terms"]["version"]
            .as_u64()
            .unwrap()
    }

    pub async fn purchase(
        &self,
        card: &str,
        minor: i64,
        currency: &str,
        merchant: &str,
        channel: &str,
    ) -> Value {
        let (status, body) = self
            .post(
                "/v1/simulate/purchase",
                purchase_body(card, minor, currency, merchant, channel),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// One feed page after `cursor`; every signature is checked against the enrollment keys.
    pub async fn page(&self, query: &str) -> (Vec<Delivered>, Value) {
        let (status, page) = self.get(&format!("/v1/events{query}")).await;
        assert_eq!(status, 200, "{page}");
        let events = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| self.verify(item))
            .collect();
        (events, page)
    }

    pub fn verify(&self, item: &Value) -> Delivered {
        let id = item["id"].as_str().unwrap();
        let timestamp = item["timestamp"].as_i64().unwrap();
        let raw = item["body"].as_str().unwrap();
        let signature = item["signature"].as_str().unwrap();
        assert!(
            signing::verify_any(&self.keys, id, timestamp, raw, signature),
            "signature of {id} does not verify"
        );
        let body: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(body["id"], id);
        assert_eq!(
            body["cardholder_id"],
            self.cardholder_id.as_str(),
            "the signed body of {id} names the cardholder it is for"
        );
        consentry_domain::Event::from_json(raw.as_bytes())
            .expect("the wallet can decode every event");
        Delivered {
            id: id.to_owned(),
            cursor: item["cursor"].as_str().unwrap().to_owned(),
            timestamp,
            kind: body["type"].as_str().unwrap().to_owned(),
            body,
        }
    }

    /// Every event so far, verified.
    pub async fn events(&self) -> Vec<Delivered> {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let (events, page) = self.page(&format!("?after={cursor}&limit=500")).await;
            all.extend(events);
            cursor = page["next_cursor"].as_str().unwrap().to_owned();
            if page["has_more"] != true {
                return all;
            }
        }
    }

    /// Events after `cursor`, as (type, app_id) pairs.
    /// How many events of `kind` the feed holds for this wallet.
    pub async fn count_events(&self, kind: &str) -> usize {
        self.events()
            .await
            .iter()
            .filter(|e| e.kind == kind)
            .count()
    }

    pub async fn kinds_after(&self, cursor: &str) -> Vec<(String, String)> {
        let (events, _) = self.page(&format!("?after={cursor}&limit=500")).await;
        events
            .iter()
            .map(|e| {
                (
                    e.kind.clone(),
                    e.body["app_id"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    pub async fn cursor(&self) -> String {
        self.events()
            .await
            .last()
            .map(|e| e.cursor.clone())
            .unwrap_or_default()
    }
}

/// Status, body and whether `Idempotent-Replayed: true` was set.
pub type Keyed = (StatusCode, Value, bool);

/// Sends `request` with `body` under an `Idempotency-Key`.
pub async fn send_keyed(request: reqwest::RequestBuilder, key: &str, body: &Value) -> Keyed {
    let response = request
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let (status, body) = read(response).await;
    (status, body, replayed)
}

/// POSTs `body` to `path` as `w` under an `Idempotency-Key`.
pub async fn post_keyed(w: &Wallet, path: &str, key: &str, body: &Value) -> Keyed {
    send_keyed(w.http.post(w.url(path)).bearer_auth(&w.token), key, body).await
}
