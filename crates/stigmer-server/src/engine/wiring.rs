//! The execution side of the server as one unit for `App`: settings from
//! the environment, the embedded engine, the stream registry and the
//! AgentExecution and WorkflowExecution controllers.

use std::sync::Arc;
use std::time::Duration;

use stigmer_grpc::{InProcessChannel, RuntimeBuilder};
use stigmer_pipeline::steps::SharedStore;
use stigmer_runner::RunnerConfig;

use super::{
    AgentExecutions, AgentRunner, CallbackCompleter, EmbeddedEngine, EmbeddedRunner,
    EngineSettings, ExecutionEngine, FakeRunner, FakeWorkflowRunner, LoggingCompleter,
    RecoveryPolicy, WorkflowExecutions, WorkflowRunner,
};
use crate::domain::agentexecution::{AgentExecutionController, ExecutionDownstream};
use crate::domain::workflowexecution::{WorkflowExecutionController, WorkflowExecutionDownstream};
use crate::downstream::{
    AgentClient, AgentExecutionClient, AgentInstanceClient, SessionClient, SessionReader,
    WorkflowClient, WorkflowExecutionClient, WorkflowInstanceClient,
};
use crate::streams::ExecutionStreams;

/// An execution setting that cannot work, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionSettingError {
    #[error("{variable}={value:?} is invalid: {expected}")]
    Invalid {
        variable: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("STIGMER_AGENT_RUNNER=embedded: {0}")]
    Runner(#[from] stigmer_runner::config::ConfigError),
}

/// Which runner executes agent executions.
#[derive(Debug, Clone, Default)]
pub enum RunnerChoice {
    /// Executions fail at once, saying which setting is missing.
    #[default]
    None,
    /// `stigmer-runner` in this process (`STIGMER_AGENT_RUNNER=embedded`).
    Embedded(Box<RunnerConfig>),
    /// A `stigmer-runner --server ADDR` process runs them
    /// (`STIGMER_AGENT_RUNNER=external`): executions stay PENDING here until
    /// it picks them up.
    External,
    /// Test-only: [`FakeRunner`] working this long.
    Fake(Duration),
}

/// Execution settings (environment variables, documented in the README).
#[derive(Debug, Clone, Default)]
pub struct ExecutionSettings {
    pub engine: EngineSettings,
    pub runner: RunnerChoice,
    /// Test-only: [`FakeWorkflowRunner`] working this long. Without it no
    /// workflow runner exists yet and workflow executions fail at once.
    pub fake_workflow_runner: Option<Duration>,
    /// Test-only: fail every create after its session was made.
    pub fail_after_session: bool,
}

impl ExecutionSettings {
    /// `STIGMER_EXECUTION_WORKERS` (4), `STIGMER_EXECUTION_LEASE_SECS` (60),
    /// `STIGMER_EXECUTION_RECOVERY` (`retry-once` | `fail`), and the test
    /// hooks `STIGMER_TEST_FAKE_RUNNER=<millis>`,
    /// `STIGMER_TEST_FAKE_WORKFLOW_RUNNER=<millis>`,
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
                        .map_err(|_| ExecutionSettingError::Invalid {
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
                    return Err(ExecutionSettingError::Invalid {
                        variable: "STIGMER_EXECUTION_RECOVERY",
                        value,
                        expected: "retry-once or fail",
                    });
                }
            };
        }
        match lookup("STIGMER_AGENT_RUNNER").as_deref().map(str::trim) {
            None | Some("" | "none") => {}
            Some("embedded") => {
                let config = RunnerConfig::from_lookup(&lookup)?;
                settings.runner = RunnerChoice::Embedded(Box::new(config));
            }
            Some("external") => settings.runner = RunnerChoice::External,
            Some(other) => {
                return Err(ExecutionSettingError::Invalid {
                    variable: "STIGMER_AGENT_RUNNER",
                    value: other.to_owned(),
                    expected: "embedded, external or none",
                });
            }
        }
        match lookup("STIGMER_WORKFLOW_RUNNER").as_deref().map(str::trim) {
            None | Some("" | "none") => {}
            Some(other) => {
                return Err(ExecutionSettingError::Invalid {
                    variable: "STIGMER_WORKFLOW_RUNNER",
                    value: other.to_owned(),
                    expected: "none (this build has no workflow runner yet)",
                });
            }
        }
        if let Some(millis) = number("STIGMER_TEST_FAKE_RUNNER", "milliseconds of fake work")? {
            settings.runner = RunnerChoice::Fake(Duration::from_millis(millis));
        }
        settings.fake_workflow_runner = number(
            "STIGMER_TEST_FAKE_WORKFLOW_RUNNER",
            "milliseconds of fake work",
        )?
        .map(Duration::from_millis);
        settings.fail_after_session = lookup("STIGMER_TEST_FAIL_AFTER_SESSION")
            .is_some_and(|value| !value.is_empty() && value != "0");
        Ok(settings)
    }
}

/// The engine, streams and controllers, built before the runtime and
/// started once it serves.
pub struct Executions {
    engine: Arc<EmbeddedEngine>,
    streams: ExecutionStreams,
    controller: AgentExecutionController,
    workflow_controller: WorkflowExecutionController,
}

impl Executions {
    /// Callers waiting on a callback token are only logged (no Temporal
    /// engine yet).
    pub fn new(
        store: &SharedStore,
        channel: &InProcessChannel,
        settings: ExecutionSettings,
    ) -> Executions {
        Self::with_completer(store, channel, settings, Arc::new(LoggingCompleter))
    }

    pub fn with_completer(
        store: &SharedStore,
        channel: &InProcessChannel,
        settings: ExecutionSettings,
        completer: Arc<dyn CallbackCompleter>,
    ) -> Executions {
        let mut engine_settings = settings.engine.clone();
        if matches!(settings.runner, RunnerChoice::External) {
            engine_settings.claim_agent_jobs = false;
            tracing::info!(
                "STIGMER_AGENT_RUNNER=external: agent executions stay PENDING until a \
                 `stigmer-runner --server` process runs them"
            );
        }
        let runner: Option<Arc<dyn AgentRunner>> = match settings.runner {
            RunnerChoice::None | RunnerChoice::External => None,
            RunnerChoice::Embedded(config) => {
                Some(Arc::new(EmbeddedRunner::new(*config, channel.clone())))
            }
            RunnerChoice::Fake(work) => Some(Arc::new(FakeRunner { work })),
        };
        let workflow_runner = settings
            .fake_workflow_runner
            .map(|work| Arc::new(FakeWorkflowRunner { work }) as Arc<dyn WorkflowRunner>);
        let engine = EmbeddedEngine::new(
            store.clone(),
            AgentExecutions {
                runner,
                client: AgentExecutionClient::new(channel.clone()),
            },
            WorkflowExecutions {
                runner: workflow_runner,
                client: WorkflowExecutionClient::new(channel.clone()),
            },
            completer,
            engine_settings,
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
        let workflow_controller = WorkflowExecutionController::new(
            store.clone(),
            WorkflowExecutionDownstream {
                workflows: WorkflowClient::new(channel.clone()),
                instances: WorkflowInstanceClient::new(channel.clone()),
            },
            engine.clone() as Arc<dyn ExecutionEngine>,
            streams.clone(),
        );
        Executions {
            engine,
            streams,
            controller,
            workflow_controller,
        }
    }

    pub fn register(&self, builder: RuntimeBuilder) -> RuntimeBuilder {
        let builder = self.controller.clone().register(builder);
        self.workflow_controller.clone().register(builder)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<ExecutionSettings, ExecutionSettingError> {
        ExecutionSettings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn no_runner_unless_one_is_chosen() {
        let defaults = settings(&[]).unwrap();
        assert!(matches!(defaults.runner, RunnerChoice::None));
        assert_eq!(defaults.engine.recovery, RecoveryPolicy::RetryOnce);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = settings(&[("STIGMER_EXECUTION_RECOVERY", "sometimes")]).unwrap_err();
        assert!(
            error.to_string().contains("STIGMER_EXECUTION_RECOVERY"),
            "{error}"
        );
        let error = settings(&[("STIGMER_AGENT_RUNNER", "python")]).unwrap_err();
        assert!(
            error.to_string().contains("embedded, external or none"),
            "{error}"
        );
    }
}
