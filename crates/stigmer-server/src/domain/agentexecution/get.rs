use stigmer_api::agentic::agentexecution::v1::{AgentExecution, AgentExecutionId};
use tonic::{Request, Response, Status};

use super::AgentExecutionController;
use crate::domain::standard;

impl AgentExecutionController {
    pub(super) async fn get(
        &self,
        request: Request<AgentExecutionId>,
    ) -> Result<Response<AgentExecution>, Status> {
        standard::get(&self.store, "agent_execution.get", request).await
    }
}
