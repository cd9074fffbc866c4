//! An in-memory stand-in for the server: it serves reads like the query
//! controllers and merges status updates like `updateStatus`. Used by tests
//! and the benchmark until the server exists.

use std::collections::HashMap;
use std::sync::Mutex;

use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, ExecutionPhase,
};
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::session::v1::Session;
use stigmer_api::agentic::skill::v1::Skill;
use stigmer_api::commons::apiresource::ApiResourceReference;

use super::{ExecutionSource, SourceError, describe_reference};
use crate::status::{ReportError, StatusReporter, merge_status};

#[derive(Default)]
struct State {
    agents: HashMap<String, Agent>,
    instances: HashMap<String, AgentInstance>,
    sessions: HashMap<String, Session>,
    /// In creation order, like the server's listBySession.
    executions: Vec<AgentExecution>,
    /// Execution id → position in `executions`.
    execution_index: HashMap<String, usize>,
    /// Every pushed version, oldest first.
    skills: Vec<Skill>,
    artifacts: HashMap<String, Vec<u8>>,
    environments: Vec<Environment>,
    /// Every update received, per execution, in arrival order.
    updates: HashMap<String, Vec<AgentExecutionStatus>>,
}

/// Resources and executions held in memory; implements both
/// [`ExecutionSource`] and [`StatusReporter`].
#[derive(Default)]
pub struct InMemoryBackend {
    state: Mutex<State>,
}

fn id_of(metadata: Option<&stigmer_api::commons::apiresource::ApiResourceMetadata>) -> String {
    metadata.map(|m| m.id.clone()).unwrap_or_default()
}

fn slug_and_org(
    metadata: Option<&stigmer_api::commons::apiresource::ApiResourceMetadata>,
) -> (&str, &str) {
    metadata.map_or(("", ""), |m| (m.slug.as_str(), m.org.as_str()))
}

fn matches_reference(
    metadata: Option<&stigmer_api::commons::apiresource::ApiResourceMetadata>,
    reference: &ApiResourceReference,
) -> bool {
    let (slug, org) = slug_and_org(metadata);
    slug == reference.slug && (reference.org.is_empty() || org == reference.org)
}

impl InMemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores (or replaces) an agent.
    pub fn put_agent(&self, agent: Agent) {
        let id = id_of(agent.metadata.as_ref());
        self.state().agents.insert(id, agent);
    }

    /// Stores (or replaces) an agent instance.
    pub fn put_agent_instance(&self, instance: AgentInstance) {
        let id = id_of(instance.metadata.as_ref());
        self.state().instances.insert(id, instance);
    }

    /// Stores (or replaces) a session.
    pub fn put_session(&self, session: Session) {
        let id = id_of(session.metadata.as_ref());
        self.state().sessions.insert(id, session);
    }

    /// Appends an execution, or replaces the one with the same id.
    pub fn put_execution(&self, execution: AgentExecution) {
        let id = id_of(execution.metadata.as_ref());
        let mut state = self.state();
        match state.execution_index.get(&id).copied() {
            Some(position) => state.executions[position] = execution,
            None => {
                let position = state.executions.len();
                state.executions.push(execution);
                state.execution_index.insert(id, position);
            }
        }
    }

    /// Adds a skill version (the newest is "latest").
    pub fn put_skill(&self, skill: Skill) {
        self.state().skills.push(skill);
    }

    /// Stores a skill artifact under its storage key.
    pub fn put_skill_artifact(&self, storage_key: impl Into<String>, zip: Vec<u8>) {
        self.state().artifacts.insert(storage_key.into(), zip);
    }

    /// Stores an environment.
    pub fn put_environment(&self, environment: Environment) {
        self.state().environments.push(environment);
    }

    /// The stored execution with every update merged in.
    pub fn stored_execution(&self, id: &str) -> Option<AgentExecution> {
        let state = self.state();
        let position = *state.execution_index.get(id)?;
        state.executions.get(position).cloned()
    }

    /// Every status update received for `id`, in order.
    pub fn updates(&self, id: &str) -> Vec<AgentExecutionStatus> {
        self.state().updates.get(id).cloned().unwrap_or_default()
    }

    /// What a client's `updateStatus(phase: CANCELLED)` does to the record.
    pub fn request_cancel(&self, id: &str) {
        let mut state = self.state();
        let position = state.execution_index.get(id).copied();
        if let Some(execution) = position.and_then(|p| state.executions.get_mut(p)) {
            execution.status.get_or_insert_default().phase =
                ExecutionPhase::ExecutionCancelled as i32;
        }
    }
}

#[async_trait::async_trait]
impl ExecutionSource for InMemoryBackend {
    async fn execution(&self, id: &str) -> Result<AgentExecution, SourceError> {
        self.stored_execution(id).ok_or(SourceError::NotFound {
            kind: "agent execution",
            key: id.to_owned(),
        })
    }

    async fn session(&self, id: &str) -> Result<Session, SourceError> {
        self.state()
            .sessions
            .get(id)
            .cloned()
            .ok_or(SourceError::NotFound {
                kind: "session",
                key: id.to_owned(),
            })
    }

    async fn agent_instance(&self, id: &str) -> Result<AgentInstance, SourceError> {
        self.state()
            .instances
            .get(id)
            .cloned()
            .ok_or(SourceError::NotFound {
                kind: "agent instance",
                key: id.to_owned(),
            })
    }

    async fn agent(&self, id: &str) -> Result<Agent, SourceError> {
        self.state()
            .agents
            .get(id)
            .cloned()
            .ok_or(SourceError::NotFound {
                kind: "agent",
                key: id.to_owned(),
            })
    }

    async fn session_executions(
        &self,
        session_id: &str,
    ) -> Result<Vec<AgentExecution>, SourceError> {
        Ok(self
            .state()
            .executions
            .iter()
            .filter(|execution| {
                execution
                    .spec
                    .as_ref()
                    .is_some_and(|spec| spec.session_id == session_id)
            })
            .cloned()
            .collect())
    }

    async fn skill(&self, reference: &ApiResourceReference) -> Result<Skill, SourceError> {
        let state = self.state();
        let mut versions = state
            .skills
            .iter()
            .rev()
            .filter(|skill| matches_reference(skill.metadata.as_ref(), reference));
        let version = reference.version.trim();
        let found = if version.is_empty() || version == "latest" {
            versions.next()
        } else {
            versions.find(|skill| {
                skill
                    .status
                    .as_ref()
                    .is_some_and(|status| status.version_hash == version)
                    || skill.spec.as_ref().is_some_and(|spec| spec.tag == version)
            })
        };
        found.cloned().ok_or(SourceError::NotFound {
            kind: "skill",
            key: describe_reference(reference),
        })
    }

    async fn skill_artifact(&self, storage_key: &str) -> Result<Vec<u8>, SourceError> {
        self.state()
            .artifacts
            .get(storage_key)
            .cloned()
            .ok_or(SourceError::NotFound {
                kind: "skill artifact",
                key: storage_key.to_owned(),
            })
    }

    async fn environment(
        &self,
        reference: &ApiResourceReference,
    ) -> Result<Environment, SourceError> {
        self.state()
            .environments
            .iter()
            .find(|environment| matches_reference(environment.metadata.as_ref(), reference))
            .cloned()
            .ok_or(SourceError::NotFound {
                kind: "environment",
                key: describe_reference(reference),
            })
    }
}

#[async_trait::async_trait]
impl StatusReporter for InMemoryBackend {
    async fn report(
        &self,
        execution_id: &str,
        status: AgentExecutionStatus,
    ) -> Result<ExecutionPhase, ReportError> {
        let mut state = self.state();
        state
            .updates
            .entry(execution_id.to_owned())
            .or_default()
            .push(status.clone());
        let position = state.execution_index.get(execution_id).copied();
        let execution = position
            .and_then(|p| state.executions.get_mut(p))
            .ok_or_else(|| ReportError(format!("AgentExecution not found: {execution_id}")))?;
        let stored = execution.status.get_or_insert_default();
        merge_status(stored, status);
        Ok(ExecutionPhase::try_from(stored.phase).unwrap_or(ExecutionPhase::Unspecified))
    }
}
