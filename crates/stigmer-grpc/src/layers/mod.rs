//! The layer stack: the one place that decides what every call goes
//! through, whichever transport brought it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use prost_protovalidate::Validator;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::service::Routes;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

use crate::audit::AuditSink;
use crate::method::MethodTable;

mod audit;
mod identity;
mod kind;
mod limits;
mod panic;
mod trace;
mod validate;

pub use identity::BearerTokens;

pub(crate) type HttpRequest = http::Request<Body>;
pub(crate) type HttpResponse = http::Response<Body>;
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<HttpResponse, Infallible>> + Send + 'static>>;

/// The layered router, shared by every transport.
pub type RpcService = BoxCloneSyncService<HttpRequest, HttpResponse, Infallible>;

/// What the layers are configured with.
pub(crate) struct StackConfig {
    pub(crate) methods: Arc<MethodTable>,
    pub(crate) tokens: Arc<BearerTokens>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) validator: &'static Validator,
    pub(crate) max_concurrent_calls: usize,
    pub(crate) max_message_size: usize,
    /// Cancelled when the server shuts down: open streams end.
    pub(crate) shutdown: CancellationToken,
}

/// Wraps `routes` in the layer stack. Outermost first:
pub(crate) fn layer_stack(routes: Routes, config: StackConfig) -> RpcService {
    let stack = ServiceBuilder::new()
        // Request id (accepted or generated, echoed back), a span per call
        // and one log line when it ends — rejected calls included.
        .layer(trace::TraceLayer::new(config.methods))
        // Who calls: bearer token or local user on the network, the system
        // identity in-process; forged or missing credentials end here
        // (UNAUTHENTICATED, audited without an identity).
        .layer(identity::IdentityLayer::new(
            config.tokens,
            config.audit.clone(),
        ))
        // The called service's api_resource_kind, for unary and streaming rpcs.
        .layer(kind::KindLayer)
        // One audit record per identified call, whatever its outcome; it
        // sits outside the panic guard so a panicking handler is audited as
        // INTERNAL.
        .layer(audit::AuditLayer::new(config.audit))
        // Concurrency limit for network calls (RESOURCE_EXHAUSTED),
        // grpc-timeout deadline, response size, streams ended at shutdown.
        .layer(limits::LimitsLayer::new(
            config.max_concurrent_calls,
            config.max_message_size,
            config.shutdown,
        ))
        // A panicking handler or validator becomes INTERNAL; the process
        // and the in-process caller survive.
        .layer(panic::CatchPanicLayer)
        // protovalidate (CEL included) on the request message, and the
        // request size limit → INVALID_ARGUMENT / RESOURCE_EXHAUSTED.
        .layer(validate::ValidateLayer::new(
            config.validator,
            config.max_message_size,
        ))
        .service(routes);
    BoxCloneSyncService::new(stack)
}
