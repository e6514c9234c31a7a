-- A consent change of this device that the platform did not apply because another device's
-- change of the same grant came first. Kept until the cardholder dismisses it (or applies
-- their change again), across restarts; the ledger keeps the `conflict` note for ever.
CREATE TABLE conflicts (
    id             INTEGER PRIMARY KEY,
    outbox_key     TEXT NOT NULL UNIQUE,         -- the change's idempotency key: one row per change
    grant_id       TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    scope          TEXT NOT NULL,
    asked_action   TEXT NOT NULL,                -- grant or revoke
    asked          TEXT NOT NULL,                -- JSON (domain GrantDetails): what this device asked for
    asked_at_ms    INTEGER NOT NULL,
    won            TEXT,                         -- JSON (domain Grant): what the platform holds, NULL: no such grant
    reason         TEXT NOT NULL,
    detected_at_ms INTEGER NOT NULL,
    resolved_at_ms INTEGER,
    resolution     TEXT                          -- dismissed or reapplied
) STRICT;
CREATE INDEX conflicts_open ON conflicts (detected_at_ms) WHERE resolved_at_ms IS NULL;
