-- Fewer b-tree writes per stored event (ingest time is mostly b-tree inserts; see
-- docs/decisions.md, "Ingest speed").
--
-- 1. Most events (every transaction) have no app: index only the ones that do. Queries filter
--    with `app_id = ?`, which implies `app_id IS NOT NULL`, so SQLite still uses the index.
DROP INDEX events_by_app;
CREATE INDEX events_by_app ON events (app_id, occurred_at_ms, seq) WHERE app_id IS NOT NULL;

-- 2. The search index keeps no copy of the text it indexes (`content=''`): that text is in the
--    rows it was made of, and a hit's text is rebuilt from them (store::search). Nor per-row
--    token counts (`columnsize=0`): they only serve bm25 ranking, and hits come newest first.
--    Rows: rowid > 0 is an event seq (a transaction: its merchant; a receipt: its merchant and
--    lines), rowid < 0 is minus an apps rowid (its name and publisher). The `source` column
--    goes: the event's kind, or the rowid's sign, says what a row is about.
--    A contentless row is removed with the text it was indexed with:
--    `INSERT INTO search_index (search_index, rowid, text) VALUES ('delete', ?, ?)`.
CREATE VIRTUAL TABLE search_index_next USING fts5 (
    text,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index_next (rowid, text)
SELECT rowid, text FROM search_index;
DROP TABLE search_index;
ALTER TABLE search_index_next RENAME TO search_index;
