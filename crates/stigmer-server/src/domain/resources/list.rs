//! `list`: one page of one kind's resources, each packed in an `Any` whose
//! type url names the kind's message. Kinds with secret values answer them
//! opened, as their own `get` does.

use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::executioncontext::v1::ExecutionContext;
use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_api::agentic::session::v1::Session;
use stigmer_api::agentic::skill::v1::Skill;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflowexecution::v1::WorkflowExecution;
use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use stigmer_api::ai::stigmer::extensions::v1::{ListResourcesRequest, ListResourcesResponse};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_pipeline::steps::Listed;
use stigmer_pipeline::{Actor, ApiError, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::ResourceController;
use super::paging::page_of;
use crate::secrets::{HasSecrets, OpenSecrets};

impl ResourceController {
    pub(super) async fn list(
        &self,
        request: Request<ListResourcesRequest>,
    ) -> Result<Response<ListResourcesResponse>, Status> {
        let request = request.into_inner();
        // protovalidate already refused unknown and unspecified kinds.
        let kind = request.kind();
        tracing::Span::current().record("kind", kind.as_str_name());
        let (org, size, token) = (
            request.org.as_str(),
            request.page_size,
            request.page_token.as_str(),
        );
        let store = &self.store;
        let response = match kind {
            ApiResourceKind::Agent => packed(page_of::<Agent>(store, org, size, token).await?),
            ApiResourceKind::AgentInstance => {
                packed(page_of::<AgentInstance>(store, org, size, token).await?)
            }
            ApiResourceKind::Session => packed(page_of::<Session>(store, org, size, token).await?),
            ApiResourceKind::AgentExecution => {
                packed(page_of::<AgentExecution>(store, org, size, token).await?)
            }
            ApiResourceKind::Skill => packed(page_of::<Skill>(store, org, size, token).await?),
            ApiResourceKind::Workflow => {
                packed(page_of::<Workflow>(store, org, size, token).await?)
            }
            ApiResourceKind::WorkflowInstance => {
                packed(page_of::<WorkflowInstance>(store, org, size, token).await?)
            }
            ApiResourceKind::WorkflowExecution => {
                packed(page_of::<WorkflowExecution>(store, org, size, token).await?)
            }
            ApiResourceKind::Environment => {
                let page = page_of::<Environment>(store, org, size, token).await?;
                packed(self.opened(page).await?)
            }
            ApiResourceKind::ExecutionContext => {
                let page = page_of::<ExecutionContext>(store, org, size, token).await?;
                packed(self.opened(page).await?)
            }
            ApiResourceKind::McpServer => {
                let page = page_of::<McpServer>(store, org, size, token).await?;
                packed(self.opened(page).await?)
            }
            other => {
                return Err(ApiError::InvalidArgument(format!(
                    "kind {} is not served by this server",
                    other.as_str_name()
                ))
                .into());
            }
        };
        Ok(Response::new(response))
    }

    /// Secret values opened through the same step the kind's `get` runs.
    async fn opened<R: HasSecrets>(&self, mut page: Listed<R>) -> Result<Listed<R>, ApiError> {
        let open = OpenSecrets::<R>::new(self.cipher.clone());
        let mut opened = Vec::with_capacity(page.entries.len());
        for resource in page.entries {
            let mut ctx = RequestContext::with_state((), resource, Actor::system());
            open.run(&mut ctx).await?;
            opened.push(ctx.new_state);
        }
        page.entries = opened;
        Ok(page)
    }
}

fn packed<R: Resource>(page: Listed<R>) -> ListResourcesResponse {
    ListResourcesResponse {
        items: page
            .entries
            .iter()
            .map(|resource| prost_types::Any {
                type_url: format!("type.googleapis.com/{}", resource.descriptor().full_name()),
                value: resource.encode_to_vec(),
            })
            .collect(),
        total_pages: i32::try_from(page.total_pages).unwrap_or(i32::MAX),
        next_page_token: page.next_page_token.unwrap_or_default(),
    }
}
