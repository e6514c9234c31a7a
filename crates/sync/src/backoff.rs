//! When to try again: exponential backoff with jitter, never earlier than the platform's
//! `Retry-After`. Time and randomness are parameters.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::error::RetryAfter;

/// The backoff policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure (before jitter).
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            max: Duration::from_secs(10 * 60),
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (1 = the first): `base × 2^(n-1)`,
    /// capped at `max`, then "equal jitter" — a random point in its upper half, so retries of
    /// many wallets spread out but never come back sooner than half the nominal delay.
    pub fn delay(&self, failures: u32, rng: &mut impl Rng) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let nominal = self.base.saturating_mul(1u32 << exponent).min(self.max);
        let nominal_ms = u64::try_from(nominal.as_millis()).unwrap_or(u64::MAX);
        let half = nominal_ms / 2;
        Duration::from_millis(half + rng.gen_range(0..=nominal_ms - half))
    }

    /// The time of the next attempt after `failures` failures at `now`, honouring `retry_after`.
    pub fn next_attempt(
        &self,
        failures: u32,
        retry_after: Option<RetryAfter>,
        now: DateTime<Utc>,
        rng: &mut impl Rng,
    ) -> DateTime<Utc> {
        let delay = chrono::Duration::from_std(self.delay(failures, rng))
            .unwrap_or(chrono::Duration::zero());
        let by_backoff = now + delay;
        match retry_after {
            Some(after) => by_backoff.max(after.not_before(now)),
            None => by_backoff,
        }
    }
}
