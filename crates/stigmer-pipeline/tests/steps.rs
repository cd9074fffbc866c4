//! The reusable steps over a real SQLite store, including the upstream
//! behaviours we deliberately fix (org-scoped slugs, ALREADY_EXISTS, kept
//! created_at, immutable owner scope, no lost updates).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use stigmer_api::agentic::agent::v1::{Agent, AgentId, AgentSpec, AgentStatus};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceReference};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_pipeline::index::{INDEX_VERSION, index_stored};
use stigmer_pipeline::steps::*;
use stigmer_pipeline::{Actor, Pipeline, RequestContext};
use stigmer_store::{SqliteOptions, SqliteStore};
use tonic::Code;

async fn store() -> (SharedStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(
        SqliteOptions::new(dir.path().join("t.db")).indexer(INDEX_VERSION, index_stored),
    )
    .await
    .unwrap();
    (Arc::new(store), dir)
}

fn agent(name: &str, org: &str) -> Agent {
    Agent {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Agent".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: org.into(),
            owner_scope: 2,
            ..Default::default()
        }),
        spec: Some(AgentSpec {
            instructions: "Answer questions politely.".into(),
            ..Default::default()
        }),
        status: Some(AgentStatus {
            default_instance_id: "client-made-this-up".into(),
            ..Default::default()
        }),
    }
}

fn create(store: &SharedStore) -> Pipeline<Agent> {
    Pipeline::new("agent.create")
        .step(ResolveSlug::<Agent>::new())
        .step(CheckDuplicate::new(store.clone()))
        .step(BuildNewState::<Agent>::new())
        .step(Persist::new(store.clone()))
}

fn update(store: &SharedStore) -> Pipeline<Agent> {
    Pipeline::new("agent.update")
        .step(ResolveSlug::<Agent>::new())
        .step(LoadExisting::new(store.clone()))
        .step(BuildUpdateState::<Agent>::new())
        .step(Persist::new(store.clone()))
}

async fn run_create(
    store: &SharedStore,
    input: Agent,
    actor: &str,
) -> Result<Agent, tonic::Status> {
    let mut ctx = RequestContext::new(input, Actor { id: actor.into() });
    create(store).run(&mut ctx).await?;
    Ok(ctx.new_state)
}

async fn run_update(
    store: &SharedStore,
    input: Agent,
    actor: &str,
) -> Result<Agent, tonic::Status> {
    let mut ctx = RequestContext::new(input, Actor { id: actor.into() });
    update(store).run(&mut ctx).await?;
    Ok(ctx.new_state)
}

#[tokio::test]
async fn create_assigns_id_slug_envelope_and_audit_and_drops_client_status() {
    let (store, _dir) = store().await;
    let created = run_create(&store, agent("My Agent", "acme"), "alice")
        .await
        .unwrap();
    assert!(created.id().starts_with("agt-"));
    assert_eq!(created.slug(), "my-agent");
    let status = created.status.as_ref().unwrap();
    assert_eq!(
        status.default_instance_id, "",
        "client-supplied status is discarded"
    );
    let audit = created.audit().unwrap().spec_audit.as_ref().unwrap();
    assert_eq!(audit.created_by.as_ref().unwrap().id, "alice");
    assert_eq!(audit.event, "created");
    let stored = store
        .get(ApiResourceKind::Agent, created.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decode_record::<Agent>(&stored).unwrap(), created);
}

#[tokio::test]
async fn duplicate_slug_is_already_exists_but_other_orgs_may_reuse_it() {
    let (store, _dir) = store().await;
    let first = run_create(&store, agent("Helper", "acme"), "a")
        .await
        .unwrap();
    let err = run_create(&store, agent("helper", "acme"), "a")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    assert!(
        err.message().contains("slug 'helper'") && err.message().contains(first.id()),
        "{}",
        err.message()
    );
    // Upstream made slugs global per kind; ours are per org (decision 2).
    run_create(&store, agent("Helper", "globex"), "a")
        .await
        .unwrap();
}

#[tokio::test]
async fn create_naming_an_existing_id_is_already_exists_not_an_overwrite() {
    let (store, _dir) = store().await;
    let first = run_create(&store, agent("One", "acme"), "a").await.unwrap();
    let mut hijack = agent("Two", "acme");
    hijack.metadata_mut().id = first.id().to_owned();
    let err = run_create(&store, hijack, "a").await.unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);
    let stored: Agent = decode_record(
        &store
            .get(ApiResourceKind::Agent, first.id())
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored.metadata.unwrap().name, "One");
}

#[tokio::test]
async fn name_without_letters_is_invalid_argument_naming_the_field() {
    let (store, _dir) = store().await;
    let err = run_create(&store, agent("!!!", "acme"), "a")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("metadata.name"), "{}", err.message());
    assert_eq!(
        err.metadata().get("x-stigmer-failed-step").unwrap(),
        "resolve_slug"
    );
}

#[tokio::test]
async fn update_by_name_keeps_identity_scope_status_and_created_at() {
    let (store, _dir) = store().await;
    let created = run_create(&store, agent("Keeper", "acme"), "alice")
        .await
        .unwrap();
    let mut by_name = agent("Keeper", "acme");
    by_name.spec.as_mut().unwrap().description = "first edit".into();
    let updated = run_update(&store, by_name, "bob").await.unwrap();
    assert_eq!(updated.id(), created.id(), "found by slug without an id");
    assert_eq!(updated.spec.as_ref().unwrap().description, "first edit");

    let mut change = agent("Keeper", "other-org");
    change.metadata_mut().id = created.id().to_owned();
    change.metadata_mut().owner_scope = 1;
    change.spec.as_mut().unwrap().description = "new description".into();
    let updated = run_update(&store, change, "bob").await.unwrap();
    assert_eq!(updated.org(), "acme", "org is immutable");
    assert_eq!(
        updated.metadata.as_ref().unwrap().owner_scope,
        2,
        "owner scope is immutable"
    );
    assert_eq!(
        updated.spec.as_ref().unwrap().description,
        "new description"
    );
    let spec_audit = updated.audit().unwrap().spec_audit.clone().unwrap();
    let original = created.audit().unwrap().spec_audit.clone().unwrap();
    assert_eq!(spec_audit.created_at, original.created_at);
    assert_eq!(spec_audit.created_by.unwrap().id, "alice");
    assert_eq!(spec_audit.updated_by.unwrap().id, "bob");
    assert_eq!(spec_audit.event, "updated");
}

#[tokio::test]
async fn update_of_a_missing_resource_is_not_found() {
    let (store, _dir) = store().await;
    let mut missing = agent("Ghost", "acme");
    missing.metadata_mut().id = "agt-nope".into();
    assert_eq!(
        run_update(&store, missing, "a").await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn concurrent_update_is_aborted_instead_of_lost() {
    let (store, _dir) = store().await;
    let created = run_create(&store, agent("Race", "acme"), "a")
        .await
        .unwrap();
    // Two updates read the same revision; the second to write must fail.
    let mut first = RequestContext::new(created.clone(), Actor::system());
    let mut second = RequestContext::new(created.clone(), Actor::system());
    let load = Pipeline::new("load")
        .step(LoadExisting::new(store.clone()))
        .step(BuildUpdateState::<Agent>::new());
    load.run(&mut first).await.unwrap();
    load.run(&mut second).await.unwrap();
    let persist: Pipeline<Agent> = Pipeline::new("persist").step(Persist::new(store.clone()));
    persist.run(&mut first).await.unwrap();
    let status: tonic::Status = persist.run(&mut second).await.unwrap_err().into();
    assert_eq!(status.code(), Code::Aborted);
}

#[tokio::test]
async fn get_by_reference_honours_org_and_kind() {
    let (store, _dir) = store().await;
    let acme = run_create(&store, agent("Shared", "acme"), "a")
        .await
        .unwrap();
    let globex = run_create(&store, agent("Shared", "globex"), "a")
        .await
        .unwrap();
    let get = |org: &str, kind: ApiResourceKind| {
        let store = store.clone();
        let reference = ApiResourceReference {
            org: org.into(),
            slug: "shared".into(),
            kind: kind as i32,
            ..Default::default()
        };
        async move {
            let mut ctx = RequestContext::with_state(reference, Agent::default(), Actor::system());
            Pipeline::new("ref")
                .step(LoadByReference::<Agent>::new(store))
                .run(&mut ctx)
                .await?;
            Ok::<_, tonic::Status>(ctx.new_state)
        }
    };
    assert_eq!(
        get("acme", ApiResourceKind::Agent).await.unwrap().id(),
        acme.id()
    );
    assert_eq!(
        get("globex", ApiResourceKind::Unknown).await.unwrap().id(),
        globex.id()
    );
    assert_eq!(
        get("initech", ApiResourceKind::Agent)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let mismatch = get("acme", ApiResourceKind::Skill).await.unwrap_err();
    assert_eq!(mismatch.code(), Code::InvalidArgument);
    assert_eq!(
        mismatch.message(),
        "kind mismatch: expected agent, got skill"
    );
}

#[tokio::test]
async fn get_and_delete_by_id() {
    let (store, _dir) = store().await;
    let created = run_create(&store, agent("Temp", "acme"), "a")
        .await
        .unwrap();
    let id = AgentId {
        value: created.id().into(),
    };
    let mut get = RequestContext::with_state(id.clone(), Agent::default(), Actor::system());
    Pipeline::new("get")
        .step(LoadTarget::<Agent>::new(store.clone()))
        .run(&mut get)
        .await
        .unwrap();
    assert_eq!(get.new_state, created);
    let mut delete = RequestContext::with_state(id.clone(), Agent::default(), Actor::system());
    Pipeline::new("delete")
        .step(DeleteResource::<Agent>::new(store.clone()))
        .run(&mut delete)
        .await
        .unwrap();
    assert_eq!(
        delete.new_state, created,
        "delete answers with the deleted resource"
    );
    let mut again = RequestContext::with_state(id, Agent::default(), Actor::system());
    let err: tonic::Status = Pipeline::new("get")
        .step(LoadTarget::<Agent>::new(store.clone()))
        .run(&mut again)
        .await
        .unwrap_err()
        .into();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(err.message(), format!("Agent not found: {}", created.id()));
}

#[tokio::test]
async fn lists_paginate_by_page_number_and_cursor() {
    let (store, _dir) = store().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            run_create(&store, agent(&format!("a{i}"), "acme"), "a")
                .await
                .unwrap()
                .id()
                .to_owned(),
        );
    }
    let page = |size: i32, token: &str| {
        let request = ListRequest {
            page_size: size,
            page_token: token.into(),
            ..Default::default()
        };
        let store = store.clone();
        async move { list_page::<Agent>(&store, &request).await }
    };
    let second = page(3, "2").await.unwrap();
    assert_eq!(second.total, 7);
    assert_eq!(second.total_pages, 3);
    assert_eq!(
        second
            .entries
            .iter()
            .map(|a| a.id().to_owned())
            .collect::<Vec<_>>(),
        ids[3..6]
    );
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let listed = page(3, &token).await.unwrap();
        seen.extend(listed.entries.iter().map(|a| a.id().to_owned()));
        match listed.next_page_token {
            Some(next) => token = next,
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(
        page(-1, "").await.unwrap_err().code(),
        Code::InvalidArgument
    );
    assert_eq!(
        page(3, "garbage").await.unwrap_err().code(),
        Code::InvalidArgument
    );
}
