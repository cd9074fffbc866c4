//! The PostgreSQL schema: the same tables, columns and indexes as the
//! SQLite one (same version numbers), in PostgreSQL types. Migrations run
//! at start-up in one transaction under an advisory lock, so replicas
//! starting together do not race.

use super::pg_error;
use crate::error::{StoreError, StoreResult};

const V1_RESOURCES: &str = "
CREATE TABLE resources (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    data BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);";

const V2_AUDIT: &str = "
CREATE TABLE resource_audit (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    data BYTEA NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    version_hash TEXT,
    tag TEXT
);
CREATE INDEX idx_resource_audit_kind_resource ON resource_audit (kind, resource_id);
CREATE INDEX idx_resource_audit_hash ON resource_audit (kind, resource_id, version_hash);
CREATE INDEX idx_resource_audit_tag ON resource_audit (kind, resource_id, tag, archived_at DESC);";

/// As SQLite's v3, except that the primary key is (kind, seq): there is no
/// index on `seq` alone, so even a generic plan for "a kind after a cursor"
/// cannot pick a scan over every kind's rows.
const V3_INDEX: &str = "
CREATE TABLE resource_index (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    org TEXT NOT NULL DEFAULT '',
    slug TEXT,
    phase INTEGER,
    revision BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, seq),
    CONSTRAINT resource_index_kind_id UNIQUE (kind, id) INCLUDE (revision),
    FOREIGN KEY (kind, id) REFERENCES resources (kind, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX resource_index_slug ON resource_index (kind, org, slug) WHERE slug IS NOT NULL;
CREATE INDEX resource_index_kind_phase_seq ON resource_index (kind, phase, seq) WHERE phase IS NOT NULL;
CREATE TABLE resource_parent (
    kind TEXT NOT NULL,
    parent_kind TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL,
    phase INTEGER,
    PRIMARY KEY (kind, parent_kind, parent_id, seq),
    FOREIGN KEY (kind, id) REFERENCES resource_index (kind, id) ON DELETE CASCADE
);
CREATE INDEX resource_parent_child ON resource_parent (kind, id);
CREATE INDEX resource_parent_phase_seq
    ON resource_parent (kind, parent_kind, parent_id, phase, seq) WHERE phase IS NOT NULL;
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE resource_count (
    kind TEXT NOT NULL,
    bucket TEXT NOT NULL,
    shard SMALLINT NOT NULL DEFAULT 0,
    n BIGINT NOT NULL,
    PRIMARY KEY (kind, bucket, shard)
);";

/// Claimers lock due rows with `FOR UPDATE SKIP LOCKED` over the
/// (queue, due_at, id) index; a claim moves `due_at` to the lease end.
const V4_JOBS: &str = "
CREATE TABLE job (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL,
    payload BYTEA NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX job_queue_due ON job (queue, due_at, id);";

/// v5: lists of one org's records are a range of their own index, and
/// their totals a counter (filled here for the records already there).
const V5_ORG_LISTS: &str = "
CREATE INDEX resource_index_kind_org_seq ON resource_index (kind, org, seq);
INSERT INTO resource_count (kind, bucket, n)
  SELECT kind, 'org:' || org, COUNT(*) FROM resource_index GROUP BY kind, org;";

const MIGRATIONS: &[(i32, &str)] = &[
    (1, V1_RESOURCES),
    (2, V2_AUDIT),
    (3, V3_INDEX),
    (4, V4_JOBS),
    (5, V5_ORG_LISTS),
];

/// Any constant shared by every replica; serialises migrations.
const MIGRATION_LOCK: i64 = 0x0053_7469_676d_6572; // "Stigmer" in ASCII

pub(crate) async fn migrate(
    client: &mut deadpool_postgres::Object,
    schema: Option<&str>,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_error)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(schema)
        ))
        .await
        .map_err(pg_error)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(pg_error)?;
    let current: i32 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    let newest = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    if current > newest {
        return Err(StoreError::backend(std::io::Error::other(format!(
            "database schema version {current} is newer than this build understands ({newest})"
        ))));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > current) {
        tx.batch_execute(sql).await.map_err(pg_error)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(pg_error)?;
        tracing::info!(version, "applied PostgreSQL schema migration");
    }
    tx.commit().await.map_err(pg_error)
}

/// Quotes an identifier (schema or channel name) for SQL text.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
