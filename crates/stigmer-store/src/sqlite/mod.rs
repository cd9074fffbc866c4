//! The embedded SQLite backend (the default).

mod backfill;
mod connection;
mod inline;
mod read;
mod schema;
mod workers;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use stigmer_api::ApiResourceKind;
use tokio::sync::{broadcast, oneshot};

pub use connection::ConnectionSettings;
pub use schema::SCHEMA_VERSION;

use self::inline::{Inline, InlineReaders};
use self::read::AuditColumn;
use self::workers::{Queues, ReadJob, Task, WriteJob};
use crate::batch::{Durability, WriteBatch, WriteOutcome};
use crate::error::{StoreError, StoreResult};
use crate::index::check_page_size;
use crate::model::{AuditRecord, Change, Indexer, Job, ListQuery, Page, Record, no_index};
use crate::store::Store;

/// How to open a SQLite store.
#[derive(Clone)]
pub struct SqliteOptions {
    /// The database file (`~/.stigmer/stigmer.db`); parent directories are
    /// created.
    pub path: PathBuf,
    /// Reader threads, each with its own connection.
    pub readers: usize,
    /// Connections for point reads run on the caller's thread (see
    /// `inline.rs`); 0 sends every read to the reader threads.
    pub inline_readers: usize,
    /// How long a connection waits for a lock another process holds.
    pub busy_timeout: Duration,
    /// Computes index values of rows that have none (see [`Indexer`]).
    pub indexer: Arc<dyn Indexer>,
    /// Version of what `indexer` extracts; when it differs from the one
    /// that indexed the database, opening re-indexes every record.
    pub index_version: u32,
    /// Capacity of the change feed before slow subscribers lag.
    pub feed_capacity: usize,
}

impl SqliteOptions {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SqliteOptions {
            path: path.into(),
            readers: 4,
            inline_readers: std::thread::available_parallelism().map_or(2, |n| n.get().min(8)),
            busy_timeout: Duration::from_secs(5),
            indexer: Arc::new(no_index),
            index_version: 0,
            feed_capacity: 1024,
        }
    }

    /// The server's index extractor and its version: bump the version
    /// whenever the extractor starts returning something else, so existing
    /// records get re-indexed on the next open.
    pub fn indexer(mut self, version: u32, indexer: impl Indexer) -> Self {
        self.indexer = Arc::new(indexer);
        self.index_version = version;
        self
    }

    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers.max(1);
        self
    }

    pub fn inline_readers(mut self, inline_readers: usize) -> Self {
        self.inline_readers = inline_readers;
        self
    }
}

impl std::fmt::Debug for SqliteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOptions")
            .field("path", &self.path)
            .field("readers", &self.readers)
            .field("inline_readers", &self.inline_readers)
            .field("busy_timeout", &self.busy_timeout)
            .field("index_version", &self.index_version)
            .field("feed_capacity", &self.feed_capacity)
            .finish_non_exhaustive()
    }
}

/// The SQLite store: one file, a writer thread and reader threads.
///
/// Writes, lists and history reads hand their SQL to one of those threads,
/// so the async runtime never blocks on disk or on a lock; that costs two
/// thread wake-ups per call (a few microseconds on bare metal, tens on a
/// busy VM). Point reads — get, exists, get by slug — are cheaper than that
/// hand-off and run on the caller's thread instead (`inline.rs`), falling
/// back to the reader threads whenever they could wait. Writes queued while a
/// commit is syncing are committed together (group commit), each in its
/// own savepoint, so a failing batch never takes another one down.
///
/// Several processes may open the same file (SQLite locks it), but the
/// change feed only carries this process's writes.
pub struct SqliteStore {
    path: PathBuf,
    queues: RwLock<Option<Queues>>,
    inline: InlineReaders,
    threads: Mutex<Vec<JoinHandle<()>>>,
    feed: broadcast::Sender<Change>,
    settings: Vec<ConnectionSettings>,
    backfill: backfill::Backfill,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database, migrates it, indexes rows
    /// that have no index entry yet and starts the connection threads.
    pub async fn open(options: SqliteOptions) -> StoreResult<SqliteStore> {
        tokio::task::spawn_blocking(move || Self::open_blocking(options))
            .await
            .map_err(StoreError::backend)?
    }

    fn open_blocking(options: SqliteOptions) -> StoreResult<SqliteStore> {
        if let Some(parent) = options.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(StoreError::backend)?;
        }
        let (mut writer, writer_settings) = connection::open(
            &options.path,
            connection::Role::Writer,
            options.busy_timeout,
        )?;
        schema::migrate(&mut writer)?;
        let backfill = backfill::bring_up_to_date(
            &mut writer,
            options.indexer.as_ref(),
            options.index_version,
        )?;

        let mut settings = vec![writer_settings];
        let mut readers = Vec::with_capacity(options.readers);
        for _ in 0..options.readers.max(1) {
            let (reader, reader_settings) = connection::open(
                &options.path,
                connection::Role::Reader,
                options.busy_timeout,
            )?;
            readers.push(reader);
            settings.push(reader_settings);
        }

        // No busy timeout: an inline read must never wait (see inline.rs).
        let mut inline = Vec::with_capacity(options.inline_readers);
        for _ in 0..options.inline_readers {
            let (reader, reader_settings) =
                connection::open(&options.path, connection::Role::Reader, Duration::ZERO)?;
            inline.push(reader);
            settings.push(reader_settings);
        }

        let (write_tx, write_rx) = crossbeam_channel::unbounded::<WriteJob>();
        let (read_tx, read_rx) = crossbeam_channel::unbounded::<ReadJob>();
        let mut threads =
            vec![workers::spawn_writer(writer, write_rx).map_err(StoreError::backend)?];
        for (number, reader) in readers.into_iter().enumerate() {
            threads.push(
                workers::spawn_reader(number, reader, read_rx.clone())
                    .map_err(StoreError::backend)?,
            );
        }
        let (feed, _) = broadcast::channel(options.feed_capacity.max(1));
        Ok(SqliteStore {
            path: options.path,
            queues: RwLock::new(Some(Queues {
                writer: write_tx,
                readers: read_tx,
            })),
            inline: InlineReaders::new(inline),
            threads: Mutex::new(threads),
            feed,
            settings,
            backfill,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pragmas of every connection (writer first, then the reader
    /// threads', then the inline readers'), as read back when each was opened.
    pub fn connection_settings(&self) -> &[ConnectionSettings] {
        &self.settings
    }

    /// How many existing rows were indexed while opening.
    pub fn indexed_on_open(&self) -> u64 {
        self.backfill.indexed
    }

    /// How many records were re-indexed while opening because the index
    /// version changed.
    pub fn reindexed_on_open(&self) -> u64 {
        self.backfill.reindexed
    }

    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = reply.send(work(conn));
        });
        {
            let queues = self.queues.read().map_err(|_| StoreError::Closed)?;
            let queues = queues.as_ref().ok_or(StoreError::Closed)?;
            queues.readers.send(job).map_err(|_| StoreError::Closed)?;
        }
        answer.await.map_err(|_| stopped())?
    }

    /// A point read: inline when possible, else on a reader thread.
    async fn point_read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> StoreResult<T> + Send + 'static,
    {
        match self.inline.try_read(work) {
            Inline::Done(answer) => answer,
            Inline::Deferred(work) => self.read(move |conn| work(conn)).await,
        }
    }

    async fn write_with<T, F>(&self, durability: Durability, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<(T, Vec<Change>)> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(Task {
            work,
            durability,
            reply,
            feed: self.feed.clone(),
        });
        {
            let queues = self.queues.read().map_err(|_| StoreError::Closed)?;
            let queues = queues.as_ref().ok_or(StoreError::Closed)?;
            queues.writer.send(job).map_err(|_| StoreError::Closed)?;
        }
        answer.await.map_err(|_| stopped())?
    }
}

/// A connection thread dropped a job without answering: it died.
fn stopped() -> StoreError {
    StoreError::backend(std::io::Error::other("a SQLite connection thread stopped"))
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, kind: ApiResourceKind, id: &str) -> StoreResult<Option<Record>> {
        let id = id.to_owned();
        self.point_read(move |conn| read::get(conn, kind, &id))
            .await
    }

    async fn exists(&self, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        self.point_read(move |conn| read::exists(conn, kind, &id))
            .await
    }

    async fn get_by_slug(
        &self,
        kind: ApiResourceKind,
        org: &str,
        slug: &str,
    ) -> StoreResult<Option<Record>> {
        let (org, slug) = (org.to_owned(), slug.to_owned());
        self.point_read(move |conn| read::get_by_slug(conn, kind, &org, &slug))
            .await
    }

    async fn list(&self, query: &ListQuery) -> StoreResult<Page> {
        check_page_size(query)?;
        let query = query.clone();
        self.read(move |conn| read::list(conn, &query)).await
    }

    async fn write(&self, mut batch: WriteBatch) -> StoreResult<Vec<WriteOutcome>> {
        batch.validate()?;
        self.write_with(batch.durability, move |conn| {
            let applied = write::apply(conn, &batch)?;
            Ok((applied.outcomes, applied.changes))
        })
        .await
    }

    async fn get_audit_by_hash(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        version_hash: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        let (resource_id, hash) = (resource_id.to_owned(), version_hash.to_owned());
        self.read(move |conn| read::audit_by(conn, kind, &resource_id, AuditColumn::Hash, &hash))
            .await
    }

    async fn get_audit_by_tag(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        tag: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        let (resource_id, tag) = (resource_id.to_owned(), tag.to_owned());
        self.read(move |conn| read::audit_by(conn, kind, &resource_id, AuditColumn::Tag, &tag))
            .await
    }

    async fn list_audit_history(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
    ) -> StoreResult<Vec<AuditRecord>> {
        let resource_id = resource_id.to_owned();
        self.read(move |conn| read::audit_history(conn, kind, &resource_id))
            .await
    }

    async fn claim_jobs(
        &self,
        queue: &str,
        worker: &str,
        lease: Duration,
        limit: usize,
    ) -> StoreResult<Vec<Job>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (queue, worker) = (queue.to_owned(), worker.to_owned());
        self.write_with(Durability::Synced, move |conn| {
            let jobs =
                write::claim(conn, &queue, &worker, lease, limit).map_err(StoreError::backend)?;
            Ok((jobs, Vec::new()))
        })
        .await
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }

    async fn close(&self) -> StoreResult<()> {
        // Dropping the senders lets each thread finish what is queued and
        // exit; joining them means the file is released when close returns.
        self.inline.close();
        let queues = self.queues.write().map_err(|_| StoreError::Closed)?.take();
        drop(queues);
        let threads = std::mem::take(&mut *self.threads.lock().map_err(|_| StoreError::Closed)?);
        if threads.is_empty() {
            return Ok(());
        }
        tokio::task::spawn_blocking(move || {
            for thread in threads {
                if thread.join().is_err() {
                    tracing::error!("a SQLite connection thread panicked");
                }
            }
        })
        .await
        .map_err(StoreError::backend)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The writer connection's `synchronous` inside a write of `durability`.
    async fn synchronous_during(store: &SqliteStore, durability: Durability) -> i64 {
        store
            .write_with(durability, |conn| {
                let mode = conn
                    .pragma_query_value(None, "synchronous", |row| row.get(0))
                    .map_err(StoreError::backend)?;
                Ok((mode, Vec::new()))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_writes_that_wait_for_the_next_synced_commit_skip_the_sync() {
        const NORMAL: i64 = 1;
        const FULL: i64 = 2;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(SqliteOptions::new(dir.path().join("stigmer.db")))
            .await
            .unwrap();
        assert_eq!(synchronous_during(&store, Durability::Synced).await, FULL);
        let deferred = Durability::WithNextSyncedCommit;
        assert_eq!(synchronous_during(&store, deferred).await, NORMAL);
        assert_eq!(synchronous_during(&store, deferred).await, NORMAL);
        assert_eq!(synchronous_during(&store, Durability::Synced).await, FULL);
    }
}
