use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceId};
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;

impl WorkflowInstanceController {
    pub(super) async fn delete(
        &self,
        request: Request<WorkflowInstanceId>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        standard::delete(&self.store, "workflow_instance.delete", request).await
    }
}
