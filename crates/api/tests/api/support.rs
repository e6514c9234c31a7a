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
    new_wallet_with(dir, |options| options.native = native).await
}

/// The same, with the context's options (cheap KDF, version 0.0.0) changed by `configure`.
pub async fn new_wallet_with(
    dir: &std::path::Path,
    configure: impl FnOnce(&mut ContextOptions),
) -> (Context, SqlitePool) {
    let mut options = ContextOptions::new(dir.to_path_buf(), "0.0.0");
    options.kdf = KdfParams::INSECURE_FOR_TESTS;
    configure(&mut options);
    let ctx = Context::new(options);
    let request = WalletCreateRequest {
        use_keyring: false,
        passphrase: Some("pass phrase".into()),
    };
    wallet_create(&ctx, request).await.unwrap();
    let pool = ctx.pool().await.unwrap();
    (ctx, pool)
}

/// `payload` as the feed delivers it: signed, no violation, on time.
pub fn incoming(
    id: &str,
    when: chrono::DateTime<chrono::Utc>,
    card: &str,
    app: Option<&str>,
    payload: consentry_domain::EventPayload,
) -> consentry_store::events::IncomingEvent {
    consentry_store::events::IncomingEvent {
        event: consentry_domain::Event {
            id: id.into(),
            occurred_at: when,
            card_token: card.into(),
            app_id: app.map(str::to_owned),
            payload,
        },
        signature_verified: true,
        violation: None,
        late_by_ms: None,
    }
}
