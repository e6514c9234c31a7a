//! `Idempotency-Key` on consent changes, with Stripe's rules: a retry is answered from the
//! store, a key reused for another request is refused, a change without a key is refused.

use std::fmt::Write as _;

use serde_json::Value;

use crate::failure::{ensure, Checked, Failure};
use crate::http::Target;
use crate::wallet::{new_grant_id, new_key, App, Wallet};

use super::grants::same_set;

async fn setup(t: &Target) -> Result<(Wallet<'_>, String, App), Failure> {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let app = wallet.app().await?;
    Ok((wallet, card, app))
}

/// After a replay: the grant is still at version 1 and the feed holds one `consent.changed`
/// for it (nothing was done twice).
async fn done_once(wallet: &Wallet<'_>, grant_id: &str) -> Checked {
    let grant = wallet
        .grant_state(grant_id)
        .await?
        .ok_or_else(|| Failure::new("the grant is not listed"))?;
    ensure!(
        grant["version"] == 1,
        "after a replay the grant is at version {}, not 1: the change was applied twice",
        grant["version"]
    );
    let changes = wallet
        .all_events()
        .await?
        .iter()
        .filter(|i| i.kind() == "consent.changed" && i.event()["grant"]["id"] == grant_id)
        .count();
    ensure!(
        changes == 1,
        "the feed holds {changes} consent.changed events for one change applied once"
    );
    Ok(())
}

/// The same key with the same request answers the stored response (same status, same
/// body) with `Idempotent-Replayed: true`, and the change is applied once.
pub async fn replay(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let key = new_key();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card", "nfc"])?;
    let first = wallet.put_grant(&id, Some(&key), &body).await?;
    first.expect(201)?;
    ensure!(
        first.header("idempotent-replayed").is_none(),
        "the first answer says Idempotent-Replayed"
    );
    let second = wallet.put_grant(&id, Some(&key), &body).await?;
    ensure!(
        second.status == first.status && second.json == first.json,
        "the retry is not the stored answer: first {}, retry {}",
        first.describe(),
        second.describe()
    );
    ensure!(
        second.header("idempotent-replayed") == Some("true"),
        "the replayed answer has no `Idempotent-Replayed: true` header"
    );
    done_once(&wallet, &id).await
}

/// `value` as JSON text with every object's keys in reverse order and spaces around the
/// separators: the same JSON value as `value`, other bytes.
fn reordered(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| b.cmp(a));
            let mut out = String::from("{ ");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                let _ = write!(
                    out,
                    "{} : {}",
                    Value::from(key.as_str()),
                    reordered(&map[key])
                );
            }
            out.push_str(" }");
            out
        }
        Value::Array(items) => format!(
            "[ {} ]",
            items.iter().map(reordered).collect::<Vec<_>>().join(" , ")
        ),
        other => other.to_string(),
    }
}

/// A retry whose body is the same JSON value written differently (keys in another order,
/// other whitespace) is the same request: replayed, not refused.
pub async fn replay_same_json_value(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let key = new_key();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card"])?;
    let first = wallet.put_grant(&id, Some(&key), &body).await?;
    first.expect(201)?;
    let text = reordered(&body);
    ensure!(
        serde_json::from_str::<Value>(&text).ok().as_ref() == Some(&body),
        "the suite's reordered body is not the same JSON value (a bug in the suite)"
    );
    let second = t
        .call(reqwest::Method::PUT, &format!("/v1/grants/{id}"))
        .bearer(&wallet.token)
        .header("Idempotency-Key", &key)
        .raw(text, Some("application/json"))
        .send()
        .await?;
    ensure!(
        second.status == first.status
            && second.json == first.json
            && second.header("idempotent-replayed") == Some("true"),
        "the same JSON value in other bytes was not replayed: {}",
        second.describe()
    );
    done_once(&wallet, &id).await
}

/// The same key with another request — another body on the same grant, or another grant —
/// is 409 `idempotency_key_reused`, and changes nothing.
pub async fn conflict(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let key = new_key();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card", "nfc"])?;
    wallet
        .put_grant(&id, Some(&key), &body)
        .await?
        .expect(201)?;
    let other_body = wallet.grant_change(&id, &app, &card, 1, &["card"])?;
    wallet
        .put_grant(&id, Some(&key), &other_body)
        .await?
        .expect_error(409, "idempotency_key_reused")?;
    let other_id = new_grant_id();
    let other_grant = wallet.grant_change(&other_id, &app, &card, 0, &["card", "nfc"])?;
    wallet
        .put_grant(&other_id, Some(&key), &other_grant)
        .await?
        .expect_error(409, "idempotency_key_reused")?;
    let grant = wallet
        .grant_state(&id)
        .await?
        .ok_or_else(|| Failure::new("the grant is gone"))?;
    ensure!(
        grant["version"] == 1 && same_set(&grant["channels"], &["card", "nfc"]),
        "a refused request changed the grant: {}",
        crate::http::excerpt(&grant.to_string())
    );
    ensure!(
        wallet.grant_state(&other_id).await?.is_none(),
        "a refused request created a grant"
    );
    Ok(())
}

/// A consent change without `Idempotency-Key` is 400 `idempotency_key_missing`; a key longer
/// than 255 characters or with characters other than visible ASCII is 400
/// `idempotency_key_invalid`; none of them is applied.
pub async fn key_required(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card"])?;
    wallet
        .put_grant(&id, None, &body)
        .await?
        .expect_error(400, "idempotency_key_missing")?;
    for bad in ["k".repeat(256), "two words".to_owned()] {
        wallet
            .put_grant(&id, Some(&bad), &body)
            .await?
            .expect_error(400, "idempotency_key_invalid")?;
    }
    ensure!(
        wallet.grant_state(&id).await?.is_none(),
        "a change refused for its key was applied"
    );
    Ok(())
}
