//! How storage failures read to a caller: the one classification of
//! `StoreError` into API errors.

use stigmer_api::{ApiResourceKind, KindRegistry};
use stigmer_store::StoreError;

use crate::ApiError;

/// The PascalCase name of a kind for messages (`AgentInstance`).
pub fn kind_label(kind: ApiResourceKind) -> String {
    KindRegistry::global()
        .get(kind)
        .map_or_else(|| kind.as_str_name().to_owned(), |info| info.name.clone())
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AlreadyExists { kind, key } => {
                ApiError::AlreadyExists(format!("{} with {key} already exists", kind_label(kind)))
            }
            StoreError::NotFound { kind, id } => {
                ApiError::NotFound(format!("{} not found: {id}", kind_label(kind)))
            }
            StoreError::RevisionMismatch { kind, id, .. } => ApiError::Aborted(format!(
                "{} {id} was changed by another request at the same time; retry",
                kind_label(kind)
            )),
            StoreError::InvalidCursor => {
                ApiError::InvalidArgument("page_token is not a token this server issued".into())
            }
            StoreError::InvalidArgument(message) => ApiError::InvalidArgument(message),
            StoreError::Closed => ApiError::Unavailable("the server is shutting down".into()),
            other @ (StoreError::LeaseLost { .. } | StoreError::Backend(_)) => {
                tracing::error!(error = %other, "storage failure");
                ApiError::Internal(format!("storage failure: {other}"))
            }
        }
    }
}
