//! Crash safety: a child process writes and acknowledges records as fast as
//! it can and is killed with SIGKILL at a random moment; every record it
//! acknowledged must be there afterwards, in a database that passes
//! `PRAGMA integrity_check`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use rand::Rng;
use stigmer_api::ApiResourceKind;
use stigmer_store::{
    IndexEntry, ListQuery, NewAudit, NewJob, NewRecord, SqliteOptions, SqliteStore, Store,
    WriteBatch,
};

const CHILD_DB: &str = "STIGMER_STORE_CRASH_CHILD_DB";
const CHILD_TEST: &str = "crash_child_writes_until_killed";
const WRITERS: usize = 8;

/// The child: runs only when the parent test starts this binary with
/// `CHILD_DB` set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper process of kill_during_writes_loses_no_acknowledged_record"]
async fn crash_child_writes_until_killed() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let store = Arc::new(SqliteStore::open(SqliteOptions::new(path)).await.unwrap());
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let id = format!("aex-{writer}-{n}");
                let mut batch = WriteBatch::new();
                batch.create(
                    NewRecord::new(ApiResourceKind::AgentExecution, &id, id.as_bytes().to_vec())
                        .with_index(
                            IndexEntry::new()
                                .slug(&id)
                                .parent(ApiResourceKind::Session, format!("ses-{writer}"))
                                .phase(1),
                        ),
                );
                batch.save_audit(NewAudit {
                    kind: ApiResourceKind::AgentExecution,
                    resource_id: id.clone(),
                    data: id.as_bytes().to_vec(),
                    version_hash: String::new(),
                    tag: String::new(),
                });
                batch.enqueue_job(NewJob::new("dispatch", id.as_bytes().to_vec()));
                store.write(batch).await.unwrap();
                // Acknowledged: straight to the pipe, past the test
                // harness's capture.
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "ack {id}").unwrap();
                stdout.flush().unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
}

#[test]
fn kill_during_writes_loses_no_acknowledged_record() {
    let mut rng = rand::rng();
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stigmer.db");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                CHILD_TEST,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let kill_after = rng.random_range(20..400);
        let mut acknowledged = Vec::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            if let Some(id) = line.unwrap().strip_prefix("ack ") {
                acknowledged.push(id.to_owned());
                if acknowledged.len() == kill_after {
                    child.kill().unwrap(); // SIGKILL
                    break;
                }
            }
        }
        // Whatever the child acknowledged before it died counts too.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(id) = line.strip_prefix("ack ") {
                acknowledged.push(id.to_owned());
            }
        }
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the child was killed, it did not finish"
        );
        assert!(
            acknowledged.len() >= kill_after,
            "round {round}: the child acknowledged writes"
        );

        let conn = rusqlite::Connection::open(&path).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
        let rows: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM resources WHERE kind = 'agent_execution'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        drop(conn);

        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = SqliteStore::open(SqliteOptions::new(&path)).await.unwrap();
            for id in &acknowledged {
                let record = store
                    .get(ApiResourceKind::AgentExecution, id)
                    .await
                    .unwrap();
                assert_eq!(
                    record.map(|r| r.data),
                    Some(id.as_bytes().to_vec()),
                    "round {round}: {id} lost"
                );
                assert_eq!(
                    store
                        .list_audit_history(ApiResourceKind::AgentExecution, id)
                        .await
                        .unwrap()
                        .len(),
                    1
                );
            }
            // Index and counters survived with the records.
            let page = store
                .list(&ListQuery::new(ApiResourceKind::AgentExecution).page_size(1))
                .await
                .unwrap();
            assert!(page.total >= acknowledged.len() as u64, "round {round}");
            assert_eq!(
                page.total, rows as u64,
                "round {round}: the counter matches the rows"
            );
            let slug = &acknowledged[0];
            let by_slug = store
                .get_by_slug(ApiResourceKind::AgentExecution, "", slug)
                .await
                .unwrap();
            assert_eq!(by_slug.map(|r| r.id).as_ref(), Some(slug));
            store.close().await.unwrap();
        });
        eprintln!(
            "round {round}: killed after {} acknowledged writes, none lost",
            acknowledged.len()
        );
    }
}
