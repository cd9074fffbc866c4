//! WorkflowInstance: a workflow bound to environments. Its workflow must
//! exist (checked through the Workflow service) and, when both are
//! organization-scoped, be in the same org.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;
mod get_by_workflow;
mod update;

use stigmer_api::agentic::workflowinstance::v1::workflow_instance_command_controller_server::{
    WorkflowInstanceCommandController, WorkflowInstanceCommandControllerServer,
};
use stigmer_api::agentic::workflowinstance::v1::workflow_instance_query_controller_server::{
    WorkflowInstanceQueryController, WorkflowInstanceQueryControllerServer,
};
use stigmer_api::agentic::workflowinstance::v1::{
    GetWorkflowInstancesByWorkflowRequest, WorkflowInstance, WorkflowInstanceId,
    WorkflowInstanceList,
};
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::WorkflowClient;

#[derive(Clone)]
pub struct WorkflowInstanceController {
    store: SharedStore,
    workflows: WorkflowClient,
}

impl WorkflowInstanceController {
    pub fn new(store: SharedStore, workflows: WorkflowClient) -> Self {
        WorkflowInstanceController { store, workflows }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                WorkflowInstanceCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                WorkflowInstanceQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl WorkflowInstanceCommandController for WorkflowInstanceController {
    async fn apply(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.apply(request).await
    }
    async fn create(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.create(request).await
    }
    async fn update(
        &self,
        request: Request<WorkflowInstance>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.update(request).await
    }
    async fn delete(
        &self,
        request: Request<WorkflowInstanceId>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl WorkflowInstanceQueryController for WorkflowInstanceController {
    async fn get(
        &self,
        request: Request<WorkflowInstanceId>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.get(request).await
    }
    async fn get_by_workflow(
        &self,
        request: Request<GetWorkflowInstancesByWorkflowRequest>,
    ) -> Result<Response<WorkflowInstanceList>, Status> {
        self.get_by_workflow(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<WorkflowInstance>, Status> {
        self.get_by_reference(request).await
    }
}
