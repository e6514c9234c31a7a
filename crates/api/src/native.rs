//! What only the person at the computer can answer, in windows the page can neither draw nor
//! click: where a file goes, and "yes" to the few steps that send secrets or data out of the
//! wallet (`docs/decisions.md`, "The backend decides where data goes").
//!
//! A compromised page can call any command it is granted, with any request; it cannot answer
//! a native dialog. So no request names a path to write, and each step that would hand the
//! page or a server something worth stealing waits on a [`Native`] answer. The desktop shell
//! implements [`Native`] with the system's dialogs; the CLI never needs it (the person typed
//! the command); tests script the answers ([`ScriptedNative`]). Without a shell,
//! [`NoNative`] declines everything.
//!
//! The texts of the dialogs are written here, in the wallet's language, never taken from the
//! page: a page that could word the question could make "no" look like "yes".

use std::collections::VecDeque;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A boxed future, so that [`Native`] stays object safe.
pub type NativeFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The save dialog to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveDialog {
    pub title: String,
    /// The name offered in the dialog (the person may change it).
    pub file_name: String,
    /// Pick a folder (a new or empty one) instead of a file.
    pub folder: bool,
    /// One filter: its label and extensions (without dots); empty for a folder.
    pub filter_label: String,
    pub extensions: Vec<String>,
}

/// A yes/no question. `accept` is the label of the button that says yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub title: String,
    pub message: String,
    pub accept: String,
    pub decline: String,
}

/// The dialogs the shell shows for the wallet.
pub trait Native: Send + Sync {
    /// Shows a save dialog (which asks before replacing a file); `None` when cancelled.
    fn save(&self, dialog: SaveDialog) -> NativeFuture<'_, Option<PathBuf>>;
    /// Asks a yes/no question; `true` only on the accept button.
    fn confirm(&self, question: Confirmation) -> NativeFuture<'_, bool>;
}

/// No shell: nothing is saved and nothing confirmed.
#[derive(Debug, Default)]
pub struct NoNative;

impl Native for NoNative {
    fn save(&self, _dialog: SaveDialog) -> NativeFuture<'_, Option<PathBuf>> {
        Box::pin(async { None })
    }

    fn confirm(&self, _question: Confirmation) -> NativeFuture<'_, bool> {
        Box::pin(async { false })
    }
}

/// A command typed in a terminal: typing it was the confirmation (the CLI has no window a
/// page could script), so every question is answered yes; nothing is saved through a dialog
/// (the CLI takes paths as arguments).
#[derive(Debug, Default)]
pub struct TypedCommand;

impl Native for TypedCommand {
    fn save(&self, _dialog: SaveDialog) -> NativeFuture<'_, Option<PathBuf>> {
        Box::pin(async { None })
    }

    fn confirm(&self, _question: Confirmation) -> NativeFuture<'_, bool> {
        Box::pin(async { true })
    }
}

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Save here (a save dialog).
    SaveAt(PathBuf),
    /// Accept (a question).
    Accept,
    /// Cancel a save dialog or decline a question.
    Decline,
}

/// What a [`ScriptedNative`] was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Asked {
    Save(SaveDialog),
    Confirm(Confirmation),
}

/// Answers from a script, in order, and remembers what was asked (tests; the debug shell's
/// `CONSENTRY_TEST_DIALOGS`). When the script runs out it declines.
#[derive(Debug, Default)]
pub struct ScriptedNative {
    answers: Mutex<VecDeque<Answer>>,
    asked: Mutex<Vec<Asked>>,
}

impl ScriptedNative {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self {
            answers: Mutex::new(answers.into_iter().collect()),
            asked: Mutex::default(),
        }
    }

    /// Queues more answers.
    pub fn push(&self, answer: Answer) {
        lock(&self.answers).push_back(answer);
    }

    /// Everything asked so far, oldest first.
    pub fn asked(&self) -> Vec<Asked> {
        lock(&self.asked).clone()
    }

    fn next(&self, asked: Asked) -> Answer {
        lock(&self.asked).push(asked);
        lock(&self.answers).pop_front().unwrap_or(Answer::Decline)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Native for ScriptedNative {
    fn save(&self, dialog: SaveDialog) -> NativeFuture<'_, Option<PathBuf>> {
        let answer = self.next(Asked::Save(dialog));
        Box::pin(async move {
            match answer {
                Answer::SaveAt(path) => Some(path),
                Answer::Accept | Answer::Decline => None,
            }
        })
    }

    fn confirm(&self, question: Confirmation) -> NativeFuture<'_, bool> {
        let answer = self.next(Asked::Confirm(question));
        Box::pin(async move { answer == Answer::Accept })
    }
}

/// The texts of every dialog the wallet raises, from the app's catalogue (`crate::messages`).
pub(crate) mod texts {
    use super::{Confirmation, SaveDialog};
    use crate::messages::{text, Lang};

    fn question(lang: Lang, name: &str, args: &[(&str, crate::messages::Arg<'_>)]) -> Confirmation {
        Confirmation {
            title: text(lang, &format!("dialog.{name}.title"), args),
            message: text(lang, &format!("dialog.{name}.message"), args),
            accept: text(lang, &format!("dialog.{name}.accept"), args),
            decline: text(lang, "dialog.cancel", &[]),
        }
    }

    /// Before the wallet talks to a platform the app was not started with.
    pub fn platform(lang: Lang, url: &str) -> Confirmation {
        question(lang, "platform", &[("url", url.into())])
    }

    /// Before the cardholder secret is shown on screen.
    pub fn reveal_credentials(lang: Lang) -> Confirmation {
        question(lang, "revealCredentials", &[])
    }

    /// Before a new recovery key is made and shown.
    pub fn new_recovery_key(lang: Lang) -> Confirmation {
        question(lang, "newRecoveryKey", &[])
    }

    /// Before the window leaves the app for a web page (in the system browser).
    pub fn open_link(lang: Lang, url: &str) -> Confirmation {
        question(lang, "openLink", &[("url", url.into())])
    }

    /// Where to save an export.
    pub fn save_export(
        lang: Lang,
        folder: bool,
        encrypted: bool,
        file_name: String,
        extension: &str,
    ) -> SaveDialog {
        let title = if encrypted {
            "dialog.saveExport.encrypted"
        } else {
            "dialog.saveExport.plain"
        };
        SaveDialog {
            title: text(lang, title, &[]),
            file_name,
            folder,
            filter_label: if folder {
                String::new()
            } else {
                extension.to_uppercase()
            },
            extensions: if folder {
                Vec::new()
            } else {
                vec![extension.to_owned()]
            },
        }
    }

    /// Where to save a claim pack.
    pub fn save_claim_pack(lang: Lang, file_name: String) -> SaveDialog {
        SaveDialog {
            title: text(lang, "dialog.saveClaimPack.title", &[]),
            file_name,
            folder: false,
            filter_label: "JSON".into(),
            extensions: vec!["json".into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::texts;
    use crate::messages::Lang;

    #[test]
    fn every_dialog_is_phrased_in_both_languages() {
        for lang in [Lang::En, Lang::Fr] {
            let questions = [
                texts::platform(lang, "https://platform.example"),
                texts::reveal_credentials(lang),
                texts::new_recovery_key(lang),
                texts::open_link(lang, "https://example.org"),
            ];
            for q in &questions {
                for part in [&q.title, &q.message, &q.accept, &q.decline] {
                    assert!(!part.starts_with("dialog."), "{lang:?}: key shown: {part}");
                    assert!(!part.contains(['{', '}']), "{lang:?}: {part}");
                }
            }
            assert!(questions[0].message.contains("https://platform.example"));
            let saves = [
                texts::save_export(lang, false, true, "a.age".into(), "age"),
                texts::save_export(lang, true, false, "csv".into(), ""),
                texts::save_claim_pack(lang, "claim.json".into()),
            ];
            for save in &saves {
                assert!(!save.title.starts_with("dialog."), "{}", save.title);
            }
        }
        assert_eq!(texts::reveal_credentials(Lang::Fr).decline, "Annuler");
        assert_ne!(
            texts::new_recovery_key(Lang::Fr).title,
            texts::new_recovery_key(Lang::En).title
        );
    }
}
