//! Cancelling leaves nothing behind; bad options fail early with clear, typed errors.

use std::path::Path;
use std::sync::Arc;

use consentry_export::{
    export, parse_from, parse_kind, parse_to, ArchivePassword, CancelFlag, ExportControl,
    ExportError, ExportFilter, ExportFormat,
};
use consentry_store::StoreError;

use crate::support::{filled_wallet, request, Filled};

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect()
}

/// Cancels from the progress callback, after the first page.
async fn cancel_midway(w: &Filled, format: ExportFormat, dest: &Path) -> ExportError {
    let cancel = CancelFlag::new();
    let flag = cancel.clone();
    let control = ExportControl {
        cancel,
        progress: Some(Arc::new(move |p| {
            if p.events_done > 0 {
                flag.cancel();
            }
        })),
    };
    export(
        w.pool(),
        &request(format, dest, ExportFilter::default()),
        &control,
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn a_cancelled_export_leaves_no_file_and_keeps_the_old_one() {
    let w = filled_wallet().await;
    for (format, name) in [
        (ExportFormat::Csv, "csv-out"),
        (ExportFormat::Json, "out.json"),
        (ExportFormat::Ofx, "out.ofx"),
        (ExportFormat::Archive, "out.age"),
    ] {
        let dest = w.out(name);
        let err = cancel_midway(&w, format, &dest).await;
        assert!(matches!(err, ExportError::Cancelled), "{format}: {err}");
        assert!(!dest.exists(), "{format}: nothing at the destination");
        assert!(
            leftovers(w.dir.path()).is_empty(),
            "{format}: {:?}",
            leftovers(w.dir.path())
        );
    }
    let dest = w.out("kept.json");
    std::fs::write(&dest, "the previous export").unwrap();
    let err = cancel_midway(&w, ExportFormat::Json, &dest).await;
    assert!(matches!(err, ExportError::Cancelled));
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "the previous export"
    );

    let cancel = CancelFlag::new();
    cancel.cancel();
    let control = ExportControl {
        cancel,
        progress: None,
    };
    let err = export(
        w.pool(),
        &request(
            ExportFormat::Json,
            &w.out("never.json"),
            ExportFilter::default(),
        ),
        &control,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExportError::Cancelled));
    assert!(!w.out("never.json").exists());
}

async fn fails(w: &Filled, format: ExportFormat, dest: &Path, filter: ExportFilter) -> ExportError {
    let err = export(
        w.pool(),
        &request(format, dest, filter),
        &ExportControl::default(),
    )
    .await
    .unwrap_err();
    assert!(!dest.exists() || dest.is_dir(), "nothing written on {err}");
    err
}

#[tokio::test]
async fn bad_options_get_clear_typed_errors() {
    let w = filled_wallet().await;
    let json = w.out("x.json");

    let backwards = ExportFilter {
        from: Some(parse_from("2026-02-01").unwrap()),
        until: Some(parse_to("2026-01-01").unwrap()),
        ..ExportFilter::default()
    };
    let err = fails(&w, ExportFormat::Json, &json, backwards).await;
    assert!(
        matches!(
            err,
            ExportError::InvalidOption {
                option: "date range",
                ..
            }
        ),
        "{err}"
    );

    let pan = "4111111111111111";
    let err = fails(
        &w,
        ExportFormat::Json,
        &json,
        ExportFilter {
            cards: vec![pan.into()],
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(err, ExportError::InvalidOption { option: "card", .. }),
        "{err}"
    );
    assert!(
        !err.to_string().contains(pan),
        "the error never repeats a card number"
    );

    let err = fails(
        &w,
        ExportFormat::Json,
        &json,
        ExportFilter {
            cards: vec!["9999".into()],
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(&err, ExportError::UnknownCard(c) if c == "9999"),
        "{err}"
    );
    let err = fails(
        &w,
        ExportFormat::Json,
        &json,
        ExportFilter {
            apps: vec!["app_nope".into()],
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(&err, ExportError::UnknownApp(a) if a == "app_nope"),
        "{err}"
    );

    let err = fails(
        &w,
        ExportFormat::Json,
        &w.out("missing/x.json"),
        ExportFilter::default(),
    )
    .await;
    assert!(matches!(err, ExportError::FolderNotFound(_)), "{err}");
    let err = fails(
        &w,
        ExportFormat::Json,
        w.dir.path(),
        ExportFilter::default(),
    )
    .await;
    assert!(
        matches!(
            err,
            ExportError::InvalidOption {
                option: "destination",
                ..
            }
        ),
        "{err}"
    );
    let err = fails(&w, ExportFormat::Csv, w.dir.path(), ExportFilter::default()).await;
    assert!(matches!(err, ExportError::DestinationNotEmpty(_)), "{err}");

    // Passwords: required by the archive, refused elsewhere, not too short.
    let mut archive = request(
        ExportFormat::Archive,
        &w.out("a.age"),
        ExportFilter::default(),
    );
    archive.password = None;
    assert!(matches!(
        archive.validate(),
        Err(ExportError::InvalidOption {
            option: "password",
            ..
        })
    ));
    archive.password = Some(ArchivePassword::new("short".into()));
    assert!(matches!(
        archive.validate(),
        Err(ExportError::InvalidOption {
            option: "password",
            ..
        })
    ));
    assert_eq!(
        format!("{:?}", archive.password),
        "Some(ArchivePassword(<redacted>))"
    );
    let mut plain = request(ExportFormat::Json, &json, ExportFilter::default());
    plain.password = Some(ArchivePassword::new("long enough password".into()));
    assert!(matches!(
        plain.validate(),
        Err(ExportError::InvalidOption {
            option: "password",
            ..
        })
    ));

    let err = parse_kind("receipts").unwrap_err();
    assert!(
        err.to_string().contains("receipt.issued"),
        "lists the kinds: {err}"
    );
    assert!(matches!(
        parse_from("yesterday"),
        Err(ExportError::InvalidOption { option: "from", .. })
    ));
    assert_eq!(
        parse_to("2026-01-31").unwrap(),
        parse_from("2026-02-01").unwrap()
    );
    assert!("xml".parse::<ExportFormat>().is_err());
}

#[tokio::test]
async fn a_locked_wallet_is_a_store_error() {
    let mut w = filled_wallet().await;
    let pool = w.pool().clone();
    w.wallet.lock().await;
    let dest = w.out("locked.json");
    let err = export(
        &pool,
        &request(ExportFormat::Json, &dest, ExportFilter::default()),
        &ExportControl::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ExportError::Store(StoreError::Locked)),
        "{err}"
    );
    assert!(!dest.exists());
}
