//! AgentExecution over the network against the real binary: sessions made
//! through the Session service, compensation, the embedded engine with the
//! test runner, and subscribe under a hammering writer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionStatus, AgentExecutionUpdateStatusInput,
    AgentMessage, ExecutionPhase, ListAgentExecutionsRequest,
};
use stigmer_api::agentic::session::v1::session_query_controller_client::SessionQueryControllerClient;
use stigmer_api::agentic::session::v1::{ListSessionsRequest, SessionId};
use tonic::Code;
use tonic::transport::Channel;

use common::fixtures::{self, phase};

async fn create_agent(channel: &Channel, name: &str) -> Agent {
    fixtures::create_agent(channel, fixtures::agent(name, "You answer briefly.")).await
}

fn execution_of(agent_id: &str, session_id: &str) -> AgentExecution {
    fixtures::agent_execution("execution-1", agent_id, session_id, "What is 2+2?")
}

/// Every snapshot of a subscription until the server ends it.
async fn snapshots(channel: &Channel, id: &str) -> Vec<AgentExecution> {
    fixtures::snapshots(channel, id, Duration::from_secs(30)).await
}

#[tokio::test]
async fn agent_only_create_gets_its_session_from_the_session_service_and_no_runner_fails_it() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, "Math Helper").await;
    let default_instance = agent.status.as_ref().unwrap().default_instance_id.clone();

    let created = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of(agent.id(), ""))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("aex-"), "{created:?}");
    let session_id = created.spec.as_ref().unwrap().session_id.clone();
    assert!(
        session_id.starts_with("ses-"),
        "session recorded: {created:?}"
    );

    let session = SessionQueryControllerClient::new(channel.clone())
        .get(SessionId {
            value: session_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(session.kind, "Session");
    let spec = session.spec.as_ref().unwrap();
    assert_eq!(spec.agent_instance_id, default_instance);
    assert_eq!(spec.subject, "Auto-created session");
    let metadata = session.metadata.as_ref().unwrap();
    assert_eq!((metadata.owner_scope, metadata.org.as_str()), (2, "local"));
    assert!(metadata.name.starts_with("session-"), "{metadata:?}");

    let log = server.log();
    assert!(
        log.lines().any(|line| line
            .contains("/ai.stigmer.agentic.session.v1.SessionCommandController/create")
            && line.contains("system")),
        "nested Session create logged with the system identity:\n{log}"
    );

    // No runner is configured: the execution fails fast, naming the setting.
    let seen = snapshots(&channel, created.id()).await;
    let last = seen.last().unwrap();
    assert_eq!(phase(last), ExecutionPhase::ExecutionFailed, "{seen:?}");
    let error = &last.status.as_ref().unwrap().error;
    assert!(error.contains("no agent runner is configured"), "{error}");
    assert!(error.contains("STIGMER_AGENT_RUNNER=embedded"), "{error}");

    // Already terminal: a new subscription gets the snapshot and ends.
    let again = snapshots(&channel, created.id()).await;
    assert_eq!(again.len(), 1);
    assert_eq!(phase(&again[0]), ExecutionPhase::ExecutionFailed);

    // Executions and sessions of the given session must match.
    let other = create_agent(&channel, "Other Agent").await;
    let mismatch = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of(other.id(), &session_id))
        .await
        .unwrap_err();
    assert_eq!(mismatch.code(), Code::InvalidArgument, "{mismatch:?}");
    let missing = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of("", "ses-does-not-exist"))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    let neither = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of("", ""))
        .await
        .unwrap_err();
    assert_eq!(neither.code(), Code::InvalidArgument);
    assert!(
        neither
            .message()
            .contains("either session_id or agent_id must be provided")
    );
}

#[tokio::test]
async fn a_failure_after_the_session_leaves_no_execution_and_no_session() {
    let server = common::Server::start_with(&[("STIGMER_TEST_FAIL_AFTER_SESSION", "1")]).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, "Doomed").await;

    let error = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of(agent.id(), ""))
        .await
        .unwrap_err();
    assert!(error.message().contains("injected failure"), "{error:?}");

    let executions = AgentExecutionQueryControllerClient::new(channel.clone())
        .list(ListAgentExecutionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(executions.entries.is_empty(), "{executions:?}");
    let sessions = SessionQueryControllerClient::new(channel.clone())
        .list(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        sessions.entries.is_empty(),
        "the session was removed: {sessions:?}"
    );
    assert!(
        server.log().contains("SessionCommandController/delete"),
        "removed through the Session service"
    );
}

#[tokio::test]
async fn the_engine_runs_executions_and_subscribers_see_them_end() {
    let server = common::Server::start_with(&[("STIGMER_TEST_FAKE_RUNNER", "300")]).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, "Runner Test").await;
    let mut executions = AgentExecutionCommandControllerClient::new(channel.clone());

    let created = executions
        .create(execution_of(agent.id(), ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(phase(&created), ExecutionPhase::ExecutionPending);
    let seen = snapshots(&channel, created.id()).await;
    let phases: Vec<_> = seen.iter().map(phase).collect();
    assert!(
        phases.contains(&ExecutionPhase::ExecutionInProgress),
        "{phases:?}"
    );
    let last = seen.last().unwrap();
    assert_eq!(
        phase(last),
        ExecutionPhase::ExecutionCompleted,
        "{phases:?}"
    );
    assert_eq!(
        last.status.as_ref().unwrap().messages[0].content,
        "fake answer to: What is 2+2?"
    );

    // A late IN_PROGRESS after COMPLETED is refused.
    let late = executions
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: created.id().into(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionInProgress as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(late.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn cancellation_stops_the_run_and_hammered_subscribers_lose_nothing() {
    let server = common::Server::start_with(&[("STIGMER_TEST_FAKE_RUNNER", "60000")]).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, "Long Runner").await;
    let mut executions = AgentExecutionCommandControllerClient::new(channel.clone());
    let created = executions
        .create(execution_of(agent.id(), ""))
        .await
        .unwrap()
        .into_inner();
    let id = created.id().to_owned();

    // Subscribers join while a writer hammers updateStatus.
    let writer = {
        let mut executions = executions.clone();
        let id = id.clone();
        tokio::spawn(async move {
            for n in 0..200 {
                executions
                    .update_status(AgentExecutionUpdateStatusInput {
                        execution_id: id.clone(),
                        status: Some(AgentExecutionStatus {
                            messages: vec![AgentMessage {
                                content: format!("step {n}"),
                                ..Default::default()
                            }],
                            ..Default::default()
                        }),
                    })
                    .await
                    .unwrap();
            }
        })
    };
    let mut subscribers = Vec::new();
    for _ in 0..8 {
        let channel = channel.clone();
        let id = id.clone();
        subscribers.push(tokio::spawn(async move { snapshots(&channel, &id).await }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    writer.await.unwrap();

    // The client cancels: stored CANCELLED, and the runner is stopped.
    let cancelled = executions
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: id.clone(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionCancelled as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(phase(&cancelled), ExecutionPhase::ExecutionCancelled);

    for subscriber in subscribers {
        let seen = subscriber.await.unwrap();
        let last = seen.last().unwrap();
        assert_eq!(phase(last), ExecutionPhase::ExecutionCancelled);
        assert_eq!(
            last.status.as_ref().unwrap().messages[0].content,
            "step 199",
            "the newest snapshot reached every subscriber"
        );
        let steps: Vec<u32> = seen
            .iter()
            .filter_map(|e| e.status.as_ref()?.messages.first())
            .filter_map(|m| m.content.strip_prefix("step ")?.parse().ok())
            .collect();
        assert!(
            steps.windows(2).all(|w| w[0] <= w[1]),
            "in order: {steps:?}"
        );
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !server.log().contains("execution run ended") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run stopped:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.log().contains("cancelling execution run"));
}

/// Waits until the server log contains `needle`.
async fn wait_for_log(server: &common::Server, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !server.log().contains(needle) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "log never said {needle:?}:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_end(channel: &Channel, id: &str) -> AgentExecution {
    fixtures::final_state(channel, id, Duration::from_secs(30)).await
}

#[tokio::test]
async fn a_run_whose_server_was_killed_is_retried_once_or_failed_by_policy() {
    for (policy, expected) in [
        ("retry-once", ExecutionPhase::ExecutionCompleted),
        ("fail", ExecutionPhase::ExecutionFailed),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_path_buf();
        let env = |work: &'static str| {
            [
                ("STIGMER_TEST_FAKE_RUNNER", work),
                ("STIGMER_EXECUTION_LEASE_SECS", "1"),
                ("STIGMER_EXECUTION_RECOVERY", policy),
            ]
        };
        let mut first = common::Server::start_in(data.clone(), &env("60000")).await;
        let channel = first.channel().await;
        let agent = create_agent(&channel, "Crashy").await;
        let created = AgentExecutionCommandControllerClient::new(channel.clone())
            .create(execution_of(agent.id(), ""))
            .await
            .unwrap()
            .into_inner();
        wait_for_log(&first, "execution run started").await;
        first.kill(); // SIGKILL: the lease is never released

        std::fs::rename(data.join("server.log"), data.join("first.log")).unwrap();
        let second = common::Server::start_in(data.clone(), &env("100")).await;
        let ended = wait_for_end(&second.channel().await, created.id()).await;
        assert_eq!(phase(&ended), expected, "policy {policy}: {ended:?}");
        if expected == ExecutionPhase::ExecutionFailed {
            let error = &ended.status.as_ref().unwrap().error;
            assert!(
                error.contains("the server stopped while this execution was running"),
                "{error}"
            );
            assert!(error.contains("STIGMER_EXECUTION_RECOVERY=fail"), "{error}");
        } else {
            assert!(second.log().contains("retrying once"), "{}", second.log());
        }
    }
}

#[tokio::test]
async fn server_shutdown_ends_open_streams() {
    let mut server = common::Server::start_with(&[("STIGMER_TEST_FAKE_RUNNER", "60000")]).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, "Shutdown").await;
    let created = AgentExecutionCommandControllerClient::new(channel.clone())
        .create(execution_of(agent.id(), ""))
        .await
        .unwrap()
        .into_inner();
    let mut stream = AgentExecutionQueryControllerClient::new(channel.clone())
        .subscribe(AgentExecutionId {
            value: created.id().into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(stream.message().await.unwrap().is_some());
    wait_for_log(&server, "execution run started").await;

    std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.message().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended on shutdown");
    let exit = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server exits promptly with a subscriber open");
    assert!(exit.success(), "{}", server.log());
}
