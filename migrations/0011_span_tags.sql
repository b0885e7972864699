-- 0011: tags of received spans for search, and sharing received traces.

-- The scalar attributes of received spans as (key, value) text, for the
-- "My traces" search by `key=value` tags. Written at ingest (spans stored
-- before this migration have none); removed with their span.
CREATE TABLE received_span_tags (
    span_row INTEGER NOT NULL REFERENCES received_spans(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    UNIQUE (span_row, key, value)
) STRICT;
CREATE INDEX received_span_tags_search ON received_span_tags(user_id, key, value);

-- "Errors only": the member's traces with an error, newest first, without
-- reading the others.
CREATE INDEX received_traces_user_errors ON received_traces(user_id, start_ns) WHERE error_count > 0;

-- Duration search reads the trace rows (end_ns - start_ns); this index of
-- span durations was never used and cost one insert per span.
DROP INDEX received_spans_duration;

-- A received trace its owner shared read-only with the group: when (unix
-- seconds), or NULL.
ALTER TABLE received_traces ADD COLUMN shared_at INTEGER;
