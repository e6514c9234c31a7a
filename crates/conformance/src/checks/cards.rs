//! Card tokenization: the number goes in once and never comes back.

use chrono::Datelike as _;
use serde_json::json;

use crate::failure::{ensure, Checked};
use crate::http::Target;
use crate::wallet::Wallet;

const DIGITS: &str = "4242424242424242";

/// Linking a card answers 201 with a `Card` (token `card_…`, brand, last four digits,
/// expiry, nickname, `active`) and never the number; the list shows it; linking the same
/// number again, written another way, answers 200 with the same token.
pub async fn link_and_list(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let year = chrono::Utc::now().year() + 2;
    let expiration = json!({"month": 11, "year": year});
    let reply = wallet
        .post(
            "/v1/cards",
            &json!({"number": "4242 4242 4242 4242", "expiration": expiration,
                    "nickname": "Everyday"}),
        )
        .await?;
    let card = reply.expect(201)?;
    let token = card["token"].as_str().unwrap_or_default();
    ensure!(
        token.starts_with("card_"),
        "the card token does not start with `card_`: {}",
        reply.describe()
    );
    ensure!(
        card["brand"] == "visa"
            && card["last4"] == "4242"
            && card["expiration"] == expiration
            && card["nickname"] == "Everyday"
            && card["status"] == "active"
            && card["created_at"].is_string(),
        "the card is not the one linked (brand visa, last4 4242, the expiry, the nickname, active, created_at): {}",
        reply.describe()
    );
    ensure!(
        !reply.text.contains(DIGITS) && !reply.text.contains("4242 4242 4242 4242"),
        "the answer holds the full card number"
    );
    let list = wallet.get("/v1/cards").await?;
    ensure!(
        list.expect(200)?["cards"]
            .as_array()
            .is_some_and(|cards| cards.len() == 1 && cards[0]["token"] == token),
        "the card list is not the one card linked: {}",
        list.describe()
    );
    ensure!(
        !list.text.contains(DIGITS),
        "the card list holds the full card number"
    );
    let again = wallet
        .post(
            "/v1/cards",
            &json!({"number": "4242-4242-4242-4242", "expiration": expiration}),
        )
        .await?;
    ensure!(
        again.expect(200)?["token"] == token,
        "linking the same number again did not answer the same card: {}",
        again.describe()
    );
    Ok(())
}

/// A number failing Luhn, an expired card and a nickname holding a card number are refused
/// with their documented codes (`card_number_luhn`, `card_expired`, `card_number_in_text` with
/// `field`), the message never repeating the number, and nothing is linked.
pub async fn refused_numbers(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let year = chrono::Utc::now().year() + 2;
    wallet
        .post(
            "/v1/cards",
            &json!({"number": "4242424242424241", "expiration": {"month": 12, "year": year}}),
        )
        .await?
        .expect_error(422, "card_number_luhn")?;
    wallet
        .post(
            "/v1/cards",
            &json!({"number": DIGITS, "expiration": {"month": 1, "year": 2001}}),
        )
        .await?
        .expect_error(422, "card_expired")?;
    let in_text = wallet
        .post(
            "/v1/cards",
            &json!({"number": DIGITS, "expiration": {"month": 12, "year": year},
                    "nickname": "backup 4111 1111 1111 1111"}),
        )
        .await?;
    in_text.expect_error(422, "card_number_in_text")?;
    ensure!(
        in_text.json["field"] == "nickname",
        "card_number_in_text does not name the field `nickname`: {}",
        in_text.describe()
    );
    ensure!(
        !in_text.text.contains("4111"),
        "the refusal repeats the card number: {}",
        in_text.describe()
    );
    let list = wallet.get("/v1/cards").await?;
    ensure!(
        list.expect(200)?["cards"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "a refused card was linked: {}",
        list.describe()
    );
    Ok(())
}
