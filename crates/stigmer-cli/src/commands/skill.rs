//! `stigmer skill push DIR [--tag T]`

use anyhow::{Context as _, bail};
use stigmer_api::agentic::skill::v1::PushSkillRequest;
use stigmer_api::commons::apiresource::ApiResourceOwnerScope;

use crate::archive;
use crate::cli::{OutputFormat, SkillCommand, SkillPushArgs};
use crate::client::Resources;
use crate::client::connection::MAX_MESSAGE_BYTES;
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::output::{fields, resources, table};
use crate::server::lifecycle::connect_or_start;

use super::exit;

/// The server takes requests up to 10 MiB; the zip rides in one.
const MAX_ARTIFACT_BYTES: usize = 10 * 1024 * 1024 - 64 * 1024;
const _: () = assert!(MAX_ARTIFACT_BYTES < MAX_MESSAGE_BYTES);

pub async fn run(ctx: &Context, command: SkillCommand) -> anyhow::Result<u8> {
    match command {
        SkillCommand::Push(args) => push(ctx, args).await,
    }
}

async fn push(ctx: &Context, args: SkillPushArgs) -> anyhow::Result<u8> {
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{} is not a folder", args.dir.display()))?;
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let name = match args.name {
        Some(name) => name,
        None => dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .context("the folder has no name; pass --name")?,
    };
    let artifact = archive::zip_dir(&dir)?;
    let size = artifact.len();
    if size > MAX_ARTIFACT_BYTES {
        bail!(
            "the zipped skill is {} KiB; the server accepts up to {} KiB. Leave large files out",
            size / 1024,
            MAX_ARTIFACT_BYTES / 1024
        );
    }
    let api = Resources::new(connect_or_start(ctx).await?);
    let skill = api
        .push_skill(PushSkillRequest {
            name: name.clone(),
            scope: ApiResourceOwnerScope::Organization as i32,
            org: ctx.org.clone(),
            artifact,
            tag: args.tag.unwrap_or_default(),
        })
        .await?;
    match args.output.output {
        OutputFormat::Table => print!(
            "{}",
            table::render(
                &["name", "id", "tag", "version", "size"],
                vec![vec![
                    fields::display_name(&skill),
                    fields::text(&skill, "metadata.id"),
                    fields::text(&skill, "spec.tag"),
                    fields::text(&skill, "status.version_hash"),
                    format!("{:.1} KiB", size as f64 / 1024.0),
                ]],
            )
        ),
        format => resources::print_one(ResourceKind::Skill, &skill, format)?,
    }
    Ok(exit::SUCCESS)
}
