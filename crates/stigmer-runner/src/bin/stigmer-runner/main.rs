//! `stigmer-runner`: runs the agent executions of a Stigmer server in a
//! process of its own, over the network.
//!
//! The server must leave executions to it (`STIGMER_AGENT_RUNNER=external`;
//! an embedded runner would race it). The runner reads each execution and
//! its context through the server's query rpcs and reports progress through
//! `updateStatus`, exactly as the embedded runner does in-process.
//!
//! Work reaches it in one of two ways:
//! - `--execution ID` (repeatable): runs those executions, then exits;
//! - otherwise it watches: every `--poll-interval` it lists PENDING
//!   executions (`list` with a phase filter) and runs them, up to
//!   `--concurrency` at a time. The server has no claim rpc yet, so start
//!   one watching runner per server: two would run the same execution.
//!
//! A client's cancellation (`updateStatus` with phase CANCELLED) reaches a
//! run through `subscribe`. Ctrl-C or SIGTERM stops taking work and lets
//! running executions finish for `--grace`; a second signal, or the end of
//! the grace period, cancels them.
#![forbid(unsafe_code)]

mod args;
mod signals;
mod work;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    init_tracing(&args.log_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("stigmer-runner: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work::run(args)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("stigmer-runner: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
