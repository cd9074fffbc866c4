//! Session: a conversation with an agent instance. Its instance must exist
//! (asked of the AgentInstance service); lists read the store's indexes and
//! paginate (upstream always answered empty).

mod apply;
mod create;
mod delete;
mod get;
mod list;
mod list_by_agent;
mod paging;
mod update;

use stigmer_api::agentic::session::v1::session_command_controller_server::{
    SessionCommandController, SessionCommandControllerServer,
};
use stigmer_api::agentic::session::v1::session_query_controller_server::{
    SessionQueryController, SessionQueryControllerServer,
};
use stigmer_api::agentic::session::v1::{
    ListSessionsByAgentRequest, ListSessionsRequest, Session, SessionId, SessionList,
};
use stigmer_grpc::RuntimeBuilder;
use stigmer_pipeline::steps::SharedStore;
use tonic::{Request, Response, Status};

use crate::downstream::AgentInstanceClient;

/// Response metadata carrying the cursor of the next page (absent on the
/// last page); `SessionList` has no field for it on the wire.
pub const NEXT_PAGE_TOKEN_HEADER: &str = "x-next-page-token";

#[derive(Clone)]
pub struct SessionController {
    store: SharedStore,
    instances: AgentInstanceClient,
}

impl SessionController {
    pub fn new(store: SharedStore, instances: AgentInstanceClient) -> Self {
        SessionController { store, instances }
    }

    /// Adds the command and query services to the runtime.
    pub fn register(self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .add_service(stigmer_grpc::message_limits!(
                SessionCommandControllerServer::new(self.clone())
            ))
            .add_service(stigmer_grpc::message_limits!(
                SessionQueryControllerServer::new(self)
            ))
    }
}

#[tonic::async_trait]
impl SessionCommandController for SessionController {
    async fn apply(&self, request: Request<Session>) -> Result<Response<Session>, Status> {
        self.apply(request).await
    }
    async fn create(&self, request: Request<Session>) -> Result<Response<Session>, Status> {
        self.create(request).await
    }
    async fn update(&self, request: Request<Session>) -> Result<Response<Session>, Status> {
        self.update(request).await
    }
    async fn delete(&self, request: Request<SessionId>) -> Result<Response<Session>, Status> {
        self.delete(request).await
    }
}

#[tonic::async_trait]
impl SessionQueryController for SessionController {
    async fn get(&self, request: Request<SessionId>) -> Result<Response<Session>, Status> {
        self.get(request).await
    }
    async fn list(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<SessionList>, Status> {
        self.list(request).await
    }
    async fn list_by_agent(
        &self,
        request: Request<ListSessionsByAgentRequest>,
    ) -> Result<Response<SessionList>, Status> {
        self.list_by_agent(request).await
    }
}
