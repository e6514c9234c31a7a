//! The Tauri commands: one generated one-liner per entry of `consentry_api::for_each_command!`.

use consentry_api::{ApiError, Context};
use tauri::State;

macro_rules! tauri_commands {
    ($($name:ident($request:ty) -> $response:ty;)*) => {
        $(
            #[tauri::command]
            pub async fn $name(
                ctx: State<'_, Context>,
                request: $request,
            ) -> Result<$response, ApiError> {
                consentry_api::$name(&ctx, request).await
            }
        )*

        /// The invoke handler for every command in the list.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}
consentry_api::for_each_command!(tauri_commands);
