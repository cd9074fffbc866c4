//! The execution side of the server as one unit for `App`: settings from
//! the environment, the embedded engine, the stream registry and the
//! AgentExecution controller.

use std::sync::Arc;
use std::time::Duration;

use stigmer_grpc::{InProcessChannel, RuntimeBuilder};
use stigmer_pipeline::steps::SharedStore;

use super::{
    AgentRunner, EmbeddedEngine, EngineSettings, ExecutionEngine, FakeRunner, RecoveryPolicy,
};
use crate::domain::agentexecution::{AgentExecutionController, ExecutionDownstream};
use crate::downstream::{
    AgentClient, AgentExecutionClient, AgentInstanceClient, SessionClient, SessionReader,
};
use crate::streams::ExecutionStreams;

/// An execution setting that cannot work, said in one line.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {expected}")]
pub struct ExecutionSettingError {
    variable: &'static str,
    value: String,
    expected: &'static str,
}

/// Execution settings (environment variables, documented in the README).
#[derive(Debug, Clone, Default)]
pub struct ExecutionSettings {
    pub engine: EngineSettings,
    /// Test-only: run executions with [`FakeRunner`] working this long.
    pub fake_runner: Option<Duration>,
    /// Test-only: fail every create after its session was made.
    pub fail_after_session: bool,
}

impl ExecutionSettings {
    /// `STIGMER_EXECUTION_WORKERS` (4), `STIGMER_EXECUTION_LEASE_SECS` (60),
    /// `STIGMER_EXECUTION_RECOVERY` (`retry-once` | `fail`), and the test
    /// hooks `STIGMER_TEST_FAKE_RUNNER=<millis>`,
    /// `STIGMER_TEST_FAIL_AFTER_SESSION=1`.
    pub fn from_env() -> Result<Self, ExecutionSettingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ExecutionSettingError> {
        let mut settings = ExecutionSettings::default();
        let number = |variable: &'static str, expected: &'static str| {
            lookup(variable)
                .map(|value| {
                    value
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| ExecutionSettingError {
                            variable,
                            value: value.clone(),
                            expected,
                        })
                })
                .transpose()
        };
        if let Some(workers) = number(
            "STIGMER_EXECUTION_WORKERS",
            "a number of workers, 1 or more",
        )? {
            settings.engine.workers = usize::try_from(workers.max(1)).unwrap_or(1);
        }
        if let Some(secs) = number(
            "STIGMER_EXECUTION_LEASE_SECS",
            "a lease in seconds, 1 or more",
        )? {
            settings.engine.lease = Duration::from_secs(secs.max(1));
        }
        if let Some(value) = lookup("STIGMER_EXECUTION_RECOVERY") {
            settings.engine.recovery = match value.trim() {
                "retry-once" => RecoveryPolicy::RetryOnce,
                "fail" => RecoveryPolicy::Fail,
                _ => {
                    return Err(ExecutionSettingError {
                        variable: "STIGMER_EXECUTION_RECOVERY",
                        value,
                        expected: "retry-once or fail",
                    });
                }
            };
        }
        settings.fake_runner = number("STIGMER_TEST_FAKE_RUNNER", "milliseconds of fake work")?
            .map(Duration::from_millis);
        settings.fail_after_session = lookup("STIGMER_TEST_FAIL_AFTER_SESSION")
            .is_some_and(|value| !value.is_empty() && value != "0");
        Ok(settings)
    }
}

/// The engine, streams and controller, built before the runtime and
/// started once it serves.
pub struct Executions {
    engine: Arc<EmbeddedEngine>,
    streams: ExecutionStreams,
    controller: AgentExecutionController,
}

impl Executions {
    pub fn new(
        store: &SharedStore,
        channel: &InProcessChannel,
        settings: ExecutionSettings,
    ) -> Executions {
        let runner: Option<Arc<dyn AgentRunner>> = settings
            .fake_runner
            .map(|work| Arc::new(FakeRunner { work }) as Arc<dyn AgentRunner>);
        let engine = EmbeddedEngine::new(
            store.clone(),
            runner,
            AgentExecutionClient::new(channel.clone()),
            settings.engine.clone(),
        );
        let streams = ExecutionStreams::new(store.clone());
        let downstream = ExecutionDownstream {
            agents: AgentClient::new(channel.clone()),
            instances: AgentInstanceClient::new(channel.clone()),
            sessions: SessionClient::new(channel.clone()),
            session_reader: SessionReader::new(channel.clone()),
        };
        let controller = AgentExecutionController::new(
            store.clone(),
            downstream,
            engine.clone() as Arc<dyn ExecutionEngine>,
            streams.clone(),
        )
        .fail_after_session(settings.fail_after_session);
        Executions {
            engine,
            streams,
            controller,
        }
    }

    pub fn register(&self, builder: RuntimeBuilder) -> RuntimeBuilder {
        self.controller.clone().register(builder)
    }

    /// Starts the worker pool.
    pub fn start(&self) {
        self.engine.start();
    }

    /// Ends open streams (call when shutdown begins, so graceful shutdown
    /// does not wait for subscribers).
    pub fn end_streams(&self) -> ExecutionStreams {
        self.streams.clone()
    }

    /// Stops the workers; active runs are handed back for the next start.
    pub async fn shutdown(&self) {
        self.streams.shutdown();
        self.engine.shutdown().await;
    }
}
