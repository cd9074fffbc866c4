//! Execution engines: what runs an execution after its create committed.
//!
//! The create pipeline commits each execution together with a dispatch job
//! (the outbox), so an execution is never stored without the work that runs
//! it. An [`ExecutionEngine`] turns those jobs into runs; the embedded engine
//! claims them from the store's job table, a Temporal engine can relay them to
//! workflows later. The work itself is an [`AgentRunner`]'s.

mod embedded;
mod phase;
mod runner;
mod stigmer_runner;
mod wiring;

use async_trait::async_trait;
use stigmer_store::NewJob;

pub use embedded::{EmbeddedEngine, EngineSettings, NO_RUNNER_ERROR, RecoveryPolicy};
pub use phase::{check_transition, is_terminal};
pub use runner::{AgentRunner, FakeRunner, RunOutcome};
pub use stigmer_runner::EmbeddedRunner;
pub use wiring::{ExecutionSettingError, ExecutionSettings, Executions, RunnerChoice};

/// The job queue agent executions are dispatched on.
pub const AGENT_EXECUTION_QUEUE: &str = "agent-execution";

/// Runs dispatched executions and stops them on request.
#[async_trait]
pub trait ExecutionEngine: Send + Sync + 'static {
    /// The job to commit with a new execution so that it gets run.
    fn dispatch_job(&self, execution_id: &str) -> NewJob {
        NewJob::new(AGENT_EXECUTION_QUEUE, execution_id.as_bytes().to_vec())
    }

    /// A client asked for cancellation (its CANCELLED phase is already
    /// stored): stops the run if one is active here.
    fn request_cancel(&self, execution_id: &str);

    /// Stops claiming work, cancels active runs and waits for the workers.
    async fn shutdown(&self);
}
