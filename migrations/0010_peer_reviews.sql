-- 0010: peer review of shared interviews. A group member comments on one
-- answer (a session and a position) and may rate it; the session's owner
-- sees every comment. A comment is kept until its writer deletes it (or the
-- writer's account, or the session, is removed); unsharing only hides it
-- from the group.
CREATE TABLE peer_comments (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 0),
    author_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    rating     INTEGER CHECK (rating BETWEEN 1 AND 4),
    created_at INTEGER NOT NULL,
    CHECK (body <> '' OR rating IS NOT NULL)
) STRICT;
CREATE INDEX peer_comments_session ON peer_comments(session_id, position, id);
CREATE INDEX peer_comments_author ON peer_comments(author_id);
