//! Asking a server whether it serves: `grpc.health.v1.Health/Check`, plus
//! the facts a Stigmer server adds to that answer as response headers
//! (`stigmer-version`, `stigmer-data-dir`, `stigmer-started-at` in unix
//! seconds, `stigmer-pid`). Servers that send none still report health.

use std::time::Duration;

use serde::Serialize;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::address::ServerAddress;
use crate::client::connection::Connection;
use crate::client::error::ClientError;

pub const VERSION_HEADER: &str = "stigmer-version";
pub const DATA_DIR_HEADER: &str = "stigmer-data-dir";
pub const STARTED_AT_HEADER: &str = "stigmer-started-at";
pub const PID_HEADER: &str = "stigmer-pid";

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What the server says about itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<String>,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

#[derive(Debug, Clone)]
pub enum Health {
    Serving(ServerInfo),
    /// Something answers but is not (yet) serving: starting, or draining.
    NotServing {
        status: String,
        info: ServerInfo,
    },
    /// Nobody answers.
    Unreachable(String),
}

impl Health {
    pub fn is_serving(&self) -> bool {
        matches!(self, Health::Serving(_))
    }
}

/// One health check with a short timeout.
pub async fn probe(address: &ServerAddress, token: Option<&str>) -> Health {
    let connection = match Connection::open(address, token).await {
        Ok(c) => c,
        Err(ClientError::Unreachable { reason, .. }) => return Health::Unreachable(reason),
        Err(e) => return Health::Unreachable(e.to_string()),
    };
    check(&connection).await
}

/// One health check on an open connection.
pub async fn check(connection: &Connection) -> Health {
    let mut client = HealthClient::new(connection.transport());
    let request = HealthCheckRequest {
        service: String::new(),
    };
    match tokio::time::timeout(PROBE_TIMEOUT, client.check(request)).await {
        Err(_) => Health::NotServing {
            status: "no answer to the health check".to_owned(),
            info: ServerInfo::default(),
        },
        Ok(Err(status)) => match ClientError::from_status(status, connection.address()) {
            ClientError::Unreachable { reason, .. } => Health::Unreachable(reason),
            ClientError::Unimplemented(_) => Health::NotServing {
                status: "answers gRPC but has no health service (not a stigmer server?)".to_owned(),
                info: ServerInfo::default(),
            },
            other => Health::NotServing {
                status: other.to_string(),
                info: ServerInfo::default(),
            },
        },
        Ok(Ok(response)) => {
            let info = info_from(response.metadata());
            let status = response.into_inner().status();
            if status == ServingStatus::Serving {
                Health::Serving(info)
            } else {
                Health::NotServing {
                    status: status.as_str_name().to_owned(),
                    info,
                }
            }
        }
    }
}

fn info_from(metadata: &tonic::metadata::MetadataMap) -> ServerInfo {
    let text = |key: &str| {
        metadata
            .get(key)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    ServerInfo {
        version: text(VERSION_HEADER),
        data_dir: text(DATA_DIR_HEADER),
        started_at: text(STARTED_AT_HEADER).and_then(|s| s.parse().ok()),
        pid: text(PID_HEADER).and_then(|s| s.parse().ok()),
    }
}
