//! `wallet.keys.json`: the public half of the wallet's key management, stored beside the
//! database. It holds the wallet id, the Argon2id parameters and salt, the database key sealed
//! to the passphrase and the recovery key, and a check value per key generation. Nothing in it
//! opens the database without a secret the cardholder holds.
//!
//! During a key rotation it holds two generations (`current` and `next`); see `rekey.rs`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::error::{KeyFileProblem, StoreError};
use crate::vault::key::DbKey;
use crate::vault::passphrase::KdfParams;
use crate::vault::seal::{self, SealedKey};
use crate::vault::secrets::RecoveryKey;
use crate::vault::wallet_id::WalletId;

/// The key file format this build writes and reads.
pub const KEY_FILE_FORMAT: u32 = 1;

/// The whole key file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    pub format: u32,
    pub wallet_id: WalletId,
    pub created_at: DateTime<Utc>,
    /// Whether the database key is (also) kept in the OS keyring.
    pub keyring: bool,
    pub recovery: RecoveryRecipient,
    pub passphrase: Option<PassphraseRecipient>,
    pub current: Generation,
    /// Present only while a key rotation is in flight (or was interrupted).
    pub next: Option<Generation>,
    /// The recovery key `next` is sealed to, when the rotation also replaces the recovery
    /// key: it becomes `recovery` when `next` becomes `current`, and goes when `next` goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_recovery: Option<RecoveryRecipient>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecoveryRecipient {
    pub public_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PassphraseRecipient {
    /// Always `argon2id` (version 0x13) in format 1.
    pub kdf: String,
    pub params: KdfParams,
    pub salt: String,
    pub public_key: String,
}

/// One database key generation: its check value and its sealed copies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Generation {
    pub number: u32,
    pub key_check: String,
    pub recovery: SealedKey,
    pub passphrase: Option<SealedKey>,
}

/// Which secret opens a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Recovery,
    Passphrase,
}

impl Slot {
    fn name(self) -> &'static str {
        match self {
            Slot::Recovery => "recovery",
            Slot::Passphrase => "passphrase",
        }
    }
}

fn context(wallet: &WalletId, slot: Slot, generation: u32) -> Vec<u8> {
    format!("consentry.keyslot.v1|{wallet}|{}|{generation}", slot.name()).into_bytes()
}

/// Seals `key` as generation `number` for the recovery key and, if set, the passphrase.
pub(crate) fn seal_generation(
    wallet_id: &WalletId,
    recovery: &RecoveryRecipient,
    passphrase: Option<&PassphraseRecipient>,
    key: &DbKey,
    number: u32,
) -> Result<Generation, StoreError> {
    let public = |text: &str| seal::decode_public(text).map_err(StoreError::Internal);
    let recovery_public = public(&recovery.public_key)?;
    let recovery = seal::seal(
        key,
        &recovery_public,
        &context(wallet_id, Slot::Recovery, number),
    )?;
    let passphrase = match passphrase {
        Some(p) => Some(seal::seal(
            key,
            &public(&p.public_key)?,
            &context(wallet_id, Slot::Passphrase, number),
        )?),
        None => None,
    };
    Ok(Generation {
        number,
        key_check: key.check_value(wallet_id),
        recovery,
        passphrase,
    })
}

impl RecoveryRecipient {
    /// The recipient that `key` opens.
    pub(crate) fn of(key: &RecoveryKey) -> Self {
        let secret = StaticSecret::from(*key.expose_bytes());
        Self {
            public_key: seal::encode_public(&PublicKey::from(&secret)),
        }
    }
}

impl PassphraseRecipient {
    pub(crate) fn new(params: KdfParams, salt: &[u8], secret: &StaticSecret) -> Self {
        Self {
            kdf: "argon2id".into(),
            params,
            salt: B64.encode(salt),
            public_key: seal::encode_public(&PublicKey::from(secret)),
        }
    }

    /// The salt; the error says what is wrong with the recipient (checked when the key file
    /// is read, so a file that was read never fails here).
    pub(crate) fn salt_bytes(&self) -> Result<Vec<u8>, String> {
        if self.kdf != "argon2id" {
            return Err(format!("unknown passphrase KDF {:?}", self.kdf));
        }
        B64.decode(&self.salt)
            .map_err(|_| "the passphrase salt is not base64".to_owned())
    }

    fn problem(&self) -> Option<String> {
        self.salt_bytes()
            .err()
            .or_else(|| self.params.problem())
            .or_else(|| seal::decode_public(&self.public_key).err())
    }
}

impl KeyFile {
    /// Seals `key` as generation `number` for every recipient this file names.
    pub(crate) fn seal_generation(
        &self,
        key: &DbKey,
        number: u32,
    ) -> Result<Generation, StoreError> {
        seal_generation(
            &self.wallet_id,
            &self.recovery,
            self.passphrase.as_ref(),
            key,
            number,
        )
    }

    /// Makes the `next` generation `current` (and its recovery recipient, if it has its own).
    pub(crate) fn promote_next(&mut self) {
        if let Some(next) = self.next.take() {
            self.current = next;
            if let Some(recovery) = self.next_recovery.take() {
                self.recovery = recovery;
            }
        }
    }

    /// Drops an interrupted rotation's `next` generation.
    pub(crate) fn discard_next(&mut self) {
        self.next = None;
        self.next_recovery = None;
    }

    /// Opens the `slot` of a generation with `secret`: `None` when the secret does not fit.
    pub(crate) fn open_slot(
        &self,
        generation: &Generation,
        slot: Slot,
        secret: &StaticSecret,
    ) -> Result<Option<DbKey>, StoreError> {
        let sealed = match slot {
            Slot::Recovery => Some(&generation.recovery),
            Slot::Passphrase => generation.passphrase.as_ref(),
        };
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let key = seal::open(
            sealed,
            secret,
            &context(&self.wallet_id, slot, generation.number),
        )?;
        // A slot that opens but does not match its generation's check is damage, not a key.
        Ok(key.filter(|k| k.check_value(&self.wallet_id) == generation.key_check))
    }

    /// The generations a key could belong to: current first, then next.
    pub(crate) fn generations(&self) -> impl Iterator<Item = &Generation> {
        std::iter::once(&self.current).chain(self.next.iter())
    }

    /// Whether `key` is the key of one of this file's generations.
    pub(crate) fn knows(&self, key: &DbKey) -> bool {
        let check = key.check_value(&self.wallet_id);
        self.generations().any(|g| g.key_check == check)
    }

    /// Reads the key file; `Ok(None)` when there is none. Every field is checked here, so a
    /// damaged file is reported once, naming it, rather than deep inside an unlock.
    pub(crate) fn read(path: &Path) -> Result<Option<Self>, StoreError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io("reading the key file", path, e)),
        };
        let damaged =
            |reason: String| StoreError::key_file(path, KeyFileProblem::Malformed(reason));
        // The format is looked at first, so a newer file says so instead of "damaged".
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        let format = json
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| damaged("`format` is not a number".into()))?;
        if format != u64::from(KEY_FILE_FORMAT) {
            return Err(StoreError::key_file(
                path,
                KeyFileProblem::UnsupportedFormat {
                    found: u32::try_from(format).unwrap_or(u32::MAX),
                    supported: KEY_FILE_FORMAT,
                },
            ));
        }
        let file: Self = serde_json::from_value(json).map_err(|e| damaged(e.to_string()))?;
        if let Some(reason) = file.problem() {
            return Err(damaged(reason));
        }
        Ok(Some(file))
    }

    /// Reads the key file, which must be there.
    pub(crate) fn read_required(path: &Path) -> Result<Self, StoreError> {
        Self::read(path)?.ok_or_else(|| StoreError::key_file(path, KeyFileProblem::Missing))
    }

    /// What makes this file unusable, if anything: a public key, salt, KDF parameter or
    /// sealed slot that does not decode.
    fn problem(&self) -> Option<String> {
        let recipients = std::iter::once(&self.recovery).chain(self.next_recovery.iter());
        recipients
            .filter_map(|r| seal::decode_public(&r.public_key).err())
            .chain(
                self.passphrase
                    .as_ref()
                    .and_then(PassphraseRecipient::problem),
            )
            .chain(self.generations().flat_map(|g| {
                std::iter::once(&g.recovery)
                    .chain(g.passphrase.as_ref())
                    .filter_map(|sealed| sealed.parts().err())
            }))
            .next()
    }

    /// Replaces the key file atomically: write a temporary file, fsync it, rename it over the
    /// old one, fsync the directory. A crash leaves either the old or the new file, whole.
    pub(crate) fn write_atomic(&self, path: &Path) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| StoreError::Internal(format!("encoding the key file: {e}")))?;
        write_atomic(path, &bytes)
    }
}

/// Atomic replace of a small file (see [`KeyFile::write_atomic`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |what: &'static str| move |e| StoreError::io(what, path, e);
    let tmp = path.with_extension("json.tmp");
    {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .map_err(io("creating the new key file"))?;
        file.write_all(bytes)
            .map_err(io("writing the new key file"))?;
        file.sync_all().map_err(io("syncing the new key file"))?;
    }
    fs::rename(&tmp, path).map_err(io("replacing the key file"))?;
    sync_dir(path)
}

/// Makes a file readable and writable by its owner only (Unix; elsewhere the per-user data
/// folder already restricts it).
pub(crate) fn owner_only(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::io("restricting the permissions of", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Makes a folder (the wallet's, its backups') open to its owner only (Unix).
pub(crate) fn owner_only_dir(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(|e| StoreError::io("restricting the permissions of", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// fsyncs the directory holding `path`, so a rename or a new file survives a power cut.
pub(crate) fn sync_dir(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        // Directories cannot be opened for syncing on every platform; where they can, do it.
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    Ok(())
}
