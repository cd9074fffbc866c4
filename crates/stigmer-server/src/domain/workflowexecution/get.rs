use stigmer_api::agentic::workflowexecution::v1::{WorkflowExecution, WorkflowExecutionId};
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::domain::standard;

impl WorkflowExecutionController {
    pub(super) async fn get(
        &self,
        request: Request<WorkflowExecutionId>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        standard::get(&self.store, "workflow_execution.get", request).await
    }
}
