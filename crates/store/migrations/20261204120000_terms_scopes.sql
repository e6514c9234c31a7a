-- The scopes an app asked for with each version of its terms, so that re-consent can show
-- what a new version adds or drops. NULL for a version cached before this column existed
-- (its scopes are unknown, and the wallet says so rather than guessing).
ALTER TABLE app_terms ADD COLUMN requested_scopes TEXT;   -- JSON array of scope names

-- Each app's current version asks for what its directory row lists.
UPDATE app_terms
SET requested_scopes = (
    SELECT a.requested_scopes FROM apps a
    WHERE a.id = app_terms.app_id AND a.terms_version = app_terms.terms_version
);
