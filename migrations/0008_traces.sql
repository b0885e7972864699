-- 0008: traces that members' own applications send over OTLP.

-- Ingest tokens: only a SHA-256 of the token is stored; it is shown once.
CREATE TABLE ingest_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX ingest_tokens_user ON ingest_tokens(user_id);

-- Resources and scopes as sent (prost-encoded `Resource` + schema URL and
-- `InstrumentationScope` + schema URL), stored once per member and digest.
CREATE TABLE otlp_resources (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest  BLOB NOT NULL,
    body    BLOB NOT NULL,
    UNIQUE (user_id, digest)
) STRICT;
CREATE TABLE otlp_scopes (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest  BLOB NOT NULL,
    body    BLOB NOT NULL,
    UNIQUE (user_id, digest)
) STRICT;

-- One row per (member, trace id), updated as batches arrive in any order.
-- Times: *_ns are the spans' unix nanoseconds, *_at unix seconds of receipt.
CREATE TABLE received_traces (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    trace_id         BLOB NOT NULL CHECK (length(trace_id) = 16),
    span_count       INTEGER NOT NULL DEFAULT 0,
    error_count      INTEGER NOT NULL DEFAULT 0,
    start_ns         INTEGER NOT NULL,
    end_ns           INTEGER NOT NULL,
    root_service     TEXT,
    root_name        TEXT,
    first_received_at INTEGER NOT NULL,
    last_received_at INTEGER NOT NULL,
    UNIQUE (user_id, trace_id)
) STRICT;
CREATE INDEX received_traces_user_start ON received_traces(user_id, start_ns);
CREATE INDEX received_traces_user_age ON received_traces(user_id, last_received_at);

-- Each span losslessly: the prost-encoded `opentelemetry.proto.trace.v1.Span`
-- plus its resource and scope, with indexed columns for search.
CREATE TABLE received_spans (
    id             INTEGER PRIMARY KEY,
    trace_row      INTEGER NOT NULL REFERENCES received_traces(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    span_id        BLOB NOT NULL CHECK (length(span_id) = 8),
    parent_span_id BLOB,
    service        TEXT NOT NULL,
    name           TEXT NOT NULL,
    start_ns       INTEGER NOT NULL,
    duration_ns    INTEGER NOT NULL,
    error          INTEGER NOT NULL CHECK (error IN (0, 1)),
    resource_id    INTEGER NOT NULL REFERENCES otlp_resources(id),
    scope_id       INTEGER NOT NULL REFERENCES otlp_scopes(id),
    body           BLOB NOT NULL,
    UNIQUE (trace_row, span_id)
) STRICT;
CREATE INDEX received_spans_search ON received_spans(user_id, service, name, start_ns);
CREATE INDEX received_spans_duration ON received_spans(user_id, duration_ns);

-- Spans stored per member, kept with the rows above for the per-member cap.
CREATE TABLE received_usage (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    span_count INTEGER NOT NULL DEFAULT 0
) STRICT;
