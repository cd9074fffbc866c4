//! The RPC runtime shared by every Stigmer service.
//!
//! One function builds the tower layer stack; the network server and the
//! in-process channel both wrap that same stack, so a nested call made from
//! inside the server passes every layer a network call does. This crate
//! knows no domain code: it serves any tonic services whose descriptors it
//! is given.
#![forbid(unsafe_code)]

mod audit;
mod context;
mod error;
mod in_process;
mod layers;
mod method;
mod observe;
mod runtime;
mod server;
mod wire;

pub use audit::{AuditRecord, AuditSink, MemoryAuditSink, TracingAuditSink};
pub use context::{IDENTITY_HEADER, Identity, REQUEST_ID_HEADER, RequestId, ResourceId, Transport};
pub use error::{Direction, Error};
pub use in_process::InProcessChannel;
pub use layers::{BearerTokens, RpcService};
pub use method::KindResolver;
pub use runtime::{DEFAULT_MAX_CONCURRENT_CALLS, MAX_MESSAGE_SIZE, Runtime, RuntimeBuilder};
pub use server::{DEFAULT_TCP_ADDR, Listener, NetworkServer};
