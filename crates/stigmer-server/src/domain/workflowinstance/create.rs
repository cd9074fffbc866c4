//! `create`: the instance's workflow must exist (FAILED_PRECONDITION
//! otherwise) — asked of the Workflow service, not read from its records —
//! and an organization-scoped instance of an organization-scoped workflow
//! must live in the workflow's org.

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use stigmer_api::commons::apiresource::ApiResourceOwnerScope;
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Code, Request, Response, Status};

use super::WorkflowInstanceController;
use crate::domain::standard;
use crate::downstream::WorkflowClient;

impl WorkflowInstanceController {
    pub(super) async fn create(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        let pipeline = Pipeline::new("workflow_instance.create")
            .step(ResolveSlug::<WorkflowInstance>::new())
            .step(LoadParentWorkflow {
                workflows: self.workflows.clone(),
            })
            .step(RequireSameOrg)
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<WorkflowInstance>::new())
            .step(Persist::new(self.store.clone()));
        standard::run(pipeline, request).await
    }
}

/// The workflow the instance belongs to, for the org check.
#[derive(Debug, Clone)]
struct ParentWorkflow(Workflow);

/// Loads `spec.workflow_id` through the Workflow client.
struct LoadParentWorkflow {
    workflows: WorkflowClient,
}

#[async_trait]
impl Step<WorkflowInstance, WorkflowInstance> for LoadParentWorkflow {
    fn name(&self) -> &'static str {
        "load_parent_workflow"
    }

    async fn run(
        &self,
        ctx: &mut RequestContext<WorkflowInstance, WorkflowInstance>,
    ) -> Result<(), ApiError> {
        let workflow_id = ctx
            .new_state
            .spec
            .as_ref()
            .map_or("", |s| s.workflow_id.as_str());
        if workflow_id.is_empty() {
            return Err(ApiError::InvalidArgument(
                "spec.workflow_id is required".into(),
            ));
        }
        match self.workflows.get(workflow_id).await {
            Ok(workflow) => {
                ctx.put(ParentWorkflow(workflow));
                Ok(())
            }
            Err(status) if status.code() == Code::NotFound => Err(ApiError::FailedPrecondition(
                format!("spec.workflow_id: workflow {workflow_id} does not exist"),
            )),
            Err(status) => Err(status.into()),
        }
    }
}

/// An org-scoped workflow can only be instantiated, org-scoped, in its own
/// org; other scopes (e.g. a user's private instance) are not restricted.
struct RequireSameOrg;

#[async_trait]
impl Step<WorkflowInstance, WorkflowInstance> for RequireSameOrg {
    fn name(&self) -> &'static str {
        "require_same_org"
    }

    async fn run(
        &self,
        ctx: &mut RequestContext<WorkflowInstance, WorkflowInstance>,
    ) -> Result<(), ApiError> {
        let ParentWorkflow(workflow) = ctx.require::<ParentWorkflow>()?;
        let organization = ApiResourceOwnerScope::Organization as i32;
        let instance_scope = ctx.new_state.metadata().map_or(0, |m| m.owner_scope);
        let workflow_scope = workflow.metadata().map_or(0, |m| m.owner_scope);
        if instance_scope != organization || workflow_scope != organization {
            return Ok(());
        }
        let (instance_org, workflow_org) = (ctx.new_state.org(), workflow.org());
        if instance_org == workflow_org {
            return Ok(());
        }
        Err(ApiError::InvalidArgument(format!(
            "metadata.org: workflow {} belongs to organization \"{workflow_org}\" and cannot be \
             instantiated in organization \"{instance_org}\"; create the instance in \
             \"{workflow_org}\" or with identity_account scope",
            workflow.id()
        )))
    }
}
