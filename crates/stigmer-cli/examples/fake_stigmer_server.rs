//! A stand-in for `stigmer-server` that the CLI tests start through
//! `STIGMER_SERVER_BIN`: the same start-up contract (listens on
//! `STIGMER_LISTEN`, keeps data under `STIGMER_DATA_DIR`, reports
//! `grpc.health.v1` SERVING with the `stigmer-*` info headers, stops on
//! SIGTERM) and in-memory stubs of the rpcs the CLI calls: agents, agent
//! instances, environments, skills, sessions and agent executions with a
//! scripted run.
//!
//! Test knobs (environment):
//! - `FAKE_SERVER_CRASH_ON_START=1`: print a reason and exit 3;
//! - `FAKE_SERVER_NOT_SERVING_MS=N`: report NOT_SERVING for N ms;
//! - `FAKE_SERVER_IGNORE_SIGTERM=1`: only SIGKILL stops it.
//!
//! Scripted runs: a message containing `fail` fails, `hang` runs until it
//! is cancelled, anything else streams "Hello, world." with one tool call.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::Stream;
use stigmer_api::agentic::agent::v1::{
    Agent, AgentId, AgentStatus,
    agent_command_controller_server::{AgentCommandController, AgentCommandControllerServer},
    agent_query_controller_server::{AgentQueryController, AgentQueryControllerServer},
};
use stigmer_api::agentic::agentexecution::v1::{
    self as aex, AgentExecution, AgentExecutionId, AgentExecutionList, AgentExecutionStatus,
    AgentExecutionUpdateStatusInput, AgentMessage, ExecutionPhase, MessageType, ToolCall,
    ToolCallStatus,
    agent_execution_command_controller_server::{
        AgentExecutionCommandController, AgentExecutionCommandControllerServer,
    },
    agent_execution_query_controller_server::{
        AgentExecutionQueryController, AgentExecutionQueryControllerServer,
    },
};
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceId, AgentInstanceList, GetAgentInstancesByAgentRequest,
    agent_instance_command_controller_server::{
        AgentInstanceCommandController, AgentInstanceCommandControllerServer,
    },
    agent_instance_query_controller_server::{
        AgentInstanceQueryController, AgentInstanceQueryControllerServer,
    },
};
use stigmer_api::agentic::environment::v1::{
    Environment,
    environment_command_controller_server::{
        EnvironmentCommandController, EnvironmentCommandControllerServer,
    },
    environment_query_controller_server::{
        EnvironmentQueryController, EnvironmentQueryControllerServer,
    },
};
use stigmer_api::agentic::session::v1::{
    ListSessionsByAgentRequest, ListSessionsRequest, Session, SessionId, SessionList, SessionSpec,
    session_query_controller_server::{SessionQueryController, SessionQueryControllerServer},
};
use stigmer_api::agentic::skill::v1::{
    GetArtifactRequest, GetArtifactResponse, PushSkillRequest, Skill, SkillId, SkillSpec,
    SkillStatus,
    skill_command_controller_server::{SkillCommandController, SkillCommandControllerServer},
    skill_query_controller_server::{SkillQueryController, SkillQueryControllerServer},
};
use stigmer_api::commons::apiresource::{
    ApiResourceAuditInfo, ApiResourceDeleteInput, ApiResourceId, ApiResourceMetadata,
    ApiResourceReference,
};
use stigmer_api::{KindRegistry, Resource};
use tokio::sync::watch;
use tonic::{Request, Response, Status};

type Reply<T> = Result<Response<T>, Status>;
type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("FAKE_SERVER_CRASH_ON_START").is_some() {
        eprintln!("fake-stigmer-server: cannot open the database (crash requested)");
        std::process::exit(3);
    }
    let address: SocketAddr = match env("STIGMER_LISTEN") {
        Some(a) => a.parse()?,
        None => format!(
            "127.0.0.1:{}",
            env("GRPC_PORT").unwrap_or_else(|| "7234".into())
        )
        .parse()?,
    };
    let data_dir = env("STIGMER_DATA_DIR").unwrap_or_default();
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("fake-stigmer-server: listening on {address}, data dir {data_dir}");

    let (reporter, health) = tonic_health::server::health_reporter();
    let not_serving_ms: u64 = env("FAKE_SERVER_NOT_SERVING_MS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if not_serving_ms > 0 {
        reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
        let later = reporter.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(not_serving_ms)).await;
            later
                .set_service_status("", tonic_health::ServingStatus::Serving)
                .await;
        });
    }

    let headers = [
        ("stigmer-version", "0.0.0-fake".to_owned()),
        ("stigmer-data-dir", data_dir),
        ("stigmer-started-at", started_at.to_string()),
        ("stigmer-pid", std::process::id().to_string()),
    ];
    let add_headers = tower::util::MapResponseLayer::new(
        move |mut response: http::Response<tonic::body::Body>| {
            for (name, value) in &headers {
                if let Ok(value) = http::HeaderValue::from_str(value) {
                    response.headers_mut().insert(*name, value);
                }
            }
            response
        },
    );

    let fake = Fake::default();
    let shutdown = async {
        let ignore = env("FAKE_SERVER_IGNORE_SIGTERM").is_some();
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return std::future::pending().await;
        };
        loop {
            term.recv().await;
            if ignore {
                println!("fake-stigmer-server: ignoring SIGTERM");
            } else {
                println!("fake-stigmer-server: SIGTERM, stopping");
                return;
            }
        }
    };
    tonic::transport::Server::builder()
        .layer(add_headers)
        .add_service(health)
        .add_service(AgentCommandControllerServer::new(fake.clone()))
        .add_service(AgentQueryControllerServer::new(fake.clone()))
        .add_service(AgentInstanceCommandControllerServer::new(fake.clone()))
        .add_service(AgentInstanceQueryControllerServer::new(fake.clone()))
        .add_service(EnvironmentCommandControllerServer::new(fake.clone()))
        .add_service(EnvironmentQueryControllerServer::new(fake.clone()))
        .add_service(SkillCommandControllerServer::new(fake.clone()))
        .add_service(SkillQueryControllerServer::new(fake.clone()))
        .add_service(SessionQueryControllerServer::new(fake.clone()))
        .add_service(AgentExecutionCommandControllerServer::new(fake.clone()))
        .add_service(AgentExecutionQueryControllerServer::new(fake))
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            shutdown,
        )
        .await?;
    println!("fake-stigmer-server: stopped");
    Ok(())
}

/// Resources by id (ids sort in creation order), plus live executions.
#[derive(Clone, Default)]
struct Fake {
    next_id: Arc<AtomicU64>,
    records: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    executions: Arc<Mutex<BTreeMap<String, watch::Sender<AgentExecution>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn prefix<R: Resource>() -> String {
    KindRegistry::global()
        .get(R::KIND)
        .map(|k| k.id_prefix.clone())
        .unwrap_or_default()
}

fn slug_of(metadata: &ApiResourceMetadata) -> String {
    if metadata.slug.is_empty() {
        stigmer_pipeline::slug::slugify(&metadata.name)
    } else {
        metadata.slug.clone()
    }
}

fn audit(event: &str) -> ApiResourceAuditInfo {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    ApiResourceAuditInfo {
        created_at: Some(prost_types::Timestamp { seconds, nanos: 0 }),
        event: event.to_owned(),
        ..Default::default()
    }
}

impl Fake {
    fn new_id<R: Resource>(&self) -> String {
        format!(
            "{}-{:026}",
            prefix::<R>(),
            self.next_id.fetch_add(1, Ordering::SeqCst) + 1
        )
    }

    fn all<R: Resource>(&self) -> Vec<R> {
        let p = format!("{}-", prefix::<R>());
        lock(&self.records)
            .iter()
            .filter(|(id, _)| id.starts_with(&p))
            .filter_map(|(_, bytes)| R::decode(bytes.as_slice()).ok())
            .collect()
    }

    fn save<R: Resource>(&self, resource: &R) {
        lock(&self.records).insert(resource.id().to_owned(), resource.encode_to_vec());
    }

    fn get<R: Resource>(&self, id: &str) -> Result<R, Status> {
        let name = KindRegistry::global()
            .get(R::KIND)
            .map(|k| k.name.clone())
            .unwrap_or_default();
        lock(&self.records)
            .get(id)
            .and_then(|bytes| R::decode(bytes.as_slice()).ok())
            .filter(|r| r.id() == id && id.starts_with(&prefix::<R>()))
            .ok_or_else(|| Status::not_found(format!("{name} not found: {id}")))
    }

    fn by_reference<R: Resource>(&self, reference: &ApiResourceReference) -> Result<R, Status> {
        let name = KindRegistry::global()
            .get(R::KIND)
            .map(|k| k.name.clone())
            .unwrap_or_default();
        self.all::<R>()
            .into_iter()
            .find(|r| {
                r.slug() == reference.slug && (reference.org.is_empty() || r.org() == reference.org)
            })
            .ok_or_else(|| Status::not_found(format!("{name} not found: {}", reference.slug)))
    }

    fn delete<R: Resource>(&self, id: &str) -> Result<R, Status> {
        let found = self.get::<R>(id)?;
        lock(&self.records).remove(id);
        Ok(found)
    }

    /// Create-or-update by slug, as the real server's apply does.
    fn apply<R: Resource>(&self, mut resource: R) -> Result<R, Status> {
        stigmer_api::validation::validate(&resource)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let slug = slug_of(&resource.metadata().cloned().unwrap_or_default());
        resource.metadata_mut().slug = slug.clone();
        let org = resource.org().to_owned();
        let existing = self
            .all::<R>()
            .into_iter()
            .find(|r| r.slug() == slug && r.org() == org);
        resource.clear_status();
        match existing {
            Some(existing) => {
                resource.metadata_mut().id = existing.id().to_owned();
                resource.copy_status_from(&existing);
                resource.audit_mut().spec_audit = Some(audit("updated"));
            }
            None => {
                resource.metadata_mut().id = self.new_id::<R>();
                resource.audit_mut().spec_audit = Some(audit("created"));
            }
        }
        self.save(&resource);
        Ok(resource)
    }
}

fn unimplemented<T>() -> Reply<T> {
    Err(Status::unimplemented("not in the fake server"))
}

#[tonic::async_trait]
impl AgentCommandController for Fake {
    async fn apply(&self, request: Request<Agent>) -> Reply<Agent> {
        let mut agent = self.apply(request.into_inner())?;
        let default_instance = agent
            .status
            .as_ref()
            .map(|s| s.default_instance_id.clone())
            .unwrap_or_default();
        if default_instance.is_empty() {
            let metadata = agent.metadata.clone().unwrap_or_default();
            let instance = self.apply(AgentInstance {
                api_version: "agentic.stigmer.ai/v1".into(),
                kind: "AgentInstance".into(),
                metadata: Some(ApiResourceMetadata {
                    name: format!("{}-default", metadata.name),
                    org: metadata.org,
                    owner_scope: metadata.owner_scope,
                    ..Default::default()
                }),
                spec: Some(stigmer_api::agentic::agentinstance::v1::AgentInstanceSpec {
                    agent_id: agent.id().to_owned(),
                    ..Default::default()
                }),
                status: None,
            })?;
            agent
                .status
                .get_or_insert_with(AgentStatus::default)
                .default_instance_id = instance.id().to_owned();
            self.save(&agent);
        }
        Ok(Response::new(agent))
    }
    async fn create(&self, _: Request<Agent>) -> Reply<Agent> {
        unimplemented()
    }
    async fn update(&self, _: Request<Agent>) -> Reply<Agent> {
        unimplemented()
    }
    async fn delete(&self, request: Request<AgentId>) -> Reply<Agent> {
        Ok(Response::new(self.delete(&request.into_inner().value)?))
    }
}

#[tonic::async_trait]
impl AgentQueryController for Fake {
    async fn get(&self, request: Request<AgentId>) -> Reply<Agent> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn get_by_reference(&self, request: Request<ApiResourceReference>) -> Reply<Agent> {
        Ok(Response::new(self.by_reference(&request.into_inner())?))
    }
}

#[tonic::async_trait]
impl AgentInstanceCommandController for Fake {
    async fn apply(&self, request: Request<AgentInstance>) -> Reply<AgentInstance> {
        let instance = request.into_inner();
        let agent_id = instance
            .spec
            .as_ref()
            .map(|s| s.agent_id.clone())
            .unwrap_or_default();
        self.get::<Agent>(&agent_id)
            .map_err(|_| Status::failed_precondition(format!("Agent not found: {agent_id}")))?;
        Ok(Response::new(self.apply(instance)?))
    }
    async fn create(&self, _: Request<AgentInstance>) -> Reply<AgentInstance> {
        unimplemented()
    }
    async fn update(&self, _: Request<AgentInstance>) -> Reply<AgentInstance> {
        unimplemented()
    }
    async fn delete(&self, request: Request<AgentInstanceId>) -> Reply<AgentInstance> {
        Ok(Response::new(self.delete(&request.into_inner().value)?))
    }
}

#[tonic::async_trait]
impl AgentInstanceQueryController for Fake {
    async fn get(&self, request: Request<AgentInstanceId>) -> Reply<AgentInstance> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn get_by_agent(
        &self,
        request: Request<GetAgentInstancesByAgentRequest>,
    ) -> Reply<AgentInstanceList> {
        let agent_id = request.into_inner().agent_id;
        let items: Vec<AgentInstance> = self
            .all::<AgentInstance>()
            .into_iter()
            .filter(|i| i.spec.as_ref().is_some_and(|s| s.agent_id == agent_id))
            .collect();
        Ok(Response::new(AgentInstanceList {
            total_count: items.len() as i32,
            items,
        }))
    }
    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Reply<AgentInstance> {
        Ok(Response::new(self.by_reference(&request.into_inner())?))
    }
}

#[tonic::async_trait]
impl EnvironmentCommandController for Fake {
    async fn apply(&self, request: Request<Environment>) -> Reply<Environment> {
        Ok(Response::new(self.apply(request.into_inner())?))
    }
    async fn create(&self, _: Request<Environment>) -> Reply<Environment> {
        unimplemented()
    }
    async fn update(&self, _: Request<Environment>) -> Reply<Environment> {
        unimplemented()
    }
    async fn delete(&self, request: Request<ApiResourceDeleteInput>) -> Reply<Environment> {
        Ok(Response::new(
            self.delete(&request.into_inner().resource_id)?,
        ))
    }
}

#[tonic::async_trait]
impl EnvironmentQueryController for Fake {
    async fn get(&self, request: Request<ApiResourceId>) -> Reply<Environment> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn get_by_reference(&self, request: Request<ApiResourceReference>) -> Reply<Environment> {
        Ok(Response::new(self.by_reference(&request.into_inner())?))
    }
}

#[tonic::async_trait]
impl SkillCommandController for Fake {
    async fn push(&self, request: Request<PushSkillRequest>) -> Reply<Skill> {
        let push = request.into_inner();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(push.artifact.clone()))
            .map_err(|e| Status::invalid_argument(format!("invalid ZIP file: {e}")))?;
        let mut skill_md = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name("SKILL.md")
                .map_err(|_| Status::invalid_argument("SKILL.md not found in ZIP archive"))?,
            &mut skill_md,
        )
        .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let hash = format!("{:064x}", push.artifact.len());
        let skill = Skill {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Skill".into(),
            metadata: Some(ApiResourceMetadata {
                name: push.name,
                org: push.org,
                owner_scope: push.scope,
                ..Default::default()
            }),
            spec: Some(SkillSpec {
                skill_md,
                tag: push.tag,
            }),
            status: None,
        };
        let mut skill = self.apply(skill)?;
        skill
            .status
            .get_or_insert_with(SkillStatus::default)
            .version_hash = hash;
        self.save(&skill);
        Ok(Response::new(skill))
    }
    async fn delete(&self, request: Request<SkillId>) -> Reply<Skill> {
        Ok(Response::new(self.delete(&request.into_inner().value)?))
    }
}

#[tonic::async_trait]
impl SkillQueryController for Fake {
    async fn get(&self, request: Request<SkillId>) -> Reply<Skill> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn get_by_reference(&self, request: Request<ApiResourceReference>) -> Reply<Skill> {
        Ok(Response::new(self.by_reference(&request.into_inner())?))
    }
    async fn get_artifact(&self, _: Request<GetArtifactRequest>) -> Reply<GetArtifactResponse> {
        unimplemented()
    }
}

#[tonic::async_trait]
impl SessionQueryController for Fake {
    async fn get(&self, request: Request<SessionId>) -> Reply<Session> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn list(&self, _: Request<ListSessionsRequest>) -> Reply<SessionList> {
        Ok(Response::new(SessionList {
            total_pages: 1,
            entries: self.all(),
        }))
    }
    async fn list_by_agent(&self, _: Request<ListSessionsByAgentRequest>) -> Reply<SessionList> {
        unimplemented()
    }
}

type ExecutionStream = Pin<Box<dyn Stream<Item = Result<AgentExecution, Status>> + Send>>;

fn is_terminal(execution: &AgentExecution) -> bool {
    matches!(
        execution.status.as_ref().map(AgentExecutionStatus::phase),
        Some(
            ExecutionPhase::ExecutionCompleted
                | ExecutionPhase::ExecutionFailed
                | ExecutionPhase::ExecutionCancelled
        )
    )
}

fn ai(content: &str) -> AgentMessage {
    AgentMessage {
        r#type: MessageType::MessageAi as i32,
        content: content.to_owned(),
        ..Default::default()
    }
}

impl Fake {
    fn publish(&self, execution: AgentExecution) {
        self.save(&execution);
        if let Some(sender) = lock(&self.executions).get(execution.id()) {
            sender.send_replace(execution);
        }
    }

    /// Plays a run: phases, growing text, a tool call; or fails; or waits.
    async fn script(self, mut execution: AgentExecution, message: String) {
        let step = Duration::from_millis(60);
        let mut set = |f: &mut dyn FnMut(&mut AgentExecutionStatus)| {
            let status = execution
                .status
                .get_or_insert_with(AgentExecutionStatus::default);
            f(status);
            execution.clone()
        };
        let running = set(&mut |s| s.phase = ExecutionPhase::ExecutionInProgress as i32);
        tokio::time::sleep(step).await;
        self.publish(running);
        if message.contains("hang") {
            let working = set(&mut |s| s.messages = vec![ai("Working on it")]);
            self.publish(working);
            return; // until cancelled through updateStatus
        }
        if message.contains("fail") {
            tokio::time::sleep(step).await;
            let failed = set(&mut |s| {
                s.messages = vec![ai("Trying")];
                s.phase = ExecutionPhase::ExecutionFailed as i32;
                s.error = "the fake model refused".into();
            });
            self.publish(failed);
            return;
        }
        let tool = |status: ToolCallStatus| ToolCall {
            id: "call-1".into(),
            name: "search".into(),
            status: status as i32,
            ..Default::default()
        };
        for snapshot in [
            set(&mut |s| s.messages = vec![ai("Hello")]),
            set(&mut |s| s.messages = vec![ai("Hello, world.")]),
            set(&mut |s| s.tool_calls = vec![tool(ToolCallStatus::ToolCallRunning)]),
            set(&mut |s| {
                s.tool_calls = vec![tool(ToolCallStatus::ToolCallCompleted)];
                s.messages.push(ai("Done."));
            }),
            set(&mut |s| s.phase = ExecutionPhase::ExecutionCompleted as i32),
        ] {
            tokio::time::sleep(step).await;
            self.publish(snapshot);
        }
    }
}

#[tonic::async_trait]
impl AgentExecutionCommandController for Fake {
    async fn create(&self, request: Request<AgentExecution>) -> Reply<AgentExecution> {
        let mut execution = request.into_inner();
        stigmer_api::validation::validate(&execution)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let mut spec = execution.spec.clone().unwrap_or_default();
        if spec.session_id.is_empty() && spec.agent_id.is_empty() {
            return Err(Status::invalid_argument(
                "either session_id or agent_id must be provided",
            ));
        }
        if spec.session_id.is_empty() {
            let agent: Agent = self.get(&spec.agent_id)?;
            let session = Session {
                api_version: "agentic.stigmer.ai/v1".into(),
                kind: "Session".into(),
                metadata: Some(ApiResourceMetadata {
                    name: format!("session-{}", self.next_id.load(Ordering::SeqCst)),
                    org: agent.org().to_owned(),
                    owner_scope: 2,
                    ..Default::default()
                }),
                spec: Some(SessionSpec {
                    agent_instance_id: agent
                        .status
                        .map(|s| s.default_instance_id)
                        .unwrap_or_default(),
                    subject: "Auto-created session".into(),
                    ..Default::default()
                }),
                status: None,
            };
            spec.session_id = self.apply(session)?.id().to_owned();
        }
        let message = spec.message.clone();
        execution.spec = Some(spec);
        execution.metadata_mut().id = self.new_id::<AgentExecution>();
        execution.status = Some(AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionPending as i32,
            audit: Some(stigmer_api::commons::apiresource::ApiResourceAudit {
                spec_audit: Some(audit("created")),
                ..Default::default()
            }),
            ..Default::default()
        });
        self.save(&execution);
        let (sender, _) = watch::channel(execution.clone());
        lock(&self.executions).insert(execution.id().to_owned(), sender);
        tokio::spawn(self.clone().script(execution.clone(), message));
        Ok(Response::new(execution))
    }
    async fn update(&self, _: Request<AgentExecution>) -> Reply<AgentExecution> {
        unimplemented()
    }
    async fn update_status(
        &self,
        request: Request<AgentExecutionUpdateStatusInput>,
    ) -> Reply<AgentExecution> {
        let input = request.into_inner();
        let mut execution: AgentExecution = self.get(&input.execution_id)?;
        let update = input.status.unwrap_or_default();
        let status = execution
            .status
            .get_or_insert_with(AgentExecutionStatus::default);
        if update.phase() != ExecutionPhase::Unspecified {
            status.phase = update.phase;
        }
        if !update.messages.is_empty() {
            status.messages = update.messages;
        }
        self.publish(execution.clone());
        Ok(Response::new(execution))
    }
    async fn delete(&self, request: Request<ApiResourceId>) -> Reply<AgentExecution> {
        Ok(Response::new(self.delete(&request.into_inner().value)?))
    }
}

#[tonic::async_trait]
impl AgentExecutionQueryController for Fake {
    async fn get(&self, request: Request<AgentExecutionId>) -> Reply<AgentExecution> {
        Ok(Response::new(self.get(&request.into_inner().value)?))
    }
    async fn list(&self, _: Request<aex::ListAgentExecutionsRequest>) -> Reply<AgentExecutionList> {
        Ok(Response::new(AgentExecutionList {
            total_pages: 1,
            entries: self.all(),
        }))
    }
    async fn list_by_session(
        &self,
        request: Request<aex::ListAgentExecutionsBySessionRequest>,
    ) -> Reply<AgentExecutionList> {
        let session_id = request.into_inner().session_id;
        let entries = self
            .all::<AgentExecution>()
            .into_iter()
            .filter(|e| e.spec.as_ref().is_some_and(|s| s.session_id == session_id))
            .collect();
        Ok(Response::new(AgentExecutionList {
            total_pages: 1,
            entries,
        }))
    }

    type subscribeStream = ExecutionStream;

    /// Registers first, then reads: the first message is the current
    /// snapshot and the stream ends after a terminal phase.
    async fn subscribe(&self, request: Request<AgentExecutionId>) -> Reply<ExecutionStream> {
        let id = request.into_inner().value;
        let mut receiver = lock(&self.executions)
            .get(&id)
            .map(watch::Sender::subscribe);
        let current = match receiver.as_mut() {
            Some(rx) => rx.borrow_and_update().clone(),
            None => self.get(&id)?,
        };
        let stream = async_stream(current, receiver);
        Ok(Response::new(stream))
    }
}

fn async_stream(
    current: AgentExecution,
    receiver: Option<watch::Receiver<AgentExecution>>,
) -> ExecutionStream {
    let state = (Some(current), receiver, false);
    Box::pin(futures::stream::unfold(
        state,
        |(first, mut receiver, done)| async move {
            if done {
                return None;
            }
            if let Some(first) = first {
                let terminal = is_terminal(&first);
                return Some((Ok(first), (None, receiver, terminal)));
            }
            let rx = receiver.as_mut()?;
            rx.changed().await.ok()?;
            let next = rx.borrow_and_update().clone();
            let terminal = is_terminal(&next);
            Some((Ok(next), (None, receiver, terminal)))
        },
    ))
}
