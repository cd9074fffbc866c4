use std::time::Duration;

use stigmer_api::ApiResourceKind::{self, Agent, AgentInstance, Skill};
use stigmer_store::{IndexEntry, ListQuery, NewAudit, NewJob, StoreError, WriteBatch};

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

/// Version 2 of a server's extractor: slugs come from the stored bytes
/// (`agent_instance/<id>/<version>`), and instances name their agent.
fn extractor_v2(kind: ApiResourceKind, data: &[u8]) -> IndexEntry {
    let text = String::from_utf8_lossy(data);
    let id = text.split('/').nth(1).unwrap_or_default();
    let entry = IndexEntry::new().slug(format!("new-{id}"));
    match kind {
        AgentInstance => entry.parent(Agent, "agt-parent"),
        _ => entry,
    }
}

pub async fn a_new_index_version_reindexes_every_record(harness: &dyn Harness) {
    let store = harness.open_indexed(1, |_, _| IndexEntry::new()).await;
    for n in 1..=3 {
        store
            .create(with_slug(
                record(AgentInstance, &format!("ain-{n}"), "v1"),
                "",
                &format!("old-{n}"),
            ))
            .await
            .unwrap();
    }
    store
        .upsert(with_slug(record(AgentInstance, "ain-1", "v2"), "", "old-1"))
        .await
        .unwrap();
    store.close().await.unwrap();

    let store = harness.open_indexed(2, extractor_v2).await;
    assert_eq!(
        store.get_by_slug(AgentInstance, "", "old-2").await.unwrap(),
        None
    );
    let first = store
        .get_by_slug(AgentInstance, "", "new-ain-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.id.as_str(), first.revision),
        ("ain-1", 2),
        "revisions survive"
    );
    let children = store
        .list(&ListQuery::new(AgentInstance).children_of(Agent, "agt-parent"))
        .await
        .unwrap();
    assert_eq!(children.total, 3);
    let ids: Vec<String> = children.records.into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["ain-1", "ain-2", "ain-3"], "creation order survives");

    // Entries the server writes are kept as written while the version stays.
    store
        .create(with_slug(
            record(AgentInstance, "ain-4", "v1"),
            "",
            "explicit",
        ))
        .await
        .unwrap();
    store.close().await.unwrap();
    let store = harness.open_indexed(2, extractor_v2).await;
    assert_eq!(
        store
            .get_by_slug(AgentInstance, "", "explicit")
            .await
            .unwrap()
            .unwrap()
            .id,
        "ain-4"
    );
    assert_eq!(
        store
            .list(&ListQuery::new(AgentInstance))
            .await
            .unwrap()
            .total,
        4
    );
    store.close().await.unwrap();
}
