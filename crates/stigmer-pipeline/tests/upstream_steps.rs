//! The upstream step tests of behavior §7.1 that `steps.rs` does not already
//! pin, one step at a time. Where ARCHITECTURE "Decisions" (or our typed
//! design) differs from upstream, the test asserts our behaviour and says
//! so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;

use stigmer_api::agentic::agent::v1::{Agent, AgentId, AgentSpec};
use stigmer_api::agentic::agentinstance::v1::AgentInstance;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::commons::apiresource::{
    ApiResourceAuditActor, ApiResourceAuditInfo, ApiResourceMetadata, ApiResourceReference,
};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_pipeline::index::{INDEX_VERSION, Indexed, index_stored};
use stigmer_pipeline::steps::*;
use stigmer_pipeline::{Actor, ApiError, Pipeline, RequestContext, Step};
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

fn agent(name: &str, org: &str, scope: i32) -> Agent {
    Agent {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Agent".into(),
        metadata: Some(ApiResourceMetadata {
            name: name.into(),
            org: org.into(),
            owner_scope: scope,
            ..Default::default()
        }),
        spec: Some(AgentSpec {
            instructions: "Answer questions politely.".into(),
            description: "original".into(),
            ..Default::default()
        }),
        status: None,
    }
}

fn org_agent(name: &str) -> Agent {
    agent(name, "acme", 2)
}

fn ctx<R: Clone>(input: R) -> RequestContext<R, R> {
    RequestContext::new(input, Actor { id: "alice".into() })
}

/// Runs one step alone, as the upstream step tests do.
async fn run_step<I: Send, R: Send>(
    step: impl Step<I, R> + 'static,
    ctx: &mut RequestContext<I, R>,
) -> Result<(), tonic::Status> {
    Pipeline::new("test")
        .step(step)
        .run(ctx)
        .await
        .map_err(Into::into)
}

/// Creates through the standard create steps and answers the stored state.
async fn created<R: Indexed>(store: &SharedStore, resource: R) -> R {
    let mut ctx = ctx(resource);
    Pipeline::new("create")
        .step(ResolveSlug::<R>::new())
        .step(CheckDuplicate::new(store.clone()))
        .step(BuildNewState::<R>::new())
        .step(Persist::new(store.clone()))
        .run(&mut ctx)
        .await
        .unwrap();
    ctx.new_state
}

async fn stored_agent(store: &SharedStore, id: &str) -> Agent {
    decode_record(
        &store
            .get(ApiResourceKind::Agent, id)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap()
}

fn audit_info(by: &str, seconds: i64, event: &str) -> ApiResourceAuditInfo {
    let actor = ApiResourceAuditActor {
        id: by.into(),
        avatar: String::new(),
    };
    let at = prost_types::Timestamp { seconds, nanos: 0 };
    ApiResourceAuditInfo {
        created_by: Some(actor.clone()),
        created_at: Some(at),
        updated_by: Some(actor),
        updated_at: Some(at),
        event: event.into(),
    }
}

#[test]
fn every_step_has_its_name() {
    let names = Pipeline::<Agent>::new("agent.update")
        .step(ValidateState::<Agent>::new())
        .step(ResolveSlug::<Agent>::new())
        .step(BuildNewState::<Agent>::new())
        .step(BuildUpdateState::<Agent>::new())
        .step_names();
    assert_eq!(
        names,
        [
            "validate_state",
            "resolve_slug",
            "build_new_state",
            "build_update_state"
        ]
    );
}

// --- ResolveSlug ---------------------------------------------------------

#[tokio::test]
async fn resolve_slug_keeps_a_client_slug_verbatim() {
    let mut input = org_agent("My Agent");
    input.metadata_mut().slug = "Custom_Slug".into();
    let mut ctx = ctx(input);
    run_step(ResolveSlug::<Agent>::new(), &mut ctx)
        .await
        .unwrap();
    assert_eq!(ctx.new_state.slug(), "Custom_Slug", "not normalised");
}

#[tokio::test]
async fn resolve_slug_of_an_empty_name_is_invalid_argument() {
    for name in ["", "   "] {
        let mut ctx = ctx(org_agent(name));
        let err = run_step(ResolveSlug::<Agent>::new(), &mut ctx)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{name:?}");
        assert!(err.message().contains("metadata.name is required"));
    }
    // Missing metadata: no name either (the RPC layer rejects it first).
    let mut no_metadata = org_agent("x");
    no_metadata.metadata = None;
    let err = run_step(ResolveSlug::<Agent>::new(), &mut ctx(no_metadata))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn long_similar_names_get_distinct_whole_slugs() {
    let stem = "a very long agent name that goes on and on ".repeat(3);
    let mut slugs = HashSet::new();
    for suffix in ["one", "two"] {
        let mut ctx = ctx(org_agent(&format!("{stem}{suffix}")));
        run_step(ResolveSlug::<Agent>::new(), &mut ctx)
            .await
            .unwrap();
        assert!(ctx.new_state.slug().ends_with(suffix));
        slugs.insert(ctx.new_state.slug().to_owned());
    }
    assert_eq!(slugs.len(), 2);
}

// --- BuildNewState -------------------------------------------------------

#[tokio::test]
async fn build_new_state_ids_have_the_kind_prefix_and_one_dash() {
    let mut agent_ctx = ctx(org_agent("A"));
    run_step(BuildNewState::<Agent>::new(), &mut agent_ctx)
        .await
        .unwrap();
    let id = agent_ctx.new_state.id();
    assert!(id.starts_with("agt-"), "{id}");
    assert_eq!(id.matches('-').count(), 1, "suffix has no dashes: {id}");
    assert_eq!(id.len(), "agt-".len() + 26, "26-char ULID: {id}");
    assert_eq!(id, id.to_lowercase());

    let mut instance_ctx = ctx(AgentInstance::default());
    run_step(BuildNewState::<AgentInstance>::new(), &mut instance_ctx)
        .await
        .unwrap();
    assert!(instance_ctx.new_state.id().starts_with("ain-"));
    let mut workflow_ctx = ctx(Workflow::default());
    run_step(BuildNewState::<Workflow>::new(), &mut workflow_ctx)
        .await
        .unwrap();
    assert!(workflow_ctx.new_state.id().starts_with("wfl-"));
}

#[tokio::test]
async fn build_new_state_ids_are_unique() {
    let mut ids = HashSet::new();
    for _ in 0..100 {
        let mut ctx = ctx(org_agent("A"));
        run_step(BuildNewState::<Agent>::new(), &mut ctx)
            .await
            .unwrap();
        ids.insert(ctx.new_state.id().to_owned());
    }
    assert_eq!(ids.len(), 100);
}

#[tokio::test]
async fn build_new_state_stamps_both_audits_created_and_keeps_a_client_id() {
    let mut input = org_agent("A");
    input.metadata_mut().id = "agt-chosen".into();
    let mut ctx = ctx(input);
    run_step(BuildNewState::<Agent>::new(), &mut ctx)
        .await
        .unwrap();
    assert_eq!(
        ctx.new_state.id(),
        "agt-chosen",
        "kept here; CheckDuplicate refuses a taken one"
    );
    let audit = ctx.new_state.audit().unwrap();
    let spec = audit.spec_audit.as_ref().unwrap();
    let status = audit.status_audit.as_ref().unwrap();
    assert_eq!(spec, status, "both audits identical on create");
    assert_eq!(spec.event, "created");
    // Ours: the caller is recorded, not a constant "system".
    assert_eq!(spec.created_by.as_ref().unwrap().id, "alice");
    assert_eq!(spec.updated_by, spec.created_by);
    assert_eq!(spec.updated_at, spec.created_at);
    assert!(spec.created_at.is_some());
}

// --- CheckDuplicate ------------------------------------------------------

#[tokio::test]
async fn check_duplicate_passes_a_new_slug_and_fails_any_taken_one() {
    let (store, _dir) = store().await;
    for name in ["Alpha", "Beta", "Gamma"] {
        created(&store, org_agent(name)).await;
    }
    let mut fresh = ctx(org_agent("Delta"));
    fresh.new_state.metadata_mut().slug = "delta".into();
    run_step(CheckDuplicate::new(store.clone()), &mut fresh)
        .await
        .unwrap();

    let mut taken = ctx(org_agent("Beta"));
    taken.new_state.metadata_mut().slug = "beta".into();
    let err = run_step(CheckDuplicate::new(store.clone()), &mut taken)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists, "decision 2");
    assert!(
        err.message()
            .starts_with("Agent with slug 'beta' already exists (id: agt-")
    );
}

#[tokio::test]
async fn check_duplicate_without_slug_has_nothing_to_compare() {
    // Upstream errors on an empty slug; ours runs after ResolveSlug, which
    // never leaves one empty, so the step only checks what is there.
    let (store, _dir) = store().await;
    created(&store, org_agent("Alpha")).await;
    let mut ctx = ctx(org_agent("Alpha"));
    run_step(CheckDuplicate::new(store), &mut ctx)
        .await
        .unwrap();
}

// --- BuildUpdateState ----------------------------------------------------

fn with_existing(input: Agent, existing: Agent) -> RequestContext<Agent, Agent> {
    let mut ctx = RequestContext::new(input, Actor { id: "bob".into() });
    ctx.put(Existing {
        resource: existing,
        revision: 1,
    });
    ctx
}

#[tokio::test]
async fn build_update_state_takes_identity_from_existing_and_the_rest_from_input() {
    let mut existing = org_agent("Old Name");
    existing.metadata_mut().id = "agt-stored".into();
    existing.metadata_mut().slug = "old-name".into();
    existing.audit_mut().spec_audit = Some(audit_info("alice", 1_000, "created"));
    existing.audit_mut().status_audit = Some(audit_info("alice", 1_000, "created"));
    let mut input = agent("New Name", "other", 1);
    input.metadata_mut().id = "agt-from-input".into();
    input.spec.as_mut().unwrap().description = "changed".into();

    let mut ctx = with_existing(input, existing);
    run_step(BuildUpdateState::<Agent>::new(), &mut ctx)
        .await
        .unwrap();
    let merged = &ctx.new_state;
    assert_eq!(merged.id(), "agt-stored", "existing id wins");
    assert_eq!(merged.slug(), "old-name");
    assert_eq!(merged.org(), "acme");
    assert_eq!(
        merged.metadata.as_ref().unwrap().owner_scope,
        2,
        "decision 5: owner_scope kept (upstream lost it)"
    );
    assert_eq!(merged.metadata.as_ref().unwrap().name, "New Name");
    assert_eq!(merged.spec.as_ref().unwrap().description, "changed");

    let audit = merged.audit().unwrap();
    for info in [
        audit.spec_audit.as_ref().unwrap(),
        audit.status_audit.as_ref().unwrap(),
    ] {
        assert_eq!(info.created_by.as_ref().unwrap().id, "alice");
        assert_eq!(info.created_at.unwrap().seconds, 1_000);
        assert_eq!(info.updated_by.as_ref().unwrap().id, "bob");
        assert!(info.updated_at.unwrap().seconds > 1_000);
        assert_eq!(info.event, "updated");
    }
}

#[tokio::test]
async fn build_update_state_without_an_audit_on_record_credits_the_updater() {
    // Upstream falls back to "system"; ours to the caller, who is known.
    let mut existing = org_agent("A");
    existing.metadata_mut().id = "agt-stored".into();
    existing.status = None;
    let mut ctx = with_existing(org_agent("A"), existing);
    run_step(BuildUpdateState::<Agent>::new(), &mut ctx)
        .await
        .unwrap();
    let spec = ctx.new_state.audit().unwrap().spec_audit.clone().unwrap();
    assert_eq!(spec.created_by.unwrap().id, "bob");
    assert!(spec.created_at.is_some());
}

#[tokio::test]
async fn build_update_state_keeps_the_server_owned_status() {
    let mut existing = org_agent("A");
    existing.metadata_mut().id = "agt-stored".into();
    existing
        .status
        .get_or_insert_with(Default::default)
        .default_instance_id = "ain-1".into();
    let mut input = org_agent("A");
    input
        .status
        .get_or_insert_with(Default::default)
        .default_instance_id = "ain-forged".into();
    let mut ctx = with_existing(input, existing);
    run_step(BuildUpdateState::<Agent>::new(), &mut ctx)
        .await
        .unwrap();
    assert_eq!(
        ctx.new_state.status.unwrap().default_instance_id,
        "ain-1",
        "decision 5: status is server-owned"
    );
}

#[tokio::test]
async fn build_update_state_without_a_loaded_resource_is_an_internal_error() {
    let err = run_step(BuildUpdateState::<Agent>::new(), &mut ctx(org_agent("A")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Internal);
    assert!(err.message().contains("Existing"), "{}", err.message());
}

// --- LoadExisting --------------------------------------------------------

#[tokio::test]
async fn load_existing_by_id_hands_on_the_stored_resource() {
    let (store, _dir) = store().await;
    let stored = created(&store, org_agent("Stored")).await;
    let mut input = org_agent("Renamed");
    input.metadata_mut().id = stored.id().into();
    let mut ctx = ctx(input);
    run_step(LoadExisting::new(store), &mut ctx).await.unwrap();
    let existing = ctx.get::<Existing<Agent>>().unwrap();
    assert_eq!(existing.resource, stored, "the stored one, not the input");
    assert_eq!(ctx.new_state.metadata.unwrap().name, "Renamed");
}

#[tokio::test]
async fn load_existing_without_id_or_slug_is_invalid_argument() {
    let (store, _dir) = store().await;
    let mut ctx = ctx(org_agent(""));
    let err = run_step(LoadExisting::new(store), &mut ctx)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("metadata.id or metadata.name"));
}

#[tokio::test]
async fn load_existing_by_an_unknown_slug_is_not_found() {
    let (store, _dir) = store().await;
    let mut input = org_agent("Ghost");
    input.metadata_mut().slug = "ghost".into();
    let err = run_step(LoadExisting::new(store), &mut ctx(input))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(err.message(), "Agent not found: ghost");
}

// --- LoadForApply --------------------------------------------------------

async fn apply_decision(store: &SharedStore, input: Agent) -> bool {
    let mut ctx = ctx(input);
    Pipeline::new("apply")
        .step(ResolveSlug::<Agent>::new())
        .step(LoadForApply::new(store.clone()))
        .run(&mut ctx)
        .await
        .unwrap();
    ctx.get::<ShouldCreate>().unwrap().0
}

#[tokio::test]
async fn load_for_apply_updates_what_exists_by_name_and_creates_the_rest() {
    let (store, _dir) = store().await;
    created(&store, org_agent("Existing Agent")).await;
    assert!(
        !apply_decision(&store, org_agent("Existing Agent")).await,
        "found by the slug of its name"
    );
    assert!(apply_decision(&store, org_agent("Brand New")).await);
    assert!(
        apply_decision(&store, agent("Existing Agent", "globex", 2)).await,
        "decision 2: another org's slug is not ours"
    );
}

#[tokio::test]
async fn load_for_apply_without_slug_or_metadata_creates() {
    let (store, _dir) = store().await;
    let mut no_metadata = ctx(Agent::default());
    run_step(LoadForApply::new(store.clone()), &mut no_metadata)
        .await
        .unwrap();
    assert_eq!(no_metadata.get::<ShouldCreate>(), Some(&ShouldCreate(true)));
    let mut no_slug = ctx(org_agent("Unresolved"));
    run_step(LoadForApply::new(store), &mut no_slug)
        .await
        .unwrap();
    assert_eq!(no_slug.get::<ShouldCreate>(), Some(&ShouldCreate(true)));
}

// --- LoadTarget / LoadByReference ------------------------------------------

#[tokio::test]
async fn load_target_with_an_empty_id_is_invalid_argument() {
    let (store, _dir) = store().await;
    let mut ctx = RequestContext::with_state(AgentId::default(), Agent::default(), Actor::system());
    let err = run_step(LoadTarget::<Agent>::new(store), &mut ctx)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(err.message(), "resource id is required");
}

fn slug_only(slug: &str) -> ApiResourceReference {
    ApiResourceReference {
        slug: slug.into(),
        ..Default::default()
    }
}

async fn by_reference(
    store: &SharedStore,
    reference: ApiResourceReference,
) -> Result<Agent, tonic::Status> {
    let mut ctx = RequestContext::with_state(reference, Agent::default(), Actor::system());
    run_step(LoadByReference::<Agent>::new(store.clone()), &mut ctx).await?;
    Ok(ctx.new_state)
}

#[tokio::test]
async fn load_by_reference_finds_a_platform_resource_by_slug_alone() {
    let (store, _dir) = store().await;
    let platform = created(&store, agent("Shared Helper", "", 1)).await;
    let found = by_reference(&store, slug_only("shared-helper"))
        .await
        .unwrap();
    assert_eq!(found, platform);
}

#[tokio::test]
async fn load_by_reference_needs_a_slug_and_names_a_missing_one() {
    let (store, _dir) = store().await;
    let empty = by_reference(&store, ApiResourceReference::default())
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert_eq!(empty.message(), "slug is required in reference");
    let unknown = by_reference(&store, slug_only("nobody")).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert_eq!(unknown.message(), "Agent not found: nobody");
}

// --- Persist -------------------------------------------------------------

#[tokio::test]
async fn persist_without_an_id_is_an_internal_error_and_writes_nothing() {
    let (store, _dir) = store().await;
    let err = run_step(Persist::new(store.clone()), &mut ctx(org_agent("No Id")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Internal);
    let page = list_page::<Agent>(&store, &ListRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn persist_twice_in_one_pipeline_updates_what_it_wrote() {
    let (store, _dir) = store().await;
    let mut ctx = ctx(org_agent("Twice"));
    struct Describe;
    #[async_trait::async_trait]
    impl Step<Agent, Agent> for Describe {
        fn name(&self) -> &'static str {
            "describe"
        }
        async fn run(&self, ctx: &mut RequestContext<Agent, Agent>) -> Result<(), ApiError> {
            ctx.new_state.spec.as_mut().unwrap().description = "second write".into();
            Ok(())
        }
    }
    Pipeline::new("create")
        .step(ResolveSlug::<Agent>::new())
        .step(BuildNewState::<Agent>::new())
        .step(Persist::new(store.clone()))
        .step(Describe)
        .step(Persist::new(store.clone()))
        .run(&mut ctx)
        .await
        .unwrap();
    let stored = stored_agent(&store, ctx.new_state.id()).await;
    assert_eq!(stored.spec.unwrap().description, "second write");
}

#[tokio::test]
async fn persist_keeps_many_resources_apart() {
    let (store, _dir) = store().await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(created(&store, org_agent(&format!("Agent {i}"))).await);
    }
    for agent in &made {
        assert_eq!(&stored_agent(&store, agent.id()).await, agent);
    }
}

#[tokio::test]
async fn persist_with_undo_deletes_its_record_when_a_later_step_fails() {
    let (store, _dir) = store().await;
    struct Fail;
    #[async_trait::async_trait]
    impl Step<Agent, Agent> for Fail {
        fn name(&self) -> &'static str {
            "fail"
        }
        async fn run(&self, _: &mut RequestContext<Agent, Agent>) -> Result<(), ApiError> {
            Err(ApiError::Unavailable("nested create failed".into()))
        }
    }
    let mut ctx = ctx(org_agent("Undone"));
    let err = Pipeline::new("create")
        .step(ResolveSlug::<Agent>::new())
        .step(BuildNewState::<Agent>::new())
        .step(Persist::new(store.clone()).undo_on_failure())
        .step(Fail)
        .run(&mut ctx)
        .await
        .unwrap_err();
    assert_eq!(err.step, "fail");
    assert!(
        store
            .get(ApiResourceKind::Agent, ctx.new_state.id())
            .await
            .unwrap()
            .is_none(),
        "decision 3: nothing left behind"
    );
}

// --- ValidateState -------------------------------------------------------

#[tokio::test]
async fn validate_state_passes_a_valid_resource_and_refuses_a_broken_one() {
    let mut valid = ctx(org_agent("Fine"));
    run_step(ValidateState::<Agent>::new(), &mut valid)
        .await
        .unwrap();
    let mut broken = org_agent("Broken");
    broken.spec.as_mut().unwrap().instructions = "short".into();
    let err = run_step(ValidateState::<Agent>::new(), &mut ctx(broken))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("instructions"), "{}", err.message());
}

// --- Pipeline and context --------------------------------------------------

#[test]
fn pipeline_knows_its_name_and_step_count() {
    let pipeline: Pipeline<Agent> = Pipeline::new("agent.create")
        .step(ResolveSlug::<Agent>::new())
        .step(BuildNewState::<Agent>::new());
    assert_eq!(pipeline.name(), "agent.create");
    assert_eq!(pipeline.step_names().len(), 2);
}

#[test]
fn bags_are_per_context_and_new_state_is_a_replaceable_copy() {
    #[derive(Clone)]
    struct Marker;
    let mut first = ctx(org_agent("A"));
    let second = ctx(org_agent("A"));
    first.put(Marker);
    assert!(first.get::<Marker>().is_some());
    assert!(second.get::<Marker>().is_none());
    first.new_state.metadata_mut().name = "changed".into();
    assert_eq!(first.input.metadata.as_ref().unwrap().name, "A");
    first.new_state = Agent::default();
    assert_eq!(first.input, second.input);
}

#[tokio::test]
async fn pipeline_error_names_pipeline_and_step_and_keeps_its_source() {
    let mut ctx = ctx(org_agent(""));
    let err = Pipeline::new("agent.create")
        .step(ResolveSlug::<Agent>::new())
        .run(&mut ctx)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("agent.create/resolve_slug: {}", err.error)
    );
    let source = std::error::Error::source(&err).unwrap();
    assert!(matches!(
        source.downcast_ref::<ApiError>(),
        Some(ApiError::InvalidArgument(_))
    ));
}
