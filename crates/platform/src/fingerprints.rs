//! One token per card per cardholder. Linking a number the cardholder has already linked (on
//! this device or another) returns the card they have, so every device names it the same.
//! What recognises the number is a keyed fingerprint: HMAC-SHA-256 of the cardholder id and
//! the digits under a key the platform generates once and keeps in its database. The number
//! itself is never stored, and the fingerprint reveals nothing about it without the key (a
//! plain hash of 16 digits could be reversed by trying them all).

use crate::db::Pool;
use consentry_domain::CardNumber;
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;

use crate::error::PlatformError;

const NAME: &str = "card_fingerprint_key";

/// The key; cloned into the state once at start.
#[derive(Clone)]
pub struct FingerprintKey([u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

impl FingerprintKey {
    /// The key kept in `pool`, made on first start.
    pub async fn load_or_create(pool: &Pool) -> Result<Self, PlatformError> {
        let mut fresh = [0_u8; 32];
        rand::thread_rng().fill_bytes(&mut fresh);
        // Whoever inserts first wins; everyone then reads the same key.
        sqlx::query("INSERT INTO platform_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(NAME)
            .bind(&fresh[..])
            .execute(pool)
            .await?;
        let stored: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM platform_secrets WHERE name = $1")
                .bind(NAME)
                .fetch_one(pool)
                .await?;
        let key: [u8; 32] = stored
            .try_into()
            .map_err(|_| PlatformError::Config(format!("the stored {NAME} is not 32 bytes")))?;
        Ok(Self(key))
    }

    /// The fingerprint of `number` for `cardholder_id` (hex).
    pub fn of(&self, cardholder_id: &str, number: &CardNumber) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            // HMAC takes a key of any length; this cannot happen.
            return String::new();
        };
        mac.update(cardholder_id.as_bytes());
        mac.update(&[0]);
        mac.update(number.expose_digits().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_number_has_one_fingerprint_per_cardholder_and_key() {
        let key = FingerprintKey([7; 32]);
        let visa = CardNumber::parse("4242 4242 4242 4242").unwrap();
        let spaced = CardNumber::parse("4242424242424242").unwrap();
        let other = CardNumber::parse("4000 0566 5566 5556").unwrap();
        assert_eq!(key.of("ch_a", &visa), key.of("ch_a", &spaced));
        assert_ne!(key.of("ch_a", &visa), key.of("ch_b", &visa));
        assert_ne!(key.of("ch_a", &visa), key.of("ch_a", &other));
        assert_ne!(
            key.of("ch_a", &visa),
            FingerprintKey([8; 32]).of("ch_a", &visa)
        );
        assert!(!key.of("ch_a", &visa).contains("4242"));
        assert_eq!(format!("{key:?}"), "FingerprintKey(<redacted>)");
    }
}
