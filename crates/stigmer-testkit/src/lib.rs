//! Test fixtures for Stigmer's crates, used only as a dev-dependency.
//!
//! - [`FakeLlm`]: a scripted LLM server on loopback — real HTTP, streaming
//!   SSE — speaking the OpenAI chat-completions or the Anthropic Messages
//!   format. Each request takes the next [`Reply`] of the script (text, tool
//!   calls, an HTTP error, a pause, a stream that never ends) and is recorded
//!   so tests can assert on what the runner sent (history, tools, headers).
//! - [`fake_mcp_server`]: the path of `fake-mcp-server`, a tiny stdio MCP
//!   server (tools `echo`, `add`, `env`, `sleep`; `--pid-file PATH`), built on
//!   demand so tests of any crate can put it in an agent's `mcp_servers`.
//! - [`cargo_bin`]: the same for any binary of the workspace (e.g. the
//!   server binary from the runner's tests).
//!
//! ```no_run
//! # async fn demo() {
//! use stigmer_testkit::{FakeLlm, Reply};
//! let llm = FakeLlm::openai([
//!     Reply::tool("calc__add", serde_json::json!({"a": 2, "b": 3})),
//!     Reply::text("The sum is 5."),
//! ])
//! .await;
//! // STIGMER_LLM_PROVIDER=openai STIGMER_LLM_BASE_URL=<llm.base_url()> …
//! // … run an execution, then:
//! assert_eq!(llm.requests().len(), 2);
//! # }
//! ```
#![forbid(unsafe_code)]
// A fixture that cannot start (no loopback port, no cargo) is a broken test
// environment: failing loudly with the reason is what a test wants.
#![allow(clippy::expect_used)]

mod cargo;
mod llm;

pub use cargo::{cargo_bin, fake_mcp_server};
pub use llm::{Dialect, FakeLlm, Recorded, Reply, unreachable_base_url};
