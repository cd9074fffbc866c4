//! The read-merge-write of `updateStatus`, shared by both execution kinds.
//!
//! The record is read, changed and written over the revision read; when
//! another writer got in between the write fails with a revision mismatch
//! and the whole merge runs again on the newer record, so concurrent status
//! updates never overwrite each other.

use stigmer_api::agentic::agentexecution::v1::ExecutionPhase;
use stigmer_pipeline::ApiError;
use stigmer_pipeline::index::{Indexed, record_of};
use stigmer_pipeline::steps::{SharedStore, decode_record};
use stigmer_store::{PutMode, StoreError};
use tonic::Status;

use super::{ExecutionEngine, check_transition};

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

/// An execution kind whose status `updateStatus` merges.
pub trait StatusUpdate: Indexed {
    type Status;
    /// The stored status, created empty when the record has none.
    fn status_mut(&mut self) -> &mut Self::Status;
    fn phase(status: &Self::Status) -> i32;
    /// Applies the present fields of `input` (the kind's merge rules).
    fn merge_status(status: &mut Self::Status, input: &Self::Status);
}

/// `updateStatus` of either execution kind: the input must name the
/// execution and carry a status; the merge runs under the phase state
/// machine; a CANCELLED phase, once stored, asks the engine to stop the run.
pub async fn update_status<R: StatusUpdate>(
    store: &SharedStore,
    engine: &dyn ExecutionEngine,
    execution_id: &str,
    status: Option<R::Status>,
) -> Result<R, Status> {
    if execution_id.is_empty() {
        return Err(Status::invalid_argument("execution_id is required"));
    }
    let Some(status) = status else {
        return Err(Status::invalid_argument("status is required"));
    };
    let phase = R::phase(&status);
    let updated = merge_stored(store, execution_id, |execution: &mut R| {
        let current = execution.status_mut();
        check_transition(R::phase(current), phase).map_err(ApiError::FailedPrecondition)?;
        R::merge_status(current, &status);
        Ok(())
    })
    .await?;
    if phase == ExecutionPhase::ExecutionCancelled as i32 {
        engine.request_cancel(execution_id);
    }
    Ok(updated)
}
