-- The cardholder's device chain: every device key consent changes may be signed with.
-- `link_json` is a consentry_domain::DeviceLink, verbatim as verified: the first link is
-- signed by its own device, every later one by a device earlier in the chain.
CREATE TABLE device_links (
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    position      INTEGER NOT NULL,       -- 0 = the root, in the order added
    device_id     TEXT NOT NULL REFERENCES devices (id),
    link_json     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (cardholder_id, position),
    UNIQUE (cardholder_id, device_id)
);

-- A new device's request to join the chain: its public key and the proof it made with the
-- pairing code an existing device showed. One pending request per device (the latest);
-- removed when the device's link is added. The platform never checks the proof.
CREATE TABLE pairing_requests (
    device_id     TEXT PRIMARY KEY REFERENCES devices (id),
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    public_key    TEXT NOT NULL,          -- dpk_<base64>
    proof         TEXT NOT NULL,          -- 64 lowercase hex
    created_at    TEXT NOT NULL
);
CREATE INDEX pairing_requests_by_cardholder ON pairing_requests (cardholder_id, created_at);
