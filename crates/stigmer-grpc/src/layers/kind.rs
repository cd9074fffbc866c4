//! api_resource_kind: puts the called service's kind into the request
//! extensions, whatever the rpc's streaming shape (upstream only did unary).

use std::convert::Infallible;
use std::task::{Context, Poll};

use tower::{Layer, Service};
use tracing::Span;
use tracing::field::display;

use super::{HttpRequest, HttpResponse};
use crate::method::CallMethod;

/// The kind was resolved once per method when the runtime was built (see
/// [`crate::KindResolver`]); this layer only hands it over.
#[derive(Clone, Copy)]
pub(crate) struct KindLayer;

impl<S> Layer<S> for KindLayer {
    type Service = KindService<S>;

    fn layer(&self, inner: S) -> KindService<S> {
        KindService { inner }
    }
}

#[derive(Clone)]
pub(crate) struct KindService<S> {
    inner: S,
}

impl<S> Service<HttpRequest> for KindService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Infallible>,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: HttpRequest) -> S::Future {
        let kind = request
            .extensions()
            .get::<CallMethod>()
            .and_then(|method| method.0.kind);
        if let Some(kind) = kind {
            Span::current().record("kind", display(kind.as_str_name()));
            request.extensions_mut().insert(kind);
        }
        self.inner.call(request)
    }
}
