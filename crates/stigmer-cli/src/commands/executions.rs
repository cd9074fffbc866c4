//! `stigmer executions [--session ID]` and `stigmer execution show ID`

use prost_reflect::DynamicMessage;

use crate::cli::{ExecutionCommand, ExecutionsArgs, OutputFormat};
use crate::client::{ListQuery, Resources};
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::output::{fields, resources, transcript};
use crate::server::lifecycle::connect_or_start;

use super::exit;

pub async fn list(ctx: &Context, args: ExecutionsArgs) -> anyhow::Result<u8> {
    let api = Resources::new(connect_or_start(ctx).await?);
    let query = ListQuery {
        page: args.page.max(1),
        page_size: args.page_size.clamp(1, 1000),
        parent_id: args.session,
        org: ctx.org.clone(),
    };
    let mut page = api.list(ResourceKind::AgentExecution, &query).await?;
    page.items.sort_by_key(|e| std::cmp::Reverse(created_at(e)));
    resources::print_many(
        ResourceKind::AgentExecution,
        &page.items,
        args.output.output,
    )?;
    Ok(exit::SUCCESS)
}

fn created_at(execution: &DynamicMessage) -> i64 {
    fields::timestamp_seconds(execution, "status.audit.spec_audit.created_at").unwrap_or(0)
}

pub async fn execution(ctx: &Context, command: ExecutionCommand) -> anyhow::Result<u8> {
    match command {
        ExecutionCommand::Show { id, output } => {
            let api = Resources::new(connect_or_start(ctx).await?);
            let found = api.get(ResourceKind::AgentExecution, &id).await?;
            match output.output {
                OutputFormat::Table => {
                    let typed = found.transcode_to()?;
                    transcript::write_full(&typed, &mut std::io::stdout().lock())?;
                }
                format => resources::print_one(ResourceKind::AgentExecution, &found, format)?,
            }
            Ok(exit::SUCCESS)
        }
    }
}
