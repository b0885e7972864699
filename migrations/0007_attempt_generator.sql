-- The simulator's generator version that drew a simulator question's trace:
-- a seed reopens the same trace only with the same version. Attempts
-- recorded before versions existed were drawn by version 1.
ALTER TABLE attempts ADD COLUMN generator INTEGER NOT NULL DEFAULT 1;
