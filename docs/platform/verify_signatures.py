#!/usr/bin/env python3
"""Independent check of the platform's event signatures (Standard Webhooks, scheme v1a,
Ed25519) and of device-signed consent changes, written against the contract only, with PyNaCl.

    pip install pynacl
    python3 docs/platform/verify_signatures.py                        # committed vectors and examples
    python3 docs/platform/verify_signatures.py http://127.0.0.1:8787  # + a running platform

With a URL it enrolls a fresh cardholder, posts the device's root link (its own Ed25519
key), links a test card, grants every scope of the directory (each change signed by the
device), makes a purchase, then verifies every event of the feed (and one event by its
webhook-* headers) against the published public keys, checks that each event names the
enrolled cardholder, checks that every `consent.changed` carries the device's signed change
and that it verifies under the device chain, and checks the endorsement of every published
key whose endorsing key is published too. Exits non-zero on any failure.
"""

import base64
import hashlib
import hmac
import json
import re
import sys
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

VECTORS = Path(__file__).with_name("webhook-vectors.json")
results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    if not ok:
        print(f"FAIL {what}")


def public_key(text):
    assert text.startswith("whpk_"), text
    return VerifyKey(base64.b64decode(text[len("whpk_"):]))


def verify(keys, msg_id, timestamp, body, header):
    """True when any v1a signature in the (space-separated) header verifies under any key."""
    content = f"{msg_id}.{timestamp}.{body}".encode("utf-8")
    for candidate in header.split(" "):
        scheme, _, encoded = candidate.partition(",")
        if scheme != "v1a":
            continue
        try:
            signature = base64.b64decode(encoded, validate=True)
        except ValueError:
            continue
        for key in keys:
            try:
                key.verify(content, signature)
                return True
            except BadSignatureError:
                pass
    return False


def endorsement_content(key_id, public_key_text):
    return f"consentry.key-endorsement.v1.{key_id}.{public_key_text}".encode("utf-8")


def verify_endorsement(endorser, key_id, public_key_text, signature):
    """True when `signature` (exactly one `v1a,<base64>`) is endorser's endorsement of the key."""
    scheme, _, encoded = signature.partition(",")
    if scheme != "v1a":
        return False
    try:
        endorser.verify(endorsement_content(key_id, public_key_text), base64.b64decode(encoded, validate=True))
        return True
    except (ValueError, BadSignatureError):
        return False


def check_endorsement_vectors(doc):
    for v in doc.get("endorsements", []):
        content = endorsement_content(v["key_id"], v["public_key"]).decode("utf-8")
        check(content == v["content"], f"endorsement vector {v['name']!r}: content")
        ok = verify_endorsement(public_key(v["signer_public_key"]), v["key_id"], v["public_key"], v["signature"])
        check(ok == v["valid"], f"endorsement vector {v['name']!r}: verified={ok}, expected {v['valid']}")


def check_published_endorsements(keys):
    by_id = {k["key_id"]: k for k in keys}
    checked = 0
    for position, key in enumerate(keys):
        endorsement = key.get("endorsement")
        if endorsement is None:
            # Only the platform's first key has none; it is published first if at all.
            check(position == 0, f"key {key['key_id']} has an endorsement")
            continue
        signer = by_id.get(endorsement["signed_by"])
        if signer is None:
            continue  # endorsed by a key no longer published
        ok = verify_endorsement(public_key(signer["public_key"]), key["key_id"], key["public_key"], endorsement["signature"])
        check(ok, f"endorsement of {key['key_id']} by {endorsement['signed_by']}")
        checked += 1
    check(checked >= 1, "at least one published endorsement checked")


def check_vectors():
    doc = json.loads(VECTORS.read_text(encoding="utf-8"))
    check_endorsement_vectors(doc)
    for v in doc["vectors"]:
        key = public_key(v["public_key"])
        ok = verify([key], v["id"], v["timestamp"], v["body"], v["signature"])
        if "cardholder_id" in v:
            # Checked by that cardholder's wallet: the signed body must name it.
            ok = ok and json.loads(v["body"]).get("cardholder_id") == v["cardholder_id"]
        check(ok == v["valid"], f"vector {v['name']!r}: verified={ok}, expected {v['valid']}")
        if v["valid"]:
            seed = base64.b64decode(v["secret_key"][len("whsk_"):])
            signer = SigningKey(seed)
            check(bytes(signer.verify_key) == bytes(key), f"vector {v['name']!r}: secret matches public key")
            content = f"{v['id']}.{v['timestamp']}.{v['body']}".encode("utf-8")
            mine = "v1a," + base64.b64encode(signer.sign(content).signature).decode()
            check(mine in v["signature"].split(" "), f"vector {v['name']!r}: signature reproduced")


def check_openapi_examples():
    """Every feed delivery among the document's examples verifies under the keys its `listKeys`
    examples publish, and every key endorsement there under the key it names."""
    doc = json.loads(VECTORS.with_name("openapi.json").read_text(encoding="utf-8"))
    listed = doc["paths"]["/v1/keys"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    keys = {k["key_id"]: k["public_key"] for e in listed.values() for k in e["value"]["keys"]}
    verifying = [public_key(k) for k in keys.values()]
    deliveries = 0

    def walk(value):
        nonlocal deliveries
        if isinstance(value, dict):
            if all(isinstance(value.get(f), t) for f, t in (("id", str), ("timestamp", int), ("body", str), ("signature", str))):
                ok = verify(verifying, value["id"], value["timestamp"], value["body"], value["signature"])
                check(ok, f"openapi.json example delivery {value['id']} verifies under the example keys")
                deliveries += 1
            endorsement = value.get("endorsement")
            if isinstance(endorsement, dict) and isinstance(endorsement.get("signed_by"), str) and isinstance(value.get("key_id"), str):
                signer = keys.get(endorsement["signed_by"])
                ok = signer is not None and verify_endorsement(
                    public_key(signer), value["key_id"], value["public_key"], endorsement["signature"])
                check(ok, f"openapi.json example endorsement of {value['key_id']}")
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(doc)
    check(deliveries >= 1, "openapi.json holds a signed delivery example")


# Device-signed consent (docs/platform/README.md, "Device chain and signed consent changes").
STATEMENT_CONTEXT = "consentry.consent-change.v1"
LINK_CONTEXT = "consentry.device-link.v1"
PAIRING_CONTEXT = "consentry.pairing.v1"
STATEMENT_FIELDS = ["grant_id", "action", "app_id", "card_token", "scope", "channels", "trigger", "min_purchase",
                    "expires_at", "terms_version", "terms_hash", "base_version", "at", "device_id"]
LINK_FIELDS = ["cardholder_id", "device_id", "public_key", "added_by", "added_at"]
CHANNEL_ORDER = ["card", "nfc", "voice", "online"]  # the vocabulary's order, not alphabetical


def millis(text):
    """An RFC 3339 time as signed texts carry it: UTC, milliseconds (truncated), `Z`."""
    m = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert m, text
    whole, fraction, zone = m.groups()
    at = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone)).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S") + "." + (fraction or "").ljust(3, "0")[:3] + "Z"


def canonical(context, fields, values):
    out = context + "\n"
    for name in fields:
        value = values[name]
        if value is None:
            value = "-"
        elif name == "channels":
            value = ",".join(sorted(value, key=CHANNEL_ORDER.index))
        elif name == "min_purchase":
            value = f"{value['minor']} {value['currency']}"
        elif name in ("expires_at", "at", "added_at"):
            value = millis(value)
        else:
            value = str(value)
        assert "\n" not in value and "\r" not in value, name
        out += f"{name}={value}\n"
    return out


def canonical_statement(statement):
    return canonical(STATEMENT_CONTEXT, STATEMENT_FIELDS, statement)


def canonical_link(link):
    return canonical(LINK_CONTEXT, LINK_FIELDS, link)


def device_public_key(verify_key):
    return "dpk_" + base64.b64encode(bytes(verify_key)).decode()


def device_key(text):
    assert text.startswith("dpk_"), text
    return VerifyKey(base64.b64decode(text[len("dpk_"):], validate=True))


def device_sign(signing_key, text):
    return "v1a," + base64.b64encode(signing_key.sign(text.encode("utf-8")).signature).decode()


def device_verify(verify_key, text, signature):
    scheme, _, encoded = signature.partition(",")
    if scheme != "v1a":
        return False
    try:
        verify_key.verify(text.encode("utf-8"), base64.b64decode(encoded, validate=True))
        return True
    except (ValueError, BadSignatureError):
        return False


def link(cardholder_id, device_id, public_key_text, signer_id, signer, added_at):
    fields = {"cardholder_id": cardholder_id, "device_id": device_id, "public_key": public_key_text,
              "added_by": signer_id, "added_at": added_at}
    return {**fields, "signature": device_sign(signer, canonical_link(fields))}


def verify_chain(links, cardholder_id):
    """The keys a device chain vouches for, or None: root signed by itself, each later link by
    a device earlier in the chain, one link per device, all for `cardholder_id`."""
    keys = {}
    for n, item in enumerate(links):
        if item["cardholder_id"] != cardholder_id or item["device_id"] in keys:
            return None
        own = device_key(item["public_key"])
        if n == 0 and item["added_by"] != item["device_id"]:
            return None
        signer = own if n == 0 else keys.get(item["added_by"])
        if signer is None or not device_verify(signer, canonical_link(item), item["signature"]):
            return None
        keys[item["device_id"]] = own
    return keys


def pairing_proof(code, cardholder_id, device_id, public_key_text):
    normalized = "".join(c for c in code if c.isascii() and c.isalnum()).upper()
    message = f"{PAIRING_CONTEXT}\n{cardholder_id}\n{device_id}\n{public_key_text}\n"
    return hmac.new(normalized.encode(), message.encode(), hashlib.sha256).hexdigest()


def produced(statement, grant):
    """The grant is the state the signed change produced."""
    status = "revoked" if statement["action"] == "revoke" else "active"
    same = [statement[k] == grant[k] for k in ("app_id", "card_token", "scope")]
    details = status == "revoked" or (
        sorted(statement["channels"]) == sorted(grant["channels"]) and statement["trigger"] == grant["trigger"]
        and statement["min_purchase"] == grant["min_purchase"] and statement["terms_version"] == grant["terms_version"]
        and (statement["expires_at"] and millis(statement["expires_at"])) == (grant["expires_at"] and millis(grant["expires_at"])))
    return (all(same) and statement["grant_id"] == grant["id"] and grant["status"] == status
            and grant["version"] == statement["base_version"] + 1 and details)


def now_millis():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def call(base, method, path, body=None, token=None, headers=None):
    request = urllib.request.Request(base + path, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8"), dict(response.headers)


def check_server(base):
    base = base.rstrip("/")
    enrolled = json.loads(call(base, "POST", "/v1/enroll", {"device_name": "verify_signatures.py"})[0])
    token = enrolled["token"]
    cardholder, device = enrolled["cardholder_id"], enrolled["device_id"]
    # The device's own key; a real wallet makes a random one and keeps it encrypted.
    signer = SigningKey(hashlib.sha256(f"verify_signatures.py {device}".encode()).digest())
    root = link(cardholder, device, device_public_key(signer.verify_key), device, signer, now_millis())
    chain = json.loads(call(base, "POST", "/v1/devices/chain", root, token)[0])["links"]
    check(chain == [root], "POST /v1/devices/chain stores the root link")
    keys = [public_key(k["public_key"]) for k in enrolled["signing_keys"]]
    listed = json.loads(call(base, "GET", "/v1/keys")[0])["keys"]
    check({k["public_key"] for k in listed} == {k["public_key"] for k in enrolled["signing_keys"]}, "GET /v1/keys = enrollment keys")
    check_published_endorsements(listed)
    card = json.loads(call(base, "POST", "/v1/cards", {"number": "4242424242424242", "expiration": {"month": 12, "year": 2031}}, token)[0])["token"]
    apps = json.loads(call(base, "GET", "/v1/apps", token=token)[0])["apps"]
    n = 0
    for app in apps:
        for scope in app["requested_scopes"]:
            n += 1
            change = {"action": "grant", "base_version": 0, "app_id": app["id"], "card_token": card, "scope": scope,
                      "channels": ["card", "nfc", "online", "voice"], "trigger": "authorization",
                      "terms_version": app["terms"]["version"]}
            statement = {"grant_id": f"py-{n}", **{k: v for k, v in change.items() if k != "base_version"},
                         "min_purchase": None, "expires_at": None, "terms_hash": app["terms"]["hash"],
                         "base_version": 0, "at": now_millis(), "device_id": device}
            change["signed"] = {"statement": statement, "signature": device_sign(signer, canonical_statement(statement))}
            call(base, "PUT", f"/v1/grants/py-{n}", change, token, {"Idempotency-Key": f"py-{n}"})
    call(base, "POST", "/v1/simulate/purchase", {"card_token": card, "amount": {"minor": 1234, "currency": "EUR"},
                                                  "merchant": "Café Lumen", "channel": "nfc"}, token)
    page = json.loads(call(base, "GET", "/v1/events?limit=500", token=token)[0])
    check(len(page["events"]) >= 2, f"feed has events ({len(page['events'])})")
    for item in page["events"]:
        ok = verify(keys, item["id"], item["timestamp"], item["body"], item["signature"])
        check(ok, f"feed event {item['id']} verifies")
        body = json.loads(item["body"])
        check(body["id"] == item["id"], f"feed event {item['id']} body id")
        check(body.get("cardholder_id") == enrolled["cardholder_id"], f"feed event {item['id']} names the cardholder")
    device_keys = verify_chain(json.loads(call(base, "GET", "/v1/devices/chain", token=token)[0])["links"], cardholder)
    check(device_keys is not None and set(device_keys) == {device}, "the device chain verifies")
    changes = [json.loads(item["body"]) for item in page["events"] if json.loads(item["body"])["type"] == "consent.changed"]
    check(len(changes) == n, f"one consent.changed per grant ({len(changes)})")
    for change in changes:
        signed = change.get("signed") or {}
        statement = signed.get("statement") or {}
        ok = (device_keys is not None and statement.get("device_id") in device_keys
              and device_verify(device_keys[statement["device_id"]], canonical_statement(statement), signed["signature"])
              and produced(statement, change["grant"]))
        check(ok, f"consent.changed {change['id']} carries the device's signed change")
    first = page["events"][0]["id"]
    body, headers = call(base, "GET", f"/v1/events/{first}", token=token)
    lower = {k.lower(): v for k, v in headers.items()}
    ok = verify(keys, lower["webhook-id"], int(lower["webhook-timestamp"]), body, lower["webhook-signature"])
    check(ok, "GET /v1/events/{id} verifies from its webhook-* headers")


def main():
    check_vectors()
    check_openapi_examples()
    if len(sys.argv) > 1:
        check_server(sys.argv[1])
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
