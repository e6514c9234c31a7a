//! The platform's JSON (snake_case, `docs/platform/openapi.json`) and its conversion into
//! the typed results the rest of the app uses. Unknown fields are ignored (the platform may
//! grow); missing or ill-typed ones make a `bad_response`.

use chrono::{DateTime, Utc};
use consentry_domain::{
    neutralize, Brand, Expiry, FeeModel, Grant, Scope, Sha256Digest, SignedConsent,
};
use consentry_store::apps::{AppListing, ListingLanguages};
use serde::{Deserialize, Serialize};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;

pub use consentry_wire::Endorsement;
/// A device waiting to be vouched for (it posted its key and a proof of the pairing code).
pub use consentry_wire::Pairing as PairingRequest;
pub(crate) use consentry_wire::{
    App, AppList, Card, CardList, DeviceChain, EnrollRequest, Enrollment, ErrorBody, Expiration,
    GrantList, KeyList, PairingList, PairingRequest as PairingBody, PublicKey, RenameCardRequest,
};
use consentry_wire::{FeedItem as FeedItemDto, FeedPage as WireFeedPage};

use crate::error::SyncError;

/// The Ed25519/v1a keys of a key list (others are for schemes we do not speak), checked.
pub(crate) fn signing_keys(keys: Vec<PublicKey>) -> Result<Vec<SigningKeyInfo>, SyncError> {
    let keys: Vec<SigningKeyInfo> = keys
        .into_iter()
        .filter(|k| k.algorithm == "ed25519" && k.scheme == "v1a")
        .map(|k| SigningKeyInfo {
            key_id: k.key_id,
            public_key: k.public_key,
            status: k.status,
            endorsement: k.endorsement,
        })
        .collect();
    for key in &keys {
        decode_public_key(&key.public_key)?;
    }
    if keys.is_empty() {
        return Err(SyncError::bad_response(
            "the platform published no Ed25519 signing key",
        ));
    }
    Ok(keys)
}

/// A card as the platform knows it: its token, never its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCard {
    pub token: String,
    pub brand: Brand,
    pub last4: String,
    pub expiry: Expiry,
    pub nickname: Option<String>,
    /// `false` once the card was unlinked.
    pub active: bool,
    pub linked_at: DateTime<Utc>,
}

/// What linking a card gave: the card, and whether the cardholder had linked it already
/// (from this device or another), in which case the platform changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedCard {
    pub card: PlatformCard,
    pub already_linked: bool,
}

impl TryFrom<Card> for PlatformCard {
    type Error = SyncError;

    fn try_from(dto: Card) -> Result<Self, SyncError> {
        if dto.token.is_empty()
            || dto.last4.len() != 4
            || !dto.last4.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(SyncError::bad_response(
                "a card has no token or a malformed last4",
            ));
        }
        let expiry = Expiry::new(dto.expiration.month, dto.expiration.year)
            .map_err(SyncError::bad_response)?;
        let active = match dto.status.as_str() {
            "active" => true,
            "removed" => false,
            other => {
                return Err(SyncError::bad_response(format!(
                    "unknown card status {other:?}"
                )))
            }
        };
        Ok(PlatformCard {
            token: dto.token,
            brand: dto.brand,
            last4: dto.last4,
            expiry,
            nickname: dto.nickname.map(|n| neutralize(&n).into_owned()),
            active,
            linked_at: dto.created_at,
        })
    }
}

/// An app of the platform's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformApp {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub description: String,
    pub category: String,
    pub requested_scopes: Vec<Scope>,
    pub terms_version: u32,
    pub terms_text: String,
    /// SHA-256 of `terms_text`, checked on arrival.
    pub terms_hash: Sha256Digest,
    /// The language of `terms_text` (`en` from a platform that does not say).
    pub terms_language: String,
    pub terms_published_at: DateTime<Utc>,
    /// The language the platform served the directory in (`Content-Language`), if it said.
    pub language: Option<String>,
    pub fee_model: FeeModel,
    /// "1.5% of each purchase", "€0.10 per receipt", "Free".
    pub fee_description: String,
    pub privacy_url: String,
    pub website_url: String,
}

impl PlatformApp {
    /// What the wallet caches (`consentry_store::apps::upsert`).
    pub fn listing(&self) -> AppListing {
        AppListing {
            id: self.id.clone(),
            name: self.name.clone(),
            publisher: self.publisher.clone(),
            description: self.description.clone(),
            requested_scopes: self.requested_scopes.clone(),
            terms_version: self.terms_version,
            terms_text: self.terms_text.clone(),
            terms_hash: self.terms_hash,
            fee_model: self.fee_model.clone(),
        }
    }

    /// The languages of what the wallet caches.
    pub fn languages(&self) -> ListingLanguages {
        ListingLanguages {
            listing: self.language.clone(),
            terms: Some(self.terms_language.clone()),
        }
    }
}

/// A language tag the platform sent (`en`, `fr`, `pt-BR`): 1 to 35 letters, digits and dashes.
pub(crate) fn language_tag(tag: String) -> Result<String, SyncError> {
    let valid = (1..=35).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(tag)
    } else {
        Err(SyncError::bad_response(format!(
            "{:?} is not a language tag",
            tag.chars().take(40).collect::<String>()
        )))
    }
}

impl TryFrom<App> for PlatformApp {
    type Error = SyncError;

    fn try_from(dto: App) -> Result<Self, SyncError> {
        let hash: Sha256Digest = dto.terms.hash.parse().map_err(SyncError::bad_response)?;
        if Sha256Digest::of_terms(&dto.terms.text) != hash || dto.id.is_empty() {
            return Err(SyncError::bad_response(format!(
                "the terms of app {:?} do not match their hash",
                dto.id
            )));
        }
        // What a screen shows loses the characters that make it show something else (the
        // terms text keeps its bytes: its hash is checked, and the screen isolates it).
        let shown = |text: String| neutralize(&text).into_owned();
        Ok(PlatformApp {
            id: dto.id,
            name: shown(dto.name),
            publisher: shown(dto.publisher),
            description: shown(dto.description),
            category: shown(dto.category),
            requested_scopes: dto.requested_scopes,
            terms_version: dto.terms.version,
            terms_text: dto.terms.text,
            terms_hash: hash,
            terms_language: language_tag(dto.terms.language)?,
            terms_published_at: dto.terms.published_at,
            language: None,
            fee_model: dto.fee_model,
            fee_description: shown(dto.fee_description),
            privacy_url: dto.privacy_url,
            website_url: dto.website_url,
        })
    }
}

/// A grant as the platform reports it, with the device-signed change that produced it
/// (its `signed` key; `None` when absent, `null` or unreadable — never trusted without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteGrant {
    pub grant: Grant,
    pub signed: Option<Box<SignedConsent>>,
}

/// The `signed` change beside a grant's fields.
pub(crate) fn signed_from(value: &serde_json::Value) -> Option<Box<SignedConsent>> {
    value
        .get("signed")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// A grant and its signed change from one object of the platform.
pub(crate) fn remote_grant_from(value: serde_json::Value) -> Result<RemoteGrant, SyncError> {
    let signed = signed_from(&value);
    Ok(RemoteGrant {
        grant: grant_from(value)?,
        signed,
    })
}

/// A grant from the platform, checked: the wire form is the domain `Grant`.
pub(crate) fn grant_from(value: serde_json::Value) -> Result<Grant, SyncError> {
    let grant: Grant = serde_json::from_value(value)
        .map_err(|e| SyncError::bad_response(format!("unreadable grant: {e}")))?;
    if grant.version == 0
        || grant.id.is_empty()
        || grant.app_id.is_empty()
        || grant.card_token.is_empty()
    {
        return Err(SyncError::bad_response(
            "a grant lacks its id, app, card or version",
        ));
    }
    Ok(grant)
}

/// One signed delivery from the feed, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// `webhook-id`: the event id.
    pub id: String,
    /// Its position in the feed.
    pub cursor: u64,
    /// `webhook-timestamp`: delivery time, Unix seconds.
    pub timestamp: i64,
    /// The raw event JSON, exactly as signed.
    pub body: String,
    /// `webhook-signature`.
    pub signature: String,
}

/// A delivery of a page whose envelope could not be read (kept in quarantine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableDelivery {
    /// Its `id`, when that much could be read.
    pub id: Option<String>,
    /// Its position, when that much could be read.
    pub cursor: Option<u64>,
    /// The delivery as sent (JSON).
    pub text: String,
    /// What is wrong with it.
    pub error: String,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Deliveries of this page that could not be read as one.
    pub unreadable: Vec<UnreadableDelivery>,
    pub next_cursor: u64,
    pub has_more: bool,
}

pub(crate) fn parse_cursor(text: &str) -> Result<u64, SyncError> {
    text.parse()
        .map_err(|_| SyncError::bad_response(format!("a feed cursor is not a number: {text:?}")))
}

fn read_item(value: serde_json::Value) -> Result<FeedItem, UnreadableDelivery> {
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    let cursor = value
        .get("cursor")
        .and_then(|v| v.as_str())
        .and_then(|c| parse_cursor(c).ok());
    let unreadable = |value: &serde_json::Value, error: String| UnreadableDelivery {
        id: id.clone(),
        cursor,
        text: value.to_string(),
        error,
    };
    let dto = match FeedItemDto::deserialize(&value) {
        Ok(dto) => dto,
        Err(e) => return Err(unreadable(&value, format!("unreadable_delivery: {e}"))),
    };
    let Ok(cursor) = parse_cursor(&dto.cursor) else {
        return Err(unreadable(
            &value,
            "unreadable_delivery: its cursor is not a number".into(),
        ));
    };
    Ok(FeedItem {
        cursor,
        id: dto.id,
        timestamp: dto.timestamp,
        body: dto.body,
        signature: dto.signature,
    })
}

/// Reads a feed page as sent (`GET /v1/events`): the one way the client reads one.
pub(crate) fn parse_feed_page(bytes: &[u8]) -> Result<FeedPage, SyncError> {
    // Each delivery stays JSON until read on its own (`read_item`).
    let dto: WireFeedPage<serde_json::Value> = serde_json::from_slice(bytes)
        .map_err(|e| SyncError::bad_response(format!("unreadable feed page: {e}")))?;
    FeedPage::try_from(dto)
}

impl TryFrom<WireFeedPage<serde_json::Value>> for FeedPage {
    type Error = SyncError;

    fn try_from(dto: WireFeedPage<serde_json::Value>) -> Result<Self, SyncError> {
        let mut items = Vec::with_capacity(dto.events.len());
        let mut unreadable = Vec::new();
        for value in dto.events {
            match read_item(value) {
                Ok(item) => items.push(item),
                Err(bad) => unreadable.push(bad),
            }
        }
        Ok(FeedPage {
            items,
            unreadable,
            next_cursor: parse_cursor(&dto.next_cursor)?,
            has_more: dto.has_more,
        })
    }
}

pub(crate) const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// A public key that signs the feed, as published at enrollment and by `GET /v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyInfo {
    pub key_id: String,
    /// `whpk_<base64 of the 32-byte Ed25519 key>`.
    pub public_key: String,
    /// `active`, `next` or `retired`.
    pub status: String,
    /// The statement of the key that vouches for this one (`None` for the platform's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<Endorsement>,
}

/// Reads `whpk_<base64>`.
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, SyncError> {
    let encoded = text
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .ok_or_else(|| SyncError::bad_response("a signing key does not start with whpk_"))?;
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| SyncError::bad_response("a signing key is not base64"))?;
    let bytes = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| SyncError::bad_response("a signing key is not 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| SyncError::bad_response("a signing key is not an Ed25519 public key"))
}
