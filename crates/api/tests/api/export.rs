//! Exporting through the api: the save dialog decides where, progress is published, cancel
//! leaves nothing.

use crate::wallet_fixtures::*;

fn request() -> ExportRequest {
    ExportRequest {
        format: ExportFormat::Json,
        from: None,
        to: None,
        cards: vec![],
        apps: vec![],
        kinds: vec![],
        password: None,
    }
}

async fn some_events(pool: &SqlitePool, n: usize) {
    let now = Utc::now();
    let batch: Vec<_> = (0..n)
        .map(|i| {
            event(
                &format!("evt_{i}"),
                now - Duration::minutes(i as i64),
                Some(COFFEE_APP),
                points("tx_1", 1),
            )
        })
        .collect();
    events::ingest(pool, &batch, now).await.unwrap();
}

/// The page names no path: the backend asks in the save dialog, whose title says the
/// file is not encrypted, and writes only where the person pointed it.
#[tokio::test]
async fn the_save_dialog_decides_where_and_a_cancel_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let says = Arc::new(ScriptedNative::default());
    let (ctx, pool) = wallet_answering(dir.path(), says.clone()).await;
    some_events(&pool, 3).await;
    let named = serde_json::json!({"format": "json", "destination": "/tmp/stolen.json",
        "from": null, "to": null, "password": null});
    assert!(serde_json::from_value::<ExportRequest>(named).is_err());

    let files = || {
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = files();
    let err = export_history(&ctx, request()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert_eq!(files(), before, "nothing written");
    let [Asked::Save(dialog)] = &says.asked()[..] else {
        panic!("{:?}", says.asked());
    };
    assert!(dialog.title.contains("not encrypted"), "{dialog:?}");
    assert!(dialog.file_name.starts_with("consentry-"), "{dialog:?}");
    assert!(dialog.file_name.ends_with(".json"), "{dialog:?}");
    assert_eq!(dialog.extensions, ["json"]);

    // A wrong request is refused before anything is asked.
    let mut wrong = request();
    wrong.from = Some("yesterday".into());
    assert_eq!(
        export_history(&ctx, wrong).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(says.asked().len(), 1);

    let out = dir.path().join("mine.json");
    says.push(Answer::SaveAt(out.clone()));
    let summary = export_history(&ctx, request()).await.unwrap();
    assert_eq!(summary.destination, out.display().to_string());
    assert_eq!(summary.events, 3);
}

#[tokio::test]
async fn progress_is_published_and_ends_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    some_events(&pool, 30).await;
    let progress = ctx.subscribe_export_progress();
    let out = dir.path().join("out.json");
    let summary = export_history_to(&ctx, request(), out.clone())
        .await
        .unwrap();
    assert_eq!(summary.events, 30);
    let last = *progress.borrow();
    assert_eq!(last.run, 1);
    assert!(!last.running);
    assert_eq!((last.events_done, last.events_total), (30, 30), "{last:?}");
    assert!(out.exists());
}

/// The progress and the result count the same thing, events, in every format: the archive
/// (which reads each event for its CSV, JSON and OFX files, then the ledger) too.
#[tokio::test]
async fn the_last_progress_is_the_results_count_of_events() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    some_events(&pool, 30).await;
    let now = Utc::now();
    let usd = Currency::new("USD").unwrap();
    let settled: Vec<_> = (0..6)
        .map(|i| {
            let mut t = tx(
                &format!("tx_s{i}"),
                "Café Rose",
                450,
                consentry_domain::Channel::Nfc,
            );
            if i % 2 == 1 {
                t.amount = Money::new(450, usd);
                t.commission = Money::new(5, usd);
            }
            event(
                &format!("evt_settled_{i}"),
                now - Duration::hours(i),
                None,
                EventPayload::TransactionSettled(t),
            )
        })
        .collect();
    events::ingest(&pool, &settled, now).await.unwrap();
    grant(&ctx, COFFEE_APP, Scope::Points, vec![Channel::Nfc]).await;

    let progress = ctx.subscribe_export_progress();
    for (format, name, password, expected) in [
        (ExportFormat::Json, "out.json", None, 36),
        (ExportFormat::Csv, "out-csv", None, 36),
        (ExportFormat::Ofx, "out.ofx", None, 6),
        (
            ExportFormat::Archive,
            "out.age",
            Some("correct horse battery"),
            36,
        ),
    ] {
        let request = ExportRequest {
            format,
            password: password.map(str::to_owned),
            ..request()
        };
        let summary = export_history_to(&ctx, request, dir.path().join(name))
            .await
            .unwrap();
        assert_eq!(summary.events, expected, "{format:?}");
        let last = *progress.borrow();
        assert!(!last.running);
        assert_eq!(
            (last.events_done, last.events_total),
            (summary.events, summary.events),
            "{format:?}: {last:?}"
        );
    }
}

#[tokio::test]
async fn cancel_stops_the_running_export_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    // Enough rows that the export is still running when the cancel arrives.
    some_events(&pool, 20_000).await;
    let nothing = export_cancel(&ctx, ExportCancelRequest {}).await.unwrap();
    assert!(!nothing.cancelled);

    let ctx = std::sync::Arc::new(ctx);
    let mut progress = ctx.subscribe_export_progress();
    let out = dir.path().join("cancelled.json");
    let running = {
        let ctx = ctx.clone();
        let out = out.clone();
        tokio::spawn(async move { export_history_to(&ctx, request(), out).await })
    };
    // The run is registered (and cancellable) before it writes anything. Waiting for its
    // number (which only grows) cannot miss it, as waiting for `running` could if the run
    // ended first.
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        progress.wait_for(|p| p.run >= 1),
    )
    .await
    .expect("the export never started")
    .unwrap();
    let cancel = export_cancel(&ctx, ExportCancelRequest {}).await.unwrap();
    assert!(cancel.cancelled);
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled, "{err:?}");
    assert!(err.message.contains("cancel"), "{err:?}");
    assert!(!out.exists());
    assert!(!progress.borrow().running);
    // The next export runs normally.
    export_history_to(&ctx, request(), out).await.unwrap();
    assert_eq!(progress.borrow().run, 2);
}
