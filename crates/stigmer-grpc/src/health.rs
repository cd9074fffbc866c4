//! The health service with facts about the server attached to every answer
//! as response headers. Health is the one rpc any gRPC client can call, so
//! a client asking "is it up?" learns version, data dir and uptime in the
//! same round trip, without an extra service in the API.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, HeaderValue};
use tonic::body::Body;
use tonic::server::NamedService;
use tower::Service;

use crate::error::Error;

/// Checks a header the builder was given: gRPC metadata names are
/// lowercase ASCII and values visible ASCII, or clients cannot read them.
pub(crate) fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let bad = |why: &str| Error::Config(format!("health header {name:?}: {why}"));
    if name.ends_with("-bin") || name.starts_with("grpc-") {
        return Err(bad("reserved name"));
    }
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(&e.to_string()))?;
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(bad("value must be printable ASCII"));
    }
    let value = HeaderValue::from_str(value).map_err(|e| bad(&e.to_string()))?;
    Ok((name, value))
}

/// A served service whose responses carry fixed extra headers.
#[derive(Clone)]
pub(crate) struct WithHeaders<S> {
    inner: S,
    headers: Arc<HeaderMap>,
}

impl<S> WithHeaders<S> {
    pub(crate) fn new(inner: S, headers: HeaderMap) -> Self {
        Self {
            inner,
            headers: Arc::new(headers),
        }
    }
}

impl<S: NamedService> NamedService for WithHeaders<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for WithHeaders<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let response = self.inner.call(request);
        let headers = self.headers.clone();
        Box::pin(async move {
            let mut response = response.await?;
            for (name, value) in headers.iter() {
                response.headers_mut().insert(name, value.clone());
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_and_values_must_be_readable_metadata() {
        assert!(header("stigmer-version", "0.1.0").is_ok());
        assert!(header("Bad Name", "x").is_err());
        assert!(header("stigmer-logo-bin", "x").is_err());
        assert!(header("grpc-status", "0").is_err());
        assert!(header("stigmer-data-dir", "/home/zoë").is_err());
    }
}
