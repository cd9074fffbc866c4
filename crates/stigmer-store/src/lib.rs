//! Storage for Stigmer resources: the [`Store`] trait, the embedded
//! [`SqliteStore`] (the default: one file, zero infrastructure) and the
//! [`PostgresStore`] for deployments where server replicas share a database.
//! One conformance suite (`tests/conformance`) runs against both.
//!
//! # Model
//!
//! A record is (kind, id) → protobuf bytes. The store never decodes them:
//! the server extracts an [`IndexEntry`] (org, slug, parents, phase) from
//! each message and passes it with the bytes in a [`NewRecord`]. Kinds are
//! `stigmer_api::ApiResourceKind` values, stored under their enum value
//! names (`agent_instance`, see [`kind_name`]) exactly as upstream did.
//!
//! ```no_run
//! # async fn demo() -> Result<(), stigmer_store::StoreError> {
//! use stigmer_api::ApiResourceKind::{AgentExecution, Session};
//! use stigmer_store::*;
//!
//! let store = SqliteStore::open(SqliteOptions::new("/tmp/stigmer.db")).await?;
//! let index = IndexEntry::new().org("acme").slug("nightly-run")
//!     .parent(Session, "ses-01j…").phase(1);
//! let bytes = vec![/* prost-encoded AgentExecution */];
//!
//! // An execution and its dispatch job commit together or not at all.
//! let mut batch = WriteBatch::new();
//! batch.create(NewRecord::new(AgentExecution, "aex-01j…", bytes).with_index(index));
//! batch.enqueue_job(NewJob::new("agent-execution", "aex-01j…".as_bytes().to_vec()));
//! store.write(batch).await?;
//!
//! let by_slug = store.get_by_slug(AgentExecution, "acme", "nightly-run").await?;
//! let page = store.list(&ListQuery::new(AgentExecution).children_of(Session, "ses-01j…")).await?;
//! println!("{} of {} (next: {:?})", page.records.len(), page.total, page.next_cursor);
//! # Ok(()) }
//! ```
//!
//! # Guarantees
//!
//! * **Durable when acknowledged.** A write returns `Ok` only after its
//!   transaction committed with `synchronous=FULL` (SQLite) or a synchronous
//!   commit (PostgreSQL). A SIGKILL test (`tests/crash.rs`) checks this.
//! * **Atomic batches.** [`Store::write`] commits every [`WriteOp`] of a
//!   [`WriteBatch`] — puts, deletes, audit rows, jobs, across kinds — or
//!   none; the single-record methods are one-op batches.
//! * **Uniqueness.** [`PutMode::CreateOnly`] on an existing id, and any put
//!   whose slug another record of the kind holds in the same org, fail with
//!   [`StoreError::AlreadyExists`] naming the [`UniqueKey`].
//!   [`PutMode::IfRevision`] turns read-modify-write into compare-and-swap
//!   ([`Record::revision`]).
//! * **Index lookups, never scans.** Get by id, get by slug, list a kind,
//!   list a parent's children (optionally one phase) are index seeks in
//!   creation order; totals come from counters updated in the same
//!   transaction. Paging by [`Page::next_cursor`] never repeats or skips a
//!   record that existed when paging began; page numbers work too.
//! * **Change feed.** [`Store::subscribe`] hears every committed [`Change`]
//!   after its commit (before the writer is answered); on PostgreSQL also
//!   other replicas' changes via LISTEN/NOTIFY, with [`Change::Resync`]
//!   after a lost feed connection.
//! * **Jobs (outbox).** Jobs enqueued in a batch are claimed with a lease
//!   ([`Store::claim_jobs`]; `SKIP LOCKED` on PostgreSQL), completed or
//!   retried in a batch, and fenced by attempt so a worker whose lease ran
//!   out cannot complete a job someone else now owns.
//! * **Version history.** `resource_audit` rows (skill versions): save, get
//!   by hash, newest by tag, list newest first, delete per resource.
//! * **Close.** [`Store::close`] finishes accepted writes and releases the
//!   database; it is idempotent and every later call fails with
//!   [`StoreError::Closed`].
//!
//! # Schema
//!
//! Versions 1–2 are the upstream server's `resources(kind, id, data,
//! updated_at)` and `resource_audit`, unchanged, so an upstream
//! `stigmer.db` opens as is; 3 adds `resource_index`, `resource_parent`
//! and `resource_count`, 4 the `job` table. On every open, rows without
//! index entries (an upstream database, or rows an upstream server wrote
//! since) are indexed through the [`Indexer`] the server supplies, index
//! rows whose record vanished are dropped, and when the indexer's version
//! (`SqliteOptions::indexer(version, …)`) differs from the one recorded in
//! `store_meta`, every record is re-indexed, keeping creation order and
//! revisions. PostgreSQL uses the same tables and version numbers.
#![forbid(unsafe_code)]

mod batch;
mod error;
mod index;
mod model;
pub mod postgres;
pub mod sqlite;
mod store;

pub use batch::{Durability, WriteBatch, WriteOp, WriteOutcome};
pub use error::{StoreError, StoreResult, UniqueKey};
pub use model::{
    AuditRecord, Change, IndexEntry, Indexer, Job, ListQuery, NewAudit, NewJob, NewRecord, Order,
    Page, PagePosition, ParentRef, PutMode, Record, kind_from_name, kind_name, no_index,
};
pub use postgres::{PostgresOptions, PostgresStore};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::Store;
