//! `consentry-platform --listen 127.0.0.1:8787 --data DIR`: the reference platform as a
//! standalone server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use consentry_platform::{DataLocation, DatabaseUrl, FaultConfig, PlatformConfig, SimulatorConfig};

/// The Consentry reference platform: tokenization, app directory, consents, purchase
/// simulator and signed event feed.
#[derive(Debug, Parser)]
#[command(name = "consentry-platform", version)]
struct Args {
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Directory of the platform database; without it the data lives in memory only.
    #[arg(long, conflicts_with = "database")]
    data: Option<PathBuf>,
    /// A PostgreSQL database instead of SQLite (`postgres://user@host/db`, or
    /// `postgres://user@localhost/db?host=/run/postgresql` for a Unix socket). Several
    /// platform processes may serve one database.
    #[arg(
        long,
        env = "CONSENTRY_PLATFORM_DATABASE",
        hide_env_values = true,
        value_name = "URL"
    )]
    database: Option<String>,
    /// Token for the operator endpoints (/v1/admin/*, publishing terms); unset disables them.
    #[arg(long, env = "CONSENTRY_PLATFORM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Run the demo simulator: one purchase on a random enrolled card every N milliseconds.
    #[arg(long, value_name = "MS")]
    simulate_every_ms: Option<u64>,
    /// Simulated purchases settle this many milliseconds after authorization.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    settle_after_ms: u64,
    /// Seed of the simulator's random choices.
    #[arg(long, default_value_t = 2013)]
    seed: u64,
    /// Derive the signing keys from this seed (reproducible keys; for tests only).
    #[arg(long)]
    signing_seed: Option<u64>,
    /// How long a key retired by a rotation keeps co-signing deliveries, in seconds
    /// (default: 7 days).
    #[arg(long, value_name = "SECONDS", default_value_t = 7 * 24 * 3600)]
    key_overlap_secs: u64,
    /// Faults to inject from the start, as JSON (see PUT /v1/admin/faults).
    #[arg(long, value_name = "JSON")]
    faults: Option<String>,
}

fn config(args: Args) -> Result<PlatformConfig, String> {
    let faults = match args.faults {
        Some(json) => {
            serde_json::from_str::<FaultConfig>(&json).map_err(|e| format!("--faults: {e}"))?
        }
        None => FaultConfig::default(),
    };
    Ok(PlatformConfig {
        listen: args.listen,
        data: match (args.database, args.data) {
            (Some(url), _) => DataLocation::Postgres(
                DatabaseUrl::postgres(&url).map_err(|e| format!("--database: {e}"))?,
            ),
            (None, Some(dir)) => DataLocation::Directory(dir),
            (None, None) => DataLocation::Memory,
        },
        admin_token: args.admin_token,
        faults,
        simulator: SimulatorConfig {
            enabled: args.simulate_every_ms.is_some(),
            interval: Duration::from_millis(args.simulate_every_ms.unwrap_or(20_000)),
            settle_after: Duration::from_millis(args.settle_after_ms),
            seed: args.seed,
        },
        signing_seed: args.signing_seed,
        key_overlap: Duration::from_secs(args.key_overlap_secs),
        ..PlatformConfig::default()
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match config(Args::parse()) {
        Ok(config) => config,
        Err(message) => {
            tracing::error!("{message}");
            return ExitCode::from(2);
        }
    };
    let platform = match consentry_platform::serve(config).await {
        Ok(platform) => platform,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    println!("consentry-platform listening on {}", platform.base_url());
    let stop = platform.shutdown_signal();
    tokio::spawn(async move {
        stop_signal().await;
        stop.send_replace(true);
    });
    match platform.wait().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<PlatformConfig, String> {
        let args = Args::try_parse_from(["consentry-platform"].iter().chain(args))
            .map_err(|e| e.to_string())?;
        config(args)
    }

    #[test]
    fn a_postgres_url_runs_the_platform_on_postgres_and_its_password_is_never_printed() {
        let config = parse(&["--database", "postgres://p:hunter2@db.example/platform"]).unwrap();
        let DataLocation::Postgres(url) = &config.data else {
            panic!("on PostgreSQL: {:?}", config.data);
        };
        assert_eq!(url.expose(), "postgres://p:hunter2@db.example/platform");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn another_database_url_or_both_data_and_database_are_refused() {
        let error = parse(&["--database", "mysql://u@h/db"]).unwrap_err();
        assert!(error.contains("postgres://"), "{error}");
        let error = parse(&["--data", "/tmp/x", "--database", "postgres://u@h/db"]).unwrap_err();
        assert!(error.contains("cannot be used with"), "{error}");
        assert_eq!(parse(&[]).unwrap().data, DataLocation::Memory);
    }
}
