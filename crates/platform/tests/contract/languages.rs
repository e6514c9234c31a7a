//! Languages: the directory in the language `Accept-Language` asks for (English or French),
//! consent statements over the terms in either language, and the texts of a cardholder's
//! events in the language their latest request asked for.

use consentry_domain::Sha256Digest;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

/// `GET /v1/apps` with this `Accept-Language` (none when `None`): status, `Content-Language`,
/// `Vary` and the body.
async fn directory(w: &Wallet, accept: Option<&str>) -> (u16, String, String, Value) {
    let mut request = w.http.get(w.url("/v1/apps")).bearer_auth(&w.token);
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (language, vary) = (header("content-language"), header("vary"));
    let (status, body) = read(response).await;
    (status.as_u16(), language, vary, body)
}

fn app<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
}

/// The language the directory answered in, and Quire's description and terms language.
async fn served(w: &Wallet, accept: &str) -> (String, String, String) {
    let (status, language, _, body) = directory(w, Some(accept)).await;
    assert_eq!(status, 200, "{accept:?}: {body}");
    let quire = app(&body, "app_quire");
    (
        language,
        quire["description"].as_str().unwrap().to_owned(),
        quire["terms"]["language"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_directory_comes_in_the_language_asked_for() {
    let p = start().await;
    let w = p.enroll().await;

    let (status, language, vary, french) = directory(&w, Some("fr, en;q=0.5")).await;
    assert_eq!((status, language.as_str()), (200, "fr"));
    assert_eq!(vary, "Accept-Language");
    // Quire as the document's example shows it (which is therefore real).
    let quire = app(&french, "app_quire").clone();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("docs/platform/openapi.json")).unwrap(),
    )
    .unwrap();
    let example = &doc["paths"]["/v1/apps"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"]["in French"]["value"];
    let mut expected = example["apps"][0].clone();
    expected["terms"]["published_at"] = quire["terms"]["published_at"].clone();
    assert_eq!(quire, expected);
    let text = quire["terms"]["text"].as_str().unwrap().to_owned();
    assert_eq!(
        quire["terms"]["hash"],
        Sha256Digest::of_terms(&text).to_hex()
    );
    for app in french["apps"].as_array().unwrap() {
        assert_eq!(app["terms"]["language"], "fr", "{app}");
    }
    assert_eq!(app(&french, "app_nudge")["fee_description"], "Gratuit");
    assert_eq!(
        app(&french, "app_beanstamp")["fee_description"],
        "1,5\u{202F}% de chaque achat"
    );

    let (status, language, _, english) = directory(&w, None).await;
    assert_eq!((status, language.as_str()), (200, "en"));
    let english_quire = app(&english, "app_quire");
    assert_eq!(english_quire["terms"]["language"], "en");
    assert_eq!(english_quire["fee_description"], "€0.10 per receipt");
    assert!(english_quire["description"]
        .as_str()
        .unwrap()
        .starts_with("Itemised digital receipts"));
    assert_ne!(english_quire["terms"]["hash"], quire["terms"]["hash"]);
    // Same app otherwise: id, name, scopes, version, fees.
    for field in ["id", "name", "publisher", "requested_scopes", "fee_model"] {
        assert_eq!(english_quire[field], quire[field], "{field}");
    }
    assert_eq!(english_quire["terms"]["version"], quire["terms"]["version"]);

    // Weights, regions, case; and what the platform does not have.
    let french_description = app(&french, "app_quire")["description"].clone();
    let english_description = english_quire["description"].clone();
    for (accept, expected) in [
        ("en;q=0.3, fr;q=0.9", "fr"),
        ("fr-CA", "fr"),
        ("FR-be", "fr"),
        ("de, fr;q=0.2", "fr"),
        ("fr;q=0.1, en", "en"),
        ("en-GB, fr", "en"),
        ("de", "en"),
        ("fr;q=0", "en"),
        ("*", "en"),
        ("en;q=0, *", "fr"),
    ] {
        let (language, description, terms) = served(&w, accept).await;
        assert_eq!(language, expected, "{accept:?}");
        assert_eq!(terms, expected, "{accept:?}");
        let want = if expected == "fr" {
            &french_description
        } else {
            &english_description
        };
        assert_eq!(&Value::from(description), want, "{accept:?}");
    }
}

#[tokio::test]
async fn an_unreadable_accept_language_is_english_never_an_error() {
    let p = start().await;
    let w = p.enroll().await;
    let long = format!("fr, {}", "de;q=0.1, ".repeat(100));
    let huge = "fr".repeat(4000);
    for accept in [
        "fr;q=2",
        "fr;q=abc",
        "fr;;",
        "français",
        "fr_FR",
        "\"fr\"",
        "fr;q=0.5;q=0.9",
        "",
        long.as_str(),
        huge.as_str(),
    ] {
        let (status, language, _, body) = directory(&w, Some(accept)).await;
        assert_eq!(
            (status, language.as_str()),
            (200, "en"),
            "{accept:?}: {body}"
        );
        assert_eq!(app(&body, "app_quire")["terms"]["language"], "en");
    }
    // Bytes that are not text.
    let response = w
        .http
        .get(w.url("/v1/apps"))
        .bearer_auth(&w.token)
        .header(
            "accept-language",
            reqwest::header::HeaderValue::from_bytes(b"fr\xe9, fr").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-language"], "en");
    // An unauthenticated request is refused as before, whatever it asks for.
    let refused = read(
        p.http
            .get(p.url("/v1/apps"))
            .header("accept-language", "fr")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&refused, 401, "unauthorized");
}

fn quire_grant(card: &str) -> Value {
    json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
           "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3})
}

/// The change `body`, signed with `terms_hash` in its statement.
async fn signed_over(w: &Wallet, grant_id: &str, body: &Value, terms_hash: Sha256Digest) -> Value {
    let mut statement = w.statement_for(grant_id, body).await.unwrap();
    statement.terms_hash = terms_hash;
    let mut body = body.clone();
    body["signed"] = json!(statement.sign(&w.device_key).unwrap());
    body
}

fn hash_of(list: &Value, app_id: &str) -> Sha256Digest {
    app(list, app_id)["terms"]["hash"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_consent_may_sign_the_terms_in_either_language_and_no_other_text() {
    let (_p, w, card) = enrolled_with_card().await;
    let other = w.link_card(MASTERCARD).await;
    let (_, _, _, french) = directory(&w, Some("fr")).await;
    let (_, _, _, english) = directory(&w, Some("en")).await;

    let never_published = Sha256Digest::of_terms("Quire may sell your receipts.");
    let refused = w
        .put_grant_as_is(
            "g-fr",
            "k0",
            &signed_over(&w, "g-fr", &quire_grant(&card), never_published).await,
        )
        .await;
    assert_error(&(refused.0, refused.1), 422, "statement_mismatch");
    // The French text of another app, or of another version, is no text of these terms.
    let beanstamp = hash_of(&french, "app_beanstamp");
    let refused = w
        .put_grant_as_is(
            "g-fr",
            "k1",
            &signed_over(&w, "g-fr", &quire_grant(&card), beanstamp).await,
        )
        .await;
    assert_error(&(refused.0, refused.1), 422, "statement_mismatch");

    let body = signed_over(
        &w,
        "g-fr",
        &quire_grant(&card),
        hash_of(&french, "app_quire"),
    )
    .await;
    let (status, grant, _) = w.put_grant_as_is("g-fr", "k2", &body).await;
    assert_eq!(status, 201, "{grant}");
    let body = signed_over(
        &w,
        "g-en",
        &quire_grant(&other),
        hash_of(&english, "app_quire"),
    )
    .await;
    let (status, grant, _) = w.put_grant_as_is("g-en", "k3", &body).await;
    assert_eq!(status, 201, "{grant}");
    // The grant relays the statement as signed, French hash and all.
    let listed = w.current_grant("g-fr").await.unwrap();
    assert_eq!(
        listed["signed"]["statement"]["terms_hash"],
        hash_of(&french, "app_quire").to_hex()
    );
}

/// A request of `w` that says only which language it reads.
async fn speak(w: &Wallet, accept: &str) {
    let response = w
        .http
        .get(w.url("/v1/cards"))
        .bearer_auth(&w.token)
        .header("accept-language", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn new_terms_come_with_translations_and_each_holder_hears_of_its_own_text() {
    let p = start().await;
    let french = p.enroll().await;
    let english = p.enroll().await;
    let silent = p.enroll().await;
    let mut cards = Vec::new();
    for w in [&french, &english, &silent] {
        let card = w.link_card(VISA).await;
        w.grant_defaults("g", "app_quire", &card, "receipts").await;
        cards.push(card);
    }
    speak(&french, "fr-FR, fr;q=0.9, en;q=0.5").await;
    speak(&english, "en-US").await;
    let (_, _, _, list) = directory(&french, Some("fr")).await;
    let old_french = hash_of(&list, "app_quire");
    let cursors = [
        french.cursor().await,
        english.cursor().await,
        silent.cursor().await,
    ];

    let publish = |body: Value| p.admin(Method::POST, "/v1/apps/app_quire/terms", body);
    let en = "Quire also keeps the store's address with each receipt.";
    let fr = "Quire conserve aussi l’adresse du magasin avec chaque reçu.";
    for (translations, code) in [
        (
            json!({"de": "Quire speichert auch die Adresse."}),
            "unsupported_language",
        ),
        (json!({"en": en}), "unsupported_language"),
        (json!({"fr": "  "}), "invalid_terms"),
        (json!({"fr": "x".repeat(20_001)}), "invalid_terms"),
        (
            json!({"fr": "Carte 4111 1111 1111 1111"}),
            "card_number_in_text",
        ),
    ] {
        let refused =
            publish(json!({"version": 4, "text": en, "translations": translations})).await;
        assert_error(&refused, 422, code);
    }
    assert_eq!(
        french.terms_version("app_quire").await,
        3,
        "nothing published"
    );

    let (status, published) =
        publish(json!({"version": 4, "text": en, "translations": {"fr": fr}})).await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(
        published["terms"]["text"], en,
        "the operator asked for no language"
    );

    let (_, _, _, list) = directory(&french, Some("fr")).await;
    let quire = app(&list, "app_quire");
    assert_eq!(
        (
            &quire["terms"]["version"],
            &quire["terms"]["text"],
            &quire["terms"]["language"]
        ),
        (&json!(4), &json!(fr), &json!("fr"))
    );
    let (_, _, _, list) = directory(&french, Some("en")).await;
    assert_eq!(app(&list, "app_quire")["terms"]["text"], en);

    // Each holder hears of the hash of the text in their language (English by default).
    for (w, cursor, text) in [
        (&french, &cursors[0], fr),
        (&english, &cursors[1], en),
        (&silent, &cursors[2], en),
    ] {
        let changed = w
            .events()
            .await
            .into_iter()
            .find(|e| e.kind == "app.terms_changed" && e.cursor.as_str() > cursor.as_str())
            .unwrap();
        assert_eq!(
            changed.body["terms_hash"],
            Sha256Digest::of_terms(text).to_hex()
        );
    }

    // Reconsent signed over the French text; an English one over the English text.
    let reconsent = json!({"action": "reconsent", "base_version": 2, "terms_version": 4});
    for (w, text) in [(&french, fr), (&english, en)] {
        let body = signed_over(w, "g", &reconsent, Sha256Digest::of_terms(text)).await;
        let (status, grant, _) = w.put_grant_as_is("g", "r1", &body).await;
        assert_eq!(status, 200, "{grant}");
        assert_eq!(grant["status"], "active");
    }
    // The French text of version 3 is not a text of version 4.
    let body = signed_over(&silent, "g", &reconsent, old_french).await;
    let refused = silent.put_grant_as_is("g", "r1", &body).await;
    assert_error(&(refused.0, refused.1), 422, "statement_mismatch");

    // Version 5 without a translation: a French reader gets the English text, said so.
    let v5 = "Quire now keeps receipts for 12 years.";
    let (status, _) = publish(json!({"version": 5, "text": v5})).await;
    assert_eq!(status, 200);
    let (_, language, _, list) = directory(&french, Some("fr")).await;
    let quire = app(&list, "app_quire");
    assert_eq!(language, "fr");
    assert_eq!(quire["terms"]["text"], v5);
    assert_eq!(quire["terms"]["language"], "en");
    assert!(quire["description"]
        .as_str()
        .unwrap()
        .starts_with("Des reçus"));
}

/// A purchase made by a request that reads `accept` (none when `None`); the events it
/// produced, by type.
async fn purchase_in(
    w: &Wallet,
    card: &str,
    merchant: &str,
    accept: Option<&str>,
) -> Vec<(String, Value)> {
    let cursor = w.cursor().await;
    let mut request = w
        .http
        .post(w.url("/v1/simulate/purchase"))
        .bearer_auth(&w.token)
        .json(
            &json!({"card_token": card, "amount": {"minor": 450, "currency": "EUR"},
                      "merchant": merchant, "channel": "nfc"}),
        );
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    let (status, body) = read(request.send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    w.events()
        .await
        .into_iter()
        .filter(|e| e.cursor.parse::<u64>().unwrap() > cursor.parse::<u64>().unwrap())
        .map(|e| (e.kind, e.body))
        .collect()
}

/// The text of the first event of `kind` (its `field`).
fn text(events: &[(String, Value)], kind: &str, field: &str) -> String {
    events
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, body)| body[field].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {kind} in {events:?}"))
}

fn recommendation(events: &[(String, Value)]) -> String {
    text(events, "recommendation.made", "text")
}

fn program(events: &[(String, Value)]) -> String {
    text(events, "points.awarded", "program")
}

#[tokio::test]
async fn the_platform_writes_events_in_the_cardholders_latest_language() {
    let (p, w, card) = enrolled_with_card().await;
    for (id, app, scope) in [
        ("g1", "app_couponeer", "offers"),
        ("g2", "app_nudge", "recommendations"),
        ("g3", "app_beanstamp", "points"),
        ("g4", "app_tastemaker", "social_posts"),
    ] {
        w.grant_defaults(id, app, &card, scope).await;
    }

    let events = purchase_in(&w, &card, "Café Lumen", None).await;
    assert_eq!(
        text(&events, "offer.issued", "description"),
        "10% off your next visit to Café Lumen"
    );
    assert_eq!(
        recommendation(&events),
        "Liked Café Lumen? Try Kaffeehaus Morgenrot in Berlin."
    );
    assert_eq!(program(&events), "Bean & Stamp points");
    assert_eq!(
        text(&events, "social.posted", "text"),
        "Just stopped by Café Lumen in Lyon."
    );

    // The purchase's own request says French: its events are French ...
    let events = purchase_in(&w, &card, "Kaffeehaus Morgenrot", Some("fr, en;q=0.5")).await;
    assert_eq!(
        text(&events, "offer.issued", "description"),
        "10\u{202F}% de réduction sur votre prochaine visite chez Kaffeehaus Morgenrot"
    );
    assert_eq!(
        recommendation(&events),
        "Kaffeehaus Morgenrot vous a plu ? Essayez Café Lumen à Lyon."
    );
    assert_eq!(program(&events), "points Bean & Stamp");
    // ... but a social post stays as the app published it.
    assert_eq!(
        text(&events, "social.posted", "text"),
        "Just stopped by Kaffeehaus Morgenrot in Berlin."
    );
    let events = purchase_in(&w, &card, "Metro Fuel", Some("fr")).await;
    assert_eq!(
        recommendation(&events),
        "Les adresses comme Metro Fuel ont la cote près de chez vous."
    );

    // A request that says nothing keeps French, an unreadable one too ...
    for accept in [None, Some("fr;q=9"), Some("")] {
        let events = purchase_in(&w, &card, "Café Lumen", accept).await;
        assert!(recommendation(&events).contains("vous a plu"), "{accept:?}");
    }
    // ... until a request of any device of the cardholder asks for English (or for a
    // language the platform does not have).
    let phone = w.join("phone").await;
    speak(&phone, "en").await;
    let events = purchase_in(&w, &card, "Café Lumen", None).await;
    assert!(recommendation(&events).starts_with("Liked"));
    assert_eq!(program(&events), "Bean & Stamp points");
    speak(&phone, "fr").await;
    speak(&w, "de-AT").await;
    let events = purchase_in(&w, &card, "Café Lumen", None).await;
    assert!(recommendation(&events).starts_with("Liked"));

    // Another cardholder's language is theirs alone.
    let other = p.enroll().await;
    speak(&other, "fr").await;
    let events = purchase_in(&w, &card, "Café Lumen", None).await;
    assert!(recommendation(&events).starts_with("Liked"));
}
