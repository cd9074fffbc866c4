use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use tonic::{Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;

impl AgentInstanceController {
    pub(super) async fn update(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        standard::update(&self.store, "agent_instance.update", request).await
    }
}
