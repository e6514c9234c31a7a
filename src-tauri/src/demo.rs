//! The embedded demo platform: with no platform configured, the app runs the reference
//! platform on loopback (its data beside the wallet, in `demo-platform/`) with its purchase
//! simulator, so a new cardholder sees receipts and rewards arrive.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use consentry_platform::{DataLocation, PlatformConfig, RunningPlatform};

/// The folder inside the data dir, and the file that remembers the port between launches
/// (the wallet's enrollment names the address; the app follows it if the port must change).
const DIR: &str = "demo-platform";
const PORT_FILE: &str = "port";

/// The running demo platform, kept in Tauri's state for the life of the app.
pub struct DemoPlatform(#[allow(dead_code)] pub RunningPlatform);

/// A demo platform this app started, and the operator token minted for it at this launch
/// (the demo controls' only key to `/v1/admin/*`; it never leaves the process).
pub struct Started {
    pub platform: RunningPlatform,
    pub operator: String,
}

/// Starts the demo platform; `simulate_every` of zero turns the simulator off.
pub async fn start(data_dir: &Path, simulate_every: Duration) -> Result<Started, String> {
    let dir = data_dir.join(DIR);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let port_file = dir.join(PORT_FILE);
    let remembered = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|text| text.trim().parse::<u16>().ok())
        .filter(|port| *port != 0);
    let mut config = PlatformConfig::demo(simulate_every);
    config.simulator.enabled = !simulate_every.is_zero();
    config.data = DataLocation::Directory(dir.clone());
    let operator = consentry_platform::ids::new_secret("op");
    config.admin_token = Some(operator.clone());
    let mut running = None;
    if let Some(port) = remembered {
        config.listen = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        match consentry_platform::serve(config.clone()).await {
            Ok(platform) => running = Some(platform),
            Err(e) => tracing::warn!("demo platform: port {port} is taken ({e}); using another"),
        }
    }
    let platform = match running {
        Some(platform) => platform,
        None => {
            config.listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            consentry_platform::serve(config)
                .await
                .map_err(|e| format!("the demo platform did not start: {e}"))?
        }
    };
    if remembered != Some(platform.addr().port()) {
        if let Err(e) = std::fs::write(&port_file, platform.addr().port().to_string()) {
            tracing::warn!("demo platform: cannot remember the port: {e}");
        }
    }
    tracing::info!(url = %platform.base_url(), "demo platform running");
    Ok(Started { platform, operator })
}
