//! Storage for Stigmer resources: the [`Store`] trait, the embedded
//! [`SqliteStore`] (default) and the [`PostgresStore`] for deployments that
//! share one database between server replicas.
#![forbid(unsafe_code)]

mod batch;
mod error;
mod index;
mod model;
pub mod postgres;
pub mod sqlite;
mod store;

pub use batch::{WriteBatch, WriteOp, WriteOutcome};
pub use error::{StoreError, StoreResult, UniqueKey};
pub use model::{
    AuditRecord, Change, IndexEntry, Indexer, Job, ListQuery, NewAudit, NewJob, NewRecord, Order,
    Page, PagePosition, ParentRef, PutMode, Record, kind_from_name, kind_name, no_index,
};
pub use postgres::{PostgresOptions, PostgresStore};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::Store;
