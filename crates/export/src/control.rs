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

/// How far an export has come, in events: the unit of [`crate::ExportSummary::events`].
///
/// A format that reads each event once (CSV, JSON) counts the events it has read. The archive
/// reads them several times (its CSV, JSON and OFX files) and then the consent ledger, and OFX
/// reads a card's events once per currency: theirs is `events_total` in proportion to the work
/// done. The last report of a finished export is its summary's count, done and total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Events exported so far.
    pub events_done: u64,
    /// Events the export expects to hold: counted before it starts, so events that arrive
    /// meanwhile can make it grow; never below `events_done`.
    pub events_total: u64,
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

impl ExportControl {
    /// Reports a finished export of `events` events.
    pub(crate) fn finished(&self, events: u64) {
        if let Some(progress) = &self.progress {
            progress(Progress {
                events_done: events,
                events_total: events,
            });
        }
    }
}

/// The running count behind the progress reports: work done (events or ledger entries read)
/// against the work expected, told in events.
pub(crate) struct Tracker<'a> {
    control: &'a ExportControl,
    done: u64,
    work: u64,
    events: u64,
}

impl<'a> Tracker<'a> {
    /// For an export that reads each of its `events` events once.
    pub(crate) fn new(control: &'a ExportControl, events: u64) -> Self {
        Self::weighted(control, events, events)
    }

    /// For an export of `events` events that reads `work` items in all.
    pub(crate) fn weighted(control: &'a ExportControl, events: u64, work: u64) -> Self {
        Self {
            control,
            done: 0,
            work,
            events,
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

    /// Counts `items` more items read, reports, and checks the flag.
    pub(crate) fn advance(&mut self, items: u64) -> Result<(), ExportError> {
        self.done += items;
        self.report();
        self.check()
    }

    pub(crate) fn report(&self) {
        if let Some(progress) = &self.control.progress {
            progress(self.progress());
        }
    }

    fn progress(&self) -> Progress {
        let events_done = if self.work == self.events {
            self.done
        } else if self.work == 0 {
            0
        } else {
            // Past the estimate (events arriving meanwhile) it stays at the total.
            let share = u128::from(self.done.min(self.work)) * u128::from(self.events)
                / u128::from(self.work);
            u64::try_from(share).unwrap_or(self.events)
        };
        Progress {
            events_done,
            events_total: self.events.max(events_done),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn reports(events: u64, work: u64, steps: &[u64]) -> Vec<(u64, u64)> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let control = ExportControl {
            progress: Some(Arc::new(move |p: Progress| {
                sink.lock().unwrap().push((p.events_done, p.events_total));
            })),
            ..ExportControl::default()
        };
        let mut tracker = Tracker::weighted(&control, events, work);
        for step in steps {
            tracker.advance(*step).unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        seen
    }

    #[test]
    fn one_read_per_event_counts_events() {
        assert_eq!(reports(10, 10, &[4, 6]), [(4, 10), (10, 10)]);
        // Events that arrived after the count.
        assert_eq!(reports(10, 10, &[8, 4]), [(8, 10), (12, 12)]);
    }

    #[test]
    fn several_reads_per_event_are_told_in_events() {
        // 100 events read three times plus 50 ledger entries: 350 items.
        assert_eq!(
            reports(100, 350, &[100, 100, 100, 50]),
            [(28, 100), (57, 100), (85, 100), (100, 100)]
        );
        assert_eq!(reports(100, 350, &[400]), [(100, 100)]);
        assert_eq!(reports(0, 50, &[50]), [(0, 0)]);
        assert_eq!(reports(3, 0, &[]), Vec::<(u64, u64)>::new());
    }

    #[test]
    fn a_finished_export_reports_its_count() {
        let seen = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&seen);
        let control = ExportControl {
            progress: Some(Arc::new(move |p: Progress| *sink.lock().unwrap() = Some(p))),
            ..ExportControl::default()
        };
        control.finished(42);
        assert_eq!(
            *seen.lock().unwrap(),
            Some(Progress {
                events_done: 42,
                events_total: 42
            })
        );
    }
}
