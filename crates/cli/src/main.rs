//! `consentry`: the wallet from a terminal or a script. One module per subcommand in
//! [`commands`]; exit codes in [`exit`] (also in `--help` and `docs/cli.md`).

mod cli;
mod commands;
mod exit;
mod unlock;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::Cli;

/// The first argument that holds a card number, if one does: it would stay in the shell's
/// history and in every process listing, so it is refused before anything else.
fn card_number_argument() -> Option<usize> {
    std::env::args_os()
        .skip(1)
        .position(|arg| consentry_domain::contains_card_number(&arg.to_string_lossy()))
        .map(|i| i + 1)
}

fn main() -> ExitCode {
    if let Some(position) = card_number_argument() {
        let _ = writeln!(
            std::io::stderr(),
            "consentry: argument {position} looks like a card number; a card number never goes \
             on the command line (your shell keeps it in its history). `consentry card link` \
             reads it from the terminal, unseen, or from standard input."
        );
        return exit::Status::Usage.into();
    }
    // Usage errors exit with 2 and `--help` with 0, both printed by clap.
    let cli = Cli::parse();
    // Warnings (an interrupted key rotation settled, a keyring repaired) on standard error,
    // where the README says; `CONSENTRY_LOG` changes the level.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONSENTRY_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| exit::CliError::other(format!("cannot start the runtime: {e}")))
        .and_then(|runtime| runtime.block_on(commands::run(cli)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "consentry: {}", error.message);
            error.status.into()
        }
    }
}
