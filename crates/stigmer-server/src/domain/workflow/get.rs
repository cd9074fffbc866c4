use stigmer_api::agentic::workflow::v1::{Workflow, WorkflowId};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use crate::domain::standard;

impl WorkflowController {
    pub(super) async fn get(
        &self,
        request: Request<WorkflowId>,
    ) -> Result<Response<Workflow>, Status> {
        standard::get(&self.store, "workflow.get", request).await
    }
}
