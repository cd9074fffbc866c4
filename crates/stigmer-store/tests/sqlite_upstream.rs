//! SQLite-only behaviour: connection pragmas, and opening databases written
//! by the upstream Go server (schema v1/v2, no index tables), including rows
//! it writes after we migrated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use prost::Message;
use rusqlite::{Connection, params};
use stigmer_api::ApiResourceKind;
use stigmer_api::agentic::agent::v1::Agent;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceSpec};
use stigmer_api::commons::apiresource::ApiResourceMetadata;
use stigmer_store::{IndexEntry, ListQuery, SqliteOptions, SqliteStore, Store};

/// The upstream server's schema, as its migrations 1 and 2 create it.
const UPSTREAM_SCHEMA: &str = "
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT DEFAULT (datetime('now')));
CREATE TABLE resources (
    kind TEXT, id TEXT, data BLOB NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX idx_resources_kind ON resources(kind, id);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE resource_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, resource_id TEXT NOT NULL, data BLOB NOT NULL,
    archived_at TEXT NOT NULL DEFAULT (datetime('now')),
    version_hash TEXT, tag TEXT
);
CREATE INDEX idx_audit_kind_resource ON resource_audit(kind, resource_id);
CREATE INDEX idx_audit_hash ON resource_audit(kind, resource_id, version_hash);
CREATE INDEX idx_audit_tag ON resource_audit(kind, resource_id, tag, archived_at DESC);
INSERT INTO schema_version (version) VALUES (2);";

fn metadata(id: &str, slug: &str, org: &str) -> Option<ApiResourceMetadata> {
    Some(ApiResourceMetadata {
        id: id.into(),
        name: slug.into(),
        slug: slug.into(),
        org: org.into(),
        ..Default::default()
    })
}

fn agent(id: &str, slug: &str, org: &str) -> Vec<u8> {
    Agent {
        api_version: "agentic.stigmer.ai/v1".into(),
        kind: "Agent".into(),
        metadata: metadata(id, slug, org),
        ..Default::default()
    }
    .encode_to_vec()
}

fn instance(id: &str, agent_id: &str) -> Vec<u8> {
    AgentInstance {
        metadata: metadata(id, id, "acme"),
        spec: Some(AgentInstanceSpec {
            agent_id: agent_id.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// What the server's index extractor will do: decode, read metadata and
/// references.
fn indexer(kind: ApiResourceKind, data: &[u8]) -> IndexEntry {
    use stigmer_api::Resource;
    match kind {
        ApiResourceKind::Agent => Agent::decode(data)
            .map(|agent| IndexEntry::new().org(agent.org()).slug(agent.slug()))
            .unwrap_or_default(),
        ApiResourceKind::AgentInstance => AgentInstance::decode(data)
            .map(|instance| {
                let agent_id = instance
                    .spec
                    .as_ref()
                    .map(|s| s.agent_id.clone())
                    .unwrap_or_default();
                IndexEntry::new()
                    .org(instance.org())
                    .slug(instance.slug())
                    .parent(ApiResourceKind::Agent, agent_id)
            })
            .unwrap_or_default(),
        _ => IndexEntry::default(),
    }
}

fn insert(conn: &Connection, kind: &str, id: &str, data: &[u8]) {
    conn.execute(
        "INSERT INTO resources (kind, id, data, updated_at) VALUES (?1, ?2, ?3, datetime('now'))",
        params![kind, id, data],
    )
    .unwrap();
}

fn upstream_database(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL;").unwrap();
    conn.execute_batch(UPSTREAM_SCHEMA).unwrap();
    insert(
        &conn,
        "agent",
        "agt-01a",
        &agent("agt-01a", "helper", "acme"),
    );
    insert(&conn, "agent", "agt-01b", &agent("agt-01b", "writer", ""));
    // Upstream never enforced unique slugs.
    insert(
        &conn,
        "agent",
        "agt-01c",
        &agent("agt-01c", "helper", "acme"),
    );
    // Inserted out of order: ULID ids carry the creation order.
    insert(
        &conn,
        "agent_instance",
        "ain-01z",
        &instance("ain-01z", "agt-01a"),
    );
    insert(
        &conn,
        "agent_instance",
        "ain-01x",
        &instance("ain-01x", "agt-01a"),
    );
    insert(
        &conn,
        "agent_instance",
        "ain-01y",
        &instance("ain-01y", "agt-01a"),
    );
    insert(&conn, "future_kind", "fut-1", b"from a newer server");
    for (n, (hash, tag)) in [("h1", "v1"), ("h2", "v2"), ("h3", "v1")]
        .into_iter()
        .enumerate()
    {
        conn.execute(
            "INSERT INTO resource_audit (kind, resource_id, data, archived_at, version_hash, tag)
             VALUES ('skill', 'skl-1', ?1, ?2, ?3, ?4)",
            params![
                format!("snapshot {n}"),
                format!("2026-01-2{n} 10:00:00"),
                hash,
                tag
            ],
        )
        .unwrap();
    }
}

async fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(SqliteOptions::new(path).indexer(1, indexer))
        .await
        .unwrap()
}

fn ids(page: stigmer_store::Page) -> Vec<String> {
    page.records.into_iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn an_upstream_database_opens_and_gets_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stigmer.db");
    upstream_database(&path);

    let store = open(&path).await;
    assert_eq!(
        store.indexed_on_open(),
        6,
        "three agents and three instances"
    );

    let helper = store
        .get_by_slug(ApiResourceKind::Agent, "acme", "helper")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        helper.id, "agt-01a",
        "the older record keeps a duplicated slug"
    );
    assert_eq!(
        Agent::decode(helper.data.as_slice())
            .unwrap()
            .metadata
            .unwrap()
            .id,
        "agt-01a"
    );
    assert!(
        store
            .get(ApiResourceKind::Agent, "agt-01c")
            .await
            .unwrap()
            .is_some()
    );
    let writer = store
        .get_by_slug(ApiResourceKind::Agent, "", "writer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(writer.id, "agt-01b");

    let agents = store
        .list(&ListQuery::new(ApiResourceKind::Agent))
        .await
        .unwrap();
    assert_eq!(agents.total, 3);
    assert_eq!(ids(agents), ["agt-01a", "agt-01b", "agt-01c"]);
    let children = store
        .list(
            &ListQuery::new(ApiResourceKind::AgentInstance)
                .children_of(ApiResourceKind::Agent, "agt-01a"),
        )
        .await
        .unwrap();
    assert_eq!(children.total, 3);
    assert_eq!(ids(children), ["ain-01x", "ain-01y", "ain-01z"]);

    // Upstream audit rows: newest first, most recent tag wins.
    let history = store
        .list_audit_history(ApiResourceKind::Skill, "skl-1")
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|a| a.version_hash.as_str())
            .collect::<Vec<_>>(),
        ["h3", "h2", "h1"]
    );
    let v1 = store
        .get_audit_by_tag(ApiResourceKind::Skill, "skl-1", "v1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.data, b"snapshot 2");

    // New writes keep working and keep the upstream layout.
    store
        .create(
            stigmer_store::NewRecord::new(
                ApiResourceKind::Agent,
                "agt-01d",
                agent("agt-01d", "new", "acme"),
            )
            .with_index(indexer(
                ApiResourceKind::Agent,
                &agent("agt-01d", "new", "acme"),
            )),
        )
        .await
        .unwrap();
    store.close().await.unwrap();

    let conn = Connection::open(&path).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('resources')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["kind", "id", "data", "updated_at"]);
    let (data, updated_at): (Vec<u8>, String) = conn
        .query_row(
            "SELECT data, updated_at FROM resources WHERE kind = 'agent' AND id = 'agt-01d'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        Agent::decode(data.as_slice())
            .unwrap()
            .metadata
            .unwrap()
            .slug,
        "new"
    );
    assert_eq!(
        updated_at.len(),
        "2026-01-20 10:00:00".len(),
        "upstream's datetime('now') format"
    );
    let future: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM resources WHERE kind = 'future_kind'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(future, 1, "rows of unknown kinds are kept");
}

#[tokio::test]
async fn rows_an_upstream_server_writes_later_are_picked_up_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stigmer.db");
    upstream_database(&path);
    open(&path).await.close().await.unwrap();

    // The upstream server (no index, foreign keys off) writes and deletes.
    let conn = Connection::open(&path).unwrap();
    insert(&conn, "agent", "agt-01e", &agent("agt-01e", "late", "acme"));
    conn.execute(
        "DELETE FROM resources WHERE kind = 'agent' AND id = 'agt-01b'",
        [],
    )
    .unwrap();
    drop(conn);

    let store = open(&path).await;
    assert_eq!(store.indexed_on_open(), 1);
    let late = store
        .get_by_slug(ApiResourceKind::Agent, "acme", "late")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(late.id, "agt-01e");
    assert_eq!(
        store
            .get_by_slug(ApiResourceKind::Agent, "", "writer")
            .await
            .unwrap(),
        None
    );
    let agents = store
        .list(&ListQuery::new(ApiResourceKind::Agent))
        .await
        .unwrap();
    assert_eq!(agents.total, 3);
    assert_eq!(ids(agents), ["agt-01a", "agt-01c", "agt-01e"]);
    // The slug the deleted record held is free again.
    store
        .create(
            stigmer_store::NewRecord::new(ApiResourceKind::Agent, "agt-01f", Vec::new())
                .with_index(IndexEntry::new().slug("writer")),
        )
        .await
        .unwrap();
    store.close().await.unwrap();
}

#[tokio::test]
async fn legacy_audit_rows_move_to_the_audit_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stigmer.db");
    {
        let conn = Connection::open(&path).unwrap();
        // Only upstream migration 1 applied, with Badger-era audit keys.
        let v1_only =
            &UPSTREAM_SCHEMA[..UPSTREAM_SCHEMA.find("CREATE TABLE resource_audit").unwrap()];
        conn.execute_batch(v1_only).unwrap();
        insert(
            &conn,
            "skill",
            "skill_audit/skl-1/1700000000000000000",
            b"old version",
        );
        insert(&conn, "skill", "skl-1", b"current");
    }
    let store = open(&path).await;
    let history = store
        .list_audit_history(ApiResourceKind::Skill, "skl-1")
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].data, b"old version");
    assert!(store.exists(ApiResourceKind::Skill, "skl-1").await.unwrap());
    assert!(
        !store
            .exists(
                ApiResourceKind::Skill,
                "skill_audit/skl-1/1700000000000000000"
            )
            .await
            .unwrap()
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stigmer.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(UPSTREAM_SCHEMA).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (99)", [])
            .unwrap();
    }
    let error = SqliteStore::open(SqliteOptions::new(&path))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("newer"), "{error}");
}

#[tokio::test]
async fn every_connection_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::new(dir.path().join("stigmer.db"))
        .readers(3)
        .inline_readers(2);
    let store = SqliteStore::open(options).await.unwrap();
    let settings = store.connection_settings();
    assert_eq!(
        settings.len(),
        6,
        "the writer, three reader threads, two inline readers"
    );
    for (n, connection) in settings.iter().enumerate() {
        assert_eq!(connection.journal_mode, "wal");
        assert_eq!(connection.synchronous, 2, "FULL");
        // Inline readers run on the async runtime and must never wait.
        let waits = if n < 4 { 5000 } else { 0 };
        assert_eq!(connection.busy_timeout_ms, waits);
        assert!(connection.foreign_keys);
        assert_eq!(connection.query_only, n > 0, "only readers are read-only");
    }
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_database_of_the_previous_schema_gets_org_lists_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stigmer.db");
    upstream_database(&path);
    open(&path).await.close().await.unwrap();
    // Back to schema v4, as the previous build left it: no org index, no
    // org counters.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP INDEX resource_index_kind_org_seq;
         DELETE FROM resource_count WHERE bucket LIKE 'org:%';
         DELETE FROM schema_version WHERE version = 5;",
    )
    .unwrap();
    drop(conn);

    let store = open(&path).await;
    let acme = store
        .list(&ListQuery::new(ApiResourceKind::Agent).in_org("acme"))
        .await
        .unwrap();
    assert_eq!(acme.total, 2, "the counter was filled by the migration");
    assert_eq!(ids(acme), ["agt-01a", "agt-01c"]);
    let plan: String = Connection::open(&path)
        .unwrap()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM resource_index WHERE kind = 'agent' AND org = 'acme' ORDER BY seq",
            [],
            |row| row.get(3),
        )
        .unwrap();
    assert!(plan.contains("resource_index_kind_org_seq"), "{plan}");
    store.close().await.unwrap();
}
