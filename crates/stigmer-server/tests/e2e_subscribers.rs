//! One thousand subscribers on one agent execution, over a few HTTP/2
//! connections to the real binary: every one gets the first snapshot and
//! the final one, and every stream ends after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use stigmer_api::Resource;
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecutionId, AgentExecutionStatus, AgentExecutionUpdateStatusInput, ExecutionPhase,
};
use tokio::sync::mpsc;

use common::fixtures;

const SUBSCRIBERS: usize = 1000;
/// The server allows a bounded number of streams per connection, so the
/// subscribers share a few connections (as many clients would).
const CONNECTIONS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_all_receive_the_final_snapshot() {
    // The fake runner keeps the execution running until the test ends it.
    let server = common::Server::start_with(&[("STIGMER_TEST_FAKE_RUNNER", "600000")]).await;
    let channel = server.channel().await;
    let agent = fixtures::create_agent(
        &channel,
        fixtures::agent("Broadcaster", "You answer briefly."),
    )
    .await;
    let execution = fixtures::create_agent_execution(
        &channel,
        fixtures::agent_execution("fan-out", agent.id(), "", "Tell everyone"),
    )
    .await;
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
