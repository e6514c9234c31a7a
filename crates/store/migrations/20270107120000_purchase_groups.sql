-- Activity by purchase: the card transaction each event belongs to, so Activity can show one
-- row per purchase with the apps' reactions inside it (docs/decisions.md, "Activity by
-- purchase").
--
-- `purchase_id` is the transaction id a `transaction.*` event is a state of, or the one an app
-- event's payment names (`$.payment.transaction_id`; a receipt's payment names the same
-- transaction as the receipt). NULL for events about no purchase (consent and card changes,
-- terms, app events without a payment) and for an id longer than 128 bytes (no platform id is
-- that long: such an event stays a row of its own). A purchase is (card_token, purchase_id):
-- an event naming another card's transaction is not part of that card's purchase.
-- The ingest writes the column (events::rows); this fills it for events already stored.
ALTER TABLE events ADD COLUMN purchase_id TEXT;

UPDATE events
SET purchase_id = CASE
        WHEN kind IN ('transaction.authorized', 'transaction.settled', 'transaction.reversed')
            THEN payload ->> '$.transaction_id'
        ELSE payload ->> '$.payment.transaction_id'
    END
WHERE kind NOT IN ('consent.changed', 'app.terms_changed', 'card.changed');

UPDATE events SET purchase_id = NULL
WHERE purchase_id IS NOT NULL
  AND (typeof(purchase_id) <> 'text' OR length(CAST(purchase_id AS BLOB)) NOT BETWEEN 1 AND 128);

-- A purchase's events, in time order: the members of a listed purchase, and "is there a newer
-- event of this purchase" (a purchase is listed once, at its newest matching event).
CREATE INDEX events_by_purchase ON events (card_token, purchase_id, occurred_at_ms)
    WHERE purchase_id IS NOT NULL;
