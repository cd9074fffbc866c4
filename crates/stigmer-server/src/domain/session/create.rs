//! `create`: the session's agent instance must exist (FAILED_PRECONDITION
//! otherwise) — asked of the AgentInstance service, not read from its
//! records.

use async_trait::async_trait;
use stigmer_api::agentic::session::v1::Session;
use stigmer_pipeline::steps::{BuildNewState, CheckDuplicate, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Code, Request, Response, Status};

use super::SessionController;
use crate::domain::standard;
use crate::downstream::AgentInstanceClient;

impl SessionController {
    pub(super) async fn create(
        &self,
        request: Request<Session>,
    ) -> Result<Response<Session>, Status> {
        let pipeline = Pipeline::new("session.create")
            .step(ResolveSlug::<Session>::new())
            .step(RequireAgentInstance {
                instances: self.instances.clone(),
            })
            .step(CheckDuplicate::new(self.store.clone()))
            .step(BuildNewState::<Session>::new())
            .step(Persist::new(self.store.clone()));
        standard::run(pipeline, request).await
    }
}

/// Fails unless `spec.agent_instance_id`, when given, names an existing
/// agent instance (validation already rejects an empty one).
struct RequireAgentInstance {
    instances: AgentInstanceClient,
}

#[async_trait]
impl Step<Session, Session> for RequireAgentInstance {
    fn name(&self) -> &'static str {
        "require_agent_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<Session, Session>) -> Result<(), ApiError> {
        let instance_id = ctx
            .new_state
            .spec
            .as_ref()
            .map_or("", |s| s.agent_instance_id.as_str());
        if instance_id.is_empty() {
            return Ok(());
        }
        match self.instances.get(instance_id).await {
            Ok(_) => Ok(()),
            Err(status) if status.code() == Code::NotFound => Err(ApiError::FailedPrecondition(
                format!("spec.agent_instance_id: agent instance {instance_id} does not exist"),
            )),
            Err(status) => Err(status.into()),
        }
    }
}
