#!/usr/bin/env python3
"""Generates docs/platform/openapi.json, the platform contract (OpenAPI 3.1).

Edit this file, never the JSON, then regenerate:

    python3 docs/platform/openapi.py > docs/platform/openapi.json

Drift check (for `make test`): python3 docs/platform/openapi.py | diff - docs/platform/openapi.json
The Rust contract tests check that the server serves the committed JSON byte for byte and
that it documents exactly the routes of crates/platform/src/router.rs.
"""

import json
from collections import OrderedDict as O

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def nullable(schema): return {"oneOf": [schema, {"type": "null"}]} if "$ref" in schema else {**schema, "type": [schema["type"], "null"]}
def obj(props, required=None, closed=False, desc=None):
    o = {"type": "object"}
    if desc: o["description"] = desc
    o["properties"] = props
    if required is None: required = list(props.keys())
    if required: o["required"] = required
    if closed: o["additionalProperties"] = False
    return o
def s(desc=None, **kw):
    o = {"type": "string", **kw}
    if desc: o["description"] = desc
    return o
def i(desc=None, **kw):
    o = {"type": "integer", **kw}
    if desc: o["description"] = desc
    return o
def dt(desc=None): return s(desc, format="date-time")
def arr(items, **kw): return {"type": "array", "items": items, **kw}

ERROR_CODES = sorted(set("""unauthorized forbidden admin_disabled invalid_credentials not_found method_not_allowed internal injected_fault
invalid_json invalid_body invalid_query invalid_path invalid_identifier unsupported_media_type payload_too_large invalid_device_name
card_number_invalid card_number_length card_number_luhn card_brand_unsupported expiration_invalid card_expired invalid_nickname
card_not_found app_not_found invalid_terms terms_not_newer grant_not_found version_conflict idempotency_key_missing
idempotency_key_invalid idempotency_key_reused scope_not_requested terms_outdated no_channels expiry_not_in_future negative_minimum
grant_key_mismatch invalid_transition reconsent_required not_due invalid_cursor event_not_found invalid_amount invalid_merchant
invalid_settle_after transaction_not_found transaction_not_pending invalid_faults invalid_clock card_number_in_text
unsigned_change statement_mismatch device_not_in_chain bad_consent_signature other_cardholder unknown_device
device_already_linked bad_root unknown_signer bad_device_signature invalid_pairing""".split()))

def L(hex_text):
    """An id as the platform writes it: each hex digit of a UUID as a letter, 0 → a … f → p."""
    return "".join(chr(ord("a") + int(c, 16)) for c in hex_text)

T_CARD = "card_qhzkwmrtbvjyeodnfxlacgpuis"
T_TXN = "txn_" + L("0193b2d1c7e07a35b6f0d3a1e2c4f500")
EVT_1, EVT_2 = "evt_" + L("0193b2d1c7e07a35b6f0d3a1e2c4f501"), "evt_" + L("0193b2d1c7e17b11a4c2e9f0d3b6a702")
T_CARDHOLDER = "ch_" + L("0193b2d1b9f07c0e8d1a2b3c4d5e6f70")
EX_GRANT = O([("id","grant_hkqbvxmeltcozdafr"),("app_id","app_quire"),("card_token",T_CARD),("scope","receipts"),
  ("channels",["card","nfc"]),("trigger","authorization"),("min_purchase",None),("expires_at",None),("status","active"),
  ("terms_version",3),("pending_terms_version",None),("granted_at","2026-01-05T10:00:00.123Z"),("changed_at","2026-01-05T10:00:00.123Z"),("version",1)])
EX_MONEY = {"minor": 1234, "currency": "EUR"}

schemas = O()
schemas["Error"] = obj(O([
  ("code", s("Stable machine-readable code; switch on it.", enum=ERROR_CODES)),
  ("message", s("What went wrong, for a person. Never contains a card number.")),
  ("current", {"description": "On `version_conflict`, `invalid_transition` and `reconsent_required`: the grant as it is now, with the signed change that produced it (`null` if the grant does not exist).", "oneOf": [ref("GrantState"), {"type": "null"}]}),
  ("current_terms_version", i("On `terms_outdated`: the app's current terms version.", minimum=1)),
  ("transaction", ref("Transaction")),
  ("field", s("On `card_number_in_text`: the request field whose text holds a card number.")),
]), required=["code","message"], desc="Every failed request gets this body. Extra fields appear with some codes.")
schemas["Money"] = obj(O([("minor", i("Amount in minor units (cents for EUR).", format="int64")), ("currency", s("ISO 4217 code in circulation.", pattern="^[A-Z]{3}$", examples=["EUR","USD"]))]), closed=True,
  desc="An amount of money: integer minor units and a currency. `{\"minor\":1234,\"currency\":\"EUR\"}` is €12.34.")
schemas["Scope"] = s("One thing an app may do on a card.", enum=["receipts","points","cashback","offers","recommendations","social_posts"])
schemas["Channel"] = s("How a payment was made: chip/swipe, contactless, voice assistant, card-not-present.", enum=["card","nfc","voice","online"])
schemas["Trigger"] = s("When the app hears of a payment: at authorization (real time) or at settlement.", enum=["authorization","settlement"])
schemas["KeyEndorsement"] = obj(O([
  ("signed_by", s("`key_id` of the endorsing key: the key made just before this one (the active key when this one was made).", pattern="^key_")),
  ("signature", s("`v1a,` + base64 of the 64-byte Ed25519 signature, by `signed_by`, over the UTF-8 bytes of `consentry.key-endorsement.v1.{key_id}.{public_key}` (this key's `key_id` and `public_key` text, verbatim).", pattern="^v1a,[A-Za-z0-9+/]{86}==$"))]),
  closed=True, desc="A rotation statement: an already-published key vouches for this one.")
schemas["PublicKey"] = obj(O([
  ("key_id", s("Keys made by this platform: `key_` + 16 letters; older ones: `key_` + 16 hex digits.", pattern="^key_([a-p]{16}|[0-9a-f]{16})$")), ("algorithm", s(const="ed25519")), ("scheme", s(const="v1a")),
  ("public_key", s("`whpk_` + base64 of the 32-byte Ed25519 public key.", pattern="^whpk_[A-Za-z0-9+/]{43}=$")),
  ("status", s("`active` signs deliveries now; `next` will after the next rotation; `retired` signed until the last rotation.", enum=["active","next","retired"])),
  ("created_at", dt()),
  ("endorsement", {"description": "`null` only for the platform's very first key; every later key is endorsed by the key made before it.", "oneOf": [ref("KeyEndorsement"), {"type": "null"}]})]),
  desc="A key that signs the event feed. Pin the keys received at enrollment; accept a key published later only when its `endorsement` verifies under a key already trusted (following the chain one rotation at a time); verify each delivery against the trusted keys.")
schemas["KeyList"] = obj({"keys": arr(ref("PublicKey"))})
schemas["EnrollRequest"] = obj(O([
  ("device_name", s("Shown to the cardholder in their device list. Text holding a card number is refused (`card_number_in_text`).", minLength=1, maxLength=80)),
  ("cardholder_id", s("With `cardholder_secret`: add this device to an existing cardholder.")),
  ("cardholder_secret", s("The secret returned when the cardholder was created."))]), required=["device_name"], closed=True)
schemas["EnrollRequest"]["dependentRequired"] = {"cardholder_id": ["cardholder_secret"], "cardholder_secret": ["cardholder_id"]}
schemas["Enrollment"] = obj(O([
  ("cardholder_id", s()), ("cardholder_secret", s("Only when a new cardholder was created. Keep it safe: it enrolls further devices.")),
  ("device_id", s()), ("token", s("This device's bearer token for every other endpoint.")), ("signing_keys", arr(ref("PublicKey")))]),
  required=["cardholder_id","device_id","token","signing_keys"])
schemas["Expiration"] = obj(O([("month", i(minimum=1, maximum=12)), ("year", i(minimum=2000, maximum=2099))]), closed=True)
schemas["LinkCardRequest"] = obj(O([
  ("number", s("The full card number (PAN), digits with optional spaces or dashes. Used to tokenize, then forgotten: never stored, logged or returned.", examples=["4242 4242 4242 4242"])),
  ("expiration", ref("Expiration")), ("nickname", nullable(s("Text holding a card number is refused (`card_number_in_text`).", maxLength=40)))]), required=["number","expiration"], closed=True)
schemas["Card"] = obj(O([
  ("token", s("The platform's token for the card.", pattern="^card_")), ("brand", s(enum=["visa","mastercard","amex","discover"])),
  ("last4", s(pattern="^[0-9]{4}$")), ("expiration", ref("Expiration")), ("nickname", nullable(s())),
  ("status", s(enum=["active","removed"])), ("created_at", dt())]))
schemas["CardList"] = obj({"cards": arr(ref("Card"))})
schemas["FeeModel"] = {"description": "What the platform earns when the app acts on a purchase.", "oneOf": [
  obj(O([("kind", s(const="percent")), ("bps", i("Basis points of the purchase (150 = 1.5 %).", minimum=0))])),
  obj(O([("kind", s(const="per_event")), ("amount", ref("Money")), ("per", ref("Scope"))])),
  obj({"kind": s(const="none")})], "discriminator": {"propertyName": "kind"}}
schemas["Terms"] = obj(O([("version", i(minimum=1)), ("text", s()), ("published_at", dt()), ("hash", s("SHA-256 (hex) of `text`; `app.terms_changed` carries it.", pattern="^[0-9a-f]{64}$"))]))
schemas["App"] = obj(O([
  ("id", s()), ("name", s()), ("publisher", s()), ("description", s()), ("category", s()),
  ("requested_scopes", arr(ref("Scope"))), ("terms", ref("Terms")), ("fee_model", ref("FeeModel")),
  ("fee_description", s("The fee in plain English.", examples=["1.5% of each purchase","€0.10 per receipt","Free"])),
  ("privacy_url", s(format="uri")), ("website_url", s(format="uri"))]))
schemas["AppList"] = obj({"apps": arr(ref("App"))})
schemas["PublishTerms"] = obj(O([("version", i("Must be higher than the current version.", minimum=1)), ("text", s("Text holding a card number is refused (`card_number_in_text`).", minLength=1, maxLength=20000))]), closed=True)
schemas["Grant"] = obj(O([
  ("id", s("Chosen by the client.")), ("app_id", s()), ("card_token", s()), ("scope", ref("Scope")),
  ("channels", arr(ref("Channel"), uniqueItems=True)), ("trigger", ref("Trigger")),
  ("min_purchase", {"description": "Purchases below this amount (or in another currency) are not shared.", "oneOf": [ref("Money"), {"type": "null"}]}),
  ("expires_at", nullable(dt())),
  ("status", s("`active`, `revoked`, `expired`, or `needs_reconsent` after the app published new terms.", enum=["active","revoked","expired","needs_reconsent"])),
  ("terms_version", i("The terms version the cardholder agreed to.", minimum=0)),
  ("pending_terms_version", nullable(i(minimum=0))),
  ("granted_at", dt()), ("changed_at", dt()), ("version", i("1 on creation, +1 on every change. Send it back as `base_version`.", minimum=1))]),
  desc="The cardholder's permission: one app × one card × one scope, with channels, trigger, optional minimum and expiry.")
schemas["GrantState"] = {"description": "A grant and `signed`, the device-signed change that produced exactly this state (`statement.produced(grant)`), or `null` when the platform made the last change itself (new terms, an unlinked card) or the grant predates signed changes.",
  "allOf": [ref("Grant"), obj({"signed": {"oneOf": [ref("SignedConsent"), {"type": "null"}]}})]}
schemas["GrantList"] = obj({"grants": arr(ref("GrantState"))})

# Device-signed consent: docs/platform/README.md, "Device chain and signed consent changes".
DPK = lambda desc=None: s(desc or "`dpk_` + base64 (standard, padded) of the device's 32-byte Ed25519 public key.", pattern="^dpk_[A-Za-z0-9+/]{43}=$")
DEVICE_SIG = lambda desc: s(desc, pattern="^v1a,[A-Za-z0-9+/]{86}==$")
HEX64 = lambda desc: s(desc, pattern="^[0-9a-f]{64}$")
schemas["ConsentStatement"] = obj(O([
  ("grant_id", s("The grant the change is for (the path's `grant_id`).")),
  ("action", s("The request's `action`.", enum=["grant","revoke","renew","reconsent"])),
  ("app_id", s()), ("card_token", s()), ("scope", ref("Scope")),
  ("channels", arr(ref("Channel"), uniqueItems=True)), ("trigger", ref("Trigger")),
  ("min_purchase", {"description": "Absent: `null`.", "oneOf": [ref("Money"), {"type": "null"}]}),
  ("expires_at", nullable(dt("Absent: `null`."))),
  ("terms_version", i("The app terms version the grant stands on after the change.", minimum=0)),
  ("terms_hash", HEX64("SHA-256 (hex) of the text of those terms, as the device showed them (`App.terms.hash`).")),
  ("base_version", i("The request's `base_version`.", minimum=0)),
  ("at", dt("When the device made the change (its clock).")),
  ("device_id", s("The device that made and signed it: the caller."))]),
  required=["grant_id","action","app_id","card_token","scope","channels","trigger","terms_version","terms_hash","base_version","at","device_id"], closed=True,
  desc="One consent change as the device that made it saw it: for `grant` the request's details; for `revoke`, `renew` and `reconsent` the grant's app, card and scope, and its details after the change. Signed as its canonical text (see the README).")
schemas["SignedConsent"] = obj(O([("statement", ref("ConsentStatement")),
  ("signature", DEVICE_SIG("`v1a,` + base64 of the 64-byte Ed25519 signature, by the key of `statement.device_id` in the device chain, over the statement's canonical text."))]),
  closed=True, desc="A consent change signed by the device that made it. Verify it under the device chain, and check that it produced the grant it comes with.")
schemas["DeviceLink"] = obj(O([
  ("cardholder_id", s("The cardholder whose chain this is.")), ("device_id", s("The device this link adds.")), ("public_key", DPK()),
  ("added_by", s("The device whose key signed this link: the device itself for the first link (the root), a device earlier in the chain for every later one.")),
  ("added_at", dt()), ("signature", DEVICE_SIG("`v1a,` + base64 of the Ed25519 signature by `added_by`'s key over the link's canonical text.")),
  ("pairing_receipt", HEX64("On the link of a device that joined with a pairing code: HMAC-SHA256 (hex) keyed with the code (uppercase letters and digits only) over `consentry.pairing-receipt.v1\\n{cardholder_id}\\n{root_device_id}\\n{root_public_key}\\n{device_id}\\n{public_key}\\n`, by the device that showed the code. Not signed; the joining device pins the chain's root only when it checks."))]),
  required=["cardholder_id","device_id","public_key","added_by","added_at","signature"], closed=True, desc="One device of the cardholder and its public key, vouched for by a device already in the chain.")
schemas["DeviceChain"] = obj({"links": arr(ref("DeviceLink"), description="In the order added: the root first.")})
schemas["PairingRequest"] = obj(O([("public_key", DPK("The calling (new) device's key.")),
  ("proof", HEX64("HMAC-SHA256 (hex) keyed with the pairing code (uppercase letters and digits only) over `consentry.pairing.v1\\n{cardholder_id}\\n{device_id}\\n{public_key}\\n`."))]), closed=True)
schemas["Pairing"] = obj(O([("device_id", s()), ("device_name", s("The name the device enrolled with.")), ("public_key", DPK()),
  ("proof", HEX64("To check against the proof made with the code this device showed.")), ("created_at", dt())]),
  desc="A new device's pending request to join the chain.")
schemas["PairingList"] = obj({"pairings": arr(ref("Pairing"))})
base_version = i("The grant version this change is based on: 0 to create.", minimum=0)
signed = {"$ref": "#/components/schemas/SignedConsent", "description": "This change, signed by the calling device (required: without it, 422 `unsigned_change`)."}
schemas["GrantChange"] = {"description": "One consent change, tagged by `action`.", "oneOf": [
  obj(O([("action", s(const="grant")), ("base_version", base_version), ("app_id", s()), ("card_token", s()), ("scope", ref("Scope")),
     ("channels", arr(ref("Channel"), minItems=1, uniqueItems=True)), ("trigger", ref("Trigger")),
     ("min_purchase", {"oneOf": [ref("Money"), {"type": "null"}]}), ("expires_at", nullable(dt())),
     ("terms_version", i("Must be the app's current terms version.", minimum=1)), ("signed", signed)]),
     required=["action","base_version","app_id","card_token","scope","channels","trigger","terms_version","signed"], closed=True,
     desc="Create the grant, or grant again (from any status, e.g. after a revoke) with new details. App, card and scope cannot change."),
  obj(O([("action", s(const="revoke")), ("base_version", base_version), ("signed", signed)]), closed=True, desc="Withdraw consent. Revoking a revoked grant changes nothing."),
  obj(O([("action", s(const="renew")), ("base_version", base_version), ("expires_at", nullable(dt())), ("signed", signed)]), required=["action","base_version","signed"], closed=True,
     desc="New expiry date (`null` or absent: none) for an active or expired grant."),
  obj(O([("action", s(const="reconsent")), ("base_version", base_version), ("terms_version", i(minimum=1)), ("signed", signed)]), closed=True,
     desc="Accept the app's current terms after `app.terms_changed`."),
], "discriminator": {"propertyName": "action"}}
schemas["FeedItem"] = obj(O([
  ("id", s("`webhook-id`: the event id. Deduplicate on it.")),
  ("cursor", s("Resume after this item with `?after=`.", pattern="^[0-9]+$")),
  ("timestamp", i("`webhook-timestamp`: delivery time, Unix seconds. Reject deliveries too far from now (e.g. 5 minutes) and fetch again.", format="int64")),
  ("body", s("The event, verbatim. Verify the signature over these exact characters, then parse, and check that `cardholder_id` is your own.", contentMediaType="application/json", contentSchema=ref("Event"))),
  ("signature", s("`webhook-signature`: `v1a,` + base64 Ed25519 signature over `{id}.{timestamp}.{body}` (UTF-8). May hold several space-separated signatures.", pattern="^v1a,"))]),
  desc="One signed delivery, as a Standard Webhooks message would carry it in headers (id, timestamp, signature) and body.")
schemas["FeedPage"] = obj(O([("events", arr(ref("FeedItem"))), ("next_cursor", s("Pass as `after` for the next page; unchanged when the page is empty.", pattern="^[0-9]+$")), ("has_more", {"type": "boolean"})]))

# Events (the body of a feed item).
payment = ref("PaymentRef")
schemas["PaymentRef"] = obj(O([("transaction_id", s()), ("channel", ref("Channel")), ("amount", ref("Money"))]), desc="The payment an app event stems from.")
schemas["TransactionEvent"] = obj(O([("transaction_id", s()), ("amount", ref("Money")), ("merchant", s()), ("channel", ref("Channel")),
  ("commission", {"allOf": [ref("Money")], "description": "The platform's commission on the transaction so far, in the purchase currency (zero once reversed)."})]))
line = obj(O([("quantity", i(minimum=1)), ("description", s()), ("unit_price", ref("Money")), ("tax", ref("Money")), ("total", ref("Money"))]),
  desc="`total = unit_price × quantity + tax`.")
schemas["Receipt"] = obj(O([("transaction_id", s()), ("merchant", s()), ("lines", arr(line, minItems=1)), ("total", ref("Money"))]), desc="The lines add up to `total`, the purchase amount.")
cashback = obj(O([("amount", ref("Money")), ("destination", s("Bank account, masked: `FR76 •••• 1234`.")), ("payment", payment)]), required=["amount","destination"])
payloads = O([
  ("transaction.authorized", ("A card payment was authorized.", ref("TransactionEvent"))),
  ("transaction.settled", ("The payment settled.", ref("TransactionEvent"))),
  ("transaction.reversed", ("The payment was reversed; no app hears of it.", ref("TransactionEvent"))),
  ("receipt.issued", ("An itemised receipt.", obj(O([("payment", payment), ("receipt", ref("Receipt"))])))),
  ("points.awarded", ("Loyalty points.", obj(O([("program", s()), ("delta", i(format="int64")), ("balance", i(format="int64")), ("payment", payment)]), required=["program","delta","balance"]))),
  ("cashback.pending", ("Cashback on its way (paid at settlement).", cashback)),
  ("cashback.paid", ("Cashback paid.", cashback)),
  ("offer.issued", ("An offer for next time.", obj(O([("offer_id", s()), ("code", s()), ("description", s()),
      ("discount", {"oneOf": [obj(O([("kind", s(const="percent")), ("bps", i(minimum=0))])), obj(O([("kind", s(const="amount")), ("amount", ref("Money"))]))]}),
      ("expires_at", dt()), ("payment", payment)]), required=["offer_id","code","description","discount"]))),
  ("offer.redeemed", ("An offer was used.", obj(O([("offer_id", s()), ("code", s()), ("payment", payment)]), required=["offer_id","code"]))),
  ("recommendation.made", ("A suggestion.", obj(O([("text", s()), ("product", s()), ("payment", payment)]), required=["text"]))),
  ("social.posted", ("A post on the cardholder's behalf (never with the amount).", obj(O([("network", s()), ("text", s()), ("payment", payment)]), required=["network","text"]))),
  ("consent.changed", ("A grant changed: on another device, or by the platform (`needs_reconsent` after new terms, `revoke` of an unlinked card's grants).",
      obj(O([("action", s(enum=["grant","revoke","renew","expire","needs_reconsent","reconsent","conflict"])), ("grant", ref("Grant")),
             ("signed", {"$ref": "#/components/schemas/SignedConsent", "description": "The device-signed change that produced `grant`; absent when the platform made the change. Count a change as the cardholder's only when this verifies under the device chain and `statement.produced(grant)`."})]),
          required=["action","grant"]))),
  ("app.terms_changed", ("The app (envelope `app_id`) published new terms; sent once per card holding a grant for it.",
      obj(O([("terms_version", i(minimum=1)), ("terms_hash", s(pattern="^[0-9a-f]{64}$"))])))),
])
schemas["EventEnvelope"] = obj(O([
  ("id", s("Unique; deduplicate on it.")), ("occurred_at", dt()), ("card_token", s("The card the event is about.")),
  ("cardholder_id", s("The cardholder the event is for, inside the signed bytes. A wallet drops (and reports) a verified event naming another cardholder than its own enrollment's: a delivery cannot be replayed into another wallet.")),
  ("app_id", s("The app that produced it (app events, `app.terms_changed`, `consent.changed`).")),
  ("type", s(enum=list(payloads.keys())))]), required=["id","occurred_at","card_token","cardholder_id","type"],
  desc="Fields of every event; the payload's fields sit beside them in the same object.")
variants = []
for name, (desc, payload) in payloads.items():
    key = "Event_" + name.replace(".", "_")
    schemas[key] = {"description": desc, "allOf": [ref("EventEnvelope"), {"type": "object", "properties": {"type": s(const=name)}}, payload]}
    variants.append(ref(key))
schemas["Event"] = {"description": "An event as delivered in `FeedItem.body` (and by `GET /v1/events/{event_id}`): one flat JSON object, envelope plus payload, tagged by `type`. Unknown types may appear in the future: keep them, do not fail.",
  "oneOf": variants, "discriminator": {"propertyName": "type", "mapping": {n: "#/components/schemas/Event_" + n.replace(".", "_") for n in payloads}}}

schemas["PurchaseRequest"] = obj(O([
  ("card_token", s()), ("amount", {"allOf": [ref("Money")], "properties": {"minor": {"type": "integer", "minimum": 1, "maximum": 100000000000}}, "description": "Positive, at most one million major units."}), ("merchant", s("Merchant name. Known merchants (e.g. `Café Lumen`, `Sunset Diner`) get itemised receipts. Text holding a card number is refused (`card_number_in_text`).", minLength=1, maxLength=80)),
  ("channel", ref("Channel")),
  ("settle_after_ms", nullable(i("Settle (or reverse) on its own this long after authorization, by the platform clock. Absent or null: wait for `/v1/simulate/settle` or `/reverse`.", minimum=0, maximum=604800000))),
  ("outcome", s("What happens at `settle_after_ms`.", enum=["settle","reverse"], default="settle"))]),
  required=["card_token","amount","merchant","channel"], closed=True)
schemas["TransactionRef"] = obj({"transaction_id": s()}, closed=True)
schemas["Transaction"] = obj(O([("id", s()), ("card_token", s()), ("amount", ref("Money")), ("merchant", s()), ("channel", ref("Channel")),
  ("status", s(enum=["authorized","settled","reversed"])), ("commission", ref("Money")), ("authorized_at", dt()),
  ("settle_at", nullable(dt())), ("finalized_at", nullable(dt()))]))
schemas["Decision"] = obj(O([("grant_id", s()), ("app_id", s()), ("scope", ref("Scope")), ("outcome", s(enum=["reacted","skipped"])),
  ("reason", s("Why the grant did not let its app react.", enum=["other_trigger","not_active","expired","not_yet_granted","channel_not_granted","below_minimum","currency_mismatch","terms_outdated"])),
  ("event_ids", arr(s()))]), required=["grant_id","app_id","scope","outcome","event_ids"],
  desc="What one grant on the card decided for this step of the transaction.")
schemas["StepResult"] = obj(O([("transaction", ref("Transaction")), ("event_ids", arr(s(), description="The events of this step, in feed order (the transaction event first).")), ("decisions", arr(ref("Decision")))]))
schemas["NewDataRequest"] = obj(O([("app_id", s()), ("kind", s("`access`: a copy of my data; `deletion`: erase it.", enum=["access","deletion"]))]), closed=True)
schemas["DataRequest"] = obj(O([("id", s()), ("app_id", s()), ("kind", s(enum=["access","deletion"])),
  ("status", s(enum=["received","in_progress","completed","rejected"])), ("created_at", dt()), ("due_at", dt("One month after `created_at`.")), ("updated_at", dt())]))
schemas["DataRequestList"] = obj({"data_requests": arr(ref("DataRequest"))})
rate = lambda d: {"type": "number", "minimum": 0, "maximum": 1, "default": 0, "description": d}
schemas["FaultConfig"] = obj(O([
  ("seed", i("Seed of the fault generator; setting a configuration restarts it.", minimum=0, default=0)),
  ("error_rate", rate("Share of cardholder-API requests answered 500 `injected_fault` before anything happens.")),
  ("latency_ms", i("Delay added to every cardholder-API request.", minimum=0, maximum=60000, default=0)),
  ("drop_after_commit_rate", rate("Share of successful writes whose connection is closed after the commit, before the status line.")),
  ("duplicate_rate", rate("Share of feed items delivered twice.")),
  ("out_of_order_rate", rate("Share of feed pages delivered shuffled.")),
  ("stale_timestamp_rate", rate("Share of feed items whose timestamp lies `stale_by_seconds` in the past (validly signed).")),
  ("stale_by_seconds", i(minimum=0, maximum=31536000, default=3600)),
  ("bad_signature_rate", rate("Share of feed items with a signature that does not verify.")),
  ("bad_signature_event_ids", arr(s(), default=[])), ("bad_signature_event_types", arr(s(), default=[]))]), required=[], closed=True,
  desc="Faults to inject. Absent fields take their defaults (no fault).")
schemas["AdvanceClock"] = obj({"advance_seconds": i("How far to move the platform clock forward.", minimum=0, maximum=315360000)}, closed=True)
schemas["ClockState"] = obj(O([("now", dt()), ("offset_seconds", i()), ("settled", i("Transactions settled or reversed because their date passed.", minimum=0))]))
schemas["Health"] = obj({"status": s(const="ok")})

def json_content(schema, examples=None):
    c = {"schema": schema}
    if examples: c["examples"] = {k: {"value": v} for k, v in examples.items()}
    return {"application/json": c}
def ok(desc, schema, examples=None, headers=None):
    r = {"description": desc, "content": json_content(schema, examples)}
    if headers: r["headers"] = headers
    return r
ERR = {"$ref": "#/components/responses/Error"}
def errors(*specific):
    r = O()
    for code, desc, ex in specific:
        examples = ex if isinstance(ex, list) else [ex] if ex else []
        r[str(code)] = {"description": desc, "content": json_content(ref("Error"), {e["code"]: e for e in examples} or None)}
    r["4XX"] = ERR
    r["500"] = {"$ref": "#/components/responses/ServerError"}
    return r
def op(op_id, summary, tags, responses, desc=None, body=None, params=None, security=None):
    o = O([("operationId", op_id), ("summary", summary), ("tags", tags)])
    if desc: o["description"] = desc
    if params: o["parameters"] = params
    if body: o["requestBody"] = body
    o["responses"] = responses
    if security is not None: o["security"] = security
    return o
def body(schema, examples):
    return {"required": True, "content": json_content(schema, examples)}
def path_param(name, desc, **schema):
    return {"name": name, "in": "path", "required": True, "description": desc, "schema": {"type": "string", **schema}}
E = lambda code, msg, **extra: {"code": code, "message": msg, **extra}
PAN_TEXT = lambda field: E("card_number_in_text", f"{field} seems to contain a card number; the platform stores no card number outside tokenization: remove it", field=field)
ADMIN = [{"adminToken": []}]

EX_CARD = O([("token",T_CARD),("brand","visa"),("last4","4242"),("expiration",{"month":12,"year":2030}),("nickname","Everyday Visa"),("status","active"),("created_at","2026-01-05T09:58:12.004Z")])
# Real keys and endorsements (a platform started with --signing-seed 2013), so the examples verify.
EX_KEY_0 = O([("key_id","key_oppdnjnnfpoccnad"),("algorithm","ed25519"),("scheme","v1a"),("public_key","whpk_AgguGhvQtltq66SD47BINIJhV6ilbd0vgsBHoxz4C1Q="),("status","active"),("created_at","2026-01-01T00:00:00.000Z"),("endorsement",None)])
EX_KEY_1 = O([("key_id","key_hjlongbfcmcklkpa"),("algorithm","ed25519"),("scheme","v1a"),("public_key","whpk_WiPd9g4iEPpr6w/u0WUNnBuuU5ffxBAV16EnvHoN8Rs="),("status","next"),("created_at","2026-01-01T00:00:00.000Z"),
  ("endorsement",O([("signed_by","key_oppdnjnnfpoccnad"),("signature","v1a,qyQZAL9Hy8XhhM4vgs5vMOLJGfKzII8NvPCTTG2WPNTlAVVS3tWDlRuSvT8s6QbkF7Un5OUHtXzHuGMbR1IHCQ==")]))])
EX_KEY_2 = O([("key_id","key_lmkjclengocobfpe"),("algorithm","ed25519"),("scheme","v1a"),("public_key","whpk_TmeTWe/LRhpwSwW5mnHOLFPArEdNZv0io2JxAWVafzI="),("status","next"),("created_at","2026-02-01T00:00:00.000Z"),
  ("endorsement",O([("signed_by","key_hjlongbfcmcklkpa"),("signature","v1a,4sa7x/2RcDZozEKPsf4rKO4PDWHLOlY1kVQ9WJfeev0SpElmsaSmRCC+jPJyPnAcl2dRwHFpQMFy0ffoNp/5Dw==")]))])
EX_KEYS = [EX_KEY_0, EX_KEY_1]
EX_KEYS_ROTATED = [O(list(EX_KEY_0.items()) + [("status","retired")]), O(list(EX_KEY_1.items()) + [("status","active")]), EX_KEY_2]
EX_BODY = '{"app_id":"app_beanstamp","balance":40,"card_token":"'+T_CARD+'","cardholder_id":"'+T_CARDHOLDER+'","delta":12,"id":"'+EVT_2+'","occurred_at":"2026-01-05T10:02:00Z","payment":{"amount":{"currency":"EUR","minor":1234},"channel":"nfc","transaction_id":"'+T_TXN+'"},"program":"Bean & Stamp points","type":"points.awarded"}'
EX_TXN = O([("id",T_TXN),("card_token",T_CARD),("amount",EX_MONEY),("merchant","Café Lumen"),("channel","nfc"),("status","authorized"),
  ("commission",{"minor":29,"currency":"EUR"}),("authorized_at","2026-01-05T10:02:00.000Z"),("settle_at",None),("finalized_at",None)])

# Real device keys and signatures (Ed25519 seeds: SHA-256 of "openapi example device A" and
# "... B"), so the examples verify; QUIRE_TERMS_HASH is the hash of app_quire's seeded terms.
T_DEVICE_A, T_DEVICE_B = "dev_" + L("0193b2d1b9f17d2f9e0a1b2c3d4e5f60"), "dev_" + L("0193b2d1c3a07e4f8b2c3d4e5f607182")
EX_DPK_A, EX_DPK_B = "dpk_Q1jQ72WK7xoT+az6mEepGk1PQNJJcQV5XsIzd4O14O4=", "dpk_T0ezsl3M4V/r2oBkJ86D25lbhRImmq6qpVY5H+MCf0w="
EX_LINK_ROOT = O([("cardholder_id",T_CARDHOLDER),("device_id",T_DEVICE_A),("public_key",EX_DPK_A),("added_by",T_DEVICE_A),("added_at","2026-01-05T09:58:00.000Z"),
  ("signature","v1a,CYuezeVRLBI4StF17q6UY3HOfxiQiCPYfQ7zaGCe3Zn0VGRGfdgpdRn5ppm8MuZJ3yVuC1RF/qVW5OSostvhDQ==")])
EX_LINK_B = O([("cardholder_id",T_CARDHOLDER),("device_id",T_DEVICE_B),("public_key",EX_DPK_B),("added_by",T_DEVICE_A),("added_at","2026-01-05T10:06:00.000Z"),
  ("signature","v1a,fB3h53OLT60W/2KNkKu7Jfp8LZw5wO11nc1QPsLT1C6aF9czWnOvgt6T3MmgDdWRuNcn/Q/nuJTYAD1VvtApDA=="),
  ("pairing_receipt","544750bea35a2cf7dfabcd94476dd2d5d3aeda561f6702cdbc4c670937471a93")])  # pairing code K7P2-9XQ4
EX_PROOF = "f01937adc004787015804a23e67e569e961a6710003a29527c38ad28be1a5e50"  # pairing code K7P2-9XQ4
EX_PAIRING = O([("device_id",T_DEVICE_B),("device_name","Ada's phone"),("public_key",EX_DPK_B),("proof",EX_PROOF),("created_at","2026-01-05T10:05:12.345Z")])
QUIRE_TERMS_HASH = "7d1320d01caf6d25f5b86b963d748b9d934caa304371e071ff9f3b9ce975779f"
def statement(**changes):
    base = O([("grant_id",EX_GRANT["id"]),("action","grant"),("app_id","app_quire"),("card_token",T_CARD),("scope","receipts"),("channels",["card","nfc"]),
      ("trigger","authorization"),("min_purchase",None),("expires_at",None),("terms_version",3),("terms_hash",QUIRE_TERMS_HASH),("base_version",0),
      ("at","2026-01-05T10:00:00.123Z"),("device_id",T_DEVICE_A)])
    base.update(changes)
    return base
def signed_ex(signature, **changes): return O([("statement", statement(**changes)), ("signature", signature)])
EX_SIGNED_GRANT = signed_ex("v1a,9q2Hrhb6o0ddvVNPdsDRGC/Rr418WoOlcc5jq4YZC6GL07m5gnqdt6CPUEg/tWYnV0bKfYg8pYl7iYkqhlQcCQ==")
EX_SIGNED_REVOKE = signed_ex("v1a,/5VqWfQduP6xNpiorpyGGaT8r2dCbSLvdtIdU9pfX8WysQA4fydwiM6McErO3S+Z0x1MQWBtY4rPKRriM0k+Bg==",
  action="revoke", base_version=1, at="2026-01-05T10:10:00.000Z", device_id=T_DEVICE_B)
EX_SIGNED_RENEW = signed_ex("v1a,K05p9k+1Be+uHPU2+AN7E2CSOYAJ5h3K2Yungu8ZdtbPH98Zrx2XVY2vF04A8Lh98dO99U1kgrFy4QBGvwphDg==",
  action="renew", base_version=2, expires_at="2027-01-01T00:00:00.000Z", at="2026-01-06T08:00:00.000Z")
EX_SIGNED_RECONSENT = signed_ex("v1a,0JLR9zSCInumd1WpjdSVtCkEdyUGbCw2vrrRVtXXbgS+mC/ejxHNdKxQQSzRKrtpXX91aXvurXj+0Hi1hNgOAQ==",
  action="reconsent", base_version=3, terms_version=4, terms_hash="1c7de08df71039a876eec9b29768316ee1d229d87882157ef04baa4098cfe259", at="2026-02-01T12:00:00.000Z")

paths = O()
paths["/v1/enroll"] = {"post": op("enroll", "Enroll a device (and create a cardholder)", ["devices"],
  O([("201", ok("Enrolled. Keep `token` (and, for a new cardholder, `cardholder_secret`).", ref("Enrollment"), {"new cardholder": O([("cardholder_id",T_CARDHOLDER),("cardholder_secret","chs_elbo…"),("device_id","dev_" + L("0193b2d1b9f17d2f9e0a1b2c3d4e5f60")),("token","cst_jbceljfo…"),("signing_keys",EX_KEYS)])}))]
    + list(errors((401, "Wrong cardholder id or secret.", E("invalid_credentials","the cardholder id or secret is wrong")),
                  (422, "Invalid request; `card_number_in_text` when `device_name` holds a card number.", [E("invalid_device_name","device_name must be 1 to 80 characters"), PAN_TEXT("device_name")])).items())),
  desc="Without credentials: creates a cardholder and its first device. With `cardholder_id` and `cardholder_secret`: adds a device to that cardholder. Returns the device's bearer token and the public keys that sign the event feed.",
  body=body(ref("EnrollRequest"), {"new cardholder": {"device_name": "Ada's laptop"}, "second device": {"device_name": "Ada's phone", "cardholder_id": T_CARDHOLDER, "cardholder_secret": "chs_elbo…"}}),
  security=[])}
paths["/v1/keys"] = {"get": op("listKeys", "The public keys that sign the event feed", ["devices"],
  O([("200", ok("Active, next and last retired key, each (but the platform's first key) with its endorsement.", ref("KeyList"), {"keys": {"keys": EX_KEYS}, "after one rotation": {"keys": EX_KEYS_ROTATED}}))] + list(errors().items())),
  desc="A wallet pins the keys it received at enrollment and accepts a key listed here only when its `endorsement` verifies under a key it already trusts (see `KeyEndorsement`). Fetch this list again when a delivery does not verify under the trusted keys.", security=[])}
paths["/v1/devices/chain"] = {
  "get": op("getDeviceChain", "The cardholder's device chain", ["devices"],
    O([("200", ok("Every link, root first; empty until the first device posts its root.", ref("DeviceChain"), {"two devices": {"links": [EX_LINK_ROOT, EX_LINK_B]}, "none yet": {"links": []}}))] + list(errors().items())),
    desc="The device keys the cardholder's consent changes may be signed with. Do not trust it because the platform serves it: verify it yourself (the root signed by its own key, each later link by a device earlier in the chain, one link per device, all for your cardholder), starting from the root device your wallet pinned when it joined."),
  "post": op("addDeviceLink", "Add a device to the device chain", ["devices"],
    O([("200", ok("This exact link is in the chain already (a retry): the chain.", ref("DeviceChain"))),
       ("201", ok("Added; the device's pending pairing request is gone. The whole chain.", ref("DeviceChain"), {"root": {"links": [EX_LINK_ROOT]}, "second device": {"links": [EX_LINK_ROOT, EX_LINK_B]}}))]
      + list(errors((409, "The device already has another link in the chain.", E("device_already_linked","this device already has a link in the chain")),
                    (422, "Checked in this order: `other_cardholder` (the link names another cardholder than the caller's), `unknown_device` (`device_id` is no enrolled device of the cardholder), `bad_root` (the chain is empty and the link is not the caller's own, signed by itself), `unknown_signer` (`added_by` is not in the chain), `bad_device_signature` (the chain with this link does not verify); `invalid_body` for a body that is no link.",
                     [E("bad_root","the chain is empty: its first link must be the calling device's own, signed by itself (added_by = device_id)"), E("unknown_signer","added_by is not a device in the chain; a device already in it must sign the new link"), E("bad_device_signature","the link does not verify: the signature does not verify")])).items())),
    desc="The first device of a cardholder posts its own link (`added_by` = `device_id` = the caller) right after enrolling: the root. Every later device joins on a link signed by a device already in the chain, usually after pairing (`/v1/devices/pairings`); either device may post it. The platform refuses a link that does not extend the chain validly, but cannot make one: it holds no device key.",
    body=body(ref("DeviceLink"), {"root": EX_LINK_ROOT, "second device": EX_LINK_B}))}
paths["/v1/devices/pairings"] = {
  "post": op("requestPairing", "Ask to join the device chain (from the new device)", ["devices"],
    O([("201", ok("Stored, replacing this device's earlier request.", ref("Pairing"), {"pending": EX_PAIRING}))]
      + list(errors((409, "The caller is already in the chain.", E("device_already_linked","this device is already in the chain; it needs no pairing")),
                    (422, "`public_key` is no `dpk_` Ed25519 key, or `proof` is not 64 lowercase hex characters.", E("invalid_pairing","proof must be 64 lowercase hex characters (HMAC-SHA256 of the pairing code)"))).items())),
    desc="A device in the chain shows a pairing code; the new device, enrolled with the cardholder secret, posts its public key and the proof it computes from that code. The platform never sees the code and never checks the proof.",
    body=body(ref("PairingRequest"), {"code K7P2-9XQ4": {"public_key": EX_DPK_B, "proof": EX_PROOF}})),
  "get": op("listPairings", "Pending requests to join the device chain", ["devices"],
    O([("200", ok("Requests of the cardholder's devices not in the chain, oldest first.", ref("PairingList"), {"one": {"pairings": [EX_PAIRING]}, "none": {"pairings": []}}))] + list(errors().items())),
    desc="The device that showed the code recomputes the proof for each request (its code, the cardholder, the request's `device_id` and `public_key`), compares in constant time, and only on a match posts the link it signs for that key (`POST /v1/devices/chain`).")}
paths["/v1/cards"] = {
  "post": op("linkCard", "Link (tokenize) a card", ["cards"],
    O([("201", ok("Linked.", ref("Card"), {"linked": EX_CARD}))] + list(errors(
      (422, "The number or expiry is not acceptable, or the nickname holds a card number; `code` says precisely why.", [E("card_number_luhn","the card number is mistyped (its check digit does not match)"), PAN_TEXT("nickname")])).items())),
    desc="Checks the number (digits, length for the brand, Luhn), the brand (Visa, Mastercard, American Express, Discover) and the expiry. The number is used only to tokenize and is never stored or logged. Codes: `card_number_invalid`, `card_number_length`, `card_number_luhn`, `card_brand_unsupported`, `expiration_invalid`, `card_expired`, `invalid_nickname`, `card_number_in_text` (a card number in `nickname`: only `number` may hold one).",
    body=body(ref("LinkCardRequest"), {"visa": {"number": "4242 4242 4242 4242", "expiration": {"month": 12, "year": 2030}, "nickname": "Everyday Visa"}})),
  "get": op("listCards", "The cardholder's linked cards", ["cards"], O([("200", ok("Active cards, oldest first.", ref("CardList"), {"cards": {"cards": [EX_CARD]}}))] + list(errors().items())))}
paths["/v1/cards/{token}"] = {"delete": op("removeCard", "Unlink a card", ["cards"],
  O([("200", ok("Removed. Its grants are revoked, each with a `consent.changed` event to every device.", ref("Card")))] + list(errors((404, "No active card with this token.", E("card_not_found","no linked card with this token"))).items())),
  params=[path_param("token", "The card token.")])}
paths["/v1/apps"] = {"get": op("listApps", "The app directory", ["apps"],
  O([("200", ok("Every app, with its requested scopes, current terms and fee model.", ref("AppList")))] + list(errors().items())))}
paths["/v1/apps/{app_id}/terms"] = {"post": op("publishTerms", "Publish new terms for an app (operator)", ["operator"],
  O([("200", ok("Published. Every card holding a grant for the app gets `app.terms_changed`; its active grants become `needs_reconsent` (`consent.changed`).", ref("App")))]
    + list(errors((404, "Unknown app.", E("app_not_found","no app with this id")), (422, "Not a newer version, or text holding a card number.", [E("terms_not_newer","the current terms are version 3; publish a higher version"), PAN_TEXT("text")])).items())),
  params=[path_param("app_id", "The app id, e.g. `app_beanstamp`.")],
  body=body(ref("PublishTerms"), {"new terms": {"version": 4, "text": "We now also read the time of day of your purchases."}}), security=ADMIN)}
paths["/v1/grants"] = {"get": op("listGrants", "Every grant of the cardholder", ["grants"],
  O([("200", ok("All grants in any status, each with the signed change that produced it, for reconciliation across devices.", ref("GrantList"), {"grants": {"grants": [{**EX_GRANT, "signed": EX_SIGNED_GRANT}]}}))] + list(errors().items())),
  desc="Verify each `signed` under the device chain and check that it produced the grant beside it; a grant whose `signed` is `null` is in a state the platform set (new terms, an unlinked card), never one that grants more.")}
conflict_ex = E("version_conflict","the grant is at version 2; fetch it, re-apply your change and send it with that base_version", current={**EX_GRANT, "status": "revoked", "version": 2, "signed": EX_SIGNED_REVOKE})
paths["/v1/grants/{grant_id}"] = {"put": op("applyConsentChange", "Apply one consent change", ["grants"],
  O([("200", ok("Changed (or already in the requested state).", ref("Grant"), headers={"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}})),
     ("201", ok("Created.", ref("Grant"), {"created": EX_GRANT}, headers={"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}})),
     ("400", {"description": "Missing or malformed `Idempotency-Key`, bad grant id, or not JSON.", "content": json_content(ref("Error"), {"missing key": E("idempotency_key_missing","send an `Idempotency-Key` header (a UUID per consent change) so retries are safe")})}),
     ("409", {"description": "`version_conflict`: `base_version` is stale; `current` is the grant now. `idempotency_key_reused`: the key was used with a different request. `invalid_transition`, `reconsent_required`: not possible from the current status. Conflicts are stored under the key like successes.",
              "content": json_content(ref("Error"), {"stale version": conflict_ex, "key reused": E("idempotency_key_reused","this Idempotency-Key was already used with a different request; use a new key for a new change")})}),
     ("422", {"description": "The change is invalid: `app_not_found`, `card_not_found`, `scope_not_requested`, `terms_outdated`, `no_channels`, `expiry_not_in_future`, `negative_minimum`, `grant_key_mismatch`, `terms_not_newer`, `invalid_body`, `card_number_in_text` (the grant id holds a card number); or its signature is: `unsigned_change` (no `signed`), `device_not_in_chain` (the caller has no link in the device chain), `bad_consent_signature` (the signature does not verify under the caller's key), `statement_mismatch` (the statement names another device than the caller, or says something else than the request, the grant, the app's terms or the resulting state; the message names the field). Not stored: fix it and retry with the same key.",
              "content": json_content(ref("Error"), {"terms outdated": E("terms_outdated","the app's current terms are version 3; show them and send that version", current_terms_version=3), "card number in the id": PAN_TEXT("grant_id"),
                "unsigned": E("unsigned_change","every consent change must carry `signed`: its statement signed by this device's key"),
                "statement mismatch": E("statement_mismatch","the signed statement's channels is not the change's; sign the change you send")})}),
     ("404", {"description": "Revoke, renew or reconsent of a grant that does not exist.", "content": json_content(ref("Error"))}),
     ("4XX", ERR), ("500", {"$ref": "#/components/responses/ServerError"})]),
  desc="Grant, revoke, renew or reconsent, at the version the device last saw (`base_version`, 0 to create), signed by the device (`signed`). Exactly once in effect: send an `Idempotency-Key` (e.g. a UUID per consent change). Same key + same request (method, path, JSON value) → the stored response again, with `Idempotent-Replayed: true`; same key + a different request → 409 `idempotency_key_reused`. Then the signature: `signed.statement.device_id` must be the caller, the caller must be in the device chain, the signature must verify under its key, and the statement must agree with the request (grant id, action, base version; for `grant` every detail; `renew`'s `expires_at`, `reconsent`'s `terms_version`). A stale `base_version` → 409 `version_conflict` with `current`. The statement must name the grant's app, card and scope (revoke, renew, reconsent), carry the hash of the app's terms at its `terms_version`, and describe exactly the grant the change produces. Every applied change is stored with its signed change and emits `consent.changed`, carrying it, to all the cardholder's devices.",
  params=[path_param("grant_id", "Chosen by the client (e.g. a UUID).", pattern="^[A-Za-z0-9._:-]{1,64}$"), {"$ref": "#/components/parameters/IdempotencyKey"}],
  body=body(ref("GrantChange"), {
    "grant": {"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": T_CARD, "scope": "receipts", "channels": ["card","nfc"], "trigger": "authorization", "min_purchase": None, "expires_at": None, "terms_version": 3, "signed": EX_SIGNED_GRANT},
    "revoke (from the second device)": {"action": "revoke", "base_version": 1, "signed": EX_SIGNED_REVOKE},
    "renew": {"action": "renew", "base_version": 2, "expires_at": "2027-01-01T00:00:00Z", "signed": EX_SIGNED_RENEW},
    "reconsent": {"action": "reconsent", "base_version": 3, "terms_version": 4, "signed": EX_SIGNED_RECONSENT}}))}
paths["/v1/events"] = {"get": op("listEvents", "The cardholder's signed event feed", ["events"],
  O([("200", ok("A page of deliveries, in feed order (unless a fault reorders them).", ref("FeedPage"), {"page": {"events": [{"id": EVT_2, "cursor": "42", "timestamp": 1767607320, "body": EX_BODY, "signature": "v1a,6/kwac9ddGYTNU6Cyv1u/4Fp9nRFQrzFhHuaE6Ne3KKmswlPM6rgVXBvOlfE4nv3RR8vkwPvNivPYfRdFXLZAQ=="}], "next_cursor": "42", "has_more": False}}))]
    + list(errors((400, "Bad cursor or parameter.", E("invalid_cursor","`after` must be a cursor from a previous page"))).items())),
  desc="Ordered and resumable: pass the last `next_cursor` as `after`. With `wait`, an empty result is held open until an event arrives or `wait` seconds pass (long-poll). Every item is signed at delivery (Standard Webhooks, `v1a`): verify against the published keys, check the timestamp, deduplicate by id.",
  params=[{"name": "after", "in": "query", "required": False, "description": "Cursor from a previous page; absent or empty: from the beginning.", "schema": {"type": "string", "pattern": "^[0-9]*$"}},
          {"name": "limit", "in": "query", "required": False, "description": "Page size.", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
          {"name": "wait", "in": "query", "required": False, "description": "Long-poll up to this many seconds when there is nothing new.", "schema": {"type": "integer", "minimum": 0, "maximum": 30, "default": 0}}])}
paths["/v1/events/{event_id}"] = {"get": op("getEvent", "One event, as a Standard Webhooks message", ["events"],
  O([("200", {"description": "The raw event body; the signature is in the headers.", "headers": {
        "webhook-id": {"required": True, "schema": {"type": "string"}, "description": "The event id."},
        "webhook-timestamp": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "Delivery time, Unix seconds."},
        "webhook-signature": {"required": True, "schema": {"type": "string", "pattern": "^v1a,"}, "description": "`v1a,<base64>` over `{id}.{timestamp}.{body}`."}},
      "content": json_content(ref("Event"), {"points": json.loads(EX_BODY)})})] + list(errors((404, "Not in this cardholder's feed.", E("event_not_found","no such event in your feed"))).items())),
  params=[path_param("event_id", "The event id.")])}
purchase_ok = ok("Authorized. `decisions` tells, per grant on the card, whether its app reacted and why not.", ref("StepResult"), {"authorized": {"transaction": EX_TXN,
  "event_ids": [EVT_1,EVT_2],
  "decisions": [{"grant_id": EX_GRANT["id"], "app_id": "app_quire", "scope": "receipts", "outcome": "reacted", "event_ids": [EVT_2]},
                {"grant_id": "g-cashback", "app_id": "app_cashcove", "scope": "cashback", "outcome": "skipped", "reason": "below_minimum", "event_ids": []}]}})
paths["/v1/simulate/purchase"] = {"post": op("simulatePurchase", "Simulate a card payment (authorization now)", ["simulation"],
  O([("201", purchase_ok)] + list(errors((422, "Invalid purchase; `card_number_in_text` when `merchant` holds a card number.", [E("card_not_found","no linked card with this card_token"), PAN_TEXT("merchant")])).items())),
  desc="The test and demo entry point. Emits `transaction.authorized` (with the platform's commission), then, for every grant on the card that matches — same card, granted scope, the payment's channel, trigger `authorization`, at or above the minimum purchase (same currency), not expired, not revoked, terms current — the app's event: `receipt.issued`, `points.awarded`, `cashback.pending`, `offer.issued` or `offer.redeemed`, `recommendation.made`, `social.posted`. Apps without such a grant get nothing. Settlement (or reversal) comes later: after `settle_after_ms`, or on `POST /v1/simulate/settle` / `reverse`.",
  body=body(ref("PurchaseRequest"), {"coffee": {"card_token": T_CARD, "amount": EX_MONEY, "merchant": "Café Lumen", "channel": "nfc"},
    "settles in a minute": {"card_token": T_CARD, "amount": {"minor": 4599, "currency": "USD"}, "merchant": "Sunset Diner", "channel": "card", "settle_after_ms": 60000}}))}
for name, verb, desc in [("settle", "Settle", "Emits `transaction.settled` (final commission), the events of grants with trigger `settlement`, and `cashback.paid` for pending cashback whose grant is still active."),
                         ("reverse", "Reverse", "Emits `transaction.reversed` (commission zero); pending cashback is cancelled and no app reacts.")]:
    paths[f"/v1/simulate/{name}"] = {"post": op(f"simulate{verb}", f"{verb} an authorized transaction now", ["simulation"],
      O([("200", ok(f"{verb}d.", ref("StepResult")))] + list(errors((404, "No such transaction of this cardholder.", E("transaction_not_found","no transaction with this id")),
          (409, "Already settled or reversed; `transaction` is its state.", E("transaction_not_pending","the transaction is already settled"))).items())),
      desc=desc, body=body(ref("TransactionRef"), {"transaction": {"transaction_id": T_TXN}}))}
EX_DSR = {"id":"dsr_" + L("0193b2d1d0007e1f8a9b0c1d2e3f4a50"),"app_id":"app_beanstamp","kind":"access","status":"received","created_at":"2026-01-05T11:00:00.000Z","due_at":"2026-02-04T11:00:00.000Z","updated_at":"2026-01-05T11:00:00.000Z"}
paths["/v1/data-requests"] = {
  "post": op("createDataRequest", "Ask an app for a copy of, or the deletion of, my data", ["privacy"],
    O([("201", ok("Received; due within a month.", ref("DataRequest"), {"access": EX_DSR}))] + list(errors((422, "Unknown app or kind.", E("app_not_found","no app with this app_id"))).items())),
    body=body(ref("NewDataRequest"), {"access": {"app_id": "app_beanstamp", "kind": "access"}, "deletion": {"app_id": "app_tastemaker", "kind": "deletion"}})),
  "get": op("listDataRequests", "My data requests and their status", ["privacy"], O([("200", ok("Oldest first.", ref("DataRequestList"), {"list": {"data_requests": [EX_DSR]}}))] + list(errors().items())))}
paths["/v1/admin/faults"] = {
  "get": op("getFaults", "Current fault injection (operator)", ["operator"], O([("200", ok("The faults in force.", ref("FaultConfig")))] + list(errors().items())), security=ADMIN),
  "put": op("setFaults", "Set fault injection (operator)", ["operator"], O([("200", ok("The faults now in force.", ref("FaultConfig")))] + list(errors((422, "A rate outside 0–1, a bound exceeded, or an event id or type holding a card number.", [E("invalid_faults","error_rate must be between 0 and 1, got 2"), PAN_TEXT("bad_signature_event_ids")])).items())),
    desc="Replaces the whole configuration (absent fields: no fault) and restarts the seeded generator. Applies to the cardholder API and feed, never to operator endpoints, `/healthz` or `/openapi.json`.",
    body=body(ref("FaultConfig"), {"flaky network": {"seed": 42, "error_rate": 0.2, "latency_ms": 150, "drop_after_commit_rate": 0.1}, "hostile feed": {"duplicate_rate": 0.3, "out_of_order_rate": 1, "stale_timestamp_rate": 0.1, "bad_signature_event_types": ["social.posted"]}, "off": {}}), security=ADMIN)}
paths["/v1/admin/clock"] = {"post": op("advanceClock", "Move the platform clock forward (operator)", ["operator"],
  O([("200", ok("The new time; due settlements were run.", ref("ClockState")))] + list(errors((422, "Negative or too far.", E("invalid_clock","advance_seconds must be 0 to 315360000; the clock never goes back"))).items())),
  desc="For tests: expire grants or reach settlement dates without waiting.", body=body(ref("AdvanceClock"), {"an hour": {"advance_seconds": 3600}}), security=ADMIN)}
paths["/v1/admin/keys/rotate"] = {"post": op("rotateKeys", "Rotate the signing keys (operator)", ["operator"],
  O([("200", ok("active → retired, next → active, a new next, endorsed by the new active key.", ref("KeyList"), {"after one rotation": {"keys": EX_KEYS_ROTATED}}))] + list(errors().items())),
  desc="The new next key carries an `endorsement` by the key that just became active, so wallets that trust the active key accept it.", security=ADMIN)}
paths["/openapi.json"] = {"get": op("getOpenApi", "This document", ["meta"], O([("200", {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {"schema": {"type": "object"}}}})]), security=[])}
paths["/healthz"] = {"get": op("health", "Liveness", ["meta"], O([("200", ok("Serving.", ref("Health"), {"ok": {"status": "ok"}}))]), security=[])}

doc = O([
  ("openapi", "3.1.0"),
  ("info", O([("title", "Consentry platform API"), ("version", "1.0.0"),
     ("summary", "The card-linking platform the Consentry wallet syncs with: tokenization, app directory, consents, simulated purchases and a signed event feed."),
     ("description", "The contract between the Consentry wallet and a card-linking platform (the role CardSpring played in 2011–2014), implemented by `crates/platform` (`consentry-platform`).\n\n"
       "* JSON everywhere, snake_case fields. Money is `{\"minor\": 1234, \"currency\": \"EUR\"}`.\n"
       "* Every device endpoint takes `Authorization: Bearer <token>` from `POST /v1/enroll`. Operator endpoints take the admin token.\n"
       "* Every error is `{code, message}` with a 4xx status for bad input (never 5xx); request bodies are limited to 64 KiB and unknown fields are rejected.\n"
       "* Consent changes are versioned and idempotent (`PUT /v1/grants/{grant_id}` with `Idempotency-Key`), and each is signed by the device that made it (`signed`) with a key of the cardholder's device chain (`/v1/devices/chain`). The platform relays the signed change in `consent.changed` and `GET /v1/grants`; wallets verify it, so the platform cannot author or alter consent.\n"
       "* Events are signed per Standard Webhooks, scheme `v1a` (Ed25519) over `{id}.{timestamp}.{body}`; keys as `whpk_…`. Test vectors: `docs/platform/webhook-vectors.json`. Every event body names its `cardholder_id`.\n"
       "* Each signing key after the first is endorsed by the key before it (`endorsement`): accept new keys only along that chain, from the keys pinned at enrollment.\n"
       "* The full card number is accepted only by `POST /v1/cards` and is never stored, logged or returned. Any other text holding one (a nickname, a device name, a merchant, terms, a grant id) is refused with 422 `card_number_in_text`, before anything is stored."),
     ("license", {"name": "MIT OR Apache-2.0", "identifier": "MIT"})])),
  ("servers", [{"url": "http://127.0.0.1:8787", "description": "A local `consentry-platform` (the port is configurable; demo mode picks a free one)."}]),
  ("tags", [{"name": n, "description": d} for n, d in [("devices","Enrollment, the platform's signing keys, the cardholder's device chain and pairing."),("cards","Card tokenization."),("apps","The app directory."),("grants","Consents."),("events","The signed event feed."),("simulation","Simulated payments, for tests and demos."),("privacy","Data-subject requests."),("operator","Admin token: terms, faults, clock, keys."),("meta","Health and this document.")]]),
  ("security", [{"deviceToken": []}]),
  ("paths", paths),
  ("webhooks", {"event": {"post": {"operationId": "eventDelivery", "summary": "An event as a Standard Webhooks message",
     "description": "The feed's items are webhook messages delivered by polling: `webhook-id` = `id`, `webhook-timestamp` = `timestamp`, `webhook-signature` = `signature`, body = `body`. A push delivery would look exactly like this.",
     "parameters": [{"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"}},
                    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}},
                    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string", "pattern": "^v1a,"}}],
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("Event")}}},
     "responses": {"2XX": {"description": "Accepted."}}}}}),
  ("components", O([
    ("securitySchemes", {"deviceToken": {"type": "http", "scheme": "bearer", "description": "The `token` returned by `POST /v1/enroll`."},
                         "adminToken": {"type": "http", "scheme": "bearer", "description": "The operator token the platform was started with (`--admin-token`); without one, operator endpoints answer 403 `admin_disabled`."}}),
    ("parameters", {"IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": True, "description": "Unique per consent change (e.g. a UUID); reuse it only to retry the very same request.", "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}}),
    ("headers", {"IdempotentReplayed": {"description": "`true` when this is the stored response of an earlier request with the same key.", "schema": {"type": "string", "const": "true"}}}),
    ("responses", {"Error": {"description": "Bad input or not allowed: `{code, message}`.", "content": json_content(ref("Error"), {"unauthorized": E("unauthorized","send `Authorization: Bearer <token>`"), "unknown field": E("invalid_body","unknown field `colour`, expected one of `number`, `expiration`, `nickname` at line 1 column 9")})},
                   "ServerError": {"description": "`internal` (a platform failure; safe to retry) or `injected_fault` (fault injection).", "content": json_content(ref("Error"), {"injected": E("injected_fault","fault injection: this request failed before it was handled")})}}),
    ("schemas", schemas)])),
])
print(json.dumps(doc, indent=2, ensure_ascii=False))
