use stigmer_api::agentic::mcpserver::v1::McpServer;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::sealed;

impl McpServerController {
    pub(super) async fn create(
        &self,
        request: Request<McpServer>,
    ) -> Result<Response<McpServer>, Status> {
        sealed::create(&self.store, &self.cipher, "mcp_server.create", request).await
    }
}
