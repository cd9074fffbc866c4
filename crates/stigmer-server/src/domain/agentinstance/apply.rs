use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use tonic::{Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;

impl AgentInstanceController {
    pub(super) async fn apply(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        if standard::apply_creates(&self.store, "agent_instance.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
