//! Limits: oversized bodies and out-of-range fields are refused with 4xx, never a 5xx.

use reqwest::Method;
use serde_json::json;

use crate::contract::BODY_LIMIT;
use crate::failure::{ensure, Checked};
use crate::http::Target;
use crate::wallet::{new_key, Wallet, CURRENCY};

/// A body over 64 KiB is 413 `payload_too_large` — with or without credentials, on any
/// endpoint — and a body just under the limit is judged on its content instead.
pub async fn body_size(t: &Target) -> Checked {
    let wallet = Wallet::enroll_unlinked(t).await?;
    let pad = "x".repeat(BODY_LIMIT + 36 * 1024);
    t.call(Method::POST, "/v1/enroll")
        .json(&json!({"device_name": pad}))
        .send()
        .await?
        .expect_error(413, "payload_too_large")?;
    wallet
        .post(
            "/v1/cards",
            &json!({"number": "4242424242424242", "expiration": {"month": 12, "year": 2031},
                    "nickname": pad}),
        )
        .await?
        .expect_error(413, "payload_too_large")?;
    wallet
        .put_grant(
            "grant_oversized",
            Some(&new_key()),
            &json!({"action": "revoke", "base_version": 1, "pad": pad}),
        )
        .await?
        .expect_error(413, "payload_too_large")?;
    let under = "x".repeat(BODY_LIMIT - 4 * 1024);
    let reply = t
        .call(Method::POST, "/v1/enroll")
        .json(&json!({"device_name": under}))
        .send()
        .await?;
    let code = reply.json["code"].as_str().unwrap_or_default().to_owned();
    ensure!(
        reply.status == 422 && code != "payload_too_large",
        "a 60 KiB body with an 60,000-character device name should be refused for its content (422), not its size: {}",
        reply.describe()
    );
    reply.expect_error(422, &code)?;
    Ok(())
}

/// Fields out of their documented bounds are 4xx with a documented code: a device name of 0
/// or 81 characters, a nickname of 41, a merchant of 81, an amount of 0, below 0 or above
/// the purchase maximum, a grant id of 65 characters.
pub async fn field_bounds(t: &Target) -> Checked {
    for name in [String::new(), "n".repeat(81)] {
        let reply = t
            .call(Method::POST, "/v1/enroll")
            .json(&json!({"device_name": name}))
            .send()
            .await?;
        reply.expect_error(422, reply.json["code"].as_str().unwrap_or("(none)"))?;
    }
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let reply = wallet
        .post(
            "/v1/cards",
            &json!({"number": "5555555555554444", "expiration": {"month": 12, "year": 2031},
                    "nickname": "n".repeat(41)}),
        )
        .await?;
    reply.expect_error(422, "invalid_nickname")?;
    let purchase = |minor: i64, merchant: String| {
        json!({"card_token": card, "amount": {"minor": minor, "currency": CURRENCY},
               "merchant": merchant, "channel": "card"})
    };
    wallet
        .post("/v1/simulate/purchase", &purchase(100, "m".repeat(81)))
        .await?
        .expect_error(422, "invalid_merchant")?;
    for minor in [0, -5, 100_000_000_001] {
        wallet
            .post(
                "/v1/simulate/purchase",
                &purchase(minor, "Conformance Cafe".into()),
            )
            .await?
            .expect_error(422, "invalid_amount")
            .map_err(|f| f.context(&format!("amount {minor}")))?;
    }
    let long_id = "g".repeat(65);
    wallet
        .put_grant(
            &long_id,
            Some(&new_key()),
            &json!({"action": "revoke", "base_version": 1}),
        )
        .await?
        .expect_error(400, "invalid_identifier")?;
    Ok(())
}

/// `GET /v1/currencies` is public and lists each accepted code with its exponent and the
/// purchase bounds that follow from it (`1` to `10^(6 + exponent)` minor units); the server
/// enforces exactly those bounds (EUR and JPY at their maximum: authorized; one unit above:
/// 422 `invalid_amount`) and refuses a code it does not list.
pub async fn currencies(t: &Target) -> Checked {
    let reply = t.call(Method::GET, "/v1/currencies").send().await?;
    let listed = reply.expect(200)?.clone();
    let currencies = listed["currencies"].as_array().cloned().unwrap_or_default();
    ensure!(
        !currencies.is_empty(),
        "GET /v1/currencies lists no currency: {}",
        reply.describe()
    );
    for currency in &currencies {
        let exponent = currency["exponent"].as_u64();
        let bounds = (
            currency["min_purchase_minor"].as_i64(),
            currency["max_purchase_minor"].as_i64(),
        );
        let expected = exponent
            .and_then(|e| u32::try_from(e).ok())
            .and_then(|e| 10i64.checked_pow(e))
            .map(|scale| (Some(1), Some(1_000_000 * scale)));
        ensure!(
            currency["code"].as_str().is_some_and(|c| c.len() == 3) && Some(bounds) == expected,
            "a currency should be {{code, exponent, min_purchase_minor: 1, max_purchase_minor: 10^(6 + exponent)}}: {currency}"
        );
    }
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let purchase = |minor: i64, code: &str| {
        json!({"card_token": card, "amount": {"minor": minor, "currency": code},
               "merchant": "Conformance Cafe", "channel": "card"})
    };
    for code in ["EUR", "JPY"] {
        let Some(currency) = currencies.iter().find(|c| c["code"] == code) else {
            continue;
        };
        let max = currency["max_purchase_minor"].as_i64().unwrap_or_default();
        wallet
            .post("/v1/simulate/purchase", &purchase(max, code))
            .await?
            .expect(201)
            .map_err(|f| f.context(&format!("{code} {max}, its published maximum")))?;
        wallet
            .post("/v1/simulate/purchase", &purchase(max + 1, code))
            .await?
            .expect_error(422, "invalid_amount")
            .map_err(|f| f.context(&format!("{code} {}, above its maximum", max + 1)))?;
    }
    let unlisted = ["XAU", "XTS", "ZZZ"]
        .into_iter()
        .find(|code| !currencies.iter().any(|c| c["code"] == *code));
    if let Some(code) = unlisted {
        wallet
            .post("/v1/simulate/purchase", &purchase(100, code))
            .await?
            .expect_error(422, "invalid_body")
            .map_err(|f| {
                f.context(&format!(
                    "currency {code}, which GET /v1/currencies does not list"
                ))
            })?;
    }
    Ok(())
}

/// An integer written with a zero fraction is an integer, as the document's JSON Schema
/// reads it: a purchase of `1234.0` is authorized for 1234; `1234.5` and `1e30` are 422
/// `invalid_body`.
pub async fn integer_forms(t: &Target) -> Checked {
    let wallet = Wallet::enroll(t).await?;
    let card = wallet.link_card().await?;
    let purchase = |minor: &str| {
        format!(
            r#"{{"card_token":"{card}","amount":{{"minor":{minor},"currency":"{CURRENCY}"}},"merchant":"Conformance Cafe","channel":"card"}}"#
        )
    };
    let send = |body: String| {
        t.call(Method::POST, "/v1/simulate/purchase")
            .bearer(&wallet.token)
            .raw(body, Some("application/json"))
            .send()
    };
    let reply = send(purchase("1234.0")).await?;
    let step = reply
        .expect(201)
        .map_err(|f| f.context("amount.minor written 1234.0 (a JSON Schema integer)"))?;
    ensure!(
        step["transaction"]["amount"]["minor"] == 1234,
        "amount.minor written 1234.0 should be read as 1234: {}",
        reply.describe()
    );
    for written in ["1234.5", "1e30"] {
        send(purchase(written))
            .await?
            .expect_error(422, "invalid_body")
            .map_err(|f| f.context(&format!("amount.minor written {written}")))?;
    }
    Ok(())
}
