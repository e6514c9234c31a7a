//! Enrollment, the feed's signing keys and the cardholder's devices.

use serde_json::{json, Value};

use super::{e, ex, ok, pan_text, path_param, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
    put(
        "/v1/enroll",
        json!({ "post": Op::new("enroll", "Enroll a device (and create a cardholder)", "devices")
        .describe("Without credentials: creates a cardholder and its first device. With `cardholder_id` and `cardholder_secret`: adds a device to that cardholder. Returns the device's bearer token and the public keys that sign the event feed.")
        .body("EnrollRequest", &[
            ("new cardholder", json!({ "device_name": "Ada's laptop" })),
            ("second device", json!({ "device_name": "Ada's phone", "cardholder_id": ex::cardholder(), "cardholder_secret": "chs_elbo…" })),
        ])
        .public()
        .responses(with_errors(
            vec![ok(201, "Enrolled. Keep `token` (and, for a new cardholder, `cardholder_secret`).", "Enrollment", &[("new cardholder", json!({
                "cardholder_id": ex::cardholder(), "cardholder_secret": "chs_elbo…", "device_id": ex::device_a(), "token": "cst_jbceljfo…", "signing_keys": ex::keys(),
            }))])],
            &[
                (401, "Wrong cardholder id or secret.", vec![e("invalid_credentials", "the cardholder id or secret is wrong")]),
                (422, "Invalid request; `card_number_in_text` when `device_name` holds a card number.", vec![e("invalid_device_name", "device_name must be 1 to 80 characters"), pan_text("device_name")]),
            ],
        )) }),
    );
    put(
        "/v1/keys",
        json!({ "get": Op::new("listKeys", "The public keys that sign the event feed", "devices")
        .describe("A wallet pins the keys it received at enrollment and accepts a key listed here only when its `endorsement` verifies under a key it already trusts (see `KeyEndorsement`). Fetch this list again when a delivery does not verify under any trusted key (signatures name no key): once per sync pass, however many deliveries failed; then verify again and reject what still fails.")
        .public()
        .responses(with_errors(vec![ok(200, "Active, next and last retired key, each (but the platform's first key) with its endorsement.", "KeyList", &[
            ("keys", json!({ "keys": ex::keys() })),
            ("after one rotation", json!({ "keys": ex::keys_rotated() })),
        ])], &[])) }),
    );
    put(
        "/v1/devices/chain",
        json!({
            "get": Op::new("getDeviceChain", "The cardholder's device chain", "devices")
                .describe("The device keys the cardholder's consent changes may be signed with. Do not trust it because the platform serves it: verify it yourself (the root signed by its own key, each later link by a device earlier in the chain, one link per device, all for your cardholder), starting from the root device your wallet pinned when it joined.")
                .responses(with_errors(vec![ok(200, "Every link, root first; empty until the first device posts its root.", "DeviceChain", &[
                    ("two devices", json!({ "links": [ex::link_root(), ex::link_b()] })),
                    ("none yet", json!({ "links": [] })),
                ])], &[])),
            "post": Op::new("addDeviceLink", "Add a device to the device chain", "devices")
                .describe("The first device of a cardholder posts its own link (`added_by` = `device_id` = the caller) right after enrolling: the root. Every later device joins on a link signed by a device already in the chain, usually after pairing (`/v1/devices/pairings`); either device may post it. The platform refuses a link that does not extend the chain validly, but cannot make one: it holds no device key.")
                .body("DeviceLink", &[("root", ex::link_root()), ("second device", ex::link_b())])
                .responses(with_errors(
                    vec![
                        ok(200, "This exact link is in the chain already (a retry): the chain.", "DeviceChain", &[]),
                        ok(201, "Added; the device's pending pairing request is gone. The whole chain.", "DeviceChain", &[
                            ("root", json!({ "links": [ex::link_root()] })),
                            ("second device", json!({ "links": [ex::link_root(), ex::link_b()] })),
                        ]),
                    ],
                    &[
                        (409, "The device already has another link in the chain.", vec![e("device_already_linked", "this device already has a link in the chain")]),
                        (422, "Checked in this order: `other_cardholder` (the link names another cardholder than the caller's), `unknown_device` (`device_id` is no enrolled device of the cardholder), `bad_root` (the chain is empty and the link is not the caller's own, signed by itself), `unknown_signer` (`added_by` is not in the chain), `bad_device_signature` (the chain with this link does not verify); `invalid_body` for a body that is no link.", vec![
                            e("bad_root", "the chain is empty: its first link must be the calling device's own, signed by itself (added_by = device_id)"),
                            e("unknown_signer", "added_by is not a device in the chain; a device already in it must sign the new link"),
                            e("bad_device_signature", "the link does not verify: the signature does not verify"),
                        ]),
                    ],
                )),
        }),
    );
    put(
        "/v1/devices",
        json!({ "get": Op::new("listDevices", "The cardholder's devices", "devices")
            .describe("Names for the device ids that consent changes and `card.changed` events carry, and which devices were removed.")
            .responses(with_errors(vec![ok(200, "Every device, removed ones included, oldest first.", "DeviceList", &[("two devices", ex::devices())])], &[])) }),
    );
    put(
        "/v1/devices/{device_id}",
        json!({ "delete": Op::new("removeDevice", "Remove another device of the cardholder", "devices")
            .describe("For a lost or sold device: its token stops working at once (`401`), so the platform takes no change from it any more; wallets refuse a consent change it signed at or after `removed_at`. A device cannot remove itself (`cannot_remove_self`); removing a removed device changes nothing.")
            .params(json!([path_param("device_id", "The device to remove.", None)]))
            .responses(with_errors(
                vec![ok(200, "Removed: every device, as `GET /v1/devices` now lists them.", "DeviceList", &[])],
                &[
                    (404, "No device of the cardholder has this id.", vec![e("device_not_found", "the cardholder has no device with this id")]),
                    (409, "The caller named itself.", vec![e("cannot_remove_self", "a device cannot remove itself; remove it from another device")]),
                ],
            )) }),
    );
    put(
        "/v1/devices/pairings",
        json!({
            "post": Op::new("requestPairing", "Ask to join the device chain (from the new device)", "devices")
                .describe("A device in the chain shows a pairing code; the new device, enrolled with the cardholder secret, posts its public key and the proof it computes from that code. The platform never sees the code and never checks the proof.")
                .body("PairingRequest", &[("code K7P2-9XQ4", json!({ "public_key": ex::DPK_B, "proof": ex::PROOF }))])
                .responses(with_errors(
                    vec![ok(201, "Stored, replacing this device's earlier request.", "Pairing", &[("pending", ex::pairing())])],
                    &[
                        (409, "The caller is already in the chain.", vec![e("device_already_linked", "this device is already in the chain; it needs no pairing")]),
                        (422, "`public_key` is no `dpk_` Ed25519 key, or `proof` is not 64 lowercase hex characters.", vec![e("invalid_pairing", "proof must be 64 lowercase hex characters (HMAC-SHA256 of the pairing code)")]),
                    ],
                )),
            "get": Op::new("listPairings", "Pending requests to join the device chain", "devices")
                .describe("The device that showed the code recomputes the proof for each request (its code, the cardholder, the request's `device_id` and `public_key`), compares in constant time, and only on a match posts the link it signs for that key (`POST /v1/devices/chain`).")
                .responses(with_errors(vec![ok(200, "Requests of the cardholder's devices not in the chain, oldest first.", "PairingList", &[
                    ("one", json!({ "pairings": [ex::pairing()] })),
                    ("none", json!({ "pairings": [] })),
                ])], &[])),
        }),
    );
}
