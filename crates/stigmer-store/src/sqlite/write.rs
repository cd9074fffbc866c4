//! Applying a batch on the writer connection, inside a savepoint the
//! writer thread opened for it (so a failing op undoes the whole batch and
//! nothing else of the group commit).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use stigmer_api::ApiResourceKind;

use crate::batch::{WriteBatch, WriteOp, WriteOutcome};
use crate::error::{StoreError, StoreResult, UniqueKey};
use crate::index::CountDeltas;
use crate::model::{
    Change, IndexEntry, NewAudit, NewJob, NewRecord, ParentRef, PutMode, kind_from_name, kind_name,
};

/// What a committed batch tells its caller and the subscribers.
pub(crate) struct Applied {
    pub(crate) outcomes: Vec<WriteOutcome>,
    pub(crate) changes: Vec<Change>,
}

pub(crate) fn apply(conn: &Connection, batch: &WriteBatch) -> StoreResult<Applied> {
    let mut deltas = CountDeltas::default();
    let mut applied = Applied {
        outcomes: Vec::with_capacity(batch.ops.len()),
        changes: Vec::new(),
    };
    for op in &batch.ops {
        let outcome = match op {
            WriteOp::Put { record, mode } => {
                put(conn, record, *mode, &mut deltas, &mut applied.changes)?
            }
            WriteOp::Delete { kind, id } => {
                delete(conn, *kind, id, &mut deltas, &mut applied.changes)?
            }
            WriteOp::SaveAudit(audit) => save_audit(conn, audit)?,
            WriteOp::DeleteAudit { kind, resource_id } => {
                let count = conn
                    .prepare_cached(
                        "DELETE FROM resource_audit WHERE kind = ?1 AND resource_id = ?2",
                    )
                    .and_then(|mut stmt| stmt.execute(params![kind_name(*kind), resource_id]))
                    .map_err(StoreError::backend)?;
                WriteOutcome::AuditDeleted {
                    count: count as u64,
                }
            }
            WriteOp::EnqueueJob(job) => enqueue(conn, job, &mut applied.changes)?,
            WriteOp::CompleteJob { job_id, attempt } => {
                let deleted = conn
                    .prepare_cached("DELETE FROM job WHERE id = ?1 AND attempt = ?2")
                    .and_then(|mut stmt| stmt.execute(params![job_id, attempt]))
                    .map_err(StoreError::backend)?;
                if deleted == 0 {
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
                let updated = conn
                    .prepare_cached(
                        "UPDATE job SET due_at_ms = ?3
                         WHERE id = ?1 AND attempt = ?2 AND lease_owner IS NOT NULL",
                    )
                    .and_then(|mut stmt| stmt.execute(params![job_id, attempt, due_at(*lease)]))
                    .map_err(StoreError::backend)?;
                if updated == 0 {
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
                let updated = conn
                    .prepare_cached(
                        "UPDATE job SET due_at_ms = ?3, lease_owner = NULL, last_error = ?4
                         WHERE id = ?1 AND attempt = ?2",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![job_id, attempt, due_at(*delay), error])
                    })
                    .map_err(StoreError::backend)?;
                if updated == 0 {
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
    apply_counts(conn, deltas).map_err(StoreError::backend)?;
    Ok(applied)
}

/// The index row of an existing record.
struct Existing {
    seq: i64,
    revision: i64,
    entry: IndexEntry,
}

fn load_existing(conn: &Connection, kind: &str, id: &str) -> rusqlite::Result<Option<Existing>> {
    let row = conn
        .prepare_cached("SELECT seq, revision, org, slug, phase FROM resource_index WHERE kind = ?1 AND id = ?2")?
        .query_row(params![kind, id], |row| {
            Ok(Existing {
                seq: row.get(0)?,
                revision: row.get(1)?,
                entry: IndexEntry {
                    org: row.get(2)?,
                    slug: row.get(3)?,
                    parents: Vec::new(),
                    phase: row.get(4)?,
                },
            })
        })
        .optional()?;
    let Some(mut existing) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT parent_kind, parent_id FROM resource_parent WHERE kind = ?1 AND id = ?2",
    )?;
    let parents = stmt.query_map(params![kind, id], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for parent in parents {
        let (parent_kind, parent_id) = parent?;
        if let Some(parent_kind) = kind_from_name(&parent_kind) {
            existing
                .entry
                .parents
                .push(ParentRef::new(parent_kind, parent_id));
        }
    }
    existing.entry.normalize();
    Ok(Some(existing))
}

fn put(
    conn: &Connection,
    record: &NewRecord,
    mode: PutMode,
    deltas: &mut CountDeltas,
    changes: &mut Vec<Change>,
) -> StoreResult<WriteOutcome> {
    let kind = kind_name(record.kind);
    let id = record.id.as_str();
    let existing = load_existing(conn, kind, id).map_err(StoreError::backend)?;
    match mode {
        PutMode::CreateOnly => {
            if existing.is_some() || resource_row_exists(conn, kind, id)? {
                return Err(StoreError::AlreadyExists {
                    kind: record.kind,
                    key: UniqueKey::Id(record.id.clone()),
                });
            }
        }
        PutMode::Upsert => {}
        PutMode::IfRevision(expected) => match &existing {
            None => {
                return Err(StoreError::NotFound {
                    kind: record.kind,
                    id: record.id.clone(),
                });
            }
            Some(existing) if existing.revision as u64 != expected => {
                return Err(StoreError::RevisionMismatch {
                    kind: record.kind,
                    id: record.id.clone(),
                    expected,
                    actual: existing.revision as u64,
                });
            }
            Some(_) => {}
        },
    }
    check_slug_free(conn, record)?;

    conn.prepare_cached(
        "INSERT INTO resources (kind, id, data, updated_at) VALUES (?1, ?2, ?3, datetime('now'))
         ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| stmt.execute(params![kind, id, record.data]))
    .map_err(StoreError::backend)?;

    let entry = &record.index;
    let revision = match existing {
        Some(existing) => {
            conn.prepare_cached(
                "UPDATE resource_index SET org = ?2, slug = ?3, phase = ?4, revision = revision + 1 WHERE seq = ?1",
            )
            .and_then(|mut stmt| stmt.execute(params![existing.seq, entry.org, entry.slug, entry.phase]))
            .map_err(StoreError::backend)?;
            if existing.entry.parents != entry.parents || existing.entry.phase != entry.phase {
                conn.prepare_cached("DELETE FROM resource_parent WHERE kind = ?1 AND id = ?2")
                    .and_then(|mut stmt| stmt.execute(params![kind, id]))
                    .and_then(|_| insert_parents(conn, kind, id, existing.seq, entry))
                    .map_err(StoreError::backend)?;
            }
            deltas.remove(record.kind, &existing.entry);
            existing.revision + 1
        }
        None => {
            insert_index(conn, kind, id, entry, 1).map_err(StoreError::backend)?;
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

fn resource_row_exists(conn: &Connection, kind: &str, id: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM resources WHERE kind = ?1 AND id = ?2")
        .and_then(|mut stmt| stmt.exists(params![kind, id]))
        .map_err(StoreError::backend)
}

/// The writer is the only one writing, so a lookup is race-free here; the
/// unique index stays as the last line of defence.
fn check_slug_free(conn: &Connection, record: &NewRecord) -> StoreResult<()> {
    let Some(slug) = &record.index.slug else {
        return Ok(());
    };
    let owner: Option<String> = conn
        .prepare_cached("SELECT id FROM resource_index WHERE kind = ?1 AND org = ?2 AND slug = ?3")
        .and_then(|mut stmt| {
            stmt.query_row(
                params![kind_name(record.kind), record.index.org, slug],
                |row| row.get(0),
            )
            .optional()
        })
        .map_err(StoreError::backend)?;
    match owner {
        Some(owner) if owner != record.id => Err(StoreError::AlreadyExists {
            kind: record.kind,
            key: UniqueKey::Slug {
                org: record.index.org.clone(),
                slug: slug.clone(),
            },
        }),
        _ => Ok(()),
    }
}

fn delete(
    conn: &Connection,
    kind: ApiResourceKind,
    id: &str,
    deltas: &mut CountDeltas,
    changes: &mut Vec<Change>,
) -> StoreResult<WriteOutcome> {
    let kind_text = kind_name(kind);
    if let Some(existing) = load_existing(conn, kind_text, id).map_err(StoreError::backend)? {
        deltas.remove(kind, &existing.entry);
    }
    // The index rows go with the record (ON DELETE CASCADE, foreign_keys is
    // on for every connection).
    let deleted = conn
        .prepare_cached("DELETE FROM resources WHERE kind = ?1 AND id = ?2")
        .and_then(|mut stmt| stmt.execute(params![kind_text, id]))
        .map_err(StoreError::backend)?;
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

fn save_audit(conn: &Connection, audit: &NewAudit) -> StoreResult<WriteOutcome> {
    conn.prepare_cached(
        "INSERT INTO resource_audit (kind, resource_id, data, archived_at, version_hash, tag)
         VALUES (?1, ?2, ?3, datetime('now'), ?4, ?5)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            kind_name(audit.kind),
            audit.resource_id,
            audit.data,
            audit.version_hash,
            audit.tag
        ])
    })
    .map_err(StoreError::backend)?;
    Ok(WriteOutcome::AuditSaved {
        audit_id: conn.last_insert_rowid(),
    })
}

fn enqueue(
    conn: &Connection,
    job: &NewJob,
    changes: &mut Vec<Change>,
) -> StoreResult<WriteOutcome> {
    conn.prepare_cached("INSERT INTO job (queue, payload, due_at_ms) VALUES (?1, ?2, ?3)")
        .and_then(|mut stmt| stmt.execute(params![job.queue, job.payload, due_at(job.delay)]))
        .map_err(StoreError::backend)?;
    let change = Change::JobEnqueued {
        queue: job.queue.clone(),
    };
    if !changes.contains(&change) {
        changes.push(change);
    }
    Ok(WriteOutcome::JobEnqueued {
        job_id: conn.last_insert_rowid(),
    })
}

fn apply_counts(conn: &Connection, deltas: CountDeltas) -> rusqlite::Result<()> {
    for (kind, bucket, delta) in deltas.into_changes() {
        conn.prepare_cached(
            "INSERT INTO resource_count (kind, bucket, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (kind, bucket, shard) DO UPDATE SET n = n + excluded.n",
        )?
        .execute(params![kind, bucket, delta])?;
        if delta < 0 {
            conn.prepare_cached(
                "DELETE FROM resource_count WHERE kind = ?1 AND bucket = ?2 AND shard = 0 AND n = 0",
            )?
            .execute(params![kind, bucket])?;
        }
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, the job table's clock.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

pub(crate) fn due_at(delay: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

/// Leases due jobs (runs on the writer like any write).
pub(crate) fn claim(
    conn: &Connection,
    queue: &str,
    worker: &str,
    lease: Duration,
    limit: usize,
) -> rusqlite::Result<Vec<crate::model::Job>> {
    let now = now_ms();
    let mut stmt = conn.prepare_cached(
        "UPDATE job SET attempt = attempt + 1, lease_owner = ?2, due_at_ms = ?4
         WHERE id IN (SELECT id FROM job WHERE queue = ?1 AND due_at_ms <= ?3 ORDER BY due_at_ms, id LIMIT ?5)
         RETURNING id, queue, payload, attempt, last_error",
    )?;
    let lease_end = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
    let rows = stmt.query_map(
        params![
            queue,
            worker,
            now,
            lease_end,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        |row| {
            Ok(crate::model::Job {
                id: row.get(0)?,
                queue: row.get(1)?,
                payload: row.get(2)?,
                attempt: row.get(3)?,
                last_error: row.get(4)?,
            })
        },
    )?;
    let mut jobs = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    jobs.sort_by_key(|job| job.id);
    Ok(jobs)
}

/// Inserts the index rows of a record that has none and returns its
/// creation sequence number.
pub(crate) fn insert_index(
    conn: &Connection,
    kind: &str,
    id: &str,
    entry: &IndexEntry,
    revision: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO resource_index (kind, id, org, slug, phase, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![kind, id, entry.org, entry.slug, entry.phase, revision])?;
    let seq = conn.last_insert_rowid();
    insert_parents(conn, kind, id, seq, entry)?;
    Ok(seq)
}

pub(crate) fn insert_parents(
    conn: &Connection,
    kind: &str,
    id: &str,
    seq: i64,
    entry: &IndexEntry,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO resource_parent (kind, parent_kind, parent_id, seq, id, phase)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for parent in &entry.parents {
        stmt.execute(params![
            kind,
            kind_name(parent.kind),
            parent.id,
            seq,
            id,
            entry.phase
        ])?;
    }
    Ok(())
}
