//! The wallet's open states and the idle auto-lock timer.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Where a wallet stands, as the UI shows it. Opening never silently moves from a failure state
/// to `new`: a missing or wrong key leaves the file untouched and says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletState {
    /// No wallet file exists yet: offer to create one.
    New,
    /// Open: queries work.
    Unlocked,
    /// A wallet exists and is closed; its key is not in memory.
    Locked,
    /// The keyring has no key for it: unlock with the passphrase or the recovery key.
    KeyMissing,
    /// The key, passphrase or recovery key tried does not open it.
    KeyMismatch,
    /// The file fails its integrity checks.
    Corrupted,
}

impl WalletState {
    /// The `snake_case` name used on the wire and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            WalletState::New => "new",
            WalletState::Unlocked => "unlocked",
            WalletState::Locked => "locked",
            WalletState::KeyMissing => "key_missing",
            WalletState::KeyMismatch => "key_mismatch",
            WalletState::Corrupted => "corrupted",
        }
    }
}

/// Locks an unlocked wallet after a period without activity. Time is a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoLock {
    idle_limit: Option<Duration>,
    last_activity: DateTime<Utc>,
}

impl AutoLock {
    /// `idle_limit: None` never locks by itself.
    pub fn new(idle_limit: Option<Duration>, now: DateTime<Utc>) -> Self {
        Self {
            idle_limit,
            last_activity: now,
        }
    }

    /// Records activity at `now` (a clock that went backwards does not extend the deadline).
    pub fn touch(&mut self, now: DateTime<Utc>) {
        if now > self.last_activity {
            self.last_activity = now;
        }
    }

    /// Changes the idle limit; the timer keeps running from the last activity.
    pub fn set_idle_limit(&mut self, idle_limit: Option<Duration>) {
        self.idle_limit = idle_limit;
    }

    /// The configured idle limit.
    pub fn idle_limit(&self) -> Option<Duration> {
        self.idle_limit
    }

    /// When the wallet will lock if nothing happens.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.idle_limit.map(|limit| self.last_activity + limit)
    }

    /// Whether the idle limit has passed at `now`.
    pub fn should_lock(&self, now: DateTime<Utc>) -> bool {
        self.deadline().is_some_and(|deadline| now >= deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn locks_after_idle_limit_and_touch_postpones() {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap();
        let mut timer = AutoLock::new(Some(Duration::minutes(5)), t0);
        assert!(!timer.should_lock(t0 + Duration::minutes(4)));
        assert!(timer.should_lock(t0 + Duration::minutes(5)));
        timer.touch(t0 + Duration::minutes(4));
        assert!(!timer.should_lock(t0 + Duration::minutes(8)));
        assert!(timer.should_lock(t0 + Duration::minutes(9)));
        // A clock that jumps back does not postpone the lock.
        timer.touch(t0);
        assert!(timer.should_lock(t0 + Duration::minutes(9)));
    }

    #[test]
    fn no_limit_never_locks() {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap();
        let timer = AutoLock::new(None, t0);
        assert!(!timer.should_lock(t0 + Duration::days(365)));
        assert_eq!(WalletState::KeyMissing.as_str(), "key_missing");
    }
}
