//! Scripted fake LLM servers on loopback: real HTTP, streaming SSE, in the
//! OpenAI chat-completions or the Anthropic Messages format.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Stream this text (in a few chunks) and stop.
    Text(String),
    /// Ask for one tool call with these arguments.
    ToolCall { name: String, arguments: Value },
    /// Answer with this HTTP error status.
    Status(u16),
    /// Stream one chunk of text, then never finish.
    Hang,
}

impl Reply {
    pub fn text(text: &str) -> Self {
        Self::Text(text.to_owned())
    }

    pub fn tool(name: &str, arguments: Value) -> Self {
        Self::ToolCall {
            name: name.to_owned(),
            arguments,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
}

struct Shared {
    dialect: Dialect,
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Value>>,
    headers: Mutex<Vec<HeaderMap>>,
    hanging: Notify,
    stream_dropped: Notify,
    calls: Mutex<u32>,
}

/// A running fake server.
#[derive(Clone)]
pub struct FakeLlm {
    shared: Arc<Shared>,
    pub addr: SocketAddr,
}

impl FakeLlm {
    pub async fn start(dialect: Dialect, script: Vec<Reply>) -> Self {
        let shared = Arc::new(Shared {
            dialect,
            script: Mutex::new(script.into()),
            requests: Mutex::new(Vec::new()),
            headers: Mutex::new(Vec::new()),
            hanging: Notify::new(),
            stream_dropped: Notify::new(),
            calls: Mutex::new(0),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .route("/v1/messages", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { shared, addr }
    }

    /// The base URL to configure (`STIGMER_LLM_BASE_URL`).
    pub fn base_url(&self) -> String {
        match self.shared.dialect {
            Dialect::OpenAi => format!("http://{}/v1", self.addr),
            Dialect::Anthropic => format!("http://{}", self.addr),
        }
    }

    /// Every request body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn headers(&self) -> Vec<HeaderMap> {
        self.shared.headers.lock().unwrap().clone()
    }

    /// Resolves once a `Hang` reply is streaming.
    pub async fn wait_until_hanging(&self) {
        self.shared.hanging.notified().await;
    }

    /// Resolves once the client dropped a hanging stream.
    pub async fn wait_until_stream_dropped(&self) {
        self.shared.stream_dropped.notified().await;
    }
}

/// Notifies when the response stream is dropped (the client went away).
struct DropSignal(Arc<Shared>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.0.stream_dropped.notify_one();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.requests.lock().unwrap().push(request);
    shared.headers.lock().unwrap().push(headers);
    let call = {
        let mut calls = shared.calls.lock().unwrap();
        *calls += 1;
        *calls
    };
    let reply = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| Reply::text("(script exhausted)"));
    let events = match (&reply, shared.dialect) {
        (Reply::Status(code), _) => {
            return (
                StatusCode::from_u16(*code).unwrap(),
                [("content-type", "application/json")],
                json!({"error": {"message": format!("scripted failure {code}"), "type": "server_error"}})
                    .to_string(),
            )
                .into_response();
        }
        (_, Dialect::OpenAi) => openai_events(&reply, call),
        (_, Dialect::Anthropic) => anthropic_events(&reply, call),
    };
    let frames: Vec<Result<Bytes, Infallible>> = events
        .into_iter()
        .map(|event| Ok(Bytes::from(event)))
        .collect();
    let body = if matches!(reply, Reply::Hang) {
        shared.hanging.notify_one();
        let guard = DropSignal(shared.clone());
        let endless = futures::stream::pending::<Result<Bytes, Infallible>>().map(move |item| {
            let _keep = &guard;
            item
        });
        Body::from_stream(futures::stream::iter(frames).chain(endless))
    } else {
        Body::from_stream(futures::stream::iter(frames))
    };
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

fn sse(data: &Value) -> String {
    format!("data: {data}\n\n")
}

fn chunks(text: &str) -> Vec<String> {
    let middle = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    [&text[..middle], &text[middle..]]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

fn openai_events(reply: &Reply, call: u32) -> Vec<String> {
    let delta = |delta: Value, finish: Value| {
        sse(
            &json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        )
    };
    let mut events = vec![delta(json!({"role": "assistant"}), Value::Null)];
    match reply {
        Reply::Text(text) => {
            for part in chunks(text) {
                events.push(delta(json!({"content": part}), Value::Null));
            }
            events.push(delta(json!({}), json!("stop")));
            events.push("data: [DONE]\n\n".to_owned());
        }
        Reply::ToolCall { name, arguments } => {
            let arguments = arguments.to_string();
            let (first, second) = arguments.split_at(arguments.len() / 2);
            events.push(delta(
                json!({"tool_calls": [{"index": 0, "id": format!("call_{call}"), "type": "function",
                    "function": {"name": name, "arguments": first}}]}),
                Value::Null,
            ));
            events.push(delta(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": second}}]}),
                Value::Null,
            ));
            events.push(delta(json!({}), json!("tool_calls")));
            events.push("data: [DONE]\n\n".to_owned());
        }
        Reply::Hang => events.push(delta(json!({"content": "thinking"}), Value::Null)),
        Reply::Status(_) => {}
    }
    events
}

fn anthropic_events(reply: &Reply, call: u32) -> Vec<String> {
    let event = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
    let mut events = vec![event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": []}}),
    )];
    match reply {
        Reply::Text(text) => {
            events.push(event("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
            for part in chunks(text) {
                events.push(event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}})));
            }
            events.push(event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ));
            events.push(event(
                "message_delta",
                json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
            ));
            events.push(event("message_stop", json!({"type": "message_stop"})));
        }
        Reply::ToolCall { name, arguments } => {
            let arguments = arguments.to_string();
            let (first, second) = arguments.split_at(arguments.len() / 2);
            events.push(event("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": format!("toolu_{call}"), "name": name, "input": {}}})));
            events.push(event("ping", json!({"type": "ping"})));
            for part in [first, second] {
                events.push(event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": part}})));
            }
            events.push(event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ));
            events.push(event(
                "message_delta",
                json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}}),
            ));
            events.push(event("message_stop", json!({"type": "message_stop"})));
        }
        Reply::Hang => {
            events.push(event("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
            events.push(event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "thinking"}})));
        }
        Reply::Status(_) => {}
    }
    events
}
