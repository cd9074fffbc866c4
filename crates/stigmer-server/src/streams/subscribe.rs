//! The `subscribe` rpc of both execution kinds: register, then send the
//! current snapshot, then the newest snapshot after every change, until a
//! terminal phase, the client leaving, or server shutdown.
//!
//! The stream is polled directly by the connection's response body (no task
//! and channel in between), so a change wakes each subscriber once and a
//! client that goes away drops its registration with the body.

use std::pin::Pin;

use stigmer_api::Resource;
use stigmer_pipeline::ApiError;
use stigmer_pipeline::steps::decode_record;
use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use super::{ExecutionStreams, Latest, Watcher};

pub type SnapshotStream<R> = Pin<Box<dyn Stream<Item = Result<R, Status>> + Send + 'static>>;

/// Opens a snapshot stream of execution `id`; NOT_FOUND when it does not
/// exist. `ended` says whether a snapshot's phase is terminal.
pub async fn subscribe<R: Resource>(
    streams: &ExecutionStreams,
    id: &str,
    ended: fn(&R) -> bool,
) -> Result<SnapshotStream<R>, Status> {
    if id.is_empty() {
        return Err(Status::invalid_argument("execution id is required"));
    }
    let watcher = streams.watch(R::KIND, id);
    let first = streams
        .store()
        .get(R::KIND, id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| {
            Status::not_found(format!(
                "{} not found: {id}",
                stigmer_pipeline::kind_label(R::KIND)
            ))
        })?;
    let state = Subscription {
        watcher,
        shutdown: streams.shutdown_token(),
        revision: first.revision,
        first: Some(decode_record::<R>(&first)?),
        ended,
        done: false,
    };
    Ok(Box::pin(futures::stream::unfold(state, Subscription::next)))
}

struct Subscription<R> {
    watcher: Watcher,
    shutdown: CancellationToken,
    /// Revision of the last snapshot sent; older publications are skipped.
    revision: u64,
    first: Option<R>,
    ended: fn(&R) -> bool,
    /// A terminal snapshot (or an error) was sent.
    done: bool,
}

impl<R: Resource> Subscription<R> {
    async fn next(mut self) -> Option<(Result<R, Status>, Self)> {
        if self.done {
            return None;
        }
        if let Some(first) = self.first.take() {
            self.done = (self.ended)(&first);
            return Some((Ok(first), self));
        }
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return None,
                changed = self.watcher.changed() => if !changed { return None },
            }
            match self.watcher.latest() {
                Latest::Record(record) if record.revision > self.revision => {
                    return match decode_record::<R>(&record) {
                        Ok(snapshot) => {
                            self.revision = record.revision;
                            self.done = (self.ended)(&snapshot);
                            Some((Ok(snapshot), self))
                        }
                        Err(error) => {
                            self.done = true;
                            Some((Err(error.into()), self))
                        }
                    };
                }
                Latest::Record(_) | Latest::Unknown => {}
                Latest::Gone => return None,
            }
        }
    }
}
