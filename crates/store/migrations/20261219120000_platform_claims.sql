-- What the platform says about consent that no device of the cardholder signed (decisions in
-- docs/decisions.md, "Device-signed consent"). Never a ledger entry: kept apart, shown as the
-- platform's claim, counted in the sync status. One row per grant version claimed.
CREATE TABLE platform_claims (
    id             INTEGER PRIMARY KEY,
    grant_id       TEXT NOT NULL,
    grant_version  INTEGER NOT NULL,
    app_id         TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    scope          TEXT NOT NULL,
    claimed_status TEXT NOT NULL,
    claimed        TEXT NOT NULL,                -- JSON (domain Grant) as the platform stated it
    reason         TEXT NOT NULL,
    event_id       TEXT,                         -- the consent.changed event, when it came by the feed
    received_at_ms INTEGER NOT NULL,
    UNIQUE (grant_id, grant_version)
) STRICT;
CREATE INDEX platform_claims_by_event ON platform_claims (event_id) WHERE event_id IS NOT NULL;

-- The device-signed form of the ledger's changes that went to or came from the platform:
-- this device's own (stored when the platform acknowledged them) and other devices' (stored
-- when their signature verified). With the device chain they make the consent proof.
CREATE TABLE signed_changes (
    ledger_seq INTEGER PRIMARY KEY REFERENCES consent_ledger (seq),
    grant_id   TEXT NOT NULL,
    signed     TEXT NOT NULL                     -- JSON (domain SignedConsent)
) STRICT;
