use std::time::Duration;

use stigmer_api::ApiResourceKind::{Agent, Session};
use stigmer_store::{Change, NewJob, WriteBatch};

use crate::harness::{Harness, record};

pub async fn subscribers_hear_committed_changes_only(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut feed = store.subscribe();

    store.create(record(Agent, "agt-1", "v1")).await.unwrap();
    // Published before the writer is answered: a change is never news to
    // whoever made it and then looks.
    assert_eq!(
        feed.try_recv().unwrap(),
        Change::Put {
            kind: Agent,
            id: "agt-1".into()
        }
    );
    let mut batch = WriteBatch::new();
    batch.upsert(record(Agent, "agt-1", "v2"));
    batch.create(record(Session, "ses-1", "v1"));
    batch.enqueue_job(NewJob::new("dispatch", vec![]));
    batch.enqueue_job(NewJob::new("dispatch", vec![]));
    store.write(batch).await.unwrap();
    assert!(store.create(record(Agent, "agt-1", "again")).await.is_err());
    store.delete(Agent, "agt-1").await.unwrap();
    store.delete(Agent, "agt-never").await.unwrap();

    let mut received = Vec::new();
    while let Ok(Ok(change)) = tokio::time::timeout(Duration::from_millis(500), feed.recv()).await {
        received.push(change);
    }
    assert_eq!(
        received,
        [
            Change::Put {
                kind: Agent,
                id: "agt-1".into()
            },
            Change::Put {
                kind: Session,
                id: "ses-1".into()
            },
            Change::JobEnqueued {
                queue: "dispatch".into()
            },
            Change::Deleted {
                kind: Agent,
                id: "agt-1".into()
            },
        ]
    );
    store.close().await.unwrap();
}
