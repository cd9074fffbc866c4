//! The token handshake's completion side. A caller (the workflow runner's
//! call-agent task) creates an execution with a `callback_token` and waits;
//! when that execution ends, the engine hands the token and the **final**
//! execution (or the error) to a [`CallbackCompleter`] — upstream returned
//! the initial PENDING snapshot (our decision 9). Temporal implements it in
//! a later issue; until then the default only logs.

use async_trait::async_trait;
use base64::Engine as _;
use stigmer_api::Resource;
use stigmer_api::agentic::agentexecution::v1::AgentExecution;
use stigmer_api::agentic::workflowexecution::v1::WorkflowExecution;

/// An execution as it ended.
#[derive(Debug, Clone, PartialEq)]
pub enum FinalExecution {
    Agent(Box<AgentExecution>),
    Workflow(Box<WorkflowExecution>),
}

impl FinalExecution {
    pub fn id(&self) -> &str {
        match self {
            FinalExecution::Agent(execution) => execution.id(),
            FinalExecution::Workflow(execution) => execution.id(),
        }
    }

    /// The phase number (both kinds' phase enums share their numbers).
    pub fn phase(&self) -> i32 {
        match self {
            FinalExecution::Agent(execution) => execution.status.as_ref().map_or(0, |s| s.phase),
            FinalExecution::Workflow(execution) => execution.status.as_ref().map_or(0, |s| s.phase),
        }
    }

    /// `status.error`, empty when none.
    pub fn error(&self) -> &str {
        match self {
            FinalExecution::Agent(execution) => {
                execution.status.as_ref().map_or("", |s| s.error.as_str())
            }
            FinalExecution::Workflow(execution) => {
                execution.status.as_ref().map_or("", |s| s.error.as_str())
            }
        }
    }
}

/// Why a waiting caller's activity fails instead of completing.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackFailure {
    pub error: String,
    /// The execution as it ended, when it still exists.
    pub execution: Option<FinalExecution>,
}

/// Completes (or fails) the caller waiting on a callback token.
#[async_trait]
pub trait CallbackCompleter: Send + Sync + 'static {
    /// `Ok` with the final execution when it COMPLETED; `Err` when it failed,
    /// was cancelled or vanished.
    async fn complete(&self, token: Vec<u8>, result: Result<FinalExecution, CallbackFailure>);
}

/// The default completer while no Temporal engine exists: logs the
/// completion (token as a 20-character base64 prefix, never whole).
pub struct LoggingCompleter;

#[async_trait]
impl CallbackCompleter for LoggingCompleter {
    async fn complete(&self, token: Vec<u8>, result: Result<FinalExecution, CallbackFailure>) {
        let token = token_preview(&token);
        match result {
            Ok(execution) => tracing::info!(
                id = execution.id(),
                %token,
                "execution with a callback token completed; no callback engine configured"
            ),
            Err(failure) => tracing::warn!(
                id = failure.execution.as_ref().map_or("", FinalExecution::id),
                %token,
                error = %failure.error,
                "execution with a callback token failed; no callback engine configured"
            ),
        }
    }
}

/// The first 20 base64 characters of a token, as upstream logs it.
pub fn token_preview(token: &[u8]) -> String {
    let mut encoded = base64::engine::general_purpose::STANDARD.encode(token);
    encoded.truncate(20);
    encoded
}

/// What a caller waiting on `execution` is told.
pub(crate) fn callback_result(
    execution: FinalExecution,
) -> Result<FinalExecution, CallbackFailure> {
    use stigmer_api::agentic::agentexecution::v1::ExecutionPhase;
    if execution.phase() == ExecutionPhase::ExecutionCompleted as i32 {
        return Ok(execution);
    }
    let error = match (
        execution.error(),
        ExecutionPhase::try_from(execution.phase()),
    ) {
        (error, _) if !error.is_empty() => error.to_owned(),
        (_, Ok(phase)) => format!("the execution ended with {}", phase.as_str_name()),
        (_, Err(_)) => "the execution ended without completing".to_owned(),
    };
    Err(CallbackFailure {
        error,
        execution: Some(execution),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_never_show_the_whole_token() {
        assert_eq!(token_preview(&[7; 64]).len(), 20);
        assert_eq!(token_preview(b"ab"), "YWI=");
    }
}
