//! LLM providers behind one trait: the agent loop speaks [`ChatRequest`] and
//! [`StreamEvent`], each provider translates to its wire format.

mod anthropic;
mod error;
mod http;
mod openai;

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use serde_json::{Map, Value};

pub use anthropic::AnthropicProvider;
pub use error::LlmError;
pub use openai::OpenAiCompatibleProvider;

use crate::config::{LlmConfig, LlmProviderKind};

/// One request to the model: the whole conversation plus the tools it may call.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    /// Model name as the provider knows it.
    pub model: String,
    /// System prompt (agent instructions, skills, workspace notes).
    pub system: String,
    /// The conversation, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Tools offered to the model.
    pub tools: Vec<ToolSpec>,
    /// Sampling temperature; `None` for the provider default.
    pub temperature: Option<f32>,
    /// Upper bound of tokens in the reply.
    pub max_tokens: u32,
}

/// One turn of the conversation in provider-neutral form.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatMessage {
    /// What the user said.
    User(String),
    /// What the model answered, with the tools it asked for.
    Assistant {
        /// Text of the reply (may be empty when the model only calls tools).
        text: String,
        /// Tool calls requested in this reply.
        tool_calls: Vec<ToolInvocation>,
    },
    /// The result of one tool call, fed back to the model.
    ToolResult {
        /// Id of the [`ToolInvocation`] this answers.
        call_id: String,
        /// Name of the tool.
        name: String,
        /// What the tool returned (or the error text).
        content: String,
        /// Whether `content` describes a failure.
        is_error: bool,
    },
}

/// A tool call requested by the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolInvocation {
    /// Provider-assigned id; tool results refer to it.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Parsed JSON arguments.
    pub arguments: Map<String, Value>,
    /// Set when the model sent arguments that are not a JSON object; the
    /// call then fails with this text so the model can correct itself.
    pub invalid_arguments: Option<String>,
}

/// A tool as offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// Name the model uses to call it (`[A-Za-z0-9_-]{1,64}`).
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: Value,
}

/// What a streaming reply yields, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the reply text.
    Text(String),
    /// A complete tool call (arguments fully received).
    ToolCall(ToolInvocation),
    /// The reply is over.
    Finished {
        /// Provider's stop reason, e.g. `stop`, `tool_calls`, `end_turn`.
        reason: String,
    },
}

/// The events of one reply.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send>>;

/// A chat model that streams its replies and can call tools.
#[async_trait::async_trait]
pub trait LlmProvider: Send + Sync + 'static {
    /// Short description for logs and errors, e.g. `ollama at http://localhost:11434`.
    fn describe(&self) -> String;

    /// Sends the request (retrying 429/5xx answers) and returns the reply as
    /// it streams in. Dropping the stream closes the connection.
    async fn stream_chat(&self, request: &ChatRequest) -> Result<EventStream, LlmError>;
}

/// Builds the provider selected by `config`. Fails when a required API key is
/// missing, with a message naming the variable to set.
pub fn provider_from_config(config: &LlmConfig) -> Result<Arc<dyn LlmProvider>, LlmError> {
    let client = http::HttpSettings::from_config(config);
    match config.provider {
        LlmProviderKind::Ollama => Ok(Arc::new(OpenAiCompatibleProvider::ollama(
            client,
            &config.base_url,
        )?)),
        LlmProviderKind::OpenAi => {
            let key = config.api_key.clone().ok_or(LlmError::MissingApiKey {
                provider: "openai",
                variable: "OPENAI_API_KEY",
            })?;
            Ok(Arc::new(OpenAiCompatibleProvider::openai(
                client,
                &config.base_url,
                key,
            )?))
        }
        LlmProviderKind::Anthropic => {
            let key = config.api_key.clone().ok_or(LlmError::MissingApiKey {
                provider: "anthropic",
                variable: "ANTHROPIC_API_KEY",
            })?;
            Ok(Arc::new(AnthropicProvider::new(
                client,
                &config.base_url,
                key,
            )?))
        }
    }
}

/// Parses accumulated tool-call argument text; empty text means no arguments.
fn parse_arguments(text: &str) -> (Map<String, Value>, Option<String>) {
    if text.trim().is_empty() {
        return (Map::new(), None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => (map, None),
        Ok(other) => (
            Map::new(),
            Some(format!(
                "tool arguments must be a JSON object, got: {other}"
            )),
        ),
        Err(error) => (
            Map::new(),
            Some(format!(
                "tool arguments are not valid JSON ({error}): {text}"
            )),
        ),
    }
}
