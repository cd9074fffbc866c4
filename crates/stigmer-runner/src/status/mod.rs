//! Progress reporting: the runner keeps the execution's status in a
//! [`tracker`](StatusTracker), a publisher sends it in batches, and a
//! [`StatusReporter`] delivers each batch (`updateStatus` over gRPC, or
//! [`InMemoryBackend`](crate::source::InMemoryBackend) in tests).
//!
//! Every update carries the *whole* accumulated lists (messages, tool calls,
//! sub-agent executions, todos) because the server replaces a non-empty list
//! wholesale (behavior.md §5.8). Intermediate batches leave `phase` unset so
//! they never overwrite a CANCELLED written by a client; the phase the server
//! holds afterwards comes back and a CANCELLED there stops the run.

mod grpc;
mod merge;
mod publisher;
mod tracker;

pub use grpc::GrpcStatusReporter;
pub use merge::merge_status;
pub(crate) use publisher::StatusPublisher;
pub(crate) use tracker::StatusTracker;

use stigmer_api::agentic::agentexecution::v1::{AgentExecutionStatus, ExecutionPhase};

/// A status update could not be delivered.
#[derive(Debug, thiserror::Error)]
#[error("could not report the execution status: {0}")]
pub struct ReportError(pub String);

/// Delivers status updates of an execution to whoever stores it.
#[async_trait::async_trait]
pub trait StatusReporter: Send + Sync {
    /// Merges `status` into the stored execution (upstream merge rules) and
    /// returns the phase the execution has afterwards.
    async fn report(
        &self,
        execution_id: &str,
        status: AgentExecutionStatus,
    ) -> Result<ExecutionPhase, ReportError>;
}
