use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::AgentController;
use crate::domain::standard;

impl AgentController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Agent>, Status> {
        standard::get_by_reference(&self.store, "agent.get_by_reference", request).await
    }
}
