//! Drives the real desktop app over WebDriver: `tauri-driver` in front of Debian's
//! `WebKitWebDriver`, the app binary built with the embedded UI, a temporary data directory.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test support: a window that does not do what the test expects ends the test"
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// Set by `make test`: a missing display or driver is then a failure, not a skip.
pub const REQUIRE_ENV: &str = "CI_REQUIRE_E2E";

/// Why the E2E tests cannot run here, or `None` when they can.
pub fn unavailable() -> Option<String> {
    if std::env::var_os("DISPLAY").is_none() {
        return Some("no DISPLAY (run under scripts/xvfb.sh, as `make test` does)".into());
    }
    if which("tauri-driver").is_none() {
        return Some("tauri-driver is not installed (`scripts/install-deps.sh driver`)".into());
    }
    if which("WebKitWebDriver").is_none() {
        return Some("WebKitWebDriver is missing (Debian package webkit2gtk-driver)".into());
    }
    if !app_binary().exists() {
        return Some(format!("{} is not built", app_binary().display()));
    }
    None
}

/// Skips (returns true) when E2E cannot run, unless `CI_REQUIRE_E2E=1` makes it a failure.
pub fn skip_unless_available() -> bool {
    match unavailable() {
        None => false,
        Some(why) if std::env::var_os(REQUIRE_ENV).is_some() => {
            panic!("end-to-end tests required but unavailable: {why}")
        }
        Some(why) => {
            println!("skipping end-to-end test: {why}");
            true
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The app binary: `CONSENTRY_APP_BIN`, else `<target>/debug/consentry-app`.
pub fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("CONSENTRY_APP_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("debug/consentry-app")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn wait_for_port(port: u16, timeout: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < timeout,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A started `tauri-driver` and the port it listens on.
struct Driver {
    child: Child,
    port: u16,
}

fn spawn_driver(home: &tempfile::TempDir, data_dir: &Path, env: &[(String, String)]) -> Driver {
    let port = free_port();
    let native_port = free_port();
    let native = which("WebKitWebDriver").expect("WebKitWebDriver");
    // The driver's environment reaches the app: the wallet and every per-user directory
    // the toolkit might touch stay inside this test's temporary directory.
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .arg("--native-driver")
        .arg(native)
        .env("CONSENTRY_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tauri-driver");
    wait_for_port(port, Duration::from_secs(20));
    Driver { child, port }
}

/// Says on the test's stderr that a session attempt failed (kept in the test log).
#[allow(clippy::print_stderr)]
fn note_retry(attempt: u32, error: &str) {
    eprintln!("WebDriver session attempt {attempt} failed ({error}); retrying");
}

/// A finished stand-in process, so a failed driver can be moved out and stopped.
fn dummy_child() -> Child {
    Command::new("true").spawn().expect("spawn true")
}

/// A WebDriver session with the app behind the driver on `port`.
async fn connect(port: u16, binary: &Path) -> Result<Client, String> {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": binary.canonicalize().expect("app binary") }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut builder = ClientBuilder::rustls().expect("rustls");
    let connect = builder.capabilities(caps).connect(&url);
    match tokio::time::timeout(Duration::from_secs(60), connect).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no WebDriver session within 60 s".into()),
    }
}

/// Tests in one binary take turns (a test that needs two apps starts the second one beside
/// the first: [`RunningApp::start_beside`]); two cores run one app well, not several tests'.
static ONE_APP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One running app with its own data directory, driven over WebDriver.
pub struct RunningApp {
    pub client: Client,
    pub data_dir: PathBuf,
    /// `None` once stopped; dropping a running app (a failed test) stops it too.
    driver: Option<Child>,
    home: Option<tempfile::TempDir>,
    /// The test's turn; `None` for an app started beside another (which holds it).
    turn: Option<tokio::sync::MutexGuard<'static, ()>>,
    env: Vec<(String, String)>,
    /// The binary the driver launched ([`app_binary`] unless [`RunningApp::start_binary`]).
    binary: PathBuf,
}

impl RunningApp {
    /// Starts the app on a fresh temporary data directory.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the app with extra environment variables (e.g. `CONSENTRY_DEMO_EVERY`).
    pub async fn start_with(env: &[(&str, &str)]) -> Self {
        // With both ring and aws-lc-rs in the build, rustls cannot pick one by itself.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let home = tempfile::tempdir().expect("temp dir");
        let data_dir = home.path().join("data");
        let turn = ONE_APP_AT_A_TIME.lock().await;
        Self::start_in(home, data_dir, Some(turn), owned(env)).await
    }

    /// Starts another Tauri binary the same way (the benchmarks' empty app, say).
    pub async fn start_binary(binary: &Path, env: &[(&str, &str)]) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let home = tempfile::tempdir().expect("temp dir");
        let data_dir = home.path().join("data");
        let turn = ONE_APP_AT_A_TIME.lock().await;
        Self::launch(home, data_dir, Some(turn), owned(env), binary.to_path_buf()).await
    }

    /// Starts the app on a data directory that `prepare` fills first (a wallet written with
    /// the store, say), with extra environment variables.
    pub async fn start_prepared<F, Fut>(env: &[(&str, &str)], prepare: F) -> Self
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let home = tempfile::tempdir().expect("temp dir");
        let data_dir = home.path().join("data");
        let turn = ONE_APP_AT_A_TIME.lock().await;
        prepare(data_dir.clone()).await;
        Self::start_in(home, data_dir, Some(turn), owned(env)).await
    }

    /// Starts a second app, on its own wallet (data directory), while this one runs: another
    /// device of the same person. The app is single-instance per wallet, so both run.
    pub async fn start_beside(&self, env: &[(&str, &str)]) -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        let data_dir = home.path().join("data");
        Self::start_in(home, data_dir, None, owned(env)).await
    }

    async fn start_in(
        home: tempfile::TempDir,
        data_dir: PathBuf,
        turn: Option<tokio::sync::MutexGuard<'static, ()>>,
        env: Vec<(String, String)>,
    ) -> Self {
        Self::launch(home, data_dir, turn, env, app_binary()).await
    }

    async fn launch(
        home: tempfile::TempDir,
        data_dir: PathBuf,
        turn: Option<tokio::sync::MutexGuard<'static, ()>>,
        env: Vec<(String, String)>,
        binary: PathBuf,
    ) -> Self {
        for dir in ["config", "cache"] {
            std::fs::create_dir_all(home.path().join(dir)).expect("per-user dirs");
        }
        // A loaded machine sometimes drops the very first WebDriver request (the driver is
        // listening but WebKitWebDriver is not ready yet): try again on fresh ports.
        let mut attempt = 1;
        let (client, driver) = loop {
            let mut driver = spawn_driver(&home, &data_dir, &env);
            match connect(driver.port, &binary).await {
                Ok(client) => break (client, driver.child),
                Err(e) if attempt < 3 => {
                    note_retry(attempt, &e);
                    terminate(std::mem::replace(&mut driver.child, dummy_child()));
                    wait_for_app_exit(&data_dir);
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("WebDriver session with the app: {e}"),
            }
        };
        Self {
            client,
            data_dir,
            driver: Some(driver),
            home: Some(home),
            turn,
            env,
            binary,
        }
    }

    /// Stops this app and starts it again on the same data directory.
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        let home = self.home.take().expect("home");
        let turn = self.turn.take();
        let env = std::mem::take(&mut self.env);
        let binary = std::mem::take(&mut self.binary);
        Self::launch(home, self.data_dir.clone(), turn, env, binary).await
    }

    /// Creates a wallet with its key in the system keyring through the first-run screens and
    /// returns the recovery key that was shown.
    pub async fn create_keyring_wallet(&self) -> String {
        let recovery_key = self.create_keyring_wallet_to_first_card().await;
        self.click_button("Skip for now").await;
        self.wait_text("h1", "Cards").await;
        recovery_key
    }

    /// Creates a keyring wallet and stops at the first-run step that offers to link a card.
    pub async fn create_keyring_wallet_to_first_card(&self) -> String {
        self.wait_text("h1", "Create your wallet").await;
        self.click_button("Create the wallet").await;
        let recovery_key = self.text("[data-testid=recovery-key]").await;
        assert!(
            recovery_key.len() > 40,
            "recovery key shown: {recovery_key:?}"
        );
        self.click("input[type=checkbox]").await;
        self.click_button("Continue").await;
        self.wait_text("h1", "Link a card").await;
        recovery_key
    }

    /// Waits up to 10 s for the element `locator` finds; panics naming it as `what`.
    async fn element(&self, locator: Locator<'_>, what: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("no element {what}: {e}"))
    }

    /// Types `text` into the element (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.element(Locator::Css(css), css).await;
        element.clear().await.expect("clear");
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// The texts of every element matching `css` now.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            if let Ok(text) = element.text().await {
                texts.push(text);
            }
        }
        texts
    }

    /// Waits up to `timeout` for `check` to hold over the texts of `css`, re-running `refresh`
    /// between looks; panics with the last texts seen.
    pub async fn wait_texts<F, R, Fut>(&self, css: &str, timeout: Duration, check: F, refresh: R)
    where
        F: Fn(&[String]) -> bool,
        R: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let start = Instant::now();
        loop {
            let texts = self.texts(css).await;
            if check(&texts) {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "{css}: condition not met within {timeout:?}; saw {texts:?}"
            );
            refresh().await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// [`RunningApp::wait_texts`] with nothing to do between two reads.
    pub async fn wait_until<F>(&self, css: &str, timeout: Duration, check: F)
    where
        F: Fn(&[String]) -> bool,
    {
        self.wait_texts(css, timeout, check, || async {}).await;
    }

    /// Clicks the button whose text is `label`.
    pub async fn click_button(&self, label: &str) {
        let xpath = format!("//button[normalize-space(.)='{label}']");
        self.element(Locator::XPath(&xpath), &format!("button {label:?}"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {label:?}: {e}"));
    }

    /// The element's text now, or `None` if it is absent or being re-rendered.
    async fn try_text(&self, css: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.text().await.ok()
    }

    /// Waits for an element and returns its text.
    pub async fn text(&self, css: &str) -> String {
        let element = self.element(Locator::Css(css), css).await;
        element.text().await.expect("element text")
    }

    /// Waits until the element's text equals `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let start = Instant::now();
        loop {
            let text = self.try_text(css).await;
            if text.as_deref() == Some(expected) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{css}: expected {expected:?}, still {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.element(Locator::Css(css), css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Ends the session and stops the driver with SIGTERM (SIGKILL would leave
    /// WebKitWebDriver running and holding its port).
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// The app's own process first, then every process it started (WebKit's web and network
    /// processes), not the drivers: what the app costs the machine.
    pub fn process_tree(&self) -> Vec<u32> {
        let binary = self
            .binary
            .canonicalize()
            .unwrap_or_else(|_| self.binary.clone());
        process_tree(&self.data_dir, |pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
        })
    }

    async fn shutdown(&mut self) {
        let _ = self.client.clone().close().await;
        if let Some(driver) = self.driver.take() {
            terminate(driver);
        }
        // The app is single-instance: the next launch would hand over to a lingering one.
        wait_for_app_exit(&self.data_dir);
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            terminate(driver);
            wait_for_app_exit(&self.data_dir);
        }
    }
}

/// The pids of processes started for `data_dir` (found by their environment: the app, the
/// processes it started, and the test's driver).
pub(crate) fn app_pids(data_dir: &Path) -> Vec<String> {
    let needle = format!("CONSENTRY_DATA_DIR={}", data_dir.display()).into_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_slice()))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Among the processes started for `data_dir` (which share its environment), those `is_app`
/// picks and, after them, their descendants: the app and what it started, not the drivers.
pub(crate) fn process_tree(data_dir: &Path, is_app: impl Fn(u32) -> bool) -> Vec<u32> {
    let pids: Vec<u32> = app_pids(data_dir)
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut tree: Vec<u32> = pids.iter().copied().filter(|&pid| is_app(pid)).collect();
    // Children by their parent, breadth first.
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        for &pid in &pids {
            if parent_of(pid) == Some(parent) && !tree.contains(&pid) {
                tree.push(pid);
            }
        }
        next += 1;
    }
    tree
}

/// The parent of `pid` (`ppid`, the 4th field of /proc/<pid>/stat, read after the command
/// name, which may hold spaces).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for this test's app to exit; asks it to (SIGTERM) after 5 s.
fn wait_for_app_exit(data_dir: &Path) {
    let start = Instant::now();
    loop {
        let pids = app_pids(data_dir);
        if pids.is_empty() {
            return;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = Command::new("kill").arg("-TERM").args(&pids).status();
        }
        if start.elapsed() > Duration::from_secs(15) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn owned(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Stops tauri-driver with SIGTERM (SIGKILL would leave WebKitWebDriver and the app running).
fn terminate(mut driver: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(driver.id().to_string())
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = driver.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = driver.kill();
}

/// The person's answers to the app's native dialogs, for a debug build started with
/// `CONSENTRY_TEST_DIALOGS` (see `src-tauri/src/native.rs`): accept every question or
/// decline it; save dialogs are cancelled. What the app asked is readable afterwards.
pub struct DialogScript {
    dir: tempfile::TempDir,
    path: String,
}

impl DialogScript {
    pub fn new(confirm: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("dialogs.json"),
            serde_json::json!({ "confirm": confirm, "save_dir": null }).to_string(),
        )
        .expect("dialog script");
        let path = dir.path().join("dialogs.json").display().to_string();
        Self { dir, path }
    }

    /// The path to give as `CONSENTRY_TEST_DIALOGS`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every question asked so far, as JSON lines.
    pub fn asked(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dialogs.json.asked")).unwrap_or_default()
    }
}
