//! The in-process channel: generated tonic clients calling the layered
//! router directly — no socket, no HTTP/2 framing, but the same message
//! encoding and every layer.

use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};
use tower::util::Oneshot;
use tower::{Service, ServiceExt};

use crate::context::{Origin, Transport};
use crate::error::Error;
use crate::layers::{HttpRequest, HttpResponse, RpcService};
use crate::runtime::Shared;

/// A tonic-compatible channel into a [`crate::Runtime`]:
/// `AgentQueryControllerClient::new(channel.clone())`.
///
/// Calls carry [`crate::Identity::System`], which nothing on the network
/// can claim. Cloning is cheap. The channel holds the runtime weakly:
/// handlers own channels and the runtime owns the handlers, so a strong
/// reference would keep both alive forever; once the runtime is dropped,
/// calls answer `UNAVAILABLE`.
#[derive(Clone)]
pub struct InProcessChannel {
    runtime: Arc<OnceLock<Weak<Shared>>>,
}

impl InProcessChannel {
    pub(crate) fn unbound() -> Self {
        Self {
            runtime: Arc::new(OnceLock::new()),
        }
    }

    pub(crate) fn bind(&self, shared: &Arc<Shared>) {
        // A builder builds one runtime, so the channel is bound only once.
        let _ = self.runtime.set(Arc::downgrade(shared));
    }
}

impl Service<HttpRequest> for InProcessChannel {
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = Either<Oneshot<RpcService, HttpRequest>, Ready<Result<HttpResponse, Infallible>>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: HttpRequest) -> Self::Future {
        let Some(shared) = self.runtime.get().and_then(Weak::upgrade) else {
            return Either::Right(ready(Ok(Error::RuntimeUnavailable.into_response())));
        };
        request
            .extensions_mut()
            .insert(Origin(Transport::InProcess));
        Either::Left(shared.service.clone().oneshot(request))
    }
}

impl fmt::Debug for InProcessChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = self
            .runtime
            .get()
            .is_some_and(|runtime| runtime.strong_count() > 0);
        f.debug_struct("InProcessChannel")
            .field("connected", &bound)
            .finish()
    }
}
