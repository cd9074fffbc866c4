//! A nested create whose caller commits right after it (the session an
//! agent execution makes for itself) does not wait for its own sync: the
//! caller's synced commit makes both durable, so the pair costs one sync.
//! Observed through a store that records every batch's durability.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::session::v1::session_command_controller_client::SessionCommandControllerClient;
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_grpc::BearerTokens;
use stigmer_pipeline::index::{INDEX_VERSION, index_stored};
use stigmer_server::App;
use stigmer_server::secrets::SecretCipher;
use stigmer_store::{
    AuditRecord, Change, Durability, Job, ListQuery, Page, Record, SqliteOptions, SqliteStore,
    Store, StoreResult, WriteBatch, WriteOp, WriteOutcome,
};
use tokio::sync::broadcast;

use common::fixtures;

/// SQLite, plus a log of (kind, durability) for every record a batch puts.
struct RecordingStore {
    inner: SqliteStore,
    puts: Mutex<Vec<(ApiResourceKind, Durability)>>,
}

impl RecordingStore {
    fn take(&self) -> Vec<(ApiResourceKind, Durability)> {
        std::mem::take(&mut *self.puts.lock().unwrap())
    }
}

#[async_trait]
impl Store for RecordingStore {
    async fn get(&self, kind: ApiResourceKind, id: &str) -> StoreResult<Option<Record>> {
        self.inner.get(kind, id).await
    }
    async fn exists(&self, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
        self.inner.exists(kind, id).await
    }
    async fn get_by_slug(
        &self,
        kind: ApiResourceKind,
        org: &str,
        slug: &str,
    ) -> StoreResult<Option<Record>> {
        self.inner.get_by_slug(kind, org, slug).await
    }
    async fn list(&self, query: &ListQuery) -> StoreResult<Page> {
        self.inner.list(query).await
    }
    async fn write(&self, batch: WriteBatch) -> StoreResult<Vec<WriteOutcome>> {
        let puts = batch.ops().iter().filter_map(|op| match op {
            WriteOp::Put { record, .. } => Some((record.kind, batch.durability())),
            _ => None,
        });
        self.puts.lock().unwrap().extend(puts);
        self.inner.write(batch).await
    }
    async fn get_audit_by_hash(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        version_hash: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        self.inner
            .get_audit_by_hash(kind, resource_id, version_hash)
            .await
    }
    async fn get_audit_by_tag(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        tag: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        self.inner.get_audit_by_tag(kind, resource_id, tag).await
    }
    async fn list_audit_history(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
    ) -> StoreResult<Vec<AuditRecord>> {
        self.inner.list_audit_history(kind, resource_id).await
    }
    async fn claim_jobs(
        &self,
        queue: &str,
        worker: &str,
        lease: Duration,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        self.inner.claim_jobs(queue, worker, lease, limit).await
    }
    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.subscribe()
    }
    async fn close(&self) -> StoreResult<()> {
        self.inner.close().await
    }
}

#[tokio::test]
async fn the_auto_created_session_is_made_durable_by_the_execution_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(RecordingStore {
        inner: SqliteStore::open(
            SqliteOptions::new(dir.path().join("stigmer.db")).indexer(INDEX_VERSION, index_stored),
        )
        .await
        .unwrap(),
        puts: Mutex::new(Vec::new()),
    });
    let app = App::with_store(
        store.clone(),
        BearerTokens::new(),
        dir.path().join("storage"),
        SecretCipher::generate().unwrap(),
    )
    .unwrap();
    let channel = app.runtime().in_process_channel();

    let agent = AgentCommandControllerClient::new(channel.clone())
        .create(fixtures::agent("Durable Agent", "You answer."))
        .await
        .unwrap()
        .into_inner();
    let instance_id = agent.status.as_ref().unwrap().default_instance_id.clone();
    assert!(
        store.take().iter().all(|(_, d)| *d == Durability::Synced),
        "an agent create from a client is synced throughout"
    );

    AgentExecutionCommandControllerClient::new(channel.clone())
        .create(fixtures::agent_execution("run", agent.id(), "", "hello"))
        .await
        .unwrap();
    let puts = store.take();
    let session_at = puts
        .iter()
        .position(|put| *put == (ApiResourceKind::Session, Durability::WithNextSyncedCommit))
        .unwrap_or_else(|| panic!("the session waits for the execution's sync: {puts:?}"));
    let execution_at = puts
        .iter()
        .position(|put| *put == (ApiResourceKind::AgentExecution, Durability::Synced))
        .unwrap_or_else(|| panic!("the execution is synced: {puts:?}"));
    assert!(session_at < execution_at, "{puts:?}");

    // The same Session create from a client of its own is synced.
    SessionCommandControllerClient::new(channel)
        .create(fixtures::session("direct", &instance_id, "direct"))
        .await
        .unwrap();
    assert_eq!(
        store.take(),
        vec![(ApiResourceKind::Session, Durability::Synced)]
    );
}
