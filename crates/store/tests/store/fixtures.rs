//! Deterministic domain events for tests and the benchmark (included by both).

#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{
    Cashback, Channel, Currency, Discount, Event, EventPayload, FeeModel, Money, OfferIssued,
    PaymentRef, PointsAwarded, Receipt, ReceiptIssued, ReceiptLine, RecommendationMade, Scope,
    Sha256Digest, SocialPosted, Transaction,
};
use consentry_store::apps::AppListing;
use consentry_store::events::IncomingEvent;

pub const MERCHANTS: &[&str] = &[
    "Blue Bottle Coffee",
    "Corner Bakery",
    "Green Grocer",
    "City Books",
    "Metro Pharmacy",
    "Sushi Place",
    "Hardware Hub",
    "Petit Café",
    "Night Owl Diner",
    "River Cinema",
];

pub const ITEMS: &[&str] = &[
    "espresso",
    "croissant",
    "apples",
    "notebook",
    "toothpaste",
    "salmon roll",
    "screwdriver",
    "oat latte",
    "pancakes",
    "popcorn",
];

pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::new("EUR").unwrap())
}

fn payment(i: u64, amount: Money) -> PaymentRef {
    PaymentRef {
        transaction_id: format!("tx_{i}"),
        channel: Channel::ALL[(i % Channel::ALL.len() as u64) as usize],
        amount,
    }
}

fn envelope(
    i: u64,
    card: &str,
    app: Option<&str>,
    at: DateTime<Utc>,
    payload: EventPayload,
) -> Event {
    Event {
        id: format!("evt_{i:012}"),
        occurred_at: at,
        card_token: card.to_owned(),
        app_id: app.map(str::to_owned),
        payload,
    }
}

pub fn transaction(i: u64, card: &str, merchant: &str, minor: i64, at: DateTime<Utc>) -> Event {
    envelope(
        i,
        card,
        None,
        at,
        EventPayload::TransactionSettled(Transaction {
            transaction_id: format!("tx_{i}"),
            amount: eur(minor),
            merchant: merchant.to_owned(),
            channel: Channel::Nfc,
            commission: eur(minor / 100),
        }),
    )
}

pub fn receipt(
    i: u64,
    card: &str,
    app: &str,
    merchant: &str,
    items: &[&str],
    at: DateTime<Utc>,
) -> Event {
    let lines: Vec<ReceiptLine> = items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let unit = 150 + 10 * n as i64;
            ReceiptLine {
                quantity: 2,
                description: (*item).to_owned(),
                unit_price: eur(unit),
                tax: eur(20),
                total: eur(unit * 2 + 20),
            }
        })
        .collect();
    let total = eur(lines.iter().map(|l| l.total.minor).sum());
    envelope(
        i,
        card,
        Some(app),
        at,
        EventPayload::ReceiptIssued(ReceiptIssued {
            payment: payment(i, total),
            receipt: Receipt {
                transaction_id: format!("tx_{i}"),
                merchant: merchant.to_owned(),
                lines,
                total,
            },
        }),
    )
}

pub fn points(
    i: u64,
    card: &str,
    app: &str,
    program: &str,
    delta: i64,
    balance: i64,
    at: DateTime<Utc>,
) -> Event {
    envelope(
        i,
        card,
        Some(app),
        at,
        EventPayload::PointsAwarded(PointsAwarded {
            program: program.to_owned(),
            delta,
            balance,
            payment: None,
        }),
    )
}

pub fn cashback(i: u64, card: &str, app: &str, paid: bool, minor: i64, at: DateTime<Utc>) -> Event {
    let body = Cashback {
        amount: eur(minor),
        destination: "FR76 •••• 1234".to_owned(),
        payment: None,
    };
    let payload = if paid {
        EventPayload::CashbackPaid(body)
    } else {
        EventPayload::CashbackPending(body)
    };
    envelope(i, card, Some(app), at, payload)
}

/// Event number `i` of a realistic mix over `cards`, one minute apart from `start`:
/// 45 % transactions, 20 % receipts, 15 % points, 10 % cashback, 10 % offers,
/// recommendations and social posts.
pub fn mixed(i: u64, cards: &[String], start: DateTime<Utc>) -> Event {
    let card = &cards[(i % cards.len() as u64) as usize];
    let at = start + Duration::minutes(i as i64);
    let merchant = MERCHANTS[(i % MERCHANTS.len() as u64) as usize];
    let app = ["app_receipts", "app_points", "app_cashback", "app_social"][(i % 4) as usize];
    match i % 20 {
        0..=8 => transaction(i, card, merchant, 500 + (i % 5000) as i64, at),
        9..=12 => {
            let a = ITEMS[(i % ITEMS.len() as u64) as usize];
            let b = ITEMS[((i / 3) % ITEMS.len() as u64) as usize];
            receipt(i, card, app, merchant, &[a, b], at)
        }
        13..=15 => points(
            i,
            card,
            app,
            ["Miles", "Stars", "Beans"][(i % 3) as usize],
            10,
            i as i64,
            at,
        ),
        16 | 17 => cashback(i, card, app, i.is_multiple_of(2), 25, at),
        18 => envelope(
            i,
            card,
            Some(app),
            at,
            EventPayload::OfferIssued(OfferIssued {
                offer_id: format!("offer_{i}"),
                code: "SAVE10".to_owned(),
                description: "10 % off your next coffee".to_owned(),
                discount: Discount::Percent { bps: 1000 },
                expires_at: None,
                payment: None,
            }),
        ),
        _ if i.is_multiple_of(2) => envelope(
            i,
            card,
            Some(app),
            at,
            EventPayload::RecommendationMade(RecommendationMade {
                text: "Try the oat latte".to_owned(),
                product: None,
                payment: None,
            }),
        ),
        _ => envelope(
            i,
            card,
            Some(app),
            at,
            EventPayload::SocialPosted(SocialPosted {
                network: "mastodon".to_owned(),
                text: "Had a great coffee".to_owned(),
                payment: None,
            }),
        ),
    }
}

pub fn incoming(event: Event) -> IncomingEvent {
    IncomingEvent {
        event,
        signature_verified: true,
        violation: None,
        late_by_ms: None,
    }
}

/// The terms text of [`receipts_app`].
pub const RECEIPTS_APP_TERMS: &str = "Receipts for everything.";

/// The directory listing of `app_receipts`, named `name`, asking for receipts.
pub fn receipts_app(name: &str) -> AppListing {
    AppListing {
        id: "app_receipts".into(),
        name: name.into(),
        publisher: "Acme".into(),
        description: "Keeps your receipts".into(),
        requested_scopes: vec![Scope::Receipts],
        terms_version: 1,
        terms_text: RECEIPTS_APP_TERMS.into(),
        terms_hash: Sha256Digest::of_terms(RECEIPTS_APP_TERMS),
        fee_model: FeeModel::None,
    }
}
