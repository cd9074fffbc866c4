//! AgentInstance: an agent configured with environments. Its agent must
//! exist (checked through the Agent service).

mod apply;
mod create;
mod delete;
mod get;
mod get_by_agent;
mod get_by_reference;
mod update;

use stigmer_api::agentic::agentinstance::v1::agent_instance_command_controller_server::{
    AgentInstanceCommandController, AgentInstanceCommandControllerServer,
};
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_server::{
    AgentInstanceQueryController, AgentInstanceQueryControllerServer,
};
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceId, AgentInstanceList, GetAgentInstancesByAgentRequest,
};
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::AgentClient;

#[derive(Clone)]
pub struct AgentInstanceController {
    store: SharedStore,
    agents: AgentClient,
}

impl AgentInstanceController {
    pub fn new(store: SharedStore, agents: AgentClient) -> Self {
        AgentInstanceController { store, agents }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                AgentInstanceCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                AgentInstanceQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl AgentInstanceCommandController for AgentInstanceController {
    async fn apply(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.apply(request).await
    }
    async fn create(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.create(request).await
    }
    async fn update(
        &self,
        request: Request<AgentInstance>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.update(request).await
    }
    async fn delete(
        &self,
        request: Request<AgentInstanceId>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl AgentInstanceQueryController for AgentInstanceController {
    async fn get(
        &self,
        request: Request<AgentInstanceId>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.get(request).await
    }
    async fn get_by_agent(
        &self,
        request: Request<GetAgentInstancesByAgentRequest>,
    ) -> Result<Response<AgentInstanceList>, Status> {
        self.get_by_agent(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.get_by_reference(request).await
    }
}
