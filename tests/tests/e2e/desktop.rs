//! On the desktop, in the real window: Settings → On this computer writes and removes the login
//! entry (under a HOME of the test's own), says that closing quits where there is no tray (a
//! bare Xvfb has no tray host), and an update from a loopback server whose package is signed by
//! another key than Consentry's is offered, downloaded only on Install, and refused.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use consentry_testkit::app::{app_binary, skip_unless_available, RunningApp};

/// What the package below is signed with: a throwaway key (`tauri signer generate`), not the
/// release key in `plugins.updater.pubkey`; the signature names version 9.0.0.
const PACKAGE: &[u8] = b"not a real package: Consentry 9.0.0";
const FOREIGN_SIGNATURE: &str = "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZSBmcm9tIHRhdXJpIHNlY3JldCBrZXkKUlVSRENRVkx3ZzJ0MEtxbytOWXI4N3BFMlFqUjlxWnAvOFl5cURXZjloZW5tOWw5VmltVHZxNUxzSkZMOXk0WHhIM0ZFd2lkUEU1cFM2aFZoRlUxclZoRWtTN1FDcVVSUFFjPQp0cnVzdGVkIGNvbW1lbnQ6IHRpbWVzdGFtcDoxNzk2MjcwOTI3CWZpbGU6cGtnCXZlcnNpb246OS4wLjAKL1c5Z2ZwcVpkQTBoNXdMa05ZY0FZbURBQnpkb3RLakM1OFBYMFRhTURKd0dUSmpjSzg4V0hEV2NITHBSek9zQ2l0UmFEOXM5QWFPVDdYY0FVSjc1QWc9PQo=";

/// How often the loopback update server served the manifest and the package.
#[derive(Default)]
struct Hits {
    manifest: AtomicU32,
    package: AtomicU32,
}

/// An update server on loopback (one thread, one request per connection); returns its
/// manifest URL.
fn serve_update(hits: Arc<Hits>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let target = format!("linux-{}", std::env::consts::ARCH);
    let manifest = serde_json::json!({
        "version": "9.0.0",
        "notes": "Everything is faster.",
        "pub_date": "2027-02-01T09:00:00Z",
        "platforms": { target: { "url": format!("{base}/consentry_9.0.0_amd64.deb"), "signature": FOREIGN_SIGNATURE } }
    })
    .to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let (kind, body) = if line.starts_with("GET /latest.json ") {
                hits.manifest.fetch_add(1, Ordering::SeqCst);
                ("application/json", manifest.as_bytes())
            } else if line.starts_with("GET /consentry_9.0.0_amd64.deb ") {
                hits.package.fetch_add(1, Ordering::SeqCst);
                ("application/octet-stream", PACKAGE)
            } else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    format!("{base}/latest.json")
}

/// Waits up to 10 s for `done`; panics naming `what`.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not within 10 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_write_the_login_entry_and_an_update_signed_by_another_key_is_refused() {
    if skip_unless_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let hits = Arc::new(Hits::default());
    let manifest_url = serve_update(hits.clone());
    let home_path = home.path().display().to_string();
    let app = RunningApp::start_with(&[
        ("HOME", &home_path),
        ("CONSENTRY_UPDATE_URL", &manifest_url),
    ])
    .await;
    app.create_keyring_wallet().await;
    app.click("nav a[data-route='settings']").await;
    app.wait_text("h1", "Settings").await;

    // Xvfb has no tray host: closing the window quits, and the switch says so.
    app.wait_text(
        "[data-testid=keep-in-tray-hint]",
        "This desktop shows no tray icons, so closing the window quits Consentry.",
    )
    .await;
    let disabled = app
        .client
        .find(fantoccini::Locator::Css("[data-testid=keep-in-tray]"))
        .await
        .unwrap()
        .attr("aria-disabled")
        .await
        .unwrap();
    assert_eq!(disabled.as_deref(), Some("true"));

    // Start at login: the entry appears, starting this binary hidden in the tray, then goes.
    let entry = home.path().join(".config/autostart/Consentry.desktop");
    app.click("[data-testid=start-at-login]").await;
    wait_until("the login entry is written", || entry.exists()).await;
    let text = std::fs::read_to_string(&entry).unwrap();
    let exe = app_binary().canonicalize().unwrap();
    assert!(
        text.contains(&format!("\nExec={} --autostart\n", exe.display())),
        "{text}"
    );
    app.click("[data-testid=start-at-login]").await;
    wait_until("the login entry is removed", || !entry.exists()).await;

    // A copy built from source never asked on its own; asking finds 9.0.0 and downloads nothing.
    assert_eq!(hits.manifest.load(Ordering::SeqCst), 0);
    app.click("[data-testid=check-updates-now]").await;
    app.wait_text("#update-title", "Version 9.0.0 is available")
        .await;
    assert_eq!(hits.manifest.load(Ordering::SeqCst), 1);
    assert_eq!(hits.package.load(Ordering::SeqCst), 0);
    assert_eq!(
        app.text("[data-testid=update-notes]").await,
        "Everything is faster."
    );

    // Install: downloaded, its signature checked against Consentry's key, refused.
    app.click("[data-testid=update-install]").await;
    app.wait_text(
        "[data-testid=update-prompt] [role=alert][data-code=update_unverified] strong",
        "This update isn’t signed by Consentry, so it wasn’t installed.",
    )
    .await;
    assert_eq!(hits.package.load(Ordering::SeqCst), 1);
    app.stop().await;
}
