use std::collections::HashSet;

use stigmer_api::ApiResourceKind::{Agent, AgentExecution, Session};
use stigmer_store::{IndexEntry, ListQuery};

use crate::harness::{Harness, record};

const WRITERS: usize = 50;
const RECORDS_PER_WRITER: usize = 10;
const SHARED_EVERY: usize = 5;

pub async fn fifty_writers_and_readers_lose_nothing(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(record(Agent, "agt-shared", "v0"))
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let writer_store = store.clone();
        tasks.push(tokio::spawn(async move {
            let store = writer_store;
            for n in 0..RECORDS_PER_WRITER {
                let id = format!("aex-{writer:02}-{n:02}");
                let session = format!("ses-{}", writer % 5);
                let entry = IndexEntry::new()
                    .parent(Session, session)
                    .phase((n % 3) as i32 + 1);
                store
                    .create(
                        record(AgentExecution, &id, "v1").with_index(entry.org("acme").slug(&id)),
                    )
                    .await
                    .unwrap();
                // Writers also take turns on one shared record (a hot row
                // on PostgreSQL): no update may be lost.
                if n % SHARED_EVERY == 0 {
                    store
                        .upsert(record(Agent, "agt-shared", &format!("{writer}-{n}")))
                        .await
                        .unwrap();
                }
                let got = store.get(AgentExecution, &id).await.unwrap();
                assert!(got.is_some(), "a write is readable once acknowledged");
            }
        }));
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..RECORDS_PER_WRITER {
                let page = store
                    .list(&ListQuery::new(AgentExecution).page_size(20))
                    .await
                    .unwrap();
                assert!(page.records.len() as u64 <= page.total);
                store.get(Agent, "agt-shared").await.unwrap().unwrap();
                store
                    .get_by_slug(AgentExecution, "acme", &format!("aex-{writer:02}-00"))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let expected = WRITERS * RECORDS_PER_WRITER;
    let mut seen = HashSet::new();
    let mut query = ListQuery::new(AgentExecution).page_size(137);
    loop {
        let page = store.list(&query).await.unwrap();
        assert_eq!(page.total, expected as u64);
        seen.extend(page.records.into_iter().map(|r| r.id));
        match page.next_cursor {
            Some(cursor) => query = query.after(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected);
    for session in 0..5 {
        let page = store
            .list(&ListQuery::new(AgentExecution).children_of(Session, format!("ses-{session}")))
            .await
            .unwrap();
        assert_eq!(page.total, expected as u64 / 5);
    }
    let shared = store.get(Agent, "agt-shared").await.unwrap().unwrap();
    let shared_writes = WRITERS * RECORDS_PER_WRITER.div_ceil(SHARED_EVERY);
    assert_eq!(
        shared.revision,
        1 + shared_writes as u64,
        "every upsert counted"
    );
    store.close().await.unwrap();
}
