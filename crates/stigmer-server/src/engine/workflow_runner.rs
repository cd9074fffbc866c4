//! What runs one workflow execution. Like [`AgentRunner`](super::AgentRunner):
//! the engine hands over a claimed execution, the runner reports through
//! `updateStatus` and stops when the cancellation token fires.

use std::time::Duration;

use async_trait::async_trait;
use prost_types::{Struct, Value, value::Kind};
use stigmer_api::Resource;
use stigmer_api::agentic::agentexecution::v1::ExecutionPhase as RunPhase;
use stigmer_api::agentic::workflowexecution::v1::{
    ExecutionPhase, WorkflowExecution, WorkflowExecutionStatus, WorkflowTask, WorkflowTaskStatus,
};
use tokio_util::sync::CancellationToken;

use super::RunOutcome;
use super::runner::now;
use crate::downstream::WorkflowExecutionClient;

#[async_trait]
pub trait WorkflowRunner: Send + Sync + 'static {
    /// Runs `execution` to its end, reporting through `status`.
    async fn run(
        &self,
        execution: WorkflowExecution,
        status: WorkflowExecutionClient,
        cancel: CancellationToken,
    ) -> RunOutcome;
}

/// A test-only workflow runner (`STIGMER_TEST_FAKE_WORKFLOW_RUNNER=<millis>`):
/// reports IN_PROGRESS with one running task, works for the given time or
/// until cancelled, then COMPLETED with the task done and an output echoing
/// the trigger message.
pub struct FakeWorkflowRunner {
    pub work: Duration,
}

const TASK: &str = "fake-task";

#[async_trait]
impl WorkflowRunner for FakeWorkflowRunner {
    async fn run(
        &self,
        execution: WorkflowExecution,
        status: WorkflowExecutionClient,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let id = execution.id().to_owned();
        let trigger = execution
            .spec
            .as_ref()
            .map_or(String::new(), |s| s.trigger_message.clone());
        let started = WorkflowExecutionStatus {
            phase: ExecutionPhase::ExecutionInProgress as i32,
            started_at: now(),
            tasks: vec![task(WorkflowTaskStatus::WorkflowTaskInProgress)],
            ..Default::default()
        };
        if let Err(error) = status.update_status(&id, started).await {
            return RunOutcome::failed(format!(
                "fake workflow runner could not report progress: {}",
                error.message()
            ));
        }
        tokio::select! {
            () = cancel.cancelled() => {
                return RunOutcome { phase: RunPhase::ExecutionCancelled, error: None };
            }
            () = tokio::time::sleep(self.work) => {}
        }
        let output = Struct {
            fields: [(
                "echo".to_owned(),
                Value {
                    kind: Some(Kind::StringValue(trigger)),
                },
            )]
            .into(),
        };
        let done = WorkflowExecutionStatus {
            phase: ExecutionPhase::ExecutionCompleted as i32,
            completed_at: now(),
            tasks: vec![task(WorkflowTaskStatus::WorkflowTaskCompleted)],
            output: Some(output),
            ..Default::default()
        };
        match status.update_status(&id, done).await {
            Ok(_) => RunOutcome {
                phase: RunPhase::ExecutionCompleted,
                error: None,
            },
            Err(error) => RunOutcome::failed(format!(
                "fake workflow runner could not report completion: {}",
                error.message()
            )),
        }
    }
}

fn task(state: WorkflowTaskStatus) -> WorkflowTask {
    WorkflowTask {
        task_id: TASK.to_owned(),
        task_name: TASK.to_owned(),
        status: state as i32,
        ..Default::default()
    }
}
