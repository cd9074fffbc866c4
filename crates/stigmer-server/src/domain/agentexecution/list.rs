//! `list` (optionally one phase) and `listBySession`, paginated from the
//! store's indexes (upstream decoded with the wrong decoder and answered
//! empty).

use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionList, ListAgentExecutionsBySessionRequest,
    ListAgentExecutionsRequest,
};
use stigmer_pipeline::steps::{ListRequest, list_page};
use stigmer_store::ParentRef;
use tonic::{Request, Response, Status};

use super::AgentExecutionController;

impl AgentExecutionController {
    pub(super) async fn list(
        &self,
        request: Request<ListAgentExecutionsRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        let request = request.into_inner();
        self.page(ListRequest {
            parent: None,
            phase: (request.phase != 0).then_some(request.phase),
            page_size: request.page_size,
            page_token: request.page_token,
            org: None,
        })
        .await
    }

    pub(super) async fn list_by_session(
        &self,
        request: Request<ListAgentExecutionsBySessionRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        let request = request.into_inner();
        if request.session_id.is_empty() {
            return Err(Status::invalid_argument("session_id is required"));
        }
        self.page(ListRequest {
            parent: Some(ParentRef::new(ApiResourceKind::Session, request.session_id)),
            phase: None,
            page_size: request.page_size,
            page_token: request.page_token,
            org: None,
        })
        .await
    }

    async fn page(&self, request: ListRequest) -> Result<Response<AgentExecutionList>, Status> {
        let listed = list_page::<AgentExecution>(&self.store, &request).await?;
        Ok(Response::new(AgentExecutionList {
            total_pages: i32::try_from(listed.total_pages).unwrap_or(i32::MAX),
            entries: listed.entries,
        }))
    }
}
