//! The real agent runner (`stigmer-runner`) behind the [`AgentRunner`]
//! trait: it reads the execution's context and reports status over the
//! in-process channel, so it sees exactly what a network runner would.

use std::sync::Arc;

use async_trait::async_trait;
use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use stigmer_grpc::InProcessChannel;
use stigmer_runner::{GrpcExecutionSource, GrpcStatusReporter, RunnerConfig};
use tokio_util::sync::CancellationToken;

use super::{AgentRunner, RunOutcome};
use crate::downstream::AgentExecutionClient;

pub struct EmbeddedRunner {
    runner: stigmer_runner::AgentRunner,
    channel: InProcessChannel,
}

impl EmbeddedRunner {
    pub fn new(config: RunnerConfig, channel: InProcessChannel) -> Self {
        EmbeddedRunner {
            runner: stigmer_runner::AgentRunner::new(config),
            channel,
        }
    }
}

#[async_trait]
impl AgentRunner for EmbeddedRunner {
    async fn run(
        &self,
        execution: AgentExecution,
        _status: AgentExecutionClient,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let source = Arc::new(GrpcExecutionSource::new(self.channel.clone()));
        let reporter = Arc::new(GrpcStatusReporter::new(self.channel.clone()));
        let outcome = self
            .runner
            .run_execution(execution, source, reporter, cancel)
            .await;
        RunOutcome {
            phase: outcome.phase,
            error: outcome.error,
        }
    }
}
