//! A private D-Bus session bus, for tests of what the app sees on the bus (a tray host):
//! each test gets a `dbus-daemon` of its own, so nothing on the machine's bus is seen or
//! changed.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

/// A `dbus-daemon --session` of its own, stopped on drop.
pub struct SessionBus {
    daemon: Child,
    /// The address clients connect to (`DBUS_SESSION_BUS_ADDRESS`).
    pub address: String,
}

impl SessionBus {
    /// # Panics
    /// When `dbus-daemon` (Debian package dbus) cannot run: the test cannot go on.
    pub fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            // It says it cannot raise its file limit when not run as the system bus.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) runs the bus tests");
        let mut line = String::new();
        if let Some(out) = daemon.stdout.take() {
            std::io::BufReader::new(out)
                .read_line(&mut line)
                .expect("dbus-daemon prints its address");
        }
        Self {
            daemon,
            address: line.trim().to_owned(),
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
