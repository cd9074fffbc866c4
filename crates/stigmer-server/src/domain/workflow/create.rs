//! `create`: validate the spec, store the workflow, then create its default
//! instance through the WorkflowInstance service and record its id. If
//! anything after the first write fails, the compensations remove what was
//! made, so a failed create leaves neither workflow nor instance behind.

use stigmer_api::Resource;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_pipeline::Pipeline;
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use super::validate::{RecordValidation, ValidateWorkflowSpec};
use crate::domain::default_instance::{CreateDefaultInstance, HasDefaultInstance};
use crate::domain::standard;

impl WorkflowController {
    fn create_pipeline(&self) -> Pipeline<Workflow> {
        Pipeline::new("workflow.create")
            .step(ValidateWorkflowSpec)
            .step(ResolveSlug::<Workflow>::new())
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<Workflow>::new())
            .step(RecordValidation)
            .step(Persist::new(self.store.clone()).undo_on_failure())
            .step(CreateDefaultInstance::new(self.instances.clone()))
            .step(Persist::new(self.store.clone()))
    }

    pub(super) async fn create(
        &self,
        request: Request<Workflow>,
    ) -> Result<Response<Workflow>, Status> {
        standard::run(self.create_pipeline(), request).await
    }
}

impl HasDefaultInstance for Workflow {
    type Instance = WorkflowInstance;

    fn default_instance(
        &self,
        metadata: ApiResourceMetadata,
        description: &str,
    ) -> WorkflowInstance {
        WorkflowInstance {
            api_version: self.api_version.clone(),
            kind: "WorkflowInstance".to_owned(),
            metadata: Some(metadata),
            spec: Some(WorkflowInstanceSpec {
                workflow_id: self.id().to_owned(),
                description: description.to_owned(),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn default_instance_id(&self) -> &str {
        self.status
            .as_ref()
            .map_or("", |s| s.default_instance_id.as_str())
    }

    fn set_default_instance_id(&mut self, id: String) {
        self.status
            .get_or_insert_with(Default::default)
            .default_instance_id = id;
    }
}
