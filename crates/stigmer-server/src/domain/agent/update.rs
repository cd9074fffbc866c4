//! `update`: the request's spec and metadata over the stored agent; id,
//! slug, org, owner scope and status stay. One exception keeps status
//! server-owned yet lets other kinds fill in a missing default instance
//! without writing the agent's record themselves: a call from the server
//! itself may set `status.default_instance_id` ([`AdoptDefaultInstance`]).

use stigmer_api::agentic::agent::v1::Agent;
use stigmer_pipeline::Pipeline;
use stigmer_pipeline::steps::{BuildUpdateState, LoadExisting, Persist, ResolveSlug};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::default_instance::AdoptDefaultInstance;
use crate::domain::{from_system, standard};

impl AgentController {
    pub(super) async fn update(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        let mut pipeline = Pipeline::new("agent.update")
            .step(ResolveSlug::<Agent>::new())
            .step(LoadExisting::new(self.store.clone()))
            .step(BuildUpdateState::<Agent>::new());
        if from_system(&request) {
            pipeline = pipeline.step(AdoptDefaultInstance::new(self.store.clone()));
        }
        standard::run(pipeline.step(Persist::new(self.store.clone())), request).await
    }
}
