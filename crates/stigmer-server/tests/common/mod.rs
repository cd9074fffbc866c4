//! Starts the real `stigmer-server` binary on a free port with a fresh data
//! directory, for end-to-end tests over the network.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fixtures;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tonic::transport::Channel;

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// A server over a fresh data directory.
    pub async fn start() -> Server {
        Server::start_with(&[]).await
    }

    /// A server over a fresh data directory, with extra environment variables.
    pub async fn start_with(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Server::start_in(dir.path().to_path_buf(), env).await;
        server._dir = Some(dir);
        server
    }

    /// A server over `data_dir`, with extra environment variables.
    pub async fn start_in(data_dir: PathBuf, env: &[(&str, &str)]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_stigmer-server"));
        command
            .env("STIGMER_DATA_DIR", &data_dir)
            .env("GRPC_PORT", port.to_string())
            .env_remove("DB_PATH")
            .env_remove("STIGMER_DATABASE_URL")
            .env("LOG_LEVEL", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(data_dir.join("server.log")).unwrap(),
            ));
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().unwrap();
        let server = Server {
            child,
            addr: format!("http://127.0.0.1:{port}"),
            data_dir,
            _dir: None,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(channel) = Channel::from_shared(self.addr.clone())
                .unwrap()
                .connect()
                .await
            {
                let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                if let Ok(response) = health
                    .check(tonic_health::pb::HealthCheckRequest::default())
                    .await
                    && response.into_inner().status
                        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not become ready; log:\n{}", self.log());
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.addr.clone())
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
