//! Command line.

use std::time::Duration;

use clap::Parser;

/// Runs the agent executions of a Stigmer server in this process.
///
/// Start the server with STIGMER_AGENT_RUNNER=external so it leaves
/// executions PENDING for this runner. LLM settings come from the
/// environment, as for the embedded runner: STIGMER_LLM_PROVIDER (ollama,
/// openai, anthropic), STIGMER_LLM_MODEL, STIGMER_LLM_BASE_URL,
/// OPENAI_API_KEY / ANTHROPIC_API_KEY, STIGMER_AGENT_RUNNER_WORKSPACE.
#[derive(Debug, Parser)]
#[command(name = "stigmer-runner", version, after_help = EXAMPLES)]
pub struct Args {
    /// The server's gRPC address: http://HOST:PORT, or HOST:PORT.
    #[arg(
        long,
        value_name = "ADDR",
        env = "STIGMER_BACKEND_ENDPOINT",
        default_value = "http://127.0.0.1:7234"
    )]
    pub server: String,

    /// Bearer token for a server started with --token NAME=TOKEN.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "STIGMER_API_KEY",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Run this execution (repeatable) and exit once it ends, instead of
    /// watching for PENDING executions.
    #[arg(long = "execution", value_name = "ID")]
    pub executions: Vec<String>,

    /// Executions run at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,

    /// How often to look for PENDING executions while watching.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = humantime::parse_duration)]
    pub poll_interval: Duration,

    /// After Ctrl-C or SIGTERM, how long running executions may go on before
    /// they are cancelled (a second signal cancels them at once).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    pub grace: Duration,

    /// Log filter (RUST_LOG wins), e.g. info or stigmer_runner=debug.
    #[arg(long, value_name = "FILTER", env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
}

const EXAMPLES: &str = "Examples:
  # the server leaves executions to this runner
  STIGMER_AGENT_RUNNER=external stigmer-server &
  # run them with OpenAI
  STIGMER_LLM_PROVIDER=openai OPENAI_API_KEY=sk-... stigmer-runner --server 127.0.0.1:7234
  # run one execution and exit (exit status 1 unless it COMPLETED)
  stigmer-runner --execution aex-01j... ";
