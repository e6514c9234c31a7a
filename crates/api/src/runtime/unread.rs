//! Who follows the unread count (the tray icon's label).

use tokio::sync::watch;

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
