//! `update`: the request's spec and metadata over the stored agent; id,
//! slug, org, owner scope and status stay.

use stigmer_api::agentic::agent::v1::Agent;
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn update(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        standard::update(&self.store, "agent.update", request).await
    }
}
