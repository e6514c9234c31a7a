//! Consent changes: versioned, signed by the device, and the only thing that lets an app act.

use serde_json::{json, Value};

use crate::device::{sign_statement, DeviceKey};
use crate::failure::{ensure, Checked, Failure};
use crate::http::Target;
use crate::wallet::{new_grant_id, new_key, App, Wallet};

/// A cardholder with its root link, a card and an app to grant to.
async fn setup(t: &Target) -> Result<(Wallet<'_>, String, App), Failure> {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let app = wallet.app().await?;
    Ok((wallet, card, app))
}

fn expect_grant(grant: &Value, id: &str, version: u64, status: &str) -> Checked {
    ensure!(
        grant["id"] == id && grant["version"] == version && grant["status"] == status,
        "expected grant {id} at version {version}, {status}; got {}",
        crate::http::excerpt(&grant.to_string())
    );
    Ok(())
}

/// A grant is created at version 1 (201), each change adds one (revoke at 1 → 2, grant
/// again at 2 → 3), and `GET /v1/grants` shows the grant with the signed change that
/// produced it, verbatim.
pub async fn versions(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card", "nfc"])?;
    let created = wallet.put_grant(&id, Some(&new_key()), &body).await?;
    let grant = created.expect(201)?.clone();
    expect_grant(&grant, &id, 1, "active")?;
    ensure!(
        grant["app_id"] == app.id.as_str()
            && grant["card_token"] == card.as_str()
            && grant["scope"] == app.scope.as_str()
            && grant["terms_version"] == app.terms_version,
        "the grant is not the one asked for: {}",
        created.describe()
    );
    let listed = wallet
        .grant_state(&id)
        .await?
        .ok_or_else(|| Failure::new("GET /v1/grants does not list the new grant"))?;
    expect_grant(&listed, &id, 1, "active")?;
    ensure!(
        listed["signed"] == body["signed"],
        "GET /v1/grants does not relay the signed change that made the grant: {}",
        crate::http::excerpt(&listed["signed"].to_string())
    );
    let revoke = wallet.revoke_change(&grant, &app, 1)?;
    let revoked = wallet.put_grant(&id, Some(&new_key()), &revoke).await?;
    expect_grant(revoked.expect(200)?, &id, 2, "revoked")?;
    let again = wallet.grant_change(&id, &app, &card, 2, &["card"])?;
    let regranted = wallet.put_grant(&id, Some(&new_key()), &again).await?;
    expect_grant(regranted.expect(200)?, &id, 3, "active")?;
    Ok(())
}

/// A change at a version that is not the grant's current one is 409 `version_conflict`
/// with `current` (the grant now, with its signed change), and changes nothing.
pub async fn stale_version(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let grant = wallet.create_grant(&id, &app, &card).await?;
    let stale = wallet.grant_change(&id, &app, &card, 0, &["card"])?;
    let reply = wallet.put_grant(&id, Some(&new_key()), &stale).await?;
    reply.expect_error(409, "version_conflict")?;
    let current = &reply.json["current"];
    expect_grant(current, &id, 1, "active").map_err(|f| f.context("`current`"))?;
    ensure!(
        current["signed"].is_object(),
        "`current` does not carry the signed change that produced it: {}",
        reply.describe()
    );
    let ahead = wallet.revoke_change(&grant, &app, 7)?;
    wallet
        .put_grant(&id, Some(&new_key()), &ahead)
        .await?
        .expect_error(409, "version_conflict")?;
    let now = wallet
        .grant_state(&id)
        .await?
        .ok_or_else(|| Failure::new("the grant is gone"))?;
    expect_grant(&now, &id, 1, "active").map_err(|f| f.context("after the refused changes"))?;
    ensure!(
        same_set(&now["channels"], &["card", "nfc", "online"]),
        "a refused change altered the grant's channels: {}",
        now["channels"]
    );
    Ok(())
}

/// The platform relays consent but cannot author it: a change without `signed`
/// (`unsigned_change`), signed by a key that is not the caller's (`bad_consent_signature`),
/// whose statement says something else than the request (`statement_mismatch`), or from a
/// device outside the chain (`device_not_in_chain`) is refused with 422, and nothing is stored.
pub async fn signed_changes(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let body = wallet.grant_change(&id, &app, &card, 0, &["card", "nfc"])?;

    let mut unsigned = body.clone();
    if let Some(fields) = unsigned.as_object_mut() {
        fields.remove("signed");
    }
    wallet
        .put_grant(&id, Some(&new_key()), &unsigned)
        .await?
        .expect_error(422, "unsigned_change")?;

    let mut foreign = body.clone();
    foreign["signed"] = sign_statement(&body["signed"]["statement"], &DeviceKey::generate())?;
    wallet
        .put_grant(&id, Some(&new_key()), &foreign)
        .await?
        .expect_error(422, "bad_consent_signature")?;

    let mut statement = body["signed"]["statement"].clone();
    statement["channels"] = json!(["card", "nfc", "online"]);
    let mut mismatched = body.clone();
    mismatched["signed"] = sign_statement(&statement, &wallet.key)?;
    wallet
        .put_grant(&id, Some(&new_key()), &mismatched)
        .await?
        .expect_error(422, "statement_mismatch")?;

    let outsider = wallet.enroll_device("conformance unlinked device").await?;
    let own = outsider.grant_change(&id, &app, &card, 0, &["card"])?;
    outsider
        .put_grant(&id, Some(&new_key()), &own)
        .await?
        .expect_error(422, "device_not_in_chain")?;

    ensure!(
        wallet.grant_state(&id).await?.is_none(),
        "a refused change created the grant"
    );
    Ok(())
}

/// An app reacts to a purchase only under an active grant matching it: with the grant, the
/// purchase's decision for it is `reacted` and its events are in the feed; after a revoke,
/// the next purchase's decision is `skipped` and the app sends nothing.
pub async fn consent_rule(t: &Target) -> Checked {
    let (wallet, card, app) = setup(t).await?;
    let id = new_grant_id();
    let grant = wallet.create_grant(&id, &app, &card).await?;
    let step = wallet.purchase(&card, 2500).await?;
    let decision = decision_of(&step, &id)?;
    ensure!(
        decision["outcome"] == "reacted"
            && decision["event_ids"]
                .as_array()
                .is_some_and(|e| !e.is_empty()),
        "under an active grant the app did not react: {decision}"
    );
    let feed = wallet.all_events().await?;
    for event_id in decision["event_ids"].as_array().into_iter().flatten() {
        let item = feed
            .iter()
            .find(|i| i.id == event_id.as_str().unwrap_or_default())
            .ok_or_else(|| {
                Failure::new(format!("the app's event {event_id} is not in the feed"))
            })?;
        ensure!(
            item.event()["app_id"] == app.id.as_str(),
            "the reaction's event does not name the app: {}",
            crate::http::excerpt(&item.body)
        );
    }

    let revoke = wallet.revoke_change(&grant, &app, 1)?;
    wallet
        .put_grant(&id, Some(&new_key()), &revoke)
        .await?
        .expect(200)?;
    let step = wallet.purchase(&card, 2500).await?;
    let decision = decision_of(&step, &id)?;
    ensure!(
        decision["outcome"] == "skipped"
            && decision["reason"] == "not_active"
            && decision["event_ids"].as_array().is_some_and(Vec::is_empty),
        "after the revoke the app's decision is not `skipped` (`not_active`) without events: {decision}"
    );
    ensure!(
        step["event_ids"].as_array().is_some_and(|e| e.len() == 1),
        "after the revoke the purchase made more than its transaction event: {}",
        step["event_ids"]
    );
    Ok(())
}

/// Whether `list` is a JSON array holding exactly `expected`, in any order.
pub fn same_set(list: &Value, expected: &[&str]) -> bool {
    let mut got: Vec<&str> = list
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut expected = expected.to_vec();
    got.sort_unstable();
    expected.sort_unstable();
    got == expected
}

fn decision_of(step: &Value, grant_id: &str) -> Result<Value, Failure> {
    step["decisions"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["grant_id"] == grant_id))
        .cloned()
        .ok_or_else(|| {
            Failure::new(format!(
                "the purchase's decisions do not mention grant {grant_id}: {}",
                step["decisions"]
            ))
        })
}
