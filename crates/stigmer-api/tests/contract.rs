//! The wire contract as a client built from the upstream protos sees it:
//! rpc paths, streaming shapes, the kind registry, and custom options that
//! survive in the embedded descriptor set (encodings: `round_trip.rs`).

// Tests fail loudly on broken assumptions; that is what unwrap is for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use prost_reflect::DescriptorPool;
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

/// Our declared extensions: rpcs upstream does not have, in our own
/// package (`ai.stigmer.extensions.v1`). They are additive — upstream
/// clients never call them — so the upstream contract above must still
/// hold exactly for every other package. Anything new here is a deliberate
/// decision, not drift.
const EXTENSION_PACKAGE: &str = "ai.stigmer.extensions.v1";
const EXTENSION_PATHS: [&str; 1] = ["/ai.stigmer.extensions.v1.ResourceQueryController/list"];

/// Paths of the upstream packages (extensions left out).
fn rpc_paths(filter: impl Fn(&prost_reflect::MethodDescriptor) -> bool) -> Vec<String> {
    all_rpc_paths(|method| {
        method.parent_service().package_name() != EXTENSION_PACKAGE && filter(method)
    })
}

fn all_rpc_paths(filter: impl Fn(&prost_reflect::MethodDescriptor) -> bool) -> Vec<String> {
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
fn the_only_other_paths_are_the_declared_extensions_in_their_own_package() {
    let extra: Vec<String> =
        all_rpc_paths(|method| method.parent_service().package_name() == EXTENSION_PACKAGE);
    assert_eq!(extra, EXTENSION_PATHS);
    assert_eq!(
        all_rpc_paths(|_| true).len(),
        EXPECTED_PATHS.len() + EXTENSION_PATHS.len(),
        "no rpc outside the upstream packages and the extension package"
    );
    let extension_kind =
        KindRegistry::global().kind_of_service("ai.stigmer.extensions.v1.ResourceQueryController");
    assert_eq!(
        extension_kind, None,
        "it serves every kind, so it names none"
    );
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
        stigmer_api::ai::stigmer::extensions::v1::resource_query_controller_server::SERVICE_NAME,
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
