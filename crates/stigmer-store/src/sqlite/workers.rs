//! The threads that own the SQLite connections, so no blocking call ever
//! runs on the async runtime: one writer thread (SQLite has one writer at a
//! time anyway) and a small pool of reader threads sharing one queue.
//!
//! The writer commits in groups: it takes every write that queued up while
//! the previous commit was syncing, runs each in its own savepoint (a
//! failing write rolls back alone and is answered at once), and commits the
//! rest with one fsync. A caller hears "ok" only after that commit. A group
//! whose every write may wait for the next synced commit
//! ([`Durability::WithNextSyncedCommit`]) commits without the fsync.

use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{broadcast, oneshot};

use crate::batch::Durability;
use crate::error::{StoreError, StoreResult};
use crate::model::Change;

/// Most writes committed together; bounds the latency of the first.
const MAX_GROUP: usize = 256;

/// A unit of work for the writer thread.
pub(crate) trait WriteTask: Send {
    /// Runs inside the task's savepoint. `None` = failed (the caller was
    /// answered, the savepoint is rolled back).
    fn run(self: Box<Self>, conn: &Connection) -> Option<Box<dyn CommitWaiter>>;
    /// Answers the caller without running (the group could not start).
    fn fail(self: Box<Self>, error: StoreError);
    fn durability(&self) -> Durability;
}

/// The part of a task that learns how the commit went.
pub(crate) trait CommitWaiter: Send {
    fn committed(self: Box<Self>, result: Result<(), &StoreError>);
}

/// A write: `work` returns the caller's value and the changes to publish
/// once committed.
pub(crate) struct Task<T, F> {
    pub(crate) work: F,
    pub(crate) durability: Durability,
    pub(crate) reply: oneshot::Sender<StoreResult<T>>,
    pub(crate) feed: broadcast::Sender<Change>,
}

impl<T, F> WriteTask for Task<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> StoreResult<(T, Vec<Change>)> + Send,
{
    fn run(self: Box<Self>, conn: &Connection) -> Option<Box<dyn CommitWaiter>> {
        let Task {
            work, reply, feed, ..
        } = *self;
        match work(conn) {
            Ok((value, changes)) => Some(Box::new(Waiter {
                value,
                changes,
                reply,
                feed,
            })),
            Err(error) => {
                let _ = reply.send(Err(error));
                None
            }
        }
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }

    fn durability(&self) -> Durability {
        self.durability
    }
}

struct Waiter<T> {
    value: T,
    changes: Vec<Change>,
    reply: oneshot::Sender<StoreResult<T>>,
    feed: broadcast::Sender<Change>,
}

impl<T: Send> CommitWaiter for Waiter<T> {
    fn committed(self: Box<Self>, result: Result<(), &StoreError>) {
        match result {
            Ok(()) => {
                // Subscribers first: whoever gets the reply and then
                // subscribes must not see this change as news.
                for change in self.changes {
                    let _ = self.feed.send(change);
                }
                let _ = self.reply.send(Ok(self.value));
            }
            Err(error) => {
                let _ = self.reply.send(Err(error.clone()));
            }
        }
    }
}

pub(crate) type WriteJob = Box<dyn WriteTask>;

pub(crate) fn spawn_writer(
    conn: Connection,
    jobs: Receiver<WriteJob>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("stigmer-store-writer".into())
        .spawn(move || writer_loop(conn, jobs))
}

fn writer_loop(mut conn: Connection, jobs: Receiver<WriteJob>) {
    // The connection opens with synchronous=FULL.
    let mut synced = true;
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let sync = group
            .iter()
            .any(|job| job.durability() == Durability::Synced);
        if sync != synced {
            match set_synchronous(&conn, sync) {
                Ok(()) => synced = sync,
                Err(error) => {
                    for job in group {
                        job.fail(error.clone());
                    }
                    continue;
                }
            }
        }
        commit_group(&mut conn, group);
    }
    // Every sender is gone: the store closed or was dropped. Fold the WAL
    // back into the database file so it is self-contained.
    if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(%error, "WAL checkpoint on close failed");
    }
}

/// FULL syncs the WAL at every commit; NORMAL leaves that to the next FULL
/// commit (or checkpoint), which syncs everything appended before it.
fn set_synchronous(conn: &Connection, sync: bool) -> StoreResult<()> {
    let mode = if sync { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", mode)
        .map_err(StoreError::backend)
}

fn commit_group(conn: &mut Connection, group: Vec<WriteJob>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => {
            let error = StoreError::backend(error);
            for job in group {
                job.fail(error.clone());
            }
            return;
        }
    };
    let mut waiters = Vec::with_capacity(group.len());
    for job in group {
        let savepoint = match tx.savepoint() {
            Ok(savepoint) => savepoint,
            Err(error) => {
                job.fail(StoreError::backend(error));
                continue;
            }
        };
        match job.run(&savepoint) {
            Some(waiter) => match savepoint.commit() {
                Ok(()) => waiters.push(waiter),
                Err(error) => waiter.committed(Err(&StoreError::backend(error))),
            },
            // Dropping the savepoint rolls it back and releases it.
            None => drop(savepoint),
        }
    }
    let result = tx.commit().map_err(StoreError::backend);
    for waiter in waiters {
        waiter.committed(result.as_ref().map(|_| ()));
    }
}

/// A read job gets the reader's connection.
pub(crate) type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

pub(crate) fn spawn_reader(
    number: usize,
    conn: Connection,
    jobs: Receiver<ReadJob>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("stigmer-store-reader-{number}"))
        .spawn(move || {
            while let Ok(job) = jobs.recv() {
                job(&conn);
            }
        })
}

/// The senders the async side uses; `None` once closed.
pub(crate) struct Queues {
    pub(crate) writer: Sender<WriteJob>,
    pub(crate) readers: Sender<ReadJob>,
}
