use stigmer_api::ApiResourceKind::{self, Agent, Skill};
use stigmer_store::{PutMode, StoreError, UniqueKey};

use crate::harness::{Harness, data, record};

pub async fn round_trip(harness: &dyn Harness) {
    let store = harness.open().await;
    assert_eq!(store.create(record(Agent, "agt-1", "v1")).await.unwrap(), 1);
    let got = store.get(Agent, "agt-1").await.unwrap().unwrap();
    assert_eq!(got.data, data(Agent, "agt-1", "v1"));
    assert_eq!(
        (got.kind, got.id.as_str(), got.revision),
        (Agent, "agt-1", 1)
    );
    assert!(store.exists(Agent, "agt-1").await.unwrap());

    // The same id under another kind is another record.
    assert_eq!(store.get(Skill, "agt-1").await.unwrap(), None);
    assert!(!store.exists(Skill, "agt-1").await.unwrap());

    assert_eq!(store.upsert(record(Agent, "agt-1", "v2")).await.unwrap(), 2);
    let got = store.get(Agent, "agt-1").await.unwrap().unwrap();
    assert_eq!((got.data, got.revision), (data(Agent, "agt-1", "v2"), 2));

    // Upsert of a new id creates it.
    assert_eq!(store.upsert(record(Agent, "agt-2", "v1")).await.unwrap(), 1);

    assert!(store.delete(Agent, "agt-1").await.unwrap());
    assert_eq!(store.get(Agent, "agt-1").await.unwrap(), None);
    assert!(!store.exists(Agent, "agt-1").await.unwrap());
    // Deleting what is absent is fine, and says so.
    assert!(!store.delete(Agent, "agt-1").await.unwrap());
    assert!(store.exists(Agent, "agt-2").await.unwrap());

    // A deleted id can be created again.
    assert_eq!(store.create(record(Agent, "agt-1", "v3")).await.unwrap(), 1);
    store.close().await.unwrap();
}

pub async fn ids_with_punctuation_round_trip(harness: &dyn Harness) {
    let store = harness.open().await;
    let ids = [
        "a-b",
        "a_b",
        "a.b",
        "a:b",
        "a/b/c",
        "a@b",
        "a+b",
        "ünï-cödé",
        "a|b",
    ];
    for id in ids {
        store.create(record(Agent, id, "v1")).await.unwrap();
    }
    for id in ids {
        let got = store.get(Agent, id).await.unwrap().unwrap();
        assert_eq!(got.data, data(Agent, id, "v1"), "{id}");
    }
    store.close().await.unwrap();
}

pub async fn create_of_existing_id_is_already_exists(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(record(Agent, "agt-1", "original"))
        .await
        .unwrap();
    let error = store
        .create(record(Agent, "agt-1", "intruder"))
        .await
        .unwrap_err();
    match &error {
        StoreError::AlreadyExists { kind, key } => {
            assert_eq!(*kind, Agent);
            assert_eq!(*key, UniqueKey::Id("agt-1".into()));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert!(error.to_string().contains("agt-1"), "{error}");
    let got = store.get(Agent, "agt-1").await.unwrap().unwrap();
    assert_eq!(
        (got.data, got.revision),
        (data(Agent, "agt-1", "original"), 1)
    );
    store.close().await.unwrap();
}

pub async fn conditional_put_detects_concurrent_writers(harness: &dyn Harness) {
    let store = harness.open().await;
    store.create(record(Agent, "agt-1", "v1")).await.unwrap();
    let read = store.get(Agent, "agt-1").await.unwrap().unwrap();
    // Someone else writes in between.
    store
        .upsert(record(Agent, "agt-1", "theirs"))
        .await
        .unwrap();

    let error = store
        .put(
            record(Agent, "agt-1", "mine"),
            PutMode::IfRevision(read.revision),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::RevisionMismatch {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        store.get(Agent, "agt-1").await.unwrap().unwrap().data,
        data(Agent, "agt-1", "theirs")
    );

    let revision = store
        .put(record(Agent, "agt-1", "mine"), PutMode::IfRevision(2))
        .await
        .unwrap();
    assert_eq!(revision, 3);

    let error = store
        .put(record(Agent, "agt-404", "x"), PutMode::IfRevision(1))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert!(!store.exists(Agent, "agt-404").await.unwrap());
    store.close().await.unwrap();
}

pub async fn rejects_what_cannot_be_stored(harness: &dyn Harness) {
    let store = harness.open().await;
    let error = store.create(record(Agent, "", "v1")).await.unwrap_err();
    assert!(matches!(error, StoreError::InvalidArgument(_)), "{error:?}");
    let error = store
        .create(record(ApiResourceKind::Unknown, "x-1", "v1"))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidArgument(_)), "{error:?}");
    store.close().await.unwrap();
}
