//! panic → INTERNAL, for the handler's future and for its response stream.
//!
//! Hand-written rather than tower-http's `CatchPanic` because that one
//! leaves the response body unguarded: a streaming handler that panics
//! mid-stream would unwind into the connection task, or — over the
//! in-process channel — into the calling handler's own task.

use std::any::Any;
use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::FutureExt;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

use super::{HttpRequest, HttpResponse, ResponseFuture};
use crate::error::Error;
use crate::method::CallMethod;

#[derive(Clone, Copy)]
pub(crate) struct CatchPanicLayer;

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> CatchPanic<S> {
        CatchPanic { inner }
    }
}

#[derive(Clone)]
pub(crate) struct CatchPanic<S> {
    inner: S,
}

impl<S> Service<HttpRequest> for CatchPanic<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest) -> ResponseFuture {
        // Only a stream runs handler code while its body is polled; a unary
        // body is an already-encoded message.
        let streaming = request
            .extensions()
            .get::<CallMethod>()
            .is_none_or(|method| method.0.server_streaming);
        let future = match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => future,
            Err(payload) => {
                report(payload.as_ref());
                return Box::pin(std::future::ready(Ok(Error::Panicked.into_response())));
            }
        };
        Box::pin(async move {
            match AssertUnwindSafe(future).catch_unwind().await {
                Ok(Ok(response)) if streaming && !response.body().is_end_stream() => Ok(response
                    .map(|inner| {
                        Body::new(PanicGuardBody {
                            inner,
                            ended: false,
                        })
                    })),
                Ok(Ok(response)) => Ok(response),
                Err(payload) => {
                    report(payload.as_ref());
                    Ok(Error::Panicked.into_response())
                }
            }
        })
    }
}

/// Logs the panic; the client only learns that the handler panicked.
fn report(payload: &(dyn Any + Send)) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)");
    tracing::error!(panic = message, "handler panicked");
}

/// Ends a stream whose producer panicked with INTERNAL trailers.
struct PanicGuardBody {
    inner: Body,
    ended: bool,
}

impl HttpBody for PanicGuardBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let inner = &mut this.inner;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll_frame(cx))) {
            Ok(polled) => polled,
            Err(payload) => {
                report(payload.as_ref());
                this.ended = true;
                this.inner = Body::empty();
                Poll::Ready(Some(Error::Panicked.into_trailers()))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
