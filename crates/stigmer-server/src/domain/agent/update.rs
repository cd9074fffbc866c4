//! `update`: the request's spec and metadata over the stored agent; id,
//! slug, org, owner scope and status stay. One exception keeps status
//! server-owned yet lets other kinds fill in a missing default instance
//! without writing the agent's record themselves: a call from the server
//! itself (system identity, only possible on the in-process channel) may set
//! `status.default_instance_id` when the agent has none.

use async_trait::async_trait;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_grpc::Identity;
use stigmer_pipeline::steps::{BuildUpdateState, Existing, LoadExisting, Persist, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn update(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        let from_system = matches!(
            request.extensions().get::<Identity>(),
            Some(Identity::System)
        );
        let mut pipeline = Pipeline::new("agent.update")
            .step(ResolveSlug::<Agent>::new())
            .step(LoadExisting::new(self.store.clone()))
            .step(BuildUpdateState::<Agent>::new());
        if from_system {
            pipeline = pipeline.step(AdoptDefaultInstance);
        }
        standard::run(pipeline.step(Persist::new(self.store.clone())), request).await
    }
}

/// Records the requested default instance when the agent has none.
struct AdoptDefaultInstance;

#[async_trait]
impl Step<Agent, Agent> for AdoptDefaultInstance {
    fn name(&self) -> &'static str {
        "adopt_default_instance"
    }

    async fn run(&self, ctx: &mut RequestContext<Agent, Agent>) -> Result<(), ApiError> {
        let requested = ctx
            .input
            .status
            .as_ref()
            .map_or("", |s| s.default_instance_id.as_str());
        let stored = ctx
            .require::<Existing<Agent>>()?
            .resource
            .status
            .as_ref()
            .map_or(String::new(), |s| s.default_instance_id.clone());
        if !requested.is_empty() && stored.is_empty() {
            ctx.new_state
                .status
                .get_or_insert_with(Default::default)
                .default_instance_id = requested.to_owned();
        }
        Ok(())
    }
}
