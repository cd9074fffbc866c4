use std::collections::HashSet;
use std::time::Duration;

use stigmer_store::{NewJob, StoreError, WriteBatch};

use crate::harness::Harness;

const LONG: Duration = Duration::from_secs(3600);

pub async fn each_job_is_claimed_by_one_worker(harness: &dyn Harness) {
    let store = harness.open().await;
    let mut batch = WriteBatch::new();
    for n in 0..20 {
        batch.enqueue_job(NewJob::new("dispatch", format!("job-{n}").into_bytes()));
    }
    batch.enqueue_job(NewJob::new("other-queue", b"elsewhere".to_vec()));
    store.write(batch).await.unwrap();

    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let jobs = store
                        .claim_jobs("dispatch", &format!("worker-{worker}"), LONG, 3)
                        .await
                        .unwrap();
                    if jobs.is_empty() {
                        return mine;
                    }
                    mine.extend(jobs);
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for worker in workers {
        claimed.extend(worker.await.unwrap());
    }
    let payloads: HashSet<Vec<u8>> = claimed.iter().map(|job| job.payload.clone()).collect();
    assert_eq!(claimed.len(), 20, "every job claimed exactly once");
    assert_eq!(payloads.len(), 20);
    assert!(
        claimed
            .iter()
            .all(|job| job.attempt == 1 && job.queue == "dispatch")
    );

    for job in &claimed {
        store.complete_job(job).await.unwrap();
    }
    assert!(
        store
            .claim_jobs("dispatch", "w", Duration::ZERO, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let other = store
        .claim_jobs("other-queue", "w", LONG, 10)
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    store.close().await.unwrap();
}

pub async fn expired_lease_is_reclaimed_and_fences_the_old_holder(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .enqueue_job(NewJob::new("dispatch", b"x".to_vec()))
        .await
        .unwrap();
    // A zero lease has run out as soon as it is granted: the holder "died".
    let stale = store
        .claim_jobs("dispatch", "dead-worker", Duration::ZERO, 1)
        .await
        .unwrap();
    assert_eq!(stale.len(), 1);
    let fresh = store
        .claim_jobs("dispatch", "live-worker", LONG, 1)
        .await
        .unwrap();
    assert_eq!(fresh.len(), 1);
    assert_eq!((fresh[0].id, fresh[0].attempt), (stale[0].id, 2));
    // Leased for an hour: nobody else gets it.
    assert!(
        store
            .claim_jobs("dispatch", "third", LONG, 1)
            .await
            .unwrap()
            .is_empty()
    );

    let error = store.complete_job(&stale[0]).await.unwrap_err();
    assert!(
        matches!(error, StoreError::LeaseLost { attempt: 1, .. }),
        "{error:?}"
    );
    store.complete_job(&fresh[0]).await.unwrap();
    let error = store.complete_job(&fresh[0]).await.unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error:?}");
    store.close().await.unwrap();
}

pub async fn retry_and_delay(harness: &dyn Harness) {
    let store = harness.open().await;
    store
        .enqueue_job(NewJob {
            delay: LONG,
            ..NewJob::new("dispatch", b"later".to_vec())
        })
        .await
        .unwrap();
    store
        .enqueue_job(NewJob::new("dispatch", b"now".to_vec()))
        .await
        .unwrap();

    let jobs = store.claim_jobs("dispatch", "w", LONG, 10).await.unwrap();
    assert_eq!(jobs.len(), 1, "the delayed job is not due");
    assert_eq!(jobs[0].payload, b"now");
    assert_eq!(jobs[0].last_error, None);

    store
        .retry_job(&jobs[0], Duration::ZERO, "runner unreachable")
        .await
        .unwrap();
    let again = store.claim_jobs("dispatch", "w", LONG, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("runner unreachable"));

    store
        .retry_job(&again[0], LONG, "still down")
        .await
        .unwrap();
    assert!(
        store
            .claim_jobs("dispatch", "w", LONG, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A retry by a stale holder is refused.
    let error = store
        .retry_job(&jobs[0], Duration::ZERO, "late")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error:?}");
    store.close().await.unwrap();
}

pub async fn renewing_a_lease_keeps_the_job_and_a_lost_lease_cannot_be_renewed(
    harness: &dyn Harness,
) {
    let store = harness.open().await;
    store
        .enqueue_job(NewJob::new("dispatch", b"long run".to_vec()))
        .await
        .unwrap();
    // Granted with no time left: without a renewal anyone may take it.
    let held = store
        .claim_jobs("dispatch", "runner", Duration::ZERO, 1)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    store.renew_job(&held[0], LONG).await.unwrap();
    assert!(
        store
            .claim_jobs("dispatch", "other", LONG, 1)
            .await
            .unwrap()
            .is_empty(),
        "a renewed lease keeps the job with its holder"
    );
    // Renewing to no time left hands the lease out again; the next claimer
    // owns the job and the old holder can neither renew nor complete it.
    store.renew_job(&held[0], Duration::ZERO).await.unwrap();
    let taken = store
        .claim_jobs("dispatch", "other", LONG, 1)
        .await
        .unwrap();
    assert_eq!((taken[0].id, taken[0].attempt), (held[0].id, 2));
    let error = store.renew_job(&held[0], LONG).await.unwrap_err();
    assert!(
        matches!(error, StoreError::LeaseLost { attempt: 1, .. }),
        "{error:?}"
    );
    store.renew_job(&taken[0], LONG).await.unwrap();
    // A handed-back or completed job has no lease to renew.
    store
        .retry_job(&taken[0], LONG, "handed back")
        .await
        .unwrap();
    let error = store.renew_job(&taken[0], LONG).await.unwrap_err();
    assert!(matches!(error, StoreError::LeaseLost { .. }), "{error:?}");
    store.close().await.unwrap();
}
