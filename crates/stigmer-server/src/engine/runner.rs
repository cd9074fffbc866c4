//! What runs one agent execution. The engine hands a claimed execution to an
//! [`AgentRunner`]; the runner reports progress through `updateStatus` (the
//! client it is given) and stops when the cancellation token fires.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, AgentMessage, ExecutionPhase, MessageType,
};
use tokio_util::sync::CancellationToken;

use crate::downstream::AgentExecutionClient;

/// How a run ended, as the runner saw it. The engine writes it when the
/// runner did not report a terminal phase itself. Workflow runs use it too
/// (both kinds' phase enums share their numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub phase: ExecutionPhase,
    pub error: Option<String>,
}

#[async_trait]
pub trait AgentRunner: Send + Sync + 'static {
    /// Runs `execution` to its end. Progress goes through `status`
    /// (`updateStatus` on the in-process channel, so every write is
    /// validated, merged and broadcast like a network runner's).
    async fn run(
        &self,
        execution: AgentExecution,
        status: AgentExecutionClient,
        cancel: CancellationToken,
    ) -> RunOutcome;
}

/// A test-only runner (enabled by `STIGMER_TEST_FAKE_RUNNER=<millis>`):
/// reports IN_PROGRESS, works for the given time or until cancelled, then
/// answers with an AI message echoing the request and COMPLETED.
pub struct FakeRunner {
    pub work: Duration,
}

#[async_trait]
impl AgentRunner for FakeRunner {
    async fn run(
        &self,
        execution: AgentExecution,
        status: AgentExecutionClient,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let id = execution.metadata.as_ref().map_or("", |m| m.id.as_str());
        let request = execution.spec.as_ref().map_or("", |s| s.message.as_str());
        let started = AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionInProgress as i32,
            started_at: now(),
            ..Default::default()
        };
        if let Err(error) = status.update_status(id, started).await {
            return RunOutcome::failed(format!(
                "fake runner could not report progress: {}",
                error.message()
            ));
        }
        tokio::select! {
            () = cancel.cancelled() => {
                return RunOutcome { phase: ExecutionPhase::ExecutionCancelled, error: None };
            }
            () = tokio::time::sleep(self.work) => {}
        }
        let done = AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionCompleted as i32,
            completed_at: now(),
            messages: vec![AgentMessage {
                r#type: MessageType::MessageAi as i32,
                content: format!("fake answer to: {request}"),
                timestamp: now(),
                ..Default::default()
            }],
            ..Default::default()
        };
        match status.update_status(id, done).await {
            Ok(_) => RunOutcome {
                phase: ExecutionPhase::ExecutionCompleted,
                error: None,
            },
            Err(error) => RunOutcome::failed(format!(
                "fake runner could not report completion: {}",
                error.message()
            )),
        }
    }
}

impl RunOutcome {
    pub fn failed(error: impl Into<String>) -> Self {
        RunOutcome {
            phase: ExecutionPhase::ExecutionFailed,
            error: Some(error.into()),
        }
    }
}

/// RFC 3339 with milliseconds, as upstream writes status timestamps.
pub(crate) fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
