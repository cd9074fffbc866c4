//! `stigmer-runner --server ADDR` as its own process against the real
//! server binary (`STIGMER_AGENT_RUNNER=external`), with the fake model and
//! the fake stdio MCP server of `stigmer-testkit`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::json;
use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType;
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec, McpServerDefinition, StdioServer};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, AgentExecutionStatus, AgentExecutionUpdateStatusInput,
    ExecutionPhase, ToolCallStatus,
};
use stigmer_testkit::{FakeLlm, Reply, cargo_bin, fake_mcp_server};
use tonic::transport::Channel;

use common::fixtures::{self, phase};

async fn external_server() -> common::Server {
    // Builds the helper binaries now if they are missing, before any
    // request's deadline runs.
    fake_mcp_server();
    cargo_bin("stigmer-runner", "stigmer-runner");
    common::Server::start_with(&[("STIGMER_AGENT_RUNNER", "external")]).await
}

/// `stigmer-runner` with the fake model's settings.
fn runner_command(llm: &FakeLlm, workspace: &Path) -> Command {
    let mut command = Command::new(cargo_bin("stigmer-runner", "stigmer-runner"));
    command
        .env("STIGMER_LLM_PROVIDER", llm.provider())
        .env("STIGMER_LLM_BASE_URL", llm.base_url())
        .env("STIGMER_LLM_MODEL", "test-model")
        .env("OPENAI_API_KEY", "x")
        .env("STIGMER_AGENT_RUNNER_WORKSPACE", workspace)
        .env_remove("STIGMER_BACKEND_ENDPOINT")
        .env_remove("STIGMER_API_KEY")
        .env_remove("RUST_LOG");
    command
}

async fn create_agent(channel: &Channel) -> Agent {
    let spec = AgentSpec {
        instructions: "You add numbers with your tools.".into(),
        mcp_servers: vec![McpServerDefinition {
            name: "calc".into(),
            server_type: Some(ServerType::Stdio(StdioServer {
                command: fake_mcp_server().to_string_lossy().into_owned(),
                ..Default::default()
            })),
            enabled_tools: Vec::new(),
        }],
        ..Default::default()
    };
    fixtures::create_agent(channel, fixtures::agent_with("Calculator", spec)).await
}

async fn create_execution(channel: &Channel, agent: &Agent, message: &str) -> AgentExecution {
    let execution = fixtures::agent_execution("run", agent.id(), "", message);
    fixtures::create_agent_execution(channel, execution).await
}

async fn get(channel: &Channel, id: &str) -> AgentExecution {
    AgentExecutionQueryControllerClient::new(channel.clone())
        .get(AgentExecutionId { value: id.into() })
        .await
        .unwrap()
        .into_inner()
}

/// The last snapshot of a subscription (it ends at a terminal phase).
async fn final_state(channel: &Channel, id: &str) -> AgentExecution {
    fixtures::final_state(channel, id, Duration::from_secs(60)).await
}

/// Waits for `child` to exit (polling, so the test's runtime keeps serving
/// the fake model meanwhile).
async fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stigmer-runner did not exit in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn output_of(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_exit(&mut child, Duration::from_secs(60)).await;
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_watching_runner_runs_pending_executions_follows_cancellation_and_stops_on_sigterm() {
    let llm = FakeLlm::openai([
        Reply::tool("calc__add", json!({"a": 2, "b": 3})),
        Reply::text("The sum is 5."),
        Reply::Hang,
    ])
    .await;
    let server = external_server().await;
    let channel = server.channel().await;
    let agent = create_agent(&channel).await;

    // Without a runner process the execution waits.
    let first = create_execution(&channel, &agent, "What is 2 + 3?").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        phase(&get(&channel, first.id()).await),
        ExecutionPhase::ExecutionPending
    );

    let stdout_path = server.data_dir.join("runner.out");
    let stderr_path = server.data_dir.join("runner.err");
    let mut command = runner_command(&llm, &server.data_dir.join("workspace"));
    command
        .args(["--server", &server.addr, "--poll-interval", "100ms"])
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    let mut runner = command.spawn().unwrap();
    let runner_log = || std::fs::read_to_string(&stderr_path).unwrap_or_default();

    let done = final_state(&channel, first.id()).await;
    assert_eq!(
        phase(&done),
        ExecutionPhase::ExecutionCompleted,
        "{done:?}\n{}",
        runner_log()
    );
    let status = done.status.as_ref().unwrap();
    assert_eq!(status.messages.last().unwrap().content, "The sum is 5.");
    assert_eq!(status.tool_calls[0].name, "calc__add");
    assert_eq!(status.tool_calls[0].result, "5");
    assert_eq!(
        status.tool_calls[0].status,
        ToolCallStatus::ToolCallCompleted as i32
    );

    // A client's cancellation reaches the runner's model stream.
    let second = create_execution(&channel, &agent, "Think forever.").await;
    tokio::time::timeout(Duration::from_secs(30), llm.wait_until_hanging())
        .await
        .expect("the runner picked up the second execution");
    AgentExecutionCommandControllerClient::new(channel.clone())
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: second.id().into(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionCancelled as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    assert_eq!(
        phase(&final_state(&channel, second.id()).await),
        ExecutionPhase::ExecutionCancelled
    );
    tokio::time::timeout(Duration::from_secs(5), llm.wait_until_stream_dropped())
        .await
        .expect("the runner closed the model stream");

    // SIGTERM: a clean exit once nothing runs.
    let killed = Command::new("kill")
        .args(["-TERM", &runner.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = wait_exit(&mut runner, Duration::from_secs(10)).await;
    assert!(exit.success(), "{exit:?}\n{}", runner_log());
    let printed = std::fs::read_to_string(&stdout_path).unwrap();
    assert!(
        printed.contains(&format!("{} COMPLETED", first.id())),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("{} CANCELLED", second.id())),
        "{printed}"
    );
}

#[tokio::test]
async fn runner_with_execution_runs_that_one_and_exits_zero() {
    let llm = FakeLlm::openai([
        Reply::tool("calc__add", json!({"a": 20, "b": 22})),
        Reply::text("42."),
    ])
    .await;
    let server = external_server().await;
    let channel = server.channel().await;
    let agent = create_agent(&channel).await;
    let execution = create_execution(&channel, &agent, "What is 20 + 22?").await;

    let mut command = runner_command(&llm, &server.data_dir.join("workspace"));
    command.args(["--server", &server.addr, "--execution", execution.id()]);
    let output = output_of(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("{} COMPLETED", execution.id())
    );
    let done = get(&channel, execution.id()).await;
    assert_eq!(phase(&done), ExecutionPhase::ExecutionCompleted);
    assert_eq!(
        done.status
            .as_ref()
            .unwrap()
            .messages
            .last()
            .unwrap()
            .content,
        "42."
    );

    // Running it again is refused: it has ended.
    let mut command = runner_command(&llm, &server.data_dir.join("workspace"));
    command.args(["--server", &server.addr, "--execution", execution.id()]);
    let output = output_of(command).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is COMPLETED already"), "{stderr}");
}

#[tokio::test]
async fn runner_errors_are_one_line_and_help_names_the_settings() {
    let llm = FakeLlm::openai([]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = runner_command(&llm, dir.path());
    command.args(["--server", &format!("127.0.0.1:{port}")]);
    let output = output_of(command).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().last().unwrap();
    assert!(
        line.starts_with(&format!(
            "stigmer-runner: cannot reach stigmer-server at 127.0.0.1:{port}"
        )),
        "{stderr}"
    );

    let mut command = runner_command(&llm, dir.path());
    command
        .env("STIGMER_LLM_PROVIDER", "gemini")
        .args(["--server", "127.0.0.1:1"]);
    let output = output_of(command).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("STIGMER_LLM_PROVIDER=\"gemini\""),
        "{stderr}"
    );

    let mut command = runner_command(&llm, dir.path());
    command.arg("--help");
    let output = output_of(command).await;
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--server",
        "--execution",
        "--token",
        "STIGMER_AGENT_RUNNER=external",
        "STIGMER_LLM_PROVIDER",
    ] {
        assert!(help.contains(needle), "{needle} in\n{help}");
    }
}
