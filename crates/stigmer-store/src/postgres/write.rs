//! Applying a batch in one PostgreSQL transaction. Row locks are taken in a
//! fixed order per record (resources row, then its index row) and counters
//! last, in key order; deadlocks that remain possible between batches
//! touching the same records in different orders are retried by the caller.

use std::time::Duration;

use deadpool_postgres::Transaction;
use stigmer_api::ApiResourceKind;
use tokio_postgres::error::SqlState;

use super::pg_error;
use crate::batch::{WriteBatch, WriteOp, WriteOutcome};
use crate::error::{StoreError, StoreResult, UniqueKey};
use crate::index::CountDeltas;
use crate::model::{Change, IndexEntry, NewRecord, ParentRef, PutMode, kind_from_name, kind_name};

pub(crate) struct Applied {
    pub(crate) outcomes: Vec<WriteOutcome>,
    pub(crate) changes: Vec<Change>,
}

type PgResult<T> = Result<T, tokio_postgres::Error>;

/// `shard` is the counter row this transaction adds to (see the schema).
pub(crate) async fn apply(
    tx: &Transaction<'_>,
    batch: &WriteBatch,
    shard: i16,
) -> StoreResult<Applied> {
    let mut deltas = CountDeltas::default();
    let mut applied = Applied {
        outcomes: Vec::with_capacity(batch.ops.len()),
        changes: Vec::new(),
    };
    for op in &batch.ops {
        let outcome = match op {
            WriteOp::Put { record, mode } => {
                put(tx, record, *mode, &mut deltas, &mut applied.changes).await?
            }
            WriteOp::Delete { kind, id } => {
                delete(tx, *kind, id, &mut deltas, &mut applied.changes).await?
            }
            WriteOp::SaveAudit(audit) => {
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO resource_audit (kind, resource_id, data, version_hash, tag)
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .await
                    .map_err(pg_error)?;
                let row = tx
                    .query_one(
                        &stmt,
                        &[
                            &kind_name(audit.kind),
                            &audit.resource_id,
                            &audit.data,
                            &audit.version_hash,
                            &audit.tag,
                        ],
                    )
                    .await
                    .map_err(pg_error)?;
                WriteOutcome::AuditSaved {
                    audit_id: row.get(0),
                }
            }
            WriteOp::DeleteAudit { kind, resource_id } => {
                let stmt = tx
                    .prepare_cached(
                        "DELETE FROM resource_audit WHERE kind = $1 AND resource_id = $2",
                    )
                    .await
                    .map_err(pg_error)?;
                let count = tx
                    .execute(&stmt, &[&kind_name(*kind), resource_id])
                    .await
                    .map_err(pg_error)?;
                WriteOutcome::AuditDeleted { count }
            }
            WriteOp::EnqueueJob(job) => {
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO job (queue, payload, due_at)
                         VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond') RETURNING id",
                    )
                    .await
                    .map_err(pg_error)?;
                let row = tx
                    .query_one(&stmt, &[&job.queue, &job.payload, &millis(job.delay)])
                    .await
                    .map_err(pg_error)?;
                let change = Change::JobEnqueued {
                    queue: job.queue.clone(),
                };
                if !applied.changes.contains(&change) {
                    applied.changes.push(change);
                }
                WriteOutcome::JobEnqueued { job_id: row.get(0) }
            }
            WriteOp::CompleteJob { job_id, attempt } => {
                let stmt = tx
                    .prepare_cached("DELETE FROM job WHERE id = $1 AND attempt = $2")
                    .await
                    .map_err(pg_error)?;
                let attempt_db = i32::try_from(*attempt).unwrap_or(i32::MAX);
                if tx
                    .execute(&stmt, &[job_id, &attempt_db])
                    .await
                    .map_err(pg_error)?
                    == 0
                {
                    return Err(StoreError::LeaseLost {
                        job_id: *job_id,
                        attempt: *attempt,
                    });
                }
                WriteOutcome::JobCompleted
            }
            WriteOp::RenewJob {
                job_id,
                attempt,
                lease,
            } => {
                // A claimed job's due time is its lease end; a held lease
                // has an owner and the attempt the holder claimed.
                let stmt = tx
                    .prepare_cached(
                        "UPDATE job SET due_at = now() + $3::float8 * interval '1 millisecond'
                         WHERE id = $1 AND attempt = $2 AND lease_owner IS NOT NULL",
                    )
                    .await
                    .map_err(pg_error)?;
                let attempt_db = i32::try_from(*attempt).unwrap_or(i32::MAX);
                if tx
                    .execute(&stmt, &[job_id, &attempt_db, &millis(*lease)])
                    .await
                    .map_err(pg_error)?
                    == 0
                {
                    return Err(StoreError::LeaseLost {
                        job_id: *job_id,
                        attempt: *attempt,
                    });
                }
                WriteOutcome::JobRenewed
            }
            WriteOp::RetryJob {
                job_id,
                attempt,
                delay,
                error,
            } => {
                let stmt = tx
                    .prepare_cached(
                        "UPDATE job SET due_at = now() + $3::float8 * interval '1 millisecond',
                                        lease_owner = NULL, last_error = $4
                         WHERE id = $1 AND attempt = $2",
                    )
                    .await
                    .map_err(pg_error)?;
                let attempt_db = i32::try_from(*attempt).unwrap_or(i32::MAX);
                if tx
                    .execute(&stmt, &[job_id, &attempt_db, &millis(*delay), error])
                    .await
                    .map_err(pg_error)?
                    == 0
                {
                    return Err(StoreError::LeaseLost {
                        job_id: *job_id,
                        attempt: *attempt,
                    });
                }
                WriteOutcome::JobRetried
            }
        };
        applied.outcomes.push(outcome);
    }
    apply_counts(tx, deltas, shard).await.map_err(pg_error)?;
    Ok(applied)
}

pub(crate) fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

struct Existing {
    seq: i64,
    revision: i64,
    entry: IndexEntry,
}

async fn load_existing(tx: &Transaction<'_>, kind: &str, id: &str) -> PgResult<Option<Existing>> {
    let stmt = tx
        .prepare_cached(
            "SELECT seq, revision, org, slug, phase FROM resource_index WHERE kind = $1 AND id = $2 FOR UPDATE",
        )
        .await?;
    let Some(row) = tx.query_opt(&stmt, &[&kind, &id]).await? else {
        return Ok(None);
    };
    let mut existing = Existing {
        seq: row.get(0),
        revision: row.get(1),
        entry: IndexEntry {
            org: row.get(2),
            slug: row.get(3),
            parents: Vec::new(),
            phase: row.get(4),
        },
    };
    let stmt = tx
        .prepare_cached(
            "SELECT parent_kind, parent_id FROM resource_parent WHERE kind = $1 AND id = $2",
        )
        .await?;
    for row in tx.query(&stmt, &[&kind, &id]).await? {
        let parent_kind: &str = row.get(0);
        if let Some(parent_kind) = kind_from_name(parent_kind) {
            existing
                .entry
                .parents
                .push(ParentRef::new(parent_kind, row.get::<_, String>(1)));
        }
    }
    existing.entry.normalize();
    Ok(Some(existing))
}

async fn put(
    tx: &Transaction<'_>,
    record: &NewRecord,
    mode: PutMode,
    deltas: &mut CountDeltas,
    changes: &mut Vec<Change>,
) -> StoreResult<WriteOutcome> {
    let kind = kind_name(record.kind);
    let id = record.id.as_str();
    // The resources row first: it is the lock that serialises writers of
    // one record, including two creators racing for a new id.
    let resource_sql = match mode {
        PutMode::CreateOnly => {
            "INSERT INTO resources (kind, id, data, updated_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (kind, id) DO NOTHING"
        }
        PutMode::Upsert => {
            "INSERT INTO resources (kind, id, data, updated_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (kind, id) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at"
        }
        PutMode::IfRevision(_) => "UPDATE resources SET data = $3, updated_at = now() WHERE kind = $1 AND id = $2",
    };
    let stmt = tx.prepare_cached(resource_sql).await.map_err(pg_error)?;
    let written = tx
        .execute(&stmt, &[&kind, &id, &record.data])
        .await
        .map_err(pg_error)?;
    if written == 0 {
        return Err(match mode {
            PutMode::CreateOnly => StoreError::AlreadyExists {
                kind: record.kind,
                key: UniqueKey::Id(record.id.clone()),
            },
            _ => StoreError::NotFound {
                kind: record.kind,
                id: record.id.clone(),
            },
        });
    }
    let existing = load_existing(tx, kind, id).await.map_err(pg_error)?;
    if let PutMode::IfRevision(expected) = mode {
        let actual = existing
            .as_ref()
            .map_or(0, |existing| existing.revision as u64);
        if actual != expected {
            return Err(StoreError::RevisionMismatch {
                kind: record.kind,
                id: record.id.clone(),
                expected,
                actual,
            });
        }
    }
    check_slug_free(tx, record).await?;

    let entry = &record.index;
    let revision = match existing {
        Some(existing) => {
            let stmt = tx
                .prepare_cached(
                    "UPDATE resource_index SET org = $3, slug = $4, phase = $5, revision = revision + 1
                     WHERE kind = $1 AND seq = $2",
                )
                .await
                .map_err(pg_error)?;
            tx.execute(
                &stmt,
                &[&kind, &existing.seq, &entry.org, &entry.slug, &entry.phase],
            )
            .await
            .map_err(|error| slug_violation(error, record))?;
            if existing.entry.parents != entry.parents || existing.entry.phase != entry.phase {
                let stmt = tx
                    .prepare_cached("DELETE FROM resource_parent WHERE kind = $1 AND id = $2")
                    .await
                    .map_err(pg_error)?;
                tx.execute(&stmt, &[&kind, &id]).await.map_err(pg_error)?;
                insert_parents(tx, kind, id, existing.seq, entry)
                    .await
                    .map_err(pg_error)?;
            }
            deltas.remove(record.kind, &existing.entry);
            existing.revision + 1
        }
        None => {
            insert_index(tx, kind, id, entry, 1)
                .await
                .map_err(|error| slug_violation(error, record))?;
            1
        }
    };
    deltas.add(record.kind, entry);
    changes.push(Change::Put {
        kind: record.kind,
        id: record.id.clone(),
    });
    Ok(WriteOutcome::Put {
        revision: revision as u64,
    })
}

/// A friendly error for the common case; the unique index catches the
/// concurrent one (see [`slug_violation`]).
async fn check_slug_free(tx: &Transaction<'_>, record: &NewRecord) -> StoreResult<()> {
    let Some(slug) = &record.index.slug else {
        return Ok(());
    };
    let stmt = tx
        .prepare_cached("SELECT id FROM resource_index WHERE kind = $1 AND org = $2 AND slug = $3")
        .await
        .map_err(pg_error)?;
    let owner = tx
        .query_opt(&stmt, &[&kind_name(record.kind), &record.index.org, slug])
        .await
        .map_err(pg_error)?;
    match owner {
        Some(row) if row.get::<_, &str>(0) != record.id => Err(slug_taken(record)),
        _ => Ok(()),
    }
}

fn slug_taken(record: &NewRecord) -> StoreError {
    StoreError::AlreadyExists {
        kind: record.kind,
        key: UniqueKey::Slug {
            org: record.index.org.clone(),
            slug: record.index.slug.clone().unwrap_or_default(),
        },
    }
}

/// A writer that committed the same slug after our check makes the unique
/// index fail; report it like the check would have.
fn slug_violation(error: tokio_postgres::Error, record: &NewRecord) -> StoreError {
    let is_slug = error.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("resource_index_slug")
    });
    if is_slug {
        slug_taken(record)
    } else {
        pg_error(error)
    }
}

pub(crate) async fn insert_index(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
    entry: &IndexEntry,
    revision: i64,
) -> PgResult<i64> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO resource_index (kind, id, org, slug, phase, revision)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
        )
        .await?;
    let seq: i64 = tx
        .query_one(
            &stmt,
            &[&kind, &id, &entry.org, &entry.slug, &entry.phase, &revision],
        )
        .await?
        .get(0);
    insert_parents(tx, kind, id, seq, entry).await?;
    Ok(seq)
}

async fn insert_parents(
    tx: &Transaction<'_>,
    kind: &str,
    id: &str,
    seq: i64,
    entry: &IndexEntry,
) -> PgResult<()> {
    if entry.parents.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO resource_parent (kind, parent_kind, parent_id, seq, id, phase)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    for parent in &entry.parents {
        tx.execute(
            &stmt,
            &[
                &kind,
                &kind_name(parent.kind),
                &parent.id,
                &seq,
                &id,
                &entry.phase,
            ],
        )
        .await?;
    }
    Ok(())
}

async fn delete(
    tx: &Transaction<'_>,
    kind: ApiResourceKind,
    id: &str,
    deltas: &mut CountDeltas,
    changes: &mut Vec<Change>,
) -> StoreResult<WriteOutcome> {
    let kind_text = kind_name(kind);
    // Lock the record before reading its index, as writers do.
    let stmt = tx
        .prepare_cached("SELECT 1 FROM resources WHERE kind = $1 AND id = $2 FOR UPDATE")
        .await
        .map_err(pg_error)?;
    if tx
        .query_opt(&stmt, &[&kind_text, &id])
        .await
        .map_err(pg_error)?
        .is_none()
    {
        return Ok(WriteOutcome::Deleted { existed: false });
    }
    if let Some(existing) = load_existing(tx, kind_text, id).await.map_err(pg_error)? {
        deltas.remove(kind, &existing.entry);
    }
    let stmt = tx
        .prepare_cached("DELETE FROM resources WHERE kind = $1 AND id = $2")
        .await
        .map_err(pg_error)?;
    let deleted = tx
        .execute(&stmt, &[&kind_text, &id])
        .await
        .map_err(pg_error)?;
    if deleted > 0 {
        changes.push(Change::Deleted {
            kind,
            id: id.to_owned(),
        });
    }
    Ok(WriteOutcome::Deleted {
        existed: deleted > 0,
    })
}

/// All counter changes of the batch in one statement (two when a counter
/// may have dropped to zero), to keep round trips per write low.
async fn apply_counts(tx: &Transaction<'_>, deltas: CountDeltas, shard: i16) -> PgResult<()> {
    let mut kinds = Vec::new();
    let mut buckets = Vec::new();
    let mut amounts = Vec::new();
    for (kind, bucket, delta) in deltas.into_changes() {
        kinds.push(kind);
        buckets.push(bucket);
        amounts.push(delta);
    }
    if kinds.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO resource_count (kind, bucket, shard, n)
             SELECT kind, bucket, $3, n FROM unnest($1::text[], $2::text[], $4::bigint[]) AS d (kind, bucket, n)
             ON CONFLICT (kind, bucket, shard) DO UPDATE SET n = resource_count.n + EXCLUDED.n",
        )
        .await?;
    tx.execute(&stmt, &[&kinds, &buckets, &shard, &amounts])
        .await?;
    if amounts.iter().any(|delta| *delta < 0) {
        let stmt = tx
            .prepare_cached(
                "DELETE FROM resource_count c USING unnest($1::text[], $2::text[]) AS d (kind, bucket)
                 WHERE c.kind = d.kind AND c.bucket = d.bucket AND c.shard = $3 AND c.n = 0",
            )
            .await?;
        tx.execute(&stmt, &[&kinds, &buckets, &shard]).await?;
    }
    Ok(())
}
