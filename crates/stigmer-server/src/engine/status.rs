//! The read-merge-write of `updateStatus`, shared by both execution kinds.
//!
//! The record is read, changed and written over the revision read; when
//! another writer got in between the write fails with a revision mismatch
//! and the whole merge runs again on the newer record, so concurrent status
//! updates never overwrite each other.

use stigmer_pipeline::ApiError;
use stigmer_pipeline::index::{Indexed, record_of};
use stigmer_pipeline::steps::{SharedStore, decode_record};
use stigmer_store::{PutMode, StoreError};

/// Concurrent writers are few (a runner and maybe a client); this bounds a
/// pathological livelock, not normal contention.
const MAX_ATTEMPTS: usize = 64;

/// Applies `merge` to the stored execution `id` and writes it back; NOT_FOUND
/// says `<Kind> not found: <id>` as upstream does. `merge` may refuse the
/// change (e.g. a phase transition) with its error.
pub async fn merge_stored<R: Indexed>(
    store: &SharedStore,
    id: &str,
    mut merge: impl FnMut(&mut R) -> Result<(), ApiError>,
) -> Result<R, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let record = store.get(R::KIND, id).await?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "{} not found: {id}",
                stigmer_pipeline::kind_label(R::KIND)
            ))
        })?;
        let mut execution: R = decode_record(&record)?;
        merge(&mut execution)?;
        match store
            .put(record_of(&execution), PutMode::IfRevision(record.revision))
            .await
        {
            Ok(_) => return Ok(execution),
            Err(StoreError::RevisionMismatch { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Aborted(format!(
        "execution {id} is being updated too often; retry"
    )))
}
