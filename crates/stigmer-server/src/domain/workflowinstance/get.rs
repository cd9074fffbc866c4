use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceId};
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;

impl WorkflowInstanceController {
    pub(super) async fn get(
        &self,
        request: Request<WorkflowInstanceId>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        standard::get(&self.store, "workflow_instance.get", request).await
    }
}
