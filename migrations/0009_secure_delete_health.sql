-- 0009: deleted text leaves no trace in the database file. Every connection
-- sets `PRAGMA secure_delete = ON` (deleted rows and freed pages are zeroed);
-- FTS5 keeps the tokens of a deleted row in its index until a merge, unless
-- its own `secure-delete` option is on (SQLite 3.42+), which removes them at
-- once. `optimize` merges the index so that tokens of rows deleted before
-- this migration go too.
INSERT INTO notes_fts (notes_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO notes_fts (notes_fts) VALUES ('optimize');

-- One row that `/healthz` rewrites, so that a database that cannot be
-- written (read-only directory, full disk) is reported, not only one that
-- cannot be read.
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
) STRICT;
