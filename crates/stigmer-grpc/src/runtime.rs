//! The runtime: the routes of every service, wrapped once in the layer
//! stack, shared by the network server and the in-process channel.

use std::fmt;
use std::sync::Arc;

use prost_reflect::DescriptorPool;
use stigmer_api::KindRegistry;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::{Routes, RoutesBuilder};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::audit::{AuditSink, TracingAuditSink};
use crate::error::Error;
use crate::health::WithHeaders;
use crate::in_process::InProcessChannel;
use crate::layers::{BearerTokens, RpcService, StackConfig, layer_stack};
use crate::method::{KindResolver, MethodTable};

/// The largest message accepted or sent, either way: 10 MiB, as upstream.
pub const MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;

/// How many network calls may run at once before new ones are refused
/// with `RESOURCE_EXHAUSTED`.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 1024;

/// Raises a generated tonic server's own message limits to the runtime's:
/// tonic decodes at most 4 MiB by default, which would undercut
/// [`MAX_MESSAGE_SIZE`]. Responses are policed by the layer stack, which
/// answers `RESOURCE_EXHAUSTED` like upstream, so the server's encoder gets
/// no limit of its own.
///
/// ```text
/// builder.add_service(stigmer_grpc::message_limits!(AgentQueryControllerServer::new(handler)))
/// ```
#[macro_export]
macro_rules! message_limits {
    ($server:expr) => {
        $server
            .max_decoding_message_size($crate::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(usize::MAX)
    };
}

/// Collects services and settings; [`RuntimeBuilder::build`] wraps them in
/// the layer stack.
pub struct RuntimeBuilder {
    routes: RoutesBuilder,
    service_names: Vec<&'static str>,
    pools: Vec<DescriptorPool>,
    reflection_sets: Vec<&'static [u8]>,
    kinds: Box<dyn KindResolver>,
    tokens: BearerTokens,
    audit: Arc<dyn AuditSink>,
    max_concurrent_calls: usize,
    channel: InProcessChannel,
    health_headers: Vec<(String, String)>,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        Self {
            routes: RoutesBuilder::default(),
            service_names: Vec::new(),
            pools: Vec::new(),
            reflection_sets: Vec::new(),
            kinds: Box::new(KindRegistry::global()),
            tokens: BearerTokens::default(),
            audit: Arc::new(TracingAuditSink),
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            channel: InProcessChannel::unbound(),
            health_headers: Vec::new(),
        }
    }
}

impl RuntimeBuilder {
    /// The in-process channel of the runtime being built. Handlers that make
    /// nested calls get it before their services are added; calls made
    /// before [`RuntimeBuilder::build`] answer `UNAVAILABLE`.
    pub fn in_process_channel(&self) -> InProcessChannel {
        self.channel.clone()
    }

    /// Serves a generated tonic server (wrap it in [`message_limits!`]).
    /// Its descriptors must have been registered with
    /// [`RuntimeBuilder::descriptors`].
    pub fn add_service<S>(mut self, service: S) -> Self
    where
        S: tower::Service<
                http::Request<Body>,
                Response = http::Response<Body>,
                Error = std::convert::Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.service_names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Registers the descriptors of served services: `pool` drives
    /// validation, kinds and resource ids; `encoded` (the raw
    /// `FileDescriptorSet`, options intact) feeds server reflection. For the
    /// Stigmer API: `descriptors(stigmer_api::DESCRIPTOR_POOL.clone(),
    /// stigmer_api::FILE_DESCRIPTOR_SET)`.
    pub fn descriptors(mut self, pool: DescriptorPool, encoded: &'static [u8]) -> Self {
        self.pools.push(pool);
        self.reflection_sets.push(encoded);
        self
    }

    /// Where service kinds come from; defaults to
    /// [`KindRegistry::global`].
    pub fn kind_resolver(mut self, kinds: impl KindResolver + 'static) -> Self {
        self.kinds = Box::new(kinds);
        self
    }

    /// Requires network callers to present one of these tokens. Without
    /// tokens every network caller is the local user.
    pub fn bearer_tokens(mut self, tokens: BearerTokens) -> Self {
        self.tokens = tokens;
        self
    }

    /// Where audit records go; defaults to [`TracingAuditSink`].
    pub fn audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
    }

    /// How many network calls may run at once; defaults to
    /// [`DEFAULT_MAX_CONCURRENT_CALLS`].
    pub fn max_concurrent_calls(mut self, limit: usize) -> Self {
        self.max_concurrent_calls = limit;
        self
    }

    /// Adds a response header to every `grpc.health.v1.Health` answer (a
    /// fact about the server, such as its version); names are lowercase
    /// and values printable ASCII, or [`RuntimeBuilder::build`] refuses them.
    pub fn health_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.health_headers.push((name.into(), value.into()));
        self
    }

    /// Adds health and reflection, wraps the routes in the layer stack and
    /// connects the in-process channel.
    pub fn build(self) -> Result<Runtime, Error> {
        let methods = MethodTable::new(&self.pools, self.kinds.as_ref());
        if let Some(missing) = self
            .service_names
            .iter()
            .find(|name| !methods.has_service(name))
        {
            return Err(Error::Config(format!(
                "no descriptors registered for {missing}: its requests could not be validated"
            )));
        }

        let mut health_headers = http::HeaderMap::new();
        for (name, value) in &self.health_headers {
            let (name, value) = crate::health::header(name, value)?;
            health_headers.insert(name, value);
        }
        let (health, health_service) = tonic_health::server::health_reporter();
        let mut routes = self.routes;
        routes
            .add_service(WithHeaders::new(health_service, health_headers))
            .add_service(reflection(&self.reflection_sets).build_v1()?)
            .add_service(reflection(&self.reflection_sets).build_v1alpha()?);
        let routes: Routes = routes.routes().prepare();

        let shutdown = CancellationToken::new();
        let service = layer_stack(
            routes,
            StackConfig {
                methods: Arc::new(methods),
                tokens: Arc::new(self.tokens),
                audit: self.audit,
                validator: stigmer_api::validation::validator(),
                max_concurrent_calls: self.max_concurrent_calls,
                max_message_size: MAX_MESSAGE_SIZE,
                shutdown: shutdown.clone(),
            },
        );
        let shared = Arc::new(Shared {
            service,
            health,
            service_names: self.service_names,
            shutdown,
            channel: self.channel,
        });
        shared.channel.bind(&shared);
        Ok(Runtime { shared })
    }
}

fn reflection(sets: &[&'static [u8]]) -> tonic_reflection::server::Builder<'static> {
    sets.iter().fold(
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET),
        |builder, set| builder.register_encoded_file_descriptor_set(set),
    )
}

/// The services wrapped in the layer stack. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) service: RpcService,
    health: HealthReporter,
    service_names: Vec<&'static str>,
    shutdown: CancellationToken,
    channel: InProcessChannel,
}

impl Runtime {
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// A channel into this runtime that needs no socket; any generated
    /// tonic client works on it.
    pub fn in_process_channel(&self) -> InProcessChannel {
        self.shared.channel.clone()
    }

    /// The layered router as a plain tower service, for serving it over a
    /// transport of one's own. Requests arriving this way count as network
    /// calls ([`crate::Transport::Other`]).
    pub fn service(&self) -> RpcService {
        self.shared.service.clone()
    }

    /// The full names of the services added with
    /// [`RuntimeBuilder::add_service`].
    pub fn service_names(&self) -> &[&'static str] {
        &self.shared.service_names
    }

    /// The health statuses served by `grpc.health.v1.Health`.
    pub fn health_reporter(&self) -> &HealthReporter {
        &self.shared.health
    }

    /// Marks every added service as serving or not in the health service.
    pub async fn set_serving(&self, serving: bool) {
        let status = if serving {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for name in self.service_names() {
            self.shared.health.set_service_status(name, status).await;
        }
        self.shared.health.set_service_status("", status).await;
    }

    /// Ends every open server stream with `UNAVAILABLE` and refuses new
    /// ones; the network server calls it when it shuts down.
    pub fn end_streams(&self) {
        self.shared.shutdown.cancel();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("services", &self.shared.service_names)
            .finish_non_exhaustive()
    }
}
