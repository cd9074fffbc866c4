//! The RPC runtime shared by every Stigmer service.
//!
//! One function builds the tower layer stack; the network server and the
//! in-process channel both wrap that same stack, so a nested call made from
//! inside the server passes every layer a network call does. This crate
//! knows no domain code: it serves any tonic services whose descriptors it
//! is given.
//!
//! # The layers, outermost first
//!
//! 1. **request id + tracing**: `x-request-id` accepted (or generated) and
//!    echoed in the response metadata; one `rpc` span per call (method,
//!    request id, transport, kind, identity, code, duration) and one INFO
//!    line `rpc finished` when the call ends.
//! 2. **identity**: network callers present `authorization: Bearer <token>`
//!    when [`BearerTokens`] are configured, else they are
//!    [`Identity::LocalUser`]; in-process calls are [`Identity::System`].
//!    The [`IDENTITY_HEADER`] is reserved: a network request carrying it is
//!    `UNAUTHENTICATED`. Refused calls are audited here, without identity.
//! 3. **kind**: the service's `api_resource_kind` option, for unary and
//!    streaming rpcs.
//! 4. **audit**: one [`AuditRecord`] per call (identity, transport, method,
//!    kind, resource id where known, code, duration) to the [`AuditSink`]
//!    (default [`TracingAuditSink`]); outside the panic guard, so a
//!    panicking handler is audited as `INTERNAL`.
//! 5. **limits**: at most [`DEFAULT_MAX_CONCURRENT_CALLS`] network calls at
//!    once (`RESOURCE_EXHAUSTED`), the `grpc-timeout` deadline
//!    (`DEADLINE_EXCEEDED`, streams included), [`MAX_MESSAGE_SIZE`] for
//!    responses, open streams ended with `UNAVAILABLE` at shutdown.
//! 6. **panic → `INTERNAL`**, for handler futures and response streams.
//! 7. **protovalidate** of the request message, CEL included:
//!    `INVALID_ARGUMENT` with upstream's text (`validation error:` and one
//!    ` - <field path>: <message> [<rule id>]` line per violation) and a
//!    `google.rpc.BadRequest` detail (field, description, rule id as
//!    `reason`); requests over [`MAX_MESSAGE_SIZE`] are `RESOURCE_EXHAUSTED`.
//!    Client-streaming requests are left to the service's own decoder (the
//!    Stigmer API has none).
//!
//! Every failure of the runtime is an [`Error`], turned into a `Status` in
//! one place (`impl From<Error> for tonic::Status`).
//!
//! # Wiring services
//!
//! ```no_run
//! use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
//! use stigmer_api::agentic::agent::v1::agent_query_controller_server::{
//!     AgentQueryController, AgentQueryControllerServer,
//! };
//! use stigmer_grpc::{DEFAULT_TCP_ADDR, InProcessChannel, NetworkServer, Runtime};
//!
//! async fn serve<H: AgentQueryController>(
//!     make_handler: impl FnOnce(InProcessChannel) -> H,
//! ) -> Result<(), stigmer_grpc::Error> {
//!     let builder = Runtime::builder()
//!         .descriptors(stigmer_api::DESCRIPTOR_POOL.clone(), stigmer_api::FILE_DESCRIPTOR_SET);
//!     // Handlers that make nested calls get the in-process channel before
//!     // the runtime exists; it connects when `build` returns.
//!     let handler = make_handler(builder.in_process_channel());
//!     let runtime = builder
//!         .add_service(stigmer_grpc::message_limits!(AgentQueryControllerServer::new(handler)))
//!         .build()?;
//!
//!     // Usable before (and without) the network listener.
//!     let _agents = AgentQueryControllerClient::new(runtime.in_process_channel());
//!
//!     let listener = tokio::net::TcpListener::bind(DEFAULT_TCP_ADDR).await?;
//!     NetworkServer::new(runtime)
//!         .serve(listener, async {
//!             let _ = tokio::signal::ctrl_c().await;
//!         })
//!         .await
//! }
//! ```
//!
//! Every generated server is wrapped in [`message_limits!`] (tonic's own
//! 4 MiB decoding default would undercut the 10 MiB limit), and its
//! descriptors must be registered with [`RuntimeBuilder::descriptors`] —
//! [`RuntimeBuilder::build`] refuses a service it could not validate.
//! Health (`grpc.health.v1`) and reflection (v1 and v1alpha) are added by
//! the runtime; [`RuntimeBuilder::health_header`] attaches facts about the
//! server (version, data dir, start time) to every health answer.
//!
//! # What a handler finds in its request
//!
//! `request.extensions()` holds the [`RequestId`], the [`Transport`], the
//! caller's [`Identity`] and, for services with the option, the
//! `stigmer_api::ApiResourceKind`:
//!
//! ```text
//! let kind = request.extensions().get::<ApiResourceKind>().copied();
//! let caller = request.extensions().get::<Identity>();
//! ```
//!
//! The audit record finds the resource id by itself in the request
//! (`metadata.id`, `resource_id`, an `…Id` wrapper's `value`, `id`) or in a
//! unary response's `metadata.id`; a handler that knows better inserts a
//! [`ResourceId`] into its `tonic::Response` extensions.
//!
//! # Nested calls
//!
//! A downstream client over [`InProcessChannel`] runs the whole stack again
//! under [`Identity::System`] with its own request id, audit record and span
//! (a child of the caller's span). Nested calls are exempt from the
//! concurrency limit, since they are part of admitted work; the channel
//! holds the runtime weakly and answers `UNAVAILABLE` once it is dropped.
#![forbid(unsafe_code)]

mod audit;
mod context;
mod error;
mod health;
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
