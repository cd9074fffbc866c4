use stigmer_api::ApiResourceKind::{Agent, Skill};
use stigmer_store::NewAudit;

use crate::harness::Harness;

fn snapshot(resource_id: &str, version: u32, tag: &str) -> NewAudit {
    NewAudit {
        kind: Skill,
        resource_id: resource_id.into(),
        data: format!("{resource_id}@{version}").into_bytes(),
        version_hash: format!("{:064x}", version),
        tag: tag.into(),
    }
}

pub async fn audit_history_newest_first_and_lookups(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut ids = Vec::new();
    for version in 1..=5 {
        let tag = if version % 2 == 1 { "stable" } else { "beta" };
        ids.push(
            store
                .save_audit(snapshot("skl-1", version, tag))
                .await
                .unwrap(),
        );
    }
    store
        .save_audit(snapshot("skl-2", 1, "stable"))
        .await
        .unwrap();

    let history = store.list_audit_history(Skill, "skl-1").await.unwrap();
    let versions: Vec<&[u8]> = history.iter().map(|a| a.data.as_slice()).collect();
    assert_eq!(
        versions,
        [
            &b"skl-1@5"[..],
            b"skl-1@4",
            b"skl-1@3",
            b"skl-1@2",
            b"skl-1@1"
        ]
    );
    ids.reverse();
    assert_eq!(history.iter().map(|a| a.audit_id).collect::<Vec<_>>(), ids);
    assert!(
        history
            .iter()
            .all(|a| a.kind == Skill && a.resource_id == "skl-1")
    );
    assert!(history[0].archived_at > std::time::UNIX_EPOCH);

    let third = store
        .get_audit_by_hash(Skill, "skl-1", &format!("{:064x}", 3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (third.data.as_slice(), third.tag.as_str()),
        (&b"skl-1@3"[..], "stable")
    );
    // The most recent version with a tag wins.
    let stable = store
        .get_audit_by_tag(Skill, "skl-1", "stable")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stable.data, b"skl-1@5");
    let beta = store
        .get_audit_by_tag(Skill, "skl-1", "beta")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(beta.data, b"skl-1@4");
    assert_eq!(
        store
            .get_audit_by_tag(Skill, "skl-1", "nope")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_audit_by_hash(Skill, "skl-1", "nope")
            .await
            .unwrap(),
        None
    );
    // Scoped by kind and resource.
    assert_eq!(
        store
            .get_audit_by_tag(Agent, "skl-1", "stable")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .list_audit_history(Skill, "skl-unknown")
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(store.delete_audit(Skill, "skl-1").await.unwrap(), 5);
    assert!(
        store
            .list_audit_history(Skill, "skl-1")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_audit_history(Skill, "skl-2")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.delete_audit(Skill, "skl-1").await.unwrap(), 0);
    store.close().await.unwrap();
}
