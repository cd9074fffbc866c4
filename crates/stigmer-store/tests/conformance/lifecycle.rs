use std::time::Duration;

use stigmer_api::ApiResourceKind::{Agent, Skill};
use stigmer_store::{ListQuery, NewAudit, NewJob, StoreError, WriteBatch};

use crate::harness::{Harness, data, record, with_slug};

fn closed<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::Closed) => {}
        other => panic!("expected Closed, got {other:?}"),
    }
}

pub async fn close_is_idempotent_and_final(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(with_slug(record(Agent, "agt-1", "v1"), "", "kept"))
        .await
        .unwrap();
    store.close().await.unwrap();
    store.close().await.unwrap();

    closed(store.get(Agent, "agt-1").await);
    closed(store.exists(Agent, "agt-1").await);
    closed(store.get_by_slug(Agent, "", "kept").await);
    closed(store.list(&ListQuery::new(Agent)).await);
    closed(store.create(record(Agent, "agt-2", "v1")).await);
    closed(store.delete(Agent, "agt-1").await);
    closed(store.write(WriteBatch::new()).await);
    closed(
        store
            .save_audit(NewAudit {
                kind: Skill,
                resource_id: "skl-1".into(),
                data: vec![1],
                version_hash: String::new(),
                tag: String::new(),
            })
            .await,
    );
    closed(store.list_audit_history(Skill, "skl-1").await);
    closed(store.get_audit_by_tag(Skill, "skl-1", "t").await);
    closed(store.enqueue_job(NewJob::new("q", vec![])).await);
    closed(store.claim_jobs("q", "w", Duration::ZERO, 1).await);

    // Everything acknowledged before close is there after reopening.
    let reopened = harness.open().await;
    let got = reopened.get(Agent, "agt-1").await.unwrap().unwrap();
    assert_eq!(got.data, data(Agent, "agt-1", "v1"));
    assert_eq!(
        reopened
            .get_by_slug(Agent, "", "kept")
            .await
            .unwrap()
            .unwrap()
            .id,
        "agt-1"
    );
    assert!(!reopened.exists(Agent, "agt-2").await.unwrap());
    reopened.close().await.unwrap();
}
