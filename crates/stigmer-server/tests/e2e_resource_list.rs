//! Our list extension (`ai.stigmer.extensions.v1.ResourceQueryController`)
//! over the network against the real binary: pages of any stored kind,
//! by page number and by cursor, filtered by org, secrets opened, and bad
//! requests refused with INVALID_ARGUMENT.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use prost::Message;
use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::environment::v1::environment_command_controller_client::EnvironmentCommandControllerClient;
use stigmer_api::agentic::environment::v1::{Environment, EnvironmentSpec, EnvironmentValue};
use stigmer_api::ai::stigmer::extensions::v1::resource_query_controller_client::ResourceQueryControllerClient;
use stigmer_api::ai::stigmer::extensions::v1::{ListResourcesRequest, ListResourcesResponse};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_api::{ApiResourceKind, Resource};
use tonic::Code;
use tonic::transport::Channel;

fn metadata(name: &str, org: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        name: name.into(),
        org: org.into(),
        owner_scope: 2,
        ..Default::default()
    })
}

fn agent(name: &str, org: &str) -> Agent {
    Agent {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Agent".into(),
        metadata: metadata(name, org),
        spec: Some(AgentSpec {
            instructions: "You answer questions about the weather.".into(),
            ..Default::default()
        }),
        status: None,
    }
}

fn request(kind: ApiResourceKind, org: &str, page_size: i32, token: &str) -> ListResourcesRequest {
    ListResourcesRequest {
        kind: kind as i32,
        org: org.into(),
        page_size,
        page_token: token.into(),
    }
}

fn decoded<M: Message + Default>(response: &ListResourcesResponse, full_name: &str) -> Vec<M> {
    response
        .items
        .iter()
        .map(|any| {
            assert_eq!(any.type_url, format!("type.googleapis.com/{full_name}"));
            M::decode(any.value.as_slice()).unwrap()
        })
        .collect()
}

fn agent_names(response: &ListResourcesResponse) -> Vec<String> {
    decoded::<Agent>(response, "ai.stigmer.agentic.agent.v1.Agent")
        .iter()
        .map(|a| a.metadata().unwrap().name.clone())
        .collect()
}

async fn list(
    client: &mut ResourceQueryControllerClient<Channel>,
    request: ListResourcesRequest,
) -> ListResourcesResponse {
    client.list(request).await.unwrap().into_inner()
}

#[tokio::test]
async fn agents_list_in_pages_by_number_and_cursor_within_an_org() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut agents = AgentCommandControllerClient::new(channel.clone());
    let mut resources = ResourceQueryControllerClient::new(channel);
    let local: Vec<String> = (1..=5).map(|n| format!("Agent {n}")).collect();
    for (n, name) in local.iter().enumerate() {
        agents.create(agent(name, "local")).await.unwrap();
        if n < 2 {
            agents
                .create(agent(&format!("Acme {n}"), "acme"))
                .await
                .unwrap();
        }
    }

    // Page numbers, oldest first; the org's own agents only.
    let first = list(
        &mut resources,
        request(ApiResourceKind::Agent, "local", 2, ""),
    )
    .await;
    assert_eq!(agent_names(&first), ["Agent 1", "Agent 2"]);
    assert_eq!(first.total_pages, 3);
    let third = list(
        &mut resources,
        request(ApiResourceKind::Agent, "local", 2, "3"),
    )
    .await;
    assert_eq!(agent_names(&third), ["Agent 5"]);
    assert!(
        third.next_page_token.is_empty(),
        "the last page has no next"
    );

    // Cursors walk the same order without gaps or repeats.
    let mut walked = Vec::new();
    let mut token = String::new();
    loop {
        let page = list(
            &mut resources,
            request(ApiResourceKind::Agent, "local", 2, &token),
        )
        .await;
        walked.extend(agent_names(&page));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(walked, local);

    let acme = list(
        &mut resources,
        request(ApiResourceKind::Agent, "acme", 0, ""),
    )
    .await;
    assert_eq!(agent_names(&acme), ["Acme 0", "Acme 1"]);
    let everyone = list(&mut resources, request(ApiResourceKind::Agent, "", 0, "")).await;
    assert_eq!(everyone.items.len(), 7);
    let nobody = list(
        &mut resources,
        request(ApiResourceKind::Agent, "other", 0, ""),
    )
    .await;
    assert!(nobody.items.is_empty());
    assert_eq!(nobody.total_pages, 0);

    // Another kind through the same rpc: every agent got a default instance.
    let instances = list(
        &mut resources,
        request(ApiResourceKind::AgentInstance, "local", 0, ""),
    )
    .await;
    let instances: Vec<AgentInstance> = decoded(
        &instances,
        "ai.stigmer.agentic.agentinstance.v1.AgentInstance",
    );
    assert_eq!(instances.len(), 5);
    assert!(instances.iter().all(|i| i.id().starts_with("ain-")));
}

#[tokio::test]
async fn listed_environments_carry_their_secrets_opened() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let secret = "a-very-secret-password";
    EnvironmentCommandControllerClient::new(channel.clone())
        .create(Environment {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "Environment".into(),
            metadata: metadata("Staging", "local"),
            spec: Some(EnvironmentSpec {
                description: String::new(),
                data: HashMap::from([(
                    "DB_PASSWORD".to_owned(),
                    EnvironmentValue {
                        value: secret.into(),
                        is_secret: true,
                        ..Default::default()
                    },
                )]),
            }),
            status: None,
        })
        .await
        .unwrap();
    let mut resources = ResourceQueryControllerClient::new(channel);
    let page = list(
        &mut resources,
        request(ApiResourceKind::Environment, "local", 0, ""),
    )
    .await;
    let listed: Vec<Environment> = decoded(&page, "ai.stigmer.agentic.environment.v1.Environment");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].spec.as_ref().unwrap().data["DB_PASSWORD"].value,
        secret
    );
}

#[tokio::test]
async fn bad_kinds_and_page_sizes_are_invalid_arguments() {
    let server = common::Server::start().await;
    let mut resources = ResourceQueryControllerClient::new(server.channel().await);
    let cases = [
        (request(ApiResourceKind::Unknown, "local", 0, ""), "kind"),
        (
            ListResourcesRequest {
                kind: 9999,
                ..request(ApiResourceKind::Agent, "local", 0, "")
            },
            "kind",
        ),
        (
            request(ApiResourceKind::IamPolicy, "local", 0, ""),
            "iam_policy",
        ),
        (
            request(ApiResourceKind::Agent, "local", 1001, ""),
            "page_size",
        ),
        (
            request(ApiResourceKind::Agent, "local", -1, ""),
            "page_size",
        ),
        (request(ApiResourceKind::Agent, "local", 0, "0"), "page"),
    ];
    for (request, mentioned) in cases {
        let status = resources.list(request.clone()).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{request:?}");
        assert!(
            status.message().contains(mentioned),
            "{request:?}: {}",
            status.message()
        );
    }
}
