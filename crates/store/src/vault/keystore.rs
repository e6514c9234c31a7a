//! Where the raw database key lives between sessions: the OS keyring (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows).
//!
//! Every keyring call runs on a blocking thread under a timeout: on a desktop without an
//! unlocked keyring a call can wait forever on an unlock prompt nobody sees. A call that times
//! out returns [`KeyStoreError::Timeout`]; its thread is left to finish or hang on its own.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::vault::key::DbKey;

/// The keyring service name under which every wallet key is stored.
pub const KEYRING_SERVICE: &str = "consentry";

/// How long one keyring call may take before it is reported as hung.
pub const DEFAULT_KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the key store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// The call did not finish in time (typically an unlock prompt waiting for the user).
    #[error("the keyring did not answer within {} s ({operation}); is it locked?", .after.as_secs())]
    Timeout {
        /// `load`, `save` or `delete`.
        operation: &'static str,
        /// The timeout that passed.
        after: Duration,
    },
    /// The keyring exists but refused access (locked, or access denied).
    #[error("the keyring refused access: {0}")]
    NoAccess(String),
    /// The keyring failed (no Secret Service running, D-Bus error, …).
    #[error("the keyring failed: {0}")]
    Platform(String),
    /// The entry exists but does not hold a database key.
    #[error("the keyring entry for this wallet is not a database key")]
    Malformed,
}

/// A boxed future, so [`KeyStore`] can be used as `&dyn KeyStore`.
pub type KeyStoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, KeyStoreError>> + Send + 'a>>;

/// A place that keeps database keys by account name (the wallet id, or `<id>.next` during a
/// rotation).
pub trait KeyStore: Send + Sync {
    /// The key for `account`, or `None` when there is no entry.
    fn load<'a>(&'a self, account: &'a str) -> KeyStoreFuture<'a, Option<DbKey>>;
    /// Stores (or replaces) the key for `account`.
    fn save<'a>(&'a self, account: &'a str, key: &'a DbKey) -> KeyStoreFuture<'a, ()>;
    /// Deletes the entry for `account`; deleting a missing entry is not an error.
    fn delete<'a>(&'a self, account: &'a str) -> KeyStoreFuture<'a, ()>;
}

/// The OS keyring, through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
    timeout: Duration,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyringStore {
    /// Service `consentry`, 5-second timeout per call.
    pub fn new() -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
            timeout: DEFAULT_KEYRING_TIMEOUT,
        }
    }

    /// The same store with another timeout per call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    async fn call<T, F>(
        &self,
        operation: &'static str,
        account: &str,
        f: F,
    ) -> Result<T, KeyStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    {
        let service = self.service.clone();
        let account = account.to_owned();
        let task = tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&service, &account).map_err(map_error)?;
            f(&entry).map_err(map_error)
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(KeyStoreError::Timeout {
                operation,
                after: self.timeout,
            }),
            Ok(Err(join)) => Err(KeyStoreError::Platform(format!(
                "keyring task failed: {join}"
            ))),
            Ok(Ok(result)) => result,
        }
    }
}

fn map_error(error: keyring::Error) -> KeyStoreError {
    match error {
        keyring::Error::NoStorageAccess(e) => KeyStoreError::NoAccess(e.to_string()),
        keyring::Error::BadEncoding(_) => KeyStoreError::Malformed,
        other => KeyStoreError::Platform(other.to_string()),
    }
}

impl KeyStore for KeyringStore {
    fn load<'a>(&'a self, account: &'a str) -> KeyStoreFuture<'a, Option<DbKey>> {
        Box::pin(async move {
            let stored = self
                .call("load", account, |entry| match entry.get_password() {
                    Ok(text) => Ok(Some(Zeroizing::new(text))),
                    Err(keyring::Error::NoEntry) => Ok(None),
                    Err(e) => Err(e),
                })
                .await?;
            match stored {
                None => Ok(None),
                Some(text) => DbKey::from_hex(&text)
                    .map(Some)
                    .ok_or(KeyStoreError::Malformed),
            }
        })
    }

    fn save<'a>(&'a self, account: &'a str, key: &'a DbKey) -> KeyStoreFuture<'a, ()> {
        Box::pin(async move {
            let hex = key.to_hex_upper();
            self.call("save", account, move |entry| entry.set_password(&hex))
                .await
        })
    }

    fn delete<'a>(&'a self, account: &'a str) -> KeyStoreFuture<'a, ()> {
        Box::pin(async move {
            self.call("delete", account, |entry| match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            })
            .await
        })
    }
}
