use stigmer_api::ApiResourceKind::{AgentExecution, Session, Skill};
use stigmer_store::{
    Change, Durability, IndexEntry, ListQuery, NewAudit, NewJob, PutMode, StoreError, UniqueKey,
    WriteBatch, WriteOutcome,
};

use crate::harness::{Harness, data, record, with_slug};

pub async fn failing_second_write_leaves_the_first_absent(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(record(Session, "ses-1", "original"))
        .await
        .unwrap();

    let mut batch = WriteBatch::new();
    batch.create(
        record(AgentExecution, "aex-1", "v1")
            .with_index(IndexEntry::new().parent(Session, "ses-1").phase(1)),
    );
    batch.create(record(Session, "ses-1", "clobber"));
    let error = store.write(batch).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::AlreadyExists { key: UniqueKey::Id(id), .. } if id == "ses-1"),
        "{error:?}"
    );

    assert_eq!(store.get(AgentExecution, "aex-1").await.unwrap(), None);
    let session = store.get(Session, "ses-1").await.unwrap().unwrap();
    assert_eq!(
        (session.data, session.revision),
        (data(Session, "ses-1", "original"), 1)
    );
    // Nothing of the first write reached the index or the counters.
    let children = store
        .list(&ListQuery::new(AgentExecution).children_of(Session, "ses-1"))
        .await
        .unwrap();
    assert_eq!((children.records.len(), children.total), (0, 0));
    assert_eq!(
        store
            .list(&ListQuery::new(AgentExecution))
            .await
            .unwrap()
            .total,
        0
    );
    store.close().await.unwrap();
}

pub async fn failed_batch_changes_nothing_anywhere(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(with_slug(record(Skill, "skl-1", "v1"), "", "taken"))
        .await
        .unwrap();
    store.create(record(Session, "ses-1", "v1")).await.unwrap();
    let mut feed = store.subscribe();

    // Delete, audit, job and a create all undone by a slug conflict at the end.
    let mut batch = WriteBatch::new();
    batch.delete(Session, "ses-1");
    batch.save_audit(NewAudit {
        kind: Skill,
        resource_id: "skl-1".into(),
        data: b"snapshot".to_vec(),
        version_hash: "h1".into(),
        tag: "t1".into(),
    });
    batch.enqueue_job(NewJob::new("dispatch", b"job".to_vec()));
    batch.create(record(Skill, "skl-2", "v1"));
    batch.create(with_slug(record(Skill, "skl-3", "v1"), "", "taken"));
    let error = store.write(batch).await.unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::AlreadyExists {
                key: UniqueKey::Slug { .. },
                ..
            }
        ),
        "{error:?}"
    );

    assert!(store.exists(Session, "ses-1").await.unwrap());
    assert!(!store.exists(Skill, "skl-2").await.unwrap());
    assert!(
        store
            .list_audit_history(Skill, "skl-1")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim_jobs("dispatch", "w", std::time::Duration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(feed.try_recv().is_err(), "a failed batch publishes nothing");

    // A stale conditional put at the end undoes an earlier delete too.
    let mut batch = WriteBatch::new();
    batch.delete(Session, "ses-1");
    batch.put(record(Skill, "skl-1", "v2"), PutMode::IfRevision(7));
    assert!(matches!(
        store.write(batch).await,
        Err(StoreError::RevisionMismatch { .. })
    ));
    assert!(store.exists(Session, "ses-1").await.unwrap());
    store.close().await.unwrap();
}

pub async fn batch_across_kinds_commits_together(harness: &dyn Harness) {
    let store = harness.open().await;
    store.create(record(Session, "ses-1", "v1")).await.unwrap();
    let mut batch = WriteBatch::new();
    batch.create(
        record(AgentExecution, "aex-1", "v1")
            .with_index(IndexEntry::new().parent(Session, "ses-1").phase(1)),
    );
    batch.upsert(record(Session, "ses-1", "v2"));
    batch.save_audit(NewAudit {
        kind: Skill,
        resource_id: "skl-1".into(),
        data: b"snapshot".to_vec(),
        version_hash: "h1".into(),
        tag: String::new(),
    });
    batch.enqueue_job(NewJob::new("dispatch", b"aex-1".to_vec()));
    batch.delete(Skill, "skl-absent");
    let outcomes = store.write(batch).await.unwrap();
    assert_eq!(outcomes.len(), 5);
    assert_eq!(outcomes[0], WriteOutcome::Put { revision: 1 });
    assert_eq!(outcomes[1], WriteOutcome::Put { revision: 2 });
    assert!(matches!(outcomes[2], WriteOutcome::AuditSaved { .. }));
    assert!(matches!(outcomes[3], WriteOutcome::JobEnqueued { .. }));
    assert_eq!(outcomes[4], WriteOutcome::Deleted { existed: false });

    assert!(store.exists(AgentExecution, "aex-1").await.unwrap());
    assert_eq!(
        store.get(Session, "ses-1").await.unwrap().unwrap().revision,
        2
    );
    assert!(
        store
            .get_audit_by_hash(Skill, "skl-1", "h1")
            .await
            .unwrap()
            .is_some()
    );
    let jobs = store
        .claim_jobs("dispatch", "w", std::time::Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload, b"aex-1");
    let _ = Change::Resync;
    store.close().await.unwrap();
}

/// A write that waits for the next synced commit is visible, announced and
/// rolled back like any other; the synced write after it commits normally.
pub async fn a_write_synced_by_the_next_commit_behaves_like_any_other(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut feed = store.subscribe();
    let mut batch = WriteBatch::new();
    batch
        .create(record(Session, "ses-1", "nested"))
        .set_durability(Durability::WithNextSyncedCommit);
    store.write(batch).await.unwrap();
    assert_eq!(
        feed.recv().await.unwrap(),
        Change::Put {
            kind: Session,
            id: "ses-1".into()
        }
    );
    assert!(store.get(Session, "ses-1").await.unwrap().is_some());

    let mut failing = WriteBatch::new();
    failing
        .create(record(Session, "ses-2", "nested"))
        .create(record(Session, "ses-1", "clobber"))
        .set_durability(Durability::WithNextSyncedCommit);
    store.write(failing).await.unwrap_err();
    assert_eq!(store.get(Session, "ses-2").await.unwrap(), None);

    store
        .create(record(AgentExecution, "aex-1", "caller"))
        .await
        .unwrap();
    assert!(store.get(AgentExecution, "aex-1").await.unwrap().is_some());
    store.close().await.unwrap();
}
