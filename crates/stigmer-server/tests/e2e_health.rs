//! What the real binary tells about itself on every health answer: the
//! facts `stigmer server status` shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test]
async fn health_answers_carry_version_data_dir_start_time_and_pid() {
    let server = common::Server::start().await;
    let response = HealthClient::new(server.channel().await)
        .check(HealthCheckRequest::default())
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .metadata()
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("stigmer-version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        header("stigmer-data-dir"),
        server.data_dir.display().to_string()
    );
    assert_eq!(header("stigmer-pid"), server.child.id().to_string());
    let started_at: u64 = header("stigmer-started-at").parse().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(started_at <= now && now - started_at < 60, "{started_at}");
}
