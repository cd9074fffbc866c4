//! The `subscribe` rpc of both execution kinds: register, then send the
//! current snapshot, then the newest snapshot after every change, until a
//! terminal phase, the client leaving, or server shutdown.

use std::pin::Pin;

use stigmer_api::Resource;
use stigmer_pipeline::ApiError;
use stigmer_pipeline::steps::decode_record;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::{ExecutionStreams, Latest};

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
    let mut watcher = streams.watch(R::KIND, id);
    let store = streams.store().clone();
    let first = store
        .get(R::KIND, id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| {
            Status::not_found(format!(
                "{} not found: {id}",
                stigmer_pipeline::kind_label(R::KIND)
            ))
        })?;
    let first_snapshot: R = decode_record(&first)?;
    let shutdown = streams.shutdown_token();
    let (sender, receiver) = mpsc::channel::<Result<R, Status>>(1);
    tokio::spawn(async move {
        let mut revision = first.revision;
        let mut snapshot = first_snapshot;
        loop {
            let done = ended(&snapshot);
            tokio::select! {
                () = shutdown.cancelled() => return,
                sent = sender.send(Ok(snapshot)) => if sent.is_err() { return },
            }
            if done {
                return;
            }
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = sender.closed() => return,
                    changed = watcher.changed() => if !changed { return },
                }
                match watcher.latest() {
                    Latest::Record(record) if record.revision > revision => {
                        match decode_record::<R>(&record) {
                            Ok(decoded) => {
                                revision = record.revision;
                                snapshot = decoded;
                                break;
                            }
                            Err(error) => {
                                let _ = sender.send(Err(error.into())).await;
                                return;
                            }
                        }
                    }
                    Latest::Record(_) | Latest::Unknown => {}
                    Latest::Gone => return,
                }
            }
        }
    });
    Ok(Box::pin(ReceiverStream::new(receiver)))
}
