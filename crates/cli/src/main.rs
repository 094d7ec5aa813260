//! `portico`: the one binary. Serves the console and API, and administers the installation
//! from the server's command line.
//!
//! Architecture invariant: commands call `portico_services` (and the store only to open it,
//! migrate it, or bulk-load demo data); no rule of the product is decided here.

mod app;
mod args;
mod args_access;
mod commands;
mod config;
mod config_sources;
mod config_table;
mod demo;
mod output;
mod secret;

use args::{Cli, Command};
use clap::Parser;
use config::Config;
use std::io::IsTerminal;
use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: bulk work (import, demo, reports) allocates many
/// short-lived strings, and glibc's malloc/free took about a fifth of an import's CPU. Built
/// with `no_thp`: fresh 2 MiB transparent huge pages, zeroed (and compacted for) on first
/// touch, doubled an import's kernel time and made it vary from run to run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log);
    if !matches!(cli.command, None | Some(Command::Serve)) {
        quiet_broken_pipe();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match runtime.block_on(commands::run(command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// `portico user list | head` should end quietly when `head` stops reading, as other
/// command-line tools do, instead of panicking on the failed write: restore the default
/// SIGPIPE action (Rust ignores the signal). Not for `serve`, whose sockets must never kill it.
fn quiet_broken_pipe() {
    // SAFETY: setting a signal's disposition to its default at start-up, before any other
    // thread exists that could depend on it, has no memory-safety implications.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
