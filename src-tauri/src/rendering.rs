//! How WebKit draws the window. Consentry's screens are forms and lists; WebKit's accelerated
//! compositing gives them nothing they need, and where there is no GPU (a virtual machine, a
//! remote desktop, Mesa's software rasteriser) it costs the most: measured on the 1,000,000-
//! event bench under Xvfb, about 85 MiB in the web process, 240 ms before the first usable
//! screen and a p95 of 435 ms (instead of 33) from a purchase to its receipt on screen.
//! So the app draws without it, unless the cardholder's environment already says otherwise
//! (`WEBKIT_DISABLE_COMPOSITING_MODE=0` brings it back).

use std::ffi::OsStr;

/// WebKitGTK's own switch: any value but `0` turns compositing off.
pub const COMPOSITING_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The value to give the switch, given what the environment holds: ours when it holds none.
pub fn compositing_switch(current: Option<&OsStr>) -> Option<&'static str> {
    match current {
        Some(_) => None,
        None => Some("1"),
    }
}

/// Sets the switch before GTK and WebKit start (they read it once). Call it first thing in
/// `main`, while the process has one thread.
pub fn choose() {
    if let Some(value) = compositing_switch(std::env::var_os(COMPOSITING_SWITCH).as_deref()) {
        std::env::set_var(COMPOSITING_SWITCH, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_is_off_unless_the_environment_chose() {
        assert_eq!(compositing_switch(None), Some("1"));
        assert_eq!(compositing_switch(Some(OsStr::new("0"))), None);
        assert_eq!(compositing_switch(Some(OsStr::new("1"))), None);
        assert_eq!(compositing_switch(Some(OsStr::new(""))), None);
    }
}
