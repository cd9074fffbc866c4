//! One thousand subscribers on one agent execution, over a few HTTP/2
//! connections to the real binary: every one gets the first snapshot and
//! the final one, and every stream ends after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionSpec, AgentExecutionStatus,
    AgentExecutionUpdateStatusInput, ExecutionPhase,
};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use tokio::sync::mpsc;

const SUBSCRIBERS: usize = 1000;
/// The server allows a bounded number of streams per connection, so the
/// subscribers share a few connections (as many clients would).
const CONNECTIONS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_all_receive_the_final_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    // The fake runner keeps the execution running until the test ends it.
    let server = common::Server::start_in(
        dir.path().to_path_buf(),
        &[("STIGMER_TEST_FAKE_RUNNER", "600000")],
    )
    .await;
    let channel = server.channel().await;
    let agent = AgentCommandControllerClient::new(channel.clone())
        .create(Agent {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Agent".into(),
            metadata: Some(ApiResourceMetadata {
                name: "Broadcaster".into(),
                org: "local".into(),
                owner_scope: 2,
                ..Default::default()
            }),
            spec: Some(AgentSpec {
                instructions: "You answer briefly.".into(),
                ..Default::default()
            }),
            status: None,
        })
        .await
        .unwrap()
        .into_inner();
    let execution = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(AgentExecution {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "AgentExecution".into(),
            metadata: Some(ApiResourceMetadata {
                name: "fan-out".into(),
                ..Default::default()
            }),
            spec: Some(AgentExecutionSpec {
                agent_id: agent.id().into(),
                message: "Tell everyone".into(),
                ..Default::default()
            }),
            status: None,
        })
        .await
        .unwrap()
        .into_inner();
    let id = execution.id().to_owned();

    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        connections.push(server.channel().await);
    }
    let (opened, mut opened_rx) = mpsc::unbounded_channel::<()>();
    let mut subscribers = Vec::with_capacity(SUBSCRIBERS);
    for n in 0..SUBSCRIBERS {
        let connection = connections[n % CONNECTIONS].clone();
        let id = id.clone();
        let opened = opened.clone();
        subscribers.push(tokio::spawn(async move {
            let mut stream = AgentExecutionQueryControllerClient::new(connection)
                .subscribe(AgentExecutionId { value: id })
                .await
                .unwrap()
                .into_inner();
            let first = stream.message().await.unwrap().expect("a first snapshot");
            opened.send(()).unwrap();
            let mut last = first;
            while let Some(next) = stream.message().await.unwrap() {
                last = next;
            }
            last
        }));
    }
    for _ in 0..SUBSCRIBERS {
        tokio::time::timeout(Duration::from_secs(60), opened_rx.recv())
            .await
            .expect("every subscriber gets its first snapshot")
            .unwrap();
    }

    AgentExecutionCommandControllerClient::new(channel.clone())
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: id.clone(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionCompleted as i32,
                error: String::new(),
                completed_at: "2026-01-01T00:00:00.000Z".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();

    for subscriber in subscribers {
        let last = tokio::time::timeout(Duration::from_secs(60), subscriber)
            .await
            .expect("every stream ends after the terminal snapshot")
            .unwrap();
        let status = last.status.unwrap();
        assert_eq!(status.phase, ExecutionPhase::ExecutionCompleted as i32);
        assert_eq!(status.completed_at, "2026-01-01T00:00:00.000Z");
    }
}
