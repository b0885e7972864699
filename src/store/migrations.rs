//! Numbered schema migrations, applied in order at start.
//!
//! Each entry is one SQL file under `migrations/`; `PRAGMA user_version`
//! records how many have run. Never edit a released migration: add one.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_accounts.sql"),
    include_str!("../../migrations/0003_practice.sql"),
    include_str!("../../migrations/0004_notes.sql"),
    include_str!("../../migrations/0005_time_zone.sql"),
    include_str!("../../migrations/0006_note_html.sql"),
    include_str!("../../migrations/0007_attempt_generator.sql"),
    include_str!("../../migrations/0008_traces.sql"),
    include_str!("../../migrations/0009_secure_delete_health.sql"),
    include_str!("../../migrations/0010_peer_reviews.sql"),
    include_str!("../../migrations/0011_span_tags.sql"),
    include_str!("../../migrations/0012_ingest_rows.sql"),
    include_str!("../../migrations/0013_tag_lists.sql"),
];

/// Brings the schema up to date.
pub fn apply(conn: &mut Connection) -> anyhow::Result<()> {
    let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
    migrations.to_latest(conn)?;
    Ok(())
}

/// Brings the schema to the first `version` migrations only, to test a
/// later migration over data in an earlier schema.
#[cfg(test)]
pub fn apply_to(conn: &mut Connection, version: usize) -> anyhow::Result<()> {
    let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
    migrations.to_version(conn, version)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
        assert!(migrations.validate().is_ok());
    }
}
