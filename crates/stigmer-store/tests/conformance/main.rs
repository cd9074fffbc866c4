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
    transactions::failing_second_write_leaves_the_first_absent,
    transactions::failed_batch_changes_nothing_anywhere,
    transactions::batch_across_kinds_commits_together,
    audit::audit_history_newest_first_and_lookups,
    jobs::each_job_is_claimed_by_one_worker,
    jobs::expired_lease_is_reclaimed_and_fences_the_old_holder,
    jobs::retry_and_delay,
    concurrency::fifty_writers_and_readers_lose_nothing,
    lifecycle::close_is_idempotent_and_final,
    feed::subscribers_hear_committed_changes_only,
}

/// PostgreSQL only: replicas share one database and hear each other.
mod postgres_replicas {
    use std::time::Duration;

    use stigmer_api::ApiResourceKind;
    use stigmer_store::{Change, PostgresStore, Store};

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
}
