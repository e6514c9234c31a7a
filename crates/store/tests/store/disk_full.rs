//! A real full disk: a small tmpfs mounted for the test (needs root, as on CI; elsewhere the
//! test says it skipped, unless `CI_REQUIRE_DISK_FULL=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

use consentry_store::{events, integrity, IoProblem, StoreError, Unlock, Wallet, WalletPaths};

use crate::support::{create_with_passphrase, now, passphrase};
use consentry_testkit::events::{incoming, mixed};

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct SmallDisk {
    _dir: tempfile::TempDir,
    mount: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str, test: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&mount)
            .output()
            .is_ok_and(|out| out.status.success());
        if !mounted {
            if std::env::var("CI_REQUIRE_DISK_FULL").as_deref() == Ok("1") {
                panic!("{test}: CI_REQUIRE_DISK_FULL=1 but a tmpfs cannot be mounted here (run as root)");
            }
            println!("SKIPPED {test}: mounting a tmpfs needs root");
            return None;
        }
        Some(Self { _dir: dir, mount })
    }

    fn path(&self) -> &Path {
        &self.mount
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount).status();
    }
}

/// Writing into a wallet on a disk that fills up fails with "disk full", naming the wallet
/// file; everything committed before is still there, whole, and the wallet opens again.
#[tokio::test]
async fn a_full_disk_is_named_and_loses_nothing_committed() {
    let Some(disk) = SmallDisk::mount("3m", "a_full_disk_is_named_and_loses_nothing_committed")
    else {
        return;
    };
    let paths = WalletPaths::in_dir(disk.path().join("wallet"));
    let mut wallet = Wallet::new(paths.clone(), None, now());
    create_with_passphrase(&mut wallet).await.unwrap();
    let cards = ["tok_a".to_owned()];
    let mut committed = 0u64;
    let mut failure = None;
    for batch in 0..400u64 {
        let events: Vec<_> = (0..100)
            .map(|i| incoming(mixed(batch * 100 + i, &cards, now())))
            .collect();
        match events::ingest(wallet.pool().unwrap(), &events, now()).await {
            Ok(report) => committed += report.inserted,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let failure = failure.expect("3 MiB never filled up");
    match &failure {
        StoreError::Io { source, path, .. } => {
            assert_eq!(IoProblem::of(source), IoProblem::DiskFull, "{failure}");
            assert!(path.ends_with("wallet.db"), "{}", path.display());
        }
        other => panic!("not an I/O error: {other:?}"),
    }
    assert!(
        failure.to_string().contains("the disk is full"),
        "{failure}"
    );
    assert!(committed > 0, "nothing fit at all");

    wallet.lock().await;
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap();
    let pool = wallet.pool().unwrap();
    assert_eq!(events::count(pool).await.unwrap(), committed);
    assert!(integrity::check(pool).await.unwrap().is_intact());
    wallet.lock().await;
}
