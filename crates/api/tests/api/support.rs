//! What every api test module starts from: a new passphrase wallet in a temp dir.

use std::sync::Arc;

use consentry_api::native::ScriptedNative;
use consentry_api::{wallet_create, Context, ContextOptions, WalletCreateRequest};
use consentry_store::KdfParams;
use sqlx::SqlitePool;

/// A context over a new, unlocked passphrase wallet in `dir` (cheap KDF), and its pool.
/// Native dialogs are declined.
pub async fn new_wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    new_wallet_answering(dir, Arc::new(ScriptedNative::default())).await
}

/// The same, with the person's answers to native dialogs scripted by `native`.
pub async fn new_wallet_answering(
    dir: &std::path::Path,
    native: Arc<ScriptedNative>,
) -> (Context, SqlitePool) {
    let mut options = ContextOptions::new(dir.to_path_buf(), "0.0.0");
    options.kdf = KdfParams::INSECURE_FOR_TESTS;
    options.native = native;
    let ctx = Context::new(options);
    let request = WalletCreateRequest {
        use_keyring: false,
        passphrase: Some("pass phrase".into()),
    };
    wallet_create(&ctx, request).await.unwrap();
    let pool = ctx.pool().await.unwrap();
    (ctx, pool)
}
