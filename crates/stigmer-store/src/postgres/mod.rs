//! The PostgreSQL backend, for deployments where several server replicas
//! share one database. Same logical schema as SQLite; change notifications
//! cross replicas through LISTEN/NOTIFY.

mod backfill;
mod listen;
mod read;
mod schema;
mod write;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use stigmer_api::ApiResourceKind;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

use crate::batch::{Durability, WriteBatch, WriteOutcome};
use crate::error::{StoreError, StoreResult};
use crate::index::check_page_size;
use crate::model::{AuditRecord, Change, Indexer, Job, ListQuery, Page, Record, no_index};
use crate::store::Store;

/// How to connect to PostgreSQL.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://user@host:port/database` (key=value strings work too).
    pub url: String,
    /// Keep the tables in this schema (created if missing) instead of the
    /// connection's default; lets several stores share one database.
    pub schema: Option<String>,
    /// Pooled connections (plus one for the change feed).
    pub max_connections: usize,
    /// Computes index values of rows that have none (see [`Indexer`]).
    pub indexer: Arc<dyn Indexer>,
    /// Version of what `indexer` extracts (see `SqliteOptions`); every
    /// replica must run the same one.
    pub index_version: u32,
    pub feed_capacity: usize,
}

impl PostgresOptions {
    pub fn new(url: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            schema: None,
            max_connections: 16,
            indexer: Arc::new(no_index),
            index_version: 0,
            feed_capacity: 1024,
        }
    }

    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The server's index extractor and its version (bump it whenever the
    /// extractor's output changes; the next start re-indexes).
    pub fn indexer(mut self, version: u32, indexer: impl Indexer) -> Self {
        self.indexer = Arc::new(indexer);
        self.index_version = version;
        self
    }

    pub fn max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }
}

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PostgresOptions")
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// The PostgreSQL store: a connection pool and a change-feed listener.
///
/// Differences from SQLite worth knowing: creation sequence numbers are
/// handed out when a transaction inserts, not when it commits, so a cursor
/// walk may miss a record whose transaction was still running when the walk
/// passed its position (records that existed when the walk began are never
/// missed); notifications to other replicas are sent right after the
/// commit (see `notify_replicas`).
pub struct PostgresStore {
    pool: Pool,
    closed: AtomicBool,
    next_shard: AtomicU64,
    feed: broadcast::Sender<Change>,
    channel: String,
    origin: String,
    listener: Mutex<Option<(watch::Sender<bool>, JoinHandle<()>)>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// Transient conflicts between concurrent transactions are retried this
/// often before giving up.
const MAX_ATTEMPTS: usize = 8;

/// Counter rows per list shape, so concurrent writers of one kind do not
/// all queue for one row lock until commit.
const COUNTER_SHARDS: u64 = 16;

impl PostgresStore {
    /// Connects, migrates the schema, indexes rows that have no index entry
    /// and starts listening for other replicas' changes.
    pub async fn open(options: PostgresOptions) -> StoreResult<PostgresStore> {
        let mut config: tokio_postgres::Config = options.url.parse().map_err(pg_error)?;
        if let Some(schema) = &options.schema {
            if schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::invalid(format!(
                    "schema name '{schema}' must be letters, digits and underscores"
                )));
            }
            let mut connection_options = config.get_options().unwrap_or_default().to_owned();
            connection_options.push_str(&format!(" -c search_path={schema}"));
            config.options(connection_options.trim());
        }
        // Lists are short index range scans; parallel workers and JIT only
        // add start-up time to them (tens of milliseconds when a generic
        // plan overestimates rows).
        let mut connection_options = config.get_options().unwrap_or_default().to_owned();
        connection_options.push_str(" -c max_parallel_workers_per_gather=0 -c jit=off");
        config.options(connection_options.trim());
        if config.get_application_name().is_none() {
            config.application_name("stigmer-store");
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .build()
            .map_err(StoreError::backend)?;

        let mut client = pool.get().await.map_err(pool_error)?;
        schema::migrate(&mut client, options.schema.as_deref()).await?;
        backfill::bring_up_to_date(&mut client, options.indexer.as_ref(), options.index_version)
            .await?;
        drop(client);

        let channel = channel_name(options.schema.as_deref());
        let origin = format!("{:016x}", rand_origin());
        let (feed, _) = broadcast::channel(options.feed_capacity.max(1));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (ready, ready_rx) = oneshot::channel();
        let listener = listen::Listener {
            config,
            channel: channel.clone(),
            origin: origin.clone(),
            feed: feed.clone(),
            shutdown: shutdown_rx,
        };
        let task = tokio::spawn(listener.run(ready));
        ready_rx.await.map_err(StoreError::backend)??;

        Ok(PostgresStore {
            pool,
            closed: AtomicBool::new(false),
            next_shard: AtomicU64::new(0),
            feed,
            channel,
            origin,
            listener: Mutex::new(Some((shutdown, task))),
        })
    }

    async fn client(&self) -> StoreResult<Object> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        self.pool.get().await.map_err(pool_error)
    }

    async fn write_once(&self, batch: &WriteBatch) -> StoreResult<Vec<WriteOutcome>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        if batch.durability == Durability::WithNextSyncedCommit {
            // The WAL is flushed in order: the next synced commit flushes
            // this one too.
            tx.batch_execute("SET LOCAL synchronous_commit TO OFF")
                .await
                .map_err(pg_error)?;
        }
        let shard = (self.next_shard.fetch_add(1, Ordering::Relaxed) % COUNTER_SHARDS) as i16;
        let applied = write::apply(&tx, batch, shard).await?;
        tx.commit().await.map_err(pg_error)?;
        for change in &applied.changes {
            let _ = self.feed.send(change.clone());
        }
        self.notify_replicas(&client, &applied.changes).await;
        Ok(applied.outcomes)
    }
}

/// Tells other replicas what just committed.
///
/// Deliberately after the commit, in a transaction of its own without
/// waiting for its WAL flush: a transaction that NOTIFYs holds a
/// database-wide lock through its commit, so notifying inside the write
/// transaction would serialise every write behind one fsync at a time.
/// The price is a small window — a replica dying between commit and
/// notify — in which other replicas miss that one change (its next change
/// notifies again; readers re-read state on every notification anyway).
impl PostgresStore {
    async fn notify_replicas(&self, client: &Object, changes: &[Change]) {
        let payloads: Vec<String> = changes
            .iter()
            .filter_map(|change| listen::encode(&self.origin, change))
            .map(|payload| {
                format!(
                    "pg_notify({}, {})",
                    quote_literal(&self.channel),
                    quote_literal(&payload)
                )
            })
            .collect();
        if payloads.is_empty() {
            return;
        }
        let sql = format!(
            "BEGIN; SET LOCAL synchronous_commit TO OFF; SELECT {}; COMMIT;",
            payloads.join(", ")
        );
        if let Err(error) = client.batch_execute(&sql).await {
            tracing::warn!(%error, "notifying other replicas of committed changes failed");
        }
    }
}

/// A string literal for SQL text, as an escape string so it means the same
/// whatever `standard_conforming_strings` says.
fn quote_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The notification channel of a schema. Every replica must derive the
/// same name, and channel names stop at 63 bytes, so long schema names are
/// replaced by a stable (FNV-1a) hash.
fn channel_name(schema: Option<&str>) -> String {
    const PREFIX: &str = "stigmer_changes";
    let Some(schema) = schema else {
        return PREFIX.to_owned();
    };
    let schema = schema.to_ascii_lowercase();
    if PREFIX.len() + 1 + schema.len() <= 63 {
        return format!("{PREFIX}_{schema}");
    }
    let hash = schema
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{PREFIX}_{hash:016x}")
}

/// A random-enough id for this store instance, to recognise our own
/// notifications.
fn rand_origin() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Closed => StoreError::Closed,
        deadpool_postgres::PoolError::Backend(error) => pg_error(error),
        other => StoreError::backend(other),
    }
}

/// A PostgreSQL error whose message carries the server's text (the
/// driver's own `Display` only says "db error").
#[derive(Debug)]
pub(crate) struct PgError(tokio_postgres::Error);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(
                f,
                "PostgreSQL: {} (SQLSTATE {})",
                db.message(),
                db.code().code()
            ),
            None => write!(f, "PostgreSQL: {}", self.0),
        }
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(Arc::new(PgError(error)))
}

/// Deadlocks and serialization failures between concurrent batches.
fn is_transient(error: &StoreError) -> bool {
    let StoreError::Backend(source) = error else {
        return false;
    };
    source
        .downcast_ref::<PgError>()
        .and_then(|error| error.0.code())
        .is_some_and(|code| {
            *code == SqlState::T_R_DEADLOCK_DETECTED || *code == SqlState::T_R_SERIALIZATION_FAILURE
        })
}

#[async_trait]
impl Store for PostgresStore {
    async fn get(&self, kind: ApiResourceKind, id: &str) -> StoreResult<Option<Record>> {
        read::get(&self.client().await?, kind, id).await
    }

    async fn exists(&self, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
        read::exists(&self.client().await?, kind, id).await
    }

    async fn get_by_slug(
        &self,
        kind: ApiResourceKind,
        org: &str,
        slug: &str,
    ) -> StoreResult<Option<Record>> {
        read::get_by_slug(&self.client().await?, kind, org, slug).await
    }

    async fn list(&self, query: &ListQuery) -> StoreResult<Page> {
        check_page_size(query)?;
        read::list(&self.client().await?, query).await
    }

    async fn write(&self, mut batch: WriteBatch) -> StoreResult<Vec<WriteOutcome>> {
        batch.validate()?;
        let mut attempt = 1;
        loop {
            match self.write_once(&batch).await {
                Err(error) if attempt < MAX_ATTEMPTS && is_transient(&error) => {
                    tracing::debug!(attempt, %error, "retrying a batch after a transient conflict");
                    tokio::time::sleep(Duration::from_millis(2 << attempt)).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn get_audit_by_hash(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        version_hash: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        read::audit_by(
            &self.client().await?,
            kind,
            resource_id,
            false,
            version_hash,
        )
        .await
    }

    async fn get_audit_by_tag(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
        tag: &str,
    ) -> StoreResult<Option<AuditRecord>> {
        read::audit_by(&self.client().await?, kind, resource_id, true, tag).await
    }

    async fn list_audit_history(
        &self,
        kind: ApiResourceKind,
        resource_id: &str,
    ) -> StoreResult<Vec<AuditRecord>> {
        read::audit_history(&self.client().await?, kind, resource_id).await
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
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "UPDATE job SET attempt = attempt + 1, lease_owner = $2,
                                due_at = now() + $3::float8 * interval '1 millisecond'
                 WHERE id IN (SELECT id FROM job WHERE queue = $1 AND due_at <= now()
                              ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
                 RETURNING id, queue, payload, attempt, last_error",
            )
            .await
            .map_err(pg_error)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(&stmt, &[&queue, &worker, &write::millis(lease), &limit])
            .await
            .map_err(pg_error)?;
        let mut jobs: Vec<Job> = rows
            .iter()
            .map(|row| Job {
                id: row.get(0),
                queue: row.get(1),
                payload: row.get(2),
                attempt: u32::try_from(row.get::<_, i32>(3)).unwrap_or(0),
                last_error: row.get(4),
            })
            .collect();
        jobs.sort_by_key(|job| job.id);
        Ok(jobs)
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }

    async fn close(&self) -> StoreResult<()> {
        self.closed.store(true, Ordering::Release);
        let listener = self.listener.lock().map_err(|_| StoreError::Closed)?.take();
        if let Some((shutdown, task)) = listener {
            let _ = shutdown.send(true);
            let _ = task.await;
        }
        self.pool.close();
        Ok(())
    }
}
