//! Sends the tracker's status in batches: at most one update per interval,
//! and only when something changed.

use std::sync::Arc;
use std::time::Duration;

use stigmer_api::agentic::agentexecution::v1::{AgentExecutionStatus, ExecutionPhase};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{StatusReporter, StatusTracker};

/// The background batching task of one execution.
pub(crate) struct StatusPublisher {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl StatusPublisher {
    /// Starts batching; after `heartbeat` without changes an empty update
    /// is sent. A CANCELLED phase coming back from the server
    /// triggers `cancel_run`, so a cancellation written by a client reaches
    /// the runner even without an engine signal.
    pub(crate) fn spawn(
        tracker: Arc<StatusTracker>,
        reporter: Arc<dyn StatusReporter>,
        execution_id: String,
        interval: Duration,
        heartbeat: Duration,
        cancel_run: CancellationToken,
    ) -> Self {
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                loop {
                    let update = tokio::select! {
                        () = tracker.changed() => tracker.snapshot(ExecutionPhase::Unspecified),
                        // Nothing new for a while (a long tool call): an empty
                        // update changes nothing but tells us the stored phase,
                        // so a client's cancellation is still noticed.
                        () = tokio::time::sleep(heartbeat) => AgentExecutionStatus::default(),
                        () = stop.cancelled() => return,
                    };
                    match reporter.report(&execution_id, update).await {
                        Ok(ExecutionPhase::ExecutionCancelled) => {
                            tracing::info!(execution_id, "execution cancelled by a client");
                            cancel_run.cancel();
                        }
                        Ok(_) => {}
                        // The next batch carries the full status again, so a
                        // lost batch only delays progress.
                        Err(error) => {
                            tracing::warn!(execution_id, %error, "status batch not delivered")
                        }
                    }
                    tokio::select! {
                        () = tokio::time::sleep(interval) => {}
                        () = stop.cancelled() => return,
                    }
                }
            }
        });
        Self { stop, task }
    }

    /// Stops batching and waits for an in-flight update, so the terminal
    /// update that follows is always the last one the server receives.
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "status publisher ended abnormally");
        }
    }
}
