//! The window's close button in the real app under Xvfb, without WebDriver: where no tray host
//! is on the session bus, closing quits (no invisible process is left); with one (a stand-in
//! holding the StatusNotifierItem watcher's name) and notifications on, closing hides the
//! window and the app keeps running in the tray.
//!
//! Each app runs on a private D-Bus of its own, so the stand-in tray host is seen by this app
//! only, and its window is found by its process id.

use std::ffi::CString;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use consentry_testkit::app::{app_binary, skip_unless_available};
use consentry_testkit::session_bus::SessionBus;

/// A private session bus.
struct Bus(SessionBus);

impl Bus {
    fn start() -> Self {
        Bus(SessionBus::start())
    }

    /// Holds the tray host's well-known name until the connection is dropped.
    fn stand_in_tray_host(&self) -> zbus::blocking::Connection {
        let bus = zbus::blocking::connection::Builder::address(self.0.address.as_str())
            .unwrap()
            .build()
            .unwrap();
        bus.request_name("org.kde.StatusNotifierWatcher").unwrap();
        bus
    }
}

/// The app on its own temporary directories and bus; killed on drop if still running.
struct App {
    child: Child,
    dir: tempfile::TempDir,
}

impl App {
    fn start(bus: &Bus) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(app_binary())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("XDG_DATA_HOME", dir.path().join("share"))
            .env("CONSENTRY_DATA_DIR", dir.path().join("data"))
            .env("CONSENTRY_DEMO_EVERY", "0")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.0.address)
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("app.log")).unwrap(),
            ))
            .spawn()
            .expect("start the app");
        Self { child, dir }
    }

    /// Its visible window, once mapped (up to 60 s: the machine may be busy with other tests).
    fn visible_window(&self) -> Option<u64> {
        let out = Command::new("xdotool")
            .args([
                "search",
                "--onlyvisible",
                "--pid",
                &self.child.id().to_string(),
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|line| line.trim().parse().ok())
    }

    fn wait_for_window(&self) -> u64 {
        let start = Instant::now();
        loop {
            if let Some(window) = self.visible_window() {
                return window;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no window within 60 s; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("app.log")).unwrap_or_default()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a window manager sends when the close button is pressed: a `WM_PROTOCOLS` client
/// message carrying `WM_DELETE_WINDOW` (ICCCM 4.2.8.1). Xlib through x11-dl, which the tree
/// already has; no safe crate in it sends a client message.
#[allow(unsafe_code)]
fn press_close(window: u64) {
    let xlib = x11_dl::xlib::Xlib::open().expect("libX11");
    let protocols = CString::new("WM_PROTOCOLS").unwrap();
    let delete = CString::new("WM_DELETE_WINDOW").unwrap();
    // SAFETY: a display opened here and closed below; the event is zeroed then filled as the
    // ClientMessage variant the union is read as; the window id came from the X server.
    unsafe {
        let display = (xlib.XOpenDisplay)(std::ptr::null());
        assert!(!display.is_null(), "no X display");
        let protocols = (xlib.XInternAtom)(display, protocols.as_ptr(), 0);
        let delete = (xlib.XInternAtom)(display, delete.as_ptr(), 0);
        let mut event: x11_dl::xlib::XEvent = std::mem::zeroed();
        event.client_message.type_ = x11_dl::xlib::ClientMessage;
        event.client_message.window = window;
        event.client_message.message_type = protocols;
        event.client_message.format = 32;
        event
            .client_message
            .data
            .set_long(0, i64::try_from(delete).unwrap_or_default());
        (xlib.XSendEvent)(display, window, 0, x11_dl::xlib::NoEventMask, &mut event);
        (xlib.XFlush)(display);
        (xlib.XCloseDisplay)(display);
    }
}

#[test]
fn without_a_tray_closing_the_window_quits() {
    if skip_unless_available() {
        return;
    }
    let bus = Bus::start();
    let mut app = App::start(&bus);
    let window = app.wait_for_window();
    press_close(window);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = app.exited() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "still running 15 s after the close button, with no tray to come back from; log:\n{}",
            app.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}; log:\n{}", app.log());
}

#[test]
fn with_a_tray_closing_the_window_keeps_the_app_running_in_it() {
    if skip_unless_available() {
        return;
    }
    let bus = Bus::start();
    let _tray_host = bus.stand_in_tray_host();
    let mut app = App::start(&bus);
    let window = app.wait_for_window();
    press_close(window);
    let start = Instant::now();
    while app.visible_window().is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the window is still shown 15 s after the close button; log:\n{}",
            app.log()
        );
        assert!(app.exited().is_none(), "quit; log:\n{}", app.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    // Hidden, not gone: the process lives on (and said why).
    std::thread::sleep(Duration::from_millis(500));
    assert!(app.exited().is_none(), "quit; log:\n{}", app.log());
    assert!(
        app.log()
            .contains("window closed; still running in the tray"),
        "{}",
        app.log()
    );
}
