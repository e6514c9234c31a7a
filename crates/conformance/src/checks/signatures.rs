//! Signed deliveries and the keys that sign them, verified here from the documented signing
//! strings: nothing of the platform's own verifier is used.

use reqwest::Method;
use serde_json::json;

use crate::failure::{ensure, fail, Checked, Failure};
use crate::http::Target;
use crate::wallet::{new_grant_id, Item, Wallet};
use crate::webhook::{delivery_content, endorsement_content, verify_v1a, PublishedKey, Trust};

/// Deliveries may be this far from now (the contract's example: 5 minutes).
const CLOCK_SKEW_SECONDS: i64 = 300;

/// `GET /v1/keys`, every key checked for its documented fields.
async fn published_keys(t: &Target) -> Result<Vec<PublishedKey>, Failure> {
    let reply = t.call(Method::GET, "/v1/keys").send().await?;
    PublishedKey::parse_list(&reply.expect(200)?["keys"])
        .map_err(|e| Failure::new(format!("GET /v1/keys: {e}")))
}

/// The keys a wallet enrolled now trusts: its pinned keys, extended along endorsements to
/// every key `/v1/keys` publishes.
async fn trust_of(wallet: &Wallet<'_>) -> Result<Trust, Failure> {
    let mut trust = Trust::pinned(&wallet.signing_keys);
    let refused = trust.extend(&published_keys(wallet.target).await?);
    ensure!(
        refused.is_empty(),
        "a published key is not trusted from the enrollment's keys: {}",
        refused.join("; ")
    );
    Ok(trust)
}

/// Checks one delivery: it verifies under a trusted key, its body is the event with the
/// delivery's id and the wallet's cardholder, its timestamp is near now, and any change to
/// the body, id or timestamp breaks the signature.
fn verify_delivery(trust: &Trust, wallet: &Wallet<'_>, item: &Item) -> Checked {
    let content = delivery_content(&item.id, item.timestamp, &item.body);
    ensure!(
        trust.signer(content.as_bytes(), &item.signature).is_some(),
        "delivery {} does not verify under the platform's keys: signature {}",
        item.id,
        item.signature
    );
    let event = item.event();
    ensure!(
        event.is_object() && event["type"].is_string(),
        "delivery {}'s body is not an event object with a `type`",
        item.id
    );
    ensure!(
        event["id"] == item.id.as_str(),
        "delivery {}'s body names another id: {}",
        item.id,
        event["id"]
    );
    ensure!(
        event["cardholder_id"] == wallet.cardholder_id.as_str(),
        "delivery {}'s body does not name the cardholder {} (it says {})",
        item.id,
        wallet.cardholder_id,
        event["cardholder_id"]
    );
    let skew = (chrono::Utc::now().timestamp() - item.timestamp).abs();
    ensure!(
        skew <= CLOCK_SKEW_SECONDS,
        "delivery {}'s timestamp is {skew} s away from now",
        item.id
    );
    let tampered_body = tamper(&item.body);
    for (what, content) in [
        (
            "body",
            delivery_content(&item.id, item.timestamp, &tampered_body),
        ),
        (
            "id",
            delivery_content(&format!("{}x", item.id), item.timestamp, &item.body),
        ),
        (
            "timestamp",
            delivery_content(&item.id, item.timestamp + 1, &item.body),
        ),
    ] {
        if let Some(key) = trust.signer(content.as_bytes(), &item.signature) {
            fail!(
                "delivery {} still verifies (under {key}) with its {what} altered",
                item.id
            );
        }
    }
    Ok(())
}

/// `body` with one character changed (a digit, else the last character).
fn tamper(body: &str) -> String {
    let mut chars: Vec<char> = body.chars().collect();
    let at = chars
        .iter()
        .position(char::is_ascii_digit)
        .unwrap_or(chars.len().saturating_sub(1));
    if let Some(c) = chars.get_mut(at) {
        *c = if *c == '1' { '2' } else { '1' };
    }
    chars.into_iter().collect()
}

/// A wallet with a few purchases (one settled) under a grant: several kinds of events.
async fn wallet_with_events(t: &Target) -> Result<Wallet<'_>, Failure> {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let app = wallet.app().await?;
    wallet.create_grant(&new_grant_id(), &app, &card).await?;
    let step = wallet.purchase(&card, 4200).await?;
    wallet.purchase(&card, 1300).await?;
    wallet
        .post(
            "/v1/simulate/settle",
            &json!({"transaction_id": step["transaction"]["id"]}),
        )
        .await?
        .expect(200)?;
    Ok(wallet)
}

/// Every delivery in the feed verifies against the keys (pinned at enrollment, extended by
/// endorsement to `/v1/keys`), over `{id}.{timestamp}.{body}`; its body is the event for this
/// cardholder; a tampered body, id or timestamp does not verify, nor does one delivery's
/// signature for another.
pub async fn feed(t: &Target) -> Checked {
    let wallet = wallet_with_events(t).await?;
    let trust = trust_of(&wallet).await?;
    let items = wallet.all_events().await?;
    ensure!(
        items.len() >= 4,
        "two purchases under a grant and a settlement left only {} events",
        items.len()
    );
    for item in &items {
        verify_delivery(&trust, &wallet, item)?;
    }
    let (a, b) = (&items[0], &items[1]);
    ensure!(
        trust
            .signer(
                delivery_content(&b.id, b.timestamp, &b.body).as_bytes(),
                &a.signature
            )
            .is_none(),
        "one delivery's signature verifies another delivery"
    );
    Ok(())
}

/// `GET /v1/events/{id}` is the event as a Standard Webhooks message: the body is the same
/// event, signed in `webhook-signature` over `{webhook-id}.{webhook-timestamp}.{body}`; an
/// unknown id is 404 `event_not_found`.
pub async fn single_event(t: &Target) -> Checked {
    let wallet = wallet_with_events(t).await?;
    let trust = trust_of(&wallet).await?;
    let items = wallet.all_events().await?;
    for item in items.iter().take(3) {
        let reply = wallet.get(&format!("/v1/events/{}", item.id)).await?;
        reply.expect(200)?;
        let id = reply.header("webhook-id").unwrap_or_default();
        let signature = reply.header("webhook-signature").unwrap_or_default();
        let Some(timestamp) = reply
            .header("webhook-timestamp")
            .and_then(|t| t.parse::<i64>().ok())
        else {
            fail!("{}: no numeric webhook-timestamp header", reply.what)
        };
        ensure!(
            id == item.id,
            "{}: webhook-id is {id:?}, not the event's id",
            reply.what
        );
        let content = delivery_content(id, timestamp, &reply.text);
        ensure!(
            trust.signer(content.as_bytes(), signature).is_some(),
            "{}: webhook-signature {signature:?} does not verify over the body",
            reply.what
        );
        ensure!(
            reply.json == item.event(),
            "{}: the body is not the event the feed delivered",
            reply.what
        );
    }
    wallet
        .get("/v1/events/evt_no_such_event")
        .await?
        .expect_error(404, "event_not_found")?;
    Ok(())
}

/// `GET /v1/keys` (no credentials) lists exactly one `active` key, at most one `next` and
/// one `retired`, each as documented; `next` is endorsed by `active` and `active` by
/// `retired` when one is listed, each endorsement verifying over
/// `consentry.key-endorsement.v1.{key_id}.{public_key}`; a new enrollment pins exactly the
/// published keys.
pub async fn keys_published(t: &Target) -> Checked {
    let keys = published_keys(t).await?;
    let of = |status: &str| {
        keys.iter()
            .filter(|k| k.status == status)
            .collect::<Vec<_>>()
    };
    let (active, next, retired) = (of("active"), of("next"), of("retired"));
    ensure!(
        active.len() == 1 && next.len() <= 1 && retired.len() <= 1,
        "expected one active key, at most one next and one retired: {} active, {} next, {} retired",
        active.len(),
        next.len(),
        retired.len()
    );
    let active = active[0];
    let endorsed_by = |key: &PublishedKey, signer: &PublishedKey| -> Checked {
        let Some((by, signature)) = &key.endorsement else {
            fail!("{} key {} has no endorsement", key.status, key.key_id)
        };
        ensure!(
            *by == signer.key_id,
            "{} key {} is endorsed by {by}, not by the {} key {}",
            key.status,
            key.key_id,
            signer.status,
            signer.key_id
        );
        let content = endorsement_content(&key.key_id, &key.public_key);
        ensure!(
            verify_v1a(&signer.key, content.as_bytes(), signature),
            "{} key {}'s endorsement does not verify under {}",
            key.status,
            key.key_id,
            signer.key_id
        );
        Ok(())
    };
    if let Some(next) = next.first() {
        endorsed_by(next, active)?;
    }
    if let Some(retired) = retired.first() {
        endorsed_by(active, retired)?;
    }
    let nulls = keys.iter().filter(|k| k.endorsement.is_none()).count();
    ensure!(
        nulls <= 1,
        "{nulls} keys have no endorsement; only the platform's first key may lack one"
    );
    let wallet = Wallet::enroll_unlinked(t).await?;
    let pinned: Vec<(&str, &str)> = wallet
        .signing_keys
        .iter()
        .map(|k| (k.key_id.as_str(), k.public_key.as_str()))
        .collect();
    let listed: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k.key_id.as_str(), k.public_key.as_str()))
        .collect();
    ensure!(
        pinned.iter().all(|k| listed.contains(k)),
        "the enrollment's signing_keys are not the published keys"
    );
    Ok(())
}

/// `POST /v1/admin/keys/rotate`: active → retired, next → active, a new next endorsed by the
/// new active key; `/v1/keys` then says the same; a wallet enrolled before follows the chain
/// from its pinned keys, and the next delivery verifies under the new active key — and, while
/// the retired key's `signs_until` is ahead, under the retired key too (dual signatures).
pub async fn rotation(t: &Target) -> Checked {
    let Some(admin) = t.admin_token() else {
        fail!("needs the operator token")
    };
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let before = published_keys(t).await?;
    let status_of = |keys: &[PublishedKey], status: &str| {
        keys.iter()
            .find(|k| k.status == status)
            .map(|k| k.key_id.clone())
    };
    let (Some(old_active), Some(old_next)) =
        (status_of(&before, "active"), status_of(&before, "next"))
    else {
        fail!("before rotating, /v1/keys lists no active and next key")
    };
    let reply = t
        .call(Method::POST, "/v1/admin/keys/rotate")
        .bearer(admin)
        .send()
        .await?;
    let rotated = PublishedKey::parse_list(&reply.expect(200)?["keys"])
        .map_err(|e| Failure::new(format!("the rotation's answer: {e}")))?;
    ensure!(
        status_of(&rotated, "retired").as_ref() == Some(&old_active)
            && status_of(&rotated, "active").as_ref() == Some(&old_next),
        "after rotating, the old active key is not retired or the old next key not active: {}",
        reply.describe()
    );
    let Some(new_next) = rotated.iter().find(|k| k.status == "next") else {
        fail!("after rotating there is no next key: {}", reply.describe())
    };
    ensure!(
        new_next.key_id != old_next && new_next.key_id != old_active,
        "the rotation's next key is not a new key"
    );
    ensure!(
        new_next.endorsement.as_ref().map(|(by, _)| by) == Some(&old_next),
        "the new next key is not endorsed by the new active key {old_next}"
    );
    let listed = published_keys(t).await?;
    let summary = |keys: &[PublishedKey]| -> Vec<(String, String)> {
        let mut s: Vec<(String, String)> = keys
            .iter()
            .map(|k| (k.key_id.clone(), k.status.clone()))
            .collect();
        s.sort();
        s
    };
    ensure!(
        summary(&listed) == summary(&rotated),
        "/v1/keys after the rotation is not what the rotation answered"
    );
    let mut trust = Trust::pinned(&wallet.signing_keys);
    let refused = trust.extend(&listed);
    ensure!(
        refused.is_empty(),
        "a wallet enrolled before the rotation cannot follow it: {}",
        refused.join("; ")
    );
    let step = wallet.purchase(&card, 777).await?;
    let event_id = step["event_ids"][0].as_str().unwrap_or_default();
    let items = wallet.all_events().await?;
    let Some(item) = items.iter().find(|i| i.id == event_id) else {
        fail!("the purchase after the rotation is not in the feed")
    };
    let Some(new_active) = trust.get(&old_next) else {
        fail!("the new active key is not trusted")
    };
    let content = delivery_content(&item.id, item.timestamp, &item.body);
    ensure!(
        verify_v1a(&new_active.key, content.as_bytes(), &item.signature),
        "the delivery after the rotation is not signed by the new active key {old_next}"
    );
    // During the overlap the retired key co-signs: a wallet that only knew it verifies too.
    let retired = listed.iter().find(|k| k.key_id == old_active);
    if let Some(until) = retired.and_then(|k| k.signs_until) {
        if item.timestamp < until.timestamp() {
            let Some(old) = trust.get(&old_active) else {
                fail!("the retired key {old_active} is not trusted")
            };
            ensure!(
                verify_v1a(&old.key, content.as_bytes(), &item.signature),
                "the delivery inside the overlap (retired key {old_active} signs until {until}) \
                 carries no signature of the retired key: {}",
                item.signature
            );
        }
    }
    for item in &items {
        verify_delivery(&trust, &wallet, item)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_changes_one_character() {
        let body = r#"{"amount":{"minor":1250}}"#;
        let changed = tamper(body);
        assert_ne!(changed, body);
        assert_eq!(changed.len(), body.len());
        assert_ne!(tamper("{}"), "{}");
    }
}
