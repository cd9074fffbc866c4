//! One error type for every backend, so the server maps storage failures to
//! gRPC codes in one place.

use std::fmt;
use std::sync::Arc;

use stigmer_api::ApiResourceKind;

use crate::model::kind_name;

/// The unique key a write collided with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UniqueKey {
    /// Another record of the kind already has this id.
    Id(String),
    /// Another record of the kind already has this slug in this org
    /// (`org` is empty for records outside any org).
    Slug { org: String, slug: String },
}

impl fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UniqueKey::Id(id) => write!(f, "id '{id}'"),
            UniqueKey::Slug { org, slug } if org.is_empty() => write!(f, "slug '{slug}'"),
            UniqueKey::Slug { org, slug } => write!(f, "slug '{slug}' in org '{org}'"),
        }
    }
}

/// Why a storage operation failed.
///
/// `Clone` because one failed group commit answers several callers with the
/// same error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A create-only write met an existing id, or any write met a slug that
    /// another record of the kind owns in the same org.
    #[error("{} with {key} already exists", kind_name(*.kind))]
    AlreadyExists {
        kind: ApiResourceKind,
        key: UniqueKey,
    },
    /// A conditional write or a job operation named a record that is absent.
    #[error("{} '{id}' not found", kind_name(*.kind))]
    NotFound { kind: ApiResourceKind, id: String },
    /// A conditional write found another revision than the caller read:
    /// someone else wrote in between.
    #[error(
        "{} '{id}' was changed concurrently (expected revision {expected}, found {actual})",
        kind_name(*.kind)
    )]
    RevisionMismatch {
        kind: ApiResourceKind,
        id: String,
        expected: u64,
        actual: u64,
    },
    /// The job was claimed by someone else after this holder's lease ran
    /// out (or was already completed).
    #[error("job {job_id} is no longer leased by this worker (attempt {attempt})")]
    LeaseLost { job_id: i64, attempt: u32 },
    /// A page cursor that this store did not hand out, or one for the other
    /// sort order.
    #[error("invalid page cursor")]
    InvalidCursor,
    /// The caller passed something no backend could store (empty id,
    /// unknown kind, zero page size, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The store was closed; nothing runs after `close`.
    #[error("store is closed")]
    Closed,
    /// The database failed (I/O, corruption, lost connection, …).
    #[error("storage backend failed: {0}")]
    Backend(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Arc::new(error))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        StoreError::InvalidArgument(message.into())
    }

    /// True for [`StoreError::AlreadyExists`], whichever key collided.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, StoreError::AlreadyExists { .. })
    }
}

/// Shorthand for results of storage operations.
pub type StoreResult<T> = Result<T, StoreError>;
