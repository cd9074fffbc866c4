//! AgentExecution: one run of an agent. Create commits the execution with
//! its dispatch job (outbox), making the default instance and the session
//! through their services when needed; the engine runs it; runners report
//! through `updateStatus`; `subscribe` streams snapshots.

mod create;
mod delete;
mod get;
mod list;
mod subscribe;
mod update;
mod update_status;

use std::sync::Arc;

use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_server::{
    AgentExecutionCommandController, AgentExecutionCommandControllerServer,
};
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_server::{
    AgentExecutionQueryController, AgentExecutionQueryControllerServer,
};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionList, AgentExecutionUpdateStatusInput,
    ListAgentExecutionsBySessionRequest, ListAgentExecutionsRequest,
};
use stigmer_api::commons::apiresource::ApiResourceId;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::{AgentClient, AgentInstanceClient, SessionClient, SessionReader};
use crate::engine::ExecutionEngine;
use crate::streams::{ExecutionStreams, SnapshotStream};

/// The downstream services an execution create calls.
#[derive(Clone)]
pub struct ExecutionDownstream {
    pub agents: AgentClient,
    pub instances: AgentInstanceClient,
    pub sessions: SessionClient,
    pub session_reader: SessionReader,
}

#[derive(Clone)]
pub struct AgentExecutionController {
    store: SharedStore,
    downstream: ExecutionDownstream,
    engine: Arc<dyn ExecutionEngine>,
    streams: ExecutionStreams,
    /// Test hook (`STIGMER_TEST_FAIL_AFTER_SESSION`): fail every create
    /// right after its session was made, to prove the compensations.
    fail_after_session: bool,
}

impl AgentExecutionController {
    pub fn new(
        store: SharedStore,
        downstream: ExecutionDownstream,
        engine: Arc<dyn ExecutionEngine>,
        streams: ExecutionStreams,
    ) -> Self {
        AgentExecutionController {
            store,
            downstream,
            engine,
            streams,
            fail_after_session: false,
        }
    }

    #[must_use]
    pub fn fail_after_session(mut self, fail: bool) -> Self {
        self.fail_after_session = fail;
        self
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                AgentExecutionCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                AgentExecutionQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl AgentExecutionCommandController for AgentExecutionController {
    async fn create(
        &self,
        request: Request<AgentExecution>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.create(request).await
    }
    async fn update(
        &self,
        request: Request<AgentExecution>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.update(request).await
    }
    async fn update_status(
        &self,
        request: Request<AgentExecutionUpdateStatusInput>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.update_status(request).await
    }
    async fn delete(
        &self,
        request: Request<ApiResourceId>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl AgentExecutionQueryController for AgentExecutionController {
    async fn get(
        &self,
        request: Request<AgentExecutionId>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.get(request).await
    }
    async fn list(
        &self,
        request: Request<ListAgentExecutionsRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        self.list(request).await
    }
    async fn list_by_session(
        &self,
        request: Request<ListAgentExecutionsBySessionRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        self.list_by_session(request).await
    }

    type subscribeStream = SnapshotStream<AgentExecution>;

    async fn subscribe(
        &self,
        request: Request<AgentExecutionId>,
    ) -> Result<Response<Self::subscribeStream>, Status> {
        self.subscribe(request).await
    }
}
