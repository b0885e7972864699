//! `spandojo token …`: ingest tokens for OTLP, from the shell.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use spandojo::clock::{self, TimeZone};
use spandojo::store::traces::tokens::{self, CreateError};
use spandojo::store::{Store, users};

use crate::DataArgs;

/// `spandojo token …`.
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an ingest token for USER and print the two environment lines
    /// an OpenTelemetry SDK needs (the token is shown only here).
    Create {
        /// The member's username.
        user: String,
        /// A name to recognise the token by (e.g. laptop).
        #[arg(long, default_value = "cli")]
        name: String,
        /// The OTLP/HTTP base URL senders use (the serve's --otlp-http-addr).
        #[arg(long, default_value = "http://127.0.0.1:4318")]
        endpoint: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List USER's tokens (never the tokens themselves).
    List {
        /// The member's username.
        user: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke USER's token ID (as `token list` shows it).
    Revoke {
        /// The member's username.
        user: String,
        /// The token's id.
        id: i64,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn open(data: &DataArgs, user: &str) -> anyhow::Result<(Store, i64)> {
    let config = spandojo::Config::new(&data.data_dir);
    let db = config.database_path();
    anyhow::ensure!(db.exists(), "there is no database at {}", db.display());
    let store = Store::open(&db)
        .with_context(|| format!("cannot use the data directory {}", data.data_dir.display()))?;
    let found = store.call_blocking(|c| users::with_hash(c, user))?;
    let Some((member, _)) = found else {
        bail!("there is no member named {user:?}");
    };
    Ok((store, member.id))
}

/// Runs a `token` subcommand.
pub fn run(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            user,
            name,
            endpoint,
            data,
        } => {
            let (store, id) = open(&data, &user)?;
            let created = store.call_blocking(|c| tokens::create(c, id, &name, clock::now()))?;
            let token = match created {
                Ok((_, token)) => token,
                Err(CreateError::TooMany) => bail!(
                    "{user} has {} live tokens, the most allowed: revoke one first",
                    tokens::MAX_TOKENS_PER_MEMBER
                ),
            };
            for line in spandojo::otlp::env_lines(endpoint.trim_end_matches('/'), &token) {
                println!("{line}");
            }
        }
        TokenCommand::List { user, data } => {
            let (store, id) = open(&data, &user)?;
            for t in store.call_blocking(|c| tokens::list(c, id))? {
                let when = |t: i64| clock::date_time(t, &TimeZone::UTC);
                println!(
                    "{}  {}  created {}  last used {}{}",
                    t.id,
                    t.name,
                    when(t.created_at),
                    t.last_used_at.map_or_else(|| "never".into(), when),
                    if t.revoked_at.is_some() {
                        "  revoked"
                    } else {
                        ""
                    }
                );
            }
        }
        TokenCommand::Revoke { user, id, data } => {
            let (store, member) = open(&data, &user)?;
            if !store.call_blocking(|c| tokens::revoke(c, member, id, clock::now()))? {
                bail!("{user} has no live token {id}");
            }
            println!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
