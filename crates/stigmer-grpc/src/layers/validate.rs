//! protovalidate on every request message, before any handler sees it.
//!
//! The request body is read (at most the size limit), its message decoded
//! into a `DynamicMessage` of the method's input type and validated with
//! every `buf.validate` rule, CEL included; the handler then decodes the
//! same bytes as usual. The validator caches compiled rules per message
//! type, so a method's rules are compiled once.

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::future::Either;
use http_body_util::{BodyExt, Full};
use prost_protovalidate::Validator;
use prost_reflect::DynamicMessage;
use tonic::body::Body;
use tower::{Layer, Service};

use super::{HttpRequest, HttpResponse, ResponseFuture};
use crate::context::ResourceId;
use crate::error::{Direction, Error};
use crate::method::{CallMethod, MethodInfo};
use crate::wire::{FRAME_HEADER_LEN, FrameHeader, find_string};

#[derive(Clone)]
pub(crate) struct ValidateLayer {
    validator: &'static Validator,
    max_message_size: usize,
}

impl ValidateLayer {
    pub(crate) fn new(validator: &'static Validator, max_message_size: usize) -> Self {
        Self {
            validator,
            max_message_size,
        }
    }
}

impl<S> Layer<S> for ValidateLayer {
    type Service = ValidateService<S>;

    fn layer(&self, inner: S) -> ValidateService<S> {
        ValidateService {
            inner,
            validator: self.validator,
            max_message_size: self.max_message_size,
        }
    }
}

#[derive(Clone)]
pub(crate) struct ValidateService<S> {
    inner: S,
    validator: &'static Validator,
    max_message_size: usize,
}

impl<S> Service<HttpRequest> for ValidateService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = Either<ResponseFuture, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        // Unknown paths (health, reflection, typos) have no descriptors here:
        // the router answers them. Client-streaming requests are left to the
        // service's own decoder limits; Stigmer has none.
        let method = match request.extensions().get::<CallMethod>() {
            Some(method) if !method.0.client_streaming => method.0.clone(),
            _ => return Either::Right(self.inner.call(request)),
        };
        // The inner service is called after the body was read: take the one
        // that was made ready and leave a clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let validator = self.validator;
        let limit = self.max_message_size;
        Either::Left(Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = match read_request(body, limit).await {
                Ok(bytes) => bytes,
                Err(error) => return Ok(error.into_response()),
            };
            let resource_id = match check_message(&method, validator, &bytes) {
                Ok(resource_id) => resource_id,
                Err((error, resource_id)) => {
                    let mut response = error.into_response();
                    if let Some(id) = resource_id {
                        response.extensions_mut().insert(ResourceId(id));
                    }
                    return Ok(response);
                }
            };
            let request = HttpRequest::from_parts(parts, Body::new(Full::new(bytes)));
            let Ok(mut response) = inner.call(request).await;
            if let Some(id) = resource_id
                && response.extensions().get::<ResourceId>().is_none()
            {
                response.extensions_mut().insert(ResourceId(id));
            }
            Ok(response)
        }))
    }
}

/// Reads the whole request body, refusing it as soon as its message is
/// declared (or turns out) larger than `limit`.
async fn read_request(mut body: Body, limit: usize) -> Result<Bytes, Error> {
    let too_large = |size| Error::MessageTooLarge {
        direction: Direction::Request,
        size,
        limit,
    };
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut header_checked = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Error::RequestBody)?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        // The common case is one chunk, kept without copying.
        let buffered: &[u8] = match (&mut first, &mut joined) {
            (None, None) => first.insert(chunk),
            (Some(first_chunk), None) => {
                let mut buffer = BytesMut::from(std::mem::take(first_chunk));
                buffer.extend_from_slice(&chunk);
                first = None;
                joined.insert(buffer)
            }
            (_, Some(buffer)) => {
                buffer.extend_from_slice(&chunk);
                buffer
            }
        };
        if !header_checked && let Some(header) = buffered.first_chunk::<FRAME_HEADER_LEN>() {
            header_checked = true;
            let header = FrameHeader::parse(*header);
            if header.len > limit {
                return Err(too_large(header.len));
            }
        }
        if buffered.len() > limit + FRAME_HEADER_LEN {
            return Err(too_large(buffered.len() - FRAME_HEADER_LEN));
        }
    }
    Ok(match (first, joined) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(chunk), None) => chunk,
        (None, None) => Bytes::new(),
    })
}

/// Validates the request message; returns the resource id it names, also
/// alongside a rejection so the audit record still knows the target.
fn check_message(
    method: &MethodInfo,
    validator: &Validator,
    bytes: &[u8],
) -> Result<Option<String>, (Error, Option<String>)> {
    let Some((header, rest)) = bytes.split_first_chunk::<FRAME_HEADER_LEN>() else {
        // No message at all: the service's decoder reports it.
        return Ok(None);
    };
    let header = FrameHeader::parse(*header);
    if header.compressed {
        return Err((Error::CompressedMessage, None));
    }
    let Some(message) = rest.get(..header.len) else {
        return Ok(None);
    };
    let resource_id = method
        .request_id_path
        .as_deref()
        .and_then(|path| find_string(message, path));
    let decoded = DynamicMessage::decode(method.input.clone(), message).map_err(|error| {
        (
            Error::MalformedRequest(error.to_string()),
            resource_id.clone(),
        )
    })?;
    match validator.validate(&decoded) {
        Ok(()) => Ok(resource_id),
        Err(prost_protovalidate::Error::Validation(violations)) => {
            Err((Error::InvalidRequest(violations), resource_id))
        }
        Err(other) => {
            tracing::error!(error = %other, message = method.input.full_name(), "validation rules failed");
            Err((
                Error::ValidatorFailed {
                    cause: other.to_string(),
                },
                resource_id,
            ))
        }
    }
}
