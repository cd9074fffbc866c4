//! The agent loop: send the conversation, stream the reply, run the tools
//! it asks for, feed the results back — until the model answers without
//! tools or the step limit is reached.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::context::ResolvedEnvironment;
use crate::llm::{ChatMessage, ChatRequest, LlmError, LlmProvider, StreamEvent, ToolInvocation};
use crate::tools::{ToolCallContext, ToolError, Toolbox};

/// Why a loop ended without an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoopError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(
        "the agent did not finish within {0} model turns (raise STIGMER_AGENT_MAX_STEPS if the task needs more)"
    )]
    StepLimit(u32),
    #[error("execution cancelled")]
    Cancelled,
}

/// Sees the loop's progress (the status of the execution or of a sub-agent).
pub(crate) trait LoopObserver: Send + Sync {
    /// A model turn starts.
    fn reply_started(&self);
    /// A piece of reply text arrived.
    fn reply_text(&self, text: &str);
    /// The reply is complete.
    fn reply_finished(&self, text: &str, tool_calls: &[ToolInvocation]);
    /// A tool call starts.
    fn tool_started(&self, call: &ToolInvocation, component_type: &'static str);
    /// A tool call ended.
    fn tool_finished(&self, call: &ToolInvocation, outcome: &Result<String, ToolError>);
}

/// One agent's loop settings.
pub(crate) struct AgentLoop {
    pub provider: Arc<dyn LlmProvider>,
    pub model: String,
    pub system_prompt: String,
    pub temperature: Option<f32>,
    pub max_tokens: u32,
    pub max_steps: u32,
    pub tool_timeout: Duration,
    pub tools: Toolbox,
    /// Secret values are scrubbed from tool output before the model or the
    /// status sees it.
    pub environment: Arc<ResolvedEnvironment>,
}

impl AgentLoop {
    /// Runs until the final answer, which it returns.
    pub(crate) async fn run(
        &self,
        conversation: Vec<ChatMessage>,
        observer: &dyn LoopObserver,
        cancel: &CancellationToken,
    ) -> Result<String, LoopError> {
        let mut request = ChatRequest {
            model: self.model.clone(),
            system: self.system_prompt.clone(),
            messages: conversation,
            tools: self.tools.specs().to_vec(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
        };
        for _ in 0..self.max_steps {
            observer.reply_started();
            let (text, tool_calls) = self.stream_reply(&request, observer, cancel).await?;
            observer.reply_finished(&text, &tool_calls);
            request.messages.push(ChatMessage::Assistant {
                text: text.clone(),
                tool_calls: tool_calls.clone(),
            });
            if tool_calls.is_empty() {
                return Ok(text);
            }
            for call in &tool_calls {
                let outcome = self.call_tool(call, observer, cancel).await?;
                let (content, is_error) = match outcome {
                    Ok(content) => (content, false),
                    Err(ToolError(message)) => (format!("Error: {message}"), true),
                };
                request.messages.push(ChatMessage::ToolResult {
                    call_id: call.id.clone(),
                    name: call.name.clone(),
                    content,
                    is_error,
                });
            }
        }
        Err(LoopError::StepLimit(self.max_steps))
    }

    async fn stream_reply(
        &self,
        request: &ChatRequest,
        observer: &dyn LoopObserver,
        cancel: &CancellationToken,
    ) -> Result<(String, Vec<ToolInvocation>), LoopError> {
        let mut stream = tokio::select! {
            stream = self.provider.stream_chat(request) => stream?,
            () = cancel.cancelled() => return Err(LoopError::Cancelled),
        };
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        loop {
            let event = tokio::select! {
                event = stream.next() => event,
                () = cancel.cancelled() => return Err(LoopError::Cancelled),
            };
            match event {
                Some(Ok(StreamEvent::Text(delta))) => {
                    observer.reply_text(&delta);
                    text.push_str(&delta);
                }
                Some(Ok(StreamEvent::ToolCall(call))) => tool_calls.push(call),
                Some(Ok(StreamEvent::Finished { .. })) | None => break,
                Some(Err(error)) => return Err(error.into()),
            }
        }
        Ok((text, tool_calls))
    }

    async fn call_tool(
        &self,
        call: &ToolInvocation,
        observer: &dyn LoopObserver,
        cancel: &CancellationToken,
    ) -> Result<Result<String, ToolError>, LoopError> {
        let Some(tool) = self.tools.get(&call.name) else {
            observer.tool_started(call, "unknown");
            let outcome = Err(ToolError(format!(
                "unknown tool '{}'; available tools: {}",
                call.name,
                self.tools.names().join(", ")
            )));
            observer.tool_finished(call, &outcome);
            return Ok(outcome);
        };
        observer.tool_started(call, tool.component_type());
        let outcome = if let Some(problem) = &call.invalid_arguments {
            Err(ToolError(problem.clone()))
        } else {
            let context = ToolCallContext {
                call_id: &call.id,
                cancel,
            };
            tokio::select! {
                result = tokio::time::timeout(self.tool_timeout, tool.call(&call.arguments, &context)) => {
                    result.unwrap_or_else(|_| Err(ToolError(format!(
                        "the tool did not finish within {} s", self.tool_timeout.as_secs()
                    ))))
                }
                () = cancel.cancelled() => return Err(LoopError::Cancelled),
            }
        };
        let outcome = match outcome {
            Ok(text) => Ok(self.environment.redact(&text)),
            Err(ToolError(message)) => Err(ToolError(self.environment.redact(&message))),
        };
        observer.tool_finished(call, &outcome);
        Ok(outcome)
    }
}
