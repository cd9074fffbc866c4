use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceId};
use tonic::{Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;

impl AgentInstanceController {
    pub(super) async fn delete(
        &self,
        request: Request<AgentInstanceId>,
    ) -> Result<Response<AgentInstance>, Status> {
        standard::delete(&self.store, "agent_instance.delete", request).await
    }
}
