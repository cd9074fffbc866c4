//! McpServer: a reusable MCP server definition (registered here, unlike
//! upstream). Secret values of its `env_spec` are sealed at rest like an
//! Environment's.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;
mod update;

use stigmer_api::agentic::mcpserver::v1::McpServer;
use stigmer_api::agentic::mcpserver::v1::mcp_server_command_controller_server::{
    McpServerCommandController, McpServerCommandControllerServer,
};
use stigmer_api::agentic::mcpserver::v1::mcp_server_query_controller_server::{
    McpServerQueryController, McpServerQueryControllerServer,
};
use stigmer_api::commons::apiresource::{
    ApiResourceDeleteInput, ApiResourceId, ApiResourceReference,
};
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::secrets::SecretCipher;

#[derive(Clone)]
pub struct McpServerController {
    store: SharedStore,
    cipher: SecretCipher,
}

impl McpServerController {
    pub fn new(store: SharedStore, cipher: SecretCipher) -> Self {
        McpServerController { store, cipher }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                McpServerCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                McpServerQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl McpServerCommandController for McpServerController {
    async fn apply(&self, request: Request<McpServer>) -> Result<Response<McpServer>, Status> {
        self.apply(request).await
    }
    async fn create(&self, request: Request<McpServer>) -> Result<Response<McpServer>, Status> {
        self.create(request).await
    }
    async fn update(&self, request: Request<McpServer>) -> Result<Response<McpServer>, Status> {
        self.update(request).await
    }
    async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<McpServer>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl McpServerQueryController for McpServerController {
    async fn get(&self, request: Request<ApiResourceId>) -> Result<Response<McpServer>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<McpServer>, Status> {
        self.get_by_reference(request).await
    }
}
