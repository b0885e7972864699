-- 0006: the rendered HTML of each note, cached for the revision of its body
-- it was rendered from, so that viewing a note (a shared one above all) does
-- not render it again. `body_rev` counts changes of `notes.body`; a cached
-- row is used only while its `body_rev` is the note's.
ALTER TABLE notes ADD COLUMN body_rev INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER notes_body_rev AFTER UPDATE OF body ON notes
WHEN old.body IS NOT new.body BEGIN
    UPDATE notes SET body_rev = old.body_rev + 1 WHERE id = new.id;
END;

CREATE TABLE note_html (
    note_id  INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE,
    body_rev INTEGER NOT NULL,
    html     TEXT NOT NULL
) STRICT;
