use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceId};
use tonic::{Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;

impl AgentInstanceController {
    pub(super) async fn get(
        &self,
        request: Request<AgentInstanceId>,
    ) -> Result<Response<AgentInstance>, Status> {
        standard::get(&self.store, "agent_instance.get", request).await
    }
}
