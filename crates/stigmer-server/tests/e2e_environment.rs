//! Environment, ExecutionContext and McpServer over the network against the
//! real binary. Secret values are encrypted at rest (ARCHITECTURE decision
//! 7; upstream stored them in plain text) and returned decrypted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;

use stigmer_api::ApiResourceKind;
use stigmer_api::Resource;
use stigmer_api::agentic::environment::v1::environment_command_controller_client::EnvironmentCommandControllerClient;
use stigmer_api::agentic::environment::v1::environment_query_controller_client::EnvironmentQueryControllerClient;
use stigmer_api::agentic::environment::v1::{Environment, EnvironmentSpec, EnvironmentValue};
use stigmer_api::agentic::executioncontext::v1::execution_context_command_controller_client::ExecutionContextCommandControllerClient;
use stigmer_api::agentic::executioncontext::v1::execution_context_query_controller_client::ExecutionContextQueryControllerClient;
use stigmer_api::agentic::executioncontext::v1::{
    ExecutionContext, ExecutionContextId, ExecutionContextSpec, ExecutionValue,
};
use stigmer_api::agentic::mcpserver::v1::mcp_server_command_controller_client::McpServerCommandControllerClient;
use stigmer_api::agentic::mcpserver::v1::mcp_server_query_controller_client::McpServerQueryControllerClient;
use stigmer_api::agentic::mcpserver::v1::{
    McpServer, McpServerSpec, StdioServerConfig, mcp_server_spec,
};
use stigmer_api::commons::apiresource::{
    ApiResourceDeleteInput, ApiResourceId, ApiResourceReference,
};
use tonic::Code;

use common::fixtures::{API_VERSION, metadata};

const PASSWORD: &str = "correct-horse-battery-staple";

fn environment(name: &str, password: &str) -> Environment {
    let data = HashMap::from([
        (
            "DB_PASSWORD".to_owned(),
            EnvironmentValue {
                value: password.into(),
                is_secret: true,
                description: "database password".into(),
            },
        ),
        (
            "DB_HOST".to_owned(),
            EnvironmentValue {
                value: "db.internal".into(),
                is_secret: false,
                ..Default::default()
            },
        ),
    ]);
    Environment {
        api_version: API_VERSION.into(),
        kind: "Environment".into(),
        metadata: metadata(name, 2),
        spec: Some(EnvironmentSpec {
            description: "staging".into(),
            data,
        }),
        status: None,
    }
}

fn value_of(environment: &Environment, key: &str) -> String {
    environment.spec.as_ref().unwrap().data[key].value.clone()
}

/// Every byte the server wrote under its data directory (database, WAL,
/// log), except the key file.
fn bytes_on_disk(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.file_name().unwrap() != "encryption.key" {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn environment_secrets_are_encrypted_at_rest_and_returned_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::Server::start_in(dir.path().to_path_buf(), &[]).await;
    let channel = server.channel().await;
    let mut commands = EnvironmentCommandControllerClient::new(channel.clone());
    let mut queries = EnvironmentQueryControllerClient::new(channel);

    let created = commands
        .create(environment("Staging", PASSWORD))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value_of(&created, "DB_PASSWORD"), PASSWORD);
    let id = ApiResourceId {
        value: created.id().into(),
    };
    let read = queries.get(id.clone()).await.unwrap().into_inner();
    assert_eq!(value_of(&read, "DB_PASSWORD"), PASSWORD);
    assert_eq!(value_of(&read, "DB_HOST"), "db.internal");
    assert!(read.spec.as_ref().unwrap().data["DB_PASSWORD"].is_secret);

    // A secret changed by update is sealed again; by reference it opens.
    let rotated = format!("{PASSWORD}-rotated");
    let updated = commands
        .apply(environment("Staging", &rotated))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.id(), created.id());
    assert_eq!(value_of(&updated, "DB_PASSWORD"), rotated);
    let by_reference = queries
        .get_by_reference(ApiResourceReference {
            org: "local".into(),
            slug: "staging".into(),
            kind: ApiResourceKind::Environment as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(value_of(&by_reference, "DB_PASSWORD"), rotated);

    let on_disk = bytes_on_disk(dir.path());
    assert!(
        contains(&on_disk, "db.internal"),
        "plain values are stored as they are"
    );
    assert!(
        !contains(&on_disk, PASSWORD),
        "a secret reached the disk or the log in clear"
    );
    let key_file = dir.path().join("encryption.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The generated key survives a restart; another key cannot open them.
    server.kill();
    let server = common::Server::start_in(dir.path().to_path_buf(), &[]).await;
    let mut queries = EnvironmentQueryControllerClient::new(server.channel().await);
    let reread = queries.get(id.clone()).await.unwrap().into_inner();
    assert_eq!(value_of(&reread, "DB_PASSWORD"), rotated);
    drop(server);
    let other_key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let server = common::Server::start_in(
        dir.path().to_path_buf(),
        &[("STIGMER_ENCRYPTION_KEY", other_key)],
    )
    .await;
    let mut queries = EnvironmentQueryControllerClient::new(server.channel().await);
    let wrong_key = queries.get(id.clone()).await.unwrap_err();
    assert_eq!(wrong_key.code(), Code::Internal);
    assert!(!wrong_key.message().contains(PASSWORD));
}

#[tokio::test]
async fn environment_failure_codes_and_delete() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut commands = EnvironmentCommandControllerClient::new(channel.clone());
    let mut queries = EnvironmentQueryControllerClient::new(channel);

    let created = commands
        .create(environment("Prod", PASSWORD))
        .await
        .unwrap()
        .into_inner();
    let mut platform = environment("Platform Wide", PASSWORD);
    platform.metadata.as_mut().unwrap().owner_scope = 1;
    assert_eq!(
        commands.create(platform).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    assert_eq!(
        commands
            .create(environment("Prod", "x"))
            .await
            .unwrap_err()
            .code(),
        Code::AlreadyExists
    );
    assert_eq!(
        queries
            .get(ApiResourceId {
                value: "env-missing".into()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let delete = ApiResourceDeleteInput {
        resource_id: created.id().into(),
        ..Default::default()
    };
    let deleted = commands.delete(delete.clone()).await.unwrap().into_inner();
    assert_eq!(
        value_of(&deleted, "DB_PASSWORD"),
        PASSWORD,
        "answered decrypted"
    );
    assert_eq!(
        commands.delete(delete).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        commands
            .delete(ApiResourceDeleteInput::default())
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
}

fn execution_context(name: &str, secret: &str) -> ExecutionContext {
    ExecutionContext {
        api_version: API_VERSION.into(),
        kind: "ExecutionContext".into(),
        metadata: metadata(name, 0),
        spec: Some(ExecutionContextSpec {
            execution_id: "aex-1".into(),
            data: HashMap::from([(
                "API_TOKEN".to_owned(),
                ExecutionValue {
                    value: secret.into(),
                    is_secret: true,
                },
            )]),
        }),
        status: None,
    }
}

#[tokio::test]
async fn execution_contexts_seal_secrets_and_apply_never_updates() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut commands = ExecutionContextCommandControllerClient::new(channel.clone());
    let mut queries = ExecutionContextQueryControllerClient::new(channel);

    let created = commands
        .apply(execution_context("Run Context", PASSWORD))
        .await
        .unwrap()
        .into_inner();
    let again = commands
        .apply(execution_context("Run Context", "other"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(
        again.message(),
        "ExecutionContext already exists: Run Context"
    );
    let mut no_execution = execution_context("No Execution", PASSWORD);
    no_execution.spec.as_mut().unwrap().execution_id.clear();
    assert_eq!(
        commands.create(no_execution).await.unwrap_err().code(),
        Code::InvalidArgument
    );

    let read = queries
        .get(ExecutionContextId {
            value: created.id().into(),
        })
        .await
        .unwrap()
        .into_inner();
    let secret = &read.spec.as_ref().unwrap().data["API_TOKEN"];
    assert_eq!((secret.value.as_str(), secret.is_secret), (PASSWORD, true));
    assert!(!contains(&bytes_on_disk(&server.data_dir), PASSWORD));

    let delete = ApiResourceDeleteInput {
        resource_id: created.id().into(),
        ..Default::default()
    };
    commands.delete(delete.clone()).await.unwrap();
    assert_eq!(
        commands.delete(delete).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        queries
            .get_by_reference(ApiResourceReference {
                slug: "run-context".into(),
                ..Default::default()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn mcp_servers_are_registered_with_the_standard_rpcs() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut commands = McpServerCommandControllerClient::new(channel.clone());
    let mut queries = McpServerQueryControllerClient::new(channel);
    let mcp = |command: &str| McpServer {
        api_version: API_VERSION.into(),
        kind: "McpServer".into(),
        metadata: metadata("GitHub Tools", 2),
        spec: Some(McpServerSpec {
            description: "GitHub over MCP".into(),
            server_type: Some(mcp_server_spec::ServerType::Stdio(StdioServerConfig {
                command: command.into(),
                ..Default::default()
            })),
            ..Default::default()
        }),
        status: None,
    };

    let created = commands
        .create(mcp("github-mcp"))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("mcp"), "{}", created.id());
    assert_eq!(
        commands.create(mcp("github-mcp")).await.unwrap_err().code(),
        Code::AlreadyExists
    );
    assert_eq!(
        commands.create(mcp("")).await.unwrap_err().code(),
        Code::InvalidArgument,
        "stdio command is required"
    );
    let applied = commands
        .apply(mcp("github-mcp-v2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(applied.id(), created.id());
    let by_reference = queries
        .get_by_reference(ApiResourceReference {
            org: "local".into(),
            slug: "github-tools".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let Some(mcp_server_spec::ServerType::Stdio(stdio)) =
        by_reference.spec.as_ref().unwrap().server_type.as_ref()
    else {
        panic!("stdio config lost: {by_reference:?}");
    };
    assert_eq!(stdio.command, "github-mcp-v2");

    let delete = ApiResourceDeleteInput {
        resource_id: created.id().into(),
        ..Default::default()
    };
    commands.delete(delete).await.unwrap();
    let id = ApiResourceId {
        value: created.id().into(),
    };
    assert_eq!(queries.get(id).await.unwrap_err().code(), Code::NotFound);
}
