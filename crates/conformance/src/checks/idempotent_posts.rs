//! `Idempotency-Key` on the requests that create something — enrollment, card links,
//! simulated purchases — with the same rules as consent changes, keys being each
//! cardholder's own and only successes being stored.

use reqwest::Method;
use serde_json::{json, Value};

use crate::failure::{ensure, Checked, Failure};
use crate::http::{Reply, Target};
use crate::wallet::{new_key, Wallet, CURRENCY};

/// `second` is `first` replayed: same status and body, `Idempotent-Replayed: true`.
fn replayed(first: &Reply, second: &Reply) -> Checked {
    ensure!(
        first.header("idempotent-replayed").is_none(),
        "{}: the first answer says Idempotent-Replayed",
        first.what
    );
    ensure!(
        second.status == first.status && second.json == first.json,
        "{}: the retry is not the stored answer: first {}, retry {}",
        first.what,
        first.describe(),
        second.describe()
    );
    ensure!(
        second.header("idempotent-replayed") == Some("true"),
        "{}: the replayed answer has no `Idempotent-Replayed: true` header",
        first.what
    );
    Ok(())
}

async fn post_with_key(
    wallet: &Wallet<'_>,
    path: &str,
    key: &str,
    body: &Value,
) -> Result<Reply, Failure> {
    wallet
        .target
        .call(Method::POST, path)
        .bearer(&wallet.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
}

fn purchase(card: &str, minor: i64) -> Value {
    json!({"card_token": card, "amount": {"minor": minor, "currency": CURRENCY},
           "merchant": "Conformance Cafe", "channel": "card"})
}

/// A retried enrollment, card link or purchase under its key answers the stored response
/// (`Idempotent-Replayed: true`) and creates nothing twice; the same key with another body
/// is 409 `idempotency_key_reused`.
pub async fn creating_posts(t: &Target) -> Checked {
    let enroll_key = new_key();
    let enroll = |name: &str| {
        t.call(Method::POST, "/v1/enroll")
            .header("Idempotency-Key", &enroll_key)
            .json(&json!({"device_name": name}))
            .send()
    };
    let first = enroll("conformance retried enrollment").await?;
    first.expect(201)?;
    replayed(&first, &enroll("conformance retried enrollment").await?)?;
    enroll("conformance another enrollment")
        .await?
        .expect_error(409, "idempotency_key_reused")?;

    let wallet = Wallet::enroll_unlinked(t).await?;
    let key = new_key();
    let link = json!({"number": "5555 5555 5555 4444", "expiration": {"month": 12, "year": 2031}});
    let first = post_with_key(&wallet, "/v1/cards", &key, &link).await?;
    first.expect(201)?;
    replayed(
        &first,
        &post_with_key(&wallet, "/v1/cards", &key, &link).await?,
    )?;
    let other = json!({"number": "4242 4242 4242 4242", "expiration": {"month": 12, "year": 2031}});
    post_with_key(&wallet, "/v1/cards", &key, &other)
        .await?
        .expect_error(409, "idempotency_key_reused")?;
    let cards = wallet.get("/v1/cards").await?;
    ensure!(
        cards.expect(200)?["cards"].as_array().map(Vec::len) == Some(1),
        "a retried card link and a refused one left other than one card: {}",
        cards.describe()
    );

    let card = first.json["token"].as_str().unwrap_or_default().to_owned();
    let key = new_key();
    let first = post_with_key(
        &wallet,
        "/v1/simulate/purchase",
        &key,
        &purchase(&card, 1500),
    )
    .await?;
    first.expect(201)?;
    let second = post_with_key(
        &wallet,
        "/v1/simulate/purchase",
        &key,
        &purchase(&card, 1500),
    )
    .await?;
    replayed(&first, &second)?;
    post_with_key(
        &wallet,
        "/v1/simulate/purchase",
        &key,
        &purchase(&card, 1600),
    )
    .await?
    .expect_error(409, "idempotency_key_reused")?;
    let authorized = wallet
        .all_events()
        .await?
        .iter()
        .filter(|i| i.kind() == "transaction.authorized")
        .count();
    ensure!(
        authorized == 1,
        "a retried purchase and a refused one made {authorized} transactions, not 1"
    );
    Ok(())
}

/// Keys are each cardholder's own: another cardholder sending a key already used by the
/// first gets its own answer, neither a replay of the first's nor a conflict.
pub async fn per_cardholder(t: &Target) -> Checked {
    let first = Wallet::enroll_unlinked(t).await?;
    let second = Wallet::enroll_unlinked(t).await?;
    let first_card = first.link_card().await?;
    let second_card = second.link_card().await?;
    let key = new_key();
    let mine = post_with_key(
        &first,
        "/v1/simulate/purchase",
        &key,
        &purchase(&first_card, 1500),
    )
    .await?;
    mine.expect(201)?;
    let theirs = post_with_key(
        &second,
        "/v1/simulate/purchase",
        &key,
        &purchase(&second_card, 1500),
    )
    .await?;
    theirs.expect(201)?;
    ensure!(
        theirs.header("idempotent-replayed").is_none()
            && theirs.json["transaction"]["id"] != mine.json["transaction"]["id"]
            && theirs.json["transaction"]["card_token"] == second_card.as_str(),
        "another cardholder's request under the same key was answered with the first's: {}",
        theirs.describe()
    );
    Ok(())
}

/// An error is not stored under its key: the request fixed and sent again with the same key
/// is done (201), not answered with the stored error.
pub async fn errors_not_stored(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let card = wallet.link_card().await?;
    let key = new_key();
    post_with_key(&wallet, "/v1/simulate/purchase", &key, &purchase(&card, 0))
        .await?
        .expect_error(422, "invalid_amount")?;
    let fixed = post_with_key(
        &wallet,
        "/v1/simulate/purchase",
        &key,
        &purchase(&card, 1500),
    )
    .await?;
    fixed.expect(201)?;
    ensure!(
        fixed.header("idempotent-replayed").is_none(),
        "the fixed request was answered as a replay"
    );
    Ok(())
}
