//! Anthropic Messages API (`POST {base}/v1/messages`, `stream: true`).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{HttpSettings, SseEvents, error_message_from_body, next_event, sse_events};
use super::{
    ChatMessage, ChatRequest, EventStream, LlmError, LlmProvider, StreamEvent, ToolInvocation,
    parse_arguments,
};
use crate::secret::SecretString;

/// The API version header value the request format follows.
const ANTHROPIC_VERSION: &str = "2023-06-01";
const PROVIDER: &str = "anthropic";

/// A Messages API client.
pub struct AnthropicProvider {
    http: HttpSettings,
    base_url: String,
    endpoint: String,
    api_key: SecretString,
}

impl AnthropicProvider {
    pub(crate) fn new(
        http: HttpSettings,
        base_url: &str,
        api_key: SecretString,
    ) -> Result<Self, LlmError> {
        let endpoint = format!("{}/v1/messages", base_url.trim_end_matches('/'));
        reqwest::Url::parse(&endpoint).map_err(|error| LlmError::InvalidBaseUrl {
            url: base_url.to_owned(),
            reason: error.to_string(),
        })?;
        Ok(Self {
            http,
            base_url: base_url.to_owned(),
            endpoint,
            api_key,
        })
    }
}

#[async_trait::async_trait]
impl LlmProvider for AnthropicProvider {
    fn describe(&self) -> String {
        format!("anthropic at {}", self.base_url)
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = request_body(request);
        let response = self
            .http
            .send(
                PROVIDER,
                &self.base_url,
                "Check STIGMER_LLM_BASE_URL and the network connection",
                |client| {
                    client
                        .post(&self.endpoint)
                        .header("x-api-key", self.api_key.expose())
                        .header("anthropic-version", ANTHROPIC_VERSION)
                        .json(&body)
                },
            )
            .await
            .map_err(|error| match error {
                LlmError::Rejected {
                    provider,
                    status: status @ (401 | 403),
                    message,
                    ..
                } => LlmError::Rejected {
                    provider,
                    status,
                    message,
                    hint: " (check ANTHROPIC_API_KEY)".to_owned(),
                },
                other => other,
            })?;
        let state = ReplyState {
            events: sse_events(response),
            idle: self.http.idle_timeout,
            pending: VecDeque::new(),
            tool_blocks: HashMap::new(),
            stop_reason: None,
            done: false,
        };
        Ok(Box::pin(futures::stream::unfold(state, ReplyState::next)))
    }
}

/// Builds the request. The API wants strictly alternating roles and tool
/// results inside user messages, so consecutive same-role turns are merged.
fn request_body(request: &ChatRequest) -> Value {
    let mut messages: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for message in &request.messages {
        let (role, blocks) = match message {
            ChatMessage::User(text) => ("user", vec![json!({"type": "text", "text": text})]),
            ChatMessage::Assistant { text, tool_calls } => {
                let mut blocks = Vec::new();
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for call in tool_calls {
                    blocks.push(json!({
                        "type": "tool_use",
                        "id": call.id,
                        "name": call.name,
                        "input": Value::Object(call.arguments.clone()),
                    }));
                }
                ("assistant", blocks)
            }
            ChatMessage::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => (
                "user",
                vec![json!({
                    "type": "tool_result",
                    "tool_use_id": call_id,
                    "content": content,
                    "is_error": is_error,
                })],
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match messages.last_mut() {
            Some((last_role, last_blocks)) if *last_role == role => last_blocks.extend(blocks),
            _ => messages.push((role, blocks)),
        }
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens,
        "stream": true,
        "messages": messages
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect::<Vec<_>>(),
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": tool.parameters,
                })
            })
            .collect();
    }
    body
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    ContentBlockStart {
        index: u64,
        content_block: ContentBlock,
    },
    ContentBlockDelta {
        index: u64,
        delta: BlockDelta,
    },
    ContentBlockStop {
        index: u64,
    },
    MessageDelta {
        #[serde(default)]
        delta: MessageDelta,
    },
    MessageStop,
    Error {
        error: Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ContentBlock {
    ToolUse {
        id: String,
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct MessageDelta {
    #[serde(default)]
    stop_reason: Option<String>,
}

struct ToolBlock {
    id: String,
    name: String,
    json: String,
}

struct ReplyState {
    events: SseEvents,
    idle: Duration,
    pending: VecDeque<StreamEvent>,
    tool_blocks: HashMap<u64, ToolBlock>,
    stop_reason: Option<String>,
    done: bool,
}

impl ReplyState {
    async fn next(mut self) -> Option<(Result<StreamEvent, LlmError>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            if self.done {
                return None;
            }
            let outcome = match next_event(&mut self.events, self.idle, PROVIDER).await {
                Ok(Some(event)) => self.absorb(event.data.as_deref().unwrap_or_default()),
                Ok(None) => Err(LlmError::Stream {
                    provider: PROVIDER,
                    message: "the stream ended before message_stop".to_owned(),
                }),
                Err(error) => Err(error),
            };
            if let Err(error) = outcome {
                self.done = true;
                return Some((Err(error), self));
            }
        }
    }

    fn absorb(&mut self, data: &str) -> Result<(), LlmError> {
        if data.trim().is_empty() {
            return Ok(());
        }
        let event: Event = serde_json::from_str(data).map_err(|error| LlmError::Stream {
            provider: PROVIDER,
            message: format!("unreadable event ({error}): {data}"),
        })?;
        match event {
            Event::ContentBlockStart {
                index,
                content_block: ContentBlock::ToolUse { id, name },
            } => {
                self.tool_blocks.insert(
                    index,
                    ToolBlock {
                        id,
                        name,
                        json: String::new(),
                    },
                );
            }
            Event::ContentBlockDelta {
                delta: BlockDelta::TextDelta { text },
                ..
            } => {
                if !text.is_empty() {
                    self.pending.push_back(StreamEvent::Text(text));
                }
            }
            Event::ContentBlockDelta {
                index,
                delta: BlockDelta::InputJsonDelta { partial_json },
            } => {
                if let Some(block) = self.tool_blocks.get_mut(&index) {
                    block.json.push_str(&partial_json);
                }
            }
            Event::ContentBlockStop { index } => {
                if let Some(block) = self.tool_blocks.remove(&index) {
                    let (arguments, invalid_arguments) = parse_arguments(&block.json);
                    self.pending
                        .push_back(StreamEvent::ToolCall(ToolInvocation {
                            id: block.id,
                            name: block.name,
                            arguments,
                            invalid_arguments,
                        }));
                }
            }
            Event::MessageDelta { delta } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason;
                }
            }
            Event::MessageStop => {
                self.pending.push_back(StreamEvent::Finished {
                    reason: self
                        .stop_reason
                        .take()
                        .unwrap_or_else(|| "end_turn".to_owned()),
                });
                self.done = true;
            }
            Event::Error { error } => {
                return Err(LlmError::Stream {
                    provider: PROVIDER,
                    message: error_message_from_body(&json!({ "error": error }).to_string()),
                });
            }
            Event::ContentBlockStart { .. } | Event::ContentBlockDelta { .. } | Event::Other => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_tool_results_share_one_user_turn() {
        let call = |id: &str| ToolInvocation {
            id: id.into(),
            name: "t".into(),
            arguments: serde_json::Map::new(),
            invalid_arguments: None,
        };
        let result = |id: &str| ChatMessage::ToolResult {
            call_id: id.into(),
            name: "t".into(),
            content: "ok".into(),
            is_error: false,
        };
        let request = ChatRequest {
            model: "claude".into(),
            system: "sys".into(),
            messages: vec![
                ChatMessage::User("go".into()),
                ChatMessage::Assistant {
                    text: "calling".into(),
                    tool_calls: vec![call("a"), call("b")],
                },
                result("a"),
                result("b"),
            ],
            tools: vec![],
            temperature: None,
            max_tokens: 10,
        };
        let body = request_body(&request);
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[1]["content"][1]["type"], "tool_use");
        assert_eq!(messages[2]["role"], "user");
        assert_eq!(messages[2]["content"].as_array().unwrap().len(), 2);
        assert_eq!(body["system"], "sys");
    }
}
