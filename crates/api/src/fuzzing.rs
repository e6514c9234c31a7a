//! Entry points for fuzz targets and their corpus regression test: what `fuzz/` runs under
//! libFuzzer, and `tests/api/fuzz_corpus.rs` runs on every saved input, is this same code.
//!
//! [`ipc_request`] reads what a window sends as a command's request: the first byte picks the
//! command (in [`for_each_command!`](crate::for_each_command) order, so a new command is
//! fuzzed as soon as it is declared), the rest is read as that command's request DTO, and a
//! request that reads is put through the checks its command makes before touching the
//! wallet. Errors are expected; a panic is a bug.

use std::any::Any;

use chrono::{DateTime, Utc};
use consentry_domain::{CardNumber, Expiry};
use serde::de::DeserializeOwned;

use crate::export::ExportRequest;
use crate::{
    ActivityListRequest, CardLinkRequest, GrantSetRequest, PlatformEnrollRequest,
    PurchaseSimulateRequest, WalletUnlockRequest,
};

/// `(command, reader of its request)` for every declared command.
macro_rules! request_readers {
    ($($name:ident($request:ty) -> $response:ty;)*) => {
        const READERS: &[(&str, fn(&[u8]) -> bool)] =
            &[$((stringify!($name), read::<$request>),)*];
    };
}
crate::for_each_command!(request_readers);

/// The commands, in the order the first byte of an [`ipc_request`] input picks them
/// (`byte % len`).
pub fn command_names() -> impl Iterator<Item = &'static str> {
    READERS.iter().map(|(name, _)| *name)
}

/// One IPC request: `data[0]` picks the command, `data[1..]` is its request as JSON.
pub fn ipc_request(data: &[u8]) {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let (_, read) = READERS[usize::from(pick) % READERS.len()];
    read(json);
}

/// Whether `json` reads as the request of `command` (`None`: no such command), through the
/// same reader as [`ipc_request`]. Lets a test tell a stale seed.
pub fn reads_as(command: &str, json: &[u8]) -> Option<bool> {
    let (_, read) = READERS.iter().find(|(name, _)| *name == command)?;
    Some(read(json))
}

/// Reads `json` as a `T` and checks it; whether it read.
fn read<T: DeserializeOwned + 'static>(json: &[u8]) -> bool {
    match serde_json::from_slice::<T>(json) {
        Ok(request) => {
            check(&request);
            true
        }
        Err(_) => false,
    }
}

/// The clock of the checks that compare with today (2026-12-01T12:00:00Z).
fn fixed_now() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(1_796_126_400)
}

/// The checks a command makes on its request before it reaches the wallet or the platform,
/// where they are public: the DTO → domain conversions.
fn check(request: &dyn Any) {
    if let Some(request) = request.downcast_ref::<ExportRequest>() {
        let _ = request.to_core(std::path::PathBuf::from("fuzz-destination"));
    } else if let Some(request) = request.downcast_ref::<CardLinkRequest>() {
        let _ = CardNumber::parse(&request.number);
        if let Ok(expiry) = Expiry::new(request.exp_month, request.exp_year) {
            let _ = expiry.is_expired(fixed_now());
        }
    } else if let Some(request) = request.downcast_ref::<PurchaseSimulateRequest>() {
        let _ = consentry_domain::Money::try_from(&request.amount);
    } else if let Some(request) = request.downcast_ref::<GrantSetRequest>() {
        if let Some(minimum) = &request.min_purchase {
            let _ = consentry_domain::Money::try_from(minimum);
        }
    } else if let Some(request) = request.downcast_ref::<WalletUnlockRequest>() {
        if let WalletUnlockRequest::RecoveryKey { recovery_key } = request {
            let _ = consentry_store::RecoveryKey::parse(recovery_key);
        }
    } else if let Some(request) = request.downcast_ref::<PlatformEnrollRequest>() {
        let _ = consentry_sync::parse_platform_url(&request.platform_url);
    } else if let Some(request) = request.downcast_ref::<ActivityListRequest>() {
        for cursor in [&request.cursor, &request.newer_than].into_iter().flatten() {
            let _ = cursor.parse::<consentry_store::activity::ActivityCursor>();
        }
    }
}
