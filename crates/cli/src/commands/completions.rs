//! `consentry completions SHELL`: the completion script, generated from the command line's
//! own definition (so it never lists a flag that does not exist).

use clap::Args;
use clap_complete::Shell;

use crate::exit::CliError;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the script for `command` (the whole command line) on standard output, e.g.
/// `consentry completions bash > ~/.local/share/bash-completion/completions/consentry`.
pub fn print(args: &CompletionsArgs, mut command: clap::Command) -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "consentry", &mut out);
    super::wallet::print(&String::from_utf8_lossy(&out))
}
