//! The long-lived services [`crate::Context`] owns for the app's lifetime, whatever wallet is
//! open: the syncer and the status it publishes, the unread count, the running export, this
//! device's identity. They depend on no feature module; feature modules use them through the
//! context.

pub(crate) mod device;
pub(crate) mod exports;
pub(crate) mod sync_hub;
pub(crate) mod unread;

/// Settings key: the language notifications and the backend's dialogs are phrased in
/// (`en`, `fr`).
pub const LOCALE_KEY: &str = "notifications.locale";
