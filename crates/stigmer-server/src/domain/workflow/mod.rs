//! Workflow: the template layer of serverless workflows. Its spec is
//! validated locally (no Temporal) on create and update; creating one also
//! creates its default instance through the WorkflowInstance service.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;
pub mod spec_validator;
mod update;
mod validate;

use stigmer_api::agentic::workflow::v1::workflow_command_controller_server::{
    WorkflowCommandController, WorkflowCommandControllerServer,
};
use stigmer_api::agentic::workflow::v1::workflow_query_controller_server::{
    WorkflowQueryController, WorkflowQueryControllerServer,
};
use stigmer_api::agentic::workflow::v1::{Workflow, WorkflowId};
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::WorkflowInstanceClient;

#[derive(Clone)]
pub struct WorkflowController {
    store: SharedStore,
    instances: WorkflowInstanceClient,
}

impl WorkflowController {
    pub fn new(store: SharedStore, instances: WorkflowInstanceClient) -> Self {
        WorkflowController { store, instances }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                WorkflowCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                WorkflowQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl WorkflowCommandController for WorkflowController {
    async fn apply(&self, request: Request<Workflow>) -> Result<Response<Workflow>, Status> {
        self.apply(request).await
    }
    async fn create(&self, request: Request<Workflow>) -> Result<Response<Workflow>, Status> {
        self.create(request).await
    }
    async fn update(&self, request: Request<Workflow>) -> Result<Response<Workflow>, Status> {
        self.update(request).await
    }
    async fn delete(&self, request: Request<WorkflowId>) -> Result<Response<Workflow>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl WorkflowQueryController for WorkflowController {
    async fn get(&self, request: Request<WorkflowId>) -> Result<Response<Workflow>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Workflow>, Status> {
        self.get_by_reference(request).await
    }
}
