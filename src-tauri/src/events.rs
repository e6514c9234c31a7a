//! Backend → UI events: one typed emitter per entry of `consentry_api::for_each_event!`.

use tauri::Emitter;

macro_rules! event_emitters {
    ($($name:ident($payload:ty);)*) => {
        $(
            pub fn $name(app: &tauri::AppHandle, payload: &$payload) {
                if let Err(e) = app.emit(stringify!($name), payload) {
                    tracing::warn!(event = stringify!($name), "cannot emit: {e}");
                }
            }
        )*
    };
}
consentry_api::for_each_event!(event_emitters);
