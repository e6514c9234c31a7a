//! Progress reports and cancellation, both checked between pages.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::ExportError;

/// A cancel button shared between the export and whoever may press it. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the export to stop at the next page; it then removes what it wrote.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelFlag::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How far an export has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows written so far, over every file of the export.
    pub rows_done: u64,
    /// Rows the export expects to write in all: counted before it starts, so events that
    /// arrive meanwhile can make `rows_done` end a little above it.
    pub total_estimate: u64,
}

/// Called after every page with the progress so far.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// How the caller follows and stops an export.
#[derive(Clone, Default)]
pub struct ExportControl {
    /// Checked between pages.
    pub cancel: CancelFlag,
    /// Called between pages.
    pub progress: Option<ProgressFn>,
}

impl fmt::Debug for ExportControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportControl")
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// The running count behind the progress reports.
pub(crate) struct Tracker<'a> {
    control: &'a ExportControl,
    done: u64,
    total: u64,
}

impl<'a> Tracker<'a> {
    pub(crate) fn new(control: &'a ExportControl, total: u64) -> Self {
        Self {
            control,
            done: 0,
            total,
        }
    }

    /// Fails with [`ExportError::Cancelled`] once the flag is set.
    pub(crate) fn check(&self) -> Result<(), ExportError> {
        if self.control.cancel.is_cancelled() {
            Err(ExportError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Counts `rows` more rows, reports, and checks the flag.
    pub(crate) fn advance(&mut self, rows: u64) -> Result<(), ExportError> {
        self.done += rows;
        self.report();
        self.check()
    }

    pub(crate) fn report(&self) {
        if let Some(progress) = &self.control.progress {
            progress(Progress {
                rows_done: self.done,
                total_estimate: self.total.max(self.done),
            });
        }
    }
}
