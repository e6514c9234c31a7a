//! Argon2id: turns a passphrase (plus a random salt) into the secret half of its key slot.

use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::vault::secrets::Passphrase;

/// Salt length in bytes.
pub const SALT_LEN: usize = 16;

/// Argon2id cost parameters. They are stored in the key file, so a wallet keeps the cost it was
/// created with and a later release can raise the default without locking anyone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// Upper bounds accepted when reading a key file, so a damaged or hostile file cannot make
    /// unlocking allocate gigabytes or spin for minutes.
    const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    const MAX_T_COST: u32 = 64;
    const MAX_P_COST: u32 = 16;

    /// Cheap parameters for tests only: never use them for a cardholder's wallet.
    pub const INSECURE_FOR_TESTS: Self = Self {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    };

    /// Why these parameters cannot be used (out of range, or refused by Argon2), if they cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        self.argon2().err()
    }

    fn argon2(&self) -> Result<Argon2<'static>, String> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB
            || self.t_cost > Self::MAX_T_COST
            || self.p_cost > Self::MAX_P_COST
        {
            return Err(format!("Argon2id parameters out of range: {self:?}"));
        }
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| format!("Argon2id parameters rejected: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane: about half a second on a laptop core, well above OWASP's floor.
    fn default() -> Self {
        Self {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
        }
    }
}

/// A fresh random salt.
pub(crate) fn new_salt() -> [u8; SALT_LEN] {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    salt
}

/// Derives the passphrase slot's X25519 secret. CPU- and memory-heavy: call it on a blocking
/// thread (see [`derive_secret_blocking`]).
pub(crate) fn derive_secret(
    passphrase: &Passphrase,
    salt: &[u8],
    params: &KdfParams,
) -> Result<StaticSecret, StoreError> {
    let mut out = Zeroizing::new([0u8; 32]);
    params
        .argon2()
        .map_err(|reason| StoreError::invalid("kdf", reason))?
        .hash_password_into(passphrase.expose(), salt, out.as_mut())
        .map_err(|e| StoreError::invalid("kdf", format!("Argon2id failed: {e}")))?;
    Ok(StaticSecret::from(*out))
}

/// [`derive_secret`] on tokio's blocking pool, so a half-second KDF never stalls the runtime.
pub(crate) async fn derive_secret_blocking(
    passphrase: &Passphrase,
    salt: Vec<u8>,
    params: KdfParams,
) -> Result<StaticSecret, StoreError> {
    let owned = passphrase.duplicate();
    tokio::task::spawn_blocking(move || derive_secret(&owned, &salt, &params))
        .await
        .map_err(|e| StoreError::Internal(format!("KDF task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use x25519_dalek::PublicKey;

    #[test]
    fn same_input_same_secret_different_salt_different_secret() {
        let p = Passphrase::new("correct horse".into());
        let params = KdfParams::INSECURE_FOR_TESTS;
        let salt = new_salt();
        let a = derive_secret(&p, &salt, &params).unwrap();
        let b = derive_secret(&p, &salt, &params).unwrap();
        assert_eq!(PublicKey::from(&a), PublicKey::from(&b));
        let c = derive_secret(&p, &new_salt(), &params).unwrap();
        assert_ne!(PublicKey::from(&a), PublicKey::from(&c));
    }

    #[test]
    fn absurd_parameters_are_refused() {
        let p = Passphrase::new("correct horse".into());
        let params = KdfParams {
            m_cost_kib: u32::MAX,
            t_cost: 1,
            p_cost: 1,
        };
        assert!(derive_secret(&p, &new_salt(), &params).is_err());
    }
}
