//! The wire contract as a client built from the upstream protos sees it:
//! rpc paths, streaming shapes, the kind registry, encodings that agree
//! between generated code and embedded descriptors, and custom options that
//! survive in the embedded descriptor set.

// Tests fail loudly on broken assumptions; that is what unwrap is for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, ReflectMessage, Value};
use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_server::{
    AgentQueryController, AgentQueryControllerServer,
};
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::commons::apiresource::apiresourcekind::{ApiResourceGroup, ResourceTier};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceReference};
use stigmer_api::iam::iampolicy::v1::rpcauthorization::{
    ApiResourceIamPermission, RpcAuthorizationConfig,
};
use stigmer_api::{ApiResourceKind, DESCRIPTOR_POOL, FILE_DESCRIPTOR_SET, KindRegistry};
use tonic::{Request, Response, Status};
use tower::Service;

/// Spec §26: every `:path` a client may send, sorted.
const EXPECTED_PATHS: [&str; 75] = [
    "/ai.stigmer.agentic.agent.v1.AgentCommandController/apply",
    "/ai.stigmer.agentic.agent.v1.AgentCommandController/create",
    "/ai.stigmer.agentic.agent.v1.AgentCommandController/delete",
    "/ai.stigmer.agentic.agent.v1.AgentCommandController/update",
    "/ai.stigmer.agentic.agent.v1.AgentQueryController/get",
    "/ai.stigmer.agentic.agent.v1.AgentQueryController/getByReference",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/delete",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/update",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/updateStatus",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/get",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/list",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/listBySession",
    "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/subscribe",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceCommandController/apply",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceCommandController/create",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceCommandController/delete",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceCommandController/update",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceQueryController/get",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceQueryController/getByAgent",
    "/ai.stigmer.agentic.agentinstance.v1.AgentInstanceQueryController/getByReference",
    "/ai.stigmer.agentic.environment.v1.EnvironmentCommandController/apply",
    "/ai.stigmer.agentic.environment.v1.EnvironmentCommandController/create",
    "/ai.stigmer.agentic.environment.v1.EnvironmentCommandController/delete",
    "/ai.stigmer.agentic.environment.v1.EnvironmentCommandController/update",
    "/ai.stigmer.agentic.environment.v1.EnvironmentQueryController/get",
    "/ai.stigmer.agentic.environment.v1.EnvironmentQueryController/getByReference",
    "/ai.stigmer.agentic.executioncontext.v1.ExecutionContextCommandController/apply",
    "/ai.stigmer.agentic.executioncontext.v1.ExecutionContextCommandController/create",
    "/ai.stigmer.agentic.executioncontext.v1.ExecutionContextCommandController/delete",
    "/ai.stigmer.agentic.executioncontext.v1.ExecutionContextQueryController/get",
    "/ai.stigmer.agentic.executioncontext.v1.ExecutionContextQueryController/getByReference",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerCommandController/apply",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerCommandController/create",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerCommandController/delete",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerCommandController/update",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerQueryController/get",
    "/ai.stigmer.agentic.mcpserver.v1.McpServerQueryController/getByReference",
    "/ai.stigmer.agentic.session.v1.SessionCommandController/apply",
    "/ai.stigmer.agentic.session.v1.SessionCommandController/create",
    "/ai.stigmer.agentic.session.v1.SessionCommandController/delete",
    "/ai.stigmer.agentic.session.v1.SessionCommandController/update",
    "/ai.stigmer.agentic.session.v1.SessionQueryController/get",
    "/ai.stigmer.agentic.session.v1.SessionQueryController/list",
    "/ai.stigmer.agentic.session.v1.SessionQueryController/listByAgent",
    "/ai.stigmer.agentic.skill.v1.SkillCommandController/delete",
    "/ai.stigmer.agentic.skill.v1.SkillCommandController/push",
    "/ai.stigmer.agentic.skill.v1.SkillQueryController/get",
    "/ai.stigmer.agentic.skill.v1.SkillQueryController/getArtifact",
    "/ai.stigmer.agentic.skill.v1.SkillQueryController/getByReference",
    "/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/apply",
    "/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/create",
    "/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/delete",
    "/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/update",
    "/ai.stigmer.agentic.workflow.v1.WorkflowQueryController/get",
    "/ai.stigmer.agentic.workflow.v1.WorkflowQueryController/getByReference",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/create",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/delete",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/update",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/updateStatus",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/get",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/list",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/listByWorkflow",
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/subscribe",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/apply",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/create",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/delete",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/update",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController/get",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController/getByReference",
    "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController/getByWorkflow",
    "/ai.stigmer.agentic.workflowrunner.v1.WorkflowRunnerServiceController/cancelExecution",
    "/ai.stigmer.agentic.workflowrunner.v1.WorkflowRunnerServiceController/executeAsync",
    "/ai.stigmer.agentic.workflowrunner.v1.WorkflowRunnerServiceController/pauseExecution",
    "/ai.stigmer.agentic.workflowrunner.v1.WorkflowRunnerServiceController/resumeExecution",
];

fn rpc_paths(filter: impl Fn(&prost_reflect::MethodDescriptor) -> bool) -> Vec<String> {
    let mut paths: Vec<String> = DESCRIPTOR_POOL
        .services()
        .flat_map(|service| service.methods().collect::<Vec<_>>())
        .filter(|method| filter(method))
        .map(|method| format!("/{}/{}", method.parent_service().full_name(), method.name()))
        .collect();
    paths.sort();
    paths
}

#[test]
fn descriptors_serve_exactly_the_75_rpc_paths_of_the_spec() {
    assert_eq!(rpc_paths(|_| true), EXPECTED_PATHS);
}

#[test]
fn only_the_two_subscribe_rpcs_stream_and_only_from_the_server() {
    assert_eq!(
        rpc_paths(|method| method.is_server_streaming()),
        [
            "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/subscribe",
            "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/subscribe",
        ]
    );
    assert_eq!(
        rpc_paths(|method| method.is_client_streaming()),
        Vec::<String>::new()
    );
}

#[test]
fn generated_servers_are_named_after_the_descriptor_services() {
    use stigmer_api::agentic::*;
    let generated = BTreeSet::from([
        agent::v1::agent_command_controller_server::SERVICE_NAME,
        agent::v1::agent_query_controller_server::SERVICE_NAME,
        agentinstance::v1::agent_instance_command_controller_server::SERVICE_NAME,
        agentinstance::v1::agent_instance_query_controller_server::SERVICE_NAME,
        session::v1::session_command_controller_server::SERVICE_NAME,
        session::v1::session_query_controller_server::SERVICE_NAME,
        agentexecution::v1::agent_execution_command_controller_server::SERVICE_NAME,
        agentexecution::v1::agent_execution_query_controller_server::SERVICE_NAME,
        environment::v1::environment_command_controller_server::SERVICE_NAME,
        environment::v1::environment_query_controller_server::SERVICE_NAME,
        executioncontext::v1::execution_context_command_controller_server::SERVICE_NAME,
        executioncontext::v1::execution_context_query_controller_server::SERVICE_NAME,
        skill::v1::skill_command_controller_server::SERVICE_NAME,
        skill::v1::skill_query_controller_server::SERVICE_NAME,
        workflow::v1::workflow_command_controller_server::SERVICE_NAME,
        workflow::v1::workflow_query_controller_server::SERVICE_NAME,
        workflowinstance::v1::workflow_instance_command_controller_server::SERVICE_NAME,
        workflowinstance::v1::workflow_instance_query_controller_server::SERVICE_NAME,
        workflowexecution::v1::workflow_execution_command_controller_server::SERVICE_NAME,
        workflowexecution::v1::workflow_execution_query_controller_server::SERVICE_NAME,
        mcpserver::v1::mcp_server_command_controller_server::SERVICE_NAME,
        mcpserver::v1::mcp_server_query_controller_server::SERVICE_NAME,
        workflowrunner::v1::workflow_runner_service_controller_server::SERVICE_NAME,
    ]);
    let described: BTreeSet<String> = DESCRIPTOR_POOL
        .services()
        .map(|service| service.full_name().to_owned())
        .collect();
    assert_eq!(
        generated,
        described
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );
}

/// Answers `getByReference` with an agent carrying the requested slug, so a
/// response proves the request reached that handler.
struct EchoSlugAgentQuery;

#[tonic::async_trait]
impl AgentQueryController for EchoSlugAgentQuery {
    async fn get(&self, _request: Request<AgentId>) -> Result<Response<Agent>, Status> {
        Err(Status::not_found("this stub only answers getByReference"))
    }

    async fn get_by_reference(
        &self,
        request: Request<ApiResourceReference>,
    ) -> Result<Response<Agent>, Status> {
        Ok(Response::new(Agent {
            kind: "Agent".to_owned(),
            metadata: Some(ApiResourceMetadata {
                slug: request.into_inner().slug,
                ..Default::default()
            }),
            ..Default::default()
        }))
    }
}

#[tokio::test]
async fn generated_client_and_server_route_get_by_reference_in_lower_camel_case() {
    let server = AgentQueryControllerServer::new(EchoSlugAgentQuery);
    let seen_paths = Arc::new(Mutex::new(Vec::new()));
    let transport = {
        let seen_paths = Arc::clone(&seen_paths);
        let server = server.clone();
        tower::service_fn(move |request: http::Request<tonic::body::Body>| {
            seen_paths
                .lock()
                .unwrap()
                .push(request.uri().path().to_owned());
            let mut server = server.clone();
            async move { server.call(request).await }
        })
    };

    let mut client = AgentQueryControllerClient::new(transport);
    let agent = client
        .get_by_reference(ApiResourceReference {
            slug: "code-reviewer".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        *seen_paths.lock().unwrap(),
        ["/ai.stigmer.agentic.agent.v1.AgentQueryController/getByReference"]
    );
    assert_eq!(agent.metadata.unwrap().slug, "code-reviewer");

    // The snake_case spelling is not a route: the server answers UNIMPLEMENTED.
    let mut server = server;
    let response = server
        .call(
            http::Request::builder()
                .method("POST")
                .uri("/ai.stigmer.agentic.agent.v1.AgentQueryController/get_by_reference")
                .header("content-type", "application/grpc")
                .body(tonic::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        response.headers().get("grpc-status").unwrap(),
        &(tonic::Code::Unimplemented as i32).to_string()
    );
}

/// Spec §1.1: kind, enum value (number), id prefix of every open-source kind.
const OPEN_SOURCE_KINDS: [(ApiResourceKind, i32, &str, &str, &str); 11] = [
    (ApiResourceKind::Agent, 40, "agent", "Agent", "agt"),
    (
        ApiResourceKind::AgentInstance,
        45,
        "agent_instance",
        "AgentInstance",
        "ain",
    ),
    (ApiResourceKind::Session, 42, "session", "Session", "ses"),
    (
        ApiResourceKind::AgentExecution,
        41,
        "agent_execution",
        "AgentExecution",
        "aex",
    ),
    (
        ApiResourceKind::Environment,
        53,
        "environment",
        "Environment",
        "env",
    ),
    (
        ApiResourceKind::ExecutionContext,
        54,
        "execution_context",
        "ExecutionContext",
        "exec",
    ),
    (ApiResourceKind::Skill, 43, "skill", "Skill", "skl"),
    (ApiResourceKind::Workflow, 50, "workflow", "Workflow", "wfl"),
    (
        ApiResourceKind::WorkflowInstance,
        51,
        "workflow_instance",
        "WorkflowInstance",
        "win",
    ),
    (
        ApiResourceKind::WorkflowExecution,
        52,
        "workflow_execution",
        "WorkflowExecution",
        "wex",
    ),
    (
        ApiResourceKind::McpServer,
        44,
        "mcp_server",
        "McpServer",
        "mcp",
    ),
];

#[test]
fn every_open_source_kind_resolves_to_its_name_prefix_and_api_version() {
    let registry = KindRegistry::global();
    for (kind, number, value_name, name, prefix) in OPEN_SOURCE_KINDS {
        assert_eq!(kind as i32, number, "{name}");
        let info = registry
            .get(kind)
            .unwrap_or_else(|| panic!("{name} is registered"));
        assert_eq!(info.kind, kind);
        assert_eq!(info.value_name, value_name);
        assert_eq!(info.name, name);
        assert_eq!(info.id_prefix, prefix);
        assert_eq!(info.api_version, "agentic.stigmer.ai/v1", "{name}");
        assert_eq!(info.group, ApiResourceGroup::Agentic, "{name}");
        assert_eq!(info.tier, ResourceTier::TierOpenSource, "{name}");
        assert_eq!(info.is_versioned, kind == ApiResourceKind::Skill, "{name}");

        assert_eq!(registry.by_name(name), Some(info));
        assert_eq!(registry.by_name(value_name), Some(info));
        assert_eq!(registry.by_id_prefix(prefix), Some(info));
        let id = format!("{prefix}-01jq3z8k5m7n9p2r4t6v8w0x2y");
        assert_eq!(registry.kind_of_id(&id), Some(info), "{id}");
    }
}

#[test]
fn cloud_kinds_keep_their_prefixes_and_groups() {
    let cloud_kinds = [
        (
            ApiResourceKind::ApiResourceVersion,
            "api_resource_version",
            "ApiResourceVersion",
            "ver",
            "agentic.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::IamPolicy,
            "iam_policy",
            "IamPolicy",
            "iamp",
            "iam.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::IdentityAccount,
            "identity_account",
            "IdentityAccount",
            "ida",
            "iam.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::ApiKey,
            "api_key",
            "ApiKey",
            "key",
            "iam.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::Credential,
            "credential",
            "Credential",
            "crd",
            "iam.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::Organization,
            "organization",
            "Organization",
            "org",
            "tenancy.stigmer.ai/v1",
        ),
        (
            ApiResourceKind::Platform,
            "platform",
            "Platform",
            "plt",
            "tenancy.stigmer.ai/v1",
        ),
    ];
    let registry = KindRegistry::global();
    for (kind, value_name, name, prefix, api_version) in cloud_kinds {
        let info = registry
            .get(kind)
            .unwrap_or_else(|| panic!("{name} is registered"));
        assert_eq!(info.value_name, value_name);
        assert_eq!(info.name, name);
        assert_eq!(info.id_prefix, prefix);
        assert_eq!(info.api_version, api_version, "{name}");
        assert_eq!(info.tier, ResourceTier::TierCloudOnly, "{name}");
        assert_eq!(registry.kind_of_id(&format!("{prefix}-x")), Some(info));
    }
    assert_eq!(registry.kinds().count(), 18, "every kind but unknown");
}

#[test]
fn ids_and_names_that_denote_no_kind_resolve_to_none() {
    let registry = KindRegistry::global();
    assert_eq!(registry.get(ApiResourceKind::Unknown), None);
    for id in [
        "", "agt", "agt-", "-01jq", "zzz-01jq", "AGT-01jq", "agt_01jq",
    ] {
        assert_eq!(registry.kind_of_id(id), None, "{id:?}");
    }
    for name in ["", "agents", "AGENT", "api_resource_kind_unknown", "Agent "] {
        assert_eq!(registry.by_name(name), None, "{name:?}");
    }
}

#[test]
fn every_service_with_the_option_maps_to_its_kind() {
    use ApiResourceKind as K;
    let expected = [
        ("agent.v1.AgentCommandController", K::Agent),
        ("agent.v1.AgentQueryController", K::Agent),
        (
            "agentinstance.v1.AgentInstanceCommandController",
            K::AgentInstance,
        ),
        (
            "agentinstance.v1.AgentInstanceQueryController",
            K::AgentInstance,
        ),
        ("session.v1.SessionCommandController", K::Session),
        ("session.v1.SessionQueryController", K::Session),
        (
            "agentexecution.v1.AgentExecutionCommandController",
            K::AgentExecution,
        ),
        (
            "agentexecution.v1.AgentExecutionQueryController",
            K::AgentExecution,
        ),
        (
            "environment.v1.EnvironmentCommandController",
            K::Environment,
        ),
        ("environment.v1.EnvironmentQueryController", K::Environment),
        (
            "executioncontext.v1.ExecutionContextCommandController",
            K::ExecutionContext,
        ),
        (
            "executioncontext.v1.ExecutionContextQueryController",
            K::ExecutionContext,
        ),
        ("skill.v1.SkillCommandController", K::Skill),
        ("skill.v1.SkillQueryController", K::Skill),
        ("workflow.v1.WorkflowCommandController", K::Workflow),
        ("workflow.v1.WorkflowQueryController", K::Workflow),
        (
            "workflowinstance.v1.WorkflowInstanceCommandController",
            K::WorkflowInstance,
        ),
        (
            "workflowinstance.v1.WorkflowInstanceQueryController",
            K::WorkflowInstance,
        ),
        (
            "workflowexecution.v1.WorkflowExecutionCommandController",
            K::WorkflowExecution,
        ),
        (
            "workflowexecution.v1.WorkflowExecutionQueryController",
            K::WorkflowExecution,
        ),
        ("mcpserver.v1.McpServerCommandController", K::McpServer),
        ("mcpserver.v1.McpServerQueryController", K::McpServer),
    ];
    let registry = KindRegistry::global();
    for (service, kind) in expected {
        let service = format!("ai.stigmer.agentic.{service}");
        assert_eq!(registry.kind_of_service(&service), Some(kind), "{service}");
        for method in DESCRIPTOR_POOL
            .get_service_by_name(&service)
            .unwrap_or_else(|| panic!("{service} is described"))
            .methods()
        {
            let path = format!("/{service}/{}", method.name());
            assert_eq!(registry.kind_of_path(&path), Some(kind), "{path}");
        }
    }
    assert_eq!(registry.services().count(), expected.len());

    let runner = "ai.stigmer.agentic.workflowrunner.v1.WorkflowRunnerServiceController";
    assert_eq!(registry.kind_of_service(runner), None);
    assert_eq!(
        registry.kind_of_path(&format!("/{runner}/executeAsync")),
        None
    );
    assert_eq!(
        registry.kind_of_path("ai.stigmer.agentic.agent.v1.AgentQueryController"),
        None
    );
}

mod round_trip {
    //! One populated message per package: prost encodes and decodes it
    //! unchanged, and the embedded descriptor decodes the same bytes into a
    //! dynamic message that knows every field and re-encodes identically.

    use std::collections::HashMap;

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

    use super::*;

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
                env_placeholders: HashMap::from([(
                    "TOKEN".to_owned(),
                    "${GITHUB_TOKEN}".to_owned(),
                )]),
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
}

/// Decodes the raw embedded bytes afresh, so the checks below prove the
/// options are in [`FILE_DESCRIPTOR_SET`] itself.
fn fresh_pool() -> DescriptorPool {
    DescriptorPool::decode(FILE_DESCRIPTOR_SET).unwrap()
}

#[test]
fn is_expression_option_survives_on_for_task_in() {
    let pool = fresh_pool();
    let is_expression = pool
        .get_extension_by_name("ai.stigmer.commons.apiresource.is_expression")
        .unwrap();
    let for_task = pool
        .get_message_by_name("ai.stigmer.agentic.workflow.v1.tasks.ForTaskConfig")
        .unwrap();
    let flag = |field: &str| {
        let options = for_task.get_field_by_name(field).unwrap().options();
        options.has_extension(&is_expression)
            && options.get_extension(&is_expression).as_bool() == Some(true)
    };
    assert!(flag("in"));
    assert!(!flag("each"), "only expression fields carry the option");

    let marked: BTreeSet<String> = pool
        .all_messages()
        .flat_map(|message| message.fields().collect::<Vec<_>>())
        .filter(|field| {
            let options = field.options();
            options.has_extension(&is_expression)
                && options.get_extension(&is_expression).as_bool() == Some(true)
        })
        .map(|field| field.full_name().to_owned())
        .collect();
    let tasks = "ai.stigmer.agentic.workflow.v1.tasks";
    assert_eq!(
        marked,
        BTreeSet::from([
            format!("{tasks}.AgentCallTaskConfig.message"),
            format!("{tasks}.ForTaskConfig.in"),
            format!("{tasks}.HttpEndpoint.uri"),
            format!("{tasks}.RaiseTaskConfig.error"),
            format!("{tasks}.RaiseTaskConfig.message"),
        ])
    );
}

#[test]
fn rpc_authorization_options_survive_on_agent_create() {
    let pool = fresh_pool();
    let config = pool
        .get_extension_by_name("ai.stigmer.iam.iampolicy.v1.rpcauthorization.config")
        .unwrap();
    let method = |name: &str| {
        pool.get_service_by_name("ai.stigmer.agentic.agent.v1.AgentCommandController")
            .unwrap()
            .methods()
            .find(|method| method.name() == name)
            .unwrap()
    };

    let options = method("create").options();
    assert!(options.has_extension(&config));
    let create: RpcAuthorizationConfig = options
        .get_extension(&config)
        .as_message()
        .unwrap()
        .transcode_to()
        .unwrap();
    assert_eq!(
        create,
        RpcAuthorizationConfig {
            permission: ApiResourceIamPermission::CanCreateAgent as i32,
            resource_kind: ApiResourceKind::Organization as i32,
            field_path: "metadata.org".to_owned(),
            error_msg: "unauthorized to create agent in this organization".to_owned(),
            ..Default::default()
        }
    );

    assert!(
        !method("apply").options().has_extension(&config),
        "apply carries no authorization option"
    );
}

#[test]
fn service_kind_option_survives_in_the_raw_descriptor_set() {
    let pool = fresh_pool();
    let option = pool
        .get_extension_by_name("ai.stigmer.commons.apiresource.api_resource_kind")
        .unwrap();
    let options = pool
        .get_service_by_name("ai.stigmer.agentic.skill.v1.SkillQueryController")
        .unwrap()
        .options();
    assert_eq!(
        options.get_extension(&option).as_enum_number(),
        Some(ApiResourceKind::Skill as i32)
    );
}
