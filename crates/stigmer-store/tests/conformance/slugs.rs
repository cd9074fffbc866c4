use stigmer_api::ApiResourceKind::{Agent, Skill};
use stigmer_store::{ListQuery, StoreError, UniqueKey};

use crate::harness::{Harness, record, with_slug};

pub async fn slug_conflict_names_the_slug(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(with_slug(record(Agent, "agt-1", "v1"), "acme", "my-agent"))
        .await
        .unwrap();
    let error = store
        .create(with_slug(record(Agent, "agt-2", "v1"), "acme", "my-agent"))
        .await
        .unwrap_err();
    match &error {
        StoreError::AlreadyExists { kind, key } => {
            assert_eq!(*kind, Agent);
            assert_eq!(
                *key,
                UniqueKey::Slug {
                    org: "acme".into(),
                    slug: "my-agent".into()
                }
            );
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert!(error.to_string().contains("my-agent"), "{error}");
    assert!(!store.exists(Agent, "agt-2").await.unwrap());

    // An upsert of another record onto the slug fails too and leaves that
    // record as it was.
    store
        .create(with_slug(record(Agent, "agt-3", "v1"), "acme", "third"))
        .await
        .unwrap();
    let error = store
        .upsert(with_slug(record(Agent, "agt-3", "v2"), "acme", "my-agent"))
        .await
        .unwrap_err();
    assert!(error.is_already_exists());
    let third = store
        .get_by_slug(Agent, "acme", "third")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((third.id.as_str(), third.revision), ("agt-3", 1));

    let page = store.list(&ListQuery::new(Agent)).await.unwrap();
    assert_eq!(page.total, 2);
    store.close().await.unwrap();
}

pub async fn slugs_are_unique_per_kind_and_org(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(with_slug(record(Agent, "agt-acme", "v1"), "acme", "helper"))
        .await
        .unwrap();
    store
        .create(with_slug(
            record(Agent, "agt-other", "v1"),
            "other",
            "helper",
        ))
        .await
        .unwrap();
    store
        .create(with_slug(record(Agent, "agt-platform", "v1"), "", "helper"))
        .await
        .unwrap();
    store
        .create(with_slug(record(Skill, "skl-acme", "v1"), "acme", "helper"))
        .await
        .unwrap();
    // Records without a slug never collide.
    store
        .create(record(Agent, "agt-none-1", "v1"))
        .await
        .unwrap();
    store
        .create(record(Agent, "agt-none-2", "v1"))
        .await
        .unwrap();

    let by = |org: &'static str| {
        let store = store.clone();
        async move {
            store
                .get_by_slug(Agent, org, "helper")
                .await
                .unwrap()
                .map(|r| r.id)
        }
    };
    assert_eq!(by("acme").await.as_deref(), Some("agt-acme"));
    assert_eq!(by("other").await.as_deref(), Some("agt-other"));
    assert_eq!(by("").await.as_deref(), Some("agt-platform"));
    assert_eq!(by("nobody").await, None);
    let skill = store
        .get_by_slug(Skill, "acme", "helper")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(skill.id, "skl-acme");
    assert_eq!(
        store.get_by_slug(Agent, "acme", "nothing").await.unwrap(),
        None
    );
    store.close().await.unwrap();
}

pub async fn slugs_follow_updates_and_deletes(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .create(with_slug(record(Agent, "agt-1", "v1"), "acme", "old-name"))
        .await
        .unwrap();
    store
        .upsert(with_slug(record(Agent, "agt-1", "v2"), "acme", "new-name"))
        .await
        .unwrap();
    assert_eq!(
        store.get_by_slug(Agent, "acme", "old-name").await.unwrap(),
        None
    );
    let renamed = store
        .get_by_slug(Agent, "acme", "new-name")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((renamed.id.as_str(), renamed.revision), ("agt-1", 2));

    // The freed slug can be taken, and keeping one's own slug is no conflict.
    store
        .create(with_slug(record(Agent, "agt-2", "v1"), "acme", "old-name"))
        .await
        .unwrap();
    store
        .upsert(with_slug(record(Agent, "agt-2", "v2"), "acme", "old-name"))
        .await
        .unwrap();

    store.delete(Agent, "agt-1").await.unwrap();
    assert_eq!(
        store.get_by_slug(Agent, "acme", "new-name").await.unwrap(),
        None
    );
    store
        .create(with_slug(record(Agent, "agt-3", "v1"), "acme", "new-name"))
        .await
        .unwrap();
    store.close().await.unwrap();
}
