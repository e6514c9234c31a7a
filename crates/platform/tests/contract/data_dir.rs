//! A platform that keeps its database in a directory keeps it private: the directory 0700,
//! the database and SQLite's side files 0600, whatever the umask or the files' old modes.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use consentry_platform::DATABASE_FILE;

use crate::support::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether `path` is absent, or disappears within a few seconds (SQLite removes its side
/// files when the last connection closes, which may finish just after the shutdown).
async fn gone_soon(path: &Path) -> bool {
    for _ in 0..50 {
        if !path.exists() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

fn database_files(dir: &Path) -> [std::path::PathBuf; 3] {
    ["", "-wal", "-shm"].map(|suffix| dir.join(format!("{DATABASE_FILE}{suffix}")))
}

#[tokio::test]
async fn a_new_data_directory_and_its_database_files_are_private() {
    let root = tempfile::tempdir().unwrap();
    set_mode(root.path(), 0o755);
    let dir = root.path().join("platform").join("data");
    let p = start_in(&dir).await;
    let w = p.enroll().await;
    w.link_card(VISA).await;
    // Running, in WAL mode: the database and both side files exist.
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(
        mode(&root.path().join("platform")),
        0o700,
        "parents made too"
    );
    for file in database_files(&dir) {
        assert!(file.exists(), "{}", file.display());
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(
        mode(root.path()),
        0o755,
        "a directory above is not ours to change"
    );
    p.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_existing_directory_and_loose_database_files_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let (p, w, card) = enrolled_with_card_in(dir.path()).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    p.running.shutdown().await.unwrap();

    // As an older platform (or a lax umask) would have left them.
    set_mode(dir.path(), 0o777);
    let [database, wal, shm] = database_files(dir.path());
    set_mode(&database, 0o666);
    // Side files with content, as a crash leaves them (SQLite itself fixes the mode of an
    // empty one it opens). Zeros are no valid WAL: SQLite ignores what they hold.
    for side in [&wal, &shm] {
        if !gone_soon(side).await {
            // Still there (the closed connection did not remove it): keep what it holds.
            set_mode(side, 0o644);
            continue;
        }
        std::fs::write(side, vec![0u8; 4096]).unwrap();
        set_mode(side, 0o644);
    }

    let p = start_in(dir.path()).await;
    assert_eq!(mode(dir.path()), 0o700);
    for file in [&database, &wal, &shm] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    // Nothing was lost on the way.
    let w = w.on(&p);
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"][0]["id"], "g1");
    p.running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_data_path_that_is_a_file_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    let failed = consentry_platform::serve(consentry_platform::PlatformConfig {
        data: consentry_platform::DataLocation::Directory(file.clone()),
        ..config()
    })
    .await;
    let error = failed
        .err()
        .expect("a file is no data directory")
        .to_string();
    assert!(error.contains("data directory"), "{error}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x", "left as it was");
}
