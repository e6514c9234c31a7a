-- The platform serves the directory in the cardholder's language, and each version of an app's
-- terms has one text per language (docs/decisions.md, "Platform texts in the cardholder's
-- language").

-- The language the platform said it served the cached listing in (`Content-Language`); NULL
-- for a listing cached before the wallet asked.
ALTER TABLE apps ADD COLUMN language TEXT;

-- Every text of every version of every app's terms the wallet has seen, now one row per text:
-- a version read in English and in French is two texts with two hashes, and the consent ledger
-- points at the one the cardholder agreed to by (app_id, terms_version, terms_hash).
CREATE TABLE app_terms_by_text (
    app_id           TEXT NOT NULL,
    terms_version    INTEGER NOT NULL,
    terms_hash       TEXT NOT NULL,
    terms_text       TEXT NOT NULL,
    seen_at_ms       INTEGER NOT NULL,
    requested_scopes TEXT,                       -- JSON array of scope names (NULL: unknown)
    language         TEXT,                       -- the text's language (NULL: not said)
    PRIMARY KEY (app_id, terms_version, terms_hash)
) STRICT;

INSERT INTO app_terms_by_text
    (app_id, terms_version, terms_hash, terms_text, seen_at_ms, requested_scopes)
SELECT app_id, terms_version, terms_hash, terms_text, seen_at_ms, requested_scopes FROM app_terms;

DROP TABLE app_terms;
ALTER TABLE app_terms_by_text RENAME TO app_terms;
