//! Resources that several test files build the same way (an agent, an agent
//! execution, a session) and the wait for an execution's subscription to
//! end. What a test cares about (names, instructions, messages) stays a
//! parameter, so each test still says it.

use std::time::Duration;

use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionSpec, ExecutionPhase,
};
use stigmer_api::agentic::session::v1::{Session, SessionSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use tonic::transport::Channel;

pub const API_VERSION: &str = "agentic.stigmer.ai/v1";

/// Metadata of a resource in the `local` organization with `owner_scope`
/// (0 unspecified, 2 organization, 3 identity account).
pub fn metadata(name: &str, owner_scope: i32) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        name: name.into(),
        org: "local".into(),
        owner_scope,
        ..Default::default()
    })
}

/// Metadata of a resource owned by the `local` organization (scope 2).
pub fn local_metadata(name: &str) -> Option<ApiResourceMetadata> {
    metadata(name, 2)
}

/// An agent of the `local` organization with just its instructions.
pub fn agent(name: &str, instructions: &str) -> Agent {
    agent_with(
        name,
        AgentSpec {
            instructions: instructions.into(),
            ..Default::default()
        },
    )
}

/// An agent of the `local` organization with the whole `spec`.
pub fn agent_with(name: &str, spec: AgentSpec) -> Agent {
    Agent {
        api_version: API_VERSION.into(),
        kind: "Agent".into(),
        metadata: local_metadata(name),
        spec: Some(spec),
        status: None,
    }
}

/// Creates `agent` over the network; the server's answer.
pub async fn create_agent(channel: &Channel, agent: Agent) -> Agent {
    AgentCommandControllerClient::new(channel.clone())
        .create(agent)
        .await
        .unwrap()
        .into_inner()
}

/// An execution of `agent_id` in `session_id` (an empty one makes the
/// server create a session). Only a name: org and scope come from the agent.
pub fn agent_execution(
    name: &str,
    agent_id: &str,
    session_id: &str,
    message: &str,
) -> AgentExecution {
    AgentExecution {
        api_version: API_VERSION.into(),
        kind: "AgentExecution".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            ..Default::default()
        }),
        spec: Some(AgentExecutionSpec {
            agent_id: agent_id.into(),
            session_id: session_id.into(),
            message: message.into(),
            ..Default::default()
        }),
        status: None,
    }
}

/// Creates `execution` over the network; the server's answer.
pub async fn create_agent_execution(
    channel: &Channel,
    execution: AgentExecution,
) -> AgentExecution {
    AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution)
        .await
        .unwrap()
        .into_inner()
}

/// A session of the `local` organization on an agent instance.
pub fn session(name: &str, instance_id: &str, subject: &str) -> Session {
    Session {
        api_version: API_VERSION.into(),
        kind: "Session".into(),
        metadata: local_metadata(name),
        spec: Some(SessionSpec {
            agent_instance_id: instance_id.into(),
            subject: subject.into(),
            ..Default::default()
        }),
        status: None,
    }
}

/// The phase of an execution (unspecified while it has no status).
pub fn phase(execution: &AgentExecution) -> ExecutionPhase {
    ExecutionPhase::try_from(execution.status.as_ref().map_or(0, |s| s.phase)).unwrap()
}

/// Every message of `stream` until the server ends it, which must happen
/// `within` (subscriptions end after a terminal phase).
pub async fn until_end<T>(mut stream: tonic::Streaming<T>, within: Duration) -> Vec<T> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while let Some(next) = tokio::time::timeout_at(deadline, stream.message())
        .await
        .expect("the stream ends after a terminal phase")
        .unwrap()
    {
        seen.push(next);
    }
    seen
}

/// Every snapshot of a subscription to execution `id` until the server
/// ends it, `within` the given time.
pub async fn snapshots(channel: &Channel, id: &str, within: Duration) -> Vec<AgentExecution> {
    let stream = AgentExecutionQueryControllerClient::new(channel.clone())
        .subscribe(AgentExecutionId { value: id.into() })
        .await
        .unwrap()
        .into_inner();
    until_end(stream, within).await
}

/// The last snapshot of a subscription to execution `id`: its terminal state.
pub async fn final_state(channel: &Channel, id: &str, within: Duration) -> AgentExecution {
    snapshots(channel, id, within)
        .await
        .pop()
        .expect("at least one snapshot")
}
