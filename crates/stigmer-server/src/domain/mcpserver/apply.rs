use stigmer_api::agentic::mcpserver::v1::McpServer;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::standard;

impl McpServerController {
    pub(super) async fn apply(
        &self,
        request: Request<McpServer>,
    ) -> Result<Response<McpServer>, Status> {
        if standard::apply_creates(&self.store, "mcp_server.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
