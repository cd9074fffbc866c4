//! `apply`: create when no agent has the slug in the org yet, else update.

use stigmer_api::agentic::agent::v1::Agent;
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn apply(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        if standard::apply_creates(&self.store, "agent.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
