-- Fewer b-tree writes per stored event (ingest time is mostly b-tree inserts; see
-- docs/decisions.md, "Ingest speed").
--
-- 1. Most events (every transaction) have no app: index only the ones that do. Queries filter
--    with `app_id = ?`, which implies `app_id IS NOT NULL`, so SQLite still uses the index.
DROP INDEX events_by_app;
CREATE INDEX events_by_app ON events (app_id, occurred_at_ms, seq) WHERE app_id IS NOT NULL;

-- 2. The search index without per-row token counts (`columnsize=0`): they serve only ranking
--    (bm25), which the wallet does not use — hits come newest first. The rows are copied as
--    they are: same rowids (event seq, or minus an apps rowid), same text, same source.
CREATE VIRTUAL TABLE search_index_next USING fts5 (
    text,
    source UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
INSERT INTO search_index_next (rowid, text, source)
SELECT rowid, text, source FROM search_index;
DROP TABLE search_index;
ALTER TABLE search_index_next RENAME TO search_index;
