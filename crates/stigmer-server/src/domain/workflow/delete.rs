//! `delete`: answers with the deleted workflow. Its instances and
//! executions are kept (as upstream); they remain readable by id.

use stigmer_api::agentic::workflow::v1::{Workflow, WorkflowId};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use crate::domain::standard;

impl WorkflowController {
    pub(super) async fn delete(
        &self,
        request: Request<WorkflowId>,
    ) -> Result<Response<Workflow>, Status> {
        standard::delete(&self.store, "workflow.delete", request).await
    }
}
