//! Background task: settles (or reverses) authorized transactions when their scheduled
//! date comes, by the platform clock. Sleeps until the next date, at most a second (so a
//! clock moved forward by the admin API is noticed), or until poked.

use std::time::Duration;

use crate::error::ApiError;
use crate::state::AppState;
use crate::transactions;

const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Finalizes everything due now; returns how many.
pub async fn settle_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let mut tx = crate::db::begin_exclusive(&state.db).await?;
    let due = transactions::due(&mut tx, now).await?;
    for (id, outcome) in &due {
        transactions::finalize(&mut tx, None, id, *outcome, now).await?;
    }
    tx.commit().await?;
    if !due.is_empty() {
        state.feed_changed();
    }
    Ok(due.len())
}

async fn sleep_time(state: &AppState) -> Duration {
    let Ok(mut conn) = state.db.acquire().await else {
        return MAX_SLEEP;
    };
    match transactions::next_due(&mut conn).await {
        Ok(Some(at)) => (at - state.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_SLEEP),
        _ => MAX_SLEEP,
    }
}

pub async fn run(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(error) = settle_due(&state).await {
            tracing::warn!(code = error.code, "settlement run failed; retrying");
        }
        let wait = sleep_time(&state).await;
        tokio::select! {
            _ = tokio::time::sleep(wait.max(Duration::from_millis(10))) => {}
            _ = state.settler.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
