//! `stigmer get KIND [NAME]` and `stigmer list KIND`

use crate::cli::{GetArgs, ListArgs, ListFilter, OutputFormat};
use crate::client::{ListQuery, Resources};
use crate::context::Context;
use crate::kind::ResourceKind;
use crate::output::{fields, resources};
use crate::server::lifecycle::connect_or_start;
use crate::ui;

use super::exit;

pub async fn get(ctx: &Context, args: GetArgs) -> anyhow::Result<u8> {
    let kind = ResourceKind::parse(&args.kind)?;
    let Some(name) = args.name else {
        let list = ListArgs {
            kind: args.kind,
            page: 1,
            page_size: 50,
            filter: ListFilter::default(),
            output: args.output,
        };
        return self::list(ctx, list).await;
    };
    let api = Resources::new(connect_or_start(ctx).await?);
    let resource = api.resolve(kind, &ctx.org, &name).await?;
    resources::print_one(kind, &resource, args.output.output)?;
    Ok(exit::SUCCESS)
}

pub async fn list(ctx: &Context, args: ListArgs) -> anyhow::Result<u8> {
    let kind = ResourceKind::parse(&args.kind)?;
    let api = Resources::new(connect_or_start(ctx).await?);
    let parent_id = parent_id(ctx, &api, kind, &args.filter).await?;
    let query = ListQuery {
        page: args.page.max(1),
        page_size: args.page_size.clamp(1, 1000),
        parent_id,
        org: ctx.org.clone(),
    };
    let page = api.list(kind, &query).await?;
    resources::print_many(kind, &page.items, args.output.output)?;
    if let Some(total) = page.total_pages.filter(|t| *t > query.page)
        && args.output.output == OutputFormat::Table
    {
        ui::note(format!(
            "page {} of {total}; next: --page {}",
            query.page,
            query.page + 1
        ));
    }
    Ok(exit::SUCCESS)
}

/// The parent id a filtered list is about, resolved from a name or id.
async fn parent_id(
    ctx: &Context,
    api: &Resources,
    kind: ResourceKind,
    filter: &ListFilter,
) -> anyhow::Result<Option<String>> {
    let (parent_kind, given) = match (kind, filter) {
        (
            ResourceKind::AgentInstance | ResourceKind::Session,
            ListFilter { agent: Some(a), .. },
        ) => (ResourceKind::Agent, a),
        (
            ResourceKind::WorkflowInstance | ResourceKind::WorkflowExecution,
            ListFilter {
                workflow: Some(w), ..
            },
        ) => (ResourceKind::Workflow, w),
        (
            ResourceKind::AgentExecution,
            ListFilter {
                session: Some(s), ..
            },
        ) => return Ok(Some(s.clone())),
        (
            _,
            ListFilter {
                agent: None,
                workflow: None,
                session: None,
            },
        ) => return Ok(None),
        (kind, _) => anyhow::bail!(
            "this filter does not apply to {}: --agent filters agent-instances and sessions, \
             --workflow workflow-instances and workflow-executions, --session agent-executions",
            kind.plural()
        ),
    };
    let parent = api.resolve(parent_kind, &ctx.org, given).await?;
    Ok(Some(fields::text(&parent, "metadata.id")))
}
