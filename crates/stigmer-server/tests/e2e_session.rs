//! Session over the network against the real binary: its instance checked
//! through the AgentInstance service, lists paginated by page number and
//! cursor, `listByAgent` by instance id and by agent id (upstream always
//! answered empty lists).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use stigmer_api::Resource;
use stigmer_api::agentic::agentinstance::v1::agent_instance_command_controller_client::AgentInstanceCommandControllerClient;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::agentic::session::v1::session_command_controller_client::SessionCommandControllerClient;
use stigmer_api::agentic::session::v1::session_query_controller_client::SessionQueryControllerClient;
use stigmer_api::agentic::session::v1::{
    ListSessionsByAgentRequest, ListSessionsRequest, Session, SessionId, SessionList,
};
use tonic::Code;
use tonic::transport::Channel;

use common::fixtures;

const NEXT_PAGE: &str = "x-next-page-token";

fn session(name: &str, instance_id: &str) -> Session {
    fixtures::session(name, instance_id, &format!("about {name}"))
}

/// An agent and the id of its default instance.
async fn agent_with_instance(channel: &Channel, name: &str) -> (String, String) {
    let agent =
        fixtures::create_agent(channel, fixtures::agent(name, "You answer questions.")).await;
    let instance_id = agent.status.as_ref().unwrap().default_instance_id.clone();
    (agent.id().to_owned(), instance_id)
}

fn names(list: &SessionList) -> Vec<&str> {
    list.entries
        .iter()
        .map(|s| s.metadata.as_ref().unwrap().name.as_str())
        .collect()
}

#[tokio::test]
async fn session_lifecycle_and_its_failure_codes() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut commands = SessionCommandControllerClient::new(channel.clone());
    let mut queries = SessionQueryControllerClient::new(channel.clone());
    let (_, instance_id) = agent_with_instance(&channel, "Helper").await;

    let created = commands
        .create(session("Morning Chat", &instance_id))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("ses-"));
    assert_eq!(created.slug(), "morning-chat");

    // The instance must exist; an empty one fails validation.
    let missing = commands
        .create(session("Orphan", "ain-doesnotexist"))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::FailedPrecondition, "{missing:?}");
    let empty = commands.create(session("Empty", "")).await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    let duplicate = commands
        .create(session("Morning Chat", &instance_id))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    // Update keeps id and slug; apply of an existing name updates it.
    let mut changed = session("Morning Chat", &instance_id);
    changed.metadata.as_mut().unwrap().id = created.id().into();
    changed.spec.as_mut().unwrap().thread_id = "thread-7".into();
    let updated = commands.update(changed).await.unwrap().into_inner();
    assert_eq!(updated.id(), created.id());
    assert_eq!(updated.spec.as_ref().unwrap().thread_id, "thread-7");
    let mut reapplied = session("Morning Chat", &instance_id);
    reapplied.spec.as_mut().unwrap().sandbox_id = "sbx-1".into();
    let applied = commands.apply(reapplied).await.unwrap().into_inner();
    assert_eq!(applied.id(), created.id());
    assert_eq!(applied.spec.as_ref().unwrap().sandbox_id, "sbx-1");
    let mut unknown = session("Nobody", &instance_id);
    unknown.metadata.as_mut().unwrap().id = "ses-unknown".into();
    assert_eq!(
        commands.update(unknown).await.unwrap_err().code(),
        Code::NotFound
    );

    let id = SessionId {
        value: created.id().into(),
    };
    let read = queries.get(id.clone()).await.unwrap().into_inner();
    assert_eq!(read.spec.as_ref().unwrap().sandbox_id, "sbx-1");
    let deleted = commands.delete(id.clone()).await.unwrap().into_inner();
    assert_eq!(deleted.id(), created.id());
    assert_eq!(
        queries.get(id.clone()).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        commands.delete(id).await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn lists_paginate_by_page_number_and_cursor_and_by_agent() {
    let server = common::Server::start().await;
    let channel = server.channel().await;
    let mut commands = SessionCommandControllerClient::new(channel.clone());
    let mut queries = SessionQueryControllerClient::new(channel.clone());
    let (agent_id, default_instance) = agent_with_instance(&channel, "Planner").await;
    let second_instance = AgentInstanceCommandControllerClient::new(channel.clone())
        .create(AgentInstance {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "AgentInstance".into(),
            metadata: fixtures::local_metadata("Planner Staging"),
            spec: Some(AgentInstanceSpec {
                agent_id: agent_id.clone(),
                ..Default::default()
            }),
            status: None,
        })
        .await
        .unwrap()
        .into_inner();
    let (_, other_agents_instance) = agent_with_instance(&channel, "Other").await;

    for (name, instance) in [
        ("s1", &default_instance),
        ("s2", &default_instance),
        ("s3", &second_instance.id().to_owned()),
        ("s4", &default_instance),
        ("s5", &other_agents_instance),
    ] {
        commands.create(session(name, instance)).await.unwrap();
    }

    // Page numbers.
    let page = |page_token: &str| ListSessionsRequest {
        page_size: 2,
        page_token: page_token.into(),
        tags: vec![],
    };
    let second = queries.list(page("2")).await.unwrap().into_inner();
    assert_eq!(names(&second), ["s3", "s4"]);
    assert_eq!(second.total_pages, 3);

    // Cursors from the response metadata walk every session exactly once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let response = queries.list(page(&token)).await.unwrap();
        let next = response
            .metadata()
            .get(NEXT_PAGE)
            .map(|v| v.to_str().unwrap().to_owned());
        seen.extend(names(response.get_ref()).into_iter().map(String::from));
        match next {
            Some(next) => token = next,
            None => break,
        }
    }
    assert_eq!(seen, ["s1", "s2", "s3", "s4", "s5"]);
    let zero = queries.list(page("0")).await.unwrap_err();
    assert_eq!(zero.code(), Code::InvalidArgument);

    // By instance id: that instance's sessions only.
    let by_instance = queries
        .list_by_agent(ListSessionsByAgentRequest {
            agent_id: default_instance.clone(),
            page_size: 0,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(&by_instance), ["s1", "s2", "s4"]);

    // By agent id: every instance of the agent, paginated the same way.
    let by_agent = |page_token: &str| ListSessionsByAgentRequest {
        agent_id: agent_id.clone(),
        page_size: 3,
        page_token: page_token.into(),
    };
    let first = queries.list_by_agent(by_agent("")).await.unwrap();
    let cursor = first
        .metadata()
        .get(NEXT_PAGE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(names(first.get_ref()), ["s1", "s2", "s3"]);
    assert_eq!(first.get_ref().total_pages, 2);
    let rest = queries.list_by_agent(by_agent(&cursor)).await.unwrap();
    assert_eq!(names(rest.get_ref()), ["s4"]);
    assert!(rest.metadata().get(NEXT_PAGE).is_none());
    let numbered = queries
        .list_by_agent(by_agent("2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names(&numbered), ["s4"]);

    let empty_id = queries
        .list_by_agent(ListSessionsByAgentRequest::default())
        .await
        .unwrap_err();
    assert_eq!(empty_id.code(), Code::InvalidArgument);
}
