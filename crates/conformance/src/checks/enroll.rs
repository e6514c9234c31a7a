//! Enrollment: a new cardholder and its first device, then further devices.

use reqwest::Method;
use serde_json::json;

use crate::failure::{ensure, Checked};
use crate::http::Target;
use crate::wallet::Wallet;

/// `POST /v1/enroll` without credentials: 201 with a cardholder, a device, a bearer token
/// that works, the cardholder secret and the signing keys (exactly one `active`), each field
/// as documented; two enrollments are two cardholders.
pub async fn new_cardholder(t: &Target) -> Checked {
    let first = Wallet::enroll_unlinked(t).await?;
    let second = Wallet::enroll_unlinked(t).await?;
    ensure!(
        first.cardholder_id != second.cardholder_id
            && first.device_id != second.device_id
            && first.token != second.token,
        "two enrollments without credentials gave the same cardholder, device or token"
    );
    let active = first
        .signing_keys
        .iter()
        .filter(|k| k.status == "active")
        .count();
    ensure!(
        active == 1,
        "signing_keys holds {active} active keys, expected exactly one"
    );
    let reply = first.get("/v1/cards").await?;
    ensure!(
        reply.expect(200)?["cards"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "a new cardholder's card list is not an empty `cards` list: {}",
        reply.describe()
    );
    Ok(())
}

/// `POST /v1/enroll` with the cardholder's id and secret adds a device to that cardholder
/// (no new secret); a wrong secret or an unknown cardholder is 401 `invalid_credentials`.
pub async fn further_device(t: &Target) -> Checked {
    let first = Wallet::enroll_unlinked(t).await?;
    let second = first.enroll_device("conformance second device").await?;
    ensure!(
        second.device_id != first.device_id && second.token != first.token,
        "the further device got the first device's id or token"
    );
    second.get("/v1/cards").await?.expect(200)?;
    for (cardholder, secret) in [
        (first.cardholder_id.as_str(), "chs_not_the_secret"),
        ("ch_nobody_at_all", "chs_not_the_secret"),
    ] {
        t.call(Method::POST, "/v1/enroll")
            .json(
                &json!({"device_name": "intruder", "cardholder_id": cardholder,
                          "cardholder_secret": secret}),
            )
            .send()
            .await?
            .expect_error(401, "invalid_credentials")?;
    }
    Ok(())
}
