//! How a call ended, seen from a layer: the final status arrives either in
//! the response headers (trailers-only responses, which is how every error
//! of this runtime is sent) or in the trailers at the end of the body, or
//! never, when the caller goes away first.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::body::Body;
use tonic::{Code, Status};

/// The final status of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) code: Code,
    /// The status message, kept for failures only.
    pub(crate) message: Option<String>,
}

impl Outcome {
    fn from_status_headers(headers: &HeaderMap) -> Option<Self> {
        let code = Code::from_bytes(headers.get(Status::GRPC_STATUS)?.as_bytes());
        let message = (code != Code::Ok)
            .then(|| Status::from_header_map(headers).map(|s| s.message().to_owned()))
            .flatten();
        Some(Self { code, message })
    }

    fn from_status(status: &Status) -> Self {
        Self {
            code: status.code(),
            message: Some(status.message().to_owned()),
        }
    }

    fn cancelled() -> Self {
        Self {
            code: Code::Cancelled,
            message: Some("the caller went away before the call ended".to_owned()),
        }
    }

    fn without_status() -> Self {
        Self {
            code: Code::Unknown,
            message: Some("the response ended without a grpc-status".to_owned()),
        }
    }
}

/// Wants to know how a call ended.
pub(crate) trait CallObserver: Send + Unpin + 'static {
    /// Sees every response data chunk as it passes.
    fn on_data(&mut self, _chunk: &Bytes) {}

    fn on_complete(self, outcome: Outcome);
}

/// Holds an observer while the call runs: if the call is dropped before it
/// produced a response (the caller went away), the observer hears
/// `CANCELLED`.
pub(crate) struct Pending<O: CallObserver>(Option<O>);

impl<O: CallObserver> Pending<O> {
    pub(crate) fn new(observer: O) -> Self {
        Self(Some(observer))
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut O> {
        self.0.as_mut()
    }

    /// Hands `response` to the observer: right away for a trailers-only
    /// response, otherwise when its body ends.
    pub(crate) fn observe(mut self, response: http::Response<Body>) -> http::Response<Body> {
        let Some(observer) = self.0.take() else {
            return response;
        };
        if let Some(outcome) = Outcome::from_status_headers(response.headers()) {
            observer.on_complete(outcome);
            return response;
        }
        if response.body().is_end_stream() {
            observer.on_complete(Outcome::without_status());
            return response;
        }
        response.map(|inner| {
            Body::new(ObservedBody {
                inner,
                observer: Some(observer),
            })
        })
    }
}

impl<O: CallObserver> Drop for Pending<O> {
    fn drop(&mut self) {
        if let Some(observer) = self.0.take() {
            observer.on_complete(Outcome::cancelled());
        }
    }
}

/// A response body that tells its observer how the call ended.
struct ObservedBody<O: CallObserver> {
    inner: Body,
    observer: Option<O>,
}

impl<O: CallObserver> ObservedBody<O> {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(observer) = self.observer.take() {
            observer.on_complete(outcome);
        }
    }
}

impl<O: CallObserver> HttpBody for ObservedBody<O> {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(chunk) = frame.data_ref() {
                    if let Some(observer) = this.observer.as_mut() {
                        observer.on_data(chunk);
                    }
                } else if let Some(trailers) = frame.trailers_ref() {
                    let outcome = Outcome::from_status_headers(trailers)
                        .unwrap_or_else(Outcome::without_status);
                    this.finish(outcome);
                }
            }
            Poll::Ready(Some(Err(status))) => this.finish(Outcome::from_status(status)),
            Poll::Ready(None) => this.finish(Outcome::without_status()),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<O: CallObserver> Drop for ObservedBody<O> {
    fn drop(&mut self) {
        self.finish(Outcome::cancelled());
    }
}

/// The canonical upper-case name of a gRPC code, as other gRPC stacks log it.
pub(crate) fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
