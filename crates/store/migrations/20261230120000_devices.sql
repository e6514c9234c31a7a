-- The cardholder's devices as the platform last listed them, so that every screen can say
-- which device made a change (by name) without the network. `removed_at_ms`: the cardholder
-- removed it; what it signs from then on is refused.
CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    added_at_ms   INTEGER NOT NULL,
    removed_at_ms INTEGER,
    listed_at_ms  INTEGER NOT NULL          -- when the platform last listed it
) STRICT;
