//! Shared test fixtures: an in-memory "server" with an agent, its default
//! instance, a session, and executions; a runner configured against a fake
//! LLM server (from `stigmer-testkit`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use stigmer_api::agentic::agent::v1::{
    Agent, AgentSpec, AgentStatus, McpServerDefinition, StdioServer, SubAgent,
    mcp_server_definition::ServerType,
};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionSpec, AgentExecutionStatus, ExecutionPhase,
};
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::agentic::session::v1::{Session, SessionSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_runner::{
    AgentRunner, InMemoryBackend, LlmConfig, LlmProviderKind, RunOutcome, RunnerConfig,
    SecretString,
};
use tokio_util::sync::CancellationToken;

pub use stigmer_testkit::{Dialect, FakeLlm, Reply};

pub const AGENT_ID: &str = "agt-01test";
pub const INSTANCE_ID: &str = "ain-01test";
pub const SESSION_ID: &str = "ses-01test";

pub fn metadata(id: &str, name: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        id: id.to_owned(),
        name: name.to_owned(),
        slug: name.to_owned(),
        org: "acme".to_owned(),
        ..Default::default()
    })
}

/// The path of the stdio fake MCP server of `stigmer-testkit`.
pub fn fake_mcp_server() -> String {
    stigmer_testkit::fake_mcp_server()
        .to_string_lossy()
        .into_owned()
}

/// An MCP server definition running the fake stdio server.
pub fn stdio_server(name: &str, extra_args: &[&str]) -> McpServerDefinition {
    McpServerDefinition {
        name: name.to_owned(),
        server_type: Some(ServerType::Stdio(StdioServer {
            command: fake_mcp_server(),
            args: extra_args.iter().map(|arg| (*arg).to_owned()).collect(),
            env_placeholders: HashMap::new(),
            working_dir: String::new(),
        })),
        enabled_tools: Vec::new(),
    }
}

pub fn agent_spec(instructions: &str) -> AgentSpec {
    AgentSpec {
        instructions: instructions.to_owned(),
        ..Default::default()
    }
}

pub fn sub_agent(name: &str, instructions: &str) -> SubAgent {
    SubAgent {
        name: name.to_owned(),
        description: format!("{name} helper"),
        instructions: instructions.to_owned(),
        ..Default::default()
    }
}

/// A backend, a workspace and a runner against `llm`.
pub struct Fixture {
    pub backend: Arc<InMemoryBackend>,
    pub workspace: tempfile::TempDir,
    pub config: RunnerConfig,
    next_execution: u32,
}

impl Fixture {
    /// The agent with `spec`, its default instance and a session.
    pub fn new(llm: &FakeLlm, spec: AgentSpec) -> Self {
        let provider = match llm.dialect() {
            Dialect::OpenAi => LlmProviderKind::OpenAi,
            Dialect::Anthropic => LlmProviderKind::Anthropic,
        };
        let mut llm_config = LlmConfig::for_provider(provider);
        llm_config.base_url = llm.base_url();
        llm_config.api_key = Some(SecretString::new("test-key"));
        llm_config.model = "test-model".to_owned();
        Self::with_llm_config(llm_config, spec)
    }

    pub fn with_llm_config(mut llm: LlmConfig, spec: AgentSpec) -> Self {
        llm.retry_base_delay = Duration::from_millis(10);
        let workspace = tempfile::tempdir().unwrap();
        let mut config = RunnerConfig::new(llm, workspace.path());
        config.status_interval = Duration::from_millis(20);
        config.status_heartbeat = Duration::from_millis(100);
        config.mcp_startup_timeout = Duration::from_secs(20);
        let backend = Arc::new(InMemoryBackend::new());
        backend.put_agent(Agent {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Agent".into(),
            metadata: metadata(AGENT_ID, "helper"),
            spec: Some(spec),
            status: Some(AgentStatus {
                default_instance_id: INSTANCE_ID.into(),
                ..Default::default()
            }),
        });
        backend.put_agent_instance(AgentInstance {
            metadata: metadata(INSTANCE_ID, "helper-default"),
            spec: Some(AgentInstanceSpec {
                agent_id: AGENT_ID.into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        backend.put_session(Session {
            metadata: metadata(SESSION_ID, "session-1"),
            spec: Some(SessionSpec {
                agent_instance_id: INSTANCE_ID.into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        Self {
            backend,
            workspace,
            config,
            next_execution: 0,
        }
    }

    pub fn session_workspace(&self) -> PathBuf {
        self.workspace.path().join(SESSION_ID)
    }

    /// Stores a PENDING execution in the session and returns its id.
    pub fn create_execution(&mut self, message: &str) -> String {
        self.create_execution_with(AgentExecutionSpec {
            session_id: SESSION_ID.into(),
            agent_id: AGENT_ID.into(),
            message: message.into(),
            ..Default::default()
        })
    }

    pub fn create_execution_with(&mut self, spec: AgentExecutionSpec) -> String {
        self.next_execution += 1;
        let id = format!("aex-{:04}", self.next_execution);
        self.backend.put_execution(AgentExecution {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "AgentExecution".into(),
            metadata: metadata(&id, &format!("execution-{}", self.next_execution)),
            spec: Some(spec),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionPending as i32,
                ..Default::default()
            }),
        });
        id
    }

    pub fn runner(&self) -> AgentRunner {
        AgentRunner::new(self.config.clone())
    }

    pub async fn run(&self, execution_id: &str) -> RunOutcome {
        self.run_with(execution_id, CancellationToken::new()).await
    }

    pub async fn run_with(&self, execution_id: &str, cancel: CancellationToken) -> RunOutcome {
        self.runner()
            .run(
                execution_id,
                self.backend.clone(),
                self.backend.clone(),
                cancel,
            )
            .await
    }

    pub fn stored(&self, execution_id: &str) -> AgentExecutionStatus {
        self.backend
            .stored_execution(execution_id)
            .unwrap()
            .status
            .unwrap()
    }
}
