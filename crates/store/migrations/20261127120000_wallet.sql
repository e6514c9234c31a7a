-- The wallet schema, version 1.
--
-- Released migrations are never edited (their SHA-384 checksums are pinned by a test); change
-- the schema by adding a new timestamped file. Times are INTEGER Unix milliseconds (UTC);
-- money is INTEGER minor units beside its ISO 4217 currency; no floats.

-- Small key-value state: wallet identity, preferences.
CREATE TABLE settings (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- Linked cards. Never a full card number: the platform token and the last four digits only.
-- The GLOB checks refuse any run of 12 or more digits in free text, as a last line of defence.
CREATE TABLE cards (
    token         TEXT PRIMARY KEY
                  CHECK (length(token) BETWEEN 1 AND 128
                         AND token NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'),
    brand         TEXT NOT NULL,
    last4         TEXT NOT NULL CHECK (length(last4) = 4 AND last4 NOT GLOB '*[^0-9]*'),
    exp_month     INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year      INTEGER NOT NULL CHECK (exp_year BETWEEN 2000 AND 2199),
    nickname      TEXT
                  CHECK (nickname IS NULL OR (length(nickname) <= 64
                         AND nickname NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*')),
    status        TEXT NOT NULL,
    linked_at_ms  INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- The app directory, cached from the platform.
CREATE TABLE apps (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    publisher        TEXT NOT NULL,
    description      TEXT NOT NULL,
    requested_scopes TEXT NOT NULL,              -- JSON array of scope names
    terms_version    INTEGER NOT NULL,
    terms_hash       TEXT NOT NULL,              -- SHA-256 hex of terms_text
    fee_model        TEXT NOT NULL,              -- JSON (domain FeeModel)
    fetched_at_ms    INTEGER NOT NULL
) STRICT;

-- Every version of every app's terms the wallet has seen: the consent ledger points here by
-- (app_id, terms_version, terms_hash), so the text the cardholder agreed to stays readable.
CREATE TABLE app_terms (
    app_id        TEXT NOT NULL,
    terms_version INTEGER NOT NULL,
    terms_hash    TEXT NOT NULL,
    terms_text    TEXT NOT NULL,
    seen_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (app_id, terms_version)
) STRICT;

-- The consent ledger: append-only, hash-chained (entry_hash = SHA-256 over prev_hash and the
-- canonical encoding of the entry, computed by the domain crate). `entry` is the whole entry;
-- the other columns repeat parts of it for queries, and verification checks they agree.
CREATE TABLE consent_ledger (
    seq            INTEGER PRIMARY KEY,
    entry_hash     TEXT NOT NULL UNIQUE,
    prev_hash      TEXT NOT NULL,
    action         TEXT NOT NULL,
    grant_id       TEXT NOT NULL,
    app_id         TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    scope          TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    occurred_at_ms INTEGER NOT NULL,
    terms_version  INTEGER NOT NULL,
    terms_hash     TEXT NOT NULL,
    entry          TEXT NOT NULL                 -- JSON (domain LedgerEntry)
) STRICT;
CREATE INDEX consent_ledger_by_grant ON consent_ledger (app_id, card_token, scope, seq);

CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;
CREATE TRIGGER consent_ledger_no_delete BEFORE DELETE ON consent_ledger
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;

-- Current grants (a projection of the ledger, rewritten in the same transaction).
CREATE TABLE grants (
    app_id         TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    scope          TEXT NOT NULL,
    grant_id       TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    expires_at_ms  INTEGER,
    grant_json     TEXT NOT NULL,                -- JSON (domain Grant)
    ledger_seq     INTEGER NOT NULL REFERENCES consent_ledger (seq),
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (app_id, card_token, scope)
) STRICT;
CREATE INDEX grants_by_card ON grants (card_token, app_id);

-- Consent changes not yet acknowledged by the platform. One row per ledger entry, written in
-- the ledger entry's transaction; drained in ledger order with the idempotency key.
CREATE TABLE outbox (
    idempotency_key    TEXT PRIMARY KEY,         -- UUIDv7
    ledger_seq         INTEGER NOT NULL UNIQUE REFERENCES consent_ledger (seq),
    payload            TEXT NOT NULL,            -- JSON (domain LedgerEntry) sent to the platform
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error         TEXT,
    created_at_ms      INTEGER NOT NULL,
    acked_at_ms        INTEGER,
    platform_version   INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (ledger_seq) WHERE acked_at_ms IS NULL;

-- Every event delivered by the platform, deduplicated by its id. `seq` is local arrival order
-- and the tie-breaker of the history's keyset (occurred_at_ms, seq).
CREATE TABLE events (
    seq                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL,
    occurred_at_ms     INTEGER NOT NULL,
    card_token         TEXT,
    app_id             TEXT,
    payload            TEXT NOT NULL,            -- JSON (domain Event; card numbers masked)
    signature_verified INTEGER NOT NULL CHECK (signature_verified IN (0, 1)),
    received_at_ms     INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_time ON events (occurred_at_ms, seq);
CREATE INDEX events_by_card ON events (card_token, occurred_at_ms, seq);
CREATE INDEX events_by_app ON events (app_id, occurred_at_ms, seq);
CREATE INDEX events_by_kind ON events (kind, occurred_at_ms, seq);

-- Events that arrived for a scope the cardholder had not granted (or had revoked): kept and
-- flagged, never shown as normal.
CREATE TABLE violations (
    event_seq      INTEGER PRIMARY KEY REFERENCES events (seq),
    app_id         TEXT NOT NULL,
    card_token     TEXT,
    scope          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    detected_at_ms INTEGER NOT NULL
) STRICT;

-- Deliveries that could not be accepted (bad signature, unparseable): kept for inspection.
CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY,
    event_id       TEXT,
    reason         TEXT NOT NULL,
    body           TEXT NOT NULL,                -- card numbers redacted
    received_at_ms INTEGER NOT NULL
) STRICT;

-- Where each platform feed was last read up to.
CREATE TABLE sync_cursors (
    feed          TEXT PRIMARY KEY,
    cursor        TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- Typed views over the events, one per kind. `payload` is the domain `Event` as JSON: the
-- envelope (id, type, occurred_at, card_token, app_id) beside the payload's fields; money is
-- {"minor": INTEGER, "currency": "EUR"}.
CREATE VIEW transactions AS
SELECT seq AS event_seq, id AS event_id, kind, occurred_at_ms, card_token, app_id,
       payload ->> '$.transaction_id'           AS transaction_id,
       payload ->> '$.amount.minor'             AS amount_minor,
       payload ->> '$.amount.currency'          AS currency,
       payload ->> '$.merchant'                 AS merchant,
       payload ->> '$.channel'                  AS channel,
       payload ->> '$.commission.minor'         AS commission_minor,
       payload ->> '$.commission.currency'      AS commission_currency
FROM events
WHERE kind IN ('transaction.authorized', 'transaction.settled', 'transaction.reversed');

CREATE VIEW receipts AS
SELECT seq AS event_seq, id AS event_id, occurred_at_ms, card_token, app_id,
       payload ->> '$.receipt.transaction_id'   AS transaction_id,
       payload ->> '$.receipt.merchant'         AS merchant,
       payload ->> '$.receipt.total.minor'      AS total_minor,
       payload ->> '$.receipt.total.currency'   AS currency,
       payload ->> '$.payment.channel'          AS channel
FROM events
WHERE kind = 'receipt.issued';

CREATE VIEW receipt_items AS
SELECT e.seq AS event_seq, line.key + 1 AS line_no,
       line.value ->> '$.quantity'              AS quantity,
       line.value ->> '$.description'           AS description,
       line.value ->> '$.unit_price.minor'      AS unit_price_minor,
       line.value ->> '$.tax.minor'             AS tax_minor,
       line.value ->> '$.total.minor'           AS total_minor,
       line.value ->> '$.total.currency'        AS currency
FROM events AS e, json_each(e.payload, '$.receipt.lines') AS line
WHERE e.kind = 'receipt.issued';

CREATE VIEW offers AS
SELECT seq AS event_seq, id AS event_id, kind, occurred_at_ms, card_token, app_id,
       payload ->> '$.offer_id'                 AS offer_id,
       payload ->> '$.code'                     AS code,
       payload ->> '$.description'              AS description,
       payload ->> '$.expires_at'               AS expires_at
FROM events
WHERE kind IN ('offer.issued', 'offer.redeemed');

CREATE VIEW recommendations AS
SELECT seq AS event_seq, id AS event_id, occurred_at_ms, card_token, app_id,
       payload ->> '$.text'                     AS text,
       payload ->> '$.product'                  AS product
FROM events
WHERE kind = 'recommendation.made';

CREATE VIEW social_posts AS
SELECT seq AS event_seq, id AS event_id, occurred_at_ms, card_token, app_id,
       payload ->> '$.network'                  AS network,
       payload ->> '$.text'                     AS text
FROM events
WHERE kind = 'social.posted';

-- Rewards are summed often (per program, per currency, per month), so they get real tables,
-- written in the event's ingest transaction.
CREATE TABLE points (
    event_seq      INTEGER PRIMARY KEY REFERENCES events (seq),
    program        TEXT NOT NULL,
    delta          INTEGER NOT NULL,
    balance        INTEGER NOT NULL,
    card_token     TEXT NOT NULL,
    app_id         TEXT,
    occurred_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX points_by_program ON points (program, occurred_at_ms);

CREATE TABLE cashback (
    event_seq      INTEGER PRIMARY KEY REFERENCES events (seq),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'paid')),
    amount_minor   INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    card_token     TEXT NOT NULL,
    app_id         TEXT,
    occurred_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX cashback_by_currency ON cashback (currency, occurred_at_ms);

-- Full-text search over merchants, receipt items and app names: one row per transaction
-- (its merchant), per receipt (merchant and line descriptions) and per app (name, publisher).
-- The rowid says what a row is about: > 0 is an event seq, < 0 is minus an apps rowid.
-- `source` is 'transaction', 'receipt' or 'app'.
CREATE VIRTUAL TABLE search_index USING fts5 (
    text,
    source UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
