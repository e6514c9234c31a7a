-- The reference platform's own database. Timestamps are RFC 3339 UTC text; money is
-- integer minor units plus an ISO 4217 code. No card number is ever stored: a card is
-- its token, brand, last 4 digits and expiry.

CREATE TABLE cardholders (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,            -- SHA-256 (hex) of the cardholder secret
    created_at  TEXT NOT NULL
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,   -- SHA-256 (hex) of the bearer token
    created_at    TEXT NOT NULL
);

CREATE TABLE cards (
    token         TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    brand         TEXT NOT NULL,
    last4         TEXT NOT NULL,
    exp_month     INTEGER NOT NULL,
    exp_year      INTEGER NOT NULL,
    nickname      TEXT,
    status        TEXT NOT NULL,          -- active | removed
    created_at    TEXT NOT NULL,
    removed_at    TEXT
);
CREATE INDEX cards_by_cardholder ON cards (cardholder_id, created_at);

CREATE TABLE apps (
    id                 TEXT PRIMARY KEY,
    position           INTEGER NOT NULL,  -- directory order
    name               TEXT NOT NULL,
    publisher          TEXT NOT NULL,
    description        TEXT NOT NULL,
    category           TEXT NOT NULL,
    scopes             TEXT NOT NULL,     -- JSON array of scope names
    fee_model          TEXT NOT NULL,     -- JSON, consentry_domain::FeeModel
    privacy_url        TEXT NOT NULL,
    website_url        TEXT NOT NULL,
    terms_version      INTEGER NOT NULL,
    terms_text         TEXT NOT NULL,
    terms_published_at TEXT NOT NULL
);

CREATE TABLE grants (
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    id            TEXT NOT NULL,          -- chosen by the client
    app_id        TEXT NOT NULL REFERENCES apps (id),
    card_token    TEXT NOT NULL REFERENCES cards (token),
    status        TEXT NOT NULL,          -- consentry_domain::GrantStatus
    version       INTEGER NOT NULL,
    grant_json    TEXT NOT NULL,          -- consentry_domain::Grant, the whole current state
    updated_by    TEXT NOT NULL,          -- device id, or "platform"
    PRIMARY KEY (cardholder_id, id)
);
CREATE INDEX grants_by_card ON grants (card_token);
CREATE INDEX grants_by_app ON grants (app_id, status);

CREATE TABLE idempotency_keys (
    cardholder_id TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,          -- SHA-256 of method, path and canonical body
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (cardholder_id, key)
);

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- the feed cursor
    id            TEXT NOT NULL UNIQUE,
    cardholder_id TEXT NOT NULL,
    type          TEXT NOT NULL,
    body          TEXT NOT NULL,                      -- the exact bytes that are signed
    created_at    TEXT NOT NULL
);
CREATE INDEX events_by_cardholder ON events (cardholder_id, seq);

CREATE TABLE transactions (
    id                TEXT PRIMARY KEY,
    cardholder_id     TEXT NOT NULL,
    card_token        TEXT NOT NULL,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    merchant          TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,      -- authorized | settled | reversed
    outcome           TEXT NOT NULL,      -- settle | reverse, applied at settle_at
    settle_at         TEXT,               -- when the settler finalizes it; NULL = manual
    charged_apps      TEXT NOT NULL,      -- JSON array of app ids already charged a percent fee
    commission_minor  INTEGER NOT NULL,   -- commission so far, in the purchase currency
    authorized_at     TEXT NOT NULL,
    finalized_at      TEXT
);
CREATE INDEX transactions_due ON transactions (status, settle_at);

CREATE TABLE points_balances (
    cardholder_id TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    balance       INTEGER NOT NULL,
    PRIMARY KEY (cardholder_id, app_id)
);

CREATE TABLE cashbacks (
    id             TEXT PRIMARY KEY,
    cardholder_id  TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL          -- pending | paid | cancelled
);
CREATE INDEX cashbacks_by_transaction ON cashbacks (transaction_id);

CREATE TABLE offers (
    id            TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL,
    card_token    TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    merchant      TEXT NOT NULL,
    code          TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    redeemed_at   TEXT
);
CREATE INDEX offers_open ON offers (card_token, app_id, merchant, redeemed_at);

CREATE TABLE data_requests (
    id            TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- access | deletion
    status        TEXT NOT NULL,          -- received | in_progress | completed | rejected
    created_at    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX data_requests_by_cardholder ON data_requests (cardholder_id, created_at);

CREATE TABLE signing_keys (
    id         TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,             -- whsk_..., the platform's own signing key
    status     TEXT NOT NULL,             -- next | active | retired
    created_at TEXT NOT NULL,
    position   INTEGER NOT NULL UNIQUE    -- creation order
);
