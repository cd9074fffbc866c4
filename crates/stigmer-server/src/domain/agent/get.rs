use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn get(&self, request: Request<AgentId>) -> Result<Response<Agent>, Status> {
        standard::get(&self.store, "agent.get", request).await
    }
}
