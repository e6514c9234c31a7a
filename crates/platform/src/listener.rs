//! On PostgreSQL, what one platform process tells the others serving the same database
//! (`NOTIFY` in [`crate::db::notify`], delivered when the transaction commits): new events
//! (wake this process's long-polls), rotated keys (reload them), a clock moved forward
//! (move ours). One `LISTEN` connection per process.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgNotification};

use crate::db::{Channel, DatabaseUrl};
use crate::error::PlatformError;
use crate::state::AppState;

/// How long to wait before connecting again after the connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// Connects and listens on every channel; done before the process serves, so nothing
/// committed by another process after it started is missed.
pub async fn connect(url: &DatabaseUrl) -> Result<PgListener, PlatformError> {
    let mut listener = PgListener::connect(url.expose()).await?;
    listener.listen_all(Channel::ALL.map(Channel::name)).await?;
    Ok(listener)
}

/// Applies notifications until the platform shuts down. A lost connection is made again
/// (sqlx reconnects on the next receive); whatever was said meanwhile is assumed: every
/// long-poll wakes and the keys are read again.
pub async fn run(mut listener: PgListener, url: DatabaseUrl, state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => apply(&state, &notification).await,
                Ok(None) => catch_up(&state).await,
                Err(error) => {
                    tracing::warn!(%error, "lost the notification connection; reconnecting");
                    tokio::time::sleep(RETRY).await;
                    match connect(&url).await {
                        Ok(fresh) => {
                            listener = fresh;
                            catch_up(&state).await;
                        }
                        Err(error) => tracing::warn!(%error, "reconnecting failed; retrying"),
                    }
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn apply(state: &AppState, notification: &PgNotification) {
    match Channel::from_name(notification.channel()) {
        Some(Channel::Feed) => state.feed_changed(),
        Some(Channel::Keys) => reload_keys(state).await,
        Some(Channel::Clock) => match notification.payload().parse::<i64>() {
            Ok(offset_ms) => state.clock.advance_to(offset_ms),
            Err(_) => tracing::warn!("ignored a clock notification without an offset"),
        },
        None => {}
    }
}

async fn catch_up(state: &AppState) {
    state.feed_changed();
    reload_keys(state).await;
}

async fn reload_keys(state: &AppState) {
    if let Err(error) = state.keys.reload(&state.db).await {
        tracing::warn!(%error, "could not reload the signing keys");
    }
}
