//! `update`: the spec is validated again; the request's spec and metadata go
//! over the stored workflow (id, slug, org, owner scope and status stay),
//! with the fresh validation result recorded in the status.

use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_pipeline::Pipeline;
use stigmer_pipeline::steps::{BuildUpdateState, LoadExisting, Persist, ResolveSlug};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use super::validate::{RecordValidation, ValidateWorkflowSpec};
use crate::domain::standard;

impl WorkflowController {
    pub(super) async fn update(
        &self,
        request: Request<Workflow>,
    ) -> Result<Response<Workflow>, Status> {
        let pipeline = Pipeline::new("workflow.update")
            .step(ValidateWorkflowSpec)
            .step(ResolveSlug::<Workflow>::new())
            .step(LoadExisting::new(self.store.clone()))
            .step(BuildUpdateState::<Workflow>::new())
            .step(RecordValidation)
            .step(Persist::new(self.store.clone()));
        standard::run(pipeline, request).await
    }
}
