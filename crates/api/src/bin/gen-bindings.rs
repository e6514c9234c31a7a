//! Writes what is generated from the one command list (see `consentry_api::bindings`): the
//! TypeScript bindings of the IPC surface and the main window's Tauri capability.
//!
//! `gen-bindings [TS_FILE [CAPABILITY_FILE]]`; by default the committed files.

use std::path::PathBuf;
use std::process::ExitCode;

use consentry_api::bindings;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let ts = args
        .next()
        .unwrap_or_else(|| root.join(bindings::BINDINGS_PATH));
    let capability = args
        .next()
        .unwrap_or_else(|| root.join(bindings::CAPABILITY_PATH));
    for (path, text) in [
        (ts, bindings::render()),
        (capability, bindings::render_capability()),
    ] {
        if let Err(e) = std::fs::write(&path, text) {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("gen-bindings: cannot write {}: {e}", path.display());
            }
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
