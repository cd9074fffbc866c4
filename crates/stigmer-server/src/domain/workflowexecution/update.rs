//! `update`: spec and metadata over the stored execution; its status is
//! server-owned and changes only through `updateStatus`.

use stigmer_api::agentic::workflowexecution::v1::WorkflowExecution;
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::domain::standard;

impl WorkflowExecutionController {
    pub(super) async fn update(
        &self,
        request: Request<WorkflowExecution>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        standard::update(&self.store, "workflow_execution.update", request).await
    }
}
