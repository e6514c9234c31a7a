//! The platform's event-signing keys and their rotation.
//!
//! At any time there is one `active` key (it signs every delivery) and one `next` key,
//! published ahead of time so that clients already trust it when it becomes active. On
//! rotation: active → retired, next → active, a fresh next is made. The most recently
//! retired key stays published, for deliveries signed just before the rotation.

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use rand::rngs::{OsRng, StdRng};
use rand::SeedableRng as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::clock::rfc3339;
use crate::error::{ApiError, PlatformError};
use crate::signing;

#[derive(Clone)]
struct Key {
    id: String,
    signing: SigningKey,
    status: String,
    created_at: String,
    position: i64,
}

/// A published public key, as returned at enrollment and by `GET /v1/keys`.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKey {
    pub key_id: String,
    pub algorithm: &'static str,
    pub scheme: &'static str,
    pub public_key: String,
    /// `active` (signs now), `next` (will sign after the next rotation) or `retired`.
    pub status: String,
    pub created_at: String,
}

/// The keys, cached in memory (signing happens on every feed read) and persisted.
pub struct KeyRing {
    keys: RwLock<Vec<Key>>,
    seed: Option<u64>,
}

impl KeyRing {
    /// Loads the stored keys, or makes an active and a next key on first start.
    pub async fn load_or_create(
        pool: &SqlitePool,
        seed: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<KeyRing, PlatformError> {
        let ring = KeyRing {
            keys: RwLock::new(Vec::new()),
            seed,
        };
        let stored = load(pool).await?;
        if stored.is_empty() {
            let mut tx = pool.begin().await?;
            for (position, status) in [(0, "active"), (1, "next")] {
                let key = ring.make_key(position, status, now);
                insert(&mut tx, &key).await?;
            }
            tx.commit().await?;
        }
        ring.replace(load(pool).await?);
        Ok(ring)
    }

    fn make_key(&self, position: i64, status: &str, now: DateTime<Utc>) -> Key {
        let signing = match self.seed {
            Some(seed) => {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(position.unsigned_abs()));
                SigningKey::generate(&mut rng)
            }
            None => SigningKey::generate(&mut OsRng),
        };
        let digest = Sha256::digest(signing.verifying_key().as_bytes());
        Key {
            id: format!("key_{}", hex::encode(&digest[..8])),
            signing,
            status: status.to_owned(),
            created_at: rfc3339(now),
            position,
        }
    }

    fn replace(&self, keys: Vec<Key>) {
        match self.keys.write() {
            Ok(mut guard) => *guard = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    fn snapshot(&self) -> Vec<Key> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The key that signs deliveries now.
    pub fn active(&self) -> Option<SigningKey> {
        self.snapshot()
            .into_iter()
            .find(|k| k.status == "active")
            .map(|k| k.signing)
    }

    /// The keys clients should trust: active, next and the last retired one.
    pub fn published(&self) -> Vec<PublicKey> {
        let keys = self.snapshot();
        let last_retired = keys
            .iter()
            .filter(|k| k.status == "retired")
            .map(|k| k.position)
            .max();
        keys.iter()
            .filter(|k| k.status != "retired" || Some(k.position) == last_retired)
            .map(|k| PublicKey {
                key_id: k.id.clone(),
                algorithm: "ed25519",
                scheme: signing::SCHEME,
                public_key: signing::encode_public_key(&k.signing.verifying_key()),
                status: k.status.clone(),
                created_at: k.created_at.clone(),
            })
            .collect()
    }

    /// Rotates: active → retired, next → active, and a new next key.
    pub async fn rotate(&self, pool: &SqlitePool, now: DateTime<Utc>) -> Result<(), ApiError> {
        let mut tx = pool.begin().await?;
        let top: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM signing_keys")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET status = 'retired' WHERE status = 'active'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET status = 'active' WHERE status = 'next'")
            .execute(&mut *tx)
            .await?;
        let key = self.make_key(top.unwrap_or(0) + 1, "next", now);
        insert(&mut tx, &key).await?;
        tx.commit().await?;
        self.replace(load(pool).await.map_err(ApiError::internal)?);
        Ok(())
    }
}

async fn insert(tx: &mut sqlx::SqliteConnection, key: &Key) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (id, secret, status, created_at, position) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&key.id)
    .bind(signing::encode_secret_key(&key.signing))
    .bind(&key.status)
    .bind(&key.created_at)
    .bind(key.position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn load(pool: &SqlitePool) -> Result<Vec<Key>, PlatformError> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, secret, status, created_at, position FROM signing_keys ORDER BY position",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, secret, status, created_at, position)| {
            let signing = signing::decode_secret_key(&secret)
                .map_err(|e| PlatformError::Config(format!("stored signing key {id}: {e}")))?;
            Ok(Key {
                id,
                signing,
                status,
                created_at,
                position,
            })
        })
        .collect()
}
