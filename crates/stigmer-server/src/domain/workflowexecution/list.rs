//! `list`: every workflow execution (optionally one phase), paginated from
//! the store's index (upstream decoded with the wrong decoder and answered
//! empty).

use stigmer_api::agentic::workflowexecution::v1::{
    ListWorkflowExecutionsRequest, WorkflowExecution, WorkflowExecutionList,
};
use stigmer_pipeline::steps::{ListRequest, list_page};
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;

impl WorkflowExecutionController {
    pub(super) async fn list(
        &self,
        request: Request<ListWorkflowExecutionsRequest>,
    ) -> Result<Response<WorkflowExecutionList>, Status> {
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

    pub(super) async fn page(
        &self,
        request: ListRequest,
    ) -> Result<Response<WorkflowExecutionList>, Status> {
        let listed = list_page::<WorkflowExecution>(&self.store, &request).await?;
        Ok(Response::new(WorkflowExecutionList {
            total_pages: i32::try_from(listed.total_pages).unwrap_or(i32::MAX),
            entries: listed.entries,
        }))
    }
}
