//! Agent: the template layer. Creating one also creates its default
//! instance through the AgentInstance service.

mod apply;
mod create;
mod delete;
mod get;
mod get_by_reference;
mod update;

use stigmer_api::agentic::agent::v1::agent_command_controller_server::{
    AgentCommandController, AgentCommandControllerServer,
};
use stigmer_api::agentic::agent::v1::agent_query_controller_server::{
    AgentQueryController, AgentQueryControllerServer,
};
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::AgentInstanceClient;

#[derive(Clone)]
pub struct AgentController {
    store: SharedStore,
    instances: AgentInstanceClient,
}

impl AgentController {
    pub fn new(store: SharedStore, instances: AgentInstanceClient) -> Self {
        AgentController { store, instances }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                AgentCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                AgentQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl AgentCommandController for AgentController {
    async fn apply(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        self.apply(request).await
    }
    async fn create(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        self.create(request).await
    }
    async fn update(&self, request: Request<Agent>) -> Result<Response<Agent>, Status> {
        self.update(request).await
    }
    async fn delete(&self, request: Request<AgentId>) -> Result<Response<Agent>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl AgentQueryController for AgentController {
    async fn get(&self, request: Request<AgentId>) -> Result<Response<Agent>, Status> {
        self.get(request).await
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Agent>, Status> {
        self.get_by_reference(request).await
    }
}
