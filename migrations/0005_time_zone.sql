-- 0005: each member's time zone, an IANA name (e.g. `Europe/Paris`) checked
-- by the app; their days (streaks, the heatmap, the dates they are shown)
-- follow it.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
