-- What the wallet learned about the platform's feed that is not an event (decisions in
-- docs/decisions.md, "A hostile platform").
--
-- 1. Stretches of the feed that could not be read after a bounded number of tries, skipped so
--    that the events behind them flow: `after_cursor` < position <= `until_cursor`. `event_id`
--    when one delivery is known to be the cause (a stale delivery the platform keeps serving).
--    Open gaps (`closed_at_ms IS NULL`) are shown and retried.
CREATE TABLE feed_gaps (
    id             INTEGER PRIMARY KEY,
    after_cursor   INTEGER NOT NULL,
    until_cursor   INTEGER NOT NULL,
    event_id       TEXT,
    error          TEXT NOT NULL,
    tries          INTEGER NOT NULL DEFAULT 1,
    opened_at_ms   INTEGER NOT NULL,
    last_try_at_ms INTEGER NOT NULL,
    closed_at_ms   INTEGER
) STRICT;
CREATE INDEX feed_gaps_open ON feed_gaps (id) WHERE closed_at_ms IS NULL;

-- 2. The feed position by which the platform had everything it made before it acknowledged
--    a change: set at the end of the first complete read of the feed that started after the
--    acknowledgement. An app event for a revoked grant found past that position was made
--    after the platform knew of the revocation, whatever time it claims.
ALTER TABLE outbox ADD COLUMN feed_horizon INTEGER;

-- 3. Events whose claimed time lies before the wallet's previous complete read of the feed
--    (by more than the window in sync's `feed.rs`): the platform held them back or back-dated them.
CREATE TABLE late_events (
    event_seq INTEGER PRIMARY KEY REFERENCES events (seq),
    late_by_ms INTEGER NOT NULL
) STRICT;
