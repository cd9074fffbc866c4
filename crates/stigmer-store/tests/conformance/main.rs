//! The storage conformance suite: every behaviour the server relies on,
//! checked against SQLite and PostgreSQL alike (PostgreSQL when
//! `STIGMER_TEST_POSTGRES_URL` is set; otherwise each PostgreSQL test says
//! loudly that it was skipped).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod audit;
mod concurrency;
mod feed;
mod jobs;
mod lifecycle;
mod lists;
mod records;
mod slugs;
mod transactions;

harness::conformance! {
    records::round_trip,
    records::ids_with_punctuation_round_trip,
    records::create_of_existing_id_is_already_exists,
    records::conditional_put_detects_concurrent_writers,
    records::rejects_what_cannot_be_stored,
    slugs::slug_conflict_names_the_slug,
    slugs::slugs_are_unique_per_kind_and_org,
    slugs::slugs_follow_updates_and_deletes,
    lists::cursor_paging_visits_every_record_once_while_records_are_added,
    lists::newest_first_cursor_paging,
    lists::page_numbers_and_totals,
    lists::upsert_keeps_creation_order,
    lists::foreign_cursors_are_rejected,
    lists::children_are_listed_by_parent,
    lists::phase_filter,
    lists::org_filter_lists_one_org_with_totals,
    transactions::failing_second_write_leaves_the_first_absent,
    transactions::failed_batch_changes_nothing_anywhere,
    transactions::batch_across_kinds_commits_together,
    audit::audit_history_newest_first_and_lookups,
    jobs::each_job_is_claimed_by_one_worker,
    jobs::expired_lease_is_reclaimed_and_fences_the_old_holder,
    jobs::retry_and_delay,
    jobs::renewing_a_lease_keeps_the_job_and_a_lost_lease_cannot_be_renewed,
    transactions::a_write_synced_by_the_next_commit_behaves_like_any_other,
    concurrency::fifty_writers_and_readers_lose_nothing,
    lifecycle::close_is_idempotent_and_final,
    lifecycle::a_new_index_version_reindexes_every_record,
    feed::subscribers_hear_committed_changes_only,
}

/// PostgreSQL only: replicas sharing one database; rows without index.
mod postgres_only {
    use std::time::Duration;

    use stigmer_api::ApiResourceKind;
    use stigmer_store::{Change, IndexEntry, ListQuery, PostgresStore, Store};

    use crate::harness::{PostgresHarness, record};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replicas_hear_each_others_changes() {
        let Some(harness) = PostgresHarness::new("replicas_hear_each_others_changes") else {
            return;
        };
        let first = PostgresStore::open(harness.options()).await.unwrap();
        let second = PostgresStore::open(harness.options()).await.unwrap();
        let mut feed = second.subscribe();

        first
            .create(record(ApiResourceKind::Agent, "agt-1", "v1"))
            .await
            .unwrap();
        let change = tokio::time::timeout(Duration::from_secs(10), feed.recv())
            .await
            .expect("the other replica's change arrives")
            .unwrap();
        assert_eq!(
            change,
            Change::Put {
                kind: ApiResourceKind::Agent,
                id: "agt-1".into()
            }
        );
        // The second replica reads what the first wrote.
        assert!(
            second
                .exists(ApiResourceKind::Agent, "agt-1")
                .await
                .unwrap()
        );

        // A replica does not hear its own writes twice.
        let mut own = first.subscribe();
        first.delete(ApiResourceKind::Agent, "agt-1").await.unwrap();
        assert!(matches!(own.recv().await.unwrap(), Change::Deleted { .. }));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(own.try_recv().is_err());

        first.close().await.unwrap();
        second.close().await.unwrap();
        harness.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_without_index_are_indexed_on_open() {
        let Some(harness) = PostgresHarness::new("rows_without_index_are_indexed_on_open") else {
            return;
        };
        let store = PostgresStore::open(harness.options()).await.unwrap();
        store
            .create(record(ApiResourceKind::Agent, "agt-1", "v1"))
            .await
            .unwrap();
        store.close().await.unwrap();

        // Rows written behind the store's back, as by a bulk import.
        let (client, connection) = tokio_postgres::connect(
            &std::env::var(crate::harness::POSTGRES_URL_VAR).unwrap(),
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!(
                "SET search_path = {schema};
                 INSERT INTO resources (kind, id, data) VALUES
                   ('agent', 'agt-2', 'two'::bytea), ('agent', 'agt-3', 'three'::bytea),
                   ('future_kind', 'x-1', 'later'::bytea);",
                schema = harness.schema()
            ))
            .await
            .unwrap();

        let indexer = |_kind: ApiResourceKind, data: &[u8]| {
            IndexEntry::new().slug(String::from_utf8_lossy(data).into_owned())
        };
        let store = PostgresStore::open(harness.options().indexer(1, indexer))
            .await
            .unwrap();
        let page = store
            .list(&ListQuery::new(ApiResourceKind::Agent))
            .await
            .unwrap();
        assert_eq!(page.total, 3);
        let ids: Vec<String> = page.records.into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["agt-1", "agt-2", "agt-3"]);
        let three = store
            .get_by_slug(ApiResourceKind::Agent, "", "three")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(three.id, "agt-3");
        store.close().await.unwrap();
        harness.cleanup().await;
    }
}
