//! `listByWorkflow`: the executions of a workflow (`wfl-…`, every instance)
//! or of one workflow instance (`win-…`), told apart by the id's prefix.
//! Create records both ids on every execution, so either is an index
//! lookup. (Upstream answered UNIMPLEMENTED.)

use stigmer_api::agentic::workflowexecution::v1::{
    ListWorkflowExecutionsByWorkflowRequest, WorkflowExecutionList,
};
use stigmer_api::{ApiResourceKind, KindRegistry};
use stigmer_pipeline::steps::ListRequest;
use stigmer_store::ParentRef;
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;

impl WorkflowExecutionController {
    pub(super) async fn list_by_workflow(
        &self,
        request: Request<ListWorkflowExecutionsByWorkflowRequest>,
    ) -> Result<Response<WorkflowExecutionList>, Status> {
        let request = request.into_inner();
        if request.workflow_id.is_empty() {
            return Err(Status::invalid_argument("workflow_id is required"));
        }
        let kind = match KindRegistry::global().kind_of_id(&request.workflow_id) {
            Some(info) if info.kind == ApiResourceKind::WorkflowInstance => info.kind,
            Some(info) if info.kind == ApiResourceKind::Workflow => info.kind,
            _ => {
                return Err(Status::invalid_argument(format!(
                    "workflow_id: {:?} is neither a workflow id (wfl-…) nor a workflow instance id (win-…)",
                    request.workflow_id
                )));
            }
        };
        self.page(ListRequest {
            parent: Some(ParentRef::new(kind, request.workflow_id)),
            phase: None,
            page_size: request.page_size,
            page_token: request.page_token,
            org: None,
        })
        .await
    }
}
