use std::time::{Duration, Instant};

use consentry_platform::{PlatformConfig, SimulatorConfig};

use crate::support::*;

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (p, w, card) = enrolled_with_card_in(dir.path()).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    let (_, keys_before) = p.get_public("/v1/keys").await;
    p.running.shutdown().await.unwrap();
    assert!(dir.path().join(consentry_platform::DATABASE_FILE).exists());

    let p = start_with(PlatformConfig {
        signing_seed: None,
        ..PlatformConfig {
            data: consentry_platform::DataLocation::Directory(dir.path().to_path_buf()),
            ..config()
        }
    })
    .await;
    let w = w.on(&p);
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"][0]["id"], "g1");
    assert_eq!(grants["grants"][0]["signed"]["statement"]["grant_id"], "g1");
    assert_eq!(w.chain().await.len(), 1, "the device chain is kept");
    let (_, keys_after) = p.get_public("/v1/keys").await;
    assert_eq!(keys_before, keys_after, "the signing keys are kept");
    assert_eq!(w.events().await.len(), 1);
}

#[tokio::test]
async fn the_demo_simulator_buys_on_enrolled_cards() {
    let config = PlatformConfig {
        simulator: SimulatorConfig {
            enabled: true,
            interval: Duration::from_millis(40),
            settle_after: Duration::from_millis(100),
            seed: 1,
        },
        ..config()
    };
    let p = start_with(config).await;
    let w = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kinds = w.kinds_after("").await;
        let has = |k: &str| kinds.iter().any(|(kind, _)| kind == k);
        if has("transaction.authorized")
            && has("receipt.issued")
            && (has("transaction.settled") || has("transaction.reversed"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "{kinds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn shutdown_ends_long_polls_promptly() {
    let p = start().await;
    let w = p.enroll().await;
    let poll = tokio::spawn({
        let http = w.http.clone();
        let url = w.url("/v1/events?wait=30");
        let token = w.token.clone();
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .map(|r| r.status())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    p.running.shutdown().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    let status = poll.await.unwrap().unwrap();
    assert_eq!(status, 200);
}
