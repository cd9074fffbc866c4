//! Live execution snapshots for `subscribe`.
//!
//! Driven by the store's change feed, so every write reaches subscribers
//! whoever made it (updateStatus, the engine, failure paths, and on
//! PostgreSQL other replicas). Each watched execution has a `watch` channel
//! carrying its newest record: on a change the pump reads the record once
//! and publishes it, so a thousand subscribers of one execution cost one
//! store read, not a thousand. A subscriber registers first, then reads the
//! record for its first snapshot, then takes the newest published record
//! after each wake-up. A slow subscriber therefore skips intermediate
//! snapshots but always gets the newest one, the final one included.

mod subscribe;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use stigmer_api::ApiResourceKind;
use stigmer_pipeline::steps::SharedStore;
use stigmer_store::{Change, Record};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

pub use subscribe::{SnapshotStream, subscribe};

type Key = (ApiResourceKind, String);

/// What the pump last saw of a watched execution.
#[derive(Clone)]
pub(crate) enum Latest {
    /// Nothing published since the watch began.
    Unknown,
    Record(Arc<Record>),
    /// The execution was deleted.
    Gone,
}

/// The registry of watched executions, shared by every subscribe rpc.
#[derive(Clone)]
pub struct ExecutionStreams {
    inner: Arc<Inner>,
}

struct Inner {
    store: SharedStore,
    watched: Mutex<HashMap<Key, watch::Sender<Latest>>>,
    /// The feed receiver, taken by the pump task when it starts.
    feed: Mutex<Option<broadcast::Receiver<Change>>>,
    pump: OnceLock<()>,
    shutdown: CancellationToken,
}

impl ExecutionStreams {
    /// Subscribes to the store's feed now, so nothing committed from here
    /// on is missed; the pump task starts with the first watcher.
    pub fn new(store: SharedStore) -> Self {
        let feed = store.subscribe();
        ExecutionStreams {
            inner: Arc::new(Inner {
                store,
                watched: Mutex::new(HashMap::new()),
                feed: Mutex::new(Some(feed)),
                pump: OnceLock::new(),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// Ends every open stream (server shutdown).
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    pub(crate) fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// Registers interest in one execution; wakes when a newer record of it
    /// is published.
    pub(crate) fn watch(&self, kind: ApiResourceKind, id: &str) -> Watcher {
        self.start_pump();
        let key = (kind, id.to_owned());
        let receiver = self
            .lock()
            .entry(key.clone())
            .or_insert_with(|| watch::channel(Latest::Unknown).0)
            .subscribe();
        Watcher {
            streams: self.clone(),
            key,
            receiver: Some(receiver),
        }
    }

    fn start_pump(&self) {
        self.inner.pump.get_or_init(|| {
            let feed = self
                .inner
                .feed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(feed) = feed {
                let streams = self.clone();
                tokio::spawn(async move { streams.pump(feed).await });
            }
        });
    }

    async fn pump(self, mut feed: broadcast::Receiver<Change>) {
        use broadcast::error::RecvError;
        loop {
            let change = tokio::select! {
                () = self.inner.shutdown.cancelled() => return,
                change = feed.recv() => change,
            };
            match change {
                Ok(Change::Put { kind, id } | Change::Deleted { kind, id }) => {
                    self.publish(&(kind, id)).await;
                }
                Ok(Change::Resync) | Err(RecvError::Lagged(_)) => {
                    let keys: Vec<Key> = self.lock().keys().cloned().collect();
                    for key in keys {
                        self.publish(&key).await;
                    }
                }
                Ok(Change::JobEnqueued { .. }) => {}
                Err(RecvError::Closed) => return,
            }
        }
    }

    /// Reads a watched execution once and hands the record to every
    /// subscriber of it. A read error is logged and skipped: the next
    /// change publishes again.
    async fn publish(&self, key: &Key) {
        if !self.lock().contains_key(key) {
            return;
        }
        let latest = match self.inner.store.get(key.0, &key.1).await {
            Ok(Some(record)) => Latest::Record(Arc::new(record)),
            Ok(None) => Latest::Gone,
            Err(error) => {
                tracing::warn!(id = %key.1, %error, "cannot read a watched execution");
                return;
            }
        };
        if let Some(sender) = self.lock().get(key) {
            sender.send_replace(latest);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, watch::Sender<Latest>>> {
        self.inner
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One subscriber's registration; unregisters on drop.
pub(crate) struct Watcher {
    streams: ExecutionStreams,
    key: Key,
    receiver: Option<watch::Receiver<Latest>>,
}

impl Watcher {
    /// Resolves after the next publication (false when the registry is
    /// gone).
    pub(crate) async fn changed(&mut self) -> bool {
        match &mut self.receiver {
            Some(receiver) => receiver.changed().await.is_ok(),
            None => false,
        }
    }

    /// The newest published record.
    pub(crate) fn latest(&mut self) -> Latest {
        match &mut self.receiver {
            Some(receiver) => receiver.borrow_and_update().clone(),
            None => Latest::Unknown,
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut watched = self.streams.lock();
        if watched
            .get(&self.key)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            watched.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests;
