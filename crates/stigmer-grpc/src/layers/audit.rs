//! Audit: one record per call, whatever its outcome. Calls refused by the
//! identity layer never get here; that layer records them itself with
//! [`record_rejection`].

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use stigmer_api::ApiResourceKind;
use tower::{Layer, Service};

use super::{HttpRequest, HttpResponse, ResponseFuture};
use crate::audit::{AuditRecord, AuditSink};
use crate::context::{Identity, RequestId, ResourceId, Transport};
use crate::error::Error;
use crate::method::{CallMethod, MethodInfo};
use crate::observe::{CallObserver, Outcome, Pending};
use crate::wire::{FRAME_HEADER_LEN, FrameHeader, find_string};

#[derive(Clone)]
pub(crate) struct AuditLayer {
    sink: Arc<dyn AuditSink>,
}

impl AuditLayer {
    pub(crate) fn new(sink: Arc<dyn AuditSink>) -> Self {
        Self { sink }
    }
}

impl<S> Layer<S> for AuditLayer {
    type Service = AuditService<S>;

    fn layer(&self, inner: S) -> AuditService<S> {
        AuditService {
            inner,
            sink: self.sink.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct AuditService<S> {
    inner: S,
    sink: Arc<dyn AuditSink>,
}

impl<S> Service<HttpRequest> for AuditService<S>
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
        let extensions = request.extensions();
        let call = AuditCall {
            sink: self.sink.clone(),
            started: Instant::now(),
            request_id: extensions.get::<RequestId>().cloned(),
            identity: extensions.get::<Identity>().cloned(),
            transport: extensions
                .get::<Transport>()
                .cloned()
                .unwrap_or(Transport::Other),
            method: request.uri().path().to_owned(),
            info: extensions.get::<CallMethod>().map(|m| m.0.clone()),
            kind: extensions.get::<ApiResourceKind>().copied(),
            resource_id: None,
            first_chunk_seen: false,
        };
        let mut pending = Pending::new(call);
        let future = self.inner.call(request);
        Box::pin(async move {
            let Ok(response) = future.await;
            if let Some(call) = pending.get_mut() {
                call.resource_id = response
                    .extensions()
                    .get::<ResourceId>()
                    .map(|id| id.0.clone());
            }
            Ok(pending.observe(response))
        })
    }
}

/// The record of a call refused before it had an identity.
pub(super) fn record_rejection(sink: &dyn AuditSink, request: &HttpRequest, error: &Error) {
    let extensions = request.extensions();
    sink.record(AuditRecord {
        request_id: extensions
            .get::<RequestId>()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default(),
        identity: None,
        transport: extensions
            .get::<Transport>()
            .cloned()
            .unwrap_or(Transport::Other),
        method: request.uri().path().to_owned(),
        kind: extensions.get::<CallMethod>().and_then(|m| m.0.kind),
        resource_id: None,
        code: error.code(),
        message: Some(error.to_string()),
        duration: std::time::Duration::ZERO,
    });
}

struct AuditCall {
    sink: Arc<dyn AuditSink>,
    started: Instant,
    request_id: Option<RequestId>,
    identity: Option<Identity>,
    transport: Transport,
    method: String,
    info: Option<Arc<MethodInfo>>,
    kind: Option<ApiResourceKind>,
    resource_id: Option<String>,
    first_chunk_seen: bool,
}

impl CallObserver for AuditCall {
    /// A create learns its resource id from the response: read
    /// `metadata.id` from the first message of a unary response.
    fn on_data(&mut self, chunk: &Bytes) {
        if std::mem::replace(&mut self.first_chunk_seen, true) || self.resource_id.is_some() {
            return;
        }
        let Some(info) = self.info.as_ref().filter(|info| !info.server_streaming) else {
            return;
        };
        let Some(path) = info.response_id_path.as_deref() else {
            return;
        };
        let Some((header, message)) = chunk.split_first_chunk::<FRAME_HEADER_LEN>() else {
            return;
        };
        let header = FrameHeader::parse(*header);
        if let Some(message) = message.get(..header.len).filter(|_| !header.compressed) {
            self.resource_id = find_string(message, path);
        }
    }

    fn on_complete(self, outcome: Outcome) {
        self.sink.record(AuditRecord {
            request_id: self
                .request_id
                .map(|id| id.as_str().to_owned())
                .unwrap_or_default(),
            identity: self.identity,
            transport: self.transport,
            method: self.method,
            kind: self.kind,
            resource_id: self.resource_id,
            code: outcome.code,
            message: outcome.message,
            duration: self.started.elapsed(),
        });
    }
}
