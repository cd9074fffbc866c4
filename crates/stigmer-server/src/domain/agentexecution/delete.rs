//! `delete`: answers with the deleted execution; an active run is cancelled.

use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use stigmer_api::commons::apiresource::ApiResourceId;
use tonic::{Request, Response, Status};

use super::AgentExecutionController;
use crate::domain::standard;

impl AgentExecutionController {
    pub(super) async fn delete(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<AgentExecution>, Status> {
        let id = request.get_ref().value.clone();
        let deleted = standard::delete(&self.store, "agent_execution.delete", request).await?;
        self.engine.request_cancel(&id);
        Ok(deleted)
    }
}
