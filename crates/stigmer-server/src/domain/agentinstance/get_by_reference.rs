use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::AgentInstanceController;
use crate::domain::standard;

impl AgentInstanceController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<AgentInstance>, Status> {
        standard::get_by_reference(&self.store, "agent_instance.get_by_reference", request).await
    }
}
