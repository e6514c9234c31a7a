//! A cardholder's device as the contract describes one, driven over HTTP: enrollment, its
//! root link, a card, signed consent changes, simulated purchases and the feed.

use chrono::Datelike as _;
use reqwest::Method;
use serde_json::{json, Value};

use crate::device::{now_ms, root_link, sign_statement, DeviceKey};
use crate::failure::{ensure, fail, Failure};
use crate::http::{Reply, Target};
use crate::webhook::PublishedKey;

/// A card number every network test range accepts (Visa's).
pub const TEST_CARD: &str = "4242 4242 4242 4242";

/// A purchase's currency.
pub const CURRENCY: &str = "EUR";

/// An app of the directory and the terms a grant to it agrees to.
#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub scope: String,
    pub terms_version: u64,
    pub terms_hash: String,
}

/// One page of the feed (`FeedPage`), each item checked for its documented fields.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: String,
    pub has_more: bool,
}

/// One delivery (`FeedItem`).
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub cursor: u64,
    pub cursor_text: String,
    pub timestamp: i64,
    pub body: String,
    pub signature: String,
}

impl Item {
    fn parse(value: &Value) -> Result<Item, Failure> {
        let text = |name: &str| {
            value[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| Failure::new(format!("a feed item without a string `{name}`")))
        };
        let cursor_text = text("cursor")?;
        let cursor = digits(&cursor_text)
            .ok_or_else(|| Failure::new(format!("cursor {cursor_text:?} is not digits")))?;
        let timestamp = value["timestamp"]
            .as_i64()
            .ok_or_else(|| Failure::new("a feed item without an integer `timestamp`"))?;
        let signature = text("signature")?;
        ensure!(
            signature.starts_with("v1a,"),
            "signature {signature:?} does not start with `v1a,`"
        );
        Ok(Item {
            id: text("id")?,
            cursor,
            cursor_text,
            timestamp,
            body: text("body")?,
            signature,
        })
    }

    /// The event, parsed from the delivered body.
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn kind(&self) -> String {
        self.event()["type"].as_str().unwrap_or_default().to_owned()
    }
}

/// A cursor's value: its decimal digits (`^[0-9]+$`).
pub fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A fresh idempotency key.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh grant id: `grant_` and 20 letters (no digits: a client's text holding what looks
/// like a card number would be refused).
pub fn new_grant_id() -> String {
    let letters: String = (0..20)
        .map(|_| char::from(b'a' + rand::random::<u8>() % 26))
        .collect();
    format!("grant_{letters}")
}

/// An enrolled device of a cardholder.
pub struct Wallet<'t> {
    pub target: &'t Target,
    pub cardholder_id: String,
    pub device_id: String,
    pub token: String,
    /// The cardholder secret (the first device's enrollment returns it).
    pub secret: Option<String>,
    pub key: DeviceKey,
    /// The keys pinned at enrollment.
    pub signing_keys: Vec<PublishedKey>,
}

impl<'t> Wallet<'t> {
    /// A new cardholder's first device with its root link in the device chain.
    pub async fn enroll(target: &'t Target) -> Result<Wallet<'t>, Failure> {
        let wallet = Wallet::enroll_unlinked(target).await?;
        wallet.post_root_link().await?;
        Ok(wallet)
    }

    /// A new cardholder's first device, not in a device chain yet.
    pub async fn enroll_unlinked(target: &'t Target) -> Result<Wallet<'t>, Failure> {
        let reply = target
            .call(Method::POST, "/v1/enroll")
            .json(&json!({"device_name": "conformance suite"}))
            .send()
            .await?;
        let body = reply.expect(201)?;
        let wallet = Wallet::from_enrollment(target, body)?;
        ensure!(
            wallet.secret.is_some(),
            "a new cardholder's enrollment has no `cardholder_secret`: {}",
            reply.describe()
        );
        Ok(wallet)
    }

    /// Another device of this cardholder, enrolled with the cardholder secret.
    pub async fn enroll_device(&self, name: &str) -> Result<Wallet<'t>, Failure> {
        let reply = self
            .target
            .call(Method::POST, "/v1/enroll")
            .json(
                &json!({"device_name": name, "cardholder_id": self.cardholder_id,
                          "cardholder_secret": self.secret}),
            )
            .send()
            .await?;
        let mut wallet = Wallet::from_enrollment(self.target, reply.expect(201)?)?;
        ensure!(
            wallet.cardholder_id == self.cardholder_id,
            "a device enrolled with the cardholder secret belongs to another cardholder: {}",
            reply.describe()
        );
        ensure!(
            wallet.secret.is_none(),
            "enrolling a further device returned a cardholder secret (only a new cardholder's does)"
        );
        wallet.secret.clone_from(&self.secret);
        Ok(wallet)
    }

    /// A wallet from an `Enrollment`, its documented fields checked.
    fn from_enrollment(target: &'t Target, body: &Value) -> Result<Wallet<'t>, Failure> {
        let text = |name: &str| {
            body[name].as_str().map(str::to_owned).ok_or_else(|| {
                Failure::new(format!(
                    "the enrollment has no string `{name}`: {}",
                    crate::http::excerpt(&body.to_string())
                ))
            })
        };
        let signing_keys = PublishedKey::parse_list(&body["signing_keys"])
            .map_err(|e| Failure::new(format!("the enrollment's signing_keys: {e}")))?;
        ensure!(
            !signing_keys.is_empty(),
            "the enrollment's signing_keys is empty"
        );
        Ok(Wallet {
            target,
            cardholder_id: text("cardholder_id")?,
            device_id: text("device_id")?,
            token: text("token")?,
            secret: body["cardholder_secret"].as_str().map(str::to_owned),
            key: DeviceKey::generate(),
            signing_keys,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Reply, Failure> {
        self.target
            .call(Method::GET, path)
            .bearer(&self.token)
            .send()
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Reply, Failure> {
        self.target
            .call(Method::POST, path)
            .bearer(&self.token)
            .json(body)
            .send()
            .await
    }

    pub async fn delete(&self, path: &str) -> Result<Reply, Failure> {
        self.target
            .call(Method::DELETE, path)
            .bearer(&self.token)
            .send()
            .await
    }

    /// `PUT /v1/grants/{grant_id}` with `body`, under `key` (no header when `None`).
    pub async fn put_grant(
        &self,
        grant_id: &str,
        key: Option<&str>,
        body: &Value,
    ) -> Result<Reply, Failure> {
        let mut call = self
            .target
            .call(Method::PUT, &format!("/v1/grants/{grant_id}"))
            .bearer(&self.token)
            .json(body);
        if let Some(key) = key {
            call = call.header("Idempotency-Key", key);
        }
        call.send().await
    }

    pub async fn post_root_link(&self) -> Result<(), Failure> {
        let link = root_link(&self.cardholder_id, &self.device_id, &self.key)?;
        let reply = self.post("/v1/devices/chain", &link).await?;
        reply
            .expect(201)
            .map_err(|f| f.context("posting the device's root link"))?;
        Ok(())
    }

    /// Links the test card; its token.
    pub async fn link_card(&self) -> Result<String, Failure> {
        let year = chrono::Utc::now().year() + 3;
        let reply = self
            .post(
                "/v1/cards",
                &json!({"number": TEST_CARD, "expiration": {"month": 12, "year": year}}),
            )
            .await?;
        let card = reply.expect_any(&[200, 201])?;
        card["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Failure::new(format!("a card without a token: {}", reply.describe())))
    }

    /// An app of the directory to grant to: one asking for `receipts` if there is one, else
    /// the first that asks for any scope.
    pub async fn app(&self) -> Result<App, Failure> {
        let reply = self.get("/v1/apps").await?;
        let apps = reply.expect(200)?["apps"]
            .as_array()
            .ok_or_else(|| Failure::new(format!("no `apps` list: {}", reply.describe())))?;
        let asks = |app: &Value, scope: &str| {
            app["requested_scopes"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == scope))
        };
        let chosen = apps
            .iter()
            .find(|a| asks(a, "receipts"))
            .or_else(|| {
                apps.iter().find(|a| {
                    a["requested_scopes"]
                        .as_array()
                        .is_some_and(|s| !s.is_empty())
                })
            })
            .ok_or_else(|| Failure::new("the directory has no app that asks for a scope"))?;
        let scope = if asks(chosen, "receipts") {
            "receipts".to_owned()
        } else {
            chosen["requested_scopes"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        Ok(App {
            id: chosen["id"].as_str().unwrap_or_default().to_owned(),
            scope,
            terms_version: chosen["terms"]["version"]
                .as_u64()
                .ok_or_else(|| Failure::new(format!("app without terms.version: {chosen}")))?,
            terms_hash: chosen["terms"]["hash"]
                .as_str()
                .ok_or_else(|| Failure::new(format!("app without terms.hash: {chosen}")))?
                .to_owned(),
        })
    }

    /// The body of a signed `grant` of `app`'s scope on `card` for these channels.
    pub fn grant_change(
        &self,
        grant_id: &str,
        app: &App,
        card: &str,
        base_version: u64,
        channels: &[&str],
    ) -> Result<Value, Failure> {
        let mut body = json!({
            "action": "grant",
            "base_version": base_version,
            "app_id": app.id,
            "card_token": card,
            "scope": app.scope,
            "channels": channels,
            "trigger": "authorization",
            "min_purchase": null,
            "expires_at": null,
            "terms_version": app.terms_version,
        });
        // The statement says what the body says, and who made the change under which terms.
        let mut statement = body.clone();
        statement["grant_id"] = json!(grant_id);
        statement["terms_hash"] = json!(app.terms_hash);
        statement["at"] = json!(now_ms());
        statement["device_id"] = json!(self.device_id);
        body["signed"] = sign_statement(&statement, &self.key)?;
        Ok(body)
    }

    /// The body of a signed `revoke` of `grant` (as the platform shows it) at `base_version`.
    pub fn revoke_change(
        &self,
        grant: &Value,
        app: &App,
        base_version: u64,
    ) -> Result<Value, Failure> {
        let mut statement = json!({
            "action": "revoke",
            "terms_hash": app.terms_hash,
            "base_version": base_version,
            "at": now_ms(),
            "device_id": self.device_id,
        });
        for field in [
            "app_id",
            "card_token",
            "scope",
            "channels",
            "trigger",
            "min_purchase",
            "expires_at",
            "terms_version",
        ] {
            statement[field] = grant[field].clone();
        }
        statement["grant_id"] = grant["id"].clone();
        Ok(json!({
            "action": "revoke",
            "base_version": base_version,
            "signed": sign_statement(&statement, &self.key)?,
        }))
    }

    /// Creates an active grant of `app` on `card` (version 1); the grant as answered.
    pub async fn create_grant(
        &self,
        grant_id: &str,
        app: &App,
        card: &str,
    ) -> Result<Value, Failure> {
        let body = self.grant_change(grant_id, app, card, 0, &["card", "nfc", "online"])?;
        let reply = self.put_grant(grant_id, Some(&new_key()), &body).await?;
        reply
            .expect(201)
            .map_err(|f| f.context("creating a grant"))
            .cloned()
    }

    /// The grant as `GET /v1/grants` shows it.
    pub async fn grant_state(&self, grant_id: &str) -> Result<Option<Value>, Failure> {
        let reply = self.get("/v1/grants").await?;
        let grants = reply.expect(200)?["grants"]
            .as_array()
            .ok_or_else(|| Failure::new(format!("no `grants` list: {}", reply.describe())))?;
        Ok(grants.iter().find(|g| g["id"] == grant_id).cloned())
    }

    /// A purchase on `card` of `minor` cents on the card channel; the `StepResult`.
    pub async fn purchase(&self, card: &str, minor: i64) -> Result<Value, Failure> {
        let reply = self
            .post(
                "/v1/simulate/purchase",
                &json!({"card_token": card, "amount": {"minor": minor, "currency": CURRENCY},
                        "merchant": "Conformance Cafe", "channel": "card"}),
            )
            .await?;
        let step = reply.expect(201)?;
        ensure!(
            step["transaction"]["id"].is_string() && step["event_ids"].is_array(),
            "a purchase's answer has no transaction.id or event_ids: {}",
            reply.describe()
        );
        Ok(step.clone())
    }

    /// One page of the feed after `after` (`""`: from the start).
    pub async fn page(&self, after: &str, limit: u32, wait: u32) -> Result<Page, Failure> {
        let reply = self
            .get(&format!(
                "/v1/events?after={after}&limit={limit}&wait={wait}"
            ))
            .await?;
        let body = reply.expect(200)?;
        let Some(events) = body["events"].as_array() else {
            fail!("a feed page without `events`: {}", reply.describe())
        };
        let next_cursor = body["next_cursor"]
            .as_str()
            .filter(|c| digits(c).is_some())
            .ok_or_else(|| {
                Failure::new(format!(
                    "a feed page without a digits `next_cursor`: {}",
                    reply.describe()
                ))
            })?
            .to_owned();
        let has_more = body["has_more"].as_bool().ok_or_else(|| {
            Failure::new(format!(
                "a feed page without a boolean `has_more`: {}",
                reply.describe()
            ))
        })?;
        let items = events
            .iter()
            .map(Item::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            next_cursor,
            has_more,
        })
    }

    /// The whole feed from the start, in pages of 500.
    pub async fn all_events(&self) -> Result<Vec<Item>, Failure> {
        let mut items = Vec::new();
        let mut after = String::new();
        for _ in 0..100 {
            let page = self.page(&after, 500, 0).await?;
            items.extend(page.items);
            if !page.has_more {
                return Ok(items);
            }
            ensure!(
                page.next_cursor != after,
                "has_more is true but next_cursor did not move"
            );
            after = page.next_cursor;
        }
        fail!("the feed did not end after 100 pages of 500")
    }
}
