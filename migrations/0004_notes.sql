-- 0003: personal learning notes, every earlier version of them, and their
-- full-text index. Self-contained: tables, indexes and the triggers that keep
-- the FTS5 index in step with `notes`.

-- `uid` is the note's stable public id (16 hex digits): it travels in exports
-- so that importing the same file twice is detected. Tags are normalised
-- (lowercase, no spaces) and stored space-separated. A note in the trash has
-- `deleted_at` set; it is purged 30 days later.
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL CHECK (length(uid) = 16),
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '',
    lesson     TEXT,
    question   TEXT,
    shared     INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER,
    UNIQUE (user_id, uid)
) STRICT;
CREATE INDEX notes_owner ON notes(user_id, deleted_at, updated_at);
CREATE INDEX notes_lesson ON notes(user_id, lesson) WHERE lesson IS NOT NULL;
CREATE INDEX notes_question ON notes(user_id, question) WHERE question IS NOT NULL;
CREATE INDEX notes_shared ON notes(shared, updated_at) WHERE shared = 1;
CREATE INDEX notes_trash ON notes(deleted_at) WHERE deleted_at IS NOT NULL;

-- The previous version of a note, kept at every save and restore.
CREATE TABLE note_revisions (
    id       INTEGER PRIMARY KEY,
    note_id  INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    tags     TEXT NOT NULL,
    saved_at INTEGER NOT NULL
) STRICT;
CREATE INDEX note_revisions_note ON note_revisions(note_id, id);

-- Full-text index over title, body and tags; `notes` holds the text.
CREATE VIRTUAL TABLE notes_fts USING fts5(
    title, body, tags,
    content = 'notes', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, title, body, tags)
    VALUES (new.id, new.title, new.body, new.tags);
END;
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body, tags)
    VALUES ('delete', old.id, old.title, old.body, old.tags);
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE OF title, body, tags ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body, tags)
    VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO notes_fts (rowid, title, body, tags)
    VALUES (new.id, new.title, new.body, new.tags);
END;
