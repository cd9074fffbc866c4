//! The `Store` trait every backend implements and the server programs
//! against (`Arc<dyn Store>`).

use std::time::Duration;

use async_trait::async_trait;
use stigmer_api::ApiResourceKind;
use tokio::sync::broadcast;

use crate::batch::{Durability, WriteBatch, WriteOutcome};
use crate::error::{StoreError, StoreResult};
use crate::model::{
    AuditRecord, Change, Job, ListQuery, NewAudit, NewJob, NewRecord, Page, PutMode, Record,
};

/// Resources by (kind, id) with their index, version history, a job queue
/// and a change feed. See the crate documentation for the guarantees.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The record, or `None` when absent.
    async fn get(&self, kind: ApiResourceKind, id: &str) -> StoreResult<Option<Record>>;

    async fn exists(&self, kind: ApiResourceKind, id: &str) -> StoreResult<bool>;

    /// The record of `kind` with this slug in `org` (empty org = records
    /// outside any org).
    async fn get_by_slug(
        &self,
        kind: ApiResourceKind,
        org: &str,
        slug: &str,
    ) -> StoreResult<Option<Record>>;

    /// One page of a kind or of one parent's children, in creation order.
    async fn list(&self, query: &ListQuery) -> StoreResult<Page>;

    /// Commits every op of the batch, or none (then the error of the first
    /// failing op is returned). Subscribers hear of the changes after the
    /// commit.
    async fn write(&self, batch: WriteBatch) -> StoreResult<Vec<WriteOutcome>>;

    /// The newest archived snapshot of a resource with this version hash.
    async fn get_audit_by_hash(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        version_hash: &str,
    ) -> StoreResult<Option<AuditRecord>>;

    /// The newest archived snapshot of a resource with this tag.
    async fn get_audit_by_tag(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        tag: &str,
    ) -> StoreResult<Option<AuditRecord>>;

    /// Every archived snapshot of a resource, newest first.
    async fn list_audit_history(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
    ) -> StoreResult<Vec<AuditRecord>>;

    /// Leases up to `limit` due jobs of `queue` to `worker` for `lease`,
    /// oldest due first. Concurrent claimers never get the same job (on
    /// PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    async fn claim_jobs(
        &self,
        queue: &str,
        worker: &str,
        lease: Duration,
        limit: usize,
    ) -> StoreResult<Vec<Job>>;

    /// A receiver of every change committed from now on: by this store and,
    /// on PostgreSQL, by other replicas. A receiver that falls behind gets
    /// `RecvError::Lagged` and should re-read what it watches.
    fn subscribe(&self) -> broadcast::Receiver<Change>;

    /// Finishes writes already accepted, then releases the database.
    /// Idempotent; every operation afterwards fails with
    /// [`StoreError::Closed`].
    async fn close(&self) -> StoreResult<()>;

    /// Writes one record (see [`PutMode`]) and returns its new revision.
    async fn put(&self, record: NewRecord, mode: PutMode) -> StoreResult<u64> {
        self.put_with(record, mode, Durability::Synced).await
    }

    /// [`Store::put`] with a chosen [`Durability`].
    async fn put_with(
        &self,
        record: NewRecord,
        mode: PutMode,
        durability: Durability,
    ) -> StoreResult<u64> {
        let mut batch = WriteBatch::new();
        batch.put(record, mode).set_durability(durability);
        match single(self.write(batch).await?)? {
            WriteOutcome::Put { revision } => Ok(revision),
            other => Err(unexpected(&other)),
        }
    }

    /// Creates a record; `AlreadyExists` when the id or the slug is taken.
    async fn create(&self, record: NewRecord) -> StoreResult<u64> {
        self.put(record, PutMode::CreateOnly).await
    }

    /// Creates or replaces a record; `AlreadyExists` when its slug belongs
    /// to another record.
    async fn upsert(&self, record: NewRecord) -> StoreResult<u64> {
        self.put(record, PutMode::Upsert).await
    }

    /// Deletes a record (not its audit history); `false` when it was absent.
    async fn delete(&self, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
        let mut batch = WriteBatch::new();
        batch.delete(kind, id);
        match single(self.write(batch).await?)? {
            WriteOutcome::Deleted { existed } => Ok(existed),
            other => Err(unexpected(&other)),
        }
    }

    /// Archives a version snapshot and returns its audit id.
    async fn save_audit(&self, audit: NewAudit) -> StoreResult<i64> {
        let mut batch = WriteBatch::new();
        batch.save_audit(audit);
        match single(self.write(batch).await?)? {
            WriteOutcome::AuditSaved { audit_id } => Ok(audit_id),
            other => Err(unexpected(&other)),
        }
    }

    /// Deletes the audit history of one resource; returns how many rows.
    async fn delete_audit(&self, kind: ApiResourceKind, resource_id: &str) -> StoreResult<u64> {
        let mut batch = WriteBatch::new();
        batch.delete_audit(kind, resource_id);
        match single(self.write(batch).await?)? {
            WriteOutcome::AuditDeleted { count } => Ok(count),
            other => Err(unexpected(&other)),
        }
    }

    /// Enqueues one job on its own (use a batch to enqueue it together with
    /// the records it is about).
    async fn enqueue_job(&self, job: NewJob) -> StoreResult<i64> {
        let mut batch = WriteBatch::new();
        batch.enqueue_job(job);
        match single(self.write(batch).await?)? {
            WriteOutcome::JobEnqueued { job_id } => Ok(job_id),
            other => Err(unexpected(&other)),
        }
    }

    /// Removes a finished job; `LeaseLost` if another worker owns it now.
    async fn complete_job(&self, job: &Job) -> StoreResult<()> {
        let mut batch = WriteBatch::new();
        batch.complete_job(job);
        self.write(batch).await.map(drop)
    }

    /// Extends the lease of a job this worker holds to `lease` from now (a
    /// heartbeat for work longer than one lease); `LeaseLost` if another
    /// worker claimed it since, or it was handed back or completed.
    async fn renew_job(&self, job: &Job, lease: Duration) -> StoreResult<()> {
        let mut batch = WriteBatch::new();
        batch.renew_job(job, lease);
        self.write(batch).await.map(drop)
    }

    /// Returns a job to its queue, due again after `delay`.
    async fn retry_job(&self, job: &Job, delay: Duration, error: &str) -> StoreResult<()> {
        let mut batch = WriteBatch::new();
        batch.retry_job(job, delay, error);
        self.write(batch).await.map(drop)
    }
}

fn single(outcomes: Vec<WriteOutcome>) -> StoreResult<WriteOutcome> {
    let mut outcomes = outcomes.into_iter();
    match (outcomes.next(), outcomes.next()) {
        (Some(outcome), None) => Ok(outcome),
        _ => Err(StoreError::backend(std::io::Error::other(
            "a one-op batch returned another number of outcomes",
        ))),
    }
}

fn unexpected(outcome: &WriteOutcome) -> StoreError {
    StoreError::backend(std::io::Error::other(format!(
        "unexpected write outcome {outcome:?}"
    )))
}
