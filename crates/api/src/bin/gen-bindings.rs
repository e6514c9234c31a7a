//! Writes the TypeScript bindings for the IPC surface (see `consentry_api::bindings`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(consentry_api::bindings::BINDINGS_PATH));
    match std::fs::write(&path, consentry_api::bindings::render()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("gen-bindings: cannot write {}: {e}", path.display());
            }
            ExitCode::FAILURE
        }
    }
}
