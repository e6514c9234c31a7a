//! The shared state every handler receives: the database pool, signing keys, faults,
//! clock, and the signals that wake long-polls and the settler.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::db::{self, Backend, Channel, Pool};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::faults::Faults;
use crate::fingerprints::FingerprintKey;
use crate::keys::KeyRing;

/// Cheap to clone; the pool is already synchronized, nothing here needs a lock around it.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Pool,
    pub keys: KeyRing,
    /// Recognises a card number already linked by the same cardholder.
    pub fingerprints: FingerprintKey,
    /// Shared with the fault-injection middleware, which needs nothing else.
    pub faults: Arc<Faults>,
    pub clock: Clock,
    pub max_wait: Duration,
    admin_token_hash: Option<[u8; 32]>,
    /// Bumped after every committed batch of events; long-polls wait on it.
    feed: watch::Sender<u64>,
    /// Poked when a transaction gets a settlement date.
    pub settler: Notify,
    /// Becomes `true` when the platform shuts down.
    pub shutdown: watch::Receiver<bool>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct StateParts {
    pub db: Pool,
    pub keys: KeyRing,
    pub fingerprints: FingerprintKey,
    pub faults: Faults,
    pub max_wait: Duration,
    pub admin_token: Option<String>,
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    pub fn new(parts: StateParts) -> AppState {
        let (feed, _) = watch::channel(0);
        AppState(Arc::new(Shared {
            db: parts.db,
            keys: parts.keys,
            fingerprints: parts.fingerprints,
            faults: Arc::new(parts.faults),
            clock: Clock::default(),
            max_wait: parts.max_wait,
            admin_token_hash: parts
                .admin_token
                .map(|t| Sha256::digest(t.as_bytes()).into()),
            feed,
            settler: Notify::new(),
            shutdown: parts.shutdown,
        }))
    }
}

impl Shared {
    /// Wakes every long-poll after new events were committed: this process's, and on
    /// PostgreSQL every other process's on the database (one `NOTIFY` per commit).
    pub fn feed_changed(&self) {
        self.wake_local_feed();
        self.tell_others(Channel::Feed, String::new());
    }

    /// Wakes this process's long-polls only (another process committed events).
    pub fn wake_local_feed(&self) {
        self.feed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// On PostgreSQL, tells the other platform processes on the database that `channel`
    /// changed, in the background (the caller's work is committed and answered already);
    /// nothing on SQLite, where this is the one process.
    pub fn tell_others(&self, channel: Channel, payload: String) {
        if Backend::of_pool(&self.db) != Backend::Postgres {
            return;
        }
        let pool = self.db.clone();
        tokio::spawn(async move {
            if let Err(error) = db::notify(&pool, channel, &payload).await {
                tracing::warn!(%error, channel = channel.name(), "could not tell the other platform processes");
            }
        });
    }

    pub fn subscribe_feed(&self) -> watch::Receiver<u64> {
        self.feed.subscribe()
    }

    /// `None` when admin access is disabled; else whether `token` is the admin token.
    /// Compared as hashes, so the comparison time does not depend on the secret.
    pub fn is_admin_token(&self, token: &str) -> Option<bool> {
        let expected = self.admin_token_hash?;
        let given: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        Some(given == expected)
    }
}
