-- 0003: practice sessions, attempts, FSRS cards, question flags, leaderboard opt-out.
CREATE TABLE practice_sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mode         TEXT NOT NULL CHECK (mode IN ('practice', 'review', 'interview')),
    level        TEXT,
    topic        TEXT,
    question_ids TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    shared       INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1))
) STRICT;
CREATE INDEX practice_sessions_user ON practice_sessions(user_id, started_at);

-- One row per answered question of a session; (session, position) is unique,
-- so a double submit never records a second attempt.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id  INTEGER NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    level       TEXT NOT NULL,
    answer      TEXT NOT NULL,
    correct     INTEGER CHECK (correct IN (0, 1)),
    rating      INTEGER CHECK (rating BETWEEN 1 AND 4),
    seed        INTEGER,
    answered_at INTEGER NOT NULL,
    rated_at    INTEGER,
    UNIQUE (session_id, position)
) STRICT;
CREATE INDEX attempts_user_time ON attempts(user_id, answered_at);
CREATE INDEX attempts_user_question ON attempts(user_id, question_id);

-- FSRS memory state per member and question.
CREATE TABLE cards (
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    question_id    TEXT NOT NULL,
    stability      REAL NOT NULL,
    difficulty     REAL NOT NULL,
    due_at         INTEGER NOT NULL,
    last_review_at INTEGER NOT NULL,
    reps           INTEGER NOT NULL,
    lapses         INTEGER NOT NULL,
    PRIMARY KEY (user_id, question_id)
) STRICT;
CREATE INDEX cards_due ON cards(user_id, due_at);

CREATE TABLE question_flags (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    question_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
) STRICT;

ALTER TABLE users ADD COLUMN on_leaderboard INTEGER NOT NULL DEFAULT 1 CHECK (on_leaderboard IN (0, 1));
