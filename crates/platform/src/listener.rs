//! On PostgreSQL, what one platform process tells the others serving the same database
//! ([`crate::state::Shared::tell_others`], after its commit): new events (wake this
//! process's long-polls), a clock moved forward (move ours). Rotated keys need no word: they
//! are read before use ([`crate::keys::KeyRing::refresh`]). One `LISTEN` connection per
//! process.

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
/// (sqlx reconnects on the next receive); events may have been committed meanwhile, so
/// every long-poll wakes.
pub async fn run(mut listener: PgListener, url: DatabaseUrl, state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => apply(&state, &notification),
                Ok(None) => state.wake_local_feed(),
                Err(error) => {
                    tracing::warn!(%error, "lost the notification connection; reconnecting");
                    tokio::time::sleep(RETRY).await;
                    match connect(&url).await {
                        Ok(fresh) => {
                            listener = fresh;
                            state.wake_local_feed();
                        }
                        Err(error) => tracing::warn!(%error, "reconnecting failed; retrying"),
                    }
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

fn apply(state: &AppState, notification: &PgNotification) {
    match Channel::from_name(notification.channel()) {
        Some(Channel::Feed) => state.wake_local_feed(),
        Some(Channel::Clock) => match notification.payload().parse::<i64>() {
            Ok(offset_ms) => state.clock.advance_to(offset_ms),
            Err(_) => tracing::warn!("ignored a clock notification without an offset"),
        },
        None => {}
    }
}
