//! What the server tells about itself on every health answer, as response
//! headers: `stigmer server status` reads them instead of guessing from
//! process tables (the upstream CLI reported dead daemons as running).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use stigmer_grpc::RuntimeBuilder;

pub const VERSION_HEADER: &str = "stigmer-version";
pub const DATA_DIR_HEADER: &str = "stigmer-data-dir";
/// Unix seconds.
pub const STARTED_AT_HEADER: &str = "stigmer-started-at";
pub const PID_HEADER: &str = "stigmer-pid";

/// Adds the headers, stamped with the current time as the start time; an
/// app built over a store of its own has no data dir to report.
pub fn health_headers(builder: RuntimeBuilder, data_dir: Option<&Path>) -> RuntimeBuilder {
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let builder = builder
        .health_header(VERSION_HEADER, env!("CARGO_PKG_VERSION"))
        .health_header(STARTED_AT_HEADER, started_at.to_string())
        .health_header(PID_HEADER, std::process::id().to_string());
    let Some(data_dir) = data_dir else {
        return builder;
    };
    // gRPC metadata is ASCII: a data dir that is not is left out rather
    // than refusing to start over a status detail.
    let data_dir = data_dir.display().to_string();
    if data_dir.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        builder.health_header(DATA_DIR_HEADER, data_dir)
    } else {
        tracing::warn!(%data_dir, "data dir is not ASCII; health answers leave it out");
        builder
    }
}
