//! The one error type steps return, and its single mapping to `tonic::Status`.

use tonic::{Code, Status};

/// What went wrong in a step, by the gRPC code the caller will see.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Unavailable(String),
    /// A concurrent writer won; retrying the request is safe.
    #[error("{0}")]
    Aborted(String),
    #[error("{0}")]
    Internal(String),
    /// An error that already has a gRPC status (a downstream call's answer):
    /// passed through with its code and message.
    #[error("{}", .0.message())]
    Status(Status),
}

impl ApiError {
    pub fn code(&self) -> Code {
        match self {
            ApiError::InvalidArgument(_) => Code::InvalidArgument,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::AlreadyExists(_) => Code::AlreadyExists,
            ApiError::FailedPrecondition(_) => Code::FailedPrecondition,
            ApiError::PermissionDenied(_) => Code::PermissionDenied,
            ApiError::Unavailable(_) => Code::Unavailable,
            ApiError::Aborted(_) => Code::Aborted,
            ApiError::Internal(_) => Code::Internal,
            ApiError::Status(status) => status.code(),
        }
    }
}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        ApiError::Status(status)
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Status(status) => status,
            other => Status::new(other.code(), other.to_string()),
        }
    }
}

/// A pipeline failure: the step that failed and why.
#[derive(Debug, thiserror::Error)]
#[error("{pipeline}/{step}: {error}")]
pub struct PipelineError {
    pub pipeline: &'static str,
    pub step: &'static str,
    #[source]
    pub error: ApiError,
}

impl From<PipelineError> for Status {
    /// The caller sees the step's own message and code; the step name goes
    /// into the `x-stigmer-failed-step` trailer for debugging.
    fn from(error: PipelineError) -> Self {
        let mut status: Status = error.error.into();
        if let Ok(step) = error.step.parse() {
            status.metadata_mut().insert("x-stigmer-failed-step", step);
        }
        status
    }
}
