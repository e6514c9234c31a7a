//! What the benchmarks share: how large a run is, and how one starts.

use std::error::Error;
use std::future::Future;

/// `CONSENTRY_BENCH_SCALE` (default 1): the factor every benchmark's sizes are multiplied by.
pub fn scale() -> f64 {
    std::env::var("CONSENTRY_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

/// `n` times [`scale`], at least 1.
pub fn scaled(n: u64) -> u64 {
    ((n as f64) * scale()).max(1.0) as u64
}

/// A benchmark's `main`: `run` on a two-thread runtime — or nothing under `cargo test --benches`,
/// which passes `--test` (or `--list`), so that stays quick.
pub fn main<F>(run: impl FnOnce() -> F) -> Result<(), Box<dyn Error>>
where
    F: Future<Output = Result<(), Box<dyn Error>>>,
{
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return Ok(());
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run())
}
