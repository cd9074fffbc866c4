//! `create`: the agent is stored, then its default instance is created
//! through the AgentInstance service and its id recorded on the agent. If
//! anything after the first write fails, the compensations remove what was
//! made, so a failed create leaves neither agent nor instance behind.

use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_pipeline::Pipeline;
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::default_instance::{CreateDefaultInstance, HasDefaultInstance};
use crate::domain::standard;

impl AgentController {
    fn create_pipeline(&self) -> Pipeline<Agent> {
        Pipeline::new("agent.create")
            .step(ResolveSlug::<Agent>::new())
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<Agent>::new())
            .step(Persist::new(self.store.clone()).undo_on_failure())
            .step(CreateDefaultInstance::new(self.instances.clone()))
            .step(Persist::new(self.store.clone()))
    }

    pub(super) async fn create(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        standard::run(self.create_pipeline(), request).await
    }
}

impl HasDefaultInstance for Agent {
    type Instance = AgentInstance;

    fn default_instance(&self, metadata: ApiResourceMetadata, description: &str) -> AgentInstance {
        AgentInstance {
            api_version: self.api_version.clone(),
            kind: "AgentInstance".to_owned(),
            metadata: Some(metadata),
            spec: Some(AgentInstanceSpec {
                agent_id: self.id().to_owned(),
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
