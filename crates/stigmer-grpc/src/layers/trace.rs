//! Outermost layer: request id, one span per call, one log line per call.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Layer, Service};
use tracing::field::{Empty, display};
use tracing::{Instrument, Span};

use super::{HttpRequest, HttpResponse, ResponseFuture};
use crate::context::{Origin, REQUEST_ID_HEADER, RequestId, Transport};
use crate::method::{CallMethod, MethodTable};
use crate::observe::{CallObserver, Outcome, Pending, code_name};

#[derive(Clone)]
pub(crate) struct TraceLayer {
    methods: Arc<MethodTable>,
}

impl TraceLayer {
    pub(crate) fn new(methods: Arc<MethodTable>) -> Self {
        Self { methods }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace {
            inner,
            methods: self.methods.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Trace<S> {
    inner: S,
    methods: Arc<MethodTable>,
}

impl<S> Service<HttpRequest> for Trace<S>
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

    fn call(&mut self, mut request: HttpRequest) -> ResponseFuture {
        let started = Instant::now();
        if let Some(method) = self.methods.get(request.uri().path()) {
            request.extensions_mut().insert(CallMethod(method.clone()));
        }
        let transport = request
            .extensions()
            .get::<Origin>()
            .map_or(Transport::Other, |origin| origin.0.clone());
        let request_id = RequestId::from_headers_or_new(request.headers());
        // Handlers reading metadata see the id that the response will echo.
        request
            .headers_mut()
            .insert(REQUEST_ID_HEADER, request_id.header_value().clone());

        // `kind` and `identity` are recorded by the layers that find them.
        let span = tracing::info_span!(
            "rpc",
            method = %request.uri().path(),
            request_id = %request_id,
            transport = %transport,
            kind = Empty,
            identity = Empty,
            code = Empty,
            duration_us = Empty,
        );
        request.extensions_mut().insert(transport);
        request.extensions_mut().insert(request_id.clone());

        let future = span.in_scope(|| self.inner.call(request));
        let pending = Pending::new(LogLine {
            span: span.clone(),
            started,
        });
        Box::pin(
            async move {
                let Ok(mut response) = future.await;
                response
                    .headers_mut()
                    .insert(REQUEST_ID_HEADER, request_id.header_value().clone());
                Ok(pending.observe(response))
            }
            .instrument(span),
        )
    }
}

/// Records the outcome on the span and writes the call's log line.
struct LogLine {
    span: Span,
    started: Instant,
}

impl CallObserver for LogLine {
    fn on_complete(self, outcome: Outcome) {
        let duration_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let code = code_name(outcome.code);
        self.span.record("code", display(code));
        self.span.record("duration_us", duration_us);
        tracing::info!(
            parent: &self.span,
            code = %code,
            duration_us,
            message = outcome.message.as_deref(),
            "rpc finished"
        );
    }
}
