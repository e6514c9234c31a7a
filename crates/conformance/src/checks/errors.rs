//! The error shape: every error is `{code, message}` with a documented code and a 4xx
//! status, whatever went wrong.

use reqwest::Method;
use serde_json::json;

use crate::failure::{ensure, Checked};
use crate::http::Target;
use crate::wallet::Wallet;

/// Malformed requests of every kind get their documented error (404 `not_found`, 405
/// `method_not_allowed`, 400 `invalid_json`, 415 `unsupported_media_type`, 422 `invalid_body`
/// for an unknown field, 404s for unknown cards, events and transactions); and every error
/// answer this run received, in this check and the ones before it, had the documented shape.
pub async fn shape(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let token = wallet.token.as_str();
    t.call(Method::GET, "/v2/cards")
        .bearer(token)
        .send()
        .await?
        .expect_error(404, "not_found")?;
    t.call(Method::PATCH, "/v1/cards")
        .bearer(token)
        .send()
        .await?
        .expect_error(405, "method_not_allowed")?;
    t.call(Method::POST, "/v1/cards")
        .bearer(token)
        .raw("{", Some("application/json"))
        .send()
        .await?
        .expect_error(400, "invalid_json")?;
    let card = r#"{"number":"4242424242424242","expiration":{"month":12,"year":2031}}"#;
    for content_type in [None, Some("text/plain")] {
        t.call(Method::POST, "/v1/cards")
            .bearer(token)
            .raw(card, content_type)
            .send()
            .await?
            .expect_error(415, "unsupported_media_type")?;
    }
    wallet
        .post(
            "/v1/cards",
            &json!({"number": "4242424242424242", "expiration": {"month": 12, "year": 2031},
                    "colour": "red"}),
        )
        .await?
        .expect_error(422, "invalid_body")?;
    wallet
        .delete("/v1/cards/card_no_such_card")
        .await?
        .expect_error(404, "card_not_found")?;
    wallet
        .post(
            "/v1/simulate/settle",
            &json!({"transaction_id": "txn_no_such_transaction"}),
        )
        .await?
        .expect_error(404, "transaction_not_found")?;
    let malformed = t.malformed_errors();
    ensure!(
        malformed.is_empty(),
        "{} of {} error answers in this run were not the documented `{{code, message}}` with a 4xx: {}",
        malformed.len(),
        t.errors_seen(),
        malformed
            .iter()
            .take(3)
            .map(|e| format!("{} ({})", e.what, e.problems.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(())
}
