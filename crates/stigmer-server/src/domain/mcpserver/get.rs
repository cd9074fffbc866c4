use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_api::commons::apiresource::ApiResourceId;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::sealed;

impl McpServerController {
    pub(super) async fn get(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<McpServer>, Status> {
        sealed::get(&self.store, &self.cipher, "mcp_server.get", request).await
    }
}
