-- When a rotation retired the key. A key retired less than the overlap ago still signs every
-- delivery next to the active key (dual signatures). NULL for keys not retired and for keys
-- retired before overlaps existed: those never co-sign.
ALTER TABLE signing_keys ADD COLUMN retired_at TEXT;
