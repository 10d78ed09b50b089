//! The `jobmirror` command line: argument parsing, config loading (every command
//! validates the whole configuration first), logging setup, and dispatch.

mod demo;
mod logging;
mod query;
mod run;
mod serve;
mod signals;
mod sim;
mod status;
mod sync;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config};

#[derive(Debug, Parser)]
#[command(
    name = "jobmirror",
    version,
    about = "Exact SQLite mirror of cloud ML job lists, with signed webhooks on status changes"
)]
pub struct Cli {
    /// Config file (default: $JOBMIRROR_CONFIG, else ./config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The daemon: schedules every source and delivers webhooks until SIGTERM/SIGINT.
    Run,
    /// One cycle now for the named (default: all) sources, one webhook delivery pass, then exit.
    Sync {
        /// Source names (default: all).
        sources: Vec<String>,
        /// A full reconcile (finds deletions) instead of an incremental cycle.
        #[arg(long)]
        full: bool,
    },
    /// Answer a list query from the mirror with the provider's own parameters and body.
    Query(query::QueryArgs),
    /// The HTTP API only, read-only, on a mirror another process writes.
    Serve,
    /// Per source: last cycle, outcome, rows mirrored, unfinished jobs; per
    /// webhook endpoint: pending and dead events, last error.
    Status,
    /// Validate the configuration and print it with secrets redacted.
    CheckConfig,
    /// Mirror built-in simulated providers into a scratch database.
    Demo(demo::DemoArgs),
    /// Serve the simulated providers in the foreground (benchmarks, experiments).
    Sim(sim::SimArgs),
    /// The webhook outbox: list, redeliver, send a test event.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
}

/// Exit status for an invalid configuration.
const EXIT_CONFIG: u8 = 2;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = config::resolve_path(cli.config.as_deref());
    let explicit = cli.config.is_some() || std::env::var_os(config::CONFIG_ENV).is_some();
    let demo = matches!(cli.command, Command::Demo(_) | Command::Sim(_));
    let config = match Config::load(&path, explicit && !demo) {
        Ok(c) => c,
        Err(e) => {
            for p in e.problems() {
                eprintln!("jobmirror: invalid configuration: {p}");
            }
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut log = config.log.clone();
    if demo {
        // The demo's output is its story on stdout; keep the log to warnings.
        log.level = "warn".into();
    }
    logging::init(&log);
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("jobmirror: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Run => run::run(config).await,
            Command::Sync { sources, full } => sync::sync(config, &sources, full).await,
            Command::Status => status::status(config).await,
            Command::Query(args) => query::query(config, args).await,
            Command::Serve => serve::serve(config).await,
            Command::CheckConfig => {
                print!("{}", config.redacted_toml());
                Ok(())
            }
            Command::Demo(args) => demo::demo(args).await,
            Command::Sim(args) => sim::sim(args).await,
            Command::Webhooks(cmd) => webhooks::webhooks(config, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jobmirror: {e:#}");
            ExitCode::FAILURE
        }
    }
}
