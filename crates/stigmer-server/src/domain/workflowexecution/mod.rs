//! WorkflowExecution: one run of a workflow instance. Create commits the
//! execution with its dispatch job (outbox), making the workflow's default
//! instance through the WorkflowInstance service when only a workflow is
//! named; the engine hands it to the workflow runner; runners report
//! through `updateStatus`; `subscribe` streams snapshots.

mod create;
mod delete;
mod get;
mod list;
mod list_by_workflow;
mod subscribe;
mod update;
mod update_status;

use std::sync::Arc;

use stigmer_api::agentic::workflowexecution::v1::workflow_execution_command_controller_server::{
    WorkflowExecutionCommandController, WorkflowExecutionCommandControllerServer,
};
use stigmer_api::agentic::workflowexecution::v1::workflow_execution_query_controller_server::{
    WorkflowExecutionQueryController, WorkflowExecutionQueryControllerServer,
};
use stigmer_api::agentic::workflowexecution::v1::{
    ListWorkflowExecutionsByWorkflowRequest, ListWorkflowExecutionsRequest,
    SubscribeWorkflowExecutionRequest, WorkflowExecution, WorkflowExecutionId,
    WorkflowExecutionList, WorkflowExecutionUpdateStatusInput,
};
use stigmer_api::commons::apiresource::ApiResourceId;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::{WorkflowClient, WorkflowInstanceClient};
use crate::engine::ExecutionEngine;
use crate::streams::{ExecutionStreams, SnapshotStream};

/// The downstream services a workflow execution create calls.
#[derive(Clone)]
pub struct WorkflowExecutionDownstream {
    pub workflows: WorkflowClient,
    pub instances: WorkflowInstanceClient,
}

#[derive(Clone)]
pub struct WorkflowExecutionController {
    store: SharedStore,
    downstream: WorkflowExecutionDownstream,
    engine: Arc<dyn ExecutionEngine>,
    streams: ExecutionStreams,
}

impl WorkflowExecutionController {
    pub fn new(
        store: SharedStore,
        downstream: WorkflowExecutionDownstream,
        engine: Arc<dyn ExecutionEngine>,
        streams: ExecutionStreams,
    ) -> Self {
        WorkflowExecutionController {
            store,
            downstream,
            engine,
            streams,
        }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                WorkflowExecutionCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                WorkflowExecutionQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl WorkflowExecutionCommandController for WorkflowExecutionController {
    async fn create(
        &self,
        request: Request<WorkflowExecution>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        self.create(request).await
    }
    async fn update(
        &self,
        request: Request<WorkflowExecution>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        self.update(request).await
    }
    async fn update_status(
        &self,
        request: Request<WorkflowExecutionUpdateStatusInput>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        self.update_status(request).await
    }
    async fn delete(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl WorkflowExecutionQueryController for WorkflowExecutionController {
    async fn get(
        &self,
        request: Request<WorkflowExecutionId>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        self.get(request).await
    }
    async fn list(
        &self,
        request: Request<ListWorkflowExecutionsRequest>,
    ) -> Result<Response<WorkflowExecutionList>, Status> {
        self.list(request).await
    }
    async fn list_by_workflow(
        &self,
        request: Request<ListWorkflowExecutionsByWorkflowRequest>,
    ) -> Result<Response<WorkflowExecutionList>, Status> {
        self.list_by_workflow(request).await
    }

    type subscribeStream = SnapshotStream<WorkflowExecution>;

    async fn subscribe(
        &self,
        request: Request<SubscribeWorkflowExecutionRequest>,
    ) -> Result<Response<Self::subscribeStream>, Status> {
        self.subscribe(request).await
    }
}
