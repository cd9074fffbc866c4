//! Environment: named variables and secrets agents run with. Secret
//! values are sealed at rest (ARCHITECTURE decision 7) and opened in every
//! answer.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;
mod update;

use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::environment::v1::environment_command_controller_server::{
    EnvironmentCommandController, EnvironmentCommandControllerServer,
};
use stigmer_api::agentic::environment::v1::environment_query_controller_server::{
    EnvironmentQueryController, EnvironmentQueryControllerServer,
};
use stigmer_api::commons::apiresource::{
    ApiResourceDeleteInput, ApiResourceId, ApiResourceReference,
};
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::secrets::SecretCipher;

#[derive(Clone)]
pub struct EnvironmentController {
    store: SharedStore,
    cipher: SecretCipher,
}

impl EnvironmentController {
    pub fn new(store: SharedStore, cipher: SecretCipher) -> Self {
        EnvironmentController { store, cipher }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                EnvironmentCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                EnvironmentQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl EnvironmentCommandController for EnvironmentController {
    async fn apply(&self, request: Request<Environment>) -> Result<Response<Environment>, Status> {
        self.apply(request).await
    }
    async fn create(&self, request: Request<Environment>) -> Result<Response<Environment>, Status> {
        self.create(request).await
    }
    async fn update(&self, request: Request<Environment>) -> Result<Response<Environment>, Status> {
        self.update(request).await
    }
    async fn delete(
        &self,
        request: Request<ApiResourceDeleteInput>,
    ) -> Result<Response<Environment>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl EnvironmentQueryController for EnvironmentController {
    async fn get(&self, request: Request<ApiResourceId>) -> Result<Response<Environment>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Environment>, Status> {
        self.get_by_reference(request).await
    }
}
