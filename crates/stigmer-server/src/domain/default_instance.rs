//! The create step Agent and Workflow share: make the parent's default
//! instance `<parent name>-default` through the instance kind's downstream
//! client (so it runs every layer, as the system), record its id in the
//! parent's status, and delete it again if a later step fails. And the
//! update step through which another kind records a default instance it
//! had to make, so only the parent's own service writes the parent.

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::workflowinstance::v1::WorkflowInstance;
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceOwnerScope};
use stigmer_pipeline::steps::{Existing, SharedStore};
use stigmer_pipeline::{ApiError, RequestContext, Step};
use tonic::Status;

use crate::domain::nested_failure;
use crate::downstream::{AgentInstanceClient, Channel, WorkflowInstanceClient};

const DESCRIPTION: &str = "Default instance (auto-created, no custom configuration)";

/// A kind whose create makes a default instance of another kind.
pub trait HasDefaultInstance: Resource {
    type Instance: Resource;

    /// The instance with `metadata` and `description`, pointing at this
    /// (already identified) parent.
    fn default_instance(&self, metadata: ApiResourceMetadata, description: &str) -> Self::Instance;

    fn default_instance_id(&self) -> &str;

    fn set_default_instance_id(&mut self, id: String);
}

/// The downstream client that creates (and, to compensate, deletes)
/// instances of `I`.
#[async_trait]
pub trait InstanceService<I>: Clone + Send + Sync + 'static {
    async fn create_instance(&self, instance: I) -> Result<I, Status>;
    async fn delete_instance(&self, id: &str) -> Result<(), Status>;
}

/// Creates the parent's default instance through `instances` and records
/// its id in the parent's `status.default_instance_id`.
pub struct CreateDefaultInstance<S> {
    instances: S,
}

impl<S> CreateDefaultInstance<S> {
    pub fn new(instances: S) -> Self {
        CreateDefaultInstance { instances }
    }
}

#[async_trait]
impl<R, S> Step<R, R> for CreateDefaultInstance<S>
where
    R: HasDefaultInstance,
    S: InstanceService<R::Instance>,
{
    fn name(&self) -> &'static str {
        "create_default_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let parent = ctx.new_state.metadata().cloned().unwrap_or_default();
        let org_scoped = parent.owner_scope == ApiResourceOwnerScope::Organization as i32;
        let metadata = ApiResourceMetadata {
            // The name, not the slug: "My Agent-default" → my-agent-default.
            name: format!("{}-default", parent.name),
            org: if org_scoped {
                parent.org
            } else {
                String::new()
            },
            owner_scope: parent.owner_scope,
            ..Default::default()
        };
        let instance = ctx.new_state.default_instance(metadata, DESCRIPTION);
        let created = self
            .instances
            .create_instance(instance)
            .await
            .map_err(|status| nested_failure("failed to create default instance", &status))?;
        let instance_id = created.id().to_owned();
        let (instances, undo_id) = (self.instances.clone(), instance_id.clone());
        ctx.on_failure("delete_default_instance", move || async move {
            instances.delete_instance(&undo_id).await?;
            Ok(())
        });
        ctx.new_state.set_default_instance_id(instance_id);
        Ok(())
    }
}

/// In an update from the server itself (system identity, only possible on
/// the in-process channel): records the requested default instance when the
/// parent has none or its recorded one no longer exists. Status otherwise
/// stays server-owned.
pub struct AdoptDefaultInstance {
    store: SharedStore,
}

impl AdoptDefaultInstance {
    pub fn new(store: SharedStore) -> Self {
        AdoptDefaultInstance { store }
    }
}

#[async_trait]
impl<R: HasDefaultInstance> Step<R, R> for AdoptDefaultInstance {
    fn name(&self) -> &'static str {
        "adopt_default_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let requested = ctx.input.default_instance_id().to_owned();
        let stored = ctx
            .require::<Existing<R>>()?
            .resource
            .default_instance_id()
            .to_owned();
        if requested.is_empty() || requested == stored {
            return Ok(());
        }
        let dangling = stored.is_empty() || !self.store.exists(R::Instance::KIND, &stored).await?;
        if dangling {
            ctx.new_state.set_default_instance_id(requested);
        }
        Ok(())
    }
}

#[async_trait]
impl<C: Channel> InstanceService<AgentInstance> for AgentInstanceClient<C> {
    async fn create_instance(&self, instance: AgentInstance) -> Result<AgentInstance, Status> {
        self.create(instance).await
    }
    async fn delete_instance(&self, id: &str) -> Result<(), Status> {
        self.delete(id).await.map(drop)
    }
}

#[async_trait]
impl<C: Channel> InstanceService<WorkflowInstance> for WorkflowInstanceClient<C> {
    async fn create_instance(
        &self,
        instance: WorkflowInstance,
    ) -> Result<WorkflowInstance, Status> {
        self.create(instance).await
    }
    async fn delete_instance(&self, id: &str) -> Result<(), Status> {
        self.delete(id).await.map(drop)
    }
}
