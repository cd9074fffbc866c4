//! `delete`: answers with the deleted execution; an active run is cancelled.

use stigmer_api::agentic::workflowexecution::v1::WorkflowExecution;
use stigmer_api::commons::apiresource::ApiResourceId;
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::domain::standard;

impl WorkflowExecutionController {
    pub(super) async fn delete(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        let id = request.get_ref().value.clone();
        let deleted = standard::delete(&self.store, "workflow_execution.delete", request).await?;
        self.engine.request_cancel(&id);
        Ok(deleted)
    }
}
