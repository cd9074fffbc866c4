//! Transactions as batches: a list of writes that commit together or not at
//! all. A batch (rather than a closure holding a transaction open) works the
//! same on the SQLite writer thread and on a PostgreSQL connection, never
//! holds a lock across an `.await` in caller code, and can be retried by the
//! backend after a serialization failure.

use std::time::Duration;

use stigmer_api::ApiResourceKind;

use crate::error::{StoreError, StoreResult};
use crate::model::{Job, NewAudit, NewJob, NewRecord, PutMode};

/// One write inside a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    Put {
        record: NewRecord,
        mode: PutMode,
    },
    /// Deleting an absent record is not an error.
    Delete {
        kind: ApiResourceKind,
        id: String,
    },
    SaveAudit(NewAudit),
    /// Deletes every audit row of one resource.
    DeleteAudit {
        kind: ApiResourceKind,
        resource_id: String,
    },
    EnqueueJob(NewJob),
    /// Removes a finished job; fails with `LeaseLost` if the lease moved on.
    CompleteJob {
        job_id: i64,
        attempt: u32,
    },
    /// Extends a held lease to `lease` from now; fails with `LeaseLost` if
    /// the job was claimed again, handed back or completed meanwhile.
    RenewJob {
        job_id: i64,
        attempt: u32,
        lease: Duration,
    },
    /// Hands a job back for another attempt after `delay`.
    RetryJob {
        job_id: i64,
        attempt: u32,
        delay: Duration,
        error: String,
    },
}

/// What one [`WriteOp`] did, in the order of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    Put { revision: u64 },
    Deleted { existed: bool },
    AuditSaved { audit_id: i64 },
    AuditDeleted { count: u64 },
    JobEnqueued { job_id: i64 },
    JobCompleted,
    JobRenewed,
    JobRetried,
}

/// When a committed batch is on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Synced to disk before the write returns.
    #[default]
    Synced,
    /// Visible at once and made durable by the next synced commit: both
    /// backends append commits to one log in order, so syncing a later
    /// commit syncs this one too. For a nested write whose caller commits
    /// synced right after it (and undoes it on failure): the pair then costs
    /// one sync, and a crash before the caller's commit loses at most a
    /// record nothing refers to yet.
    WithNextSyncedCommit,
}

/// Writes that commit atomically: the first failing op aborts the batch and
/// nothing of it is visible, ever.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    pub(crate) ops: Vec<WriteOp>,
    pub(crate) durability: Durability,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets when the batch must be on disk (synced by default).
    pub fn set_durability(&mut self, durability: Durability) -> &mut Self {
        self.durability = durability;
        self
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    pub fn push(&mut self, op: WriteOp) -> &mut Self {
        self.ops.push(op);
        self
    }

    pub fn create(&mut self, record: NewRecord) -> &mut Self {
        self.put(record, PutMode::CreateOnly)
    }

    pub fn upsert(&mut self, record: NewRecord) -> &mut Self {
        self.put(record, PutMode::Upsert)
    }

    pub fn put(&mut self, record: NewRecord, mode: PutMode) -> &mut Self {
        self.push(WriteOp::Put { record, mode })
    }

    pub fn delete(&mut self, kind: ApiResourceKind, id: impl Into<String>) -> &mut Self {
        self.push(WriteOp::Delete {
            kind,
            id: id.into(),
        })
    }

    pub fn save_audit(&mut self, audit: NewAudit) -> &mut Self {
        self.push(WriteOp::SaveAudit(audit))
    }

    pub fn delete_audit(
        &mut self,
        kind: ApiResourceKind,
        resource_id: impl Into<String>,
    ) -> &mut Self {
        self.push(WriteOp::DeleteAudit {
            kind,
            resource_id: resource_id.into(),
        })
    }

    pub fn enqueue_job(&mut self, job: NewJob) -> &mut Self {
        self.push(WriteOp::EnqueueJob(job))
    }

    pub fn complete_job(&mut self, job: &Job) -> &mut Self {
        self.push(WriteOp::CompleteJob {
            job_id: job.id,
            attempt: job.attempt,
        })
    }

    pub fn renew_job(&mut self, job: &Job, lease: Duration) -> &mut Self {
        self.push(WriteOp::RenewJob {
            job_id: job.id,
            attempt: job.attempt,
            lease,
        })
    }

    pub fn retry_job(&mut self, job: &Job, delay: Duration, error: impl Into<String>) -> &mut Self {
        self.push(WriteOp::RetryJob {
            job_id: job.id,
            attempt: job.attempt,
            delay,
            error: error.into(),
        })
    }

    pub fn ops(&self) -> &[WriteOp] {
        &self.ops
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Rejects what no backend can store and normalizes index entries, so
    /// both backends see identical input.
    pub(crate) fn validate(&mut self) -> StoreResult<()> {
        for op in &mut self.ops {
            match op {
                WriteOp::Put { record, .. } => {
                    check_kind(record.kind)?;
                    check_id("id", &record.id)?;
                    record.index.normalize();
                    for parent in &record.index.parents {
                        check_kind(parent.kind)?;
                        check_id("parent id", &parent.id)?;
                    }
                }
                WriteOp::Delete { kind, id } => {
                    check_kind(*kind)?;
                    check_id("id", id)?;
                }
                WriteOp::SaveAudit(audit) => {
                    check_kind(audit.kind)?;
                    check_id("resource id", &audit.resource_id)?;
                }
                WriteOp::DeleteAudit { kind, resource_id } => {
                    check_kind(*kind)?;
                    check_id("resource id", resource_id)?;
                }
                WriteOp::EnqueueJob(job) => check_id("job queue", &job.queue)?,
                WriteOp::CompleteJob { .. }
                | WriteOp::RenewJob { .. }
                | WriteOp::RetryJob { .. } => {}
            }
        }
        Ok(())
    }
}

pub(crate) fn check_kind(kind: ApiResourceKind) -> StoreResult<()> {
    if kind == ApiResourceKind::Unknown {
        return Err(StoreError::invalid("resource kind is unspecified"));
    }
    Ok(())
}

pub(crate) fn check_id(what: &str, id: &str) -> StoreResult<()> {
    if id.is_empty() {
        return Err(StoreError::invalid(format!("{what} is empty")));
    }
    Ok(())
}
