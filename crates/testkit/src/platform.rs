//! The reference platform, seeded and deterministic, on a loopback port.

#![allow(
    clippy::expect_used,
    reason = "test support: a platform that does not start ends the test"
)]

use std::path::Path;

use consentry_domain::Scope;
use consentry_platform::{DataLocation, DatabaseUrl, PlatformConfig, RunningPlatform};

/// Every app × scope of the seeded directory.
pub const APP_SCOPES: &[(&str, Scope)] = &[
    ("app_beanstamp", Scope::Points),
    ("app_beanstamp", Scope::Offers),
    ("app_quire", Scope::Receipts),
    ("app_cashcove", Scope::Cashback),
    ("app_couponeer", Scope::Offers),
    ("app_nudge", Scope::Recommendations),
    ("app_tastemaker", Scope::SocialPosts),
    ("app_greenleaf", Scope::Points),
    ("app_greenleaf", Scope::Receipts),
];

/// The operator token of test platforms.
pub const ADMIN: &str = "test-admin";

/// A platform with the seeded directory, signing keys derived from `seed`, the operator API on
/// ([`ADMIN`]), its database in `dir` (or in memory). Stops when dropped.
///
/// A platform on disk survives clients that vanish mid-request (crash tests): the in-memory
/// one loses its one connection, and every table with it, when a handler is cancelled.
///
/// # Panics
/// When the platform cannot start: the test cannot go on.
pub async fn seeded(seed: u64, dir: Option<&Path>) -> RunningPlatform {
    let mut config = PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(seed),
        ..PlatformConfig::default()
    };
    if let Some(dir) = dir {
        config.data = DataLocation::Directory(dir.to_path_buf());
    }
    serve(config).await
}

/// [`seeded`] with its database in `dir`, listening on `listen`: the same platform again after
/// a [`RunningPlatform::shutdown`] (same address, same data, same keys), for tests that take
/// the platform away from running wallets and bring it back.
///
/// # Panics
/// When the platform cannot start.
pub async fn seeded_at(seed: u64, dir: &Path, listen: std::net::SocketAddr) -> RunningPlatform {
    serve(PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(seed),
        data: DataLocation::Directory(dir.to_path_buf()),
        listen,
        ..PlatformConfig::default()
    })
    .await
}

/// [`seeded`] keeping its data in the PostgreSQL database at `url` (see
/// [`crate::postgres::fresh_database`]); several may serve the same database.
///
/// # Panics
/// When the platform cannot start.
pub async fn seeded_on_postgres(seed: u64, url: DatabaseUrl) -> RunningPlatform {
    serve(PlatformConfig {
        admin_token: Some(ADMIN.into()),
        signing_seed: Some(seed),
        data: DataLocation::Postgres(url),
        ..PlatformConfig::default()
    })
    .await
}

/// A platform with this configuration.
///
/// # Panics
/// When the platform cannot start.
pub async fn serve(config: PlatformConfig) -> RunningPlatform {
    consentry_platform::serve(config)
        .await
        .expect("start the reference platform")
}
