//! Deterministic domain events of every kind, for the store's and the export's tests and
//! benchmarks: one builder per kind (event number `i` gives the id `evt_{i:012}` and the
//! transaction `tx_{i}`), a realistic mix ([`mixed`]), and the directory listing of a receipts
//! app.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "fixtures: small constant values"
)]

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{
    Cashback, Channel, Discount, Event, EventPayload, FeeModel, Money, OfferIssued, PaymentRef,
    PointsAwarded, Receipt, ReceiptIssued, ReceiptLine, RecommendationMade, Scope, Sha256Digest,
    SocialPosted, Transaction,
};
use consentry_store::apps::AppListing;
use consentry_store::events::IncomingEvent;

use crate::eur;

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

/// The apps [`mixed`] spreads app events over.
pub const APPS: &[&str] = &["app_receipts", "app_points", "app_cashback", "app_social"];

/// The id of event number `i`.
pub fn event_id(i: u64) -> String {
    format!("evt_{i:012}")
}

/// The payment behind an app event of number `i`.
pub fn payment(i: u64, amount: Money) -> PaymentRef {
    PaymentRef {
        transaction_id: format!("tx_{i}"),
        channel: Channel::ALL[(i % Channel::ALL.len() as u64) as usize],
        amount,
    }
}

/// An event with this id, card, app (`None`: the platform's own) and time.
pub fn envelope(
    id: impl Into<String>,
    card: &str,
    app: Option<&str>,
    at: DateTime<Utc>,
    payload: EventPayload,
) -> Event {
    Event {
        id: id.into(),
        occurred_at: at,
        card_token: card.to_owned(),
        app_id: app.map(str::to_owned),
        payload,
    }
}

/// A settled purchase of `minor` euro cents.
pub fn transaction(i: u64, card: &str, merchant: &str, minor: i64, at: DateTime<Utc>) -> Event {
    transaction_of(i, card, merchant, eur(minor), at)
}

/// A settled purchase of `amount` (any currency); the platform's commission is 1 %.
pub fn transaction_of(
    i: u64,
    card: &str,
    merchant: &str,
    amount: Money,
    at: DateTime<Utc>,
) -> Event {
    let commission = Money::new(amount.minor / 100, amount.currency);
    envelope(
        event_id(i),
        card,
        None,
        at,
        EventPayload::TransactionSettled(Transaction {
            transaction_id: format!("tx_{i}"),
            amount,
            merchant: merchant.to_owned(),
            channel: Channel::Nfc,
            commission,
        }),
    )
}

/// A receipt with one line per item (two of each).
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
        event_id(i),
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

/// Points awarded in `program`.
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
        event_id(i),
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

/// Cashback of `minor` euro cents, announced or paid.
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
    envelope(event_id(i), card, Some(app), at, payload)
}

/// Event number `i` of a realistic mix over `cards`, one minute apart from `start`:
/// 45 % settled transactions, 20 % receipts, 15 % points, 10 % cashback (half paid),
/// 5 % offers, 5 % recommendations and social posts.
pub fn mixed(i: u64, cards: &[String], start: DateTime<Utc>) -> Event {
    let card = &cards[(i % cards.len() as u64) as usize];
    let at = start + Duration::minutes(i as i64);
    let merchant = MERCHANTS[(i % MERCHANTS.len() as u64) as usize];
    let app = APPS[(i % APPS.len() as u64) as usize];
    let app_event = |payload| envelope(event_id(i), card, Some(app), at, payload);
    match i % 20 {
        0..=8 => transaction(i, card, merchant, 500 + (i % 5000) as i64, at),
        9..=12 => {
            let a = ITEMS[(i % ITEMS.len() as u64) as usize];
            let b = ITEMS[((i / 3) % ITEMS.len() as u64) as usize];
            receipt(i, card, app, merchant, &[a, b], at)
        }
        13..=15 => {
            let program = ["Miles", "Stars", "Beans"][(i % 3) as usize];
            points(i, card, app, program, 10, i as i64, at)
        }
        16 | 17 => cashback(i, card, app, i.is_multiple_of(2), 25 + (i % 7) as i64, at),
        18 => app_event(EventPayload::OfferIssued(OfferIssued {
            offer_id: format!("offer_{i}"),
            code: "SAVE10".to_owned(),
            description: "10 % off your next coffee".to_owned(),
            discount: Discount::Percent { bps: 1000 },
            expires_at: None,
            payment: None,
        })),
        _ if i.is_multiple_of(2) => {
            app_event(EventPayload::RecommendationMade(RecommendationMade {
                text: "Try the oat latte".to_owned(),
                product: None,
                payment: None,
            }))
        }
        _ => app_event(EventPayload::SocialPosted(SocialPosted {
            network: "mastodon".to_owned(),
            text: "Had a great coffee".to_owned(),
            payment: None,
        })),
    }
}

/// The events of purchase number `n` on `card`, as the platform delivers them: authorized at
/// `at` at merchant `MERCHANTS[n]` for `minor` euro cents; a receipt (items `ITEMS[n]` and
/// `ITEMS[n + 1]`), points, cashback announced, an offer, a recommendation and a social post,
/// one second apart; settled a day later, cashback paid three days later. Every one names
/// the transaction `tx_p{n}`; ids are `evt_p{n}_{k}`, `k` in the order listed here.
pub fn purchase(n: u64, card: &str, minor: i64, at: DateTime<Utc>) -> Vec<Event> {
    let tx = format!("tx_p{n}");
    let merchant = MERCHANTS[(n % MERCHANTS.len() as u64) as usize];
    let items = [
        ITEMS[(n % ITEMS.len() as u64) as usize],
        ITEMS[((n + 1) % ITEMS.len() as u64) as usize],
    ];
    let id = |k: u32| format!("evt_p{n}_{k}");
    let amount = eur(minor);
    let pay = PaymentRef {
        transaction_id: tx.clone(),
        channel: Channel::Nfc,
        amount,
    };
    let state = |k, at, settled: bool| {
        let t = Transaction {
            transaction_id: tx.clone(),
            amount,
            merchant: merchant.to_owned(),
            channel: Channel::Nfc,
            commission: eur(minor / 100),
        };
        let payload = if settled {
            EventPayload::TransactionSettled(t)
        } else {
            EventPayload::TransactionAuthorized(t)
        };
        envelope(id(k), card, None, at, payload)
    };
    let app = |k: u32, app: &str, payload| {
        envelope(
            id(k),
            card,
            Some(app),
            at + Duration::seconds(i64::from(k)),
            payload,
        )
    };
    let mut receipt = receipt(n, card, "app_receipts", merchant, &items, at);
    receipt.id = id(1);
    receipt.occurred_at = at + Duration::seconds(1);
    if let EventPayload::ReceiptIssued(r) = &mut receipt.payload {
        r.receipt.transaction_id = tx.clone();
        r.payment = PaymentRef {
            amount: r.receipt.total,
            ..pay.clone()
        };
    }
    let cashback = || Cashback {
        amount: eur(minor / 50),
        destination: "FR76 •••• 1234".to_owned(),
        payment: Some(pay.clone()),
    };
    vec![
        state(0, at, false),
        receipt,
        app(
            2,
            "app_points",
            EventPayload::PointsAwarded(PointsAwarded {
                program: "Beans".to_owned(),
                delta: 10,
                balance: 10 * (n as i64 + 1),
                payment: Some(pay.clone()),
            }),
        ),
        app(3, "app_cashback", EventPayload::CashbackPending(cashback())),
        app(
            4,
            "app_points",
            EventPayload::OfferIssued(OfferIssued {
                offer_id: format!("offer_p{n}"),
                code: "SAVE10".to_owned(),
                description: "10 % off your next visit".to_owned(),
                discount: Discount::Percent { bps: 1000 },
                expires_at: None,
                payment: Some(pay.clone()),
            }),
        ),
        app(
            5,
            "app_social",
            EventPayload::RecommendationMade(RecommendationMade {
                text: "Try the oat latte".to_owned(),
                product: None,
                payment: Some(pay.clone()),
            }),
        ),
        app(
            6,
            "app_social",
            EventPayload::SocialPosted(SocialPosted {
                network: "mastodon".to_owned(),
                text: "Had a great time".to_owned(),
                payment: Some(pay.clone()),
            }),
        ),
        state(7, at + Duration::days(1), true),
        {
            let mut paid = app(8, "app_cashback", EventPayload::CashbackPaid(cashback()));
            paid.occurred_at = at + Duration::days(3);
            paid
        },
    ]
}

/// `event` as the feed hands it to the store: signature verified, no violation, on time.
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
