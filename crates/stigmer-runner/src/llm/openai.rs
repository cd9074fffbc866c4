//! OpenAI-compatible chat completions (`POST {base}/chat/completions`,
//! `stream: true`): OpenAI itself, Ollama's `/v1`, vLLM, LM Studio…

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{HttpSettings, SseEvents, next_event, sse_events};
use super::{
    ChatMessage, ChatRequest, EventStream, LlmError, LlmProvider, StreamEvent, ToolInvocation,
    parse_arguments,
};
use crate::secret::SecretString;

/// A chat-completions client. Ollama is this client pointed at `/v1` without a key.
pub struct OpenAiCompatibleProvider {
    name: &'static str,
    http: HttpSettings,
    base_url: String,
    endpoint: String,
    api_key: Option<SecretString>,
}

impl OpenAiCompatibleProvider {
    /// Ollama at `base_url` (`http://localhost:11434` by default); `/v1` is
    /// appended unless the URL already ends with it.
    pub(crate) fn ollama(http: HttpSettings, base_url: &str) -> Result<Self, LlmError> {
        let trimmed = base_url.trim_end_matches('/');
        let api_root = if trimmed.ends_with("/v1") {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/v1")
        };
        Self::build("ollama", http, base_url, &api_root, None)
    }

    /// OpenAI or another compatible server; `base_url` is the API root
    /// (`https://api.openai.com/v1` by default).
    pub(crate) fn openai(
        http: HttpSettings,
        base_url: &str,
        api_key: SecretString,
    ) -> Result<Self, LlmError> {
        Self::build(
            "openai",
            http,
            base_url,
            base_url.trim_end_matches('/'),
            Some(api_key),
        )
    }

    fn build(
        name: &'static str,
        http: HttpSettings,
        base_url: &str,
        api_root: &str,
        api_key: Option<SecretString>,
    ) -> Result<Self, LlmError> {
        let endpoint = format!("{api_root}/chat/completions");
        reqwest::Url::parse(&endpoint).map_err(|error| LlmError::InvalidBaseUrl {
            url: base_url.to_owned(),
            reason: error.to_string(),
        })?;
        Ok(Self {
            name,
            http,
            base_url: base_url.to_owned(),
            endpoint,
            api_key,
        })
    }

    fn unreachable_hint(&self, model: &str) -> String {
        if self.name == "ollama" {
            format!(
                "Start Ollama with `ollama serve` and fetch the model with `ollama pull {model}`, \
                 or point STIGMER_LLM_BASE_URL at your Ollama, or use another provider: \
                 STIGMER_LLM_PROVIDER=openai with OPENAI_API_KEY, or \
                 STIGMER_LLM_PROVIDER=anthropic with ANTHROPIC_API_KEY"
            )
        } else {
            "Check STIGMER_LLM_BASE_URL and the network connection".to_owned()
        }
    }

    fn rejection_hint(&self, status: u16, model: &str) -> String {
        match (self.name, status) {
            ("ollama", 404) => format!(" (pull the model with `ollama pull {model}`)"),
            (_, 401 | 403) => " (check OPENAI_API_KEY)".to_owned(),
            _ => String::new(),
        }
    }
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiCompatibleProvider {
    fn describe(&self) -> String {
        format!("{} at {}", self.name, self.base_url)
    }

    async fn stream_chat(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = request_body(request);
        let hint = self.unreachable_hint(&request.model);
        let response = self
            .http
            .send(self.name, &self.base_url, &hint, |client| {
                let builder = client.post(&self.endpoint).json(&body);
                match &self.api_key {
                    Some(key) => builder.bearer_auth(key.expose()),
                    None => builder,
                }
            })
            .await
            .map_err(|error| match error {
                LlmError::Rejected {
                    provider,
                    status,
                    message,
                    ..
                } => LlmError::Rejected {
                    provider,
                    status,
                    message,
                    hint: self.rejection_hint(status, &request.model),
                },
                other => other,
            })?;
        let state = ReplyState {
            provider: self.name,
            events: sse_events(response),
            idle: self.http.idle_timeout,
            pending: VecDeque::new(),
            calls: BTreeMap::new(),
            finish_reason: None,
            done: false,
        };
        Ok(Box::pin(futures::stream::unfold(state, ReplyState::next)))
    }
}

fn request_body(request: &ChatRequest) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    for message in &request.messages {
        messages.push(match message {
            ChatMessage::User(text) => json!({"role": "user", "content": text}),
            ChatMessage::Assistant { text, tool_calls } if tool_calls.is_empty() => {
                json!({"role": "assistant", "content": text})
            }
            ChatMessage::Assistant { text, tool_calls } => json!({
                "role": "assistant",
                "content": if text.is_empty() { Value::Null } else { Value::from(text.as_str()) },
                "tool_calls": tool_calls.iter().map(|call| json!({
                    "id": call.id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": Value::Object(call.arguments.clone()).to_string(),
                    },
                })).collect::<Vec<_>>(),
            }),
            ChatMessage::ToolResult {
                call_id, content, ..
            } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
        });
    }
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "stream": true,
        "max_tokens": request.max_tokens,
    });
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    },
                })
            })
            .collect();
    }
    body
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<DeltaToolCall>,
}

#[derive(Deserialize)]
struct DeltaToolCall {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<DeltaFunction>,
}

#[derive(Deserialize)]
struct DeltaFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Turns chunks into [`StreamEvent`]s: text goes out at once, tool calls are
/// assembled from their fragments and go out when the reply ends.
struct ReplyState {
    provider: &'static str,
    events: SseEvents,
    idle: Duration,
    pending: VecDeque<StreamEvent>,
    calls: BTreeMap<u64, PartialCall>,
    finish_reason: Option<String>,
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
            let outcome = match next_event(&mut self.events, self.idle, self.provider).await {
                Ok(Some(event)) => self.absorb(event.data.as_deref().unwrap_or_default()),
                Ok(None) => {
                    self.finish();
                    Ok(())
                }
                Err(error) => Err(error),
            };
            if let Err(error) = outcome {
                self.done = true;
                return Some((Err(error), self));
            }
        }
    }

    fn absorb(&mut self, data: &str) -> Result<(), LlmError> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(());
        }
        if data == "[DONE]" {
            self.finish();
            return Ok(());
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|error| LlmError::Stream {
            provider: self.provider,
            message: format!("unreadable chunk ({error}): {data}"),
        })?;
        if let Some(error) = chunk.error {
            return Err(LlmError::Stream {
                provider: self.provider,
                message: super::http::error_message_from_body(
                    &json!({ "error": error }).to_string(),
                ),
            });
        }
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content.filter(|text| !text.is_empty()) {
                self.pending.push_back(StreamEvent::Text(text));
            }
            for (position, fragment) in choice.delta.tool_calls.into_iter().enumerate() {
                let index = fragment.index.unwrap_or(position as u64);
                let call = self.calls.entry(index).or_default();
                if let Some(id) = fragment.id.filter(|id| !id.is_empty()) {
                    call.id = id;
                }
                if let Some(function) = fragment.function {
                    if let Some(name) = function.name.filter(|name| !name.is_empty()) {
                        call.name = name;
                    }
                    if let Some(arguments) = function.arguments {
                        call.arguments.push_str(&arguments);
                    }
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finish_reason = Some(reason);
            }
        }
        Ok(())
    }

    fn finish(&mut self) {
        if self.done {
            return;
        }
        for (index, call) in std::mem::take(&mut self.calls) {
            let (arguments, invalid_arguments) = parse_arguments(&call.arguments);
            let id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            self.pending
                .push_back(StreamEvent::ToolCall(ToolInvocation {
                    id,
                    name: call.name,
                    arguments,
                    invalid_arguments,
                }));
        }
        self.pending.push_back(StreamEvent::Finished {
            reason: self
                .finish_reason
                .take()
                .unwrap_or_else(|| "stop".to_owned()),
        });
        self.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ToolSpec;

    #[test]
    fn ollama_is_spoken_to_through_its_v1_api() {
        let http = HttpSettings::from_config(&crate::config::LlmConfig::default());
        for base in [
            "http://host:11434",
            "http://host:11434/",
            "http://host:11434/v1",
        ] {
            let provider = OpenAiCompatibleProvider::ollama(http.clone(), base).unwrap();
            assert_eq!(provider.endpoint, "http://host:11434/v1/chat/completions");
        }
        let error = OpenAiCompatibleProvider::ollama(http, "not a url")
            .err()
            .unwrap();
        assert!(error.to_string().contains("STIGMER_LLM_BASE_URL"));
    }

    #[test]
    fn body_carries_system_history_tools_and_tool_results() {
        let mut arguments = serde_json::Map::new();
        arguments.insert("path".into(), json!("a.txt"));
        let request = ChatRequest {
            model: "m".into(),
            system: "be brief".into(),
            messages: vec![
                ChatMessage::User("hi".into()),
                ChatMessage::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolInvocation {
                        id: "c1".into(),
                        name: "read_file".into(),
                        arguments,
                        invalid_arguments: None,
                    }],
                },
                ChatMessage::ToolResult {
                    call_id: "c1".into(),
                    name: "read_file".into(),
                    content: "data".into(),
                    is_error: false,
                },
            ],
            tools: vec![ToolSpec {
                name: "read_file".into(),
                description: "reads".into(),
                parameters: json!({"type": "object"}),
            }],
            temperature: Some(0.0),
            max_tokens: 100,
        };
        let body = request_body(&request);
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][2]["content"], Value::Null);
        assert_eq!(
            body["messages"][2]["tool_calls"][0]["function"]["arguments"],
            r#"{"path":"a.txt"}"#
        );
        assert_eq!(body["messages"][3]["tool_call_id"], "c1");
        assert_eq!(body["tools"][0]["function"]["name"], "read_file");
        assert_eq!(body["stream"], true);
    }
}
