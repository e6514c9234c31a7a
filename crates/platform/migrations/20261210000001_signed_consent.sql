-- The device-signed change (consentry_domain::SignedConsent, JSON) that produced the grant's
-- current state; NULL when the platform made the last change itself (new terms, an unlinked
-- card) and for grants stored before consent changes were signed.
ALTER TABLE grants ADD COLUMN signed_json TEXT;

-- Terms an app has replaced, so a signed change that names an earlier terms version (a revoke
-- of a grant agreed under it) is checked against that version's text. The current terms stay
-- in `apps`.
CREATE TABLE superseded_terms (
    app_id        TEXT NOT NULL REFERENCES apps (id),
    version       INTEGER NOT NULL,
    text          TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (app_id, version)
);
