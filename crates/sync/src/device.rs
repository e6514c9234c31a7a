//! This device's signing key and the cardholder's device chain (see
//! `consentry_domain::DeviceLink`):
//!
//! - the key is made once, kept in the encrypted wallet, and signs every consent change this
//!   device sends (`drain.rs`);
//! - the first device of a cardholder roots the chain; a later one posts its key with a proof
//!   of a pairing code that a device of the chain shows ([`Engine::start_pairing`]), and that
//!   device vouches for it ([`Engine::accept_pairings`]). The platform relays; it can make
//!   neither a link nor a proof;
//! - the chain's first device is pinned when this device first finds itself in the chain;
//!   a chain that starts elsewhere later is refused;
//! - a grant state another device or the platform reports is the cardholder's decision only
//!   with a change signed by a device of the chain that produced exactly that state
//!   ([`Engine::vouched`]); anything else is kept as a platform claim, never in the ledger.
//!   The platform may only restrict on its own: a grant it marks as needing re-consent (the
//!   app published new terms) or as expired.

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{
    encode_device_key, pairing_proof, pairing_receipt, proofs_match, ConsentStatement, DeviceChain,
    DeviceKey, DeviceLink, Grant, GrantStatus, SignedConsent, SigningError,
};
use consentry_store::{devices, platform_claims};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::engine::{Engine, PLATFORM_DEVICE};
use crate::error::SyncError;
use crate::state::PairingCode;
use crate::sync_state;

const DEVICE_KEY: &str = "sync.device_key";
const DEVICE_CHAIN: &str = "sync.device_chain";
/// The pairing code typed on this device, kept (encrypted) until it joined the chain.
const JOIN_CODE: &str = "sync.join_code";
/// Set once this device signed the grants it held before changes were signed.
const SIGNED_EXISTING: &str = "sync.signed_existing_grants";
/// How long a pairing code shown on this device is good for.
pub const PAIRING_CODE_LIFETIME: Duration = Duration::minutes(10);
/// Letters of a pairing code: no digits (nothing that looks like a number), no I or O.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_LETTERS: usize = 10;

/// The chain as this wallet last verified it, and the root it pinned.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredChain {
    cardholder_id: String,
    root: String,
    links: Vec<DeviceLink>,
}

/// A pairing code typed on this device, and when.
#[derive(Serialize, Deserialize)]
struct TypedCode {
    code: String,
    typed_at: DateTime<Utc>,
}

/// The seed as stored (base64 JSON in the encrypted settings, wiped after use).
#[derive(Serialize, Deserialize)]
struct StoredKey {
    seed: [u8; 32],
}

impl Drop for StoredKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
    }
}

impl Engine {
    /// This device's key, made and stored the first time.
    pub(crate) async fn ensure_device_key(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        if self.device.key.is_some() {
            return Ok(());
        }
        if let Some(stored) = sync_state::read::<StoredKey>(&self.pool, DEVICE_KEY).await? {
            self.device.key = Some(DeviceKey::from_seed(&stored.seed));
            return Ok(());
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill(&mut *seed);
        let stored = StoredKey { seed: *seed };
        sync_state::write(&self.pool, DEVICE_KEY, &stored, now).await?;
        self.device.key = Some(DeviceKey::from_seed(&seed));
        Ok(())
    }

    fn device_key(&self) -> Result<&DeviceKey, SyncError> {
        self.device
            .key
            .as_ref()
            .ok_or_else(|| SyncError::Internal("the device key was not loaded".into()))
    }

    /// Makes sure this device is in the cardholder's device chain: roots the chain when it is
    /// empty, verifies it against the pinned root otherwise. `NotPaired` when the chain exists
    /// without this device (after posting its pairing request, when a code was given).
    pub(crate) async fn ensure_in_chain(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        let enrollment = self.enrollment.clone().ok_or(SyncError::NotEnrolled)?;
        self.ensure_device_key(now).await?;
        let client = self.client()?;
        let public_key = self.device_key()?.public_key();
        let mut links = client.device_chain().await?;
        if links.is_empty() {
            let root = DeviceLink::root(
                &enrollment.cardholder_id,
                &enrollment.device_id,
                self.device_key()?,
                now,
            )?;
            links = client.add_device_link(&root).await?;
        }
        let ours = links
            .iter()
            .find(|l| l.device_id == enrollment.device_id)
            .map(|l| l.public_key == public_key);
        match ours {
            Some(true) => {}
            Some(false) => {
                return Err(SyncError::bad_response(
                    "the device chain holds another key for this device",
                ))
            }
            None => {
                self.device.paired = false;
                if let Some(typed) = self.typed_code().await? {
                    let proof = pairing_proof(
                        &typed.code,
                        &enrollment.cardholder_id,
                        &enrollment.device_id,
                        &public_key,
                    );
                    client.request_pairing(&public_key, &proof).await?;
                }
                return Err(SyncError::NotPaired);
            }
        }
        let stored = sync_state::read::<StoredChain>(&self.pool, DEVICE_CHAIN)
            .await?
            .filter(|s| s.cardholder_id == enrollment.cardholder_id);
        // Pinned when this device first found itself in the chain: its own root, or the root
        // the device that showed the pairing code named in its receipt.
        let root = match stored {
            Some(stored) => stored.root,
            None => {
                self.first_root(&enrollment.cardholder_id, &links, now)
                    .await?
            }
        };
        let chain = DeviceChain::verify_pinned(&links, &enrollment.cardholder_id, &root)?;
        sync_state::write(
            &self.pool,
            DEVICE_CHAIN,
            &StoredChain {
                cardholder_id: enrollment.cardholder_id.clone(),
                root,
                links,
            },
            now,
        )
        .await?;
        if !self.device.paired {
            // Newly paired: what other devices decided is now verifiable; read it all again.
            self.health.last_reconcile_at = None;
        }
        self.device.paired = true;
        sync_state::delete(&self.pool, JOIN_CODE).await?;
        self.device.chain = Some(chain);
        Ok(())
    }

    /// The root to pin the first time this device finds itself in `links`. A device that
    /// joined must hold a receipt of its pairing code over that root, so the chain is the
    /// one shown by the device where the cardholder read the code, not one the platform made.
    async fn first_root(
        &mut self,
        cardholder_id: &str,
        links: &[DeviceLink],
        now: DateTime<Utc>,
    ) -> Result<String, SyncError> {
        let device_id = self.enrollment.as_ref().map(|e| e.device_id.clone());
        let root = &links[0];
        if device_id.as_deref() == Some(root.device_id.as_str()) {
            return Ok(root.device_id.clone());
        }
        let ours = links
            .iter()
            .find(|l| Some(l.device_id.as_str()) == device_id.as_deref())
            .ok_or(SyncError::NotPaired)?;
        // A code is good for as long as the device that showed it keeps it: a receipt that
        // comes later is refused, which bounds the time anyone has to guess the code.
        let code = self
            .typed_code()
            .await?
            .filter(|typed| typed.typed_at + PAIRING_CODE_LIFETIME > now)
            .map(|typed| typed.code);
        let receipt_checks = code.is_some_and(|code| {
            let expected = pairing_receipt(
                &code,
                cardholder_id,
                &root.device_id,
                &root.public_key,
                &ours.device_id,
                &ours.public_key,
            );
            ours.pairing_receipt
                .as_deref()
                .is_some_and(|r| proofs_match(&expected, r))
        });
        if !receipt_checks {
            return Err(
                consentry_domain::SigningError::NoPairingReceipt(ours.device_id.clone()).into(),
            );
        }
        Ok(root.device_id.clone())
    }

    /// Remembers the code typed on this device until it joined (a restart in between keeps it).
    pub(crate) async fn set_join_code(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let typed = TypedCode {
            code: code.to_owned(),
            typed_at: now,
        };
        sync_state::write(&self.pool, JOIN_CODE, &typed, now).await
    }

    /// The pairing code typed on this device, until it joined the chain.
    async fn typed_code(&self) -> Result<Option<TypedCode>, SyncError> {
        sync_state::read::<TypedCode>(&self.pool, JOIN_CODE).await
    }

    /// [`Engine::ensure_in_chain`], skipped when this device is known to be in the chain.
    pub(crate) async fn ensure_paired(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        if self.device.paired && self.device.chain.is_some() {
            return Ok(());
        }
        self.ensure_in_chain(now).await
    }

    /// A new pairing code for another device of this cardholder to join with.
    pub(crate) fn start_pairing(&mut self, now: DateTime<Utc>) -> PairingCode {
        let mut rng = rand::rngs::OsRng;
        let letters: String = (0..CODE_LETTERS)
            .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
            .collect();
        let code = PairingCode {
            code: format!("{}-{}", &letters[..5], &letters[5..]),
            expires_at: now + PAIRING_CODE_LIFETIME,
        };
        self.device.pairing_codes.retain(|c| c.expires_at > now);
        self.device.pairing_codes.push(code.clone());
        code
    }

    /// Vouches for every waiting device that proved a pairing code this device shows (each
    /// code once). Returns how many devices joined.
    pub(crate) async fn accept_pairings(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        self.device.pairing_codes.retain(|c| c.expires_at > now);
        if self.device.pairing_codes.is_empty() || !self.device.paired {
            return Ok(0);
        }
        let enrollment = self.enrollment.clone().ok_or(SyncError::NotEnrolled)?;
        let client = self.client()?;
        let mut joined = 0;
        for request in client.pairings().await? {
            let matching = self.device.pairing_codes.iter().position(|c| {
                let expected = pairing_proof(
                    &c.code,
                    &enrollment.cardholder_id,
                    &request.device_id,
                    &request.public_key,
                );
                proofs_match(&expected, &request.proof)
            });
            let Some(index) = matching else {
                continue;
            };
            let chain = self
                .device
                .chain
                .as_ref()
                .ok_or_else(|| SyncError::Internal("paired without a verified chain".into()))?;
            let root_id = chain
                .root
                .clone()
                .ok_or_else(|| SyncError::Internal("a verified chain without a root".into()))?;
            let root_key = chain
                .keys
                .get(&root_id)
                .map(encode_device_key)
                .ok_or_else(|| SyncError::Internal("the chain's root has no key".into()))?;
            let mut link = DeviceLink::vouch(
                &enrollment.cardholder_id,
                &request.device_id,
                &request.public_key,
                &enrollment.device_id,
                self.device_key()?,
                now,
            )?;
            link.pairing_receipt = Some(pairing_receipt(
                &self.device.pairing_codes[index].code,
                &enrollment.cardholder_id,
                &root_id,
                &root_key,
                &request.device_id,
                &request.public_key,
            ));
            client.add_device_link(&link).await?;
            self.device.pairing_codes.remove(index);
            joined += 1;
        }
        if joined > 0 {
            self.ensure_in_chain(now).await?;
        }
        Ok(joined)
    }

    /// Signs a change this device sends.
    pub(crate) fn sign(&self, statement: ConsentStatement) -> Result<SignedConsent, SyncError> {
        Ok(statement.sign(self.device_key()?)?)
    }

    /// Whether `grant`, reported by the platform, is the cardholder's decision: `Ok(device)`
    /// with the device that made it (or [`PLATFORM_DEVICE`] for the restrictions the platform
    /// may make itself), `Err(reason)` when it is only the platform's claim.
    pub(crate) async fn vouched(
        &mut self,
        grant: &Grant,
        signed: Option<&SignedConsent>,
        now: DateTime<Utc>,
    ) -> Result<String, String> {
        if matches!(
            grant.status_at(now),
            GrantStatus::NeedsReconsent | GrantStatus::Expired
        ) {
            return Ok(PLATFORM_DEVICE.to_owned());
        }
        let Some(signed) = signed else {
            return Err("unsigned: no device of the cardholder signed this change".to_owned());
        };
        if !signed.statement.produced(grant) {
            return Err("mismatch: the signed change does not produce this state".to_owned());
        }
        let mut verdict = self.verify_signed(signed);
        if matches!(verdict, Err(SigningError::UnknownDevice(_))) {
            // A device that joined since the chain was last read.
            if self.ensure_in_chain(now).await.is_ok() {
                verdict = self.verify_signed(signed);
            }
        }
        if let Err(e) = verdict {
            return Err(format!("bad_signature: {e}"));
        }
        // A device the cardholder removed speaks for them no longer.
        let author = &signed.statement.device_id;
        match devices::removed_at(&self.pool, author).await {
            Ok(Some(removed)) if signed.statement.at >= removed => Err(format!(
                "removed_device: device {author} was removed before it signed this change"
            )),
            Ok(_) => Ok(author.clone()),
            Err(e) => Err(format!("unreadable device list: {e}")),
        }
    }

    fn verify_signed(&self, signed: &SignedConsent) -> Result<(), SigningError> {
        match &self.device.chain {
            Some(chain) => signed.verify(&chain.keys),
            None => Err(SigningError::UnknownDevice(
                signed.statement.device_id.clone(),
            )),
        }
    }

    /// Keeps `grant` as the platform's claim (not a cardholder decision).
    pub(crate) async fn claim(
        &mut self,
        grant: &Grant,
        reason: &str,
        event_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        tracing::warn!(grant = %grant.id, reason, "a grant state the platform reported is only its claim");
        if platform_claims::put(&self.pool, grant, reason, event_id, now).await? {
            self.health.counters.platform_claims += 1;
        }
        Ok(())
    }

    /// Once, after this device joined the chain: every grant it holds active is granted again
    /// (same details, a recorded ledger entry), so the platform holds a signed change for it
    /// and other devices can verify it.
    pub(crate) async fn sign_existing_grants(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<u64, SyncError> {
        if !self.device.paired || self.device.existing_signed {
            return Ok(0);
        }
        if sync_state::read::<bool>(&self.pool, SIGNED_EXISTING)
            .await?
            .is_some()
        {
            self.device.existing_signed = true;
            return Ok(0);
        }
        let mut signed = 0;
        for grant in consentry_store::grants::list(&self.pool).await? {
            if grant.status_at(now) != GrantStatus::Active || self.known_version(&grant.id) == 0 {
                continue;
            }
            let terms_hash = self
                .terms_hash(&grant.app_id, grant.terms_version, now)
                .await?;
            let next = grant
                .regrant(grant.id.clone(), grant.details(), grant.terms_version, now)
                .map_err(|e| SyncError::Internal(e.to_string()))?;
            let change = consentry_domain::ConsentChange::recording(
                consentry_domain::ConsentAction::Grant,
                &next,
                self.config.local_device_id.clone(),
                terms_hash,
            );
            consentry_store::ledger::record(
                &self.pool,
                change,
                Some(&next),
                consentry_store::ledger::ChangeOrigin::Local,
                now,
            )
            .await?;
            signed += 1;
        }
        sync_state::write(&self.pool, SIGNED_EXISTING, &true, now).await?;
        self.device.existing_signed = true;
        Ok(signed)
    }
}

/// The consent proof of the wallet behind `pool`: its device chain as last verified and every
/// signed change it holds (`consentry export-consent`).
pub async fn consent_proof(
    pool: &sqlx::SqlitePool,
) -> Result<consentry_domain::ConsentProof, SyncError> {
    let enrollment = crate::enrollment::load(pool)
        .await?
        .ok_or(SyncError::NotEnrolled)?;
    let chain = sync_state::read::<StoredChain>(pool, DEVICE_CHAIN)
        .await?
        .filter(|c| c.cardholder_id == enrollment.cardholder_id)
        .map(|c| c.links)
        .unwrap_or_default();
    Ok(consentry_domain::ConsentProof {
        format: consentry_domain::CONSENT_PROOF_FORMAT.to_owned(),
        cardholder_id: enrollment.cardholder_id,
        device_chain: chain,
        changes: consentry_store::signed_changes::all(pool).await?,
    })
}
