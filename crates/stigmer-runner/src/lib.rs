//! The Stigmer agent runner: executes an `AgentExecution` for real.
//!
//! For one execution the runner
//! 1. **assembles the context** through an [`ExecutionSource`]: the execution,
//!    its session → agent instance → agent, the earlier executions of the
//!    session (replayed as conversation history), the environment (agent
//!    `env_spec` defaults < instance environments in order < the execution's
//!    `runtime_env`; secrets never logged), and the skills (each `SKILL.md`
//!    goes into the system prompt, each archive is unpacked safely into
//!    `skills/<slug>/` of the session workspace `<workspace_root>/<session id>`);
//! 2. **starts the agent's MCP servers** (stdio processes, Docker over stdio,
//!    streamable HTTP) with `${VAR}` placeholders filled from the environment;
//! 3. **runs the agent loop** against the configured LLM provider
//!    (Ollama/OpenAI-compatible or Anthropic, streaming, retried on 429/5xx):
//!    model turn → tool calls → results → … until a final answer or the step
//!    limit. Tools: the MCP tools (`<server>__<tool>`, allow-lists honoured),
//!    `write_todos` (→ `status.todos`), `read_file`/`write_file`/`list_files`/
//!    `search_files` confined to the workspace, and `delegate_to_<sub-agent>`
//!    per declared sub-agent (→ `status.sub_agent_executions`);
//! 4. **reports progress** through a [`StatusReporter`]: IN_PROGRESS with
//!    `started_at` first, then batches of messages and tool calls at most every
//!    `status_interval` (250 ms), then COMPLETED (final AI message,
//!    `completed_at`), FAILED (readable `status.error`) or CANCELLED.
//!
//! # Entry point for the execution engine
//!
//! ```no_run
//! use std::sync::Arc;
//! use stigmer_runner::{AgentRunner, GrpcExecutionSource, GrpcStatusReporter, RunnerConfig};
//! use tokio_util::sync::CancellationToken;
//!
//! # async fn engine(channel: tonic::transport::Channel) -> Result<(), Box<dyn std::error::Error>> {
//! // Once per process: settings from STIGMER_LLM_* and friends.
//! let runner = AgentRunner::new(RunnerConfig::from_env()?);
//! // Per execution: any tonic channel works — the in-process channel when
//! // embedded, a network channel for `stigmer-runner --server ADDR`.
//! let source = Arc::new(GrpcExecutionSource::new(channel.clone()));
//! let reporter = Arc::new(GrpcStatusReporter::new(channel));
//! let cancel = CancellationToken::new(); // cancel() on a cancellation request
//! let outcome = runner.run("aex-…", source, reporter, cancel).await;
//! println!("{:?}: {:?}", outcome.phase, outcome.error);
//! # Ok(()) }
//! ```
//!
//! [`AgentRunner::run_execution`] does the same for an execution the caller
//! has already read (the engine's claimed job). `run` never panics and always ends with a terminal status report (see
//! [`RunOutcome::reported`]). Cancellation stops the model stream and the MCP
//! servers within about a second. A CANCELLED phase written by a client and
//! returned by `updateStatus` also stops the run.
#![forbid(unsafe_code)]

mod agent;
pub mod config;
pub mod context;
pub mod llm;
mod mcp;
mod runner;
mod secret;
pub mod source;
pub mod status;
mod time;
mod tools;

pub use config::{LlmConfig, LlmProviderKind, RunnerConfig};
pub use mcp::McpError;
pub use runner::{AgentRunner, RunOutcome};
pub use secret::SecretString;
pub use source::{ExecutionSource, GrpcExecutionSource, InMemoryBackend, SourceError};
pub use status::{GrpcStatusReporter, ReportError, StatusReporter};
