//! `stigmer completions SHELL`

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "stigmer",
        &mut std::io::stdout(),
    );
    Ok(super::exit::SUCCESS)
}
