-- 0013: each span's tags listed in its row, and each trace's in its row.
--
-- A span's tags were (span_row, tag) rows in two B-trees, written at ingest
-- and deleted at eviction: the largest share of the single writer's time.
-- Now rows list ids of `received_tag_values` as text, each id between
-- commas (",3,17,"), so that one is found with `instr(tags, ',17,')`. Two
-- more values per member stand for a span's service and name: key '' (no
-- attribute has an empty key; the receiver skips them) and value
-- 'service:NAME' or 'name:NAME'.
-- - `received_spans.tags`: the span's tag ids, its service's and its
--   name's, sorted.
-- - `received_traces.tags`: the distinct lists of its spans joined by '|'
--   (",3,17,|,4,17,"), so that a search tells whether one span of the trace
--   has every condition without reading its spans (the SQL function
--   `one_span_has`, `store::traces::tag_lists`); NULL when longer than
--   `store::traces::MAX_TRACE_TAG_LISTS` (8,192 bytes), and then its spans
--   are read.
-- Tag values that no list names any more are removed by the store's
-- maintenance (`store::traces::write::maintain`).

ALTER TABLE received_spans ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE received_traces ADD COLUMN tags TEXT DEFAULT '';

INSERT OR IGNORE INTO received_tag_values (user_id, key, value)
    SELECT DISTINCT user_id, '', 'service:' || service FROM received_spans
    UNION
    SELECT DISTINCT user_id, '', 'name:' || name FROM received_spans;

UPDATE received_spans SET tags = (
    SELECT ',' || group_concat(id, ',' ORDER BY id) || ','
    FROM (
        SELECT g.tag AS id FROM received_span_tags g WHERE g.span_row = received_spans.id
        UNION
        SELECT v.id FROM received_tag_values v
        WHERE v.user_id = received_spans.user_id AND v.key = ''
          AND v.value IN ('service:' || received_spans.service, 'name:' || received_spans.name)));

UPDATE received_traces SET tags = (
    SELECT CASE WHEN length(group_concat(l, '|')) > 8192 THEN NULL
                ELSE coalesce(group_concat(l, '|'), '') END
    FROM (SELECT DISTINCT s.tags AS l FROM received_spans s WHERE s.trace_row = received_traces.id));

DROP TABLE received_span_tags;
