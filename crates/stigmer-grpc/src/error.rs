//! The runtime's one error enum and its one mapping to `tonic::Status`.
//!
//! Layers never build a `Status` themselves: they return an [`Error`] and
//! [`Error::into_response`] turns it into the trailers-only gRPC response a
//! client sees, on either transport.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use prost_protovalidate::ValidationError;
use tonic::body::Body;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

/// Which way a message travels, for size-limit errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Request => "request",
            Direction::Response => "response",
        })
    }
}

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("missing bearer token: send `authorization: Bearer <token>`")]
    MissingToken,
    #[error("invalid bearer token")]
    InvalidToken,
    #[error("the `x-stigmer-identity` header is reserved for in-process calls")]
    ForgedIdentity,
    /// protovalidate rejected the request; the text lists every violation.
    #[error("{}", violations_text(.0))]
    InvalidRequest(ValidationError),
    /// The rules themselves failed (bad CEL, unknown rule). The cause is
    /// logged, never sent: it can expose schema internals.
    #[error("validation rules could not be evaluated")]
    ValidatorFailed { cause: String },
    #[error("request message cannot be decoded: {0}")]
    MalformedRequest(String),
    #[error("compressed messages are not supported")]
    CompressedMessage,
    #[error("{direction} message of {size} bytes exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        direction: Direction,
        size: usize,
        limit: usize,
    },
    #[error("deadline of {0:?} exceeded")]
    DeadlineExceeded(Duration),
    #[error("malformed grpc-timeout header")]
    MalformedTimeout,
    #[error("server busy: {limit} calls already in flight")]
    Overloaded { limit: usize },
    #[error("the handler panicked")]
    Panicked,
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("the in-process channel has no running runtime behind it")]
    RuntimeUnavailable,
    /// Reading the request body failed (typically a client reset).
    #[error("reading the request failed: {}", .0.message())]
    RequestBody(Status),
    #[error("invalid runtime configuration: {0}")]
    Config(String),
    #[error("reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("network I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The gRPC code a client sees for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::MissingToken | Error::InvalidToken | Error::ForgedIdentity => {
                Code::Unauthenticated
            }
            Error::InvalidRequest(_) | Error::MalformedTimeout => Code::InvalidArgument,
            Error::ValidatorFailed { .. }
            | Error::MalformedRequest(_)
            | Error::Panicked
            | Error::Config(_)
            | Error::Reflection(_) => Code::Internal,
            Error::CompressedMessage => Code::Unimplemented,
            Error::MessageTooLarge { .. } | Error::Overloaded { .. } => Code::ResourceExhausted,
            Error::DeadlineExceeded(_) => Code::DeadlineExceeded,
            Error::ShuttingDown | Error::RuntimeUnavailable | Error::Io(_) => Code::Unavailable,
            Error::RequestBody(status) => status.code(),
        }
    }

    /// The trailers-only gRPC response carrying this error.
    pub fn into_response(self) -> http::Response<Body> {
        Status::from(self).into_http()
    }

    /// The trailers that end a response body whose headers already went
    /// out (a stream cut short).
    pub(crate) fn into_trailers(self) -> Result<Frame<Bytes>, Status> {
        let status = Status::from(self);
        let mut trailers = http::HeaderMap::new();
        status.add_header(&mut trailers)?;
        Ok(Frame::trailers(trailers))
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let code = error.code();
        match error {
            Error::InvalidRequest(violations) => {
                let message = violations_text(&violations);
                Status::with_error_details(code, message, bad_request(&violations))
            }
            Error::RequestBody(status) => status,
            other => Status::new(code, other.to_string()),
        }
    }
}

/// The protovalidate text upstream clients see (grpc-go + protovalidate-go):
/// `validation error:` and one ` - <field path>: <message> [<rule id>]` line
/// per violation.
fn violations_text(error: &ValidationError) -> String {
    let mut text = String::from("validation error:");
    for violation in error.violations() {
        text.push_str("\n - ");
        let path = violation.field_path();
        if !path.is_empty() {
            let _ = write!(text, "{path}: ");
        }
        if !violation.message().is_empty() {
            let _ = write!(text, "{} ", violation.message());
        }
        let _ = write!(text, "[{}]", violation.rule_id());
    }
    text
}

/// A `google.rpc.BadRequest` with one field violation per protovalidate
/// violation; the rule id goes into `reason`.
fn bad_request(error: &ValidationError) -> ErrorDetails {
    let violations: Vec<FieldViolation> = error
        .violations()
        .iter()
        .map(|violation| FieldViolation {
            field: violation.field_path(),
            description: violation.message().to_owned(),
            reason: violation.rule_id().to_owned(),
            localized_message: None,
        })
        .collect();
    ErrorDetails::with_bad_request(violations)
}
