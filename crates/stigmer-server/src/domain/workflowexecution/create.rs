//! `create`: slug → workflow-or-instance → new state → the instance (the one
//! named, checked through the WorkflowInstance service, or the workflow's
//! default one, made through that service when missing) → PENDING → the
//! execution and its dispatch job in one store batch (the outbox). A
//! default instance made here is deleted again when a later step fails.
//!
//! Unlike upstream, executions may share names (as agent executions do), a
//! named instance must exist, and the execution always records both the
//! instance and its workflow so `listByWorkflow` works for either id.

use async_trait::async_trait;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflowexecution::v1::{ExecutionPhase, WorkflowExecution};
use stigmer_api::agentic::workflowinstance::v1::{WorkflowInstance, WorkflowInstanceSpec};
use stigmer_api::commons::apiresource::{
    ApiResourceMetadata, ApiResourceOwnerScope, ApiResourceReference,
};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_pipeline::slug::slugify;
use stigmer_pipeline::steps::{BuildNewState, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Code, Request, Response, Status};

use super::{WorkflowExecutionController, WorkflowExecutionDownstream};
use crate::domain::{nested_failure, standard};
use crate::engine::PersistWithDispatch;

type Ctx = RequestContext<WorkflowExecution, WorkflowExecution>;

impl WorkflowExecutionController {
    pub(super) async fn create(
        &self,
        request: Request<WorkflowExecution>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        let pipeline = Pipeline::new("workflow_execution.create")
            .step(ResolveSlug::<WorkflowExecution>::new())
            .step(RequireWorkflowOrInstance)
            .step(BuildNewState::<WorkflowExecution>::new())
            .step(ResolveInstance(self.downstream.clone()))
            .step(SetPending)
            .step(PersistWithDispatch::new(
                self.store.clone(),
                self.engine.clone(),
            ));
        standard::run(pipeline, request).await
    }
}

fn spec_ids(execution: &WorkflowExecution) -> (String, String) {
    execution.spec.as_ref().map_or_else(Default::default, |s| {
        (s.workflow_instance_id.clone(), s.workflow_id.clone())
    })
}

struct RequireWorkflowOrInstance;

#[async_trait]
impl Step<WorkflowExecution, WorkflowExecution> for RequireWorkflowOrInstance {
    fn name(&self) -> &'static str {
        "require_workflow_or_instance"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (instance, workflow) = spec_ids(&ctx.input);
        if instance.is_empty() && workflow.is_empty() {
            return Err(ApiError::InvalidArgument(
                "either workflow_id or workflow_instance_id must be provided".into(),
            ));
        }
        Ok(())
    }
}

/// Fills `spec.workflow_instance_id` and `spec.workflow_id`: from the named
/// instance (which must exist and, when a workflow is named too, belong to
/// it), else from the workflow's default instance.
struct ResolveInstance(WorkflowExecutionDownstream);

#[async_trait]
impl Step<WorkflowExecution, WorkflowExecution> for ResolveInstance {
    fn name(&self) -> &'static str {
        "resolve_instance"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (instance_id, workflow_id) = spec_ids(&ctx.input);
        let (instance_id, workflow_id) = if instance_id.is_empty() {
            let instance_id = self.default_instance(ctx, &workflow_id).await?;
            (instance_id, workflow_id)
        } else {
            let owner = self.instance_workflow(&instance_id).await?;
            if !workflow_id.is_empty() && owner != workflow_id {
                return Err(ApiError::InvalidArgument(format!(
                    "spec.workflow_instance_id: instance {instance_id} belongs to workflow {owner:?}, not to spec.workflow_id {workflow_id}"
                )));
            }
            (instance_id, owner)
        };
        let spec = ctx.new_state.spec.get_or_insert_with(Default::default);
        spec.workflow_instance_id = instance_id;
        spec.workflow_id = workflow_id;
        Ok(())
    }
}

impl ResolveInstance {
    /// The workflow id of an existing instance; NOT_FOUND when it is absent.
    async fn instance_workflow(&self, instance_id: &str) -> Result<String, ApiError> {
        match self.0.instances.get(instance_id).await {
            Ok(instance) => Ok(instance.spec.map(|s| s.workflow_id).unwrap_or_default()),
            Err(status) if status.code() == Code::NotFound => Err(ApiError::NotFound(format!(
                "spec.workflow_instance_id: workflow instance {instance_id} does not exist"
            ))),
            Err(status) => Err(status.into()),
        }
    }

    /// The workflow's recorded default instance if it still exists, else
    /// the existing `<name>-default` instance of that workflow, else a new
    /// one made through the WorkflowInstance service — removed again if the
    /// create fails later. An instance found or made here is recorded as
    /// the workflow's default through the Workflow service (the only writer
    /// of the workflow's record).
    async fn default_instance(&self, ctx: &mut Ctx, workflow_id: &str) -> Result<String, ApiError> {
        let workflow = match self.0.workflows.get(workflow_id).await {
            Ok(workflow) => workflow,
            Err(status) if status.code() == Code::NotFound => {
                return Err(ApiError::NotFound(format!(
                    "Workflow not found: {workflow_id}"
                )));
            }
            Err(status) => return Err(status.into()),
        };
        let recorded = workflow
            .status
            .as_ref()
            .map_or("", |s| s.default_instance_id.as_str());
        if !recorded.is_empty() {
            // The recorded instance may have been deleted since; then a new
            // default is made rather than running a missing instance.
            match self.0.instances.get(recorded).await {
                Ok(_) => return Ok(recorded.to_owned()),
                Err(status) if status.code() == Code::NotFound => {}
                Err(status) => return Err(status.into()),
            }
        }
        let instance = default_instance_of(&workflow);
        let metadata = instance.metadata.clone().unwrap_or_default();
        let reference = ApiResourceReference {
            scope: metadata.owner_scope,
            org: metadata.org.clone(),
            kind: ApiResourceKind::WorkflowInstance as i32,
            slug: slugify(&metadata.name),
            version: String::new(),
        };
        match self.0.instances.get_by_reference(reference).await {
            Ok(existing)
                if existing
                    .spec
                    .as_ref()
                    .is_some_and(|s| s.workflow_id == workflow_id) =>
            {
                let instance_id = existing.id().to_owned();
                self.record_default(workflow, &instance_id).await;
                return Ok(instance_id);
            }
            Ok(_) => {}
            Err(status) if status.code() == Code::NotFound => {}
            Err(status) => return Err(status.into()),
        }
        let created = self
            .0
            .instances
            .create_committed_by_caller(instance)
            .await
            .map_err(|status| {
                nested_failure("failed to create default workflow instance", &status)
            })?;
        let instance_id = created.id().to_owned();
        let instances = self.0.instances.clone();
        let undo_id = instance_id.clone();
        ctx.on_failure("delete_default_instance", move || async move {
            instances.delete(&undo_id).await?;
            Ok(())
        });
        self.record_default(workflow, &instance_id).await;
        Ok(instance_id)
    }

    /// Sets the workflow's `status.default_instance_id` through the Workflow
    /// service. Best effort: the instance is valid either way and the next
    /// create finds it by its slug, so a failure (say, a concurrent update
    /// of the workflow) is logged, not returned.
    async fn record_default(&self, mut workflow: Workflow, instance_id: &str) {
        workflow
            .status
            .get_or_insert_with(Default::default)
            .default_instance_id = instance_id.to_owned();
        if let Err(status) = self.0.workflows.update(workflow).await {
            tracing::warn!(%instance_id, error = %status.message(), "cannot record the default instance on the workflow");
        }
    }
}

/// The default instance of a workflow, as Workflow create makes it.
fn default_instance_of(workflow: &Workflow) -> WorkflowInstance {
    let metadata = workflow.metadata().cloned().unwrap_or_default();
    let org = if metadata.owner_scope == ApiResourceOwnerScope::Organization as i32 {
        metadata.org
    } else {
        String::new()
    };
    WorkflowInstance {
        api_version: workflow.api_version.clone(),
        kind: "WorkflowInstance".to_owned(),
        metadata: Some(ApiResourceMetadata {
            name: format!("{}-default", metadata.name),
            org,
            owner_scope: metadata.owner_scope,
            ..Default::default()
        }),
        spec: Some(WorkflowInstanceSpec {
            workflow_id: metadata.id,
            description: "Default instance (auto-created by a workflow execution)".to_owned(),
            ..Default::default()
        }),
        status: None,
    }
}

struct SetPending;

#[async_trait]
impl Step<WorkflowExecution, WorkflowExecution> for SetPending {
    fn name(&self) -> &'static str {
        "set_pending"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        ctx.new_state
            .status
            .get_or_insert_with(Default::default)
            .phase = ExecutionPhase::ExecutionPending as i32;
        Ok(())
    }
}
