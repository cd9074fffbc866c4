//! One data-directory layout, shared by the CLI and the server it starts.

use std::path::{Path, PathBuf};

/// Files of the local server under the data dir.
#[derive(Debug, Clone)]
pub struct ServerPaths {
    pub data_dir: PathBuf,
}

impl ServerPaths {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
        }
    }

    /// Written by `server start`, read by `server stop`.
    pub fn pid_file(&self) -> PathBuf {
        self.data_dir.join("stigmer-server.pid")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// stdout and stderr of the server started in the background.
    pub fn log_file(&self) -> PathBuf {
        self.log_dir().join("stigmer-server.log")
    }
}
