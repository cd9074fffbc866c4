//! [`AgentRunner`]: runs one execution from start to terminal status.

use std::sync::Arc;

use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, AgentMessage, ExecutionPhase, MessageType,
};
use tokio_util::sync::CancellationToken;

use crate::agent::{self, LoopError, MainObserver};
use crate::config::RunnerConfig;
use crate::context::{self, AssemblyOptions, ExecutionContext};
use crate::llm::{ChatMessage, LlmProvider, provider_from_config};
use crate::mcp::{McpError, McpHub};
use crate::source::ExecutionSource;
use crate::status::{StatusPublisher, StatusReporter, StatusTracker};
use crate::time::now_iso8601;

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// COMPLETED, FAILED or CANCELLED.
    pub phase: ExecutionPhase,
    /// The agent's final answer (COMPLETED only).
    pub final_message: Option<String>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// The last status sent.
    pub status: AgentExecutionStatus,
    /// Whether the terminal status reached the reporter. When `false` the
    /// engine should record the outcome itself.
    pub reported: bool,
}

/// Runs agent executions. One runner serves any number of concurrent
/// executions; it holds the provider (and its connection pool).
pub struct AgentRunner {
    config: RunnerConfig,
    /// The provider, or why it could not be built (e.g. a missing API key):
    /// that failure is reported by every execution rather than at startup,
    /// so the server still starts and the user sees the reason.
    provider: Result<Arc<dyn LlmProvider>, String>,
}

impl AgentRunner {
    /// A runner with the provider selected by `config.llm`.
    pub fn new(config: RunnerConfig) -> Self {
        let provider = provider_from_config(&config.llm).map_err(|error| error.to_string());
        Self { config, provider }
    }

    /// A runner with a provider of your own (tests, custom backends).
    pub fn with_provider(config: RunnerConfig, provider: Arc<dyn LlmProvider>) -> Self {
        Self {
            config,
            provider: Ok(provider),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &RunnerConfig {
        &self.config
    }

    /// Runs execution `execution_id`: reads it from `source`, reports
    /// IN_PROGRESS, drives the agent, and reports the terminal phase through
    /// `reporter`. Cancelling `cancel` stops the model stream and the MCP
    /// servers and ends in CANCELLED. Never panics on bad input; every
    /// failure becomes a FAILED status with a readable `error`.
    pub async fn run(
        &self,
        execution_id: &str,
        source: Arc<dyn ExecutionSource>,
        reporter: Arc<dyn StatusReporter>,
        cancel: CancellationToken,
    ) -> RunOutcome {
        match source.execution(execution_id).await {
            Ok(execution) => {
                self.run_execution(execution, source, reporter, cancel)
                    .await
            }
            Err(error) => {
                let tracker = StatusTracker::new();
                tracker.set_started_at(now_iso8601());
                self.finish(
                    execution_id,
                    &*reporter,
                    &tracker,
                    Err(Failure::Other(error.to_string())),
                )
                .await
            }
        }
    }

    /// Like [`AgentRunner::run`] for an execution the caller has read
    /// already (the embedded engine hands over the claimed execution).
    pub async fn run_execution(
        &self,
        execution: AgentExecution,
        source: Arc<dyn ExecutionSource>,
        reporter: Arc<dyn StatusReporter>,
        cancel: CancellationToken,
    ) -> RunOutcome {
        let execution_id = execution
            .metadata
            .as_ref()
            .map(|metadata| metadata.id.clone())
            .unwrap_or_default();
        let execution_id = execution_id.as_str();
        let tracker = Arc::new(StatusTracker::new());
        tracker.set_started_at(now_iso8601());
        // Cancellation may come from the caller or from the server (a client
        // wrote CANCELLED); one token for both.
        let cancel = cancel.child_token();

        let already = execution.status.as_ref().map_or(0, |status| status.phase);
        if already == ExecutionPhase::ExecutionCancelled as i32 {
            return self
                .finish(execution_id, &*reporter, &tracker, Err(Failure::Cancelled))
                .await;
        }
        let user_message = execution
            .spec
            .as_ref()
            .map(|spec| spec.message.clone())
            .unwrap_or_default();
        tracker.push_message(AgentMessage {
            r#type: MessageType::MessageHuman as i32,
            content: user_message,
            timestamp: now_iso8601(),
            ..Default::default()
        });
        let first = tracker.snapshot(ExecutionPhase::ExecutionInProgress);
        match reporter.report(execution_id, first).await {
            Ok(ExecutionPhase::ExecutionCancelled) => cancel.cancel(),
            Ok(_) => {}
            Err(error) => {
                return self
                    .finish(
                        execution_id,
                        &*reporter,
                        &tracker,
                        Err(Failure::Other(error.to_string())),
                    )
                    .await;
            }
        }

        let publisher = StatusPublisher::spawn(
            tracker.clone(),
            reporter.clone(),
            execution_id.to_owned(),
            self.config.status_interval,
            self.config.status_heartbeat,
            cancel.clone(),
        );
        let result = self.drive(execution, &*source, &tracker, &cancel).await;
        publisher.stop().await;
        self.finish(execution_id, &*reporter, &tracker, result)
            .await
    }

    /// Everything between IN_PROGRESS and the terminal status.
    async fn drive(
        &self,
        execution: AgentExecution,
        source: &dyn ExecutionSource,
        tracker: &Arc<StatusTracker>,
        cancel: &CancellationToken,
    ) -> Result<String, Failure> {
        let provider = self.provider.clone().map_err(Failure::Other)?;
        let options = AssemblyOptions {
            workspace_root: &self.config.workspace_root,
            history_limit: self.config.history_limit,
        };
        let context = tokio::select! {
            context = context::assemble_for(source, execution, &options) => {
                context.map_err(|error| Failure::Other(error.to_string()))?
            }
            () = cancel.cancelled() => return Err(Failure::Cancelled),
        };
        let spec = context.agent_spec();
        let mut hub = McpHub::start(
            &spec.mcp_servers,
            &context.environment,
            &context.workspace,
            self.config.mcp_startup_timeout,
            cancel,
        )
        .await
        .map_err(|error| match error {
            McpError::Cancelled => Failure::Cancelled,
            other => Failure::Other(other.to_string()),
        })?;
        tracing::debug!(
            execution_id = context.execution_id,
            mcp_processes = ?hub.process_ids(),
            "MCP servers started"
        );
        let result = self
            .converse(&context, provider, &hub, tracker, cancel)
            .await;
        hub.shutdown().await;
        result
    }

    async fn converse(
        &self,
        context: &ExecutionContext,
        provider: Arc<dyn LlmProvider>,
        hub: &McpHub,
        tracker: &Arc<StatusTracker>,
        cancel: &CancellationToken,
    ) -> Result<String, Failure> {
        let main = agent::main_loop(context, provider, &self.config, hub, tracker)
            .map_err(|error| Failure::Other(error.0))?;
        let mut conversation = context.history.clone();
        conversation.push(ChatMessage::User(context.user_message.clone()));
        let observer = MainObserver::new(tracker.clone());
        let outcome = main.run(conversation, &observer, cancel).await;
        if outcome.is_err() {
            observer.discard_empty_reply();
        }
        outcome.map_err(|error| match error {
            LoopError::Cancelled => Failure::Cancelled,
            other => Failure::Other(other.to_string()),
        })
    }

    /// Sends the terminal status and builds the outcome.
    async fn finish(
        &self,
        execution_id: &str,
        reporter: &dyn StatusReporter,
        tracker: &StatusTracker,
        result: Result<String, Failure>,
    ) -> RunOutcome {
        let completed_at = now_iso8601();
        let (phase, final_message, error) = match result {
            Ok(answer) => (ExecutionPhase::ExecutionCompleted, Some(answer), None),
            Err(Failure::Cancelled) => (
                ExecutionPhase::ExecutionCancelled,
                None,
                Some("execution cancelled".to_owned()),
            ),
            Err(Failure::Other(message)) => (ExecutionPhase::ExecutionFailed, None, Some(message)),
        };
        if let Some(reason) = &error {
            tracker.fail_unfinished(reason, &completed_at);
            if phase == ExecutionPhase::ExecutionFailed {
                tracker.push_message(AgentMessage {
                    r#type: MessageType::MessageSystem as i32,
                    content: format!("❌ Error: Execution failed: {reason}"),
                    timestamp: completed_at.clone(),
                    ..Default::default()
                });
            }
        }
        let mut status = tracker.snapshot(phase);
        status.completed_at = completed_at;
        if let Some(reason) = &error {
            status.error.clone_from(reason);
        }
        let reported = match reporter.report(execution_id, status.clone()).await {
            Ok(_) => true,
            Err(report_error) => {
                tracing::error!(execution_id, %report_error, "terminal status not delivered");
                false
            }
        };
        match phase {
            ExecutionPhase::ExecutionFailed => {
                tracing::warn!(
                    execution_id,
                    error = error.as_deref().unwrap_or(""),
                    "execution failed"
                );
            }
            _ => tracing::info!(
                execution_id,
                phase = phase.as_str_name(),
                "execution finished"
            ),
        }
        RunOutcome {
            phase,
            final_message,
            error,
            status,
            reported,
        }
    }
}

/// Why `drive` stopped without an answer.
enum Failure {
    Cancelled,
    Other(String),
}
