use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use tonic::{Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;

impl WorkflowInstanceController {
    pub(super) async fn apply(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        if standard::apply_creates(&self.store, "workflow_instance.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
