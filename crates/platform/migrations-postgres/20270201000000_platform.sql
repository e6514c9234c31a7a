-- The reference platform's schema on PostgreSQL: the same tables as the SQLite migrations
-- (../migrations) at their latest state, in PostgreSQL's types. Integers are BIGINT (the
-- platform reads every integer as i64), times are RFC 3339 text as on SQLite, and text
-- compares byte-wise (the cluster or database is created with the C collation) so that
-- ordering by a time or an id is the same on both databases. Tables whose rows are listed
-- in insertion order (`ORDER BY rowid` on SQLite) have a `rowid` identity column here.
--
-- A later change adds a migration here AND one in ../migrations.

CREATE TABLE cardholders (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    language    TEXT
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    removed_at    TEXT,
    removed_by    TEXT
);

CREATE TABLE cards (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    token         TEXT PRIMARY KEY,
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    brand         TEXT NOT NULL,
    last4         TEXT NOT NULL,
    exp_month     BIGINT NOT NULL,
    exp_year      BIGINT NOT NULL,
    nickname      TEXT,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    removed_at    TEXT,
    fingerprint   TEXT
);
CREATE INDEX cards_by_cardholder ON cards (cardholder_id, created_at);
CREATE UNIQUE INDEX cards_active_fingerprint ON cards (cardholder_id, fingerprint)
    WHERE status = 'active' AND fingerprint IS NOT NULL;

CREATE TABLE apps (
    id                 TEXT PRIMARY KEY,
    position           BIGINT NOT NULL,
    name               TEXT NOT NULL,
    publisher          TEXT NOT NULL,
    description        TEXT NOT NULL,
    category           TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    fee_model          TEXT NOT NULL,
    privacy_url        TEXT NOT NULL,
    website_url        TEXT NOT NULL,
    terms_version      BIGINT NOT NULL,
    terms_text         TEXT NOT NULL,
    terms_published_at TEXT NOT NULL
);

CREATE TABLE app_texts (
    app_id      TEXT NOT NULL REFERENCES apps (id),
    language    TEXT NOT NULL,
    description TEXT NOT NULL,
    category    TEXT NOT NULL,
    PRIMARY KEY (app_id, language)
);

CREATE TABLE terms_translations (
    app_id   TEXT NOT NULL REFERENCES apps (id),
    version  BIGINT NOT NULL,
    language TEXT NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (app_id, version, language)
);

CREATE TABLE superseded_terms (
    app_id        TEXT NOT NULL REFERENCES apps (id),
    version       BIGINT NOT NULL,
    text          TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (app_id, version)
);

CREATE TABLE grants (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    id            TEXT NOT NULL,
    app_id        TEXT NOT NULL REFERENCES apps (id),
    card_token    TEXT NOT NULL REFERENCES cards (token),
    status        TEXT NOT NULL,
    version       BIGINT NOT NULL,
    grant_json    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    signed_json   TEXT,
    PRIMARY KEY (cardholder_id, id)
);
CREATE INDEX grants_by_card ON grants (card_token);
CREATE INDEX grants_by_app ON grants (app_id, status);

CREATE TABLE idempotency_keys (
    cardholder_id TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (cardholder_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- The feed cursor. Several instances insert at once, so a seq taken earlier could commit
-- later: every transaction that adds a cardholder's events first takes that cardholder's
-- advisory lock (see src/db.rs), so within one cardholder's feed seqs commit in order.
CREATE TABLE events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    cardholder_id TEXT NOT NULL,
    type          TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX events_by_cardholder ON events (cardholder_id, seq);

CREATE TABLE transactions (
    id                TEXT PRIMARY KEY,
    cardholder_id     TEXT NOT NULL,
    card_token        TEXT NOT NULL,
    amount_minor      BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    merchant          TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    settle_at         TEXT,
    charged_apps      TEXT NOT NULL,
    commission_minor  BIGINT NOT NULL,
    authorized_at     TEXT NOT NULL,
    finalized_at      TEXT
);
CREATE INDEX transactions_due ON transactions (status, settle_at);

CREATE TABLE points_balances (
    cardholder_id TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    balance       BIGINT NOT NULL,
    PRIMARY KEY (cardholder_id, app_id)
);

CREATE TABLE cashbacks (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             TEXT PRIMARY KEY,
    cardholder_id  TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    amount_minor   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL
);
CREATE INDEX cashbacks_by_transaction ON cashbacks (transaction_id);

CREATE TABLE offers (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
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
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX data_requests_by_cardholder ON data_requests (cardholder_id, created_at);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    position    BIGINT NOT NULL UNIQUE,
    endorsement TEXT,
    retired_at  TEXT
);

CREATE TABLE device_links (
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    position      BIGINT NOT NULL,
    device_id     TEXT NOT NULL REFERENCES devices (id),
    link_json     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (cardholder_id, position),
    UNIQUE (cardholder_id, device_id)
);

CREATE TABLE pairing_requests (
    device_id     TEXT PRIMARY KEY REFERENCES devices (id),
    cardholder_id TEXT NOT NULL REFERENCES cardholders (id),
    public_key    TEXT NOT NULL,
    proof         TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX pairing_requests_by_cardholder ON pairing_requests (cardholder_id, created_at);

CREATE TABLE platform_secrets (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
