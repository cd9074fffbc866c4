//! `update`: the spec is validated again; the request's spec and metadata go
//! over the stored workflow (id, slug, org, owner scope and status stay),
//! with the fresh validation result recorded in the status. A call from the
//! server itself may also record a default instance it had to make
//! ([`AdoptDefaultInstance`]): workflow executions do, so the workflow's
//! record is written only by this service.

use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_pipeline::Pipeline;
use stigmer_pipeline::steps::{BuildUpdateState, LoadExisting, Persist, ResolveSlug};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use super::validate::{RecordValidation, ValidateWorkflowSpec};
use crate::domain::default_instance::AdoptDefaultInstance;
use crate::domain::{from_system, standard};

impl WorkflowController {
    pub(super) async fn update(
        &self,
        request: Request<Workflow>,
    ) -> Result<Response<Workflow>, Status> {
        let mut pipeline = Pipeline::new("workflow.update")
            .step(ValidateWorkflowSpec)
            .step(ResolveSlug::<Workflow>::new())
            .step(LoadExisting::new(self.store.clone()))
            .step(BuildUpdateState::<Workflow>::new());
        if from_system(&request) {
            pipeline = pipeline.step(AdoptDefaultInstance::new(self.store.clone()));
        }
        let pipeline = pipeline
            .step(RecordValidation)
            .step(Persist::new(self.store.clone()));
        standard::run(pipeline, request).await
    }
}
