//! The shell's desktop integration without a window: signed updates through
//! `tauri-plugin-updater` on tauri's mock runtime against an update server on loopback (a
//! throwaway minisign key made here, as `tauri signer` would), the login entry through
//! `tauri-plugin-autostart` (in a child process with its own HOME), and tray-host detection on a
//! private D-Bus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use consentry_api::desktop::{Desktop, UpdateError};
use consentry_app::desktop::ShellDesktop;
use consentry_app::updates::{Installer, Updates};
use consentry_testkit::session_bus::SessionBus;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};

const CURRENT: &str = "0.1.0";
const ARTIFACT: &str = "/consentry_0.2.0_amd64.deb";

/// A minisign key pair, as `tauri signer generate` makes one.
struct Key {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

fn new_key() -> Key {
    let minisign::KeyPair { pk, sk } = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    Key { pk, sk }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl Key {
    /// The public key as `plugins.updater.pubkey` holds it (base64 of the `.pub` file).
    fn config_pubkey(&self) -> String {
        b64(&self.pk.to_box().unwrap().to_string())
    }

    /// The signature as the manifest carries it (base64 of the `.sig` file), its trusted
    /// comment naming the version like `tauri signer sign --app-version` does.
    fn sign(&self, bytes: &[u8], version: Option<&str>) -> String {
        let mut trusted = "timestamp:1767225600\tfile:consentry_0.2.0_amd64.deb".to_owned();
        if let Some(version) = version {
            trusted.push_str(&format!("\tversion:{version}"));
        }
        let signature = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(bytes),
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        b64(&signature.to_string())
    }
}

/// What the loopback update server answers, and what it was asked.
#[derive(Default)]
struct Served {
    manifest: Option<serde_json::Value>,
    artifact: Vec<u8>,
    hits: HashMap<String, u32>,
}

type Shared = Arc<Mutex<Served>>;

struct Server {
    base: String,
    served: Shared,
}

impl Server {
    fn manifest_url(&self) -> url::Url {
        format!("{}/latest.json", self.base).parse().unwrap()
    }

    fn hits(&self, path: &str) -> u32 {
        self.served
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    fn set(&self, manifest: serde_json::Value, artifact: &[u8]) {
        let mut served = self.served.lock().unwrap();
        served.manifest = Some(manifest);
        served.artifact = artifact.to_vec();
    }
}

async fn manifest(State(served): State<Shared>) -> Response {
    let mut served = served.lock().unwrap();
    *served.hits.entry("/latest.json".into()).or_default() += 1;
    match &served.manifest {
        Some(json) => axum::Json(json.clone()).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn artifact(State(served): State<Shared>) -> Response {
    let mut served = served.lock().unwrap();
    *served.hits.entry(ARTIFACT.into()).or_default() += 1;
    served.artifact.clone().into_response()
}

async fn serve() -> Server {
    let served = Shared::default();
    let router = axum::Router::new()
        .route("/latest.json", get(manifest))
        .route(ARTIFACT, get(artifact))
        .with_state(served.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Server { base, served }
}

/// The update manifest (Tauri's static format) for this system's target.
fn release(server: &Server, version: &str, signature: &str) -> serde_json::Value {
    let target = format!("linux-{}", std::env::consts::ARCH);
    serde_json::json!({
        "version": version,
        "notes": "Faster Activity.\nStart at login.",
        "pub_date": "2027-01-15T10:00:00Z",
        "platforms": {
            target: { "url": format!("{}{ARTIFACT}", server.base), "signature": signature }
        }
    })
}

/// Records what reaches the installer instead of installing it.
#[derive(Default)]
struct Installs(Mutex<Vec<Vec<u8>>>);

impl Installs {
    fn installer(self: &Arc<Self>) -> Installer {
        let installs = self.clone();
        Arc::new(move |_update, bytes| {
            installs.0.lock().unwrap().push(bytes);
            Ok(())
        })
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// The app on the mock runtime, trusting `pubkey`, with the updater and autostart plugins.
fn app(pubkey: &str) -> tauri::App<MockRuntime> {
    let mut context = mock_context(noop_assets());
    context.package_info_mut().version = CURRENT.parse().unwrap();
    context.package_info_mut().name = "Consentry".into();
    context.config_mut().plugins.0.insert(
        "updater".into(),
        serde_json::json!({
            "pubkey": pubkey,
            "endpoints": ["https://updates.consentry.invalid/latest.json"],
            "requireSignedVersion": true
        }),
    );
    mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(consentry_app::desktop::AUTOSTART_FLAG)
                .build(),
        )
        .build(context)
        .unwrap()
}

struct Setup {
    server: Server,
    key: Key,
    installs: Arc<Installs>,
    updates: Updates<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

async fn setup() -> Setup {
    let server = serve().await;
    let key = new_key();
    let app = app(&key.config_pubkey());
    let installs = Arc::new(Installs::default());
    let updates = Updates::new(
        app.handle().clone(),
        Some(server.manifest_url()),
        installs.installer(),
    );
    Setup {
        server,
        key,
        installs,
        updates,
        _app: app,
    }
}

const PACKAGE: &[u8] = b"!<arch>\ndebian-binary   a package of version 0.2.0";

#[tokio::test]
async fn a_signed_update_is_offered_then_installed_only_on_the_cardholders_yes() {
    let s = setup().await;
    let signature = s.key.sign(PACKAGE, Some("0.2.0"));
    s.server
        .set(release(&s.server, "0.2.0", &signature), PACKAGE);

    // Nothing offered yet: nothing can be installed, and nothing was downloaded.
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert_eq!(
        err,
        UpdateError::NotOffered {
            version: "0.2.0".into()
        }
    );

    let offer = s.updates.check().await.unwrap().expect("0.2.0 is newer");
    assert_eq!(offer.version, "0.2.0");
    assert_eq!(
        offer.notes.as_deref(),
        Some("Faster Activity.\nStart at login.")
    );
    assert_eq!(offer.published_at.as_deref(), Some("2027-01-15T10:00:00Z"));
    // The check read the manifest only: the package waits for a yes.
    assert_eq!(s.server.hits("/latest.json"), 1);
    assert_eq!(s.server.hits(ARTIFACT), 0);
    assert_eq!(s.installs.count(), 0);

    // A yes to another version than the one offered installs nothing.
    let err = s.updates.install("0.3.0").await.unwrap_err();
    assert!(matches!(err, UpdateError::NotOffered { .. }), "{err:?}");
    assert_eq!(s.server.hits(ARTIFACT), 0);

    // The yes to 0.2.0: downloaded, verified, handed over byte for byte.
    s.updates.install("0.2.0").await.unwrap();
    assert_eq!(s.server.hits(ARTIFACT), 1);
    assert_eq!(*s.installs.0.lock().unwrap(), vec![PACKAGE.to_vec()]);
}

#[tokio::test]
async fn a_package_that_does_not_match_its_signature_is_refused() {
    let s = setup().await;
    let signature = s.key.sign(PACKAGE, Some("0.2.0"));
    let mut tampered = PACKAGE.to_vec();
    tampered.extend_from_slice(b"; rm -rf ~");
    s.server
        .set(release(&s.server, "0.2.0", &signature), &tampered);
    s.updates.check().await.unwrap().expect("offered");
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert!(
        matches!(&err, UpdateError::Unverified(why) if why.contains("signature verification failed")),
        "{err:?}"
    );
    assert_eq!(s.server.hits(ARTIFACT), 1);
    assert_eq!(s.installs.count(), 0);
}

#[tokio::test]
async fn a_package_signed_by_another_key_is_refused() {
    let s = setup().await;
    let stranger = new_key();
    let signature = stranger.sign(PACKAGE, Some("0.2.0"));
    s.server
        .set(release(&s.server, "0.2.0", &signature), PACKAGE);
    s.updates.check().await.unwrap().expect("offered");
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert!(
        matches!(&err, UpdateError::Unverified(why) if why.to_lowercase().contains("key")),
        "{err:?}"
    );
    assert_eq!(s.installs.count(), 0);
}

#[tokio::test]
async fn an_older_release_passed_off_as_newer_or_one_signed_without_its_version_is_refused() {
    let s = setup().await;
    // Genuinely signed, but for 0.1.1: the manifest cannot relabel it 0.2.0.
    let old = s.key.sign(PACKAGE, Some("0.1.1"));
    s.server.set(release(&s.server, "0.2.0", &old), PACKAGE);
    s.updates.check().await.unwrap().expect("offered");
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert!(
        matches!(&err, UpdateError::Unverified(why) if why.contains("signed for version 0.1.1")),
        "{err:?}"
    );

    let unversioned = s.key.sign(PACKAGE, None);
    s.server
        .set(release(&s.server, "0.2.0", &unversioned), PACKAGE);
    s.updates.check().await.unwrap().expect("offered");
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert!(matches!(err, UpdateError::Unverified(_)), "{err:?}");

    let garbage = b64("not a minisign signature");
    s.server.set(release(&s.server, "0.2.0", &garbage), PACKAGE);
    s.updates.check().await.unwrap().expect("offered");
    let err = s.updates.install("0.2.0").await.unwrap_err();
    assert!(matches!(err, UpdateError::Unverified(_)), "{err:?}");
    assert_eq!(s.installs.count(), 0);
}

#[tokio::test]
async fn no_newer_version_offers_nothing_and_a_bad_server_is_a_clear_failure() {
    let s = setup().await;
    let signature = s.key.sign(PACKAGE, Some(CURRENT));
    s.server
        .set(release(&s.server, CURRENT, &signature), PACKAGE);
    assert_eq!(s.updates.check().await.unwrap(), None);
    // A later check that finds nothing withdraws the earlier offer.
    let err = s.updates.install(CURRENT).await.unwrap_err();
    assert!(matches!(err, UpdateError::NotOffered { .. }));

    // 204 No Content: nothing new.
    s.server.served.lock().unwrap().manifest = None;
    assert_eq!(s.updates.check().await.unwrap(), None);

    // A manifest for other systems only, or not a manifest at all.
    s.server.set(
        serde_json::json!({
            "version": "0.2.0",
            "platforms": { "windows-x86_64": { "url": "https://x.invalid/a.msi", "signature": "x" } }
        }),
        PACKAGE,
    );
    let err = s.updates.check().await.unwrap_err();
    assert!(matches!(err, UpdateError::Unavailable(_)), "{err:?}");
    s.server.set(serde_json::json!({"hello": "world"}), PACKAGE);
    let err = s.updates.check().await.unwrap_err();
    assert!(matches!(err, UpdateError::Unavailable(_)), "{err:?}");

    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let app = app(&s.key.config_pubkey());
    let nowhere = Updates::new(
        app.handle().clone(),
        Some(format!("http://{closed}/latest.json").parse().unwrap()),
        s.installs.installer(),
    );
    let err = nowhere.check().await.unwrap_err();
    assert!(matches!(err, UpdateError::Unavailable(_)), "{err:?}");
    assert_eq!(s.installs.count(), 0);
}

#[tokio::test]
async fn the_shell_desktop_offers_and_installs_through_the_same_updater() {
    let s = setup().await;
    let signature = s.key.sign(PACKAGE, Some("0.2.0"));
    s.server
        .set(release(&s.server, "0.2.0", &signature), PACKAGE);
    let app = app(&s.key.config_pubkey());
    let desktop = ShellDesktop::new(
        app.handle().clone(),
        Updates::new(
            app.handle().clone(),
            Some(s.server.manifest_url()),
            s.installs.installer(),
        ),
    );
    // A test binary was not installed from a package: it never checks on its own.
    assert!(!desktop.installed_from_package());
    // No tray icon was built on the mock runtime: closing the window would quit.
    assert!(!desktop.tray_available().await);
    let offer = desktop.check_update().await.unwrap().unwrap();
    assert_eq!(s.installs.count(), 0);
    desktop.install_update(offer.version).await.unwrap();
    assert_eq!(s.installs.count(), 1);
}

const LOGIN_CHILD: &str = "CONSENTRY_TEST_LOGIN_ENTRY_CHILD";

/// Runs in a child process whose HOME is a temporary directory (the autostart crate writes
/// under `$HOME/.config/autostart`, whatever `XDG_CONFIG_HOME` says).
#[test]
#[ignore = "run by start_at_login_writes_then_removes_the_login_entry, with its own HOME"]
fn login_entry_child() {
    let home = std::env::var_os("HOME").unwrap();
    assert!(
        std::env::var_os(LOGIN_CHILD).is_some(),
        "run through start_at_login_writes_then_removes_the_login_entry"
    );
    let entry = Path::new(&home).join(".config/autostart/Consentry.desktop");
    let app = app(&new_key().config_pubkey());
    let desktop = ShellDesktop::new(
        app.handle().clone(),
        Updates::new(
            app.handle().clone(),
            None,
            Arc::new(Installs::default()).installer(),
        ),
    );
    assert_eq!(desktop.start_at_login(), Some(Ok(false)));
    assert!(!entry.exists());

    desktop.set_start_at_login(true).unwrap();
    assert_eq!(desktop.start_at_login(), Some(Ok(true)));
    let text = std::fs::read_to_string(&entry).unwrap();
    let exe = std::env::current_exe().unwrap();
    assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
    assert!(text.contains("\nName=Consentry\n"), "{text}");
    assert!(
        text.contains(&format!("\nExec={} --autostart\n", exe.display())),
        "{text}"
    );
    // Twice on is still one entry.
    desktop.set_start_at_login(true).unwrap();

    desktop.set_start_at_login(false).unwrap();
    assert_eq!(desktop.start_at_login(), Some(Ok(false)));
    assert!(!entry.exists());
    // Off when already off is not an error.
    desktop.set_start_at_login(false).unwrap();
    std::fs::write(Path::new(&home).join("child-done"), b"ok").unwrap();
}

#[test]
fn start_at_login_writes_then_removes_the_login_entry() {
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "login_entry_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("HOME", home.path())
        .env(LOGIN_CHILD, "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The child ran to its end (not filtered away), and left the folder it made, empty.
    assert!(home.path().join("child-done").exists());
    let autostart = home.path().join(".config/autostart");
    assert!(autostart.is_dir());
    assert_eq!(std::fs::read_dir(&autostart).unwrap().count(), 0);
}

/// A client of `bus`.
fn connect(bus: &SessionBus) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn a_tray_host_is_seen_only_while_one_holds_the_watcher_name() {
    use consentry_app::desktop::tray_host::{present_on, WATCHER};
    let bus = SessionBus::start();
    let app = connect(&bus);
    assert!(!present_on(&app));

    let panel = connect(&bus);
    panel.request_name(WATCHER).unwrap();
    assert!(present_on(&app));

    panel.release_name(WATCHER).unwrap();
    assert!(!present_on(&app));
    // Another name on the bus is no tray.
    panel.request_name("org.freedesktop.Notifications").unwrap();
    assert!(!present_on(&app));
}
