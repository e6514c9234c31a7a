//! The running export: its cancel button and its progress (one export at a time).

use std::sync::{Arc, Mutex, PoisonError};

use consentry_export::{CancelFlag, ExportControl};
use serde::Serialize;
use tokio::sync::watch;
use ts_rs::TS;

use crate::ApiError;

/// How far the running export has come, in events (the unit of the summary's `events`): the
/// `export_progress` event. Once an export finished, both counts are its summary's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    /// Counts up from 1 with each export, so the UI can tell a new run from the last one.
    pub run: u64,
    /// Events exported so far (for an archive, which reads each event several times and then
    /// the consent ledger: the total in proportion to the work done).
    pub events_done: u64,
    /// Events the export expects to hold; at least `events_done`.
    pub events_total: u64,
    /// False once the export ended (finished, failed or cancelled).
    pub running: bool,
}

/// The running export's cancel button and progress (one export at a time).
#[derive(Debug)]
pub(crate) struct ExportHub {
    running: Mutex<Option<CancelFlag>>,
    progress: Arc<watch::Sender<ExportProgress>>,
}

impl Default for ExportHub {
    fn default() -> Self {
        Self {
            running: Mutex::new(None),
            progress: Arc::new(watch::channel(ExportProgress::default()).0),
        }
    }
}

impl ExportHub {
    pub(crate) fn subscribe(&self) -> watch::Receiver<ExportProgress> {
        self.progress.subscribe()
    }

    /// Registers a new run, or refuses while one is running.
    pub(crate) fn start(&self) -> Result<(ExportControl, u64), ApiError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.is_some() {
            return Err(ApiError::invalid_input(
                "an export is already running: wait for it or cancel it",
            ));
        }
        let cancel = CancelFlag::new();
        *running = Some(cancel.clone());
        let run = self.progress.borrow().run + 1;
        self.progress.send_replace(ExportProgress {
            run,
            events_done: 0,
            events_total: 0,
            running: true,
        });
        let progress = Arc::clone(&self.progress);
        let report: consentry_export::ProgressFn = Arc::new(move |p| {
            progress.send_replace(ExportProgress {
                run,
                events_done: p.events_done,
                events_total: p.events_total.max(p.events_done),
                running: true,
            });
        });
        Ok((
            ExportControl {
                cancel,
                progress: Some(report),
            },
            run,
        ))
    }

    pub(crate) fn finish(&self, run: u64) {
        *self.running.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.progress.send_modify(|p| {
            if p.run == run {
                p.running = false;
            }
        });
    }

    pub(crate) fn cancel(&self) -> bool {
        match &*self.running.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(flag) => {
                flag.cancel();
                true
            }
            None => false,
        }
    }
}
