//! Limits: concurrent network calls, the caller's deadline, response
//! message size, and the end of open streams when the server shuts down.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::future::{Either, ready};
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

use super::{HttpRequest, HttpResponse, ResponseFuture};
use crate::context::{Origin, Transport};
use crate::error::{Direction, Error};
use crate::method::CallMethod;
use crate::wire::FrameScanner;

#[derive(Clone)]
pub(crate) struct LimitsLayer {
    limits: Arc<Limits>,
}

struct Limits {
    in_flight: Arc<Semaphore>,
    max_concurrent_calls: usize,
    max_message_size: usize,
    shutdown: CancellationToken,
}

impl LimitsLayer {
    pub(crate) fn new(
        max_concurrent_calls: usize,
        max_message_size: usize,
        shutdown: CancellationToken,
    ) -> Self {
        // More permits than a semaphore can count means "no limit" anyway.
        let max_concurrent_calls = max_concurrent_calls.min(Semaphore::MAX_PERMITS);
        Self {
            limits: Arc::new(Limits {
                in_flight: Arc::new(Semaphore::new(max_concurrent_calls)),
                max_concurrent_calls,
                max_message_size,
                shutdown,
            }),
        }
    }
}

impl<S> Layer<S> for LimitsLayer {
    type Service = LimitsService<S>;

    fn layer(&self, inner: S) -> LimitsService<S> {
        LimitsService {
            inner,
            limits: self.limits.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct LimitsService<S> {
    inner: S,
    limits: Arc<Limits>,
}

impl<S> Service<HttpRequest> for LimitsService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = Either<ResponseFuture, futures::future::Ready<Result<HttpResponse, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let reject = |error: Error| Either::Right(ready(Ok(error.into_response())));
        let limits = &self.limits;

        // In-process calls are part of work already admitted (a nested call
        // of a network call, or the server's own background work); refusing
        // them would fail admitted requests halfway through.
        let in_process = matches!(
            request.extensions().get::<Origin>(),
            Some(Origin(Transport::InProcess))
        );
        let permit = if in_process {
            None
        } else {
            match limits.in_flight.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    return reject(Error::Overloaded {
                        limit: limits.max_concurrent_calls,
                    });
                }
            }
        };
        let timeout = match grpc_timeout(request.headers()) {
            Ok(timeout) => timeout,
            Err(error) => return reject(error),
        };
        let streaming = request
            .extensions()
            .get::<CallMethod>()
            .is_some_and(|method| method.0.server_streaming);
        if streaming && limits.shutdown.is_cancelled() {
            return reject(Error::ShuttingDown);
        }

        let deadline = timeout.map(|timeout| (Instant::now() + timeout, timeout));
        let max_message_size = limits.max_message_size;
        let shutdown = streaming.then(|| limits.shutdown.clone());
        let future = self.inner.call(request);
        Either::Left(Box::pin(async move {
            let response = match deadline {
                Some((at, timeout)) => match tokio::time::timeout_at(at, future).await {
                    Ok(Ok(response)) => response,
                    Err(_) => return Ok(Error::DeadlineExceeded(timeout).into_response()),
                },
                None => {
                    let Ok(response) = future.await;
                    response
                }
            };
            // The permit covers the handler's work; an open stream does not
            // hold one (HTTP/2 stream limits bound those per connection).
            drop(permit);
            if response.body().is_end_stream() {
                return Ok(response);
            }
            let stream_end = shutdown.map(|shutdown| StreamEnd {
                deadline: deadline
                    .map(|(at, timeout)| (Box::pin(tokio::time::sleep_until(at)), timeout)),
                shutdown: Box::pin(shutdown.cancelled_owned()),
            });
            Ok(response.map(|inner| {
                Body::new(LimitedBody {
                    inner,
                    max_message_size,
                    scanner: FrameScanner::default(),
                    stream_end,
                    ended: false,
                })
            }))
        }))
    }
}

/// Parses `grpc-timeout`: at most 8 digits and a unit (H, M, S, m, u, n).
fn grpc_timeout(headers: &HeaderMap) -> Result<Option<Duration>, Error> {
    let Some(value) = headers.get("grpc-timeout") else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let (digits, unit) = bytes
        .split_last()
        .map(|(unit, digits)| (digits, *unit))
        .ok_or(Error::MalformedTimeout)?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::MalformedTimeout);
    }
    let amount: u64 = digits
        .iter()
        .fold(0, |acc, digit| acc * 10 + u64::from(digit - b'0'));
    let timeout = match unit {
        b'H' => Duration::from_secs(amount * 3600),
        b'M' => Duration::from_secs(amount * 60),
        b'S' => Duration::from_secs(amount),
        b'm' => Duration::from_millis(amount),
        b'u' => Duration::from_micros(amount),
        b'n' => Duration::from_nanos(amount),
        _ => return Err(Error::MalformedTimeout),
    };
    Ok(Some(timeout))
}

/// What ends a server stream early.
struct StreamEnd {
    deadline: Option<(Pin<Box<Sleep>>, Duration)>,
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl StreamEnd {
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        if let Some((sleep, timeout)) = self.deadline.as_mut()
            && sleep.as_mut().poll(cx).is_ready()
        {
            return Some(Error::DeadlineExceeded(*timeout));
        }
        self.shutdown
            .as_mut()
            .poll(cx)
            .is_ready()
            .then_some(Error::ShuttingDown)
    }
}

/// A response body that refuses oversized messages and ends server streams
/// at the deadline or at shutdown, with the status as trailers.
struct LimitedBody {
    inner: Body,
    max_message_size: usize,
    scanner: FrameScanner,
    stream_end: Option<StreamEnd>,
    ended: bool,
}

impl LimitedBody {
    fn end_with(&mut self, error: Error) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        self.ended = true;
        // Drops the handler's stream now, so its producer sees the end.
        self.inner = Body::empty();
        Poll::Ready(Some(error.into_trailers()))
    }
}

impl HttpBody for LimitedBody {
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
        if let Some(error) = this.stream_end.as_mut().and_then(|end| end.poll_end(cx)) {
            return this.end_with(error);
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(chunk) = frame.data_ref()
            && let Some(header) = this.scanner.scan(chunk, this.max_message_size)
        {
            return this.end_with(Error::MessageTooLarge {
                direction: Direction::Response,
                size: header.len,
                limit: this.max_message_size,
            });
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn timeout(value: &'static str) -> Result<Option<Duration>, Error> {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", HeaderValue::from_static(value));
        grpc_timeout(&headers)
    }

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(timeout("2S").unwrap(), Some(Duration::from_secs(2)));
        assert_eq!(timeout("150m").unwrap(), Some(Duration::from_millis(150)));
        assert_eq!(timeout("1H").unwrap(), Some(Duration::from_secs(3600)));
        assert_eq!(timeout("7n").unwrap(), Some(Duration::from_nanos(7)));
        assert_eq!(grpc_timeout(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn malformed_grpc_timeouts_are_refused() {
        for bad in ["S", "123456789S", "10x", "1.5S", "-1S"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
    }
}
