-- One token per card per cardholder: a keyed fingerprint of the number (HMAC-SHA-256 under a
-- key the platform keeps below) recognises a card that is already linked, without the number.
ALTER TABLE cards ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX cards_active_fingerprint ON cards (cardholder_id, fingerprint)
    WHERE status = 'active' AND fingerprint IS NOT NULL;

-- Keys the platform generates once and keeps (the fingerprint key).
CREATE TABLE platform_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
