-- The directory's texts in languages other than English (the default, kept in `apps` and
-- `superseded_terms`), and the language each cardholder reads.

-- What the cardholder's latest authenticated request asked for in `Accept-Language` (the
-- language the platform negotiated from it); NULL until one says: English. Texts the platform
-- writes into the cardholder's events are in this language.
ALTER TABLE cardholders ADD COLUMN language TEXT;

-- An app's description and category in another language.
CREATE TABLE app_texts (
    app_id      TEXT NOT NULL REFERENCES apps (id),
    language    TEXT NOT NULL,
    description TEXT NOT NULL,
    category    TEXT NOT NULL,
    PRIMARY KEY (app_id, language)
);

-- One version of an app's terms in another language: the same terms, another text (and hash).
-- A consent statement may carry the hash of any text of its version.
CREATE TABLE terms_translations (
    app_id   TEXT NOT NULL REFERENCES apps (id),
    version  INTEGER NOT NULL,
    language TEXT NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (app_id, version, language)
);
