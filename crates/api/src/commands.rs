//! The one declared list of IPC commands.
//!
//! `for_each_command!(callback)` expands `callback! { name(Request) -> Response; … }` with every
//! command. The Tauri shell expands it into its `#[tauri::command]` one-liners and handler, and
//! [`crate::bindings`] into the TypeScript command map, so a command exists everywhere or nowhere.
//! Each command is an `async fn name(&Context, Request) -> Result<Response, ApiError>` at this
//! crate's root.

/// Calls `$callback!` with the list of commands. See the module docs.
#[macro_export]
macro_rules! for_each_command {
    ($callback:ident) => {
        $callback! {
            app_info($crate::AppInfoRequest) -> $crate::AppInfo;
        }
    };
}
