//! The embedded agent runner through the real server binary: a scripted
//! fake OpenAI-compatible model and the fake stdio MCP server of
//! `stigmer-testkit`, everything over gRPC as a user's client sees it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use stigmer_api::Resource;
use stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType;
use stigmer_api::agentic::agent::v1::{
    Agent, AgentSpec, McpServerDefinition, StdioServer, SubAgent,
};
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, AgentExecutionUpdateStatusInput, ExecutionPhase,
    MessageType, SubAgentStatus, TodoStatus, ToolCallStatus,
};
use stigmer_testkit::{FakeLlm, Reply, fake_mcp_server, unreachable_base_url};
use tonic::transport::Channel;

use common::fixtures;

const INSTRUCTIONS: &str = "You are a careful assistant.";

/// A server whose embedded runner talks to `base_url` as an OpenAI provider.
async fn server_with_model(base_url: &str) -> common::Server {
    // Builds the fake MCP server now if it is missing, before any request's
    // deadline runs.
    fake_mcp_server();
    common::Server::start_with(&[
        ("STIGMER_AGENT_RUNNER", "embedded"),
        ("STIGMER_LLM_PROVIDER", "openai"),
        ("STIGMER_LLM_BASE_URL", base_url),
        ("STIGMER_LLM_MODEL", "test-model"),
        ("OPENAI_API_KEY", "x"),
    ])
    .await
}

fn calc_server(extra_args: &[&str]) -> McpServerDefinition {
    McpServerDefinition {
        name: "calc".into(),
        server_type: Some(ServerType::Stdio(StdioServer {
            command: fake_mcp_server().to_string_lossy().into_owned(),
            args: extra_args.iter().map(|arg| (*arg).to_owned()).collect(),
            ..Default::default()
        })),
        enabled_tools: Vec::new(),
    }
}

async fn create_agent(channel: &Channel, spec: AgentSpec) -> Agent {
    fixtures::create_agent(channel, fixtures::agent_with("Helper", spec)).await
}

fn spec() -> AgentSpec {
    AgentSpec {
        instructions: INSTRUCTIONS.into(),
        ..Default::default()
    }
}

/// Creates an execution of `agent` (in `session`, or a new one).
async fn create_execution(
    channel: &Channel,
    agent: &Agent,
    session: &str,
    message: &str,
) -> AgentExecution {
    let execution = fixtures::agent_execution("run", agent.id(), session, message);
    fixtures::create_agent_execution(channel, execution).await
}

/// The last snapshot of a subscription (it ends at a terminal phase).
async fn final_state(channel: &Channel, id: &str) -> AgentExecution {
    fixtures::final_state(channel, id, Duration::from_secs(60)).await
}

/// Runs `message` as a new execution of `agent` (in `session`, or a new
/// one) to its end, which must be COMPLETED (else the error and the
/// server's log are shown).
async fn run_to_completion(
    server: &common::Server,
    channel: &Channel,
    agent: &Agent,
    session: &str,
    message: &str,
) -> AgentExecution {
    let execution = create_execution(channel, agent, session, message).await;
    let done = final_state(channel, execution.id()).await;
    assert_eq!(
        phase(&done),
        ExecutionPhase::ExecutionCompleted,
        "{:?}\n{}",
        status(&done).error,
        server.log()
    );
    done
}

fn status(execution: &AgentExecution) -> &AgentExecutionStatus {
    execution.status.as_ref().unwrap()
}

fn phase(execution: &AgentExecution) -> ExecutionPhase {
    ExecutionPhase::try_from(status(execution).phase).unwrap()
}

fn message_types(execution: &AgentExecution) -> Vec<MessageType> {
    status(execution)
        .messages
        .iter()
        .map(|message| MessageType::try_from(message.r#type).unwrap())
        .collect()
}

#[tokio::test]
async fn an_mcp_tool_call_completes_and_the_next_execution_of_the_session_continues_it() {
    let llm = FakeLlm::openai([
        Reply::tool("calc__add", json!({"a": 2, "b": 3})),
        Reply::text("The sum is 5."),
        Reply::text("You asked me to add 2 and 3."),
    ])
    .await;
    let server = server_with_model(&llm.base_url()).await;
    let channel = server.channel().await;
    let mut agent_spec = spec();
    agent_spec.mcp_servers = vec![calc_server(&[])];
    let agent = create_agent(&channel, agent_spec).await;

    let done = run_to_completion(&server, &channel, &agent, "", "What is 2 + 3?").await;
    assert_eq!(
        message_types(&done),
        [
            MessageType::MessageHuman,
            MessageType::MessageAi,
            MessageType::MessageTool,
            MessageType::MessageAi
        ]
    );
    let messages = &status(&done).messages;
    assert_eq!(messages[0].content, "What is 2 + 3?");
    assert_eq!(messages[2].content, "5", "the MCP server computed it");
    assert_eq!(messages[3].content, "The sum is 5.");
    let call = &status(&done).tool_calls[0];
    assert_eq!(call.name, "calc__add");
    assert_eq!(call.status, ToolCallStatus::ToolCallCompleted as i32);
    assert_eq!(call.result, "5");
    assert!(!status(&done).started_at.is_empty() && !status(&done).completed_at.is_empty());
    let offered = llm.requests()[0]["tools"].to_string();
    assert!(offered.contains("calc__add"), "{offered}");

    // Same session: the model gets the first exchange before the new question.
    let session = done.spec.as_ref().unwrap().session_id.clone();
    let done = run_to_completion(&server, &channel, &agent, &session, "What did I ask?").await;
    assert_eq!(
        status(&done).messages.last().unwrap().content,
        "You asked me to add 2 and 3."
    );
    let requests = llm.requests();
    assert_eq!(requests.len(), 3);
    let history: Vec<String> = requests[2]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| format!("{}: {}", message["role"], message["content"]))
        .collect();
    let position = |needle: &str| {
        history
            .iter()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} in {history:#?}"))
    };
    assert!(position("What is 2 + 3?") < position("The sum is 5."));
    assert!(position("The sum is 5.") < position("What did I ask?"));
    assert!(history.last().unwrap().contains("What did I ask?"));
}

#[tokio::test]
async fn a_sub_agent_delegation_and_todos_land_in_the_status() {
    let llm = FakeLlm::openai([
        Reply::tool(
            "write_todos",
            json!({"todos": [
                {"id": "a", "content": "Ask the researcher", "status": "in_progress"}
            ]}),
        ),
        Reply::tool("delegate_to_researcher", json!({"task": "Find the answer"})),
        Reply::text("The answer is 42."),
        Reply::text("My researcher says 42."),
    ])
    .await;
    let server = server_with_model(&llm.base_url()).await;
    let channel = server.channel().await;
    let mut agent_spec = spec();
    agent_spec.sub_agents = vec![SubAgent {
        name: "researcher".into(),
        description: "Finds answers".into(),
        instructions: "You research things thoroughly.".into(),
        ..Default::default()
    }];
    let agent = create_agent(&channel, agent_spec).await;

    let done = run_to_completion(&server, &channel, &agent, "", "Ask your researcher.").await;
    let status = status(&done);
    assert_eq!(
        status.messages.last().unwrap().content,
        "My researcher says 42."
    );
    let delegation = &status.sub_agent_executions[0];
    assert_eq!(delegation.name, "researcher");
    assert_eq!(delegation.input, "Find the answer");
    assert_eq!(delegation.output, "The answer is 42.");
    assert_eq!(delegation.status, SubAgentStatus::SubAgentCompleted as i32);
    let todo = &status.todos["a"];
    assert_eq!(todo.content, "Ask the researcher");
    assert_eq!(todo.status, TodoStatus::TodoInProgress as i32);
    // The sub-agent's own turn ran with its instructions.
    let requests = llm.requests();
    assert!(
        requests[2]["messages"][0]["content"]
            .as_str()
            .unwrap()
            .starts_with("You research things thoroughly.")
    );
}

#[tokio::test]
async fn a_provider_500_is_retried_and_the_execution_completes() {
    let llm = FakeLlm::openai([Reply::Status(500), Reply::text("Recovered.")]).await;
    let server = server_with_model(&llm.base_url()).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, spec()).await;

    let done = run_to_completion(&server, &channel, &agent, "", "Hello").await;
    assert_eq!(status(&done).messages.last().unwrap().content, "Recovered.");
    assert_eq!(llm.request_count(), 2);
    assert_eq!(llm.recorded()[1].header("authorization"), Some("Bearer x"));
}

#[tokio::test]
async fn a_provider_that_is_down_fails_the_execution_with_a_clear_error() {
    let down = unreachable_base_url();
    let server = server_with_model(&down).await;
    let channel = server.channel().await;
    let agent = create_agent(&channel, spec()).await;

    let execution = create_execution(&channel, &agent, "", "Hello").await;
    let done = final_state(&channel, execution.id()).await;

    assert_eq!(phase(&done), ExecutionPhase::ExecutionFailed);
    let error = &status(&done).error;
    assert!(error.contains("cannot reach openai"), "{error}");
    assert!(error.contains(&down), "names the endpoint: {error}");
    assert!(!status(&done).completed_at.is_empty());
    let last = status(&done).messages.last().unwrap();
    assert_eq!(last.r#type, MessageType::MessageSystem as i32);
}

/// Whether process `pid` still exists (reaped processes leave no /proc entry).
fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn cancellation_mid_stream_ends_cancelled_and_stops_the_mcp_server() {
    let llm = FakeLlm::openai([Reply::Hang]).await;
    let server = server_with_model(&llm.base_url()).await;
    let channel = server.channel().await;
    let pid_file = server.data_dir.join("mcp.pid");
    let mut agent_spec = spec();
    agent_spec.mcp_servers = vec![calc_server(&["--pid-file", pid_file.to_str().unwrap()])];
    let agent = create_agent(&channel, agent_spec).await;

    let execution = create_execution(&channel, &agent, "", "Think forever.").await;
    tokio::time::timeout(Duration::from_secs(30), llm.wait_until_hanging())
        .await
        .expect("the model stream started");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(process_exists(pid), "the MCP server runs during the turn");

    AgentExecutionCommandControllerClient::new(channel.clone())
        .update_status(AgentExecutionUpdateStatusInput {
            execution_id: execution.id().into(),
            status: Some(AgentExecutionStatus {
                phase: ExecutionPhase::ExecutionCancelled as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let done = final_state(&channel, execution.id()).await;

    assert_eq!(phase(&done), ExecutionPhase::ExecutionCancelled);
    tokio::time::timeout(Duration::from_secs(5), llm.wait_until_stream_dropped())
        .await
        .expect("the model stream was closed");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while process_exists(pid) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!process_exists(pid), "MCP server process {pid} is gone");
}
