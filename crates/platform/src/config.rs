//! How a platform instance is set up: where it listens, where it keeps its data, who may
//! use the admin endpoints, and whether the demo simulator and fault injection are on.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::db::DataLocation;
use crate::faults::FaultConfig;

/// The demo purchase simulator: purchases on every enrolled card at a steady rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Off by default; demo mode turns it on.
    pub enabled: bool,
    /// Time between two simulated purchases (across all cards).
    pub interval: Duration,
    /// How long after the authorization a simulated purchase settles.
    pub settle_after: Duration,
    /// Seed of the simulator's random choices (card, merchant, amount, channel).
    pub seed: u64,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            enabled: false,
            interval: Duration::from_secs(20),
            settle_after: Duration::from_secs(30),
            seed: 2013,
        }
    }
}

/// Everything [`crate::serve`] needs. `PlatformConfig::default()` is a private in-memory
/// platform on an ephemeral loopback port with no admin access, no simulator and no faults.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// Address to bind; port 0 picks a free port (read it back from
    /// [`crate::RunningPlatform::addr`]).
    pub listen: SocketAddr,
    pub data: DataLocation,
    /// Bearer token for `/v1/admin/*` and `POST /v1/apps/{id}/terms`; `None` disables them.
    pub admin_token: Option<String>,
    /// Faults injected from the start (they can be changed later through the admin API).
    pub faults: FaultConfig,
    pub simulator: SimulatorConfig,
    /// Derive the event-signing keys from this seed instead of the OS random generator,
    /// for reproducible keys in tests. Ignored when the database already holds keys.
    pub signing_seed: Option<u64>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Longest long-poll a client may ask for with `GET /v1/events?wait=`.
    pub max_wait: Duration,
    /// How long a key retired by a rotation keeps signing deliveries next to the new active
    /// key (dual signatures).
    pub key_overlap: Duration,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data: DataLocation::Memory,
            admin_token: None,
            faults: FaultConfig::default(),
            simulator: SimulatorConfig::default(),
            signing_seed: None,
            max_body_bytes: 64 * 1024,
            max_wait: Duration::from_secs(30),
            key_overlap: crate::keys::DEFAULT_OVERLAP,
        }
    }
}

impl PlatformConfig {
    /// The configuration the desktop app embeds for demo mode: in memory, loopback,
    /// simulator on (a purchase every `interval`).
    pub fn demo(interval: Duration) -> Self {
        PlatformConfig {
            simulator: SimulatorConfig {
                enabled: true,
                interval,
                ..SimulatorConfig::default()
            },
            ..PlatformConfig::default()
        }
    }
}
