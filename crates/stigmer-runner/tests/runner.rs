//! End-to-end runs of the runner against fake LLM servers (OpenAI-compatible
//! and Anthropic, real HTTP with SSE) and the fake stdio MCP server, with the
//! in-memory backend standing in for the Stigmer server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecutionStatus, ExecutionPhase, MessageType, SubAgentStatus, TodoStatus, ToolCallStatus,
};
use stigmer_api::agentic::environment::v1::{Environment, EnvironmentSpec, EnvironmentValue};
use stigmer_api::agentic::executioncontext::v1::ExecutionValue;
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_runner::{LlmConfig, LlmProviderKind};
use tokio_util::sync::CancellationToken;

use common::{
    AGENT_ID, Dialect, FakeLlm, Fixture, INSTANCE_ID, Reply, SESSION_ID, agent_spec, metadata,
    stdio_server, sub_agent,
};

const INSTRUCTIONS: &str = "You are a careful test assistant.";

fn message_types(status: &AgentExecutionStatus) -> Vec<MessageType> {
    status
        .messages
        .iter()
        .map(|m| MessageType::try_from(m.r#type).unwrap())
        .collect()
}

fn tool_names(request: &Value) -> Vec<String> {
    request["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .map(|tool| {
                    tool["function"]["name"]
                        .as_str()
                        .or(tool["name"].as_str())
                        .unwrap()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn mcp_tool_round_trip(dialect: Dialect) {
    let llm = FakeLlm::start(
        dialect,
        vec![
            Reply::tool("calc__add", json!({"a": 2, "b": 3})),
            Reply::text("The sum is 5."),
        ],
    )
    .await;
    let mut spec = agent_spec(INSTRUCTIONS);
    spec.mcp_servers = vec![stdio_server("calc", &[])];
    let mut fixture = Fixture::new(&llm, spec);
    let execution = fixture.create_execution("What is 2 + 3?");

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    assert_eq!(outcome.final_message.as_deref(), Some("The sum is 5."));
    let status = fixture.stored(&execution);
    assert_eq!(status.phase, ExecutionPhase::ExecutionCompleted as i32);
    assert!(!status.started_at.is_empty() && !status.completed_at.is_empty());
    assert_eq!(
        message_types(&status),
        [
            MessageType::MessageHuman,
            MessageType::MessageAi,
            MessageType::MessageTool,
            MessageType::MessageAi
        ]
    );
    assert_eq!(status.messages[0].content, "What is 2 + 3?");
    assert_eq!(status.messages[1].tool_calls[0].name, "calc__add");
    assert_eq!(status.messages[2].content, "5");
    assert_eq!(status.messages[3].content, "The sum is 5.");
    let call = &status.tool_calls[0];
    assert_eq!(call.name, "calc__add");
    assert_eq!(call.status, ToolCallStatus::ToolCallCompleted as i32);
    assert_eq!(call.result, "5");
    assert!(call.args.as_ref().unwrap().fields.contains_key("a"));
    assert_eq!(
        call.component_metadata.as_ref().unwrap().component_type,
        "mcp"
    );

    // The first update announced the start; the model saw the tool result.
    let updates = fixture.backend.updates(&execution);
    assert_eq!(updates[0].phase, ExecutionPhase::ExecutionInProgress as i32);
    assert!(!updates[0].started_at.is_empty());
    let requests = llm.requests();
    assert_eq!(requests.len(), 2);
    assert!(tool_names(&requests[0]).contains(&"calc__add".to_owned()));
    let second = requests[1].to_string();
    assert!(second.contains("\"5\""), "tool result fed back: {second}");
}

#[tokio::test]
async fn openai_model_calls_an_mcp_tool_and_completes() {
    mcp_tool_round_trip(Dialect::OpenAi).await;
}

#[tokio::test]
async fn anthropic_model_calls_an_mcp_tool_and_completes() {
    mcp_tool_round_trip(Dialect::Anthropic).await;
}

#[tokio::test]
async fn second_execution_in_a_session_sends_the_first_exchange_as_history() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::text("Nice to meet you, Ada."),
            Reply::text("You are Ada."),
        ],
    )
    .await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    let first = fixture.create_execution("My name is Ada.");
    assert_eq!(
        fixture.run(&first).await.phase,
        ExecutionPhase::ExecutionCompleted
    );
    let second = fixture.create_execution("What is my name?");
    assert_eq!(
        fixture.run(&second).await.phase,
        ExecutionPhase::ExecutionCompleted
    );
    assert!(
        !fixture.session_workspace().exists(),
        "a chat that never used files leaves no workspace directory"
    );

    let messages = llm.requests()[1]["messages"].clone();
    let turns: Vec<(String, String)> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(turns[0].0, "system");
    assert!(turns[0].1.starts_with(INSTRUCTIONS));
    assert_eq!(
        turns[1..],
        [
            ("user".to_owned(), "My name is Ada.".to_owned()),
            ("assistant".to_owned(), "Nice to meet you, Ada.".to_owned()),
            ("user".to_owned(), "What is my name?".to_owned()),
        ]
    );
}

#[tokio::test]
async fn delegation_to_a_sub_agent_is_recorded_in_sub_agent_executions() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool("delegate_to_researcher", json!({"task": "Find the answer"})),
            Reply::text("The answer is 42."),
            Reply::text("My researcher says 42."),
        ],
    )
    .await;
    let mut spec = agent_spec(INSTRUCTIONS);
    spec.sub_agents = vec![sub_agent("researcher", "You research things thoroughly.")];
    let mut fixture = Fixture::new(&llm, spec);
    let execution = fixture.create_execution("Ask your researcher.");

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    let status = fixture.stored(&execution);
    let delegation = &status.sub_agent_executions[0];
    assert_eq!(delegation.name, "researcher");
    assert_eq!(delegation.input, "Find the answer");
    assert_eq!(delegation.output, "The answer is 42.");
    assert_eq!(delegation.status, SubAgentStatus::SubAgentCompleted as i32);
    assert_eq!(delegation.id, status.tool_calls[0].id);
    assert!(!delegation.completed_at.is_empty());

    let requests = llm.requests();
    let sub_request = &requests[1];
    assert!(
        sub_request["messages"][0]["content"]
            .as_str()
            .unwrap()
            .starts_with("You research things thoroughly.")
    );
    assert_eq!(sub_request["messages"][1]["content"], "Find the answer");
    let sub_tools = tool_names(sub_request);
    assert!(!sub_tools.contains(&"write_todos".to_owned()));
    assert!(!sub_tools.iter().any(|t| t.starts_with("delegate_to_")));
    assert!(requests[2].to_string().contains("The answer is 42."));
}

#[tokio::test]
async fn write_todos_maintains_status_todos() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool(
                "write_todos",
                json!({"todos": [
                    {"id": "a", "content": "Read the docs", "status": "completed"},
                    {"id": "b", "content": "Write the code", "status": "in_progress"}
                ]}),
            ),
            Reply::text("Working on it."),
        ],
    )
    .await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Plan the work.");

    // The engine hands over the execution it claimed (no second read).
    let claimed = fixture.backend.stored_execution(&execution).unwrap();
    let outcome = fixture
        .runner()
        .run_execution(
            claimed,
            fixture.backend.clone(),
            fixture.backend.clone(),
            CancellationToken::new(),
        )
        .await;
    assert_eq!(outcome.phase, ExecutionPhase::ExecutionCompleted);

    let todos = fixture.stored(&execution).todos;
    assert_eq!(todos.len(), 2);
    assert_eq!(todos["a"].status, TodoStatus::TodoCompleted as i32);
    assert_eq!(todos["b"].content, "Write the code");
    assert_eq!(todos["b"].status, TodoStatus::TodoInProgress as i32);
    assert!(!todos["b"].created_at.is_empty());
}

#[tokio::test]
async fn a_provider_500_is_retried_and_the_run_completes() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::Status(500),
            Reply::Status(429),
            Reply::text("Recovered."),
        ],
    )
    .await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Hello");

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    assert_eq!(outcome.final_message.as_deref(), Some("Recovered."));
    assert_eq!(llm.requests().len(), 3);
    assert_eq!(
        llm.recorded()[0].header("authorization").unwrap(),
        "Bearer test-key"
    );
}

#[tokio::test]
async fn a_provider_that_keeps_failing_ends_in_failed_with_its_message() {
    let llm = FakeLlm::start(Dialect::Anthropic, vec![Reply::Status(503); 10]).await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    fixture.config.llm.max_retries = 2;
    let execution = fixture.create_execution("Hello");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    let status = fixture.stored(&execution);
    assert!(status.error.contains("HTTP 503"), "{}", status.error);
    assert!(
        status.error.contains("scripted failure 503"),
        "{}",
        status.error
    );
    assert_eq!(llm.requests().len(), 3);
}

#[tokio::test]
async fn ollama_down_fails_at_once_with_how_to_fix_it() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut llm = LlmConfig::for_provider(LlmProviderKind::Ollama);
    llm.base_url = format!("http://127.0.0.1:{port}");
    let mut fixture = Fixture::with_llm_config(llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Hello");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    let status = fixture.stored(&execution);
    assert_eq!(status.phase, ExecutionPhase::ExecutionFailed as i32);
    for needle in [
        "cannot reach ollama",
        "ollama serve",
        "STIGMER_LLM_PROVIDER",
    ] {
        assert!(
            status.error.contains(needle),
            "{needle:?} in {}",
            status.error
        );
    }
    assert!(!status.completed_at.is_empty());
    let last = status.messages.last().unwrap();
    assert_eq!(last.r#type, MessageType::MessageSystem as i32);
}

#[tokio::test]
async fn a_missing_api_key_fails_naming_the_variable() {
    let llm = LlmConfig::for_provider(LlmProviderKind::OpenAi);
    let mut fixture = Fixture::with_llm_config(llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Hello");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    assert!(
        fixture.stored(&execution).error.contains("OPENAI_API_KEY"),
        "{:?}",
        outcome.error
    );
}

fn process_exists(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn cancellation_mid_stream_ends_cancelled_and_stops_the_mcp_process() {
    let llm = FakeLlm::start(Dialect::OpenAi, vec![Reply::Hang]).await;
    let pid_dir = tempfile::tempdir().unwrap();
    let pid_file = pid_dir.path().join("mcp.pid");
    let mut spec = agent_spec(INSTRUCTIONS);
    spec.mcp_servers = vec![stdio_server(
        "calc",
        &["--pid-file", pid_file.to_str().unwrap()],
    )];
    let mut fixture = Fixture::new(&llm, spec);
    let execution = fixture.create_execution("Think forever.");
    let cancel = CancellationToken::new();

    let run = fixture.run_with(&execution, cancel.clone());
    let stop = async {
        llm.wait_until_hanging().await;
        let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
        assert!(
            process_exists(pid),
            "the MCP server runs during the execution"
        );
        cancel.cancel();
        pid
    };
    let (outcome, pid) = tokio::join!(run, stop);

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionCancelled);
    let status = fixture.stored(&execution);
    assert_eq!(status.phase, ExecutionPhase::ExecutionCancelled as i32);
    assert!(!status.completed_at.is_empty());
    assert!(!process_exists(pid), "MCP server process {pid} is gone");
    tokio::time::timeout(Duration::from_secs(5), llm.wait_until_stream_dropped())
        .await
        .expect("the LLM stream was closed");
}

#[tokio::test]
async fn a_cancelled_phase_written_by_a_client_stops_the_run() {
    let llm = FakeLlm::start(Dialect::OpenAi, vec![Reply::Hang]).await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Think forever.");
    let backend = fixture.backend.clone();

    let run = fixture.run(&execution);
    let client = async {
        llm.wait_until_hanging().await;
        // What a client's updateStatus(CANCELLED) does; the runner learns it
        // from the phase its next batch gets back.
        backend.request_cancel(&execution);
    };
    let (outcome, ()) = tokio::join!(run, client);

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionCancelled);
}

#[tokio::test]
async fn environments_fill_mcp_placeholders_and_secrets_stay_out_of_the_status() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool("vault__env", json!({"name": "API_TOKEN"})),
            Reply::tool("vault__env", json!({"name": "REGION"})),
            Reply::text("Done."),
        ],
    )
    .await;
    let mut spec = agent_spec(INSTRUCTIONS);
    let mut server = stdio_server("vault", &[]);
    if let Some(stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType::Stdio(stdio)) =
        &mut server.server_type
    {
        stdio.env_placeholders = HashMap::from([
            ("API_TOKEN".to_owned(), "${TOKEN}".to_owned()),
            ("REGION".to_owned(), "region-${REGION}".to_owned()),
        ]);
    }
    spec.mcp_servers = vec![server];
    spec.env_spec = Some(EnvironmentSpec {
        description: String::new(),
        data: HashMap::from([
            (
                "TOKEN".to_owned(),
                EnvironmentValue {
                    value: String::new(),
                    is_secret: true,
                    description: "declared".into(),
                },
            ),
            (
                "REGION".to_owned(),
                EnvironmentValue {
                    value: "eu".into(),
                    is_secret: false,
                    description: String::new(),
                },
            ),
        ]),
    });
    let mut fixture = Fixture::new(&llm, spec);
    fixture.backend.put_environment(Environment {
        metadata: metadata("env-01", "prod"),
        spec: Some(EnvironmentSpec {
            description: String::new(),
            data: HashMap::from([(
                "TOKEN".to_owned(),
                EnvironmentValue {
                    value: "tok-1234-secret".into(),
                    is_secret: false,
                    description: String::new(),
                },
            )]),
        }),
        ..Default::default()
    });
    fixture
        .backend
        .put_agent_instance(stigmer_api::agentic::agentinstance::v1::AgentInstance {
            metadata: metadata(INSTANCE_ID, "helper-default"),
            spec: Some(stigmer_api::agentic::agentinstance::v1::AgentInstanceSpec {
                agent_id: AGENT_ID.into(),
                description: String::new(),
                environment_refs: vec![ApiResourceReference {
                    slug: "prod".into(),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        });
    let execution = fixture.create_execution_with(
        stigmer_api::agentic::agentexecution::v1::AgentExecutionSpec {
            session_id: SESSION_ID.into(),
            message: "Check the token".into(),
            runtime_env: HashMap::from([(
                "REGION".to_owned(),
                ExecutionValue {
                    value: "us".into(),
                    is_secret: false,
                },
            )]),
            ..Default::default()
        },
    );

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    let status = fixture.stored(&execution);
    // The server got the secret (it echoed something), but what is stored
    // and what the model saw is redacted; runtime_env beat the agent default.
    assert_eq!(status.tool_calls[0].result, "[redacted]");
    assert_eq!(status.tool_calls[1].result, "region-us");
    let everything = format!(
        "{:?}{:?}",
        fixture.backend.updates(&execution),
        llm.requests()
    );
    assert!(!everything.contains("tok-1234-secret"));
}

#[tokio::test]
async fn an_unresolved_placeholder_fails_naming_server_and_variable() {
    let llm = FakeLlm::start(Dialect::OpenAi, vec![Reply::text("unused")]).await;
    let mut spec = agent_spec(INSTRUCTIONS);
    let mut server = stdio_server("github", &[]);
    if let Some(stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType::Stdio(stdio)) =
        &mut server.server_type
    {
        stdio.env_placeholders =
            HashMap::from([("GITHUB_TOKEN".to_owned(), "${GITHUB_TOKEN}".to_owned())]);
    }
    spec.mcp_servers = vec![server];
    let mut fixture = Fixture::new(&llm, spec);
    let execution = fixture.create_execution("Hi");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    let error = fixture.stored(&execution).error;
    assert!(error.contains("MCP server 'github'"), "{error}");
    assert!(error.contains("${GITHUB_TOKEN}"), "{error}");
    assert!(
        llm.requests().is_empty(),
        "no model call before the tools are ready"
    );
}

#[tokio::test]
async fn file_tools_work_in_the_session_workspace_and_refuse_escapes() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool(
                "write_file",
                json!({"path": "notes/plan.md", "content": "step 1"}),
            ),
            Reply::tool("read_file", json!({"path": "../../etc/passwd"})),
            Reply::text("Saved."),
        ],
    )
    .await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    let execution = fixture.create_execution("Write the plan.");

    assert_eq!(
        fixture.run(&execution).await.phase,
        ExecutionPhase::ExecutionCompleted
    );

    let written = fixture.session_workspace().join("notes/plan.md");
    assert_eq!(std::fs::read_to_string(written).unwrap(), "step 1");
    let status = fixture.stored(&execution);
    assert_eq!(
        status.tool_calls[0].status,
        ToolCallStatus::ToolCallCompleted as i32
    );
    assert_eq!(
        status.tool_calls[1].status,
        ToolCallStatus::ToolCallFailed as i32
    );
    assert!(status.tool_calls[1].error.contains("not allowed"));
}

#[tokio::test]
async fn the_step_limit_fails_the_execution_with_a_hint() {
    let llm = FakeLlm::start(
        Dialect::OpenAi,
        vec![
            Reply::tool("list_files", json!({})),
            Reply::tool("list_files", json!({})),
            Reply::tool("list_files", json!({})),
        ],
    )
    .await;
    let mut fixture = Fixture::new(&llm, agent_spec(INSTRUCTIONS));
    fixture.config.max_steps = 2;
    let execution = fixture.create_execution("Loop.");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    assert!(
        fixture
            .stored(&execution)
            .error
            .contains("STIGMER_AGENT_MAX_STEPS")
    );
}

fn zip_archive(entries: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[tokio::test]
async fn skills_go_into_the_system_prompt_and_their_files_into_the_workspace() {
    use stigmer_api::agentic::skill::v1::{Skill, SkillSpec, SkillStatus};
    let llm = FakeLlm::start(
        Dialect::Anthropic,
        vec![Reply::text("Following the skill.")],
    )
    .await;
    let mut spec = agent_spec(INSTRUCTIONS);
    spec.skill_refs = vec![ApiResourceReference {
        slug: "release-notes".into(),
        version: "v2".into(),
        ..Default::default()
    }];
    let mut fixture = Fixture::new(&llm, spec);
    let hash = "a".repeat(64);
    for (tag, body, key) in [
        ("v1", "Old instructions.", "skills/old.zip"),
        (
            "v2",
            "Write release notes in three bullet points.",
            "skills/new.zip",
        ),
        ("v3", "Newer instructions.", "skills/newer.zip"),
    ] {
        fixture.backend.put_skill(Skill {
            metadata: metadata(&format!("skl-{tag}"), "release-notes"),
            spec: Some(SkillSpec {
                skill_md: body.into(),
                tag: tag.into(),
            }),
            status: Some(SkillStatus {
                version_hash: if tag == "v2" {
                    hash.clone()
                } else {
                    tag.repeat(32)
                },
                artifact_storage_key: key.into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        fixture.backend.put_skill_artifact(
            key,
            zip_archive(&[("SKILL.md", body), ("templates/notes.md", tag)]),
        );
    }
    let execution = fixture.create_execution("Write the notes.");

    let outcome = fixture.run(&execution).await;

    assert_eq!(
        outcome.phase,
        ExecutionPhase::ExecutionCompleted,
        "{:?}",
        outcome.error
    );
    let system = llm.requests()[0]["system"].as_str().unwrap().to_owned();
    assert!(system.starts_with(INSTRUCTIONS));
    assert!(
        system.contains("Write release notes in three bullet points."),
        "{system}"
    );
    assert!(!system.contains("Old instructions."));
    assert!(system.contains("skills/release-notes/"), "{system}");
    let template = fixture
        .session_workspace()
        .join("skills/release-notes/templates/notes.md");
    assert_eq!(std::fs::read_to_string(template).unwrap(), "v2");
}

#[tokio::test]
async fn a_skill_archive_with_traversal_fails_the_execution() {
    use stigmer_api::agentic::skill::v1::{Skill, SkillSpec, SkillStatus};
    let llm = FakeLlm::start(Dialect::OpenAi, vec![Reply::text("unused")]).await;
    let mut spec = agent_spec(INSTRUCTIONS);
    spec.skill_refs = vec![ApiResourceReference {
        slug: "evil".into(),
        ..Default::default()
    }];
    let mut fixture = Fixture::new(&llm, spec);
    fixture.backend.put_skill(Skill {
        metadata: metadata("skl-evil", "evil"),
        spec: Some(SkillSpec {
            skill_md: "x".into(),
            tag: String::new(),
        }),
        status: Some(SkillStatus {
            version_hash: "b".repeat(64),
            artifact_storage_key: "skills/evil.zip".into(),
            ..Default::default()
        }),
        ..Default::default()
    });
    fixture.backend.put_skill_artifact(
        "skills/evil.zip",
        zip_archive(&[("SKILL.md", "x"), ("../../../escaped.txt", "pwned")]),
    );
    let execution = fixture.create_execution("Go.");

    let outcome = fixture.run(&execution).await;

    assert_eq!(outcome.phase, ExecutionPhase::ExecutionFailed);
    let error = fixture.stored(&execution).error;
    assert!(error.contains("skill evil"), "{error}");
    assert!(error.contains("outside"), "{error}");
    assert!(!fixture.workspace.path().join("escaped.txt").exists());
    assert!(
        !fixture
            .workspace
            .path()
            .parent()
            .unwrap()
            .join("escaped.txt")
            .exists()
    );
}
