//! What the embedded engine needs to know about each execution kind: its
//! queue, how to read an execution, its runner and how to record the end
//! of a run. The engine's job handling is written once over [`ExecutionKind`].

use std::sync::Arc;

use async_trait::async_trait;
use stigmer_api::agentic::agentexecution::v1::{AgentExecution, AgentExecutionStatus};
use stigmer_api::agentic::workflowexecution::v1::{WorkflowExecution, WorkflowExecutionStatus};
use tokio_util::sync::CancellationToken;
use tonic::Status;

use super::runner::now;
use super::{
    AGENT_EXECUTION_QUEUE, AgentRunner, FinalExecution, RunOutcome, WORKFLOW_EXECUTION_QUEUE,
    WorkflowRunner,
};
use crate::downstream::{AgentExecutionClient, WorkflowExecutionClient};

/// The error of an agent execution started while no runner is configured.
pub const NO_RUNNER_ERROR: &str = "no agent runner is configured on this server: set \
STIGMER_AGENT_RUNNER=embedded (with STIGMER_LLM_PROVIDER and friends) to run agents in the \
server";

/// The error of a workflow execution started while no workflow runner is
/// configured (none is built in yet; a Temporal engine will relay to one).
pub const NO_WORKFLOW_RUNNER_ERROR: &str = "no workflow runner is configured on this server: \
STIGMER_WORKFLOW_RUNNER is not set, and this build has no workflow runner to run workflow \
executions";

#[async_trait]
pub trait ExecutionKind: Send + Sync + 'static {
    type Execution: Send + 'static;

    fn queue(&self) -> &'static str;

    /// The error to fail executions with when no runner is configured.
    fn missing_runner(&self) -> Option<&'static str>;

    async fn load(&self, id: &str) -> Result<Self::Execution, Status>;

    fn phase(execution: &Self::Execution) -> i32;

    /// Empty when nobody waits for the execution.
    fn callback_token(execution: &Self::Execution) -> Vec<u8>;

    fn into_final(execution: Self::Execution) -> FinalExecution;

    /// Runs an execution (only called when a runner is configured).
    async fn run(&self, execution: Self::Execution, cancel: CancellationToken) -> RunOutcome;

    /// Records the end of a run through `updateStatus`.
    async fn write_end(&self, id: &str, phase: i32, error: String) -> Result<(), Status>;
}

pub struct AgentExecutions {
    pub runner: Option<Arc<dyn AgentRunner>>,
    pub client: AgentExecutionClient,
}

#[async_trait]
impl ExecutionKind for AgentExecutions {
    type Execution = AgentExecution;

    fn queue(&self) -> &'static str {
        AGENT_EXECUTION_QUEUE
    }

    fn missing_runner(&self) -> Option<&'static str> {
        self.runner.is_none().then_some(NO_RUNNER_ERROR)
    }

    async fn load(&self, id: &str) -> Result<AgentExecution, Status> {
        self.client.get(id).await
    }

    fn phase(execution: &AgentExecution) -> i32 {
        execution.status.as_ref().map_or(0, |s| s.phase)
    }

    fn callback_token(execution: &AgentExecution) -> Vec<u8> {
        // Stored in the status since create; records written before that
        // carry it in the spec only.
        let stored = execution.status.as_ref().map(|s| &s.callback_token);
        match stored {
            Some(token) if !token.is_empty() => token.clone(),
            _ => execution
                .spec
                .as_ref()
                .map(|s| s.callback_token.clone())
                .unwrap_or_default(),
        }
    }

    fn into_final(execution: AgentExecution) -> FinalExecution {
        FinalExecution::Agent(Box::new(execution))
    }

    async fn run(&self, execution: AgentExecution, cancel: CancellationToken) -> RunOutcome {
        match &self.runner {
            Some(runner) => runner.run(execution, self.client.clone(), cancel).await,
            None => RunOutcome::failed(NO_RUNNER_ERROR),
        }
    }

    async fn write_end(&self, id: &str, phase: i32, error: String) -> Result<(), Status> {
        let status = AgentExecutionStatus {
            phase,
            error,
            completed_at: now(),
            ..Default::default()
        };
        self.client.update_status(id, status).await.map(drop)
    }
}

pub struct WorkflowExecutions {
    pub runner: Option<Arc<dyn WorkflowRunner>>,
    pub client: WorkflowExecutionClient,
}

#[async_trait]
impl ExecutionKind for WorkflowExecutions {
    type Execution = WorkflowExecution;

    fn queue(&self) -> &'static str {
        WORKFLOW_EXECUTION_QUEUE
    }

    fn missing_runner(&self) -> Option<&'static str> {
        self.runner.is_none().then_some(NO_WORKFLOW_RUNNER_ERROR)
    }

    async fn load(&self, id: &str) -> Result<WorkflowExecution, Status> {
        self.client.get(id).await
    }

    fn phase(execution: &WorkflowExecution) -> i32 {
        execution.status.as_ref().map_or(0, |s| s.phase)
    }

    fn callback_token(execution: &WorkflowExecution) -> Vec<u8> {
        execution
            .spec
            .as_ref()
            .map(|s| s.callback_token.clone())
            .unwrap_or_default()
    }

    fn into_final(execution: WorkflowExecution) -> FinalExecution {
        FinalExecution::Workflow(Box::new(execution))
    }

    async fn run(&self, execution: WorkflowExecution, cancel: CancellationToken) -> RunOutcome {
        match &self.runner {
            Some(runner) => runner.run(execution, self.client.clone(), cancel).await,
            None => RunOutcome::failed(NO_WORKFLOW_RUNNER_ERROR),
        }
    }

    async fn write_end(&self, id: &str, phase: i32, error: String) -> Result<(), Status> {
        let status = WorkflowExecutionStatus {
            phase,
            error,
            completed_at: now(),
            ..Default::default()
        };
        self.client.update_status(id, status).await.map(drop)
    }
}
