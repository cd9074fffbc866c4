//! `update`: the request's spec (all entries, secrets included) replaces the
//! stored one; id, slug, org and status stay.

use stigmer_api::agentic::mcpserver::v1::McpServer;
use tonic::{Request, Response, Status};

use super::McpServerController;
use crate::domain::sealed;

impl McpServerController {
    pub(super) async fn update(
        &self,
        request: Request<McpServer>,
    ) -> Result<Response<McpServer>, Status> {
        sealed::update(&self.store, &self.cipher, "mcp_server.update", request).await
    }
}
