//! `create`: the agent is stored, then its default instance is created
//! through the AgentInstance service and its id recorded on the agent. If
//! anything after the first write fails, the compensations remove what was
//! made, so a failed create leaves neither agent nor instance behind.

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceOwnerScope};
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;
use crate::downstream::AgentInstanceClient;

const DEFAULT_INSTANCE_DESCRIPTION: &str =
    "Default instance (auto-created, no custom configuration)";

impl AgentController {
    fn create_pipeline(&self) -> Pipeline<Agent> {
        Pipeline::new("agent.create")
            .step(ResolveSlug::<Agent>::new())
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<Agent>::new())
            .step(Persist::new(self.store.clone()).undo_on_failure())
            .step(CreateDefaultInstance {
                instances: self.instances.clone(),
            })
            .step(Persist::new(self.store.clone()))
    }

    pub(super) async fn create(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        standard::run(self.create_pipeline(), request).await
    }
}

/// Creates `<agent name>-default` through the AgentInstance client and
/// records its id in `status.default_instance_id`.
struct CreateDefaultInstance {
    instances: AgentInstanceClient,
}

#[async_trait]
impl Step<Agent, Agent> for CreateDefaultInstance {
    fn name(&self) -> &'static str {
        "create_default_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<Agent, Agent>) -> Result<(), ApiError> {
        let agent = &ctx.new_state;
        let metadata = agent.metadata().cloned().unwrap_or_default();
        let org_scoped = metadata.owner_scope == ApiResourceOwnerScope::Organization as i32;
        let instance = AgentInstance {
            api_version: agent.api_version.clone(),
            kind: "AgentInstance".to_owned(),
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
            spec: Some(AgentInstanceSpec {
                agent_id: metadata.id.clone(),
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
