//! OFX 2.2 (XML) for accounting software: one credit-card statement per card and currency,
//! with settled transactions as debits and paid cashback as credits. Authorizations and
//! reversals moved no money and pending cashback is not paid yet, so they are left out.
//!
//! The account id is the card's platform token (a digest of it when it is longer than the
//! 22 characters OFX allows), never a card number. `LEDGERBAL` is the net of the statement's
//! rows: Consentry does not know the card's real balance.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use consentry_domain::{Currency, EventPayload, EventType, Money};
use consentry_store::history::HistoryItem;
use consentry_store::pan_guard::redact_card_numbers;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::control::Tracker;
use crate::error::{ExportError, IoContext};
use crate::source::Selection;
use crate::text::amount;

/// The kinds an OFX export reads.
pub(crate) const OFX_KINDS: &[EventType] =
    &[EventType::TransactionSettled, EventType::CashbackPaid];

const MAX_ACCTID: usize = 22;
const MAX_NAME: usize = 32;
const MAX_MEMO: usize = 255;

/// One statement: a card in one currency, with its date span and row count.
pub(crate) struct Statement {
    card: String,
    currency: Currency,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    rows: u64,
}

/// The statements the selection makes (one aggregate query).
pub(crate) async fn statements(
    pool: &SqlitePool,
    selection: &Selection,
) -> Result<Vec<Statement>, ExportError> {
    let Some(selection) = selection.only_kinds(OFX_KINDS) else {
        return Ok(Vec::new());
    };
    let spans = selection.spans_by_card_and_currency(pool).await?;
    spans
        .into_iter()
        .map(|span| {
            let code = span.currency;
            Ok(Statement {
                card: span.card_token,
                currency: Currency::new(&code)
                    .map_err(|e| ExportError::Internal(format!("stored currency {code:?}: {e}")))?,
                first: from_ms(span.first_ms)?,
                last: from_ms(span.last_ms)?,
                rows: span.events,
            })
        })
        .collect()
}

/// Rows the statements will hold.
pub(crate) fn estimate(statements: &[Statement]) -> u64 {
    statements.iter().map(|s| s.rows).sum()
}

/// Events writing the statements reads: each statement reads its card's events in every
/// currency and keeps its own.
pub(crate) fn reads(statements: &[Statement]) -> u64 {
    let mut per_card: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for s in statements {
        *per_card.entry(s.card.as_str()).or_default() += s.rows;
    }
    statements
        .iter()
        .map(|s| per_card.get(s.card.as_str()).copied().unwrap_or_default())
        .sum()
}

fn from_ms(ms: i64) -> Result<DateTime<Utc>, ExportError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| ExportError::Internal(format!("stored time {ms} out of range")))
}

/// Writes the OFX document; returns `out` and the number of `STMTTRN` rows.
pub(crate) async fn write_ofx<W: Write>(
    pool: &SqlitePool,
    selection: &Selection,
    statements: &[Statement],
    now: DateTime<Utc>,
    mut out: W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(W, u64), ExportError> {
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n\
         <OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\
         <DTSERVER>{}</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n",
        ofx_time(&now)
    )
    .writing(path)?;
    let mut written = 0;
    if let (false, Some(selection)) = (statements.is_empty(), selection.only_kinds(OFX_KINDS)) {
        out.write_all(b"<CREDITCARDMSGSRSV1>\n").writing(path)?;
        for (index, statement) in statements.iter().enumerate() {
            written += write_statement(
                pool,
                &selection,
                statement,
                index + 1,
                &mut out,
                path,
                tracker,
            )
            .await?;
        }
        out.write_all(b"</CREDITCARDMSGSRSV1>\n").writing(path)?;
    }
    out.write_all(b"</OFX>\n").writing(path)?;
    Ok((out, written))
}

async fn write_statement<W: Write>(
    pool: &SqlitePool,
    selection: &Selection,
    statement: &Statement,
    number: usize,
    out: &mut W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<u64, ExportError> {
    let currency = statement.currency;
    write!(
        out,
        "<CCSTMTTRNRS><TRNUID>{number}</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n\
         <CCSTMTRS><CURDEF>{}</CURDEF><CCACCTFROM><ACCTID>{}</ACCTID></CCACCTFROM>\n\
         <BANKTRANLIST><DTSTART>{}</DTSTART><DTEND>{}</DTEND>\n",
        currency.code(),
        xml_text(&account_id(&statement.card)),
        ofx_time(&selection.from.unwrap_or(statement.first)),
        ofx_time(&selection.until.unwrap_or(statement.last)),
    )
    .writing(path)?;
    let mut net = Money::zero(currency);
    let mut rows = 0;
    let mut pages = selection.only_card(&statement.card).pages(pool);
    while let Some(items) = pages.next().await? {
        for item in &items {
            if let Some(row) = StatementRow::of(item, currency) {
                net = net
                    .checked_add(&row.amount)
                    .map_err(|e| ExportError::Internal(format!("statement total: {e}")))?;
                row.write(item, out).writing(path)?;
                rows += 1;
            }
        }
        tracker.advance(items.len() as u64)?;
    }
    write!(
        out,
        "</BANKTRANLIST>\n<LEDGERBAL><BALAMT>{}</BALAMT><DTASOF>{}</DTASOF></LEDGERBAL>\n\
         </CCSTMTRS></CCSTMTTRNRS>\n",
        amount(&net),
        ofx_time(&statement.last),
    )
    .writing(path)?;
    Ok(rows)
}

/// One `STMTTRN`.
struct StatementRow {
    credit: bool,
    amount: Money,
    name: String,
    memo: String,
}

impl StatementRow {
    fn of(item: &HistoryItem, currency: Currency) -> Option<Self> {
        match &item.event.payload {
            EventPayload::TransactionSettled(t) if t.amount.currency == currency => Some(Self {
                credit: false,
                amount: Money::new(t.amount.minor.checked_neg()?, currency),
                name: t.merchant.clone(),
                memo: format!(
                    "{} payment {} (platform commission {})",
                    t.channel, t.transaction_id, t.commission
                ),
            }),
            EventPayload::CashbackPaid(c) if c.amount.currency == currency => Some(Self {
                credit: true,
                amount: c.amount,
                name: format!("Cashback {}", item.event.app_id.as_deref().unwrap_or("")),
                memo: format!("Cashback paid to {}", c.destination),
            }),
            _ => None,
        }
    }

    fn write<W: Write>(&self, item: &HistoryItem, out: &mut W) -> std::io::Result<()> {
        writeln!(
            out,
            "<STMTTRN><TRNTYPE>{}</TRNTYPE><DTPOSTED>{}</DTPOSTED><TRNAMT>{}</TRNAMT>\
             <FITID>{}</FITID><NAME>{}</NAME><MEMO>{}</MEMO></STMTTRN>",
            if self.credit { "CREDIT" } else { "DEBIT" },
            ofx_time(&item.event.occurred_at),
            amount(&self.amount),
            xml_text(&truncate(&item.event.id, MAX_MEMO)),
            xml_text(&truncate(&redact_card_numbers(&self.name), MAX_NAME)),
            xml_text(&truncate(&redact_card_numbers(&self.memo), MAX_MEMO)),
        )
    }
}

/// `YYYYMMDDHHMMSS.XXX[+0:UTC]`.
fn ofx_time(t: &DateTime<Utc>) -> String {
    format!("{}[+0:UTC]", t.format("%Y%m%d%H%M%S%.3f"))
}

/// The card's token when OFX can hold it, else `CT` and 20 hex digits of its SHA-256: stable
/// across exports, so accounting software keeps matching the same account.
fn account_id(token: &str) -> String {
    let fits = token.len() <= MAX_ACCTID
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if fits {
        token.to_owned()
    } else {
        let digest = hex::encode(Sha256::digest(token.as_bytes()));
        format!("CT{}", &digest[..MAX_ACCTID - 2])
    }
}

/// At most `max` characters (OFX counts characters).
fn truncate(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    match trimmed.char_indices().nth(max) {
        Some((cut, _)) => trimmed[..cut].trim_end().to_owned(),
        None => trimmed.to_owned(),
    }
}

/// Escapes XML's five special characters and drops the control characters XML 1.0 forbids.
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_cut_to_the_ofx_limits() {
        assert_eq!(
            xml_text("Ben & Jerry's <3\u{7}"),
            "Ben &amp; Jerry&apos;s &lt;3"
        );
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("été", 2), "ét");
        assert_eq!(account_id("tok_1"), "tok_1");
        let long = account_id("tok_a_very_long_platform_token_indeed");
        assert_eq!(long.len(), MAX_ACCTID);
        assert!(long.starts_with("CT"));
    }

    #[test]
    fn times_are_in_ofx_form() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single();
        assert_eq!(
            t.map(|t| ofx_time(&t)).as_deref(),
            Some("20260102030405.000[+0:UTC]")
        );
    }
}
