//! `delete`: answers with the deleted agent. Its instances, sessions and
//! executions are kept (as upstream); they remain readable by id.

use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn delete(
        &self,
        request: Request<AgentId>,
    ) -> Result<Response<Agent>, Status> {
        standard::delete(&self.store, "agent.delete", request).await
    }
}
