//! One gRPC channel to the server, with the bearer token on every call.

use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use super::error::ClientError;
use crate::server::address::ServerAddress;

/// The server accepts messages up to 10 MiB; a little more is allowed in so
/// that a full-size response is never refused by the client.
pub const MAX_MESSAGE_BYTES: usize = 12 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Adds `authorization: Bearer <token>` when a token is configured.
#[derive(Clone, Debug, Default)]
pub struct BearerToken(Option<MetadataValue<Ascii>>);

impl Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// What every generated client is built on.
pub type Transport = InterceptedService<Channel, BearerToken>;

/// An open connection to one server.
#[derive(Clone, Debug)]
pub struct Connection {
    transport: Transport,
    address: ServerAddress,
}

impl Connection {
    /// Connects eagerly, so that "nobody listens there" is told apart from
    /// errors the server returns.
    pub async fn open(address: &ServerAddress, token: Option<&str>) -> Result<Self, ClientError> {
        let token = match token.filter(|t| !t.is_empty()) {
            Some(t) => Some(
                format!("Bearer {t}")
                    .parse::<MetadataValue<Ascii>>()
                    .map_err(|_| ClientError::BadToken)?,
            ),
            None => None,
        };
        let endpoint = Endpoint::from_shared(address.uri())
            .map_err(|e| ClientError::unreachable(address, &e))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true);
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| ClientError::unreachable(address, &e))?;
        Ok(Self {
            transport: InterceptedService::new(channel, BearerToken(token)),
            address: address.clone(),
        })
    }

    pub fn transport(&self) -> Transport {
        self.transport.clone()
    }

    pub fn address(&self) -> &ServerAddress {
        &self.address
    }
}
