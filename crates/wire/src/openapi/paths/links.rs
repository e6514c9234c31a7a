//! The main flows as OpenAPI `links`.

use serde_json::{json, Map, Value};

/// `(source operation, its statuses, link name, target operation, parameters, request body,
/// description)`.
type Link<'a> = (
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a str,
    &'a Value,
    &'a Value,
    &'a str,
);

/// The main flows as OpenAPI `links`, so a stateful tester (or a reader) can chain them:
/// enroll → link a card (or list the cards) → simulate a purchase → settle or reverse it →
/// read its events; a consent change → the grants; a data request → the list. `(source operation, statuses,
/// link name, target operation, parameters, request body)`; a request body here is merged
/// into the rest of the target's body.
pub(super) fn links(paths: &mut Map<String, Value>) {
    let none = Value::Null;
    let card = json!({ "token": "$response.body#/token" });
    let card_body = json!({ "card_token": "$response.body#/token" });
    let transaction = json!({ "transaction_id": "$response.body#/transaction/id" });
    let first_event = json!({ "event_id": "$response.body#/event_ids/0" });
    let listed_card = json!({ "token": "$response.body#/cards/0/token" });
    let listed_card_body = json!({ "card_token": "$response.body#/cards/0/token" });
    let listed_event = json!({ "event_id": "$response.body#/events/0/id" });
    #[rustfmt::skip]
    let table: Vec<Link<'_>> = vec![
        ("enroll", &["201"], "LinkCard", "linkCard", &none, &none, "Link a card as the new device (with the returned `token` as bearer)."),
        ("enroll", &["201"], "ListKeys", "listKeys", &none, &none, "The keys the feed is signed with, as `signing_keys` listed them."),
        ("linkCard", &["200", "201"], "SimulatePurchase", "simulatePurchase", &none, &card_body, "A purchase on the card just linked."),
        ("linkCard", &["200", "201"], "RenameCard", "renameCard", &card, &none, "Rename the card."),
        ("linkCard", &["200", "201"], "ListCards", "listCards", &none, &none, "The card is among the cardholder's."),
        ("listCards", &["200"], "SimulatePurchase", "simulatePurchase", &none, &listed_card_body, "A purchase on the first card listed."),
        ("listCards", &["200"], "RenameCard", "renameCard", &listed_card, &none, "Rename the first card listed."),
        ("simulatePurchase", &["201"], "SettleTransaction", "simulateSettle", &none, &transaction, "Settle the authorized purchase now."),
        ("simulatePurchase", &["201"], "ReverseTransaction", "simulateReverse", &none, &transaction, "Reverse the authorized purchase now."),
        ("simulatePurchase", &["201"], "GetFirstEvent", "getEvent", &first_event, &none, "The purchase's first event (`transaction.authorized`), signed."),
        ("simulatePurchase", &["201"], "ListEvents", "listEvents", &none, &none, "The feed, where the purchase's events are."),
        ("simulateSettle", &["200"], "GetFirstEvent", "getEvent", &first_event, &none, "The settlement's first event (`transaction.settled`)."),
        ("simulateSettle", &["200"], "ListEvents", "listEvents", &none, &none, "The feed, where the settlement's events are."),
        ("simulateReverse", &["200"], "GetFirstEvent", "getEvent", &first_event, &none, "The reversal's event (`transaction.reversed`)."),
        ("simulateReverse", &["200"], "ListEvents", "listEvents", &none, &none, "The feed, where the reversal's event is."),
        ("listEvents", &["200"], "GetFirstEvent", "getEvent", &listed_event, &none, "The first event of the page, as a Standard Webhooks message."),
        ("applyConsentChange", &["200", "201"], "ListGrants", "listGrants", &none, &none, "The grant as changed, with the signed change that produced it."),
        ("createDataRequest", &["201"], "ListDataRequests", "listDataRequests", &none, &none, "The request among the cardholder's."),
    ];
    let mut by_id = std::collections::BTreeMap::new();
    for (path, item) in paths.iter() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                by_id.insert(id.to_owned(), (path.clone(), method.clone()));
            }
        }
    }
    for (source, statuses, name, target, parameters, body, description) in table {
        let Some((path, method)) = by_id.get(source) else {
            continue;
        };
        let mut link = json!({ "operationId": target, "description": description });
        if !parameters.is_null() {
            link["parameters"] = parameters.clone();
        }
        if !body.is_null() {
            link["requestBody"] = body.clone();
        }
        for status in statuses {
            let response = paths
                .get_mut(path.as_str())
                .and_then(|item| item.get_mut(method.as_str()))
                .and_then(|op| op.get_mut("responses"))
                .and_then(|responses| responses.get_mut(*status))
                .and_then(Value::as_object_mut);
            if let Some(response) = response {
                let links = response.entry("links").or_insert_with(|| json!({}));
                links[name] = link.clone();
            }
        }
    }
}
