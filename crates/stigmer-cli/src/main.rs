//! `stigmer`: the command-line interface to a Stigmer server.
#![forbid(unsafe_code)]

use clap::Parser;

/// Stigmer: run and manage AI agents and workflows.
#[derive(Parser)]
#[command(name = "stigmer", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    anyhow::bail!("no commands yet: the CLI lands with the CLI work")
}
