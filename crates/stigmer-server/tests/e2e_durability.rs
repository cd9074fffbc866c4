//! Nothing acknowledged is lost: a server killed with SIGKILL in the middle
//! of a stream of creates has every acknowledged resource after a restart,
//! and a database written by the upstream server is served as it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use prost::Message;
use stigmer_api::agentic::agent::v1::agent_command_controller_client::AgentCommandControllerClient;
use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient;
use stigmer_api::agentic::agentinstance::v1::{
    AgentInstance, AgentInstanceSpec, GetAgentInstancesByAgentRequest,
};
use stigmer_api::commons::apiresource::{ApiResourceMetadata, ApiResourceReference};
use stigmer_api::{ApiResourceKind, Resource};

use common::fixtures;

fn agent(name: &str) -> Agent {
    fixtures::agent(name, "Keep every acknowledged write.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_creates_loses_no_acknowledged_agent() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::Server::start_in(dir.path().to_path_buf(), &[]).await;
    let mut client = AgentCommandControllerClient::new(server.channel().await);

    let acked = Arc::new(AtomicUsize::new(0));
    let counter = acked.clone();
    let writer = tokio::spawn(async move {
        let mut acknowledged = Vec::new();
        for i in 0.. {
            match client.create(agent(&format!("durable {i}"))).await {
                Ok(created) => {
                    acknowledged.push(created.into_inner().id().to_owned());
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => break,
            }
        }
        acknowledged
    });
    // Let some creates land, then kill while creates are in flight, at a
    // moment that varies from run to run.
    while acked.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(u64::from(std::process::id() % 50))).await;
    server.kill();
    let acknowledged = writer.await.unwrap();
    assert!(
        acknowledged.len() > 3,
        "too few creates before the kill: {}",
        acknowledged.len()
    );

    let server = common::Server::start_in(dir.path().to_path_buf(), &[]).await;
    let mut query = AgentQueryControllerClient::new(server.channel().await);
    for id in &acknowledged {
        let found = query.get(AgentId { value: id.clone() }).await;
        assert!(
            found.is_ok(),
            "acknowledged agent {id} lost after SIGKILL: {found:?}"
        );
    }
}

/// The upstream schema (migrations 1 and 2), rows in protobuf binary.
const UPSTREAM_SCHEMA: &str = "
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT DEFAULT (datetime('now')));
CREATE TABLE resources (kind TEXT, id TEXT, data BLOB NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE INDEX idx_resources_kind ON resources(kind, id);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE resource_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
    resource_id TEXT NOT NULL, data BLOB NOT NULL, archived_at TEXT NOT NULL DEFAULT (datetime('now')),
    version_hash TEXT, tag TEXT);
INSERT INTO schema_version (version) VALUES (2);";

#[tokio::test]
async fn serves_a_database_written_by_the_upstream_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("upstream.db");
    {
        let connection = rusqlite::Connection::open(&db).unwrap();
        connection.execute_batch(UPSTREAM_SCHEMA).unwrap();
        let mut upstream_agent = agent("Legacy Agent");
        let metadata = upstream_agent.metadata_mut();
        metadata.id = "agt-01jupstream0000000000000".into();
        metadata.slug = "legacy-agent".into();
        let instance = AgentInstance {
            api_version: "agentic.stigmer.ai/v1".into(),
            kind: "AgentInstance".into(),
            metadata: Some(ApiResourceMetadata {
                id: "ain-01jupstream0000000000000".into(),
                name: "Legacy Agent-default".into(),
                slug: "legacy-agent-default".into(),
                org: "local".into(),
                owner_scope: 2,
                ..Default::default()
            }),
            spec: Some(AgentInstanceSpec {
                agent_id: upstream_agent.id().into(),
                ..Default::default()
            }),
            status: None,
        };
        let mut insert = connection
            .prepare("INSERT INTO resources (kind, id, data) VALUES (?1, ?2, ?3)")
            .unwrap();
        insert
            .execute(rusqlite::params![
                "agent",
                upstream_agent.id(),
                upstream_agent.encode_to_vec()
            ])
            .unwrap();
        insert
            .execute(rusqlite::params![
                "agent_instance",
                instance.id(),
                instance.encode_to_vec()
            ])
            .unwrap();
    }

    let server = common::Server::start_in(
        dir.path().to_path_buf(),
        &[("DB_PATH", db.to_str().unwrap())],
    )
    .await;
    let channel = server.channel().await;
    let mut agents = AgentQueryControllerClient::new(channel.clone());
    let by_id = agents
        .get(AgentId {
            value: "agt-01jupstream0000000000000".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_id.slug(), "legacy-agent");
    let reference = ApiResourceReference {
        org: "local".into(),
        slug: "legacy-agent".into(),
        kind: ApiResourceKind::Agent as i32,
        ..Default::default()
    };
    assert_eq!(
        agents
            .get_by_reference(reference)
            .await
            .unwrap()
            .into_inner()
            .id(),
        by_id.id(),
        "slug index backfilled"
    );
    let instances = AgentInstanceQueryControllerClient::new(channel)
        .get_by_agent(GetAgentInstancesByAgentRequest {
            agent_id: by_id.id().into(),
            page_info: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(instances.total_count, 1, "parent index backfilled");
    // New writes land next to the upstream rows.
    let created = AgentCommandControllerClient::new(server.channel().await)
        .create(agent("Fresh"))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id().starts_with("agt-"));
}

#[tokio::test]
async fn sigterm_stops_within_ten_seconds_and_bad_settings_fail_in_one_line() {
    let mut server = common::Server::start().await;
    let pid = server.child.id().to_string();
    let started = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // A busy port: the second server on the same port says so and exits 1.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stigmer-server"))
        .env("STIGMER_DATA_DIR", dir.path())
        .env("GRPC_PORT", &port)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );

    // An unreadable database path.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stigmer-server"))
        .env("STIGMER_DATA_DIR", dir.path())
        .env("DB_PATH", "/proc/version/stigmer.db")
        .env("GRPC_PORT", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot open the database"));
}
