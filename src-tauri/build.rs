// A build script reports failure by panicking; that is its interface with cargo.
#[allow(clippy::panic)]
fn main() {
    // One permission per app command (`allow-<name>`), generated from the api crate's list,
    // so capabilities can grant exactly the commands the window uses.
    let commands = consentry_api::bindings::COMMAND_NAMES;
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e:#}"));
}
