//! The cardholder's cards and devices, the same on every device.
//!
//! - `card.changed` (feed): a card linked, renamed or unlinked on one device is linked,
//!   renamed or unlinked here. The platform is trusted for tokenizing cards, so its word on
//!   which cards exist is taken; it is not trusted for consent, which is why unlinking does
//!   not touch grants here (the device that unlinked revoked them, signed, and those
//!   revocations arrive as `consent.changed`).
//! - `GET /v1/cards` (reconciliation): a card linked before this device joined.
//! - `GET /v1/devices`: names for the device ids that changes carry, and which devices were
//!   removed (a removed device's later signed changes are refused: see `device.rs`).

use chrono::{DateTime, Utc};
use consentry_domain::{Brand, CardChange, CardChanged, Event, Expiry};
use consentry_store::cards::{self, CardStatus, NewCard};
use consentry_store::{devices, StoreError};

use sqlx::SqlitePool;

use crate::device_api::PlatformDevice;
use crate::engine::Engine;
use crate::error::SyncError;

/// A card as another device or the platform describes it.
struct CardFacts<'a> {
    token: &'a str,
    brand: Brand,
    last4: &'a str,
    expiry: Expiry,
    nickname: Option<&'a str>,
}

impl Engine {
    /// Applies one `card.changed` event.
    pub(crate) async fn apply_card_change(
        &mut self,
        event: &Event,
        changed: &CardChanged,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let token = event.card_token.as_str();
        match changed.change {
            CardChange::Linked => {
                let facts = CardFacts {
                    token,
                    brand: changed.brand,
                    last4: &changed.last4,
                    expiry: changed.expiration,
                    nickname: changed.nickname.as_deref(),
                };
                self.hold_card(&facts, now).await?;
            }
            CardChange::Renamed => {
                let held = cards::get(&self.pool, token).await?;
                if held.is_some_and(|c| c.nickname != changed.nickname) {
                    let renamed =
                        cards::set_nickname(&self.pool, token, changed.nickname.as_deref(), now)
                            .await;
                    kept_or_refused(renamed, "a card's new name cannot be kept")?;
                }
            }
            CardChange::Unlinked => {
                let held = cards::get(&self.pool, token).await?;
                if held.is_some_and(|c| c.status != CardStatus::Unlinked) {
                    cards::set_status(&self.pool, token, CardStatus::Unlinked, now).await?;
                }
            }
        }
        Ok(())
    }

    /// Adds the cardholder's active cards this wallet does not hold (or holds unlinked);
    /// returns how many.
    pub(crate) async fn adopt_cards(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let mut added = 0;
        for card in self.client()?.cards().await?.iter().filter(|c| c.active) {
            let facts = CardFacts {
                token: &card.token,
                brand: card.brand,
                last4: &card.last4,
                expiry: card.expiry,
                nickname: card.nickname.as_deref(),
            };
            if self.hold_card(&facts, now).await? {
                added += 1;
            }
        }
        Ok(added)
    }

    /// Makes sure the wallet holds `card` as an active card; returns whether it changed
    /// anything. A card the wallet cannot keep (its token or name looks like a card number
    /// to the store's guard) is left out with a warning rather than stopping the pass.
    async fn hold_card(
        &mut self,
        card: &CardFacts<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool, SyncError> {
        match cards::get(&self.pool, card.token).await? {
            Some(held) if held.status == CardStatus::Unlinked => {
                cards::set_status(&self.pool, card.token, CardStatus::Active, now).await?;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => {
                let new = NewCard {
                    token: card.token.to_owned(),
                    brand: card.brand,
                    last4: card.last4.to_owned(),
                    expiry: card.expiry,
                    nickname: card.nickname.map(str::to_owned),
                };
                let inserted = cards::insert(&self.pool, &new, now).await;
                kept_or_refused(inserted, "a card of the cardholder cannot be kept")
            }
        }
    }

    /// Re-reads the cardholder's devices (names, removals) from the platform.
    pub(crate) async fn refresh_devices(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        let listed = self.client()?.devices().await?;
        remember_devices(&self.pool, listed, now).await
    }
}

/// Whether the store kept what it was given: a value its guard refuses (a card number in a
/// token or a name) is left out with a warning rather than stopping the feed.
fn kept_or_refused<T>(result: Result<T, StoreError>, what: &str) -> Result<bool, SyncError> {
    match result {
        Ok(_) => Ok(true),
        Err(e @ (StoreError::Invalid { .. } | StoreError::CardNumberInText { .. })) => {
            tracing::warn!(error = %e, "{what}");
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps the platform's device list in the wallet (names for ids, removals).
pub async fn remember_devices(
    pool: &SqlitePool,
    listed: Vec<PlatformDevice>,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let known: Vec<devices::Device> = listed
        .into_iter()
        .map(|d| devices::Device {
            device_id: d.device_id,
            name: d.name,
            added_at: d.enrolled_at,
            removed_at: d.removed_at,
        })
        .collect();
    devices::remember(pool, &known, now).await?;
    Ok(())
}
