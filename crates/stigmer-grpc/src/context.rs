//! What the layers learn about a call and hand to the handler through the
//! request extensions: [`RequestId`], [`Transport`], [`Identity`] and the
//! `stigmer_api::ApiResourceKind`. Handlers may hand a [`ResourceId`] back
//! through the response extensions for the audit record.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

/// Header carrying the request id, accepted from the caller and echoed back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Header a network caller could use to claim an identity. It is reserved:
/// identities other than bearer-token principals come from the transport,
/// so a network request carrying it is rejected as forged.
pub const IDENTITY_HEADER: &str = "x-stigmer-identity";

/// Longest caller-supplied request id we accept; longer ones are replaced.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The id that ties a call's span, log line, audit record and response
/// together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The caller's `x-request-id` when it is a sensible token, else a new
    /// random id.
    pub(crate) fn from_headers_or_new(headers: &HeaderMap) -> Self {
        headers
            .get(REQUEST_ID_HEADER)
            .filter(|value| is_acceptable_request_id(value))
            .map(|value| Self(value.clone()))
            .unwrap_or_else(Self::new_random)
    }

    fn new_random() -> Self {
        let mut buffer = uuid::Uuid::encode_buffer();
        let text = uuid::Uuid::new_v4().simple().encode_lower(&mut buffer);
        // 32 lower-case hex digits are always a valid header value.
        Self(HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-")))
    }

    pub fn as_str(&self) -> &str {
        // Only visible-ASCII values are ever stored (see `is_acceptable_request_id`).
        self.0.to_str().unwrap_or_default()
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

fn is_acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes.iter().all(|b| b.is_ascii_graphic())
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a call reached the layer stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Through the [`crate::InProcessChannel`]: no socket.
    InProcess,
    /// A TCP connection from `peer`.
    Tcp { peer: SocketAddr },
    /// A Unix-socket connection.
    Unix,
    /// A transport this crate did not build (a caller serving
    /// [`crate::Runtime::service`] itself); treated like the network.
    Other,
}

impl Transport {
    /// Short name for logs and metrics: `in-process`, `tcp`, `unix`, `other`.
    pub fn name(&self) -> &'static str {
        match self {
            Transport::InProcess => "in-process",
            Transport::Tcp { .. } => "tcp",
            Transport::Unix => "unix",
            Transport::Other => "other",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Tcp { peer } => write!(f, "tcp:{peer}"),
            other => f.write_str(other.name()),
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// The server itself, calling through the in-process channel. Only the
    /// in-process channel can produce it.
    System,
    /// A network caller when the server has no bearer tokens configured:
    /// whoever can reach the (loopback by default) listener.
    LocalUser,
    /// A network caller that presented the bearer token configured for this
    /// principal.
    Principal(Arc<str>),
}

impl Identity {
    /// Names the identities that are not token principals; tokens cannot be
    /// configured under these names, so logs never confuse the two.
    pub(crate) const RESERVED_NAMES: [&'static str; 2] = ["system", "local-user"];

    pub fn is_system(&self) -> bool {
        matches!(self, Identity::System)
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::System => f.write_str(Self::RESERVED_NAMES[0]),
            Identity::LocalUser => f.write_str(Self::RESERVED_NAMES[1]),
            Identity::Principal(name) => f.write_str(name),
        }
    }
}

/// The id of the resource a call read or wrote, for its audit record.
///
/// The runtime finds it by itself in the request (`metadata.id`,
/// `resource_id`, `value` of an `…Id` wrapper, `id`) or, failing that, in a
/// unary response's `metadata.id`; a handler that knows better inserts one
/// into its `tonic::Response` extensions, which wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId(pub String);

/// Where a request came from, set by the transports of this crate only.
///
/// It is crate-private on purpose: nothing outside this crate (and nothing
/// on the wire) can make a request look in-process, so [`Identity::System`]
/// cannot be forged.
#[derive(Debug, Clone)]
pub(crate) struct Origin(pub(crate) Transport);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_request_id_is_kept_when_sensible() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("abc-123"));
        assert_eq!(RequestId::from_headers_or_new(&headers).as_str(), "abc-123");
    }

    #[test]
    fn absent_or_unreasonable_request_ids_are_replaced() {
        let generated = RequestId::from_headers_or_new(&HeaderMap::new());
        assert_eq!(generated.as_str().len(), 32);

        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("has space"));
        assert_ne!(
            RequestId::from_headers_or_new(&headers).as_str(),
            "has space"
        );
        let long = "x".repeat(MAX_REQUEST_ID_LEN + 1);
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_str(&long).unwrap());
        assert_ne!(RequestId::from_headers_or_new(&headers).as_str(), long);
    }
}
