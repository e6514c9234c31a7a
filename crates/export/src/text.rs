//! How values are written as text in every format: times, money, and the defences applied to
//! text that came from apps (card numbers masked; spreadsheet formulas defused in CSV).

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use consentry_domain::{Money, ViolationReason};
use consentry_store::pan_guard::redact_card_numbers;

/// RFC 3339 in UTC, with a fraction only when there is one: `2026-11-27T12:00:00Z`.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A decimal amount in major units, never a float: `"12.34"`, `"-0.05"`, `"1200"` (JPY).
pub(crate) fn amount(m: &Money) -> String {
    m.major_string()
}

/// Text from outside (an app, the platform) for a CSV cell: card numbers masked (the store
/// masked them on the way in; this is the second line of defence), and a cell that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) prefixed
/// with `'`, as OWASP recommends against CSV injection.
pub(crate) fn csv_text(text: &str) -> Cow<'_, str> {
    let masked = redact_card_numbers(text);
    if masked.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{masked}"))
    } else {
        masked
    }
}

/// The short code of a violation: `never_granted` or `refused`.
pub(crate) fn violation_code(v: &ViolationReason) -> &'static str {
    match v {
        ViolationReason::NeverGranted => "never_granted",
        ViolationReason::Refused { .. } => "refused",
        ViolationReason::DeliveredAfterRevocation { .. } => "delivered_after_revocation",
    }
}

/// `true` / `false`.
pub(crate) const fn boolean(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_card_numbers_masked() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("Corner Bakery"), "Corner Bakery");
        assert!(!csv_text("card 4111 1111 1111 1111").contains("4111 1111 1111 1111"));
    }
}
