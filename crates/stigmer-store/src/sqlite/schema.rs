//! The SQLite schema. Versions 1 and 2 are the upstream server's, verbatim,
//! so an upstream `stigmer.db` opens as is (and stays readable by the
//! upstream server, which skips versions it already has); 3 and 4 are ours
//! and only add tables.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{StoreError, StoreResult};

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
/// of `resources` that predate this table are indexed on open (see
/// `backfill`); `store_meta` remembers which version of the server's index
/// extractor computed the index.
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
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
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

/// Ours, v5: lists of one org's records are a range of their own index,
/// and their totals a counter (filled here for the records already there).
const V5_ORG_LISTS: &str = "
CREATE INDEX resource_index_kind_org_seq ON resource_index (kind, org, seq);
INSERT INTO resource_count (kind, bucket, n)
  SELECT kind, 'org:' || org, COUNT(*) FROM resource_index GROUP BY kind, org;";

const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1_RESOURCES),
    (2, V2_AUDIT),
    (3, V3_INDEX),
    (4, V4_JOBS),
    (5, V5_ORG_LISTS),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 5;

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
