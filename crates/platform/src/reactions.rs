//! What an app does with a purchase it may see, per scope: a receipt, points, cashback,
//! an offer (or redeeming one), a recommendation, a social post. Side effects (balances,
//! pending cashback, open offers) are written in the caller's transaction.
//!
//! Texts the platform writes for the cardholder (a points programme's name, an offer, a
//! recommendation) are in the cardholder's language; a social post stays as the app published
//! it.

use crate::db::Conn;
use chrono::{DateTime, TimeDelta, Utc};
use consentry_domain::{
    Cashback, Channel, Discount, EventPayload, Money, OfferIssued, OfferRedeemed, PaymentRef,
    PointsAwarded, ReceiptIssued, RecommendationMade, Scope, SocialPosted,
};
use consentry_wire::App;
use rand::rngs::StdRng;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::ids::new_id;
use crate::language::{self, Lang};
use crate::wording::{self, NNBSP};
use crate::{merchants, receipts, seed};

/// The purchase being reacted to.
pub struct Purchase {
    pub transaction_id: String,
    pub cardholder_id: String,
    pub card_token: String,
    pub amount: Money,
    pub merchant: String,
    pub channel: Channel,
}

impl Purchase {
    pub fn payment(&self) -> PaymentRef {
        PaymentRef {
            transaction_id: self.transaction_id.clone(),
            channel: self.channel,
            amount: self.amount,
        }
    }
}

/// The bank account cashback is paid into, masked: the platform never shows it whole.
pub fn cashback_destination(cardholder_id: &str) -> String {
    let digest = Sha256::digest(cardholder_id.as_bytes());
    let last4 = u16::from_be_bytes([digest[0], digest[1]]) % 10_000;
    format!("FR76 •••• {last4:04}")
}

/// The events `app` produces for one granted `scope`.
pub async fn react(
    conn: &mut Conn,
    purchase: &Purchase,
    app: &App,
    scope: Scope,
    now: DateTime<Utc>,
    rng: &mut StdRng,
) -> Result<Vec<EventPayload>, ApiError> {
    let behaviour = seed::behaviour(&app.id);
    let lang = match scope {
        Scope::Points | Scope::Offers | Scope::Recommendations => {
            language::of_cardholder(conn, &purchase.cardholder_id).await?
        }
        Scope::Receipts | Scope::Cashback | Scope::SocialPosts => Lang::DEFAULT,
    };
    let payment = purchase.payment();
    let payload = match scope {
        Scope::Receipts => EventPayload::ReceiptIssued(ReceiptIssued {
            receipt: receipts::receipt_for(
                &purchase.transaction_id,
                &purchase.merchant,
                purchase.amount,
                rng,
            ),
            payment,
        }),
        Scope::Points => award_points(conn, purchase, app, &behaviour, lang).await?,
        Scope::Cashback => {
            let amount = purchase
                .amount
                .apply_bps(behaviour.cashback_bps.max(100))
                .map_err(ApiError::internal)?;
            sqlx::query(
                "INSERT INTO cashbacks (id, cardholder_id, transaction_id, app_id, amount_minor, currency, status)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
            )
            .bind(new_id("cb"))
            .bind(&purchase.cardholder_id)
            .bind(&purchase.transaction_id)
            .bind(&app.id)
            .bind(amount.minor)
            .bind(amount.currency.code())
            .execute(&mut *conn)
            .await?;
            EventPayload::CashbackPending(Cashback {
                amount,
                destination: cashback_destination(&purchase.cardholder_id),
                payment: Some(payment),
            })
        }
        Scope::Offers => offer(conn, purchase, app, &behaviour, lang, now, rng).await?,
        Scope::Recommendations => recommend(purchase, lang, rng),
        Scope::SocialPosts => {
            let city = merchants::known(&purchase.merchant).map(|m| m.city);
            let place = city.map_or_else(
                || purchase.merchant.clone(),
                |c| format!("{} in {c}", purchase.merchant),
            );
            let network = if behaviour.network.is_empty() {
                app.name.as_str()
            } else {
                behaviour.network
            };
            EventPayload::SocialPosted(SocialPosted {
                network: network.to_owned(),
                text: format!("Just stopped by {place}."),
                payment: Some(payment),
            })
        }
    };
    Ok(vec![payload])
}

async fn award_points(
    conn: &mut Conn,
    purchase: &Purchase,
    app: &App,
    behaviour: &seed::Behaviour,
    lang: Lang,
) -> Result<EventPayload, ApiError> {
    let unit = 10i64.pow(u32::from(purchase.amount.currency.exponent()));
    let delta = (purchase.amount.minor / unit * behaviour.points_per_unit.max(1)).max(1);
    let balance: i64 = sqlx::query_scalar(
        "INSERT INTO points_balances (cardholder_id, app_id, balance) VALUES ($1, $2, $3)
         ON CONFLICT (cardholder_id, app_id) DO UPDATE SET balance = points_balances.balance + excluded.balance
         RETURNING balance",
    )
    .bind(&purchase.cardholder_id)
    .bind(&app.id)
    .bind(delta)
    .fetch_one(&mut *conn)
    .await?;
    let program = match (seed::program(&app.id, lang), lang) {
        ("", Lang::En) => format!("{} points", app.name),
        ("", Lang::Fr) => format!("points {}", app.name),
        (name, _) => name.to_owned(),
    };
    Ok(EventPayload::PointsAwarded(PointsAwarded {
        program,
        delta,
        balance,
        payment: Some(purchase.payment()),
    }))
}

/// Redeems the app's open offer at this merchant, or hands out a new one.
async fn offer(
    conn: &mut Conn,
    purchase: &Purchase,
    app: &App,
    behaviour: &seed::Behaviour,
    lang: Lang,
    now: DateTime<Utc>,
    rng: &mut StdRng,
) -> Result<EventPayload, ApiError> {
    let open: Option<(String, String)> = sqlx::query_as(
        "SELECT id, code FROM offers WHERE card_token = $1 AND app_id = $2 AND merchant = $3
           AND redeemed_at IS NULL AND expires_at > $4 ORDER BY rowid LIMIT 1",
    )
    .bind(&purchase.card_token)
    .bind(&app.id)
    .bind(&purchase.merchant)
    .bind(rfc3339(now))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((offer_id, code)) = open {
        sqlx::query("UPDATE offers SET redeemed_at = $1 WHERE id = $2")
            .bind(rfc3339(now))
            .bind(&offer_id)
            .execute(&mut *conn)
            .await?;
        return Ok(EventPayload::OfferRedeemed(OfferRedeemed {
            offer_id,
            code,
            payment: Some(purchase.payment()),
        }));
    }
    let bps = behaviour.offer_bps.max(500);
    let prefix: String = app
        .name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(4)
        .collect();
    let code = format!(
        "{}-{:04}",
        prefix.to_ascii_uppercase(),
        rng.gen_range(0..10_000)
    );
    let expires_at = now + TimeDelta::days(30);
    let offer_id = new_id("ofr");
    sqlx::query(
        "INSERT INTO offers (id, cardholder_id, card_token, app_id, merchant, code, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&offer_id)
    .bind(&purchase.cardholder_id)
    .bind(&purchase.card_token)
    .bind(&app.id)
    .bind(&purchase.merchant)
    .bind(&code)
    .bind(rfc3339(expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(EventPayload::OfferIssued(OfferIssued {
        offer_id,
        code,
        description: offer_text(bps, &purchase.merchant, lang),
        discount: Discount::Percent { bps },
        expires_at: Some(expires_at),
        payment: Some(purchase.payment()),
    }))
}

/// What an offer gives, in `lang`.
fn offer_text(bps: u32, merchant: &str, lang: Lang) -> String {
    let percent = wording::percent(bps, lang);
    match lang {
        Lang::En => format!("{percent}% off your next visit to {merchant}"),
        Lang::Fr => {
            format!("{percent}{NNBSP}% de réduction sur votre prochaine visite chez {merchant}")
        }
    }
}

fn recommend(purchase: &Purchase, lang: Lang, rng: &mut StdRng) -> EventPayload {
    let category = merchants::known(&purchase.merchant).map(|m| m.category);
    let similar: Vec<&merchants::KnownMerchant> = merchants::MERCHANTS
        .iter()
        .filter(|m| m.name != purchase.merchant && Some(m.category) == category)
        .collect();
    let merchant = &purchase.merchant;
    let (text, product) = match similar.get(rng.gen_range(0..similar.len().max(1))) {
        Some(other) => {
            let item = other.items.first().map(|(name, _)| (*name).to_owned());
            let (name, city) = (other.name, other.city);
            let text = match lang {
                Lang::En => format!("Liked {merchant}? Try {name} in {city}."),
                Lang::Fr => format!("{merchant} vous a plu ? Essayez {name} à {city}."),
            };
            (text, item)
        }
        None => {
            let text = match lang {
                Lang::En => format!("Places like {merchant} are popular with people near you."),
                Lang::Fr => format!("Les adresses comme {merchant} ont la cote près de chez vous."),
            };
            (text, None)
        }
    };
    EventPayload::RecommendationMade(RecommendationMade {
        text,
        product,
        payment: Some(purchase.payment()),
    })
}
