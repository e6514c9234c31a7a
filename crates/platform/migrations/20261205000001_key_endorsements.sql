-- Each signing key after the first is endorsed by the key made before it: a JSON object
-- {"signed_by": "<key id>", "signature": "v1a,<base64>"} over
-- "consentry.key-endorsement.v1.{key_id}.{public_key}". NULL for the first key, and for
-- keys stored before endorsements existed (the platform signs and stores those at start).
ALTER TABLE signing_keys ADD COLUMN endorsement TEXT;
