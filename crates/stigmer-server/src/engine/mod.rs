//! Execution engines: what runs an execution after its create committed.
//!
//! The create pipelines commit each execution together with a dispatch job
//! (the outbox, [`PersistWithDispatch`]), so an execution is never stored
//! without the work that runs it. An [`ExecutionEngine`] turns those jobs
//! into runs; the embedded engine claims them from the store's job table, a
//! Temporal engine can relay them to workflows later. The work itself is an
//! [`AgentRunner`]'s or a [`WorkflowRunner`]'s; when an execution a caller
//! waits on ends, a [`CallbackCompleter`] tells that caller.

mod callback;
mod embedded;
mod kinds;
mod outbox;
mod phase;
mod runner;
mod status;
mod stigmer_runner;
mod wiring;
mod workflow_runner;

use async_trait::async_trait;
use stigmer_api::ApiResourceKind;
use stigmer_store::NewJob;

pub use callback::{
    CallbackCompleter, CallbackFailure, FinalExecution, LoggingCompleter, token_preview,
};
pub use embedded::{EmbeddedEngine, EngineSettings, RecoveryPolicy};
pub use kinds::{
    AgentExecutions, ExecutionKind, NO_RUNNER_ERROR, NO_WORKFLOW_RUNNER_ERROR, WorkflowExecutions,
};
pub use outbox::PersistWithDispatch;
pub use phase::{check_transition, is_terminal};
pub use runner::{AgentRunner, FakeRunner, RunOutcome};
pub use status::{StatusUpdate, merge_stored, update_status};
pub use stigmer_runner::EmbeddedRunner;
pub use wiring::{ExecutionSettingError, ExecutionSettings, Executions, RunnerChoice};
pub use workflow_runner::{FakeWorkflowRunner, WorkflowRunner};

/// The job queue agent executions are dispatched on.
pub const AGENT_EXECUTION_QUEUE: &str = "agent-execution";
/// The job queue workflow executions are dispatched on.
pub const WORKFLOW_EXECUTION_QUEUE: &str = "workflow-execution";

/// Runs dispatched executions and stops them on request.
#[async_trait]
pub trait ExecutionEngine: Send + Sync + 'static {
    /// The job to commit with a new execution of `kind` so that it gets run.
    fn dispatch_job(&self, kind: ApiResourceKind, execution_id: &str) -> NewJob {
        let queue = match kind {
            ApiResourceKind::WorkflowExecution => WORKFLOW_EXECUTION_QUEUE,
            _ => AGENT_EXECUTION_QUEUE,
        };
        NewJob::new(queue, execution_id.as_bytes().to_vec())
    }

    /// A client asked for cancellation (its CANCELLED phase is already
    /// stored): stops the run if one is active here.
    fn request_cancel(&self, execution_id: &str);

    /// Stops claiming work, cancels active runs and waits for the workers.
    async fn shutdown(&self);
}
