use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::sealed;

impl McpServerController {
    pub(super) async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<McpServer>, Status> {
        sealed::get_by_reference(
            &self.store,
            &self.cipher,
            "mcp_server.get_by_reference",
            request,
        )
        .await
    }
}
