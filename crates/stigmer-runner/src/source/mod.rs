//! Where the runner reads an execution and everything around it: a small
//! trait so the embedded engine (in-process channel), a standalone runner
//! (network channel) and tests (memory) plug in the same way.

mod grpc;
mod memory;

use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::session::v1::Session;
use stigmer_api::agentic::skill::v1::Skill;
use stigmer_api::commons::apiresource::ApiResourceReference;

pub use grpc::GrpcExecutionSource;
pub(crate) use grpc::authorized_request as grpc_request;
pub use memory::InMemoryBackend;

/// A read failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The resource does not exist.
    #[error("{kind} {key} not found")]
    NotFound {
        /// Kind, e.g. "session".
        kind: &'static str,
        /// Id or reference that was looked up.
        key: String,
    },
    /// The server answered with another error.
    #[error("reading {kind} {key} failed: {message}")]
    Failed {
        /// Kind, e.g. "session".
        kind: &'static str,
        /// Id or reference that was looked up.
        key: String,
        /// The server's message.
        message: String,
    },
}

/// Read access to the resources an execution needs.
#[async_trait::async_trait]
pub trait ExecutionSource: Send + Sync {
    /// The execution itself.
    async fn execution(&self, id: &str) -> Result<AgentExecution, SourceError>;
    /// A session by id.
    async fn session(&self, id: &str) -> Result<Session, SourceError>;
    /// An agent instance by id.
    async fn agent_instance(&self, id: &str) -> Result<AgentInstance, SourceError>;
    /// An agent by id.
    async fn agent(&self, id: &str) -> Result<Agent, SourceError>;
    /// The executions of a session, oldest first (the current one included).
    async fn session_executions(
        &self,
        session_id: &str,
    ) -> Result<Vec<AgentExecution>, SourceError>;
    /// A skill version by reference (version: empty/"latest", a tag or a hash).
    async fn skill(&self, reference: &ApiResourceReference) -> Result<Skill, SourceError>;
    /// The zip archive stored under `storage_key`.
    async fn skill_artifact(&self, storage_key: &str) -> Result<Vec<u8>, SourceError>;
    /// An environment by reference.
    async fn environment(
        &self,
        reference: &ApiResourceReference,
    ) -> Result<Environment, SourceError>;
}

/// Renders a reference as `org/slug@version` for messages.
pub(crate) fn describe_reference(reference: &ApiResourceReference) -> String {
    let mut text = String::new();
    if !reference.org.is_empty() {
        text.push_str(&reference.org);
        text.push('/');
    }
    text.push_str(&reference.slug);
    if !reference.version.is_empty() {
        text.push('@');
        text.push_str(&reference.version);
    }
    text
}
