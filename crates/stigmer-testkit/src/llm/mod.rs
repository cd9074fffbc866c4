//! [`FakeLlm`]: a scripted LLM server on loopback.

mod anthropic;
mod openai;
mod reply;

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub use reply::Reply;

/// The wire format the fake speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAI chat completions at `<base_url>/chat/completions`, base URL
    /// `http://<addr>/v1` (what Ollama, vLLM, LM Studio… serve too).
    OpenAi,
    /// Anthropic Messages at `<base_url>/v1/messages`, base URL `http://<addr>`.
    Anthropic,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Header names (lower case) and values.
    pub headers: BTreeMap<String, String>,
    /// The JSON body (`Value::Null` if it was not JSON).
    pub body: Value,
}

impl Recorded {
    /// A header's value, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

struct Shared {
    dialect: Dialect,
    script: Mutex<VecDeque<Reply>>,
    recorded: Mutex<Vec<Recorded>>,
    request_seen: Notify,
    hanging: Notify,
    stream_dropped: Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake LLM server. Clones share the server, script and records;
/// it serves until the test's runtime ends.
#[derive(Clone)]
pub struct FakeLlm {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FakeLlm {
    /// An OpenAI-compatible fake answering with `script`, in order.
    pub async fn openai(script: impl IntoIterator<Item = Reply>) -> Self {
        Self::start(Dialect::OpenAi, script).await
    }

    /// An Anthropic Messages fake answering with `script`, in order.
    pub async fn anthropic(script: impl IntoIterator<Item = Reply>) -> Self {
        Self::start(Dialect::Anthropic, script).await
    }

    /// A fake of `dialect` on a free loopback port.
    pub async fn start(dialect: Dialect, script: impl IntoIterator<Item = Reply>) -> Self {
        let shared = Arc::new(Shared {
            dialect,
            script: Mutex::new(script.into_iter().collect()),
            recorded: Mutex::new(Vec::new()),
            request_seen: Notify::new(),
            hanging: Notify::new(),
            stream_dropped: Notify::new(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(handle))
            .route("/v1/messages", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a loopback port for the fake LLM");
        let addr = listener.local_addr().expect("the fake LLM's local address");
        tokio::spawn(async move {
            // Ends with the runtime; an accept error only ends the fake.
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, addr }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Which format it speaks.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }

    /// The base URL to configure (`STIGMER_LLM_BASE_URL`).
    pub fn base_url(&self) -> String {
        match self.shared.dialect {
            Dialect::OpenAi => format!("http://{}/v1", self.addr),
            Dialect::Anthropic => format!("http://{}", self.addr),
        }
    }

    /// The provider name for `STIGMER_LLM_PROVIDER`.
    pub fn provider(&self) -> &'static str {
        match self.shared.dialect {
            Dialect::OpenAi => "openai",
            Dialect::Anthropic => "anthropic",
        }
    }

    /// Appends replies to the script.
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.shared.script).extend(replies);
    }

    /// Every request received, in order.
    pub fn recorded(&self) -> Vec<Recorded> {
        lock(&self.shared.recorded).clone()
    }

    /// Every request body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.shared.recorded)
            .iter()
            .map(|recorded| recorded.body.clone())
            .collect()
    }

    /// How many requests arrived so far.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.recorded).len()
    }

    /// Resolves once at least `count` requests arrived.
    pub async fn wait_for_requests(&self, count: usize) {
        loop {
            let seen = self.shared.request_seen.notified();
            tokio::pin!(seen);
            seen.as_mut().enable();
            if self.request_count() >= count {
                return;
            }
            seen.await;
        }
    }

    /// Resolves once a [`Reply::Hang`] or [`Reply::Paused`] reply has sent
    /// its first event and is waiting (one wake-up per such reply).
    pub async fn wait_until_hanging(&self) {
        self.shared.hanging.notified().await;
    }

    /// Resolves once a client went away before a streamed reply ended (a
    /// cancelled run drops its model stream).
    pub async fn wait_until_stream_dropped(&self) {
        self.shared.stream_dropped.notified().await;
    }
}

/// A base URL where nothing listens (connection refused): a provider that
/// is down.
pub fn unreachable_base_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("finding a free loopback port")
        .port();
    format!("http://127.0.0.1:{port}/v1")
}

/// Notifies `stream_dropped` when a response body is dropped before its end.
struct DropSignal {
    shared: Arc<Shared>,
    finished: Arc<AtomicBool>,
}

impl Drop for DropSignal {
    fn drop(&mut self) {
        if !self.finished.load(Ordering::SeqCst) {
            self.shared.stream_dropped.notify_one();
        }
    }
}

type Frames = BoxStream<'static, Result<Bytes, Infallible>>;

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = {
        let mut recorded = lock(&shared.recorded);
        recorded.push(Recorded {
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        u32::try_from(recorded.len()).unwrap_or(u32::MAX)
    };
    shared.request_seen.notify_waiters();
    let mut reply = lock(&shared.script)
        .pop_front()
        .unwrap_or_else(|| Reply::text("(script exhausted)"));
    let mut pause = None;
    loop {
        match reply {
            Reply::Delayed(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Paused(duration, inner) => {
                pause = Some(duration);
                reply = *inner;
            }
            _ => break,
        }
    }
    if let Reply::Status(code) = reply {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({"error": {"message": format!("scripted failure {code}"),
            "type": "server_error"}});
        return (
            status,
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    let events = match shared.dialect {
        Dialect::OpenAi => openai::events(&reply, call),
        Dialect::Anthropic => anthropic::events(&reply, call),
    };
    let mut frames = events.into_iter().map(|event| Ok(Bytes::from(event)));
    let mut body: Frames = match pause {
        Some(pause) => {
            let first: Vec<_> = frames.next().into_iter().collect();
            let rest: Vec<_> = frames.collect();
            let waiting = shared.clone();
            let wait = stream::once(async move {
                waiting.hanging.notify_one();
                tokio::time::sleep(pause).await;
            })
            .filter_map(|()| async { None::<Result<Bytes, Infallible>> });
            stream::iter(first)
                .chain(wait)
                .chain(stream::iter(rest))
                .boxed()
        }
        None => stream::iter(frames.collect::<Vec<_>>()).boxed(),
    };
    if matches!(reply, Reply::Hang) {
        shared.hanging.notify_one();
        body = body.chain(stream::pending()).boxed();
    }
    let finished = Arc::new(AtomicBool::new(false));
    let guard = DropSignal {
        shared: shared.clone(),
        finished: finished.clone(),
    };
    let end = stream::once(async move { finished.store(true, Ordering::SeqCst) })
        .filter_map(|()| async { None::<Result<Bytes, Infallible>> });
    let body = body.chain(end).map(move |frame| {
        let _keep = &guard;
        frame
    });
    (
        [("content-type", "text/event-stream")],
        Body::from_stream(body),
    )
        .into_response()
}
