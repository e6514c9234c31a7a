//! The system dialogs behind `consentry_api::native::Native`: GTK's save dialog (which asks
//! before replacing a file) and message dialogs, parented to the main window. The page can
//! neither draw nor answer them.
//!
//! Debug builds only: `CONSENTRY_TEST_DIALOGS=<file.json>` answers from that file instead
//! (`{"confirm": bool, "save_dir": "/dir" | null}`, read at each question) and appends every
//! question, as JSON, to `<file.json>.asked`. The end-to-end tests use it to answer what a
//! person would; release builds do not contain it.

use std::path::PathBuf;

use consentry_api::native::{Confirmation, Native, NativeFuture, SaveDialog};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
use tokio::sync::oneshot;

use crate::MAIN_WINDOW;

pub struct DesktopDialogs {
    app: AppHandle,
}

impl DesktopDialogs {
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl Native for DesktopDialogs {
    fn save(&self, dialog: SaveDialog) -> NativeFuture<'_, Option<PathBuf>> {
        Box::pin(async move {
            #[cfg(debug_assertions)]
            if let Some(answer) = scripted::save(&dialog) {
                return answer;
            }
            let (tx, rx) = oneshot::channel();
            let mut builder = self
                .app
                .dialog()
                .file()
                .set_title(&dialog.title)
                .set_file_name(&dialog.file_name);
            if !dialog.extensions.is_empty() {
                let extensions: Vec<&str> = dialog.extensions.iter().map(String::as_str).collect();
                builder = builder.add_filter(&dialog.filter_label, &extensions);
            }
            if let Some(window) = self.app.get_webview_window(MAIN_WINDOW) {
                builder = builder.set_parent(&window);
            }
            builder.save_file(move |picked| {
                let _ = tx.send(picked.and_then(|p| p.into_path().ok()));
            });
            rx.await.ok().flatten()
        })
    }

    fn confirm(&self, question: Confirmation) -> NativeFuture<'_, bool> {
        Box::pin(async move {
            #[cfg(debug_assertions)]
            if let Some(answer) = scripted::confirm(&question) {
                return answer;
            }
            let (tx, rx) = oneshot::channel();
            let mut builder = self
                .app
                .dialog()
                .message(&question.message)
                .title(&question.title)
                .kind(MessageDialogKind::Warning)
                .buttons(MessageDialogButtons::OkCancelCustom(
                    question.accept.clone(),
                    question.decline.clone(),
                ));
            if let Some(window) = self.app.get_webview_window(MAIN_WINDOW) {
                builder = builder.parent(&window);
            }
            builder.show(move |yes| {
                let _ = tx.send(yes);
            });
            rx.await.unwrap_or(false)
        })
    }
}

#[cfg(debug_assertions)]
mod scripted {
    use std::io::Write as _;
    use std::path::PathBuf;

    use consentry_api::native::{Asked, Confirmation, SaveDialog};
    use serde::Deserialize;

    const ENV: &str = "CONSENTRY_TEST_DIALOGS";

    #[derive(Deserialize)]
    struct Script {
        confirm: bool,
        save_dir: Option<PathBuf>,
    }

    fn script(asked: &Asked) -> Option<Script> {
        let path = PathBuf::from(std::env::var_os(ENV)?);
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.with_extension("json.asked"))
        {
            let line = serde_json::to_string(asked).unwrap_or_default();
            let _ = writeln!(log, "{line}");
        }
        let text = std::fs::read_to_string(&path).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save(dialog: &SaveDialog) -> Option<Option<PathBuf>> {
        let script = script(&Asked::Save(dialog.clone()))?;
        Some(script.save_dir.map(|dir| dir.join(&dialog.file_name)))
    }

    pub fn confirm(question: &Confirmation) -> Option<bool> {
        Some(script(&Asked::Confirm(question.clone()))?.confirm)
    }
}
