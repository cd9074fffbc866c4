//! `update`: spec and metadata over the stored execution; its status is
//! server-owned and changes only through `updateStatus`.

use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use tonic::{Request, Response, Status};

use super::AgentExecutionController;
use crate::domain::standard;

impl AgentExecutionController {
    pub(super) async fn update(
        &self,
        request: Request<AgentExecution>,
    ) -> Result<Response<AgentExecution>, Status> {
        standard::update(&self.store, "agent_execution.update", request).await
    }
}
