//! The platform's event-signing keys, their rotation and their endorsements.
//!
//! At any time there is one `active` key (it signs every delivery) and one `next` key,
//! published ahead of time so that clients already trust it when it becomes active. On
//! rotation: active → retired, next → active, a fresh next is made.
//!
//! **Dual signatures during the overlap.** A key retired less than the overlap ago
//! ([`DEFAULT_OVERLAP`], configurable) still signs every delivery next to the active key:
//! the `webhook-signature` header holds the active key's `v1a` signature first, then each
//! co-signing retired key's, newest first, space-separated as Standard Webhooks allows. A
//! client that trusts only the old key, or only the new one, verifies either way; after the
//! overlap only the active key signs. Co-signing keys are published with their
//! `signs_until`, and the most recently retired key stays published after its overlap.
//!
//! Every key after the first is endorsed by the key made just before it (the active key
//! when it is made): a signature over [`signing::endorsement_content`]. A wallet accepts a
//! new key only when a key it already trusts endorsed it, so the platform alone cannot
//! slip in a key of someone else's.

use std::sync::RwLock;

use crate::db::{self, Backend, Conn, Pool};
use chrono::{DateTime, Utc};
use consentry_wire::{Endorsement, PublicKey};
use ed25519_dalek::SigningKey;
use rand::rngs::{OsRng, StdRng};
use rand::SeedableRng as _;
use sha2::{Digest, Sha256};

use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::{ApiError, PlatformError};
use crate::ids::nibble_letters;
use crate::signing;

/// How long a retired key keeps co-signing deliveries after a rotation.
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

#[derive(Clone)]
struct Key {
    id: String,
    signing: SigningKey,
    status: String,
    created_at: DateTime<Utc>,
    position: i64,
    endorsement: Option<Endorsement>,
    /// When a rotation retired it; `None` for keys retired before overlaps existed (they
    /// never co-sign), and for keys not retired.
    retired_at: Option<DateTime<Utc>>,
}

impl Key {
    /// The published `whpk_<base64>` text, which endorsements sign.
    fn public_text(&self) -> String {
        signing::encode_public_key(&self.signing.verifying_key())
    }

    /// Until when this key co-signs, if it is a retired key within the overlap at `now`.
    fn signs_until(&self, overlap: chrono::Duration, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let until = self.retired_at? + overlap;
        (self.status == "retired" && until > now).then_some(until)
    }

    /// This key's endorsement of `key`.
    fn endorse(&self, key: &Key) -> Endorsement {
        Endorsement {
            signed_by: self.id.clone(),
            signature: signing::endorse(&self.signing, &key.id, &key.public_text()),
        }
    }
}

/// The keys, cached in memory (signing happens on every feed read) and persisted.
pub struct KeyRing {
    keys: RwLock<Vec<Key>>,
    seed: Option<u64>,
    overlap: chrono::Duration,
}

impl KeyRing {
    /// Loads the stored keys, or makes an active and a next key on first start. Keys
    /// stored without an endorsement get one here.
    pub async fn load_or_create(
        pool: &Pool,
        seed: Option<u64>,
        overlap: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<KeyRing, PlatformError> {
        let ring = KeyRing {
            keys: RwLock::new(Vec::new()),
            seed,
            overlap: chrono::Duration::from_std(overlap)
                .map_err(|e| PlatformError::Config(format!("key overlap: {e}")))?,
        };
        // Under the platform lock: two processes starting on one empty PostgreSQL database
        // make the first keys once.
        let mut tx = db::begin_exclusive(pool).await?;
        if load_from(&mut tx).await?.is_empty() {
            let first = ring.make_key(0, "active", now, None);
            let second = ring.make_key(1, "next", now, Some(&first));
            insert(&mut tx, &first).await?;
            insert(&mut tx, &second).await?;
        }
        tx.commit().await?;
        endorse_unendorsed(pool).await?;
        ring.replace(load(pool).await?);
        Ok(ring)
    }

    fn make_key(
        &self,
        position: i64,
        status: &str,
        now: DateTime<Utc>,
        endorser: Option<&Key>,
    ) -> Key {
        let signing = match self.seed {
            Some(seed) => {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(position.unsigned_abs()));
                SigningKey::generate(&mut rng)
            }
            None => SigningKey::generate(&mut OsRng),
        };
        let digest = Sha256::digest(signing.verifying_key().as_bytes());
        let mut key = Key {
            // Letters, not hex: a key id never holds a digit run a wallet could take for a
            // card number.
            id: format!("key_{}", nibble_letters(&digest[..8])),
            signing,
            status: status.to_owned(),
            created_at: now,
            position,
            endorsement: None,
            retired_at: None,
        };
        key.endorsement = endorser.map(|e| e.endorse(&key));
        key
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

    /// The keys that sign a delivery at `now`, in header order: the active key, then each
    /// retired key still within its overlap, newest first. Empty when there is no active key.
    pub fn signers(&self, now: DateTime<Utc>) -> Vec<SigningKey> {
        let keys = self.snapshot();
        let Some(active) = keys.iter().find(|k| k.status == "active") else {
            return Vec::new();
        };
        let mut signers = vec![active.signing.clone()];
        signers.extend(
            keys.iter()
                .rev()
                .filter(|k| k.signs_until(self.overlap, now).is_some())
                .map(|k| k.signing.clone()),
        );
        signers
    }

    /// The keys clients should trust: active, next, every retired key still co-signing and
    /// the last retired one.
    pub fn published(&self, now: DateTime<Utc>) -> Vec<PublicKey> {
        let keys = self.snapshot();
        let last_retired = keys
            .iter()
            .filter(|k| k.status == "retired")
            .map(|k| k.position)
            .max();
        keys.iter()
            .filter(|k| {
                k.status != "retired"
                    || Some(k.position) == last_retired
                    || k.signs_until(self.overlap, now).is_some()
            })
            .map(|k| PublicKey {
                key_id: k.id.clone(),
                algorithm: "ed25519".into(),
                scheme: signing::SCHEME.into(),
                public_key: k.public_text(),
                status: k.status.clone(),
                created_at: k.created_at,
                endorsement: k.endorsement.clone(),
                signs_until: k.signs_until(self.overlap, now),
            })
            .collect()
    }

    /// Rotates: active → retired, next → active, and a new next key, endorsed by the new
    /// active key.
    pub async fn rotate(&self, pool: &Pool, now: DateTime<Utc>) -> Result<(), ApiError> {
        let mut tx = db::begin_exclusive(pool).await?;
        sqlx::query(
            "UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'",
        )
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE signing_keys SET status = 'active' WHERE status = 'next'")
            .execute(&mut *tx)
            .await?;
        let stored = load_from(&mut tx).await.map_err(ApiError::internal)?;
        // The newest key is the one just made active: it endorses its successor.
        let newest = stored
            .last()
            .ok_or_else(|| ApiError::internal("no signing key to rotate"))?;
        if newest.status != "active" {
            return Err(ApiError::internal(
                "the newest signing key is not the one that became active",
            ));
        }
        let key = self.make_key(newest.position + 1, "next", now, Some(newest));
        insert(&mut tx, &key).await.map_err(ApiError::internal)?;
        tx.commit().await?;
        self.replace(load(pool).await.map_err(ApiError::internal)?);
        Ok(())
    }

    /// [`KeyRing::refresh_on`] a connection of the pool (taken only when other processes
    /// share the database).
    pub async fn refresh(&self, pool: &Pool) -> Result<(), ApiError> {
        if Backend::of_pool(pool) != Backend::Postgres {
            return Ok(());
        }
        self.refresh_on(&mut *pool.acquire().await?).await
    }

    /// Before the keys sign or are published: when other processes share the database, the
    /// ones they stored since (a rotation makes a new key, so the newest position tells),
    /// read at once, so that a client that saw a rotation answered by one process never gets
    /// the old keys from another.
    ///
    /// On the caller's connection (or transaction): a second one from the pool while it holds
    /// one could wait forever on a busy pool. [`KeyRing::refresh`] when it holds none.
    pub async fn refresh_on(&self, conn: &mut Conn) -> Result<(), ApiError> {
        if Backend::of(conn) != Backend::Postgres {
            return Ok(());
        }
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM signing_keys")
            .fetch_one(&mut *conn)
            .await?;
        if newest != self.snapshot().last().map(|k| k.position) {
            self.replace(load_from(conn).await.map_err(ApiError::internal)?);
        }
        Ok(())
    }
}

async fn insert(conn: &mut Conn, key: &Key) -> Result<(), PlatformError> {
    let endorsement = key
        .endorsement
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| PlatformError::Config(format!("endorsement of key {}: {e}", key.id)))?;
    sqlx::query(
        "INSERT INTO signing_keys (id, secret, status, created_at, position, endorsement)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.id)
    .bind(signing::encode_secret_key(&key.signing))
    .bind(&key.status)
    .bind(rfc3339(key.created_at))
    .bind(key.position)
    .bind(endorsement)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives every stored key after the first that has no endorsement one by the key stored
/// before it (the platform holds every secret), and checks the stored ones: a key whose
/// endorsement does not verify is never published.
async fn endorse_unendorsed(pool: &Pool) -> Result<(), PlatformError> {
    let mut tx = db::begin_exclusive(pool).await?;
    let keys = load_from(&mut tx).await?;
    for pair in keys.windows(2) {
        let [before, key] = pair else { continue };
        match &key.endorsement {
            Some(endorsement) => {
                let valid = endorsement.signed_by == before.id
                    && signing::verify_endorsement(
                        &before.signing.verifying_key(),
                        &key.id,
                        &key.public_text(),
                        &endorsement.signature,
                    );
                if !valid {
                    return Err(PlatformError::Config(format!(
                        "the stored endorsement of signing key {} is not {}'s signature",
                        key.id, before.id
                    )));
                }
            }
            None => {
                let endorsement = serde_json::to_string(&before.endorse(key)).map_err(|e| {
                    PlatformError::Config(format!("endorsement of key {}: {e}", key.id))
                })?;
                sqlx::query(
                    "UPDATE signing_keys SET endorsement = $1 WHERE id = $2 AND endorsement IS NULL",
                )
                .bind(endorsement)
                .bind(&key.id)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn load(pool: &Pool) -> Result<Vec<Key>, PlatformError> {
    let mut conn = pool.acquire().await?;
    load_from(&mut conn).await
}

/// Every stored key, in creation order.
async fn load_from(conn: &mut Conn) -> Result<Vec<Key>, PlatformError> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, secret, status, created_at, position, endorsement, retired_at
         FROM signing_keys ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(id, secret, status, created_at, position, endorsement, retired_at)| {
                let signing = signing::decode_secret_key(&secret)
                    .map_err(|e| PlatformError::Config(format!("stored signing key {id}: {e}")))?;
                let endorsement = endorsement
                    .map(|text| serde_json::from_str::<Endorsement>(&text))
                    .transpose()
                    .map_err(|e| {
                        PlatformError::Config(format!(
                            "stored endorsement of signing key {id}: {e}"
                        ))
                    })?;
                let created_at = parse_rfc3339(&created_at).ok_or_else(|| {
                    PlatformError::Config(format!("stored signing key {id}: bad created_at"))
                })?;
                let retired_at = retired_at
                    .map(|text| {
                        parse_rfc3339(&text).ok_or_else(|| {
                            PlatformError::Config(format!(
                                "stored signing key {id}: bad retired_at"
                            ))
                        })
                    })
                    .transpose()?;
                Ok(Key {
                    id,
                    signing,
                    status,
                    created_at,
                    position,
                    endorsement,
                    retired_at,
                })
            },
        )
        .collect()
}
