//! ExecutionContext: per-execution values (operator-managed, no update rpc).
//! Secret values are sealed at rest like an Environment's.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;

use stigmer_api::agentic::executioncontext::v1::execution_context_command_controller_server::{
    ExecutionContextCommandController, ExecutionContextCommandControllerServer,
};
use stigmer_api::agentic::executioncontext::v1::execution_context_query_controller_server::{
    ExecutionContextQueryController, ExecutionContextQueryControllerServer,
};
use stigmer_api::agentic::executioncontext::v1::{ExecutionContext, ExecutionContextId};
use stigmer_api::commons::apiresource::{ApiResourceDeleteInput, ApiResourceReference};
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::secrets::SecretCipher;

#[derive(Clone)]
pub struct ExecutionContextController {
    store: SharedStore,
    cipher: SecretCipher,
}

impl ExecutionContextController {
    pub fn new(store: SharedStore, cipher: SecretCipher) -> Self {
        ExecutionContextController { store, cipher }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                ExecutionContextCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                ExecutionContextQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl ExecutionContextCommandController for ExecutionContextController {
    async fn apply(
        &self,
        request: Request<ExecutionContext>,
    ) -> Result<Response<ExecutionContext>, Status> {
        self.apply(request).await
    }
    async fn create(
        &self,
        request: Request<ExecutionContext>,
    ) -> Result<Response<ExecutionContext>, Status> {
        self.create(request).await
    }
    async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<ExecutionContext>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl ExecutionContextQueryController for ExecutionContextController {
    async fn get(
        &self,
        request: Request<ExecutionContextId>,
    ) -> Result<Response<ExecutionContext>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<ExecutionContext>, Status> {
        self.get_by_reference(request).await
    }
}
