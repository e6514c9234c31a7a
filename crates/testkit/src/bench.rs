//! What the benchmarks share: how large a run is.

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
