//! `create`: the instance's agent must exist (FAILED_PRECONDITION
//! otherwise) — asked of the Agent service, not read from its records.

use async_trait::async_trait;
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Code, Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;
use crate::downstream::AgentClient;

impl AgentInstanceController {
    pub(super) async fn create(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        let pipeline = Pipeline::new("agent_instance.create")
            .step(ResolveSlug::<AgentInstance>::new())
            .step(RequireAgent {
                agents: self.agents.clone(),
            })
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<AgentInstance>::new())
            .step(Persist::new(self.store.clone()));
        standard::run(pipeline, request).await
    }
}

/// Fails unless `spec.agent_id` names an existing agent.
pub(super) struct RequireAgent {
    pub(super) agents: AgentClient,
}

#[async_trait]
impl Step<AgentInstance, AgentInstance> for RequireAgent {
    fn name(&self) -> &'static str {
        "require_agent"
    }

    async fn run(
        &self,
        ctx: &mut RequestContext<AgentInstance, AgentInstance>,
    ) -> Result<(), ApiError> {
        let agent_id = ctx
            .new_state
            .spec
            .as_ref()
            .map_or("", |s| s.agent_id.as_str());
        if agent_id.is_empty() {
            return Err(ApiError::InvalidArgument(
                "spec.agent_id is required".into(),
            ));
        }
        match self.agents.get(agent_id).await {
            Ok(_) => Ok(()),
            Err(status) if status.code() == Code::NotFound => Err(ApiError::FailedPrecondition(
                format!("spec.agent_id: agent {agent_id} does not exist"),
            )),
            Err(status) => Err(status.into()),
        }
    }
}
