//! `stigmer`: the command-line interface to a Stigmer server.
#![forbid(unsafe_code)]

mod archive;
mod cli;
mod client;
mod commands;
mod config;
mod context;
mod kind;
mod manifest;
mod output;
mod server;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    ui::init_colors(cli.global.no_color);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            ui::error(format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(commands::run(cli, &matches));
    // Do not wait for lingering tasks (a stream the server keeps open).
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            ui::error(format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}
