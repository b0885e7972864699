//! `spandojo user …` and `spandojo invite …`: membership from the shell.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use spandojo::accounts;
use spandojo::clock::{self, TimeZone, now};
use spandojo::store::{Store, invites, users};

use crate::{DataArgs, InviteCommand, UserCommand};

/// The command line shows times in UTC.
fn utc_date_time(unix: i64) -> String {
    clock::date_time(unix, &TimeZone::UTC)
}

fn open_store(data: &DataArgs) -> anyhow::Result<Store> {
    let config = spandojo::Config::new(&data.data_dir);
    Store::open(&config.database_path())
        .with_context(|| format!("cannot use the data directory {}", data.data_dir.display()))
}

/// Runs a `user` subcommand.
pub fn user(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            name,
            admin,
            display_name,
            password_stdin,
            data,
        } => {
            let username = accounts::normalize_username(&name).map_err(anyhow::Error::msg)?;
            let display =
                accounts::normalize_display_name(display_name.as_deref().unwrap_or(""), &username)
                    .map_err(anyhow::Error::msg)?;
            let store = open_store(&data)?;
            if store.call_blocking(|c| users::username_taken(c, &username))? {
                bail!("the username {username} is taken");
            }
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("cannot read the password from stdin")?;
                let line = line.trim_end_matches(['\n', '\r']).to_string();
                accounts::check_new_password(&line, &line).map_err(anyhow::Error::msg)?;
                line
            } else {
                let first =
                    rpassword::prompt_password("Password: ").context("cannot read the password")?;
                let second =
                    rpassword::prompt_password("Again: ").context("cannot read the password")?;
                accounts::check_new_password(&first, &second).map_err(anyhow::Error::msg)?;
                first
            };
            let hash = accounts::hash_password(&password)?;
            let id = store
                .call_blocking(|c| users::create(c, &username, &display, &hash, admin, now()))?
                .with_context(|| format!("the username {username} is taken"))?;
            println!(
                "added {}{username} (id {id})",
                if admin { "admin " } else { "" }
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { data } => {
            let store = open_store(&data)?;
            for u in store.call_blocking(|c| users::list(c))? {
                println!(
                    "{:<32} {:<6} joined {}  {}",
                    u.username,
                    if u.is_admin { "admin" } else { "member" },
                    clock::date(u.created_at, &TimeZone::UTC),
                    u.display_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Parses `7d`, `12h`, `30m` or `never` into seconds (`None` = never).
pub fn parse_expiry(text: &str) -> anyhow::Result<Option<i64>> {
    let text = text.trim();
    if text == "never" || text == "0" {
        return Ok(None);
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let per = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => bail!("--expires takes a duration like 7d, 12h or 30m, or never"),
    };
    let n: i64 = number
        .parse()
        .with_context(|| format!("--expires: {text:?} is not a duration like 7d"))?;
    if !(1..=365 * 86_400 / per).contains(&n) {
        bail!("--expires must be between 1 minute and 365 days");
    }
    Ok(Some(n * per))
}

/// Runs an `invite` subcommand.
pub fn invite(command: InviteCommand) -> anyhow::Result<ExitCode> {
    match command {
        InviteCommand::Create {
            uses,
            expires,
            data,
        } => {
            if !(1..=500).contains(&uses) {
                bail!("--uses must be between 1 and 500");
            }
            let lifetime = parse_expiry(&expires)?;
            let store = open_store(&data)?;
            let code = accounts::new_invite_code();
            let now = now();
            let expires_at = lifetime.map(|s| now + s);
            store.call_blocking(|c| invites::create(c, &code, uses, expires_at, None, now))?;
            println!(
                "invite {code}: {uses} use{}, expires {}",
                if uses == 1 { "" } else { "s" },
                expires_at
                    .map(utc_date_time)
                    .unwrap_or_else(|| "never".into())
            );
            println!("members join at /register?code={code}");
            Ok(ExitCode::SUCCESS)
        }
        InviteCommand::List { data } => {
            let store = open_store(&data)?;
            for i in store.call_blocking(|c| invites::list(c))? {
                println!(
                    "{}  {} of {} uses left  expires {}{}",
                    i.code,
                    i.uses_left,
                    i.max_uses,
                    i.expires_at
                        .map(utc_date_time)
                        .unwrap_or_else(|| "never".into()),
                    if i.revoked { "  (revoked)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiry_durations() {
        assert_eq!(parse_expiry("7d").unwrap(), Some(7 * 86_400));
        assert_eq!(parse_expiry("12h").unwrap(), Some(12 * 3_600));
        assert_eq!(parse_expiry("never").unwrap(), None);
        for bad in ["7", "d", "-1d", "400d", "1y", "x"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}
