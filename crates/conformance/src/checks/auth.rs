//! Who may call: device endpoints only with a live device token of the right cardholder,
//! operator endpoints only with the operator token.

use reqwest::Method;
use serde_json::{json, Value};

use crate::failure::{ensure, Checked};
use crate::http::Target;
use crate::wallet::{new_key, Wallet};

/// Device endpoints, each with a body that would be valid but for the missing credentials.
fn protected() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/v1/cards", None),
        (Method::GET, "/v1/apps", None),
        (Method::GET, "/v1/grants", None),
        (Method::GET, "/v1/events", None),
        (Method::GET, "/v1/devices/chain", None),
        (
            Method::POST,
            "/v1/cards",
            Some(json!({"number": "4242424242424242", "expiration": {"month": 12, "year": 2030}})),
        ),
        (
            Method::POST,
            "/v1/simulate/purchase",
            Some(
                json!({"card_token": "card_x", "amount": {"minor": 100, "currency": "EUR"},
                        "merchant": "Conformance Cafe", "channel": "card"}),
            ),
        ),
        (
            Method::PUT,
            "/v1/grants/grant_probe",
            Some(json!({"action": "revoke", "base_version": 1})),
        ),
    ]
}

/// Sends each device endpoint's request with `authorization` (none when `None`) and expects
/// 401 `unauthorized` for every one.
async fn refused_everywhere(t: &Target, authorization: Option<&str>) -> Checked {
    for (method, path, body) in protected() {
        let mut call = t.call(method, path).header("Idempotency-Key", &new_key());
        if let Some(value) = authorization {
            call = call.header("Authorization", value);
        }
        if let Some(body) = &body {
            call = call.json(body);
        }
        call.send().await?.expect_error(401, "unauthorized")?;
    }
    Ok(())
}

/// Without `Authorization`, every device endpoint answers 401 `unauthorized`.
pub async fn missing_token(t: &Target) -> Checked {
    refused_everywhere(t, None).await
}

/// A token the platform never issued — random, a real one altered by one letter, a real one
/// under another scheme, an empty one — is refused with 401 `unauthorized`.
pub async fn forged_token(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let letters: String = (0..64)
        .map(|_| char::from(b'a' + rand::random::<u8>() % 16))
        .collect();
    let mut altered = wallet.token.clone();
    let last = altered.pop().unwrap_or('a');
    altered.push(if last == 'a' { 'b' } else { 'a' });
    for authorization in [
        format!("Bearer cst_{letters}"),
        format!("Bearer {altered}"),
        format!("Basic {}", wallet.token),
        "Bearer ".to_owned(),
    ] {
        refused_everywhere(t, Some(&authorization)).await?;
    }
    wallet.get("/v1/cards").await?.expect(200)?;
    Ok(())
}

/// A device removed by another device of its cardholder loses its token: 401 on its next
/// request, while the remaining device keeps working.
pub async fn revoked_token(t: &Target) -> Checked {
    let first = Wallet::enroll_unlinked(t).await?;
    let second = first.enroll_device("conformance removed device").await?;
    second.get("/v1/cards").await?.expect(200)?;
    first
        .delete(&format!("/v1/devices/{}", second.device_id))
        .await?
        .expect(200)?;
    second
        .get("/v1/cards")
        .await?
        .expect_error(401, "unauthorized")?;
    second
        .get("/v1/events")
        .await?
        .expect_error(401, "unauthorized")?;
    first.get("/v1/cards").await?.expect(200)?;
    Ok(())
}

/// One cardholder cannot read or act on another's events, transactions or cards: they are
/// "not found" for it, and its own feed never shows them.
pub async fn cardholder_isolation(t: &Target) -> Checked {
    let owner = Wallet::enroll(t).await?;
    let card = owner.link_card().await?;
    let step = owner.purchase(&card, 1250).await?;
    let event_id = step["event_ids"][0].as_str().unwrap_or_default().to_owned();
    let transaction_id = step["transaction"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let other = Wallet::enroll(t).await?;
    other
        .get(&format!("/v1/events/{event_id}"))
        .await?
        .expect_error(404, "event_not_found")?;
    other
        .post(
            "/v1/simulate/settle",
            &json!({"transaction_id": transaction_id}),
        )
        .await?
        .expect_error(404, "transaction_not_found")?;
    other
        .delete(&format!("/v1/cards/{card}"))
        .await?
        .expect_error(404, "card_not_found")?;
    let feed = other.all_events().await?;
    ensure!(
        !feed
            .iter()
            .any(|i| i.id == event_id || i.body.contains(&card)),
        "another cardholder's feed shows this cardholder's event or card"
    );
    let cards = owner.get("/v1/cards").await?;
    ensure!(
        cards.expect(200)?["cards"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x["token"] == card.as_str())),
        "the owner's card is gone after another cardholder tried to remove it"
    );
    Ok(())
}

/// Operator endpoints refuse a missing token (401 `unauthorized`), a device token and a
/// wrong token (403 `forbidden`, or `admin_disabled` on a platform without operator API);
/// with the operator token, when one was given, they answer.
pub async fn operator_endpoints(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    t.call(Method::GET, "/v1/admin/faults")
        .send()
        .await?
        .expect_error(401, "unauthorized")?;
    for token in [wallet.token.as_str(), "not-the-operator-token"] {
        t.call(Method::GET, "/v1/admin/faults")
            .bearer(token)
            .send()
            .await?
            .expect_error_any(403, &["forbidden", "admin_disabled"])?;
    }
    if let Some(admin) = t.admin_token() {
        t.call(Method::GET, "/v1/admin/faults")
            .bearer(admin)
            .send()
            .await?
            .expect(200)?;
    }
    Ok(())
}
