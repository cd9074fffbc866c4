use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;

impl WorkflowInstanceController {
    pub(super) async fn update(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        standard::update(&self.store, "workflow_instance.update", request).await
    }
}
