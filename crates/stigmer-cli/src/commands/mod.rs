//! One module per command; each turns parsed arguments into calls and output.

mod apply;
mod completions;
mod config;
mod delete;
mod executions;
mod get;
mod run;
mod server;
mod skill;
mod version;

use clap::ArgMatches;

use crate::cli::{Cli, Command};
use crate::context::Context;

/// Exit codes beyond 0 and 1.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const FAILURE: u8 = 1;
    /// `server status` when no server serves (as LSB init scripts do).
    pub const NOT_RUNNING: u8 = 3;
    /// Ended by Ctrl-C (128 + SIGINT).
    pub const INTERRUPTED: u8 = 130;
}

pub async fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<u8> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    let ctx = Context::resolve(&cli.global, matches)?;
    match cli.command {
        Command::Server(args) => server::run(&ctx, args).await,
        Command::Apply(args) => apply::run(&ctx, args).await,
        Command::Get(args) => get::get(&ctx, args).await,
        Command::List(args) => get::list(&ctx, args).await,
        Command::Delete(args) => delete::run(&ctx, args).await,
        Command::Run(args) => run::run(&ctx, args).await,
        Command::Executions(args) => executions::list(&ctx, args).await,
        Command::Execution(command) => executions::execution(&ctx, command).await,
        Command::Skill(command) => skill::run(&ctx, command).await,
        Command::Config(command) => config::run(&ctx, command),
        Command::Version(args) => version::run(&ctx, args).await,
        Command::Completions(_) => unreachable!("handled before the context is resolved"),
    }
}
