//! The change feed across replicas: every committing transaction sends
//! `pg_notify` (delivered only on commit); one dedicated connection per
//! store LISTENs and republishes other replicas' changes on the local
//! broadcast. A lost connection is re-established with backoff, and
//! subscribers get [`Change::Resync`] because notifications sent meanwhile
//! are gone.

use std::time::Duration;

use futures::future::poll_fn;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use super::pg_error;
use super::schema::quote_ident;
use crate::error::StoreResult;
use crate::model::{Change, kind_from_name, kind_name};

/// Encodes a change as a notification payload: `origin|op|kind|id`. The id
/// goes last because it may contain `|`.
pub(crate) fn encode(origin: &str, change: &Change) -> Option<String> {
    match change {
        Change::Put { kind, id } => Some(format!("{origin}|P|{}|{id}", kind_name(*kind))),
        Change::Deleted { kind, id } => Some(format!("{origin}|D|{}|{id}", kind_name(*kind))),
        Change::JobEnqueued { queue } => Some(format!("{origin}|J|-|{queue}")),
        Change::Resync => None,
    }
}

/// Decodes a payload of another replica; `None` for our own or garbage.
pub(crate) fn decode(own_origin: &str, payload: &str) -> Option<Change> {
    let mut parts = payload.splitn(4, '|');
    let (origin, op, kind, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if origin == own_origin {
        return None;
    }
    match op {
        "P" => Some(Change::Put {
            kind: kind_from_name(kind)?,
            id: rest.to_owned(),
        }),
        "D" => Some(Change::Deleted {
            kind: kind_from_name(kind)?,
            id: rest.to_owned(),
        }),
        "J" => Some(Change::JobEnqueued {
            queue: rest.to_owned(),
        }),
        _ => None,
    }
}

pub(crate) struct Listener {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) channel: String,
    pub(crate) origin: String,
    pub(crate) feed: broadcast::Sender<Change>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Listener {
    /// Runs until shutdown. `ready` learns whether the first LISTEN worked,
    /// so `open` fails loudly instead of running without a feed.
    pub(crate) async fn run(mut self, ready: oneshot::Sender<StoreResult<()>>) {
        let mut ready = Some(ready);
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.connect().await {
                Ok((client, mut notifications)) => {
                    match ready.take() {
                        Some(ready) => {
                            let _ = ready.send(Ok(()));
                        }
                        None => {
                            let _ = self.feed.send(Change::Resync);
                        }
                    }
                    backoff = Duration::from_millis(100);
                    loop {
                        tokio::select! {
                            message = notifications.recv() => match message {
                                Some(payload) => {
                                    if let Some(change) = decode(&self.origin, &payload) {
                                        let _ = self.feed.send(change);
                                    }
                                }
                                None => break,
                            },
                            _ = self.shutdown.changed() => return,
                        }
                    }
                    drop(client);
                    tracing::warn!("lost the PostgreSQL change-feed connection; reconnecting");
                }
                Err(error) => match ready.take() {
                    Some(ready) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                    None => {
                        tracing::warn!(%error, "reconnecting the PostgreSQL change feed failed")
                    }
                },
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = self.shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    async fn connect(
        &self,
    ) -> StoreResult<(tokio_postgres::Client, mpsc::UnboundedReceiver<String>)> {
        let (client, mut connection) = self.config.connect(NoTls).await.map_err(pg_error)?;
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(AsyncMessage::Notification(notification)) => {
                        if sender.send(notification.payload().to_owned()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "PostgreSQL change-feed connection failed");
                        break;
                    }
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN {}", quote_ident(&self.channel)))
            .await
            .map_err(pg_error)?;
        Ok((client, receiver))
    }
}
