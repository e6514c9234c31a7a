-- A device removed by another device of its cardholder: its token stops working and the
-- platform takes no change from it any more. The row stays, so its name still explains
-- the changes it made before.
ALTER TABLE devices ADD COLUMN removed_at TEXT;
ALTER TABLE devices ADD COLUMN removed_by TEXT;
