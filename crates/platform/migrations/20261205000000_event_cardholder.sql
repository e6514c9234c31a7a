-- Every event body names the cardholder it is for (top-level "cardholder_id", inside the
-- signed bytes), so a delivery cannot be replayed into another cardholder's wallet. Bodies
-- stored before that get the field here; deliveries are signed when served, so the new
-- bytes are what gets signed from now on.
UPDATE events
SET body = json_set(body, '$.cardholder_id', cardholder_id)
WHERE json_valid(body) AND json_extract(body, '$.cardholder_id') IS NULL;
