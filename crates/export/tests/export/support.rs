//! The test wallet (every event kind, three cards, a consent ledger) and the outside tools.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use consentry_domain::{
    AppTermsChanged, Brand, Channel, ConsentAction, ConsentChange, ConsentChanged, Currency,
    Discount, Event, EventPayload, Expiry, FeeModel, Grant, GrantDetails, GrantRefusal,
    GrantStatus, Money, OfferIssued, OfferRedeemed, RecommendationMade, Scope, Sha256Digest,
    Transaction, Trigger, ViolationReason,
};
use consentry_export::{
    export, ExportControl, ExportFilter, ExportFormat, ExportRequest, ExportSummary, Progress,
};
use consentry_store::apps::{self, AppListing};
use consentry_store::cards::{self, NewCard};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::Wallet;
use sqlx::SqlitePool;
use tempfile::TempDir;

use consentry_testkit::eur;
use consentry_testkit::events::{self as fixtures, incoming};

pub const CARDS: &[(&str, &str)] = &[
    ("tok_visa", "4242"),
    ("tok_mc", "4444"),
    ("tok_a_long_platform_token_for_ofx", "1881"),
];
pub const MIXED: u64 = 1_300;
pub const PASSWORD: &str = "archive password 42";
/// A Luhn-valid test card number an app slips into a merchant name.
pub const CANARY_PAN: &str = "4111 1111 1111 1111";
pub const FORMULA_MERCHANT: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
pub const QUOTED_MERCHANT: &str = "Ben \"the baker\", Ltd\r\nParis";

pub fn now() -> DateTime<Utc> {
    consentry_testkit::fixed_now()
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// A filled wallet: its temp dir, the unlocked wallet, and every event stored (as written).
pub struct Filled {
    pub dir: TempDir,
    pub wallet: Wallet,
    pub events: Vec<IncomingEvent>,
}

impl Filled {
    pub fn pool(&self) -> &SqlitePool {
        self.wallet.pool().unwrap()
    }

    /// Where an export may be written (the temp dir, beside the wallet folder).
    pub fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn events_of(&self, kinds: &[&str]) -> Vec<&Event> {
        self.events
            .iter()
            .map(|e| &e.event)
            .filter(|e| kinds.contains(&e.event_type().as_str()))
            .collect()
    }

    pub async fn export(
        &self,
        format: ExportFormat,
        dest: &Path,
        filter: ExportFilter,
    ) -> ExportSummary {
        export(
            self.pool(),
            &request(format, dest, filter),
            &ExportControl::default(),
        )
        .await
        .unwrap()
    }
}

pub fn request(format: ExportFormat, dest: &Path, filter: ExportFilter) -> ExportRequest {
    ExportRequest {
        format,
        destination: dest.to_path_buf(),
        filter,
        password: (format == ExportFormat::Archive)
            .then(|| consentry_export::ArchivePassword::new(PASSWORD.to_owned())),
        now: now(),
    }
}

/// Exports the whole history of `pool` as `format` to `dest`; the summary and every progress
/// report, in order.
pub async fn export_reporting(
    pool: &SqlitePool,
    format: ExportFormat,
    dest: &Path,
) -> (ExportSummary, Vec<Progress>) {
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let sink = seen.clone();
    let control = ExportControl {
        progress: Some(Arc::new(move |p| sink.lock().unwrap().push(p))),
        ..ExportControl::default()
    };
    let summary = export(
        pool,
        &request(format, dest, ExportFilter::default()),
        &control,
    )
    .await
    .unwrap();
    let reports = seen.lock().unwrap().clone();
    (summary, reports)
}

fn details(app: &str, card: &str, scope: Scope) -> GrantDetails {
    GrantDetails {
        app_id: app.into(),
        card_token: card.into(),
        scope,
        channels: BTreeSet::from([Channel::Card, Channel::Nfc]),
        trigger: Trigger::Settlement,
        min_purchase: Some(eur(500)),
        expires_at: None,
    }
}

/// A wallet with three cards, one cached app, three consent changes, `MIXED` generated events
/// and a dozen special ones covering every kind and the awkward cases.
pub async fn filled_wallet() -> Filled {
    let dir = tempfile::tempdir().unwrap();
    let (wallet, _) = consentry_testkit::new_wallet(&dir.path().join("wallet"), now()).await;
    let pool = wallet.pool().unwrap().clone();
    for (token, last4) in CARDS {
        cards::insert(
            &pool,
            &NewCard {
                token: (*token).to_owned(),
                brand: Brand::Visa,
                last4: (*last4).to_owned(),
                expiry: Expiry::new(12, 2030).unwrap(),
                nickname: None,
            },
            now(),
        )
        .await
        .unwrap();
    }
    let terms = "Receipts app terms v1";
    apps::upsert(
        &pool,
        &AppListing {
            id: "app_receipts".into(),
            name: "Receipts & Co".into(),
            publisher: "Paper Ltd".into(),
            description: "Digital receipts".into(),
            requested_scopes: vec![Scope::Receipts],
            terms_version: 1,
            terms_text: terms.into(),
            terms_hash: Sha256Digest::of_terms(terms),
            fee_model: FeeModel::None,
        },
        now(),
    )
    .await
    .unwrap();

    // The consent ledger: grant receipts and cashback on the Visa, then revoke receipts.
    let hash = Sha256Digest::of_terms(terms);
    let receipts = Grant::new(
        "g_receipts",
        details("app_receipts", "tok_visa", Scope::Receipts),
        1,
        start(),
    )
    .unwrap();
    let cashback = Grant::new(
        "g_cashback",
        details("app_cashback", "tok_visa", Scope::Cashback),
        1,
        start(),
    )
    .unwrap();
    let revoked = receipts.revoke(start() + Duration::days(10)).unwrap();
    for (action, grant) in [
        (ConsentAction::Grant, &receipts),
        (ConsentAction::Grant, &cashback),
        (ConsentAction::Revoke, &revoked),
    ] {
        let change = ConsentChange::recording(action, grant, "laptop", hash);
        ledger::record(
            &pool,
            change,
            Some(grant),
            ChangeOrigin::Local,
            grant.changed_at,
        )
        .await
        .unwrap();
    }

    let tokens: Vec<String> = CARDS.iter().map(|(t, _)| (*t).to_owned()).collect();
    let mut all: Vec<IncomingEvent> = (0..MIXED)
        .map(|i| incoming(fixtures::mixed(i, &tokens, start())))
        .collect();
    all.extend(specials(&revoked));
    events::ingest(&pool, &all, now()).await.unwrap();
    // What the store keeps is what an export must show: card numbers masked on the way in.
    for e in &mut all {
        if let EventPayload::TransactionSettled(t) = &mut e.event.payload {
            t.merchant = consentry_store::pan_guard::redact_card_numbers(&t.merchant).into_owned();
        }
    }
    Filled {
        dir,
        wallet,
        events: all,
    }
}

fn at(day: i64) -> DateTime<Utc> {
    start() + Duration::days(day) + Duration::seconds(17)
}

fn special_tx(n: u32, card: &str, merchant: &str, amount: Money, day: i64, kind: &str) -> Event {
    let mut event = fixtures::transaction_of(n.into(), card, merchant, amount, at(day));
    event.id = format!("evt_s{n:02}");
    if let EventPayload::TransactionSettled(t) = &event.payload {
        let t: Transaction = t.clone();
        event.payload = match kind {
            "authorized" => EventPayload::TransactionAuthorized(t),
            "reversed" => EventPayload::TransactionReversed(t),
            _ => EventPayload::TransactionSettled(t),
        };
    }
    event
}

fn specials(revoked: &Grant) -> Vec<IncomingEvent> {
    let jpy = Currency::new("JPY").unwrap();
    let app = |id: &str, day: i64, payload: EventPayload| -> Event {
        fixtures::envelope(
            id.to_owned(),
            "tok_visa",
            Some("app_receipts"),
            at(day),
            payload,
        )
    };
    let mut flagged = incoming(fixtures::receipt(
        9_001,
        "tok_visa",
        "app_receipts",
        "Corner Bakery",
        &["bread"],
        at(20),
    ));
    flagged.event.id = "evt_s10".into();
    flagged.violation = Some(ViolationReason::Refused {
        refusal: GrantRefusal::NotActive {
            status: GrantStatus::Revoked,
        },
    });
    let mut never = incoming(fixtures::cashback(
        11,
        "tok_mc",
        "app_rogue",
        true,
        99,
        at(21),
    ));
    never.event.id = "evt_s11".into();
    never.violation = Some(ViolationReason::NeverGranted);
    let mut out: Vec<IncomingEvent> = [
        special_tx(1, "tok_visa", "Corner Bakery", eur(1234), 3, "authorized"),
        special_tx(2, "tok_visa", "Corner Bakery", eur(1234), 3, "reversed"),
        special_tx(
            3,
            "tok_mc",
            "Tokyo Ramen",
            Money::new(1200, jpy),
            4,
            "settled",
        ),
        special_tx(4, "tok_visa", FORMULA_MERCHANT, eur(-250), 5, "settled"),
        special_tx(5, "tok_visa", QUOTED_MERCHANT, eur(777), 6, "settled"),
        special_tx(
            6,
            "tok_mc",
            &format!("Shop {CANARY_PAN}"),
            eur(4242),
            7,
            "settled",
        ),
        app(
            "evt_s07",
            8,
            EventPayload::OfferIssued(OfferIssued {
                offer_id: "offer_s7".into(),
                code: "FIVE".into(),
                description: "€5 off".into(),
                discount: Discount::Amount { amount: eur(500) },
                expires_at: Some(at(40)),
                payment: None,
            }),
        ),
        app(
            "evt_s08",
            9,
            EventPayload::OfferRedeemed(OfferRedeemed {
                offer_id: "offer_s7".into(),
                code: "FIVE".into(),
                payment: Some(fixtures::payment(8, eur(2000))),
            }),
        ),
        app(
            "evt_s09",
            10,
            EventPayload::ConsentChanged(ConsentChanged {
                action: ConsentAction::Revoke,
                grant: revoked.clone(),
                signed: None,
            }),
        ),
        app(
            "evt_s12",
            11,
            EventPayload::AppTermsChanged(AppTermsChanged {
                terms_version: 2,
                terms_hash: Sha256Digest::of_terms("Receipts app terms v2"),
            }),
        ),
        app(
            "evt_s13",
            12,
            EventPayload::RecommendationMade(RecommendationMade {
                text: "Pair it with a croissant".into(),
                product: Some("croissant".into()),
                payment: None,
            }),
        ),
        {
            let mut paid = fixtures::cashback(
                14,
                "tok_a_long_platform_token_for_ofx",
                "app_cashback",
                true,
                150,
                at(13),
            );
            paid.id = "evt_s14".into();
            paid
        },
    ]
    .into_iter()
    .map(incoming)
    .collect();
    out.push(flagged);
    out.push(never);
    out
}

/// Sum of amounts in one currency, as a decimal string.
pub fn sum(amounts: impl IntoIterator<Item = Money>, currency: &str) -> String {
    let currency = Currency::new(currency).unwrap();
    let minor: i64 = amounts
        .into_iter()
        .filter(|m| m.currency == currency)
        .map(|m| m.minor)
        .sum();
    Money::new(minor, currency).major_string()
}
