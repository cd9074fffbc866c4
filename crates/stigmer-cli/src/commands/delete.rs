//! `stigmer delete KIND NAME|ID [--yes]`

use std::io::Write as _;

use anyhow::bail;

use crate::cli::{DeleteArgs, OutputFormat};
use crate::client::Resources;
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::output::{fields, resources};
use crate::server::lifecycle::connect_or_start;
use crate::ui;

use super::exit;

pub async fn run(ctx: &Context, args: DeleteArgs) -> anyhow::Result<u8> {
    let kind = ResourceKind::parse(&args.kind)?;
    let api = Resources::new(connect_or_start(ctx).await?);
    let target = api.resolve(kind, &ctx.org, &args.name).await?;
    let id = fields::text(&target, "metadata.id");
    let name = fields::display_name(&target);
    if !args.yes && !confirm(&format!("Delete {kind} '{name}' ({id})?"))? {
        ui::note("Nothing deleted.");
        return Ok(exit::FAILURE);
    }
    let deleted = api.delete(kind, &id).await?;
    match args.output.output {
        OutputFormat::Table => println!("deleted {kind} {name} ({id})"),
        format => resources::print_one(kind, &deleted, format)?,
    }
    Ok(exit::SUCCESS)
}

/// Asks on the terminal; without one, refuses rather than guessing.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !ui::stdin_is_terminal() {
        bail!("refusing to delete without confirmation: stdin is not a terminal; pass --yes");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
