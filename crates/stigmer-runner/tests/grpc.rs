//! The gRPC source and reporter against a loopback tonic server that serves
//! exactly the rpcs the runner calls (backed by the in-memory backend). This
//! pins down what the real server must provide, until it exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::json;
use stigmer_api::agentic::agent::v1::agent_query_controller_server::{
    AgentQueryController, AgentQueryControllerServer,
};
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_server::{
    AgentExecutionCommandController, AgentExecutionCommandControllerServer,
};
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_server::{
    AgentExecutionQueryController, AgentExecutionQueryControllerServer,
};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionList, AgentExecutionUpdateStatusInput,
    ExecutionPhase, ListAgentExecutionsBySessionRequest, ListAgentExecutionsRequest,
};
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_server::{
    AgentInstanceQueryController, AgentInstanceQueryControllerServer,
};
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceId, AgentInstanceList, GetAgentInstancesByAgentRequest,
};
use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::environment::v1::environment_query_controller_server::{
    EnvironmentQueryController, EnvironmentQueryControllerServer,
};
use stigmer_api::agentic::session::v1::session_query_controller_server::{
    SessionQueryController, SessionQueryControllerServer,
};
use stigmer_api::agentic::session::v1::{
    ListSessionsByAgentRequest, ListSessionsRequest, Session, SessionId, SessionList,
};
use stigmer_api::agentic::skill::v1::skill_query_controller_server::{
    SkillQueryController, SkillQueryControllerServer,
};
use stigmer_api::agentic::skill::v1::{GetArtifactRequest, GetArtifactResponse, Skill, SkillId};
use stigmer_api::commons::apiresource::{ApiResourceId, ApiResourceReference};
use stigmer_runner::{
    ExecutionSource, GrpcExecutionSource, GrpcStatusReporter, InMemoryBackend, SecretString,
    SourceError, StatusReporter,
};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use common::{Dialect, FakeLlm, Fixture, Reply, agent_spec, stdio_server};

/// Serves the backend over gRPC and remembers the authorization headers seen.
#[derive(Clone)]
struct MiniServer {
    backend: Arc<InMemoryBackend>,
    authorizations: Arc<Mutex<Vec<String>>>,
}

impl MiniServer {
    fn seen<T>(&self, request: &Request<T>) {
        let value = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        self.authorizations.lock().unwrap().push(value);
    }
}

fn status(error: SourceError) -> Status {
    match error {
        SourceError::NotFound { .. } => Status::not_found(error.to_string()),
        SourceError::Failed { .. } => Status::internal(error.to_string()),
    }
}

#[tonic::async_trait]
impl AgentExecutionCommandController for MiniServer {
    async fn create(&self, _: Request<AgentExecution>) -> Result<Response<AgentExecution>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn update(&self, _: Request<AgentExecution>) -> Result<Response<AgentExecution>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn update_status(
        &self,
        request: Request<AgentExecutionUpdateStatusInput>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.seen(&request);
        let input = request.into_inner();
        let status = input
            .status
            .ok_or_else(|| Status::invalid_argument("status is required"))?;
        self.backend
            .report(&input.execution_id, status)
            .await
            .map_err(|error| Status::not_found(error.to_string()))?;
        let stored = self.backend.stored_execution(&input.execution_id).unwrap();
        Ok(Response::new(stored))
    }
    async fn delete(&self, _: Request<ApiResourceId>) -> Result<Response<AgentExecution>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
}

type ExecutionStream =
    Pin<Box<dyn tokio_stream::Stream<Item = Result<AgentExecution, Status>> + Send>>;

#[tonic::async_trait]
impl AgentExecutionQueryController for MiniServer {
    type subscribeStream = ExecutionStream;

    async fn get(
        &self,
        request: Request<AgentExecutionId>,
    ) -> Result<Response<AgentExecution>, Status> {
        self.seen(&request);
        let id = request.into_inner().value;
        self.backend
            .execution(&id)
            .await
            .map(Response::new)
            .map_err(status)
    }
    async fn list(
        &self,
        _: Request<ListAgentExecutionsRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn list_by_session(
        &self,
        request: Request<ListAgentExecutionsBySessionRequest>,
    ) -> Result<Response<AgentExecutionList>, Status> {
        self.seen(&request);
        let session = request.into_inner().session_id;
        let mut entries = self
            .backend
            .session_executions(&session)
            .await
            .map_err(status)?;
        // Whatever order the server lists in, the runner sorts by id.
        entries.reverse();
        Ok(Response::new(AgentExecutionList {
            total_pages: 1,
            entries,
        }))
    }
    async fn subscribe(
        &self,
        _: Request<AgentExecutionId>,
    ) -> Result<Response<Self::subscribeStream>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
}

#[tonic::async_trait]
impl SessionQueryController for MiniServer {
    async fn get(&self, request: Request<SessionId>) -> Result<Response<Session>, Status> {
        self.seen(&request);
        let id = request.into_inner().value;
        self.backend
            .session(&id)
            .await
            .map(Response::new)
            .map_err(status)
    }
    async fn list(&self, _: Request<ListSessionsRequest>) -> Result<Response<SessionList>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn list_by_agent(
        &self,
        _: Request<ListSessionsByAgentRequest>,
    ) -> Result<Response<SessionList>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
}

#[tonic::async_trait]
impl AgentInstanceQueryController for MiniServer {
    async fn get(
        &self,
        request: Request<AgentInstanceId>,
    ) -> Result<Response<AgentInstance>, Status> {
        self.seen(&request);
        let id = request.into_inner().value;
        self.backend
            .agent_instance(&id)
            .await
            .map(Response::new)
            .map_err(status)
    }
    async fn get_by_agent(
        &self,
        _: Request<GetAgentInstancesByAgentRequest>,
    ) -> Result<Response<AgentInstanceList>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn get_by_reference(
        &self,
        _: Request<ApiResourceReference>,
    ) -> Result<Response<AgentInstance>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
}

#[tonic::async_trait]
impl AgentQueryController for MiniServer {
    async fn get(&self, request: Request<AgentId>) -> Result<Response<Agent>, Status> {
        self.seen(&request);
        let id = request.into_inner().value;
        self.backend
            .agent(&id)
            .await
            .map(Response::new)
            .map_err(status)
    }
    async fn get_by_reference(
        &self,
        _: Request<ApiResourceReference>,
    ) -> Result<Response<Agent>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
}

#[tonic::async_trait]
impl SkillQueryController for MiniServer {
    async fn get(&self, _: Request<SkillId>) -> Result<Response<Skill>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Skill>, Status> {
        self.seen(&request);
        self.backend
            .skill(request.get_ref())
            .await
            .map(Response::new)
            .map_err(status)
    }
    async fn get_artifact(
        &self,
        request: Request<GetArtifactRequest>,
    ) -> Result<Response<GetArtifactResponse>, Status> {
        self.seen(&request);
        let key = request.into_inner().artifact_storage_key;
        let artifact = self.backend.skill_artifact(&key).await.map_err(status)?;
        Ok(Response::new(GetArtifactResponse { artifact }))
    }
}

#[tonic::async_trait]
impl EnvironmentQueryController for MiniServer {
    async fn get(&self, _: Request<ApiResourceId>) -> Result<Response<Environment>, Status> {
        Err(Status::unimplemented("not used by the runner"))
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Environment>, Status> {
        self.seen(&request);
        self.backend
            .environment(request.get_ref())
            .await
            .map(Response::new)
            .map_err(status)
    }
}

async fn serve(server: MiniServer) -> tonic::transport::Channel {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(AgentExecutionCommandControllerServer::new(server.clone()))
            .add_service(AgentExecutionQueryControllerServer::new(server.clone()))
            .add_service(SessionQueryControllerServer::new(server.clone()))
            .add_service(AgentInstanceQueryControllerServer::new(server.clone()))
            .add_service(AgentQueryControllerServer::new(server.clone()))
            .add_service(SkillQueryControllerServer::new(server.clone()))
            .add_service(EnvironmentQueryControllerServer::new(server))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_whole_run_over_grpc_reads_through_the_query_controllers_and_reports_via_update_status() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool("calc__echo", json!({"text": "over grpc"})),
            Reply::text("Echoed."),
            Reply::text("Second answer."),
        ],
    )
    .await;
    let mut spec = agent_spec("You are a careful test assistant.");
    spec.mcp_servers = vec![stdio_server("calc", &[])];
    let mut fixture = Fixture::new(&llm, spec);
    let server = MiniServer {
        backend: fixture.backend.clone(),
        authorizations: Arc::new(Mutex::new(Vec::new())),
    };
    let channel = serve(server.clone()).await;
    let token = SecretString::new("runner-token");
    let source =
        Arc::new(GrpcExecutionSource::new(channel.clone()).with_bearer_token(token.clone()));
    let reporter = Arc::new(GrpcStatusReporter::new(channel).with_bearer_token(token));
    let runner = fixture.runner();

    let first = fixture.create_execution("Echo something.");
    let outcome = runner
        .run(
            &first,
            source.clone(),
            reporter.clone(),
            CancellationToken::new(),
        )
        .await;
    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    assert!(outcome.reported);
    let stored = fixture.stored(&first);
    assert_eq!(stored.phase, ExecutionPhase::ExecutionCompleted as i32);
    assert_eq!(stored.tool_calls[0].result, "echo: over grpc");

    let second = fixture.create_execution("And again?");
    let outcome = runner
        .run(&second, source, reporter, CancellationToken::new())
        .await;
    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    let history = llm.requests()[2]["messages"].to_string();
    assert!(
        history.contains("Echo something.") && history.contains("Echoed."),
        "{history}"
    );

    let authorizations = server.authorizations.lock().unwrap().clone();
    assert!(authorizations.len() > 6);
    assert!(
        authorizations
            .iter()
            .all(|value| value == "Bearer runner-token")
    );
}

#[tokio::test]
async fn grpc_not_found_becomes_a_readable_failure() {
    let backend = Arc::new(InMemoryBackend::new());
    let channel = serve(MiniServer {
        backend: backend.clone(),
        authorizations: Arc::new(Mutex::new(Vec::new())),
    })
    .await;
    let source = GrpcExecutionSource::new(channel.clone());
    let error = source.session("ses-missing").await.unwrap_err();
    assert!(matches!(error, SourceError::NotFound { .. }));
    assert_eq!(error.to_string(), "session ses-missing not found");

    let reporter = GrpcStatusReporter::new(channel);
    let error = reporter
        .report("aex-missing", Default::default())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("NotFound"), "{error}");
}
