//! A real platform on a loopback port, real SQLCipher wallets in temp dirs, and the devices
//! that use them (consent changes are made in `changes.rs`).

use std::time::Duration;

use chrono::Utc;
use consentry_domain::{CardNumber, Channel, Expiry, GrantKey, Scope};
use consentry_platform::{PlatformConfig, RunningPlatform};
use consentry_store::{Passphrase, Unlock, Wallet};
use consentry_sync::{
    Backoff, CardholderCredentials, EnrollRequest, Enrollment, SyncConfig, Syncer,
};
use serde_json::{json, Value};
use sqlx::SqlitePool;
use tempfile::TempDir;

pub const ADMIN: &str = "sync-tests-admin";
pub const SEED: u64 = 11;
pub const VISA: &str = "4242 4242 4242 4242";
pub const PASSPHRASE: &str = "correct horse battery staple";
/// Apps of the seeded directory.
pub const RECEIPTS_APP: &str = "app_quire";
pub const SOCIAL_APP: &str = "app_tastemaker";
pub use consentry_testkit::platform::APP_SCOPES;
pub const ALL_CHANNELS: &[Channel] =
    &[Channel::Card, Channel::Nfc, Channel::Voice, Channel::Online];

pub struct Platform {
    /// Kept alive for the test; dropping it stops the server.
    pub _running: RunningPlatform,
    pub url: String,
    pub http: reqwest::Client,
}

pub async fn platform() -> Platform {
    platform_with(PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(SEED),
        ..PlatformConfig::default()
    })
    .await
}

/// A platform behind the hostile proxy, and a "laptop" enrolled through the proxy with one
/// linked card (its token).
pub async fn laptop_behind_proxy() -> (Platform, crate::proxy::Proxy, Device, String) {
    let platform = platform().await;
    let proxy = crate::proxy::start(&platform.url).await;
    let device = Device::new("laptop").await;
    device.enroll_at(&proxy.url, None).await;
    let card = device.link_card().await;
    (platform, proxy, device, card)
}

/// A platform keeping its database in `dir`. Needed where clients vanish mid-request (crashes):
/// the in-memory platform loses its one connection — and with it every table — when a
/// handler is cancelled mid-statement.
pub async fn platform_on_disk(dir: &std::path::Path) -> Platform {
    platform_with(PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(SEED),
        data: consentry_platform::DataLocation::Directory(dir.to_path_buf()),
        ..PlatformConfig::default()
    })
    .await
}

pub async fn platform_with(config: PlatformConfig) -> Platform {
    let running = consentry_testkit::platform::serve(config).await;
    let url = running.base_url();
    Platform {
        _running: running,
        url,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(40))
            .build()
            .unwrap(),
    }
}

impl Platform {
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn faults(&self, faults: Value) {
        self.admin(reqwest::Method::PUT, "/v1/admin/faults", faults)
            .await;
    }

    /// One page of `device`'s feed after `after`, read straight from the platform.
    pub async fn feed_page(&self, device: &Device, after: &str) -> Value {
        let token = device.enrollment().await.token;
        self.http
            .get(format!("{}/v1/events?after={after}&limit=500", self.url))
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn no_faults(&self) {
        self.faults(json!({})).await;
    }

    pub async fn publish_terms(&self, app_id: &str, version: u32, text: &str) {
        self.admin(
            reqwest::Method::POST,
            &format!("/v1/apps/{app_id}/terms"),
            json!({"version": version, "text": text}),
        )
        .await;
    }

    /// `POST /v1/simulate/purchase` as `device`; returns the step result.
    pub async fn purchase(&self, device: &Device, card: &str, minor: i64, channel: &str) -> Value {
        let token = device.enrollment().await.token;
        let response = self
            .http
            .post(format!("{}/v1/simulate/purchase", self.url))
            .bearer_auth(token.expose_secret())
            .json(
                &json!({"card_token": card, "amount": {"minor": minor, "currency": "EUR"},
                "merchant": "Café Lumen", "channel": channel}),
            )
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }
}

/// A config for tests: tiny backoff (real time passes between attempts), fixed jitter seed.
pub fn test_config(device: &str) -> SyncConfig {
    SyncConfig {
        backoff: Backoff {
            base: Duration::from_millis(1),
            max: Duration::from_millis(20),
        },
        local_device_id: device.to_owned(),
        rng_seed: Some(7),
        ..SyncConfig::default()
    }
}

/// One device: a wallet in a temp dir and its syncer.
pub struct Device {
    pub name: String,
    /// Where the wallet lives (owned by the test, or handed to a child process).
    pub wallet_dir: std::path::PathBuf,
    pub _dir: Option<TempDir>,
    pub wallet: Wallet,
    pub pool: SqlitePool,
    pub syncer: Syncer,
    pub config: SyncConfig,
}

pub async fn new_wallet(dir: &std::path::Path) -> Wallet {
    consentry_testkit::new_wallet(dir, Utc::now()).await.0
}

pub async fn open_wallet(dir: &std::path::Path) -> Wallet {
    consentry_testkit::open_wallet(dir, Utc::now()).await
}

impl Device {
    pub async fn new(name: &str) -> Device {
        Device::with_config(name, test_config(name)).await
    }

    pub async fn with_config(name: &str, config: SyncConfig) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let wallet_dir = dir.path().join("wallet");
        let wallet = new_wallet(&wallet_dir).await;
        let pool = wallet.pool().unwrap().clone();
        let syncer = Syncer::new(pool.clone(), config.clone()).await.unwrap();
        Device {
            name: name.to_owned(),
            wallet_dir,
            _dir: Some(dir),
            wallet,
            pool,
            syncer,
            config,
        }
    }

    /// The wallet in `wallet_dir`, unlocked with a new syncer (another process's view).
    pub async fn open(name: &str, wallet_dir: &std::path::Path, config: SyncConfig) -> Device {
        let wallet = open_wallet(wallet_dir).await;
        let pool = wallet.pool().unwrap().clone();
        let syncer = Syncer::new(pool.clone(), config.clone()).await.unwrap();
        Device {
            name: name.to_owned(),
            wallet_dir: wallet_dir.to_path_buf(),
            _dir: None,
            wallet,
            pool,
            syncer,
            config,
        }
    }

    /// As after a crash: the wallet's connections closed (what was not committed is rolled
    /// back), the wallet opened again, a new syncer. (Only dropping a cancelled future is not
    /// enough: sqlx can leave a `BEGIN` open on a pooled connection when a future is dropped
    /// just after the database began the transaction — a process that dies cannot.)
    pub async fn crash_restart(&mut self) {
        self.wallet.lock().await;
        let phrase = Passphrase::new(PASSPHRASE.to_owned());
        self.wallet
            .unlock(Unlock::Passphrase(&phrase), Utc::now())
            .await
            .unwrap();
        self.pool = self.wallet.pool().unwrap().clone();
        self.restart().await;
    }

    /// A new syncer on the same wallet, as after a restart (in-memory state gone).
    pub async fn restart(&mut self) {
        self.syncer = Syncer::new(self.pool.clone(), self.config.clone())
            .await
            .unwrap();
    }

    pub async fn enroll(
        &self,
        platform: &Platform,
        existing: Option<CardholderCredentials>,
    ) -> Enrollment {
        self.enroll_at(&platform.url, existing).await
    }

    /// Enrolls through `url` (the platform, or a proxy in front of it).
    pub async fn enroll_at(
        &self,
        url: &str,
        existing: Option<CardholderCredentials>,
    ) -> Enrollment {
        self.syncer
            .enroll(
                &EnrollRequest {
                    platform_url: url.to_owned(),
                    device_name: self.name.clone(),
                    existing,
                },
                Utc::now(),
            )
            .await
            .unwrap()
    }

    pub async fn enrollment(&self) -> Enrollment {
        self.syncer.enrollment().await.unwrap()
    }

    /// Links a card. About one platform token in 600 (hex) contains a run of digits the
    /// store's card-number guard takes for a card number, and the wallet then refuses every
    /// grant on it: such a card is unlinked and linked again (reported as a platform issue).
    pub async fn link_card(&self) -> String {
        let client = self.syncer.client().await.unwrap();
        let number = CardNumber::parse(VISA).unwrap();
        loop {
            let token = client
                .link_card(&number, Expiry::new(12, 2031).unwrap(), Some("Everyday"))
                .await
                .unwrap()
                .card
                .token;
            if !consentry_store::pan_guard::contains_card_number(&token) {
                return token;
            }
            client.remove_card(&token).await.unwrap();
        }
    }

    /// Passes until nothing is pending and a pass succeeds (faults may make some fail).
    pub async fn settle(&self, max_passes: usize) {
        for _ in 0..max_passes {
            let done = self.syncer.sync_once(Utc::now()).await.is_ok();
            if done && self.syncer.status().pending_outbox == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "{}: still not settled: {:?}",
            self.name,
            self.syncer.status()
        );
    }
}

pub fn key(app_id: &str, card: &str, scope: Scope) -> GrantKey {
    GrantKey {
        app_id: app_id.to_owned(),
        card_token: card.to_owned(),
        scope,
    }
}

/// A platform, one enrolled device with a linked card.
pub async fn one_device() -> (Platform, Device, String) {
    let platform = platform().await;
    let device = Device::new("laptop").await;
    device.enroll(&platform, None).await;
    let card = device.link_card().await;
    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    (platform, device, card)
}

/// A platform and two enrolled devices of the same cardholder, sharing a linked card.
pub async fn two_devices() -> (Platform, Device, Device, String) {
    let platform = platform().await;
    let a = Device::new("laptop").await;
    let enrollment = a.enroll(&platform, None).await;
    let b = Device::new("phone").await;
    b.enroll(&platform, enrollment.credentials()).await;
    pair(&a, &b).await;
    let card = a.link_card().await;
    a.syncer.refresh_directory(Utc::now()).await.unwrap();
    b.syncer.refresh_directory(Utc::now()).await.unwrap();
    (platform, a, b, card)
}

/// Brings `b` (enrolled with `a`'s cardholder credentials) into the cardholder's device chain
/// the way a person does: `a` shows a pairing code, it is typed on `b`, `a` vouches for `b`.
pub async fn pair(a: &Device, b: &Device) {
    let code = a.syncer.start_pairing(Utc::now()).await.unwrap();
    assert!(
        !b.syncer
            .pair_with_code(&code.code, Utc::now())
            .await
            .unwrap(),
        "not in the chain before a device vouched for it"
    );
    join_with_code(a, b, &code.code).await;
}

/// `code` typed on `b` again while `a` syncs (and so vouches for `b`), until `b` joins.
pub async fn join_with_code(a: &Device, b: &Device, code: &str) {
    for _ in 0..20 {
        let _ = a.syncer.sync_once(Utc::now()).await;
        if b.syncer.pair_with_code(code, Utc::now()).await.unwrap() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{} never joined the device chain", b.name);
}
