//! Agent and AgentInstance over the network against the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::agentic::agentinstance::v1::agent_instance_command_controller_client::AgentInstanceCommandControllerClient;
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient;
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceId, AgentInstanceSpec, GetAgentInstancesByAgentRequest,
};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceReference};
use stigmer_api::{ApiResourceKind, Resource};
use tonic::Code;

use common::fixtures;

fn agent(name: &str) -> Agent {
    fixtures::agent(name, "You review pull requests.")
}

#[tokio::test]
async fn agent_create_makes_its_default_instance_through_the_instance_service() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut agents = AgentCommandControllerClient::new(channel.clone());
    let mut instances = AgentInstanceQueryControllerClient::new(channel.clone());

    let created = agents
        .create(agent("Code Reviewer"))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("agt-"));
    assert_eq!(created.slug(), "code-reviewer");
    let default_id = created.status.as_ref().unwrap().default_instance_id.clone();
    assert!(
        default_id.starts_with("ain-"),
        "default instance recorded: {created:?}"
    );

    let instance = instances
        .get(AgentInstanceId {
            value: default_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(instance.slug(), "code-reviewer-default");
    assert_eq!(instance.spec.as_ref().unwrap().agent_id, created.id());

    let listed = instances
        .get_by_agent(GetAgentInstancesByAgentRequest {
            agent_id: created.id().into(),
            page_info: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 1);
    assert_eq!(listed.items[0].id(), default_id);

    // The nested create ran through every layer, as the system.
    let log = server.log();
    assert!(
        log.lines()
            .any(|l| l.contains("AgentInstanceCommandController/create") && l.contains("system")),
        "nested call not logged with the system identity:\n{log}"
    );
}

#[tokio::test]
async fn error_codes_of_the_agent_rpcs() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut agents = AgentCommandControllerClient::new(channel.clone());
    let mut query = AgentQueryControllerClient::new(channel.clone());
    let mut instances = AgentInstanceCommandControllerClient::new(channel.clone());

    let mut invalid = agent("Short");
    invalid.spec.as_mut().unwrap().instructions = "too short".into();
    let err = agents.create(invalid).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("spec.instructions"),
        "{}",
        err.message()
    );

    agents.create(agent("Twice")).await.unwrap();
    let err = agents.create(agent("Twice")).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{}", err.message());

    let err = query
        .get(AgentId {
            value: "agt-missing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let reference = ApiResourceReference {
        org: "local".into(),
        slug: "twice".into(),
        kind: ApiResourceKind::Agent as i32,
        ..Default::default()
    };
    assert_eq!(
        query
            .get_by_reference(reference)
            .await
            .unwrap()
            .into_inner()
            .slug(),
        "twice"
    );

    let orphan = AgentInstance {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "AgentInstance".into(),
        metadata: Some(ApiResourceMetadata {
            name: "orphan".into(),
            ..Default::default()
        }),
        spec: Some(AgentInstanceSpec {
            agent_id: "agt-missing".into(),
            ..Default::default()
        }),
        status: None,
    };
    let err = instances.create(orphan).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{}", err.message());
}

#[tokio::test]
async fn failed_default_instance_leaves_no_agent_behind() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut agents = AgentCommandControllerClient::new(channel.clone());
    let mut query = AgentQueryControllerClient::new(channel.clone());
    let first = agents.create(agent("Stale")).await.unwrap().into_inner();
    // Free the agent's slug but keep its `stale-default` instance: the next
    // create of "Stale" must fail on the instance and leave nothing.
    agents
        .delete(AgentId {
            value: first.id().into(),
        })
        .await
        .unwrap();
    let err = agents.create(agent("Stale")).await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "{}", err.message());
    assert!(
        err.message().contains("default instance"),
        "{}",
        err.message()
    );
    let reference = ApiResourceReference {
        org: "local".into(),
        slug: "stale".into(),
        ..Default::default()
    };
    assert_eq!(
        query.get_by_reference(reference).await.unwrap_err().code(),
        Code::NotFound,
        "no half-made agent"
    );
}

#[tokio::test]
async fn apply_creates_then_updates() {
    let server = common::Server::start().await;
    let mut agents = AgentCommandControllerClient::new(server.channel().await);
    let created = agents.apply(agent("Applied")).await.unwrap().into_inner();
    let mut changed = agent("Applied");
    changed.spec.as_mut().unwrap().description = "now described".into();
    let updated = agents.apply(changed).await.unwrap().into_inner();
    assert_eq!(updated.id(), created.id());
    assert_eq!(updated.spec.unwrap().description, "now described");
    assert_eq!(
        updated.status.unwrap().default_instance_id,
        created.status.unwrap().default_instance_id,
        "status survives updates"
    );
}
