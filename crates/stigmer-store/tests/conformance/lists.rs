use std::collections::HashSet;

use stigmer_api::ApiResourceKind::{
    self, Agent, AgentExecution, AgentInstance, Session, Workflow, WorkflowExecution,
    WorkflowInstance,
};
use stigmer_store::{IndexEntry, ListQuery, Order, Store, StoreError, WriteBatch};

use crate::harness::{Harness, record};

async fn create_numbered(
    store: &dyn Store,
    kind: ApiResourceKind,
    prefix: &str,
    count: usize,
) -> Vec<String> {
    let ids: Vec<String> = (0..count).map(|n| format!("{prefix}-{n:04}")).collect();
    // Batches keep the setup fast; creation order is batch order.
    for chunk in ids.chunks(50) {
        let mut batch = WriteBatch::new();
        for id in chunk {
            batch.create(record(kind, id, "v1"));
        }
        store.write(batch).await.unwrap();
    }
    ids
}

/// Every id of every page, following cursors from the first page.
async fn page_through(store: &dyn Store, query: ListQuery) -> Vec<String> {
    let mut seen = Vec::new();
    let mut query = query;
    loop {
        let page = store.list(&query).await.unwrap();
        assert!(page.records.len() <= query.page_size as usize);
        seen.extend(page.records.into_iter().map(|r| r.id));
        match page.next_cursor {
            Some(cursor) => query = query.after(cursor),
            None => return seen,
        }
    }
}

pub async fn cursor_paging_visits_every_record_once_while_records_are_added(harness: &dyn Harness) {
    let store = harness.open().await;
    let initial = create_numbered(store.as_ref(), Agent, "agt", 120).await;

    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for n in 0..60 {
                store
                    .create(record(Agent, &format!("new-{n:04}"), "v1"))
                    .await
                    .unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut query = ListQuery::new(Agent).page_size(7);
    loop {
        let page = store.list(&query).await.unwrap();
        assert!(page.total >= 120);
        seen.extend(page.records.into_iter().map(|r| r.id));
        match page.next_cursor {
            Some(cursor) => query = query.after(cursor),
            None => break,
        }
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a record was visited twice");
    let visited_initial: Vec<&String> = seen.iter().filter(|id| id.starts_with("agt-")).collect();
    assert_eq!(
        visited_initial,
        initial.iter().collect::<Vec<_>>(),
        "every existing record once, in creation order"
    );
    // Records added meanwhile come after all of them.
    let first_new = seen.iter().position(|id| id.starts_with("new-"));
    if let Some(first_new) = first_new {
        assert!(first_new >= 120);
    }
    store.close().await.unwrap();
}

pub async fn newest_first_cursor_paging(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut ids = create_numbered(store.as_ref(), Agent, "agt", 33).await;
    let seen = page_through(
        store.as_ref(),
        ListQuery::new(Agent).order(Order::NewestFirst).page_size(5),
    )
    .await;
    ids.reverse();
    assert_eq!(seen, ids);
    store.close().await.unwrap();
}

pub async fn page_numbers_and_totals(harness: &dyn Harness) {
    let store = harness.open().await;
    let ids = create_numbered(store.as_ref(), Agent, "agt", 23).await;
    // Other kinds do not leak into a kind's list.
    create_numbered(store.as_ref(), Session, "ses", 4).await;

    let mut concatenated = Vec::new();
    for number in 1..=5 {
        let page = store
            .list(&ListQuery::new(Agent).page_size(5).page_number(number))
            .await
            .unwrap();
        assert_eq!(page.total, 23);
        assert_eq!(page.total_pages(5), 5);
        assert_eq!(page.records.len(), if number < 5 { 5 } else { 3 });
        assert_eq!(page.next_cursor.is_some(), number < 5);
        concatenated.extend(page.records.into_iter().map(|r| r.id));
    }
    assert_eq!(concatenated, ids);
    let beyond = store
        .list(&ListQuery::new(Agent).page_size(5).page_number(6))
        .await
        .unwrap();
    assert!(beyond.records.is_empty());
    assert_eq!(beyond.total, 23);

    // A page number's cursor continues where that page ended.
    let second = store
        .list(&ListQuery::new(Agent).page_size(5).page_number(2))
        .await
        .unwrap();
    let third = store
        .list(
            &ListQuery::new(Agent)
                .page_size(5)
                .after(second.next_cursor.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(third.records[0].id, ids[10]);

    let empty = store.list(&ListQuery::new(Workflow)).await.unwrap();
    assert_eq!(
        (empty.records.len(), empty.total, empty.next_cursor),
        (0, 0, None)
    );

    store.delete(Agent, &ids[0]).await.unwrap();
    let page = store.list(&ListQuery::new(Agent)).await.unwrap();
    assert_eq!((page.total, page.records.len()), (22, 22));
    store.close().await.unwrap();
}

pub async fn upsert_keeps_creation_order(harness: &dyn Harness) {
    let store = harness.open().await;
    let ids = create_numbered(store.as_ref(), Agent, "agt", 5).await;
    store.upsert(record(Agent, &ids[0], "v2")).await.unwrap();
    let page = store.list(&ListQuery::new(Agent)).await.unwrap();
    let listed: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(listed, ids);
    assert_eq!(page.records[0].revision, 2);
    assert_eq!(
        page.records[0].data,
        crate::harness::data(Agent, &ids[0], "v2")
    );
    store.close().await.unwrap();
}

pub async fn foreign_cursors_are_rejected(harness: &dyn Harness) {
    let store = harness.open().await;
    create_numbered(store.as_ref(), Agent, "agt", 5).await;
    let page = store
        .list(&ListQuery::new(Agent).page_size(2))
        .await
        .unwrap();
    let cursor = page.next_cursor.unwrap();
    let error = store
        .list(
            &ListQuery::new(Agent)
                .order(Order::NewestFirst)
                .after(cursor),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidCursor), "{error:?}");
    let error = store
        .list(&ListQuery::new(Agent).after("garbage"))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidCursor), "{error:?}");
    let error = store
        .list(&ListQuery::new(Agent).page_size(0))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidArgument(_)), "{error:?}");
    store.close().await.unwrap();
}

fn child(
    kind: ApiResourceKind,
    id: &str,
    parents: &[(ApiResourceKind, &str)],
) -> stigmer_store::NewRecord {
    let mut index = IndexEntry::new();
    for (parent_kind, parent_id) in parents {
        index = index.parent(*parent_kind, *parent_id);
    }
    record(kind, id, "v1").with_index(index)
}

async fn children(
    store: &dyn Store,
    kind: ApiResourceKind,
    parent: (ApiResourceKind, &str),
) -> (Vec<String>, u64) {
    let page = store
        .list(
            &ListQuery::new(kind)
                .children_of(parent.0, parent.1)
                .page_size(100),
        )
        .await
        .unwrap();
    (page.records.into_iter().map(|r| r.id).collect(), page.total)
}

pub async fn children_are_listed_by_parent(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut batch = WriteBatch::new();
    for n in 0..5 {
        batch.create(child(
            AgentInstance,
            &format!("ain-a{n}"),
            &[(Agent, "agt-a")],
        ));
        batch.create(child(
            AgentInstance,
            &format!("ain-b{n}"),
            &[(Agent, "agt-b")],
        ));
    }
    batch.create(child(
        Session,
        "ses-1",
        &[(AgentInstance, "ain-a0"), (Agent, "agt-a")],
    ));
    batch.create(child(AgentExecution, "aex-1", &[(Session, "ses-1")]));
    batch.create(child(AgentExecution, "aex-2", &[(Session, "ses-1")]));
    batch.create(child(WorkflowInstance, "wfi-1", &[(Workflow, "wfl-1")]));
    // A workflow execution is listed under its instance and its workflow.
    batch.create(child(
        WorkflowExecution,
        "wfx-1",
        &[(WorkflowInstance, "wfi-1"), (Workflow, "wfl-1")],
    ));
    store.write(batch).await.unwrap();

    let (ids, total) = children(store.as_ref(), AgentInstance, (Agent, "agt-a")).await;
    assert_eq!(ids, ["ain-a0", "ain-a1", "ain-a2", "ain-a3", "ain-a4"]);
    assert_eq!(total, 5);
    assert_eq!(
        children(store.as_ref(), Session, (AgentInstance, "ain-a0")).await,
        (vec!["ses-1".to_owned()], 1)
    );
    assert_eq!(
        children(store.as_ref(), Session, (Agent, "agt-a")).await,
        (vec!["ses-1".to_owned()], 1)
    );
    assert_eq!(
        children(store.as_ref(), AgentExecution, (Session, "ses-1")).await,
        (vec!["aex-1".to_owned(), "aex-2".to_owned()], 2)
    );
    assert_eq!(
        children(store.as_ref(), WorkflowInstance, (Workflow, "wfl-1"))
            .await
            .1,
        1
    );
    assert_eq!(
        children(
            store.as_ref(),
            WorkflowExecution,
            (WorkflowInstance, "wfi-1")
        )
        .await
        .1,
        1
    );
    assert_eq!(
        children(store.as_ref(), WorkflowExecution, (Workflow, "wfl-1"))
            .await
            .1,
        1
    );
    assert_eq!(
        children(store.as_ref(), AgentInstance, (Agent, "agt-none")).await,
        (vec![], 0)
    );
    // Children of one kind are not children of another kind.
    assert_eq!(
        children(store.as_ref(), Session, (Agent, "agt-b")).await.1,
        0
    );

    // Paging through children by cursor.
    let ids = page_through(
        store.as_ref(),
        ListQuery::new(AgentInstance)
            .children_of(Agent, "agt-b")
            .page_size(2),
    )
    .await;
    assert_eq!(ids, ["ain-b0", "ain-b1", "ain-b2", "ain-b3", "ain-b4"]);

    // Moving a child to another parent keeps its place in creation order.
    store
        .upsert(child(AgentInstance, "ain-a1", &[(Agent, "agt-b")]))
        .await
        .unwrap();
    let (ids, total) = children(store.as_ref(), AgentInstance, (Agent, "agt-b")).await;
    assert_eq!(
        ids,
        ["ain-b0", "ain-a1", "ain-b1", "ain-b2", "ain-b3", "ain-b4"]
    );
    assert_eq!(total, 6);
    assert_eq!(
        children(store.as_ref(), AgentInstance, (Agent, "agt-a"))
            .await
            .1,
        4
    );

    store.delete(AgentInstance, "ain-b0").await.unwrap();
    let (ids, total) = children(store.as_ref(), AgentInstance, (Agent, "agt-b")).await;
    assert!(!ids.contains(&"ain-b0".to_owned()));
    assert_eq!(total, 5);
    store.close().await.unwrap();
}

pub async fn phase_filter(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut batch = WriteBatch::new();
    for n in 0..12 {
        let phase = (n % 3) + 1;
        let session = if n < 6 { "ses-1" } else { "ses-2" };
        batch.create(
            record(AgentExecution, &format!("aex-{n:02}"), "v1")
                .with_index(IndexEntry::new().parent(Session, session).phase(phase)),
        );
    }
    store.write(batch).await.unwrap();

    let ids_of =
        |page: stigmer_store::Page| page.records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let running = store
        .list(&ListQuery::new(AgentExecution).phase(2))
        .await
        .unwrap();
    assert_eq!(running.total, 4);
    assert_eq!(ids_of(running), ["aex-01", "aex-04", "aex-07", "aex-10"]);

    let in_session = store
        .list(
            &ListQuery::new(AgentExecution)
                .children_of(Session, "ses-1")
                .phase(2),
        )
        .await
        .unwrap();
    assert_eq!(in_session.total, 2);
    assert_eq!(ids_of(in_session), ["aex-01", "aex-04"]);

    // Paging within a filter.
    let first = store
        .list(&ListQuery::new(AgentExecution).phase(3).page_size(3))
        .await
        .unwrap();
    assert_eq!(first.total, 4);
    let rest = store
        .list(
            &ListQuery::new(AgentExecution)
                .phase(3)
                .page_size(3)
                .after(first.next_cursor.clone().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(ids_of(first), ["aex-02", "aex-05", "aex-08"]);
    assert_eq!(ids_of(rest), ["aex-11"]);

    // A phase change moves the record between filters.
    store
        .upsert(
            record(AgentExecution, "aex-01", "v2")
                .with_index(IndexEntry::new().parent(Session, "ses-1").phase(3)),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .list(&ListQuery::new(AgentExecution).phase(2))
            .await
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        store
            .list(&ListQuery::new(AgentExecution).phase(3))
            .await
            .unwrap()
            .total,
        5
    );
    let in_session = store
        .list(
            &ListQuery::new(AgentExecution)
                .children_of(Session, "ses-1")
                .phase(3),
        )
        .await
        .unwrap();
    assert_eq!(ids_of(in_session), ["aex-01", "aex-02", "aex-05"]);
    assert_eq!(
        store
            .list(&ListQuery::new(AgentExecution))
            .await
            .unwrap()
            .total,
        12
    );
    store.close().await.unwrap();
}

pub async fn org_filter_lists_one_org_with_totals(harness: &dyn Harness) {
    let store = harness.open().await;
    let in_org =
        |id: &str, org: &str| record(Agent, id, "v1").with_index(IndexEntry::new().org(org));
    let mut batch = WriteBatch::new();
    for n in 0..7 {
        batch.create(in_org(&format!("acme-{n}"), "acme"));
        batch.create(in_org(&format!("other-{n}"), "other"));
    }
    batch.create(in_org("no-org", ""));
    store.write(batch).await.unwrap();

    let query = ListQuery::new(Agent).in_org("acme").page_size(3);
    let first = store.list(&query).await.unwrap();
    assert_eq!(first.total, 7, "the org's own counter, not the kind's");
    let ids = page_through(store.as_ref(), query.clone()).await;
    let expected: Vec<String> = (0..7).map(|n| format!("acme-{n}")).collect();
    assert_eq!(ids, expected, "only the org's records, in creation order");
    let third = store.list(&query.clone().page_number(3)).await.unwrap();
    assert_eq!(third.records.len(), 1);

    // Moving a record to another org and deleting one keep the counts true.
    let mut batch = WriteBatch::new();
    batch.upsert(in_org("acme-0", "other"));
    batch.delete(Agent, "acme-1");
    store.write(batch).await.unwrap();
    let acme = store
        .list(&ListQuery::new(Agent).in_org("acme"))
        .await
        .unwrap();
    assert_eq!(acme.total, 5);
    assert_eq!(acme.records.len(), 5);
    let other = store
        .list(&ListQuery::new(Agent).in_org("other"))
        .await
        .unwrap();
    assert_eq!(other.total, 8);
    let none = store.list(&ListQuery::new(Agent).in_org("")).await.unwrap();
    assert_eq!(
        none.records
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["no-org"]
    );
    let nobody = store
        .list(&ListQuery::new(Agent).in_org("nobody"))
        .await
        .unwrap();
    assert_eq!((nobody.total, nobody.records.len()), (0, 0));

    let mixed = ListQuery::new(AgentInstance)
        .in_org("acme")
        .children_of(Agent, "acme-2");
    assert!(matches!(
        store.list(&mixed).await,
        Err(StoreError::InvalidArgument(_))
    ));
}
