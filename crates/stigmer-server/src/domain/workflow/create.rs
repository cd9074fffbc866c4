//! `create`: validate the spec, store the workflow, then create its default
//! instance through the WorkflowInstance service and record its id. If
//! anything after the first write fails, the compensations remove what was
//! made, so a failed create leaves neither workflow nor instance behind.

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceSpec};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceOwnerScope};
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::WorkflowController;
use super::validate::{RecordValidation, ValidateWorkflowSpec};
use crate::domain::standard;
use crate::downstream::WorkflowInstanceClient;

const DEFAULT_INSTANCE_DESCRIPTION: &str =
    "Default instance (auto-created, no custom configuration)";

impl WorkflowController {
    fn create_pipeline(&self) -> Pipeline<Workflow> {
        Pipeline::new("workflow.create")
            .step(ValidateWorkflowSpec)
            .step(ResolveSlug::<Workflow>::new())
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<Workflow>::new())
            .step(RecordValidation)
            .step(Persist::new(self.store.clone()).undo_on_failure())
            .step(CreateDefaultInstance {
                instances: self.instances.clone(),
            })
            .step(Persist::new(self.store.clone()))
    }

    pub(super) async fn create(
        &self,
        request: Request<Workflow>,
    ) -> Result<Response<Workflow>, Status> {
        standard::run(self.create_pipeline(), request).await
    }
}

/// Creates `<workflow name>-default` through the WorkflowInstance client
/// and records its id in `status.default_instance_id`.
struct CreateDefaultInstance {
    instances: WorkflowInstanceClient,
}

#[async_trait]
impl Step<Workflow, Workflow> for CreateDefaultInstance {
    fn name(&self) -> &'static str {
        "create_default_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<Workflow, Workflow>) -> Result<(), ApiError> {
        let workflow = &ctx.new_state;
        let metadata = workflow.metadata().cloned().unwrap_or_default();
        let org_scoped = metadata.owner_scope == ApiResourceOwnerScope::Organization as i32;
        let instance = WorkflowInstance {
            api_version: workflow.api_version.clone(),
            kind: "WorkflowInstance".to_owned(),
            metadata: Some(ApiResourceMetadata {
                name: format!("{}-default", metadata.name),
                org: if org_scoped {
                    metadata.org.clone()
                } else {
                    String::new()
                },
                owner_scope: metadata.owner_scope,
                ..Default::default()
            }),
            spec: Some(WorkflowInstanceSpec {
                workflow_id: metadata.id.clone(),
                description: DEFAULT_INSTANCE_DESCRIPTION.to_owned(),
                ..Default::default()
            }),
            status: None,
        };
        let created = self.instances.create(instance).await.map_err(|status| {
            ApiError::Status(Status::new(
                status.code(),
                format!("failed to create default instance: {}", status.message()),
            ))
        })?;
        let instance_id = created.id().to_owned();
        let instances = self.instances.clone();
        let undo_id = instance_id.clone();
        ctx.on_failure("delete_default_instance", move || async move {
            instances.delete(&undo_id).await?;
            Ok(())
        });
        ctx.new_state
            .status
            .get_or_insert_with(Default::default)
            .default_instance_id = instance_id;
        Ok(())
    }
}
