//! The demo simulator: at a steady rate, a purchase on a random enrolled card at a random
//! known merchant, settling a little later — so a demo wallet fills with receipts, points
//! and offers without anyone paying for anything. Off unless configured.

use chrono::TimeDelta;
use consentry_domain::{Channel, Money};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::config::SimulatorConfig;
use crate::error::ApiError;
use crate::merchants::MERCHANTS;
use crate::state::AppState;
use crate::transactions::{self, NewPurchase, Outcome};

/// Channels, weighted as people pay: mostly contactless.
const CHANNELS: [(Channel, u32); 4] = [
    (Channel::Nfc, 50),
    (Channel::Card, 25),
    (Channel::Online, 20),
    (Channel::Voice, 5),
];

fn pick_channel(rng: &mut StdRng) -> Channel {
    let total: u32 = CHANNELS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (channel, weight) in CHANNELS {
        if roll < weight {
            return channel;
        }
        roll -= weight;
    }
    Channel::Card
}

/// One simulated purchase; `Ok(false)` when no card is enrolled yet.
pub async fn purchase_once(
    state: &AppState,
    rng: &mut StdRng,
    settle_after: TimeDelta,
) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let mut tx = crate::db::begin_exclusive(&state.db).await?;
    let cards: Vec<(String, String)> = sqlx::query_as(
        "SELECT cardholder_id, token FROM cards WHERE status = 'active' ORDER BY created_at, token",
    )
    .fetch_all(&mut *tx)
    .await?;
    if cards.is_empty() {
        return Ok(false);
    }
    let (cardholder_id, card_token) = cards[rng.gen_range(0..cards.len())].clone();
    let merchant = &MERCHANTS[rng.gen_range(0..MERCHANTS.len())];
    let mut minor = 0;
    for _ in 0..rng.gen_range(1..=3) {
        minor += merchant.items[rng.gen_range(0..merchant.items.len())].1;
    }
    let new = NewPurchase {
        card_token,
        amount: Money::new(minor, merchant.currency),
        merchant: merchant.name.to_owned(),
        channel: pick_channel(rng),
        settle_after: Some(settle_after),
        outcome: if rng.gen_bool(0.05) {
            Outcome::Reverse
        } else {
            Outcome::Settle
        },
    };
    transactions::authorize(&mut tx, &cardholder_id, new, now).await?;
    tx.commit().await?;
    state.feed_changed();
    state.settler.notify_one();
    Ok(true)
}

pub async fn run(state: AppState, config: SimulatorConfig) {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let settle_after = TimeDelta::from_std(config.settle_after).unwrap_or(TimeDelta::seconds(30));
    let mut shutdown = state.shutdown.clone();
    let mut ticker =
        tokio::time::interval(config.interval.max(std::time::Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        if let Err(error) = purchase_once(&state, &mut rng, settle_after).await {
            tracing::warn!(code = error.code, "simulated purchase failed");
        }
    }
}
