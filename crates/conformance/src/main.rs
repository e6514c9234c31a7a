//! `consentry-conformance`: runs the platform contract's checks against a platform URL and
//! prints a pass/fail table (or JSON); exits 1 when a check fails.

#![allow(
    clippy::print_stderr,
    reason = "a command-line tool: its errors are for the terminal"
)]

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use consentry_conformance::{catalogue, run, Options};

/// Checks that a platform at URL honours the Consentry platform contract (docs/platform).
#[derive(Debug, Parser)]
#[command(name = "consentry-conformance", version)]
struct Cli {
    /// The platform's base URL, e.g. http://127.0.0.1:8787
    #[arg(long, env = "CONSENTRY_PLATFORM_URL", required_unless_present = "list")]
    url: Option<String>,
    /// The operator token (needed by the checks of operator endpoints, e.g. key rotation)
    #[arg(long, env = "CONSENTRY_PLATFORM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Run only the checks whose name contains this text (e.g. `idempotency`)
    #[arg(long)]
    only: Option<String>,
    /// Print the results as JSON instead of a table
    #[arg(long)]
    json: bool,
    /// List the checks and what each proves, without running them
    #[arg(long)]
    list: bool,
    /// Seconds any one request may take (long-polls hold up to 30)
    #[arg(long, default_value_t = 40)]
    request_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    if cli.list {
        for check in catalogue() {
            let operator = if check.needs_operator {
                " [operator]"
            } else {
                ""
            };
            let _ = writeln!(stdout, "{}{operator}\n    {}", check.name, check.proves);
        }
        return ExitCode::SUCCESS;
    }
    let Some(url) = cli.url else {
        eprintln!("--url is required");
        return ExitCode::from(2);
    };
    let mut options = Options::new(&url, cli.admin_token);
    options.only = cli.only;
    options.request_timeout = Duration::from_secs(cli.request_timeout.max(1));
    let report = run(&options).await;
    let written = if cli.json {
        serde_json::to_string_pretty(&report.to_json())
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(stdout, "{text}"))
    } else {
        write!(stdout, "{}", report.table())
    };
    if let Err(e) = written {
        eprintln!("cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
