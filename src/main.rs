//! The `spandojo` command line: a thin shell over the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use spandojo::Config;
use spandojo::content::Content;
use spandojo::store::Store;
use spandojo::web::serve::ServeLimits;

mod cli;

/// mimalloc as the allocator: glibc's malloc keeps freed memory in
/// per-thread arenas, and under 200 simultaneous logins (Argon2's 19 MiB
/// blocks on many blocking threads, at most 8 at once) the server's peak
/// resident memory reached 2.2 GiB with it; mimalloc returns freed
/// segments to the system.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "spandojo",
    version,
    about = "A self-hosted trainer for distributed tracing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app.
    Serve(ServeArgs),
    /// Validate the content (lessons, questions, scenarios) and print counts.
    Check {
        #[command(flatten)]
        content: ContentArgs,
        /// Print the counts as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Manage members from the shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage invite codes from the shell.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Manage OTLP ingest tokens from the shell.
    #[command(subcommand)]
    Token(cli::token::TokenCommand),
    /// The trace simulator: list scenarios, generate traces.
    #[command(subcommand)]
    Sim(cli::sim::SimCommand),
    /// Explain a W3C traceparent header (exit 0 when valid, 1 with the reason when not).
    Traceparent {
        /// The header value, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.
        #[arg(allow_hyphen_values = true)]
        header: String,
        /// A tracestate header to check too.
        #[arg(long, allow_hyphen_values = true)]
        tracestate: Option<String>,
    },
    /// Write a consistent copy of the database to FILE (safe while serving).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a member; the password is read from a prompt (or stdin), never from arguments.
    Add {
        /// Username: 3 to 32 of a-z, 0-9, _ and -.
        name: String,
        /// Make the member an admin.
        #[arg(long)]
        admin: bool,
        /// Name shown to the group (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input (for scripts).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List members.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum InviteCommand {
    /// Create an invite code.
    Create {
        /// How many people may join with it (1 to 500).
        #[arg(long, default_value_t = 1)]
        uses: i64,
        /// How long it stays valid: e.g. 7d, 12h, or never.
        #[arg(long, default_value = "7d")]
        expires: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List invite codes.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SPANDOJO_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    content: ContentArgs,
    /// Require a login for every page (lessons and simulator included).
    #[arg(long, env = "SPANDOJO_PRIVATE")]
    private: bool,
    /// Mark cookies Secure (use when a TLS proxy serves the app over HTTPS).
    #[arg(long, env = "SPANDOJO_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The URL members use to reach the app (for printed links); an https URL implies --secure-cookies.
    #[arg(long, env = "SPANDOJO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Most open connections from one IP address (raise it behind a proxy
    /// that does not pass the client's address, or for a load test).
    #[arg(long, env = "SPANDOJO_MAX_CONNECTIONS_PER_IP", default_value_t = 64)]
    max_connections_per_ip: usize,
    #[command(flatten)]
    otlp: cli::otlp::OtlpArgs,
    /// Earlier versions kept per note; older ones are deleted when a note is saved.
    #[arg(long, env = "SPANDOJO_NOTE_REVISIONS", default_value_t = spandojo::notes::quota::DEFAULT_REVISIONS_PER_NOTE,
          value_parser = clap::value_parser!(u16).range(1..))]
    note_revisions: u16,
    /// Most text one member's notes may take, in MiB (notes, trash and versions).
    #[arg(long, env = "SPANDOJO_NOTES_QUOTA_MIB", default_value_t = spandojo::notes::quota::DEFAULT_MIB_PER_MEMBER,
          value_parser = clap::value_parser!(u32).range(1..))]
    notes_quota_mib: u32,
}

#[derive(Args)]
struct DataArgs {
    /// Directory for the SQLite database; created on first start.
    #[arg(long = "data", env = "SPANDOJO_DATA", default_value = "./data")]
    data_dir: PathBuf,
}

#[derive(Args)]
struct ContentArgs {
    /// Read content from this directory instead of the copy built into the binary.
    #[arg(long = "content", env = "SPANDOJO_CONTENT")]
    content_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Check { content, json } => check(content, json),
        Command::Backup { file, data } => backup(&file, data),
        Command::User(command) => cli::members::user(command),
        Command::Invite(command) => cli::members::invite(command),
        Command::Token(command) => cli::token::run(command),
        Command::Sim(command) => cli::sim::run(command),
        Command::Traceparent { header, tracestate } => {
            cli::sim::traceparent(&header, tracestate.as_deref())
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("spandojo: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "spandojo=info,tower_http=info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        // The address really bound: with port 0 the system chooses one.
        let addr = listener.local_addr().unwrap_or(args.addr);
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        let mut otlp = args.otlp.settings()?;
        let otlp_listeners = cli::otlp::bind(&mut otlp).await?;
        let config = Config {
            data_dir: args.data.data_dir,
            content_dir: args.content.content_dir,
            private: args.private,
            secure_cookies: args.secure_cookies,
            public_url: Some(public_url.clone()),
            check_host: args.public_url.is_some(),
            budget: spandojo::budget::Limits::for_machine(),
            otlp,
            notes_quota: spandojo::notes::quota::Quota {
                revisions_per_note: usize::from(args.note_revisions),
                bytes_per_member: u64::from(args.notes_quota_mib) * 1024 * 1024,
            },
        };
        let state = spandojo::web::build_state(config)?;
        let setup_token = spandojo::web::issue_setup_token(&state.store)?;
        let budget = state.budget.clone();
        let state_for_otlp = state.clone();
        let app = spandojo::web::router(state);
        println!("spandojo is running at http://{addr}/ (Ctrl-C to stop)");
        if let Some(token) = setup_token {
            println!(
                "No accounts yet. Create the admin account with this one-time link: {public_url}/setup?token={token}"
            );
        }
        let stop = async move {
            shutdown_signal().await;
            // Heavy work in flight stops at its next check instead of
            // holding the shutdown until it finishes.
            budget.shutdown();
        };
        let limits = ServeLimits {
            per_ip: args.max_connections_per_ip.max(1),
            ..ServeLimits::default()
        };
        let (stop, receivers) =
            cli::otlp::start(&state_for_otlp, otlp_listeners, stop, limits.clone());
        spandojo::web::serve::serve(listener, app, limits, stop).await;
        receivers.finish().await;
        println!("spandojo stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

fn check(args: ContentArgs, json: bool) -> anyhow::Result<ExitCode> {
    let content = match Content::load(args.content_dir.as_deref()) {
        Ok(content) => content,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("spandojo: {} content error(s)", errors.0.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let counts = content.counts();
    let mut problems: Vec<String> = content
        .deprecated_mentions()
        .iter()
        .map(ToString::to_string)
        .collect();
    problems.extend(
        counts
            .shortfalls(&spandojo::content::MINIMUMS)
            .into_iter()
            .map(|s| format!("content: {s}")),
    );
    if json {
        println!("{}", serde_json::to_string(&counts)?);
    } else {
        let join = |m: &std::collections::BTreeMap<&str, usize>| {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{}: {} lessons; {} questions by level: {}; by kind: {}",
            if problems.is_empty() {
                "content ok"
            } else {
                "content"
            },
            counts.lessons,
            counts.questions_total,
            join(&counts.questions),
            join(&counts.question_kinds)
        );
        println!(
            "{} generators: {}",
            counts.generators,
            counts.generator_names().join(", ")
        );
        println!(
            "{} scenarios: {}",
            counts.scenarios,
            counts.scenario_names.join(", ")
        );
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        eprintln!("spandojo: {} content problem(s)", problems.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn backup(file: &std::path::Path, data: DataArgs) -> anyhow::Result<ExitCode> {
    let config = Config::new(data.data_dir);
    let db = config.database_path();
    anyhow::ensure!(db.exists(), "there is no database at {}", db.display());
    anyhow::ensure!(
        !file.exists(),
        "{} already exists; choose a new file name",
        file.display()
    );
    let store = Store::open(&db)?;
    store.backup_to(file)?;
    println!("backup written to {}", file.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
