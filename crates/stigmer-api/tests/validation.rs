//! protovalidate over our descriptors rejects exactly what upstream rejects
//! (spec api.md §25/§27, behavior.md §3.7), with the rule ids and field
//! paths clients see in INVALID_ARGUMENT details — except the one rule we
//! fix on purpose (ARCHITECTURE.md decision 10).

// Tests fail loudly on broken assumptions; that is what unwrap is for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use stigmer_api::agentic::agent::v1::{
    Agent, AgentSpec, DockerServer, HttpServer, McpServerDefinition, PortMapping, StdioServer,
    SubAgent, VolumeMount, mcp_server_definition,
};
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionSpec, AgentExecutionStatus, AgentExecutionUpdateStatusInput,
};
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::agentic::executioncontext::v1::{
    ExecutionContext, ExecutionContextSpec, ExecutionValue,
};
use stigmer_api::agentic::mcpserver::v1::{
    HttpServerConfig, McpServerSpec, StdioServerConfig, mcp_server_spec,
};
use stigmer_api::agentic::skill::v1::{PushSkillRequest, SkillSpec, SkillStatus};
use stigmer_api::agentic::workflow::v1::{Export, WorkflowDocument, WorkflowSpec, WorkflowTask};
use stigmer_api::commons::apiresource::{
    ApiResourceDeleteInput, ApiResourceId, ApiResourceMetadata, ApiResourceOwnerScope,
    ApiResourceReference, WorkflowTaskKind,
};
use stigmer_api::validation::{ValidateError, validate, validator};
use stigmer_api::{ApiResourceKind, DESCRIPTOR_POOL};

/// `(field path, rule id)` of every violation, in report order; empty when
/// the message is valid.
fn violations<M: ReflectMessage>(message: &M) -> Vec<(String, String)> {
    match validate(message) {
        Ok(()) => Vec::new(),
        Err(ValidateError::Validation(error)) => error
            .violations()
            .iter()
            .map(|v| (v.field_path(), v.rule_id().to_owned()))
            .collect(),
        Err(other) => panic!("the validator failed instead of judging: {other}"),
    }
}

fn one(field_path: &str, rule_id: &str) -> Vec<(String, String)> {
    vec![(field_path.to_owned(), rule_id.to_owned())]
}

fn scoped_metadata(scope: ApiResourceOwnerScope) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        name: "Code Reviewer".to_owned(),
        org: "acme".to_owned(),
        owner_scope: scope as i32,
        ..Default::default()
    })
}

fn valid_agent() -> Agent {
    Agent {
        api_version: "agentic.stigmer.ai/v1".to_owned(),
        kind: "Agent".to_owned(),
        metadata: scoped_metadata(ApiResourceOwnerScope::Organization),
        spec: Some(AgentSpec {
            instructions: "Review code.".to_owned(),
            ..Default::default()
        }),
        status: None,
    }
}

fn agent_with(edit: impl FnOnce(&mut Agent)) -> Agent {
    let mut agent = valid_agent();
    edit(&mut agent);
    agent
}

fn agent_spec_with(edit: impl FnOnce(&mut AgentSpec)) -> Agent {
    agent_with(|agent| edit(agent.spec.get_or_insert_with(Default::default)))
}

fn reference(kind: i32, version: &str) -> ApiResourceReference {
    ApiResourceReference {
        scope: ApiResourceOwnerScope::Organization as i32,
        org: "acme".to_owned(),
        kind,
        slug: "target".to_owned(),
        version: version.to_owned(),
    }
}

#[test]
fn a_complete_agent_is_valid() {
    assert_eq!(violations(&valid_agent()), []);
    // Exactly ten characters is enough.
    assert_eq!(
        violations(&agent_spec_with(
            |spec| spec.instructions = "0123456789".to_owned()
        )),
        []
    );
}

#[test]
fn envelope_constants_must_be_sent() {
    assert_eq!(
        violations(&agent_with(|a| a.api_version.clear())),
        one("api_version", "string.const")
    );
    assert_eq!(
        violations(&agent_with(
            |a| a.api_version = "agentic.stigmer.ai/v2".to_owned()
        )),
        one("api_version", "string.const")
    );
    assert_eq!(
        violations(&agent_with(|a| a.kind.clear())),
        one("kind", "string.const")
    );
    assert_eq!(
        violations(&agent_with(|a| a.kind = "agent".to_owned())),
        one("kind", "string.const")
    );
}

#[test]
fn metadata_is_required() {
    assert_eq!(
        violations(&agent_with(|a| a.metadata = None)),
        one("metadata", "required")
    );
}

#[test]
fn agents_live_in_platform_or_organization_scope_only() {
    for scope in [
        ApiResourceOwnerScope::Unspecified,
        ApiResourceOwnerScope::IdentityAccount,
    ] {
        let agent = agent_with(|a| a.metadata = scoped_metadata(scope));
        let Err(ValidateError::Validation(error)) = validate(&agent) else {
            panic!("{scope:?} must be rejected");
        };
        let [violation] = error.violations() else {
            panic!("one violation expected: {error}");
        };
        assert_eq!(violation.field_path(), "metadata");
        assert_eq!(
            violation.rule_id(),
            "agent.owner_scope.platform_or_org_only"
        );
        assert_eq!(
            violation.message(),
            "Agent resources can only have platform or organization scope"
        );
    }
    let platform = agent_with(|a| a.metadata = scoped_metadata(ApiResourceOwnerScope::Platform));
    assert_eq!(violations(&platform), []);
}

#[test]
fn owner_scope_must_be_a_defined_value() {
    let agent = agent_with(|a| {
        if let Some(metadata) = a.metadata.as_mut() {
            metadata.owner_scope = 7;
        }
    });
    let found = violations(&agent);
    assert!(
        found.contains(&(
            "metadata.owner_scope".to_owned(),
            "enum.defined_only".to_owned()
        )),
        "{found:?}"
    );
}

#[test]
fn instructions_need_ten_characters() {
    for short in ["", "too short"] {
        assert_eq!(
            violations(&agent_spec_with(|spec| spec.instructions = short.to_owned())),
            one("spec.instructions", "string.min_len"),
            "{short:?}"
        );
    }
}

#[test]
fn skill_refs_must_point_at_skills() {
    let skill = ApiResourceKind::Skill as i32;
    let agent = agent_spec_with(|spec| {
        spec.skill_refs = vec![
            reference(skill, ""),
            reference(ApiResourceKind::Agent as i32, ""),
        ];
    });
    assert_eq!(
        violations(&agent),
        one("spec.skill_refs[1]", "skill_refs.kind")
    );

    let sub_agent = agent_spec_with(|spec| {
        spec.sub_agents = vec![SubAgent {
            name: "linter".to_owned(),
            instructions: "Run the linters.".to_owned(),
            skill_refs: vec![reference(ApiResourceKind::Environment as i32, "")],
            ..Default::default()
        }];
    });
    assert_eq!(
        violations(&sub_agent),
        one("spec.sub_agents[0].skill_refs[0]", "skill_refs.kind")
    );
}

#[test]
fn sub_agents_and_inline_mcp_servers_need_their_names_and_commands() {
    let agent = agent_spec_with(|spec| {
        spec.sub_agents = vec![SubAgent::default()];
        spec.mcp_servers = vec![
            McpServerDefinition {
                name: String::new(),
                server_type: Some(mcp_server_definition::ServerType::Stdio(
                    StdioServer::default(),
                )),
                enabled_tools: Vec::new(),
            },
            McpServerDefinition {
                name: "web".to_owned(),
                server_type: Some(mcp_server_definition::ServerType::Http(
                    HttpServer::default(),
                )),
                enabled_tools: Vec::new(),
            },
            McpServerDefinition {
                name: "box".to_owned(),
                server_type: Some(mcp_server_definition::ServerType::Docker(DockerServer {
                    volumes: vec![VolumeMount::default()],
                    ports: vec![PortMapping::default()],
                    ..Default::default()
                })),
                enabled_tools: Vec::new(),
            },
            // The agent copy of the oneof is not required (spec §27 item 9).
            McpServerDefinition {
                name: "bare".to_owned(),
                server_type: None,
                enabled_tools: Vec::new(),
            },
        ];
    });
    let mut found = violations(&agent);
    found.sort();
    let mut expected: Vec<(String, String)> = [
        ("spec.mcp_servers[0].name", "required"),
        ("spec.mcp_servers[0].stdio.command", "required"),
        ("spec.mcp_servers[1].http.url", "required"),
        ("spec.mcp_servers[2].docker.image", "required"),
        (
            "spec.mcp_servers[2].docker.volumes[0].host_path",
            "required",
        ),
        (
            "spec.mcp_servers[2].docker.volumes[0].container_path",
            "required",
        ),
        ("spec.mcp_servers[2].docker.ports[0].host_port", "int32.gte"),
        (
            "spec.mcp_servers[2].docker.ports[0].container_port",
            "int32.gte",
        ),
        ("spec.sub_agents[0].name", "required"),
        ("spec.sub_agents[0].instructions", "string.min_len"),
    ]
    .into_iter()
    .map(|(path, rule)| (path.to_owned(), rule.to_owned()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn agent_executions_inherit_their_scope_so_owner_scope_must_stay_unspecified() {
    let mut execution = AgentExecution {
        api_version: "agentic.stigmer.ai/v1".to_owned(),
        kind: "AgentExecution".to_owned(),
        metadata: scoped_metadata(ApiResourceOwnerScope::Unspecified),
        spec: Some(AgentExecutionSpec {
            agent_id: "agt-01jq".to_owned(),
            message: "hello".to_owned(),
            ..Default::default()
        }),
        status: None,
    };
    assert_eq!(violations(&execution), []);

    execution.metadata = scoped_metadata(ApiResourceOwnerScope::Organization);
    let Err(ValidateError::Validation(error)) = validate(&execution) else {
        panic!("organization scope must be rejected");
    };
    let [violation] = error.violations() else {
        panic!("one violation expected: {error}");
    };
    assert_eq!(violation.field_path(), "metadata");
    assert_eq!(
        violation.rule_id(),
        "agent_execution.owner_scope.unspecified_only"
    );
    // Upstream's typo is part of the contract: clients match on this text.
    assert_eq!(
        violation.message(),
        "AgentExecution owner_scope must be unspecified (inherits premission from session)"
    );
    assert!(
        error
            .to_string()
            .starts_with("validation error: metadata: ")
    );
}

#[test]
fn agent_execution_messages_and_status_enums() {
    let execution = AgentExecution {
        api_version: "agentic.stigmer.ai/v1".to_owned(),
        kind: "AgentExecution".to_owned(),
        metadata: scoped_metadata(ApiResourceOwnerScope::Unspecified),
        spec: Some(AgentExecutionSpec::default()),
        status: Some(AgentExecutionStatus {
            phase: 42,
            ..Default::default()
        }),
    };
    let mut found = violations(&execution);
    found.sort();
    assert_eq!(
        found,
        [
            ("spec.message".to_owned(), "string.min_len".to_owned()),
            ("status.phase".to_owned(), "enum.defined_only".to_owned()),
        ]
    );

    let update = AgentExecutionUpdateStatusInput {
        execution_id: String::new(),
        status: None,
    };
    let mut found = violations(&update);
    found.sort();
    assert_eq!(
        found,
        [
            ("execution_id".to_owned(), "string.min_len".to_owned()),
            ("status".to_owned(), "required".to_owned()),
        ]
    );
}

fn agent_instance(environment_refs: Vec<ApiResourceReference>) -> AgentInstance {
    AgentInstance {
        api_version: "agentic.stigmer.ai/v1".to_owned(),
        kind: "AgentInstance".to_owned(),
        metadata: scoped_metadata(ApiResourceOwnerScope::Organization),
        spec: Some(AgentInstanceSpec {
            agent_id: "agt-01jq".to_owned(),
            description: String::new(),
            environment_refs,
        }),
        status: None,
    }
}

/// Regression test for our deliberate fix of upstream's rule
/// `this.kind == 52` (52 is `workflow_execution`), see ARCHITECTURE.md
/// decision 10 and spec §27.1 item 1: environments are kind 53.
#[test]
fn regression_environment_refs_accept_environments_kind_53_and_reject_kind_52() {
    let environment = reference(ApiResourceKind::Environment as i32, "");
    assert_eq!(environment.kind, 53);
    assert_eq!(
        violations(&agent_instance(vec![environment.clone(), environment])),
        []
    );

    let workflow_execution = reference(ApiResourceKind::WorkflowExecution as i32, "");
    assert_eq!(workflow_execution.kind, 52);
    let Err(ValidateError::Validation(error)) = validate(&agent_instance(vec![workflow_execution]))
    else {
        panic!("kind 52 must be rejected");
    };
    let [violation] = error.violations() else {
        panic!("one violation expected: {error}");
    };
    assert_eq!(violation.field_path(), "spec.environment_refs[0]");
    assert_eq!(violation.rule_id(), "environment_refs.kind");
    assert_eq!(
        violation.message(),
        "environment_refs must reference resources with kind=environment"
    );
}

#[test]
fn agent_instances_need_an_agent_id() {
    let mut instance = agent_instance(Vec::new());
    if let Some(spec) = instance.spec.as_mut() {
        spec.agent_id.clear();
    }
    assert_eq!(
        violations(&instance),
        one("spec.agent_id", "string.min_len")
    );
}

#[test]
fn mcp_server_spec_needs_exactly_one_server_type() {
    let missing = McpServerSpec::default();
    let found = violations(&missing);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "required");
    assert_eq!(found[0].0, "server_type");

    let stdio = McpServerSpec {
        server_type: Some(mcp_server_spec::ServerType::Stdio(StdioServerConfig {
            command: "npx".to_owned(),
            ..Default::default()
        })),
        ..Default::default()
    };
    assert_eq!(violations(&stdio), []);

    let relative_url = McpServerSpec {
        server_type: Some(mcp_server_spec::ServerType::Http(HttpServerConfig {
            url: "not a url".to_owned(),
            ..Default::default()
        })),
        ..Default::default()
    };
    assert_eq!(violations(&relative_url), one("http.url", "string.uri"));
}

#[test]
fn reference_versions_are_empty_latest_a_tag_or_a_hash() {
    let kind = ApiResourceKind::Skill as i32;
    for good in [
        "",
        "latest",
        "v1.2.3",
        "release_2026-01",
        &"ab12".repeat(16),
    ] {
        assert_eq!(violations(&reference(kind, good)), [], "{good:?}");
    }
    for bad in ["v 1", "../etc", "tag/x", "ünïcode", "latest\n"] {
        assert_eq!(
            violations(&reference(kind, bad)),
            one("version", "string.pattern"),
            "{bad:?}"
        );
    }
    let mut undefined_scope = reference(kind, "");
    undefined_scope.scope = 9;
    assert_eq!(
        violations(&undefined_scope),
        one("scope", "enum.defined_only")
    );
}

fn valid_workflow_spec() -> WorkflowSpec {
    WorkflowSpec {
        description: String::new(),
        document: Some(WorkflowDocument {
            dsl: "1.0.0".to_owned(),
            namespace: "ops".to_owned(),
            name: "nightly".to_owned(),
            version: "1.0.0".to_owned(),
            description: String::new(),
        }),
        tasks: vec![WorkflowTask {
            name: "init".to_owned(),
            kind: WorkflowTaskKind::Set as i32,
            task_config: Some(prost_types::Struct::default()),
            export: None,
            flow: None,
        }],
        env_spec: None,
    }
}

#[test]
fn workflow_documents_speak_dsl_1_0_0_only() {
    assert_eq!(violations(&valid_workflow_spec()), []);
    for bad in ["", "1.0", "1x0x0", "1.0.0 ", "2.0.0"] {
        let mut spec = valid_workflow_spec();
        if let Some(document) = spec.document.as_mut() {
            document.dsl = bad.to_owned();
        }
        assert_eq!(
            violations(&spec),
            one("document.dsl", "string.pattern"),
            "{bad:?}"
        );
    }
}

#[test]
fn workflow_specs_need_a_document_and_well_formed_tasks() {
    let mut spec = valid_workflow_spec();
    spec.document = None;
    spec.tasks.clear();
    let mut found = violations(&spec);
    found.sort();
    assert_eq!(
        found,
        [
            ("document".to_owned(), "required".to_owned()),
            ("tasks".to_owned(), "repeated.min_items".to_owned()),
        ]
    );

    let mut spec = valid_workflow_spec();
    spec.document = Some(WorkflowDocument {
        dsl: "1.0.0".to_owned(),
        ..Default::default()
    });
    spec.tasks = vec![WorkflowTask {
        export: Some(Export {
            r#as: String::new(),
        }),
        ..Default::default()
    }];
    let mut found = violations(&spec);
    found.sort();
    let mut expected: Vec<(String, String)> = [
        ("document.name", "required"),
        ("document.namespace", "required"),
        ("document.version", "required"),
        ("tasks[0].export.as", "string.min_len"),
        ("tasks[0].kind", "required"),
        ("tasks[0].name", "required"),
        ("tasks[0].task_config", "required"),
    ]
    .into_iter()
    .map(|(path, rule)| (path.to_owned(), rule.to_owned()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn execution_contexts_need_an_execution_and_non_empty_values() {
    let context = ExecutionContext {
        api_version: "agentic.stigmer.ai/v1".to_owned(),
        kind: "ExecutionContext".to_owned(),
        metadata: scoped_metadata(ApiResourceOwnerScope::Unspecified),
        spec: Some(ExecutionContextSpec {
            execution_id: String::new(),
            data: HashMap::from([(
                "TOKEN".to_owned(),
                ExecutionValue {
                    value: String::new(),
                    is_secret: true,
                },
            )]),
        }),
        status: None,
    };
    let mut found = violations(&context);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "spec.data[\"TOKEN\"].value".to_owned(),
                "string.min_len".to_owned()
            ),
            ("spec.execution_id".to_owned(), "string.min_len".to_owned()),
        ]
    );
}

#[test]
fn skills_need_content_a_clean_tag_and_a_sha256_version() {
    assert_eq!(
        violations(&SkillSpec {
            skill_md: "# Style".to_owned(),
            tag: "v1.0_rc-1".to_owned(),
        }),
        []
    );
    let mut found = violations(&SkillSpec {
        skill_md: String::new(),
        tag: "v1 rc".to_owned(),
    });
    found.sort();
    assert_eq!(
        found,
        [
            ("skill_md".to_owned(), "string.min_len".to_owned()),
            ("tag".to_owned(), "string.pattern".to_owned()),
        ]
    );

    let status = |hash: &str| SkillStatus {
        version_hash: hash.to_owned(),
        ..Default::default()
    };
    assert_eq!(violations(&status(&"0f".repeat(32))), []);
    for bad in ["", &"0F".repeat(32), &"0f".repeat(31)] {
        assert_eq!(
            violations(&status(bad)),
            one("version_hash", "string.pattern"),
            "{bad:?}"
        );
    }

    let mut found = violations(&PushSkillRequest {
        name: String::new(),
        scope: 5,
        org: String::new(),
        artifact: Vec::new(),
        tag: "../x".to_owned(),
    });
    found.sort();
    assert_eq!(
        found,
        [
            ("artifact".to_owned(), "required".to_owned()),
            ("name".to_owned(), "required".to_owned()),
            ("scope".to_owned(), "enum.defined_only".to_owned()),
            ("tag".to_owned(), "string.pattern".to_owned()),
        ]
    );
}

#[test]
fn id_wrappers_and_list_requests_need_their_ids() {
    use stigmer_api::agentic::*;
    assert_eq!(
        violations(&ApiResourceId::default()),
        one("value", "required")
    );
    assert_eq!(
        violations(&agent::v1::AgentId::default()),
        one("value", "required")
    );
    assert_eq!(
        violations(&ApiResourceDeleteInput::default()),
        one("resource_id", "required")
    );
    assert_eq!(
        violations(&session::v1::ListSessionsByAgentRequest::default()),
        one("agent_id", "required")
    );
    assert_eq!(
        violations(&agentexecution::v1::ListAgentExecutionsBySessionRequest::default()),
        one("session_id", "required")
    );
    assert_eq!(
        violations(&agentinstance::v1::GetAgentInstancesByAgentRequest::default()),
        one("agent_id", "required")
    );
    assert_eq!(
        violations(&workflowinstance::v1::GetWorkflowInstancesByWorkflowRequest::default()),
        one("workflow_id", "required")
    );
    assert_eq!(
        violations(&skill::v1::GetArtifactRequest::default()),
        one("artifact_storage_key", "required")
    );
    assert_eq!(
        violations(&session::v1::SessionSpec::default()),
        one("agent_instance_id", "required")
    );
    assert_eq!(
        violations(&workflowinstance::v1::WorkflowInstanceSpec::default()),
        one("workflow_id", "string.min_len")
    );
    // No rules at all: workflow/instance presence is checked by the handler.
    assert_eq!(
        violations(&workflowexecution::v1::WorkflowExecutionSpec::default()),
        []
    );
}

/// Builds `<package>.<kind>` with valid constants and the given scope and no
/// spec, so only the envelope and its scope rule are judged.
fn envelope(package: &str, kind: &str, owner_scope: i32) -> DynamicMessage {
    let descriptor = DESCRIPTOR_POOL
        .get_message_by_name(&format!("{package}.{kind}"))
        .unwrap();
    let metadata_descriptor = DESCRIPTOR_POOL
        .get_message_by_name("ai.stigmer.commons.apiresource.ApiResourceMetadata")
        .unwrap();
    let mut metadata = DynamicMessage::new(metadata_descriptor);
    metadata.set_field_by_name("owner_scope", Value::EnumNumber(owner_scope));
    let mut message = DynamicMessage::new(descriptor);
    message.set_field_by_name(
        "api_version",
        Value::String("agentic.stigmer.ai/v1".to_owned()),
    );
    message.set_field_by_name("kind", Value::String(kind.to_owned()));
    message.set_field_by_name("metadata", Value::Message(metadata));
    message
}

#[test]
fn every_kind_allows_exactly_its_owner_scopes() {
    let any = [0, 1, 2, 3].as_slice();
    // behavior.md §3.7 / api.md §1.1: kind, allowed scopes, rule id on others.
    let kinds: [(&str, &str, &[i32], &str); 11] = [
        (
            "agent",
            "Agent",
            &[1, 2],
            "agent.owner_scope.platform_or_org_only",
        ),
        ("agentinstance", "AgentInstance", any, ""),
        (
            "session",
            "Session",
            &[2, 3],
            "session.owner_scope.org_or_identity_only",
        ),
        (
            "agentexecution",
            "AgentExecution",
            &[0],
            "agent_execution.owner_scope.unspecified_only",
        ),
        (
            "environment",
            "Environment",
            &[2, 3],
            "environment.owner_scope.org_or_identity_only",
        ),
        (
            "executioncontext",
            "ExecutionContext",
            &[0],
            "execution_context.owner_scope.unspecified_only",
        ),
        (
            "skill",
            "Skill",
            &[1, 2],
            "skill.owner_scope.platform_or_org_only",
        ),
        (
            "workflow",
            "Workflow",
            &[1, 2],
            "workflow.owner_scope.platform_or_org_only",
        ),
        ("workflowinstance", "WorkflowInstance", any, ""),
        (
            "workflowexecution",
            "WorkflowExecution",
            &[2, 3],
            "workflow_execution.owner_scope.org_or_identity_only",
        ),
        ("mcpserver", "McpServer", any, ""),
    ];
    for (package, kind, allowed, rule_id) in kinds {
        let package = format!("ai.stigmer.agentic.{package}.v1");
        for scope in 0..=3 {
            let message = envelope(&package, kind, scope);
            let found: Vec<(String, String)> = match validator().validate(&message) {
                Ok(()) => Vec::new(),
                Err(ValidateError::Validation(error)) => error
                    .violations()
                    .iter()
                    .map(|v| (v.field_path(), v.rule_id().to_owned()))
                    .collect(),
                Err(other) => panic!("{kind}: validator failed: {other}"),
            };
            let expected = if allowed.contains(&scope) {
                Vec::new()
            } else {
                one("metadata", rule_id)
            };
            assert_eq!(found, expected, "{kind} with owner_scope {scope}");
        }

        let wrong_kind = {
            let mut message = envelope(&package, kind, allowed[0]);
            message.set_field_by_name("kind", Value::String(format!("{kind}s")));
            message
        };
        assert!(
            validator().validate(&wrong_kind).is_err(),
            "{kind}: the kind constant is checked"
        );
    }
}

#[test]
fn messages_without_rules_are_valid_when_empty() {
    assert_eq!(
        violations(&stigmer_api::commons::apiresource::ApiResourceAuditStatus::default()),
        []
    );
    assert_eq!(
        violations(&stigmer_api::commons::rpc::PageInfo::default()),
        []
    );
}
