//! `delete` takes an `ApiResourceDeleteInput` and answers with the deleted
//! resource.

use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_api::commons::apiresource::ApiResourceDeleteInput;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::sealed;

impl McpServerController {
    pub(super) async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<McpServer>, Status> {
        sealed::delete(&self.store, &self.cipher, "mcp_server.delete", request).await
    }
}
