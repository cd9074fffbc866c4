//! The SQLite schema. Versions 1 and 2 are the upstream server's, verbatim,
//! so an upstream `stigmer.db` opens as is (and stays readable by the
//! upstream server, which skips versions it already has); 3 and 4 are ours
//! and only add tables.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::{StoreError, StoreResult};
use crate::model::{IndexEntry, Indexer, kind_from_name, kind_name};

const SCHEMA_VERSION_TABLE: &str = "
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
);";

/// Upstream v1: one generic table of protobuf blobs.
const V1_RESOURCES: &str = "
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT,
    id TEXT,
    data BLOB NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_resources_kind_id ON resources (kind, id);";

/// Upstream v2: the audit (version history) table, and the move of legacy
/// `<kind>_audit/<resource id>/<nanos>` rows out of `resources`.
const V2_AUDIT: &str = "
CREATE TABLE IF NOT EXISTS resource_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    data BLOB NOT NULL,
    archived_at TEXT NOT NULL DEFAULT (datetime('now')),
    version_hash TEXT,
    tag TEXT
);
CREATE INDEX IF NOT EXISTS idx_resource_audit_kind_resource ON resource_audit (kind, resource_id);
CREATE INDEX IF NOT EXISTS idx_resource_audit_hash ON resource_audit (kind, resource_id, version_hash);
CREATE INDEX IF NOT EXISTS idx_resource_audit_tag ON resource_audit (kind, resource_id, tag, archived_at DESC);
INSERT INTO resource_audit (kind, resource_id, data, archived_at, version_hash, tag)
SELECT kind,
       CASE WHEN instr(rest, '/') > 0 THEN substr(rest, 1, instr(rest, '/') - 1) ELSE rest END,
       data, updated_at, '', ''
FROM (SELECT kind, substr(id, instr(id, '/') + 1) AS rest, data, updated_at
      FROM resources WHERE id LIKE '%_audit/%');
DELETE FROM resources WHERE id LIKE '%_audit/%';";

/// Ours, v3: the index. One row per record with its creation sequence
/// number (list order and cursor), org + slug (unique), phase and revision
/// (also in a covering index, so a get reads it without visiting the
/// table); one row per (record, parent); and a counter per list shape so
/// totals are a lookup (the `shard` column spreads PostgreSQL's concurrent
/// writers over several rows; the single SQLite writer uses shard 0). Rows
/// of `resources` that predate this table are indexed on open by
/// [`index_unindexed`].
const V3_INDEX: &str = "
CREATE TABLE resource_index (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    org TEXT NOT NULL DEFAULT '',
    slug TEXT,
    phase INTEGER,
    revision INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, id),
    FOREIGN KEY (kind, id) REFERENCES resources (kind, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX resource_index_slug ON resource_index (kind, org, slug) WHERE slug IS NOT NULL;
CREATE INDEX resource_index_revision ON resource_index (kind, id, revision);
CREATE INDEX resource_index_kind_seq ON resource_index (kind, seq);
CREATE INDEX resource_index_kind_phase_seq ON resource_index (kind, phase, seq) WHERE phase IS NOT NULL;
CREATE TABLE resource_parent (
    kind TEXT NOT NULL,
    parent_kind TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    phase INTEGER,
    PRIMARY KEY (kind, parent_kind, parent_id, seq),
    FOREIGN KEY (kind, id) REFERENCES resource_index (kind, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX resource_parent_child ON resource_parent (kind, id);
CREATE INDEX resource_parent_phase_seq
    ON resource_parent (kind, parent_kind, parent_id, phase, seq) WHERE phase IS NOT NULL;
CREATE TABLE resource_count (
    kind TEXT NOT NULL,
    bucket TEXT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, bucket, shard)
) WITHOUT ROWID;";

/// Ours, v4: the job queue (outbox). A claim moves `due_at_ms` to the end
/// of the lease, so \"due\" is the only condition a claimer checks and an
/// abandoned job becomes due again by itself.
const V4_JOBS: &str = "
CREATE TABLE job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload BLOB NOT NULL,
    due_at_ms INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX job_queue_due ON job (queue, due_at_ms, id);";

const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1_RESOURCES),
    (2, V2_AUDIT),
    (3, V3_INDEX),
    (4, V4_JOBS),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// Brings the schema to [`SCHEMA_VERSION`], one transaction per version.
pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch(SCHEMA_VERSION_TABLE)
        .map_err(StoreError::backend)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |row| row.get(0),
        )
        .map_err(StoreError::backend)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::backend(std::io::Error::other(format!(
            "database schema version {current} is newer than this build understands ({SCHEMA_VERSION})"
        ))));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > current) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::backend)?;
        tx.execute_batch(sql).map_err(StoreError::backend)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )
        .map_err(StoreError::backend)?;
        tx.commit().map_err(StoreError::backend)?;
        tracing::info!(version, "applied SQLite schema migration");
    }
    Ok(())
}

/// What [`index_unindexed`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backfill {
    pub(crate) indexed: u64,
    pub(crate) orphans_removed: u64,
}

/// Indexes every row of `resources` without an index entry (an upstream
/// database, or rows an upstream server wrote since), drops index rows whose
/// record is gone, and recounts when either happened. Rows of kinds this
/// build does not know stay unindexed; a slug that an older row already
/// owns (upstream allowed duplicates) is left out of the index, with a
/// warning, so the record stays readable by id and in lists.
pub(crate) fn index_unindexed(
    conn: &mut Connection,
    indexer: &dyn Indexer,
) -> StoreResult<Backfill> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::backend)?;
    let mut backfill = Backfill::default();
    let keys: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT r.kind, r.id FROM resources r
                 WHERE NOT EXISTS (SELECT 1 FROM resource_index i WHERE i.kind = r.kind AND i.id = r.id)
                 ORDER BY r.kind, r.id",
            )
            .map_err(StoreError::backend)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(StoreError::backend)?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::backend)?
    };
    let mut unknown_kinds = std::collections::BTreeMap::<String, u64>::new();
    for (kind_text, id) in keys {
        let Some(kind) = kind_from_name(&kind_text) else {
            *unknown_kinds.entry(kind_text).or_default() += 1;
            continue;
        };
        let data: Vec<u8> = tx
            .query_row(
                "SELECT CAST(data AS BLOB) FROM resources WHERE kind = ?1 AND id = ?2",
                params![kind_text, id],
                |row| row.get(0),
            )
            .map_err(StoreError::backend)?;
        let mut entry = indexer.index(kind, &data);
        entry.normalize();
        if let Some(slug) = &entry.slug {
            let owner: Option<String> = tx
                .query_row(
                    "SELECT id FROM resource_index WHERE kind = ?1 AND org = ?2 AND slug = ?3",
                    params![kind_text, entry.org, slug],
                    |row| row.get(0),
                )
                .optional()
                .map_err(StoreError::backend)?;
            if let Some(owner) = owner {
                tracing::warn!(
                    kind = %kind_text, %id, %owner, org = %entry.org, %slug,
                    "duplicate slug in existing data; the record is indexed without it"
                );
                entry.slug = None;
            }
        }
        insert_index(&tx, kind_name(kind), &id, &entry, 1).map_err(StoreError::backend)?;
        backfill.indexed += 1;
    }
    for (kind, rows) in unknown_kinds {
        tracing::warn!(%kind, rows, "rows of an unknown kind are not indexed");
    }
    backfill.orphans_removed = tx
        .execute(
            "DELETE FROM resource_index WHERE NOT EXISTS
               (SELECT 1 FROM resources r WHERE r.kind = resource_index.kind AND r.id = resource_index.id)",
            [],
        )
        .map_err(StoreError::backend)? as u64;
    if backfill != Backfill::default() {
        recount(&tx).map_err(StoreError::backend)?;
        tracing::info!(
            indexed = backfill.indexed,
            orphans_removed = backfill.orphans_removed,
            "SQLite index brought up to date"
        );
    }
    tx.commit().map_err(StoreError::backend)?;
    Ok(backfill)
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

/// Rebuilds every counter from the index tables; the bucket strings match
/// `index::bucket_of`.
fn recount(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM resource_count;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, '', COUNT(*) FROM resource_index GROUP BY kind;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'phase:' || phase, COUNT(*) FROM resource_index
           WHERE phase IS NOT NULL GROUP BY kind, phase;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'parent:' || parent_kind || '/' || parent_id, COUNT(*) FROM resource_parent
           GROUP BY kind, parent_kind, parent_id;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'parent:' || parent_kind || '/' || parent_id || '|phase:' || phase, COUNT(*)
           FROM resource_parent WHERE phase IS NOT NULL GROUP BY kind, parent_kind, parent_id, phase;",
    )
}
