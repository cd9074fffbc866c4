//! `create`: slug → session-or-agent → new state → default instance and
//! session when only an agent is named (both through their services) → the
//! given session checked → PENDING → the execution and its dispatch job in
//! one store batch (the outbox). A failure after the session was made
//! deletes it, so a failed create leaves no execution and no session.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentexecution::v1::{AgentExecution, ExecutionPhase};
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::agentic::session::v1::{Session, SessionSpec};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceOwnerScope};
use stigmer_pipeline::steps::{BuildNewState, ResolveSlug};
use stigmer_pipeline::{ApiError, Pipeline, RequestContext, Step};
use tonic::{Code, Request, Response, Status};

use super::{AgentExecutionController, ExecutionDownstream};
use crate::domain::{nested_failure, standard};
use crate::engine::PersistWithDispatch;

type Ctx = RequestContext<AgentExecution, AgentExecution>;

const SESSION_SUBJECT: &str = "Auto-created session";
/// Annotation naming who an auto-created identity-scoped session belongs to.
pub const SESSION_OWNER_ANNOTATION: &str = "stigmer.ai/owner-identity";

impl AgentExecutionController {
    pub(super) async fn create(
        &self,
        request: Request<AgentExecution>,
    ) -> Result<Response<AgentExecution>, Status> {
        let mut pipeline = Pipeline::new("agent_execution.create")
            .step(ResolveSlug::<AgentExecution>::new())
            .step(RequireSessionOrAgent)
            .step(BuildNewState::<AgentExecution>::new())
            .step(EnsureDefaultInstance(self.downstream.clone()))
            .step(CreateSessionIfNeeded(self.downstream.clone()));
        if self.fail_after_session {
            pipeline = pipeline.step(InjectedFailure);
        }
        let pipeline = pipeline
            .step(CheckGivenSession(self.downstream.clone()))
            .step(SetPending)
            .step(PersistWithDispatch::new(
                self.store.clone(),
                self.engine.clone(),
            ));
        standard::run(pipeline, request).await
    }
}

fn spec_ids(execution: &AgentExecution) -> (String, String) {
    execution.spec.as_ref().map_or_else(Default::default, |s| {
        (s.session_id.clone(), s.agent_id.clone())
    })
}

struct RequireSessionOrAgent;

#[async_trait]
impl Step<AgentExecution, AgentExecution> for RequireSessionOrAgent {
    fn name(&self) -> &'static str {
        "require_session_or_agent"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (session, agent) = spec_ids(&ctx.input);
        if session.is_empty() && agent.is_empty() {
            return Err(ApiError::InvalidArgument(
                "either session_id or agent_id must be provided".into(),
            ));
        }
        Ok(())
    }
}

/// The agent and its default instance, for the session step.
#[derive(Clone)]
struct AgentWithInstance {
    agent: Agent,
    instance_id: String,
}

/// Without a session: the agent's default instance, created through the
/// AgentInstance service and recorded by the Agent service when missing.
struct EnsureDefaultInstance(ExecutionDownstream);

#[async_trait]
impl Step<AgentExecution, AgentExecution> for EnsureDefaultInstance {
    fn name(&self) -> &'static str {
        "ensure_default_instance"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (session_id, agent_id) = spec_ids(&ctx.input);
        if !session_id.is_empty() {
            return Ok(());
        }
        let mut agent = self.0.agents.get(&agent_id).await?;
        let recorded = agent
            .status
            .as_ref()
            .map_or(String::new(), |s| s.default_instance_id.clone());
        let instance_id = if recorded.is_empty() {
            self.create_default_instance(&mut agent).await?
        } else {
            recorded
        };
        ctx.put(AgentWithInstance { agent, instance_id });
        Ok(())
    }
}

impl EnsureDefaultInstance {
    async fn create_default_instance(&self, agent: &mut Agent) -> Result<String, ApiError> {
        let metadata = agent.metadata().cloned().unwrap_or_default();
        let org_scoped = metadata.owner_scope == ApiResourceOwnerScope::Organization as i32;
        let instance = AgentInstance {
            api_version: agent.api_version.clone(),
            kind: "AgentInstance".to_owned(),
            metadata: Some(ApiResourceMetadata {
                name: format!("{}-default", metadata.name),
                org: if org_scoped {
                    metadata.org.clone()
                } else {
                    String::new()
                },
                owner_scope: metadata.owner_scope,
                ..Default::default()
            }),
            spec: Some(AgentInstanceSpec {
                agent_id: metadata.id.clone(),
                description: "Default instance (auto-created, no custom configuration)".into(),
                ..Default::default()
            }),
            status: None,
        };
        let created = self
            .0
            .instances
            .create_committed_by_caller(instance)
            .await
            .map_err(|status| nested_failure("failed to create default instance", &status))?;
        let instance_id = created.id().to_owned();
        agent
            .status
            .get_or_insert_with(Default::default)
            .default_instance_id = instance_id.clone();
        match self.0.agents.update(agent.clone()).await {
            Ok(updated) => {
                *agent = updated;
                Ok(instance_id)
            }
            Err(status) => {
                if let Err(undo) = self.0.instances.delete(&instance_id).await {
                    tracing::warn!(%instance_id, error = %undo.message(), "cannot remove unrecorded default instance");
                }
                Err(nested_failure(
                    "failed to record the default instance on the agent",
                    &status,
                ))
            }
        }
    }
}

/// Without a session: one made through the Session service for the
/// default instance; deleted again if a later step fails.
struct CreateSessionIfNeeded(ExecutionDownstream);

#[async_trait]
impl Step<AgentExecution, AgentExecution> for CreateSessionIfNeeded {
    fn name(&self) -> &'static str {
        "create_session_if_needed"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (session_id, _) = spec_ids(&ctx.input);
        if !session_id.is_empty() {
            return Ok(());
        }
        let AgentWithInstance { agent, instance_id } = ctx.require::<AgentWithInstance>()?.clone();
        let agent_metadata = agent.metadata.unwrap_or_default();
        let org_scoped = agent_metadata.owner_scope == ApiResourceOwnerScope::Organization as i32
            && !agent_metadata.org.is_empty();
        let mut metadata = ApiResourceMetadata {
            org: agent_metadata.org.clone(),
            ..Default::default()
        };
        if org_scoped {
            metadata.owner_scope = ApiResourceOwnerScope::Organization as i32;
        } else {
            // Platform (or unscoped) agents: the session is the caller's own.
            metadata.owner_scope = ApiResourceOwnerScope::IdentityAccount as i32;
            metadata
                .annotations
                .insert(SESSION_OWNER_ANNOTATION.to_owned(), ctx.actor.id.clone());
        }
        let mut attempts = 0;
        let created = loop {
            attempts += 1;
            metadata.name = format!("session-{}", unique_millis());
            let session = Session {
                api_version: "agentic.stigmer.ai/v1".into(),
                kind: "Session".into(),
                metadata: Some(metadata.clone()),
                spec: Some(SessionSpec {
                    agent_instance_id: instance_id.clone(),
                    subject: SESSION_SUBJECT.into(),
                    ..Default::default()
                }),
                status: None,
            };
            match self.0.sessions.create_committed_by_caller(session).await {
                Ok(created) => break created,
                Err(status) if status.code() == Code::AlreadyExists && attempts < 3 => continue,
                Err(status) => {
                    return Err(nested_failure("failed to create session", &status));
                }
            }
        };
        let session_id = created.id().to_owned();
        let sessions = self.0.sessions.clone();
        let undo_id = session_id.clone();
        ctx.on_failure("delete_created_session", move || async move {
            sessions.delete(&undo_id).await?;
            Ok(())
        });
        ctx.new_state
            .spec
            .get_or_insert_with(Default::default)
            .session_id = session_id;
        Ok(())
    }
}

/// `session-<unix millis>` names that never repeat within this process,
/// even for creates in the same millisecond.
fn unique_millis() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut previous = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(previous + 1);
        match LAST.compare_exchange(previous, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => previous = actual,
        }
    }
}

/// Test hook: fails right after the session step.
struct InjectedFailure;

#[async_trait]
impl Step<AgentExecution, AgentExecution> for InjectedFailure {
    fn name(&self) -> &'static str {
        "injected_failure"
    }

    async fn run(&self, _ctx: &mut Ctx) -> Result<(), ApiError> {
        Err(ApiError::Internal(
            "injected failure after session creation (STIGMER_TEST_FAIL_AFTER_SESSION)".into(),
        ))
    }
}

/// A session named by the client must exist and, when an agent is named
/// too, belong to an instance of that agent.
struct CheckGivenSession(ExecutionDownstream);

#[async_trait]
impl Step<AgentExecution, AgentExecution> for CheckGivenSession {
    fn name(&self) -> &'static str {
        "check_given_session"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        let (session_id, agent_id) = spec_ids(&ctx.input);
        if session_id.is_empty() {
            return Ok(());
        }
        let session = match self.0.session_reader.get(&session_id).await {
            Ok(session) => session,
            Err(status) if status.code() == Code::NotFound => {
                return Err(ApiError::NotFound(format!(
                    "spec.session_id: session {session_id} does not exist"
                )));
            }
            Err(status) => return Err(status.into()),
        };
        if agent_id.is_empty() {
            return Ok(());
        }
        let instance_id = session
            .spec
            .as_ref()
            .map_or(String::new(), |s| s.agent_instance_id.clone());
        let instance_agent = match self.0.instances.get(&instance_id).await {
            Ok(instance) => instance.spec.map(|s| s.agent_id).unwrap_or_default(),
            Err(status) if status.code() == Code::NotFound => String::new(),
            Err(status) => return Err(status.into()),
        };
        if instance_agent != agent_id {
            return Err(ApiError::InvalidArgument(format!(
                "spec.session_id: session {session_id} belongs to an instance of agent {instance_agent:?}, not of spec.agent_id {agent_id}"
            )));
        }
        Ok(())
    }
}

struct SetPending;

#[async_trait]
impl Step<AgentExecution, AgentExecution> for SetPending {
    fn name(&self) -> &'static str {
        "set_pending"
    }

    async fn run(&self, ctx: &mut Ctx) -> Result<(), ApiError> {
        // The token handshake: the caller's token (an instruction, in the
        // spec) is kept where the proto says it is stored, in the status.
        let token = ctx
            .new_state
            .spec
            .as_ref()
            .map(|s| s.callback_token.clone())
            .unwrap_or_default();
        let status = ctx.new_state.status.get_or_insert_with(Default::default);
        status.phase = ExecutionPhase::ExecutionPending as i32;
        status.callback_token = token;
        Ok(())
    }
}
