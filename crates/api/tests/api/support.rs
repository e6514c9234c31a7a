//! What every api test module starts from: a new passphrase wallet in a temp dir.

use consentry_api::{wallet_create, Context, ContextOptions, WalletCreateRequest};
use consentry_store::KdfParams;
use sqlx::SqlitePool;

/// A context over a new, unlocked passphrase wallet in `dir` (cheap KDF), and its pool.
pub async fn new_wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    let mut options = ContextOptions::new(dir.to_path_buf(), "0.0.0");
    options.kdf = KdfParams::INSECURE_FOR_TESTS;
    let ctx = Context::new(options);
    let request = WalletCreateRequest {
        use_keyring: false,
        passphrase: Some("pass phrase".into()),
    };
    wallet_create(&ctx, request).await.unwrap();
    let pool = ctx.pool().await.unwrap();
    (ctx, pool)
}
