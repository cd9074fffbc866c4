//! One populated message per package: prost encodes and decodes it
//! unchanged, and the embedded descriptor decodes the same bytes into a
//! dynamic message that knows every field and re-encodes identically —
//! the generated code and the descriptors served by reflection agree.

// Tests fail loudly on broken assumptions; that is what unwrap is for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use prost_types::value::Kind;
use prost_types::{Struct, Timestamp};
use stigmer_api::agentic;
use stigmer_api::commons::apiresource::apiresourcekind::{
    ApiResourceGroup, ApiResourceKindMeta, ApiResourceVersion, ResourceTier,
};
use stigmer_api::commons::apiresource::{
    ApiResourceAudit, ApiResourceAuditActor, ApiResourceAuditInfo, ApiResourceMetadata,
    ApiResourceMetadataVersion, ApiResourceOwnerScope, ApiResourceReference, WorkflowTaskKind,
};
use stigmer_api::commons::rpc::PageInfo;
use stigmer_api::iam::iampolicy::v1::rpcauthorization::{
    ApiResourceIamPermission, RpcAuthorizationConfig,
};
use stigmer_api::{ApiResourceKind, DESCRIPTOR_POOL};

fn assert_round_trip<M>(full_name: &str, message: M)
where
    M: Message + ReflectMessage + Default + PartialEq + std::fmt::Debug,
{
    assert_eq!(message.descriptor().full_name(), full_name);
    let bytes = message.encode_to_vec();
    assert!(!bytes.is_empty(), "{full_name} is populated");
    assert_eq!(M::decode(bytes.as_slice()).unwrap(), message, "{full_name}");

    let descriptor = DESCRIPTOR_POOL
        .get_message_by_name(full_name)
        .unwrap_or_else(|| panic!("{full_name} is described"));
    let dynamic = DynamicMessage::decode(descriptor, bytes.as_slice()).unwrap();
    assert_every_field_known(&dynamic);
    assert_eq!(dynamic.encode_to_vec(), bytes, "{full_name} re-encodes");
}

/// Unknown fields would mean the descriptor lacks a field the generated
/// code writes (their bytes would still round-trip, hiding the gap).
fn assert_every_field_known(message: &DynamicMessage) {
    let name = message.descriptor().full_name().to_owned();
    assert_eq!(
        message.unknown_fields().count(),
        0,
        "unknown fields in {name}"
    );
    for (_, value) in message.fields() {
        assert_value_known(value);
    }
}

fn assert_value_known(value: &Value) {
    match value {
        Value::Message(message) => assert_every_field_known(message),
        Value::List(items) => items.iter().for_each(assert_value_known),
        Value::Map(entries) => entries.values().for_each(assert_value_known),
        _ => {}
    }
}

fn metadata(scope: ApiResourceOwnerScope) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        name: "Code Reviewer".to_owned(),
        slug: "code-reviewer".to_owned(),
        id: "agt-01jq3z8k5m7n9p2r4t6v8w0x2y".to_owned(),
        org: "acme".to_owned(),
        owner_scope: scope as i32,
        labels: HashMap::from([("team".to_owned(), "platform".to_owned())]),
        annotations: HashMap::from([("note".to_owned(), "reviewed".to_owned())]),
        tags: vec!["review".to_owned(), "go".to_owned()],
        version: Some(ApiResourceMetadataVersion {
            id: "v-1".to_owned(),
            message: "first".to_owned(),
            previous_version_id: "v-0".to_owned(),
        }),
    })
}

fn audit() -> Option<ApiResourceAudit> {
    let info = ApiResourceAuditInfo {
        created_by: Some(ApiResourceAuditActor {
            id: "system".to_owned(),
            avatar: "https://example.test/a.png".to_owned(),
        }),
        created_at: Some(Timestamp {
            seconds: 1_767_225_600,
            nanos: 5,
        }),
        updated_by: None,
        updated_at: Some(Timestamp {
            seconds: 1_767_225_601,
            nanos: 0,
        }),
        event: "created".to_owned(),
    };
    Some(ApiResourceAudit {
        spec_audit: Some(info.clone()),
        status_audit: Some(info),
    })
}

fn json_object(key: &str, value: &str) -> Option<Struct> {
    Some(Struct {
        fields: [(
            key.to_owned(),
            prost_types::Value {
                kind: Some(Kind::StringValue(value.to_owned())),
            },
        )]
        .into(),
    })
}

fn reference(kind: ApiResourceKind, slug: &str) -> ApiResourceReference {
    ApiResourceReference {
        scope: ApiResourceOwnerScope::Organization as i32,
        org: "acme".to_owned(),
        kind: kind as i32,
        slug: slug.to_owned(),
        version: "latest".to_owned(),
    }
}

fn workflow_task(name: &str) -> agentic::workflow::v1::WorkflowTask {
    agentic::workflow::v1::WorkflowTask {
        name: name.to_owned(),
        kind: WorkflowTaskKind::Set as i32,
        task_config: json_object("variables", "x"),
        export: Some(agentic::workflow::v1::Export {
            r#as: "${.}".to_owned(),
        }),
        flow: Some(agentic::workflow::v1::FlowControl {
            then: "end".to_owned(),
        }),
    }
}

#[test]
fn agent() {
    use agentic::agent::v1::*;
    let server = McpServerDefinition {
        name: "github".to_owned(),
        server_type: Some(mcp_server_definition::ServerType::Docker(DockerServer {
            image: "ghcr.io/github/mcp".to_owned(),
            args: vec!["--stdio".to_owned()],
            env_placeholders: HashMap::from([("TOKEN".to_owned(), "${GITHUB_TOKEN}".to_owned())]),
            volumes: vec![VolumeMount {
                host_path: "/tmp".to_owned(),
                container_path: "/data".to_owned(),
                read_only: true,
            }],
            network: "bridge".to_owned(),
            ports: vec![PortMapping {
                host_port: 8080,
                container_port: 80,
                protocol: "tcp".to_owned(),
            }],
            container_name: "gh".to_owned(),
        })),
        enabled_tools: vec!["search".to_owned()],
    };
    assert_round_trip(
        "ai.stigmer.agentic.agent.v1.Agent",
        Agent {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "Agent".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(AgentSpec {
                description: "Reviews code".to_owned(),
                icon_url: "https://example.test/i.png".to_owned(),
                instructions: "Review every pull request carefully.".to_owned(),
                mcp_servers: vec![server],
                skill_refs: vec![reference(ApiResourceKind::Skill, "style-guide")],
                sub_agents: vec![SubAgent {
                    name: "linter".to_owned(),
                    description: "Lints".to_owned(),
                    instructions: "Run the linters and report.".to_owned(),
                    mcp_servers: vec!["github".to_owned()],
                    mcp_tool_selections: HashMap::from([(
                        "github".to_owned(),
                        McpToolSelection {
                            enabled_tools: vec!["search".to_owned()],
                        },
                    )]),
                    skill_refs: vec![reference(ApiResourceKind::Skill, "lint")],
                }],
                env_spec: Some(agentic::environment::v1::EnvironmentSpec {
                    description: "needs a token".to_owned(),
                    data: HashMap::from([(
                        "GITHUB_TOKEN".to_owned(),
                        agentic::environment::v1::EnvironmentValue {
                            value: String::new(),
                            is_secret: true,
                            description: "PAT".to_owned(),
                        },
                    )]),
                }),
            }),
            status: Some(AgentStatus {
                audit: audit(),
                default_instance_id: "ain-01jq".to_owned(),
            }),
        },
    );
}

#[test]
fn agentinstance() {
    use agentic::agentinstance::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.agentinstance.v1.AgentInstanceList",
        AgentInstanceList {
            total_count: 1,
            items: vec![AgentInstance {
                api_version: "agentic.stigmer.ai/v1".to_owned(),
                kind: "AgentInstance".to_owned(),
                metadata: metadata(ApiResourceOwnerScope::IdentityAccount),
                spec: Some(AgentInstanceSpec {
                    agent_id: "agt-01jq".to_owned(),
                    description: "prod".to_owned(),
                    environment_refs: vec![reference(ApiResourceKind::Environment, "prod")],
                }),
                status: Some(stigmer_api::commons::apiresource::ApiResourceAuditStatus {
                    audit: audit(),
                }),
            }],
        },
    );
}

#[test]
fn session() {
    use agentic::session::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.session.v1.Session",
        Session {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "Session".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(SessionSpec {
                agent_instance_id: "ain-01jq".to_owned(),
                subject: "Refactor".to_owned(),
                thread_id: "thread-1".to_owned(),
                sandbox_id: "sandbox-1".to_owned(),
                metadata: HashMap::from([("ticket".to_owned(), "42".to_owned())]),
            }),
            status: Some(stigmer_api::commons::apiresource::ApiResourceAuditStatus {
                audit: audit(),
            }),
        },
    );
}

#[test]
fn agentexecution() {
    use agentic::agentexecution::v1::*;
    let tool_call = ToolCall {
        id: "call-1".to_owned(),
        name: "search".to_owned(),
        args: json_object("query", "todo"),
        result: "3 hits".to_owned(),
        status: ToolCallStatus::ToolCallCompleted as i32,
        component_metadata: Some(ComponentMetadata {
            component_type: "terminal".to_owned(),
            component_group: "g".to_owned(),
            layout_hint: "inline".to_owned(),
            metadata: json_object("rows", "3"),
        }),
        started_at: "2026-01-01T00:00:00Z".to_owned(),
        completed_at: "2026-01-01T00:00:01Z".to_owned(),
        error: String::new(),
    };
    assert_round_trip(
        "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
        AgentExecution {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "AgentExecution".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Unspecified),
            spec: Some(AgentExecutionSpec {
                session_id: "ses-01jq".to_owned(),
                agent_id: "agt-01jq".to_owned(),
                message: "Review PR 7".to_owned(),
                execution_config: Some(ExecutionConfig {
                    model_name: "gpt-5".to_owned(),
                }),
                runtime_env: HashMap::from([(
                    "TOKEN".to_owned(),
                    agentic::executioncontext::v1::ExecutionValue {
                        value: "s3cr3t".to_owned(),
                        is_secret: true,
                    },
                )]),
                callback_token: vec![0, 1, 2, 255],
            }),
            status: Some(AgentExecutionStatus {
                audit: audit(),
                messages: vec![AgentMessage {
                    r#type: MessageType::MessageAi as i32,
                    content: "Looking".to_owned(),
                    timestamp: "2026-01-01T00:00:00Z".to_owned(),
                    tool_calls: vec![tool_call.clone()],
                    metadata: json_object("k", "v"),
                }],
                phase: ExecutionPhase::ExecutionCompleted as i32,
                tool_calls: vec![tool_call],
                sub_agent_executions: vec![SubAgentExecution {
                    id: "call-2".to_owned(),
                    name: "linter".to_owned(),
                    input: "lint".to_owned(),
                    output: "clean".to_owned(),
                    status: SubAgentStatus::SubAgentCompleted as i32,
                    started_at: "2026-01-01T00:00:00Z".to_owned(),
                    completed_at: "2026-01-01T00:00:02Z".to_owned(),
                    error: String::new(),
                    metadata: json_object("k", "v"),
                }],
                error: "none".to_owned(),
                started_at: "2026-01-01T00:00:00Z".to_owned(),
                completed_at: "2026-01-01T00:00:03Z".to_owned(),
                todos: HashMap::from([(
                    "t1".to_owned(),
                    TodoItem {
                        id: "t1".to_owned(),
                        content: "read diff".to_owned(),
                        status: TodoStatus::TodoCompleted as i32,
                        created_at: "2026-01-01T00:00:00Z".to_owned(),
                        updated_at: "2026-01-01T00:00:01Z".to_owned(),
                    },
                )]),
                callback_token: vec![9, 8, 7],
            }),
        },
    );
}

#[test]
fn environment() {
    use agentic::environment::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.environment.v1.Environment",
        Environment {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "Environment".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(EnvironmentSpec {
                description: "prod".to_owned(),
                data: HashMap::from([(
                    "API_KEY".to_owned(),
                    EnvironmentValue {
                        value: "k".to_owned(),
                        is_secret: true,
                        description: "key".to_owned(),
                    },
                )]),
            }),
            status: Some(stigmer_api::commons::apiresource::ApiResourceAuditStatus {
                audit: audit(),
            }),
        },
    );
}

#[test]
fn executioncontext() {
    use agentic::executioncontext::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.executioncontext.v1.ExecutionContext",
        ExecutionContext {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "ExecutionContext".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Unspecified),
            spec: Some(ExecutionContextSpec {
                execution_id: "aex-01jq".to_owned(),
                data: HashMap::from([(
                    "TOKEN".to_owned(),
                    ExecutionValue {
                        value: "v".to_owned(),
                        is_secret: true,
                    },
                )]),
            }),
            status: Some(stigmer_api::commons::apiresource::ApiResourceAuditStatus {
                audit: audit(),
            }),
        },
    );
}

#[test]
fn skill() {
    use agentic::skill::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.skill.v1.PushSkillRequest",
        PushSkillRequest {
            name: "Style Guide".to_owned(),
            scope: ApiResourceOwnerScope::Organization as i32,
            org: "acme".to_owned(),
            artifact: vec![0x50, 0x4b, 0x03, 0x04],
            tag: "v1.0".to_owned(),
        },
    );
    assert_round_trip(
        "ai.stigmer.agentic.skill.v1.Skill",
        Skill {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "Skill".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Platform),
            spec: Some(SkillSpec {
                skill_md: "# Style".to_owned(),
                tag: "stable".to_owned(),
            }),
            status: Some(SkillStatus {
                audit: audit(),
                version_hash: "a".repeat(64),
                artifact_storage_key: format!("{}.zip", "a".repeat(64)),
                state: SkillState::Ready as i32,
            }),
        },
    );
}

#[test]
fn workflow() {
    use agentic::workflow::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflow.v1.Workflow",
        Workflow {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "Workflow".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(WorkflowSpec {
                description: "nightly".to_owned(),
                document: Some(WorkflowDocument {
                    dsl: "1.0.0".to_owned(),
                    namespace: "ops".to_owned(),
                    name: "nightly".to_owned(),
                    version: "1.2.3".to_owned(),
                    description: "runs nightly".to_owned(),
                }),
                tasks: vec![workflow_task("init"), workflow_task("done")],
                env_spec: Some(agentic::environment::v1::EnvironmentSpec {
                    description: String::new(),
                    data: HashMap::new(),
                }),
            }),
            status: Some(WorkflowStatus {
                audit: audit(),
                default_instance_id: "win-01jq".to_owned(),
                serverless_workflow_validation: None,
            }),
        },
    );
}

#[test]
fn workflow_serverless() {
    use agentic::workflow::v1::serverless::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflow.v1.serverless.ServerlessWorkflowValidation",
        ServerlessWorkflowValidation {
            state: ValidationState::Invalid as i32,
            yaml: "document: {}".to_owned(),
            errors: vec!["missing do".to_owned()],
            warnings: vec!["unused".to_owned()],
            validated_at: Some(Timestamp {
                seconds: 1_767_225_600,
                nanos: 1,
            }),
            validation_workflow_id: "validate-workflow-wfl-01jq".to_owned(),
        },
    );
}

#[test]
fn workflow_tasks() {
    use agentic::workflow::v1::tasks::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflow.v1.tasks.ForTaskConfig",
        ForTaskConfig {
            each: "item".to_owned(),
            r#in: "${ .items }".to_owned(),
            r#do: vec![workflow_task("body")],
        },
    );
    assert_round_trip(
        "ai.stigmer.agentic.workflow.v1.tasks.AgentCallTaskConfig",
        AgentCallTaskConfig {
            agent: "code-reviewer".to_owned(),
            scope: ApiResourceOwnerScope::Organization as i32,
            message: "${ .prompt }".to_owned(),
            env: HashMap::from([("A".to_owned(), "b".to_owned())]),
            config: Some(AgentExecutionConfig {
                model: "m".to_owned(),
                timeout: 300,
                temperature: 0.5,
            }),
        },
    );
}

#[test]
fn workflowinstance() {
    use agentic::workflowinstance::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflowinstance.v1.WorkflowInstance",
        WorkflowInstance {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "WorkflowInstance".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(WorkflowInstanceSpec {
                workflow_id: "wfl-01jq".to_owned(),
                description: "prod".to_owned(),
                env_refs: vec![reference(ApiResourceKind::Environment, "prod")],
            }),
            status: Some(stigmer_api::commons::apiresource::ApiResourceAuditStatus {
                audit: audit(),
            }),
        },
    );
    assert_round_trip(
        "ai.stigmer.agentic.workflowinstance.v1.GetWorkflowInstancesByWorkflowRequest",
        GetWorkflowInstancesByWorkflowRequest {
            workflow_id: "wfl-01jq".to_owned(),
            page_info: Some(PageInfo { num: 2, size: 10 }),
        },
    );
}

#[test]
fn workflowexecution() {
    use agentic::workflowexecution::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution",
        WorkflowExecution {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "WorkflowExecution".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(WorkflowExecutionSpec {
                workflow_instance_id: "win-01jq".to_owned(),
                workflow_id: "wfl-01jq".to_owned(),
                trigger_message: "{\"a\":1}".to_owned(),
                trigger_metadata: HashMap::from([("source".to_owned(), "cli".to_owned())]),
                runtime_env: HashMap::from([(
                    "T".to_owned(),
                    agentic::executioncontext::v1::ExecutionValue {
                        value: "v".to_owned(),
                        is_secret: false,
                    },
                )]),
                callback_token: vec![1, 2, 3],
            }),
            status: Some(WorkflowExecutionStatus {
                audit: audit(),
                phase: ExecutionPhase::ExecutionInProgress as i32,
                tasks: vec![WorkflowTask {
                    task_id: "t1".to_owned(),
                    task_name: "init".to_owned(),
                    task_type: WorkflowTaskType::WorkflowTaskTransform as i32,
                    input: json_object("in", "1"),
                    output: json_object("out", "2"),
                    status: WorkflowTaskStatus::WorkflowTaskCompleted as i32,
                    started_at: "2026-01-01T00:00:00Z".to_owned(),
                    completed_at: "2026-01-01T00:00:01Z".to_owned(),
                    error: String::new(),
                    metadata: json_object("k", "v"),
                }],
                output: json_object("result", "ok"),
                error: String::new(),
                started_at: "2026-01-01T00:00:00Z".to_owned(),
                completed_at: String::new(),
                temporal_workflow_id: "stigmer/workflow-execution/wex-01jq".to_owned(),
            }),
        },
    );
}

#[test]
fn mcpserver() {
    use agentic::mcpserver::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.mcpserver.v1.McpServer",
        McpServer {
            api_version: "agentic.stigmer.ai/v1".to_owned(),
            kind: "McpServer".to_owned(),
            metadata: metadata(ApiResourceOwnerScope::Organization),
            spec: Some(McpServerSpec {
                description: "GitHub".to_owned(),
                icon_url: String::new(),
                tags: vec!["scm".to_owned()],
                server_type: Some(mcp_server_spec::ServerType::Http(HttpServerConfig {
                    url: "https://mcp.example.test/sse".to_owned(),
                    headers: HashMap::from([(
                        "Authorization".to_owned(),
                        "Bearer ${TOKEN}".to_owned(),
                    )]),
                    query_params: HashMap::from([("v".to_owned(), "1".to_owned())]),
                    timeout_seconds: 30,
                })),
                default_enabled_tools: vec!["search".to_owned()],
                env_spec: None,
            }),
            status: Some(McpServerStatus {
                validation_state: ValidationState::Valid as i32,
                validation_message: "ok".to_owned(),
                audit: audit(),
            }),
        },
    );
}

#[test]
fn workflowrunner() {
    use agentic::workflowrunner::v1::*;
    assert_round_trip(
        "ai.stigmer.agentic.workflowrunner.v1.WorkflowExecuteResponse",
        WorkflowExecuteResponse {
            workflow_execution_id: "wex-01jq".to_owned(),
            status: "running".to_owned(),
            message: "started".to_owned(),
            temporal_workflow_id: "t-1".to_owned(),
            subscribe_url: "wss://x".to_owned(),
            status_url: "https://x".to_owned(),
        },
    );
    assert_round_trip(
        "ai.stigmer.agentic.workflowrunner.v1.CancelExecutionRequest",
        CancelExecutionRequest {
            execution_id: "wex-01jq".to_owned(),
            reason: "user".to_owned(),
            force: true,
        },
    );
}

#[test]
fn commons_apiresource() {
    assert_round_trip(
        "ai.stigmer.commons.apiresource.ApiResourceReference",
        reference(ApiResourceKind::Skill, "style-guide"),
    );
    assert_round_trip(
        "ai.stigmer.commons.apiresource.ApiResourceMetadata",
        metadata(ApiResourceOwnerScope::IdentityAccount).unwrap(),
    );
    assert_round_trip(
        "ai.stigmer.commons.apiresource.FindApiResourcesRequest",
        stigmer_api::commons::apiresource::FindApiResourcesRequest {
            org: "acme".to_owned(),
            kind: "Agent".to_owned(),
            page: Some(PageInfo { num: 1, size: 20 }),
            page_number: 1,
            page_size: 20,
        },
    );
}

#[test]
fn commons_rpc() {
    assert_round_trip(
        "ai.stigmer.commons.rpc.GooglePageInfo",
        stigmer_api::commons::rpc::GooglePageInfo {
            page_token: "cursor".to_owned(),
            size: 50,
        },
    );
}

#[test]
fn apiresourcekind() {
    assert_round_trip(
        "ai.stigmer.commons.apiresource.apiresourcekind.ApiResourceKindMeta",
        ApiResourceKindMeta {
            group: ApiResourceGroup::Agentic as i32,
            version: ApiResourceVersion::V1 as i32,
            name: "Agent".to_owned(),
            display_name: "Agent".to_owned(),
            id_prefix: "agt".to_owned(),
            is_versioned: true,
            not_search_indexed: true,
            tier: ResourceTier::TierOpenSource as i32,
        },
    );
}

#[test]
fn iam_rpcauthorization() {
    assert_round_trip(
        "ai.stigmer.iam.iampolicy.v1.rpcauthorization.RpcAuthorizationConfig",
        RpcAuthorizationConfig {
            permission: ApiResourceIamPermission::CanCreateAgent as i32,
            resource_kind: ApiResourceKind::Organization as i32,
            resource_kind_path: "kind".to_owned(),
            field_path: "metadata.org".to_owned(),
            error_msg: "no".to_owned(),
            resource_id: "stigmer".to_owned(),
        },
    );
}
