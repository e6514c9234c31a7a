//! `cargo bench -p consentry-sync`: the sync layer over loopback against a real in-memory
//! platform and real SQLCipher wallets in temp dirs. Prints a report; asserts only that the
//! work was done.
//!
//! 1. Drain 10,000 consent changes (90 grants: 10 cards × 9 app scopes, round robin).
//! 2. Pull, verify and store 100,000 events on a second device of the same cardholder, and
//!    the store's plain ingest of the same events (already parsed, no network, no signature)
//!    into a third wallet, in the same run: the pull rate as a ratio of it. The pull again on
//!    a fourth device with the platform's pages recorded first and served from memory: the
//!    wallet's own rate, without the platform serving and signing on the same cores.
//!
//! `CONSENTRY_BENCH_SCALE=0.1` shrinks both sizes tenfold for a quick run.

use std::collections::BTreeSet;
use std::error::Error;
use std::time::{Duration, Instant};

use chrono::Utc;
use consentry_domain::{
    check_consent, CardNumber, Channel, ConsentAction, ConsentChange, ConsentQuery, Event, Expiry,
    Grant, GrantDetails, GrantKey, Scope, Trigger,
};
use consentry_platform::{serve, PlatformConfig};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::{grants, outbox};
use consentry_sync::{
    grant_id_for, EnrollRequest, Enrollment, FeedVerifier, PlatformClient, SyncConfig, Syncer,
    Verdict, DEFAULT_TIMESTAMP_TOLERANCE,
};
use consentry_testkit::bench::scaled;
use consentry_testkit::platform::APP_SCOPES;
use consentry_testkit::TempWallet;
use serde_json::json;

#[path = "sync/replay.rs"]
mod replay;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct Device {
    wallet: TempWallet,
    pool: sqlx::SqlitePool,
    syncer: Syncer,
}

impl Device {
    /// Closes the wallet before the process exits: SQLCipher connections still open while
    /// the C library's exit handlers run crashed the bench at exit.
    async fn close(mut self) {
        drop(self.syncer);
        self.pool.close().await;
        self.wallet.wallet.lock().await;
    }
}

async fn device(config: &SyncConfig) -> Result<Device> {
    let wallet = TempWallet::new(Utc::now()).await;
    let pool = wallet.pool.clone();
    let syncer = Syncer::new(pool.clone(), config.clone()).await?;
    Ok(Device {
        wallet,
        pool,
        syncer,
    })
}

/// Times `device`'s pull of the whole feed; prints the rate and the CPU the process used
/// (`whose`); returns the events stored and the rate.
async fn timed_pull(device: &Device, what: &str, how: &str, whose: &str) -> Result<(u64, f64)> {
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    device.syncer.pull_events(Utc::now()).await?;
    let took = started.elapsed();
    let cpu = process_cpu_seconds() - cpu_before;
    let stored = events::count(&device.pool).await?;
    let rate = stored as f64 / took.as_secs_f64();
    println!(
        "  {what} {stored} events {how}: {:.2} s = {rate:.0} events/s",
        took.as_secs_f64()
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!(
        "    CPU during the pull ({whose}): {:.0} µs per event, {:.2} of {cores} cores busy",
        cpu * 1e6 / stored as f64,
        cpu / took.as_secs_f64()
    );
    Ok((stored, rate))
}

/// A new device of `owned`'s cardholder talking to the platform at `url`, in the owner's
/// device chain through a pairing code, as a person would join it.
async fn joined(owner: &Device, owned: &Enrollment, url: &str, name: &str) -> Result<Device> {
    let device = device(&SyncConfig::default()).await?;
    device
        .syncer
        .enroll(
            &EnrollRequest {
                platform_url: url.to_owned(),
                device_name: name.into(),
                existing: owned.credentials(),
            },
            Utc::now(),
        )
        .await?;
    let code = owner.syncer.start_pairing(Utc::now()).await?;
    device.syncer.pair_with_code(&code.code, Utc::now()).await?;
    owner.syncer.sync_once(Utc::now()).await?;
    if !device.syncer.pair_with_code(&code.code, Utc::now()).await? {
        return Err(format!("{name} did not join the device chain").into());
    }
    Ok(device)
}

/// Records `count` changes, round robin over `keys`: grant, revoke, grant, …
async fn record_changes(device: &Device, keys: &[GrantKey], count: u64) -> Result<()> {
    let apps = device.syncer.client().await?.apps().await?;
    for i in 0..count {
        let key = &keys[(i % keys.len() as u64) as usize];
        let app = apps
            .iter()
            .find(|a| a.id == key.app_id)
            .ok_or("unknown app")?;
        let now = Utc::now();
        let current = grants::get(&device.pool, key).await?;
        let (action, next) = match current {
            Some(g) if g.status == consentry_domain::GrantStatus::Active => {
                (ConsentAction::Revoke, g.revoke(now)?)
            }
            current => {
                let details = GrantDetails {
                    app_id: key.app_id.clone(),
                    card_token: key.card_token.clone(),
                    scope: key.scope,
                    channels: [Channel::Card, Channel::Nfc, Channel::Online, Channel::Voice].into(),
                    trigger: Trigger::Authorization,
                    min_purchase: None,
                    expires_at: None,
                };
                let next = match current {
                    None => Grant::new(grant_id_for(key), details, app.terms_version, now)?,
                    Some(g) => g.regrant(g.id.clone(), details, app.terms_version, now)?,
                };
                (ConsentAction::Grant, next)
            }
        };
        let change = ConsentChange::recording(action, &next, "bench", app.terms_hash);
        ledger::record(&device.pool, change, Some(&next), ChangeOrigin::Local, now).await?;
    }
    Ok(())
}

async fn purchases(base: &str, token: &str, card: &str, n: u64) -> Result<()> {
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    let per_task = n.div_ceil(4);
    for t in 0..4u64 {
        let (http, base, token, card) = (
            http.clone(),
            base.to_owned(),
            token.to_owned(),
            card.to_owned(),
        );
        tasks.spawn(async move {
            for i in 0..per_task {
                let channel = ["card", "nfc", "online", "voice"][((t + i) % 4) as usize];
                let body = json!({"card_token": card, "amount": {"minor": 1000 + i as i64, "currency": "EUR"},
                    "merchant": "Café Lumen", "channel": channel});
                let response = http
                    .post(format!("{base}/v1/simulate/purchase"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("purchase: {}", response.status()));
                }
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let platform = serve(PlatformConfig::default()).await?;
    let base = platform.base_url();
    let config = SyncConfig::default();
    let laptop = device(&config).await?;
    laptop
        .syncer
        .enroll(
            &EnrollRequest {
                platform_url: base.clone(),
                device_name: "bench laptop".into(),
                existing: None,
            },
            Utc::now(),
        )
        .await?;
    let client = laptop.syncer.client().await?;
    // Ten different cards: the platform keeps one token per card per cardholder.
    let mut cards = Vec::new();
    for i in 0..10 {
        cards.push(link(&client, &visa(i)?).await?);
    }
    let keys: Vec<GrantKey> = cards
        .iter()
        .flat_map(|card| {
            APP_SCOPES.iter().map(move |(app, scope)| GrantKey {
                app_id: (*app).to_owned(),
                card_token: card.clone(),
                scope: *scope,
            })
        })
        .collect();

    // 1. The outbox drain.
    let changes = scaled(10_000);
    let started = Instant::now();
    record_changes(&laptop, &keys, changes).await?;
    let recording = started.elapsed();
    let started = Instant::now();
    while outbox::pending_count(&laptop.pool).await? > 0 {
        laptop.syncer.drain_outbox(Utc::now()).await?;
    }
    let drain = started.elapsed();
    let counters = laptop.syncer.counters().await;
    println!("consentry-sync bench");
    println!(
        "  record {changes} consent changes (ledger + grant + outbox, one tx each): {:.2} s = {:.0} changes/s",
        recording.as_secs_f64(),
        changes as f64 / recording.as_secs_f64()
    );
    println!(
        "  drain {changes} consent changes over loopback ({} grants, waves of {}): {:.2} s = {:.0} changes/s ({} applied, {} requests)",
        keys.len(),
        config.wave_size,
        drain.as_secs_f64(),
        changes as f64 / drain.as_secs_f64(),
        counters.changes_applied,
        counters.changes_sent,
    );
    if counters.changes_applied != changes {
        return Err("not every change was applied exactly once".into());
    }

    // 2. The event feed, of another cardholder (so the feed is mostly app events): every
    // app granted on one card, purchases until there are enough events.
    let owner = device(&config).await?;
    let owned = owner
        .syncer
        .enroll(
            &EnrollRequest {
                platform_url: base.clone(),
                device_name: "bench owner".into(),
                existing: None,
            },
            Utc::now(),
        )
        .await?;
    let owner_client = owner.syncer.client().await?;
    let card = link(&owner_client, &visa(0)?).await?;
    let card_keys: Vec<GrantKey> = APP_SCOPES
        .iter()
        .map(|(app, scope)| GrantKey {
            app_id: (*app).to_owned(),
            card_token: card.clone(),
            scope: *scope,
        })
        .collect();
    record_changes(&owner, &card_keys, card_keys.len() as u64).await?;
    owner.syncer.drain_outbox(Utc::now()).await?;
    let phone = joined(&owner, &owned, &base, "bench phone").await?;
    let token = owned.token.clone();
    let wanted = scaled(100_000);
    let started = Instant::now();
    let per_purchase = 1 + APP_SCOPES.len() as u64;
    let mut total = feed_length(&owner_client).await?;
    while total < wanted {
        let n = ((wanted - total) / per_purchase).max(1);
        purchases(&base, token.expose_secret(), &card, n).await?;
        total = feed_length(&owner_client).await?;
    }
    let generating = started.elapsed();
    println!(
        "  (setup: {total} feed items, purchases generated in {:.1} s)",
        generating.as_secs_f64()
    );

    let (stored, pull_rate) = timed_pull(
        &phone,
        "pull + verify + judge + store",
        "(pages of 500, Ed25519 each)",
        // The platform serves and signs in this process: its CPU counts here too.
        "wallet and platform",
    )
    .await?;

    // The same pull with the platform's pages recorded first and served from memory: what
    // the wallet alone does in the time, as when the platform is another machine.
    let (replay_url, pages) = replay::record_and_serve(&base, token.expose_secret()).await?;
    let tablet = joined(&owner, &owned, &replay_url, "bench tablet").await?;
    let (_, replayed_rate) = timed_pull(
        &tablet,
        "the same pull",
        &format!(
            "with the platform's {pages} pages replayed from memory (no platform on these cores)"
        ),
        "the wallet",
    )
    .await?;

    // The store's plain ingest of the same events, same page size, into a fresh wallet.
    let parsed = all_events(&owner_client).await?;
    let plain = device(&config).await?;
    let started = Instant::now();
    for page in parsed.chunks(500) {
        events::ingest(&plain.pool, page, Utc::now()).await?;
    }
    let ingest = started.elapsed();
    let ingest_rate = parsed.len() as f64 / ingest.as_secs_f64();
    println!(
        "  store ingest of the same {} events (parsed, pages of 500): {:.2} s = {ingest_rate:.0} events/s",
        parsed.len(),
        ingest.as_secs_f64()
    );
    println!(
        "  event pull rate / plain ingest rate = {:.2} (platform on the same cores), {:.2} (replayed)",
        pull_rate / ingest_rate,
        replayed_rate / ingest_rate
    );
    if stored != parsed.len() as u64 {
        return Err(format!("stored {stored}, the feed has {}", parsed.len()).into());
    }
    checks_per_event(&owner_client, &owned, &phone.pool).await?;
    consent_signatures()?;
    for device in [laptop, owner, phone, tablet, plain] {
        device.close().await;
    }
    platform.shutdown().await?;
    Ok(())
}

/// What each check of a delivery costs, side by side, over every delivery of the feed (no
/// network, no storage): the Ed25519 signature, decoding, admission, the consent judgement.
async fn checks_per_event(
    client: &PlatformClient,
    enrollment: &Enrollment,
    pool: &sqlx::SqlitePool,
) -> Result<()> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = client.events(after, 500, Duration::ZERO).await?;
        items.extend(page.items);
        after = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let now = Utc::now();
    let n = items.len() as f64;
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / n;

    let verifier = FeedVerifier::new(&enrollment.signing_keys, DEFAULT_TIMESTAMP_TOLERANCE)?;
    let started = Instant::now();
    let valid = items
        .iter()
        .filter(|i| {
            verifier.check(&i.id, i.timestamp, &i.body, &i.signature, now) == Verdict::Valid
        })
        .count();
    let verify = started.elapsed();
    // As the sync reads a page: one batch verification per core's share.
    let started = Instant::now();
    let mut page_valid = 0;
    for page in items.chunks(500) {
        let verdicts = verifier.check_page(page, now).await;
        page_valid += verdicts.iter().filter(|v| **v == Verdict::Valid).count();
    }
    let verify_pages = started.elapsed();

    let started = Instant::now();
    let decoded = items
        .iter()
        .map(|i| Event::from_json(i.body.as_bytes()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let decode = started.elapsed();

    let started = Instant::now();
    let admitted = decoded
        .iter()
        .filter(|e| consentry_store::admission::check(e, now).is_ok())
        .count();
    let admit = started.elapsed();

    let entries = ledger::entries(pool).await?;
    let started = Instant::now();
    let allowed = decoded
        .iter()
        .filter_map(ConsentQuery::for_event)
        .filter(|q| check_consent(&entries, q).is_allowed())
        .count();
    let judge = started.elapsed();
    println!(
        "  per delivery ({} deliveries, {valid} valid, {admitted} admitted, {allowed} app events allowed): verify {:.1} µs (as pages: batched on {} cores, {:.1} µs wall), decode {:.1} µs, admit {:.1} µs, judge {:.1} µs",
        items.len(),
        micros(verify),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        micros(verify_pages),
        micros(decode),
        micros(admit),
        micros(judge),
    );
    if valid != items.len() || page_valid != items.len() || admitted != items.len() {
        return Err("a delivery of the honest platform failed its checks".into());
    }
    Ok(())
}

/// What a device signature costs per consent change: signing a statement (the sender) and
/// verifying it against a two-device chain (every device that receives it).
fn consent_signatures() -> Result<()> {
    use consentry_domain::{ConsentStatement, DeviceChain, DeviceKey, DeviceLink, Sha256Digest};
    let (a, b) = (
        DeviceKey::from_seed(&[1; 32]),
        DeviceKey::from_seed(&[2; 32]),
    );
    let now = Utc::now();
    let chain = DeviceChain::verify(
        &[
            DeviceLink::root("ch_bench", "dev_a", &a, now)?,
            DeviceLink::vouch("ch_bench", "dev_b", &b.public_key(), "dev_a", &a, now)?,
        ],
        "ch_bench",
    )?;
    let statement = |n: u64| ConsentStatement {
        grant_id: "grt_bench".into(),
        action: ConsentAction::Grant,
        app_id: "app_quire".into(),
        card_token: "tok_bench".into(),
        scope: Scope::Receipts,
        channels: [Channel::Card, Channel::Nfc].into_iter().collect(),
        trigger: Trigger::Authorization,
        min_purchase: None,
        expires_at: None,
        terms_version: 1,
        terms_hash: Sha256Digest::ZERO,
        base_version: n,
        at: now,
        device_id: "dev_b".into(),
    };
    let n = scaled(10_000);
    let started = Instant::now();
    let signed = (0..n)
        .map(|i| statement(i).sign(&b))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let sign = started.elapsed();
    let started = Instant::now();
    for change in &signed {
        change.verify(&chain.keys)?;
    }
    let verify = started.elapsed();
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "  per consent change ({n} statements): sign {:.1} µs, verify against the device chain {:.1} µs",
        micros(sign),
        micros(verify)
    );
    Ok(())
}

/// The `i`-th of a series of valid Visa numbers (its last digit is the Luhn check digit).
fn visa(i: u64) -> Result<CardNumber> {
    let body = format!("4{i:014}");
    let number = (0..10)
        .map(|check| format!("{body}{check}"))
        .find(|n| consentry_domain::luhn_valid(n))
        .ok_or("no check digit")?;
    Ok(CardNumber::parse(&number)?)
}

/// Links a card whose token the wallet accepts (about one hex token in 600 looks like a card
/// number to the store's guard; such a card is unlinked and linked again).
async fn link(client: &PlatformClient, number: &CardNumber) -> Result<String> {
    loop {
        let token = client
            .link_card(number, Expiry::new(12, 2031)?, None)
            .await?
            .card
            .token;
        if !consentry_store::pan_guard::contains_card_number(&token) {
            return Ok(token);
        }
        client.remove_card(&token).await?;
    }
}

async fn feed_length(client: &PlatformClient) -> Result<u64> {
    Ok(all_events(client).await?.len() as u64)
}

/// Every distinct event of the feed, parsed (not timed).
async fn all_events(client: &PlatformClient) -> Result<Vec<IncomingEvent>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut after = 0;
    loop {
        let page = client.events(after, 500, Duration::ZERO).await?;
        for item in &page.items {
            if seen.insert(item.id.clone()) {
                out.push(IncomingEvent {
                    event: Event::from_json(item.body.as_bytes())?,
                    signature_verified: true,
                    violation: None,
                    late_by_ms: None,
                });
            }
        }
        after = page.next_cursor;
        if !page.has_more {
            return Ok(out);
        }
    }
}

/// CPU time this process has used (user + system), in seconds, from /proc/self/stat (clock
/// ticks, 100 a second on Linux); 0 where there is no /proc.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    // utime and stime are fields 14 and 15 of the line: the 12th and 13th after the name.
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}
