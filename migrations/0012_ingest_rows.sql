-- 0012: cheaper rows per received span, and nothing left behind by eviction.
--
-- Each span used to cost three B-tree inserts per tag (the tag row, its
-- unique index and its search index, each holding the key and value text)
-- and four foreign-key lookups. Now:
-- - a tag's (key, value) text is stored once per member in
--   `received_tag_values`, and a span's tags are (span_row, tag) integer
--   pairs in a WITHOUT ROWID table, with one index to search by tag;
-- - `received_spans` keeps one foreign key, its trace row (deleting a trace
--   deletes its spans by cascade), and tags none: removing a trace deletes
--   its spans' tags first (`store::traces::write::remove`). Tags, resources,
--   scopes and tag values no longer referenced (a member deleted, evicted
--   spans) are removed by the store's maintenance
--   (`store::traces::write::maintain`), in one pass each.

CREATE TABLE received_tag_values (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    UNIQUE (user_id, key, value)
) STRICT;

CREATE TABLE received_spans_new (
    id             INTEGER PRIMARY KEY,
    trace_row      INTEGER NOT NULL REFERENCES received_traces(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    span_id        BLOB NOT NULL CHECK (length(span_id) = 8),
    parent_span_id BLOB,
    service        TEXT NOT NULL,
    name           TEXT NOT NULL,
    start_ns       INTEGER NOT NULL,
    duration_ns    INTEGER NOT NULL,
    error          INTEGER NOT NULL CHECK (error IN (0, 1)),
    resource_id    INTEGER NOT NULL,
    scope_id       INTEGER NOT NULL,
    body           BLOB NOT NULL,
    UNIQUE (trace_row, span_id)
) STRICT;
INSERT INTO received_spans_new
    SELECT id, trace_row, user_id, span_id, parent_span_id, service, name, start_ns,
           duration_ns, error, resource_id, scope_id, body
    FROM received_spans;

CREATE TABLE received_span_tags_new (
    span_row INTEGER NOT NULL,
    tag      INTEGER NOT NULL,
    PRIMARY KEY (span_row, tag)
) STRICT, WITHOUT ROWID;
INSERT INTO received_tag_values (user_id, key, value)
    SELECT DISTINCT user_id, key, value FROM received_span_tags;
INSERT OR IGNORE INTO received_span_tags_new (span_row, tag)
    SELECT t.span_row, v.id FROM received_span_tags t
    JOIN received_tag_values v ON v.user_id = t.user_id AND v.key = t.key AND v.value = t.value;

DROP TABLE received_span_tags;
DROP TABLE received_spans;
ALTER TABLE received_spans_new RENAME TO received_spans;
ALTER TABLE received_span_tags_new RENAME TO received_span_tags;
CREATE INDEX received_spans_search ON received_spans(user_id, service, name, start_ns);
CREATE INDEX received_span_tags_by_tag ON received_span_tags(tag, span_row);
