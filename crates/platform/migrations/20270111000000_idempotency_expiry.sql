-- Idempotency keys expire after 24 hours: lookups skip older rows and every stored key
-- deletes them, both by creation time.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
