//! The CSV tables: one per event kind plus one for receipt lines, their column names (stable:
//! documented in `docs/export/README.md`; new columns are only ever appended) and their rows.

use std::borrow::Cow;
use std::io::Write;

use consentry_domain::{Discount, EventPayload, EventType, PaymentRef};
use consentry_store::history::HistoryItem;

use crate::source::Directory;
use crate::text::{amount, boolean, csv_text, time, violation_code};

/// One CSV file of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CsvTable {
    /// One row per event of this kind.
    Events(EventType),
    /// One row per line of each receipt (`receipt.issued`).
    ReceiptLines,
}

/// The columns every event table starts with.
const COMMON: &[&str] = &[
    "event_id",
    "occurred_at",
    "card_token",
    "card_last4",
    "app_id",
    "signature_verified",
    "violation",
    "violation_detail",
];

const TRANSACTION: &[&str] = &[
    "transaction_id",
    "merchant",
    "channel",
    "amount",
    "commission",
    "currency",
];
const RECEIPT: &[&str] = &[
    "transaction_id",
    "merchant",
    "channel",
    "line_count",
    "tax",
    "total",
    "currency",
];
const RECEIPT_LINES: &[&str] = &[
    "event_id",
    "occurred_at",
    "card_token",
    "card_last4",
    "app_id",
    "transaction_id",
    "line_no",
    "description",
    "quantity",
    "unit_price",
    "tax",
    "total",
    "currency",
];
const POINTS: &[&str] = &["program", "delta", "balance", "transaction_id"];
const CASHBACK: &[&str] = &["amount", "currency", "destination", "transaction_id"];
const OFFER_ISSUED: &[&str] = &[
    "offer_id",
    "code",
    "description",
    "discount_bps",
    "discount_amount",
    "discount_currency",
    "expires_at",
    "transaction_id",
];
const OFFER_REDEEMED: &[&str] = &["offer_id", "code", "transaction_id"];
const RECOMMENDATION: &[&str] = &["text", "product", "transaction_id"];
const SOCIAL: &[&str] = &["network", "text", "transaction_id"];
const CONSENT: &[&str] = &[
    "action",
    "grant_id",
    "scope",
    "status",
    "channels",
    "trigger",
    "min_purchase",
    "min_purchase_currency",
    "expires_at",
    "terms_version",
    "grant_version",
];
const TERMS: &[&str] = &["terms_version", "terms_hash"];
const CARD: &[&str] = &["change", "brand", "last4", "nickname", "device_id"];

impl CsvTable {
    /// The tables for `kinds`, in the order of `kinds`, receipt lines after receipts.
    pub fn for_kinds(kinds: &[EventType]) -> Vec<CsvTable> {
        let mut tables = Vec::with_capacity(kinds.len() + 1);
        for kind in kinds {
            tables.push(CsvTable::Events(*kind));
            if *kind == EventType::ReceiptIssued {
                tables.push(CsvTable::ReceiptLines);
            }
        }
        tables
    }

    /// The event kind the table is read from.
    pub fn kind(self) -> EventType {
        match self {
            CsvTable::Events(kind) => kind,
            CsvTable::ReceiptLines => EventType::ReceiptIssued,
        }
    }

    /// `transaction_settled.csv`, `receipt_lines.csv`…
    pub fn file_name(self) -> String {
        match self {
            CsvTable::Events(kind) => format!("{}.csv", kind.as_str().replace('.', "_")),
            CsvTable::ReceiptLines => "receipt_lines.csv".to_owned(),
        }
    }

    /// The header row.
    pub fn columns(self) -> Vec<&'static str> {
        let specific = match self {
            CsvTable::ReceiptLines => return RECEIPT_LINES.to_vec(),
            CsvTable::Events(kind) => match kind {
                EventType::TransactionAuthorized
                | EventType::TransactionSettled
                | EventType::TransactionReversed => TRANSACTION,
                EventType::ReceiptIssued => RECEIPT,
                EventType::PointsAwarded => POINTS,
                EventType::CashbackPending | EventType::CashbackPaid => CASHBACK,
                EventType::OfferIssued => OFFER_ISSUED,
                EventType::OfferRedeemed => OFFER_REDEEMED,
                EventType::RecommendationMade => RECOMMENDATION,
                EventType::SocialPosted => SOCIAL,
                EventType::ConsentChanged => CONSENT,
                EventType::AppTermsChanged => TERMS,
                EventType::CardChanged => CARD,
            },
        };
        COMMON.iter().chain(specific).copied().collect()
    }

    /// Writes the rows `item` makes in this table; returns how many.
    pub fn write<W: Write>(
        self,
        item: &HistoryItem,
        directory: &Directory,
        out: &mut csv::Writer<W>,
    ) -> Result<u64, csv::Error> {
        match self {
            CsvTable::ReceiptLines => write_receipt_lines(item, directory, out),
            CsvTable::Events(kind) if item.event.event_type() == kind => {
                let mut row = common(item, directory);
                specific(&item.event.payload, &mut row);
                out.write_record(row.iter().map(|c| c.as_bytes()))?;
                Ok(1)
            }
            CsvTable::Events(_) => Ok(0),
        }
    }
}

type Row<'a> = Vec<Cow<'a, str>>;

fn common<'a>(item: &'a HistoryItem, directory: &'a Directory) -> Row<'a> {
    let event = &item.event;
    let mut row: Row<'a> = Vec::with_capacity(20);
    row.push(csv_text(&event.id));
    row.push(time(&event.occurred_at).into());
    row.push(csv_text(&event.card_token));
    row.push(directory.last4(&event.card_token).into());
    row.push(event.app_id.as_deref().map(csv_text).unwrap_or_default());
    row.push(boolean(item.signature_verified).into());
    row.push(
        item.violation
            .as_ref()
            .map(violation_code)
            .unwrap_or_default()
            .into(),
    );
    row.push(
        item.violation
            .as_ref()
            .map(|v| Cow::Owned(v.to_string()))
            .unwrap_or_default(),
    );
    row
}

fn payment_id(payment: Option<&PaymentRef>) -> Cow<'_, str> {
    payment
        .map(|p| csv_text(&p.transaction_id))
        .unwrap_or_default()
}

fn specific<'a>(payload: &'a EventPayload, row: &mut Row<'a>) {
    match payload {
        EventPayload::TransactionAuthorized(t)
        | EventPayload::TransactionSettled(t)
        | EventPayload::TransactionReversed(t) => row.extend([
            csv_text(&t.transaction_id),
            csv_text(&t.merchant),
            t.channel.as_str().into(),
            amount(&t.amount).into(),
            amount(&t.commission).into(),
            t.amount.currency.code().into(),
        ]),
        EventPayload::ReceiptIssued(r) => row.extend([
            csv_text(&r.receipt.transaction_id),
            csv_text(&r.receipt.merchant),
            r.payment.channel.as_str().into(),
            r.receipt.lines.len().to_string().into(),
            r.receipt
                .total_tax()
                .map(|t| amount(&t))
                .unwrap_or_default()
                .into(),
            amount(&r.receipt.total).into(),
            r.receipt.total.currency.code().into(),
        ]),
        EventPayload::PointsAwarded(p) => row.extend([
            csv_text(&p.program),
            p.delta.to_string().into(),
            p.balance.to_string().into(),
            payment_id(p.payment.as_ref()),
        ]),
        EventPayload::CashbackPending(c) | EventPayload::CashbackPaid(c) => row.extend([
            amount(&c.amount).into(),
            c.amount.currency.code().into(),
            csv_text(&c.destination),
            payment_id(c.payment.as_ref()),
        ]),
        EventPayload::OfferIssued(o) => {
            let (bps, discount, currency) = match &o.discount {
                Discount::Percent { bps } => (bps.to_string(), String::new(), ""),
                Discount::Amount { amount: a } => (String::new(), amount(a), a.currency.code()),
            };
            row.extend([
                csv_text(&o.offer_id),
                csv_text(&o.code),
                csv_text(&o.description),
                bps.into(),
                discount.into(),
                currency.into(),
                o.expires_at.as_ref().map(time).unwrap_or_default().into(),
                payment_id(o.payment.as_ref()),
            ]);
        }
        EventPayload::OfferRedeemed(o) => row.extend([
            csv_text(&o.offer_id),
            csv_text(&o.code),
            payment_id(o.payment.as_ref()),
        ]),
        EventPayload::RecommendationMade(r) => row.extend([
            csv_text(&r.text),
            r.product.as_deref().map(csv_text).unwrap_or_default(),
            payment_id(r.payment.as_ref()),
        ]),
        EventPayload::SocialPosted(s) => row.extend([
            csv_text(&s.network),
            csv_text(&s.text),
            payment_id(s.payment.as_ref()),
        ]),
        EventPayload::ConsentChanged(c) => {
            let g = &c.grant;
            let channels: Vec<&str> = g.channels.iter().map(|ch| ch.as_str()).collect();
            row.extend([
                c.action.as_str().into(),
                csv_text(&g.id),
                g.scope.as_str().into(),
                g.status.as_str().into(),
                channels.join(" ").into(),
                g.trigger.as_str().into(),
                g.min_purchase
                    .as_ref()
                    .map(amount)
                    .unwrap_or_default()
                    .into(),
                g.min_purchase
                    .map(|m| m.currency.code())
                    .unwrap_or_default()
                    .into(),
                g.expires_at.as_ref().map(time).unwrap_or_default().into(),
                g.terms_version.to_string().into(),
                g.version.to_string().into(),
            ]);
        }
        EventPayload::AppTermsChanged(t) => row.extend([
            t.terms_version.to_string().into(),
            t.terms_hash.to_hex().into(),
        ]),
        EventPayload::CardChanged(c) => row.extend([
            c.change.as_str().into(),
            c.brand.as_str().into(),
            csv_text(&c.last4),
            c.nickname.as_deref().map(csv_text).unwrap_or_default(),
            csv_text(&c.device_id),
        ]),
    }
}

fn write_receipt_lines<W: Write>(
    item: &HistoryItem,
    directory: &Directory,
    out: &mut csv::Writer<W>,
) -> Result<u64, csv::Error> {
    let event = &item.event;
    let EventPayload::ReceiptIssued(r) = &event.payload else {
        return Ok(0);
    };
    let id = csv_text(&event.id);
    let at = time(&event.occurred_at);
    let card = csv_text(&event.card_token);
    let app = event.app_id.as_deref().map(csv_text).unwrap_or_default();
    let transaction = csv_text(&r.receipt.transaction_id);
    for (index, line) in r.receipt.lines.iter().enumerate() {
        let row: [Cow<'_, str>; 13] = [
            id.clone(),
            at.as_str().into(),
            card.clone(),
            directory.last4(&event.card_token).into(),
            app.clone(),
            transaction.clone(),
            (index + 1).to_string().into(),
            csv_text(&line.description),
            line.quantity.to_string().into(),
            amount(&line.unit_price).into(),
            amount(&line.tax).into(),
            amount(&line.total).into(),
            line.total.currency.code().into(),
        ];
        out.write_record(row.iter().map(|c| c.as_bytes()))?;
    }
    Ok(r.receipt.lines.len() as u64)
}
