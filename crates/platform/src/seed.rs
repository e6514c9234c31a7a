//! The seeded app directory: one app for each scope (and one that asks for two), each with
//! a publisher, terms, a fee model and the parameters of how it reacts to a purchase, and its
//! texts (description, category, terms) in French as well as English.
//!
//! Domains are under `.example` (RFC 2606): realistic, and never anyone's real site.

use crate::db::Pool;
use consentry_domain::{Currency, FeeModel, Money, Scope};

use crate::clock::rfc3339;
use crate::error::PlatformError;
use crate::language::Lang;

/// How an app behaves when it may react to a purchase.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// Loyalty programme name shown with points.
    pub program: &'static str,
    /// The same name in French.
    pub program_fr: &'static str,
    /// Points per whole currency unit spent.
    pub points_per_unit: i64,
    /// Cashback rate in basis points.
    pub cashback_bps: u32,
    /// Discount of the offers it hands out, in basis points.
    pub offer_bps: u32,
    /// Where its social posts appear.
    pub network: &'static str,
}

const NO_BEHAVIOUR: Behaviour = Behaviour {
    program: "",
    program_fr: "",
    points_per_unit: 0,
    cashback_bps: 0,
    offer_bps: 0,
    network: "",
};

pub struct SeedApp {
    pub id: &'static str,
    pub name: &'static str,
    pub publisher: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub scopes: &'static [Scope],
    pub fee: FeeModel,
    pub privacy_url: &'static str,
    pub website_url: &'static str,
    pub terms_version: u32,
    pub terms_text: &'static str,
    /// Description, category and terms (of `terms_version`) in French.
    pub fr: Texts,
    pub behaviour: Behaviour,
}

/// An app's texts in one more language.
pub struct Texts {
    pub description: &'static str,
    pub category: &'static str,
    pub terms_text: &'static str,
}

const fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

const fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

pub const APPS: &[SeedApp] = &[
    SeedApp {
        id: "app_beanstamp",
        name: "Bean & Stamp",
        publisher: "Bean & Stamp Collective SAS",
        description: "The stamp card of 1,400 independent coffee shops across Europe, without the card: one point for every euro you spend, a free flat white at 10 points, and the occasional pastry offer from the café you visit most.",
        category: "Coffee loyalty",
        scopes: &[Scope::Points, Scope::Offers],
        fee: FeeModel::Percent { bps: 150 },
        privacy_url: "https://beanstamp.example/privacy",
        website_url: "https://beanstamp.example",
        terms_version: 2,
        terms_text: "Bean & Stamp reads the merchant, amount and time of the card payments you allow, to award points and offers at participating coffee shops. We keep your points balance and the last 24 months of qualifying purchases. We never see your card number. You can export or delete your data at any time.",
        fr: Texts {
            description: "La carte de fidélité de 1 400 cafés indépendants en Europe, sans la carte : un point par euro dépensé, un flat white offert à 10 points, et de temps en temps une viennoiserie à prix doux dans le café où vous allez le plus.",
            category: "Fidélité café",
            terms_text: "Bean & Stamp lit le commerçant, le montant et l’heure des paiements par carte que vous autorisez, pour attribuer des points et des offres dans les cafés participants. Nous conservons votre solde de points et vos achats éligibles des 24 derniers mois. Nous ne voyons jamais le numéro de votre carte. Vous pouvez exporter ou supprimer vos données à tout moment.",
        },
        behaviour: Behaviour { program: "Bean & Stamp points", program_fr: "points Bean & Stamp", points_per_unit: 1, offer_bps: 1500, ..NO_BEHAVIOUR },
    },
    SeedApp {
        id: "app_quire",
        name: "Quire Receipts",
        publisher: "Quire Labs GmbH",
        description: "Itemised digital receipts for every card payment, the moment you pay: ready for returns, warranties and expense reports, and no more thermal paper.",
        category: "Receipts",
        scopes: &[Scope::Receipts],
        fee: FeeModel::PerEvent { amount: eur(10), per: Scope::Receipts },
        privacy_url: "https://quire.example/datenschutz",
        website_url: "https://quire.example",
        terms_version: 3,
        terms_text: "Quire requests the line items of the payments you allow from the merchant's point-of-sale system and stores the receipts for you for 10 years (the retention period of German tax law). Receipts are encrypted at rest and shared with nobody unless you forward them.",
        fr: Texts {
            description: "Des reçus numériques détaillés pour chaque paiement par carte, dès que vous payez : prêts pour les retours, les garanties et les notes de frais, et fini le papier thermique.",
            category: "Reçus",
            terms_text: "Quire demande au système d’encaissement du commerçant le détail des paiements que vous autorisez et conserve vos reçus pendant 10 ans (la durée de conservation imposée par le droit fiscal allemand). Les reçus sont chiffrés sur nos serveurs et ne sont partagés avec personne, sauf si vous les transférez.",
        },
        behaviour: NO_BEHAVIOUR,
    },
    SeedApp {
        id: "app_cashcove",
        name: "Cashcove",
        publisher: "Cashcove Financial Inc.",
        description: "2% back on every purchase you allow, paid into your bank account as soon as the payment settles. No points, no catalogue, just money.",
        category: "Cashback",
        scopes: &[Scope::Cashback],
        fee: FeeModel::Percent { bps: 50 },
        privacy_url: "https://cashcove.example/privacy",
        website_url: "https://cashcove.example",
        terms_version: 1,
        terms_text: "Cashcove receives the amount, currency, merchant and status of the payments you allow, to compute and pay cashback. Cashback becomes pending at authorization and is paid at settlement; reversed payments earn nothing. Records are kept for 7 years for accounting.",
        fr: Texts {
            description: "2 % de cashback sur chaque achat que vous autorisez, versé sur votre compte bancaire dès que le paiement est réglé. Ni points ni catalogue : de l’argent, tout simplement.",
            category: "Cashback",
            terms_text: "Cashcove reçoit le montant, la devise, le commerçant et l’état des paiements que vous autorisez, pour calculer et verser votre cashback. Le cashback est en attente dès l’autorisation et versé au règlement ; un paiement annulé ne rapporte rien. Les données sont conservées 7 ans pour la comptabilité.",
        },
        behaviour: Behaviour { cashback_bps: 200, ..NO_BEHAVIOUR },
    },
    SeedApp {
        id: "app_couponeer",
        name: "Couponeer",
        publisher: "Couponeer Ltd",
        description: "Coupons from the shops you already visit: pay with your card, get a deal for next time, and it is applied automatically when you come back.",
        category: "Coupons",
        scopes: &[Scope::Offers],
        fee: FeeModel::PerEvent { amount: usd(5), per: Scope::Offers },
        privacy_url: "https://couponeer.example/privacy",
        website_url: "https://couponeer.example",
        terms_version: 2,
        terms_text: "Couponeer uses the merchant and time of the payments you allow to pick an offer from that merchant, and to apply it on your next visit. Participating merchants learn that an offer was redeemed, never who you are.",
        fr: Texts {
            description: "Des bons de réduction dans les boutiques où vous allez déjà : payez par carte, recevez une offre pour la prochaine fois, appliquée automatiquement à votre retour.",
            category: "Bons de réduction",
            terms_text: "Couponeer utilise le commerçant et l’heure des paiements que vous autorisez pour choisir une offre de ce commerçant et l’appliquer lors de votre prochaine visite. Les commerçants participants savent qu’une offre a été utilisée, jamais qui vous êtes.",
        },
        behaviour: Behaviour { offer_bps: 1000, ..NO_BEHAVIOUR },
    },
    SeedApp {
        id: "app_nudge",
        name: "Nudge",
        publisher: "Nudge Analytics Oy",
        description: "Suggestions for places and products based on where you shop — computed for you only, never sold to advertisers.",
        category: "Recommendations",
        scopes: &[Scope::Recommendations],
        fee: FeeModel::None,
        privacy_url: "https://nudge.example/privacy",
        website_url: "https://nudge.example",
        terms_version: 1,
        terms_text: "Nudge uses the merchant category and city of the payments you allow to suggest similar places nearby. Your history is kept for 90 days and is never sold or shared with advertisers.",
        fr: Texts {
            description: "Des idées d’adresses et de produits selon les endroits où vous achetez, calculées pour vous seul et jamais vendues à des annonceurs.",
            category: "Recommandations",
            terms_text: "Nudge utilise la catégorie du commerçant et la ville des paiements que vous autorisez pour vous suggérer des adresses semblables à proximité. Votre historique est conservé 90 jours ; il n’est jamais vendu ni partagé avec des annonceurs.",
        },
        behaviour: NO_BEHAVIOUR,
    },
    SeedApp {
        id: "app_tastemaker",
        name: "Tastemaker",
        publisher: "Tastemaker Social, Inc.",
        description: "Shares the cafés, restaurants and bookshops you pay at to your Tastemaker profile, so your friends can follow your finds. Amounts are never posted.",
        category: "Social",
        scopes: &[Scope::SocialPosts],
        fee: FeeModel::PerEvent { amount: usd(2), per: Scope::SocialPosts },
        privacy_url: "https://tastemaker.example/legal/privacy",
        website_url: "https://tastemaker.example",
        terms_version: 4,
        terms_text: "Tastemaker posts the name and city of the merchants you pay at, on the channels you allow, to your public profile. Posts can be deleted at any time. The amount you paid is never published.",
        fr: Texts {
            description: "Partage sur votre profil Tastemaker les cafés, restaurants et librairies où vous payez, pour que vos amis suivent vos découvertes. Les montants ne sont jamais publiés.",
            category: "Réseau social",
            terms_text: "Tastemaker publie sur votre profil public le nom et la ville des commerçants où vous payez, pour les moyens de paiement que vous autorisez. Vous pouvez supprimer une publication à tout moment. Le montant payé n’est jamais publié.",
        },
        behaviour: Behaviour { network: "Tastemaker", ..NO_BEHAVIOUR },
    },
    SeedApp {
        id: "app_greenleaf",
        name: "Greenleaf Rewards",
        publisher: "Greenleaf Markets LLC",
        description: "The rewards programme of Greenleaf grocery partners in the US: two points per dollar and a digital receipt for every basket.",
        category: "Grocery loyalty",
        scopes: &[Scope::Points, Scope::Receipts],
        fee: FeeModel::Percent { bps: 100 },
        privacy_url: "https://greenleaf.example/privacy",
        website_url: "https://greenleaf.example",
        terms_version: 1,
        terms_text: "Greenleaf Rewards reads the amount, merchant and line items of the payments you allow at partner stores, to award points and keep your receipts. Data is kept while your account is open and deleted 30 days after you leave.",
        fr: Texts {
            description: "Le programme de fidélité des épiceries partenaires de Greenleaf aux États-Unis : deux points par dollar et un reçu numérique pour chaque panier.",
            category: "Fidélité épicerie",
            terms_text: "Greenleaf Rewards lit le montant, le commerçant et le détail des paiements que vous autorisez dans les magasins partenaires, pour attribuer des points et conserver vos reçus. Les données sont conservées tant que votre compte est ouvert, puis supprimées 30 jours après votre départ.",
        },
        behaviour: Behaviour { program: "Greenleaf points", program_fr: "points Greenleaf", points_per_unit: 2, ..NO_BEHAVIOUR },
    },
];

/// The name of an app's points programme in `lang` (empty for an unknown app or one without).
pub fn program(app_id: &str, lang: Lang) -> &'static str {
    let behaviour = behaviour(app_id);
    match lang {
        Lang::En => behaviour.program,
        Lang::Fr => behaviour.program_fr,
    }
}

/// The behaviour of an app (zero for an unknown id).
pub fn behaviour(app_id: &str) -> Behaviour {
    APPS.iter()
        .find(|app| app.id == app_id)
        .map_or(NO_BEHAVIOUR, |app| app.behaviour)
}

/// Inserts the directory on first start; existing apps (and their current terms) are kept.
pub async fn seed_directory(
    pool: &Pool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PlatformError> {
    let mut tx = crate::db::begin_exclusive(pool).await?;
    for (position, app) in APPS.iter().enumerate() {
        let scopes: Vec<&str> = app.scopes.iter().map(|s| s.as_str()).collect();
        let fee = serde_json::to_string(&app.fee)
            .map_err(|e| PlatformError::Config(format!("fee model of {}: {e}", app.id)))?;
        let scopes = serde_json::to_string(&scopes)
            .map_err(|e| PlatformError::Config(format!("scopes of {}: {e}", app.id)))?;
        sqlx::query(
            "INSERT INTO apps (id, position, name, publisher, description, category, scopes,
                fee_model, privacy_url, website_url, terms_version, terms_text, terms_published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT DO NOTHING",
        )
        .bind(app.id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(app.name)
        .bind(app.publisher)
        .bind(app.description)
        .bind(app.category)
        .bind(scopes)
        .bind(fee)
        .bind(app.privacy_url)
        .bind(app.website_url)
        .bind(i64::from(app.terms_version))
        .bind(app.terms_text)
        .bind(rfc3339(now))
        .execute(&mut *tx)
        .await?;
        // The translations of the seeded texts, also into a directory seeded before the
        // platform had them (a later version of the terms keeps its own).
        sqlx::query(
            "INSERT INTO app_texts (app_id, language, description, category)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(app.id)
        .bind(Lang::Fr.code())
        .bind(app.fr.description)
        .bind(app.fr.category)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO terms_translations (app_id, version, language, text)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(app.id)
        .bind(i64::from(app.terms_version))
        .bind(Lang::Fr.code())
        .bind(app.fr.terms_text)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
