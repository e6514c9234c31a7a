//! Progress speaks of events, the unit of the summary: in every format it only grows, never
//! passes its total, and a finished export's last report is the summary's count.

use consentry_export::ExportFormat;

use crate::support::{export_reporting, filled_wallet};

#[tokio::test]
async fn every_format_reports_events_and_ends_at_the_summarys_count() {
    let w = filled_wallet().await;
    for (format, name) in [
        (ExportFormat::Csv, "csv"),
        (ExportFormat::Json, "history.json"),
        (ExportFormat::Ofx, "history.ofx"),
        (ExportFormat::Archive, "history.age"),
    ] {
        let (summary, reports) = export_reporting(w.pool(), format, &w.out(name)).await;
        assert!(reports.len() >= 2, "{format:?}: {reports:?}");
        assert!(
            reports.iter().all(|p| p.events_done <= p.events_total),
            "{format:?}: {reports:?}"
        );
        assert!(
            reports
                .windows(2)
                .all(|p| p[0].events_done <= p[1].events_done),
            "{format:?}: {reports:?}"
        );
        // Counted before the export starts, the total is the summary's (nothing arrived meanwhile).
        assert!(
            reports.iter().all(|p| p.events_total == summary.events),
            "{format:?}: {} events, {reports:?}",
            summary.events
        );
        let last = reports.last().unwrap();
        assert_eq!(
            (last.events_done, last.events_total),
            (summary.events, summary.events),
            "{format:?}"
        );
        // The archive reads each event several times and the ledger after them: its
        // reports still climb through the events' count rather than a count of rows.
        if format == ExportFormat::Archive {
            assert_eq!(summary.events, w.events.len() as u64);
            assert!(
                reports
                    .iter()
                    .any(|p| p.events_done > 0 && p.events_done < summary.events),
                "{reports:?}"
            );
        }
    }
}
