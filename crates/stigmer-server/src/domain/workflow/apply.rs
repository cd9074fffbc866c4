//! `apply`: create when no workflow has the slug in the org yet, else
//! update; both validate the spec.

use stigmer_api::agentic::workflow::v1::Workflow;
use tonic::{Request, Response, Status};

use super::WorkflowController;
use crate::domain::standard;

impl WorkflowController {
    pub(super) async fn apply(
        &self,
        request: Request<Workflow>,
    ) -> Result<Response<Workflow>, Status> {
        if standard::apply_creates(&self.store, "workflow.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
