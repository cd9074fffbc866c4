//! Identity: who is calling, decided by the transport and the bearer token.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};
use http::HeaderMap;
use tower::{Layer, Service};
use tracing::Span;
use tracing::field::display;

use super::audit::record_rejection;
use super::{HttpRequest, HttpResponse};
use crate::audit::AuditSink;
use crate::context::{IDENTITY_HEADER, Identity, Origin, Transport};
use crate::error::Error;

/// The bearer tokens a network caller may present, each naming a principal.
/// Empty (the default) means the server does not check tokens and every
/// network caller is [`Identity::LocalUser`].
#[derive(Debug, Clone, Default)]
pub struct BearerTokens {
    tokens: Vec<(Box<[u8]>, Arc<str>)>,
}

impl BearerTokens {
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token` as the credential of `principal`. Empty tokens and
    /// the reserved names `system` and `local-user` are refused, so a token
    /// can never pass for an identity the transport decides.
    pub fn with_token(
        mut self,
        token: impl Into<String>,
        principal: impl Into<String>,
    ) -> Result<Self, Error> {
        let token = token.into();
        let principal = principal.into();
        if token.is_empty() {
            return Err(Error::Config(format!(
                "empty bearer token for `{principal}`"
            )));
        }
        if principal.is_empty() || Identity::RESERVED_NAMES.contains(&principal.as_str()) {
            return Err(Error::Config(format!(
                "`{principal}` cannot be the principal of a bearer token"
            )));
        }
        self.tokens
            .push((token.into_bytes().into_boxed_slice(), principal.into()));
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Decides who sent a request.
    fn identify(&self, origin: Option<&Origin>, headers: &HeaderMap) -> Result<Identity, Error> {
        if matches!(origin, Some(Origin(Transport::InProcess))) {
            return Ok(Identity::System);
        }
        if headers.contains_key(IDENTITY_HEADER) {
            return Err(Error::ForgedIdentity);
        }
        if self.tokens.is_empty() {
            return Ok(Identity::LocalUser);
        }
        let presented = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| bearer_token(value.as_bytes()))
            .ok_or(Error::MissingToken)?;
        // Compare against every token, in constant time per token, so the
        // answer's timing says nothing about how much of a token matched.
        let mut principal = None;
        for (token, name) in &self.tokens {
            if constant_time_eq(token, presented) {
                principal = Some(name.clone());
            }
        }
        principal
            .map(Identity::Principal)
            .ok_or(Error::InvalidToken)
    }
}

fn bearer_token(header: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = header.split_at_checked(7)?;
    (scheme.eq_ignore_ascii_case(b"bearer ") && !token.is_empty()).then_some(token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone)]
pub(crate) struct IdentityLayer {
    tokens: Arc<BearerTokens>,
    audit: Arc<dyn AuditSink>,
}

impl IdentityLayer {
    /// Refused calls never reach the audit layer, so this one records them
    /// in `audit` itself.
    pub(crate) fn new(tokens: Arc<BearerTokens>, audit: Arc<dyn AuditSink>) -> Self {
        Self { tokens, audit }
    }
}

impl<S> Layer<S> for IdentityLayer {
    type Service = IdentityService<S>;

    fn layer(&self, inner: S) -> IdentityService<S> {
        IdentityService {
            inner,
            tokens: self.tokens.clone(),
            audit: self.audit.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct IdentityService<S> {
    inner: S,
    tokens: Arc<BearerTokens>,
    audit: Arc<dyn AuditSink>,
}

impl<S> Service<HttpRequest> for IdentityService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Infallible>,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = Either<S::Future, Ready<Result<HttpResponse, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: HttpRequest) -> Self::Future {
        let identified = self
            .tokens
            .identify(request.extensions().get::<Origin>(), request.headers());
        match identified {
            Ok(identity) => {
                Span::current().record("identity", display(&identity));
                request.extensions_mut().insert(identity);
                Either::Left(self.inner.call(request))
            }
            Err(error) => {
                Span::current().record("identity", "unauthenticated");
                record_rejection(self.audit.as_ref(), &request, &error);
                Either::Right(ready(Ok(error.into_response())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn without_tokens_network_callers_are_the_local_user() {
        let tokens = BearerTokens::new();
        let identity = tokens.identify(None, &headers(&[("authorization", "Bearer x")]));
        assert_eq!(identity.unwrap(), Identity::LocalUser);
    }

    #[test]
    fn tokens_name_their_principal_and_nothing_else_passes() {
        let tokens = BearerTokens::new().with_token("s3cret", "ci").unwrap();
        let ok = tokens.identify(None, &headers(&[("authorization", "bearer s3cret")]));
        assert_eq!(ok.unwrap(), Identity::Principal("ci".into()));
        let wrong = tokens.identify(None, &headers(&[("authorization", "Bearer s3creT")]));
        assert!(matches!(wrong, Err(Error::InvalidToken)));
        let basic = tokens.identify(None, &headers(&[("authorization", "Basic s3cret")]));
        assert!(matches!(basic, Err(Error::MissingToken)));
    }

    #[test]
    fn reserved_principals_are_refused() {
        assert!(BearerTokens::new().with_token("t", "system").is_err());
        assert!(BearerTokens::new().with_token("", "ci").is_err());
    }
}
