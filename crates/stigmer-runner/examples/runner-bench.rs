//! Measures the runner's own cost against a zero-latency fake
//! OpenAI-compatible server on loopback, with the in-memory backend as the
//! Stigmer server.
//!
//! Every execution takes two model turns (a `write_todos` tool call, then the
//! answer), so nothing but the runner and loopback HTTP is measured. Reported:
//! - `baseline_request_us`: one bare streaming request to the fake server
//!   (HTTP + SSE, no runner);
//! - `overhead_per_turn_us`: wall time per model turn with one execution at a
//!   time, minus that baseline — what the runner itself adds per turn
//!   (context, tools, status tracking and reporting);
//! - executions per second (PENDING → COMPLETED) at 1 and 16 concurrent.
//!
//! `cargo run --release -p stigmer-runner --example runner-bench [executions]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionSpec, AgentExecutionStatus, ExecutionPhase,
};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_runner::{
    AgentRunner, InMemoryBackend, LlmConfig, LlmProviderKind, RunnerConfig, SecretString,
};
use tokio_util::sync::CancellationToken;

const TURNS_PER_EXECUTION: u32 = 2;

/// Answers with a tool call, or with text once the last message is a tool result.
async fn chat(body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let after_tool = request["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .is_some_and(|last| last["role"] == "tool");
    let chunk = |delta: Value, finish: Value| {
        format!(
            "data: {}\n\n",
            json!({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        )
    };
    let events = if after_tool {
        vec![
            chunk(json!({"content": "Todo list "}), Value::Null),
            chunk(json!({"content": "written."}), Value::Null),
            chunk(json!({}), json!("stop")),
        ]
    } else {
        vec![
            chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": "write_todos",
                        "arguments": r#"{"todos":[{"content":"bench","status":"completed"}]}"#}}]}),
                Value::Null,
            ),
            chunk(json!({}), json!("tool_calls")),
        ]
    };
    let mut text = events.concat();
    text.push_str("data: [DONE]\n\n");
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from(text))
        .unwrap()
}

async fn start_fake_provider() -> String {
    let app = Router::new().route("/v1/chat/completions", post(chat));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

fn metadata(id: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        id: id.to_owned(),
        name: id.to_owned(),
        slug: id.to_owned(),
        ..Default::default()
    })
}

struct Bench {
    runner: Arc<AgentRunner>,
    backend: Arc<InMemoryBackend>,
    next: std::sync::atomic::AtomicU64,
}

impl Bench {
    fn new(base_url: &str, workspace: &std::path::Path) -> Self {
        let mut llm = LlmConfig::for_provider(LlmProviderKind::OpenAi);
        llm.base_url = base_url.to_owned();
        llm.api_key = Some(SecretString::new("bench"));
        let runner = Arc::new(AgentRunner::new(RunnerConfig::new(llm, workspace)));
        let backend = Arc::new(InMemoryBackend::new());
        backend.put_agent(Agent {
            metadata: metadata("agt-bench"),
            spec: Some(AgentSpec {
                instructions: "You benchmark the runner.".into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        Self {
            runner,
            backend,
            next: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Creates one PENDING execution and runs it to COMPLETED.
    async fn one_execution(&self) {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("aex-bench-{n:08}");
        self.backend.put_execution(AgentExecution {
            metadata: metadata(&id),
            spec: Some(AgentExecutionSpec {
                agent_id: "agt-bench".into(),
                message: "Plan the work.".into(),
                ..Default::default()
            }),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionPending as i32,
                ..Default::default()
            }),
            ..Default::default()
        });
        let outcome = self
            .runner
            .run(
                &id,
                self.backend.clone(),
                self.backend.clone(),
                CancellationToken::new(),
            )
            .await;
        assert_eq!(
            outcome.phase,
            ExecutionPhase::ExecutionCompleted,
            "{:?}",
            outcome.error
        );
    }

    /// Runs `total` executions, `concurrency` at a time; returns the elapsed time.
    async fn run(self: &Arc<Self>, total: usize, concurrency: usize) -> Duration {
        let started = Instant::now();
        futures::stream::iter(0..total)
            .map(|_| {
                let bench = self.clone();
                async move { bench.one_execution().await }
            })
            .buffer_unordered(concurrency)
            .collect::<Vec<()>>()
            .await;
        started.elapsed()
    }
}

/// One bare streaming request (the provider side of a turn, without the runner).
async fn baseline_request(client: &reqwest::Client, base_url: &str) {
    let response = client
        .post(format!("{base_url}/chat/completions"))
        .json(
            &json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    while body.next().await.is_some() {}
}

#[tokio::main]
async fn main() {
    let executions: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(400);
    let base_url = start_fake_provider().await;
    let workspace = tempfile::tempdir().unwrap();
    let bench = Arc::new(Bench::new(&base_url, workspace.path()));

    let client = reqwest::Client::new();
    for _ in 0..50 {
        baseline_request(&client, &base_url).await;
    }
    let baseline_rounds = 500u32;
    let started = Instant::now();
    for _ in 0..baseline_rounds {
        baseline_request(&client, &base_url).await;
    }
    let baseline = started.elapsed() / baseline_rounds;

    bench.run(20, 1).await; // warm-up
    let sequential = bench.run(executions, 1).await;
    let per_turn = sequential / (executions as u32 * TURNS_PER_EXECUTION);
    let overhead = per_turn.saturating_sub(baseline);
    let per_second_1 = executions as f64 / sequential.as_secs_f64();
    let concurrent = bench.run(executions, 16).await;
    let per_second_16 = executions as f64 / concurrent.as_secs_f64();

    println!(
        "runner-bench: {executions} executions x {TURNS_PER_EXECUTION} turns (tool call + answer), zero-latency fake provider on loopback"
    );
    println!(
        "runner-bench: baseline_request_us={} turn_us={} executions_per_s_1={per_second_1:.0}",
        baseline.as_micros(),
        per_turn.as_micros()
    );
    println!(
        "runner-bench: overhead_per_turn_us={} executions_per_s_16={per_second_16:.0}",
        overhead.as_micros()
    );
}
