//! Who follows the unread count (the tray icon's label).

use consentry_store::{arrivals, settings, StoreError};
use sqlx::SqlitePool;
use tokio::sync::watch;

/// Settings key: the `seq` of the newest event when Activity was last opened.
pub const SEEN_KEY: &str = "activity.seen_seq";

/// Who follows the unread count (the tray). `None` while the wallet is locked.
#[derive(Debug)]
pub(crate) struct UnreadHub {
    sender: watch::Sender<Option<u64>>,
}

impl Default for UnreadHub {
    fn default() -> Self {
        Self {
            sender: watch::channel(None).0,
        }
    }
}

impl UnreadHub {
    pub(crate) fn subscribe(&self) -> watch::Receiver<Option<u64>> {
        self.sender.subscribe()
    }

    pub(crate) fn publish(&self, count: Option<u64>) {
        self.sender.send_if_modified(|current| {
            let changed = *current != count;
            *current = count;
            changed
        });
    }
}

/// The unread count stops here: past it the tray says "1,000+ new".
pub const UNREAD_CAP: u32 = 1000;

/// Events received since Activity was last opened, at most [`UNREAD_CAP`].
pub(crate) async fn count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let seen = settings::get_i64(pool, SEEN_KEY).await?.unwrap_or(0);
    arrivals::count_after(pool, seen, UNREAD_CAP).await
}
