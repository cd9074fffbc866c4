//! Server settings: flags over environment variables (upstream names where
//! upstream has one) over defaults.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

/// Serves the Stigmer API over gRPC.
#[derive(Debug, Clone, Parser)]
#[command(name = "stigmer-server", version, about)]
pub struct Config {
    /// Directory for the database, skill artifacts and logs.
    #[arg(long, env = "STIGMER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// SQLite database file [default: <data dir>/stigmer.db].
    #[arg(long, env = "DB_PATH")]
    pub db_path: Option<PathBuf>,

    /// Use PostgreSQL instead of SQLite (a postgres:// URL).
    #[arg(long, env = "STIGMER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Skill artifact storage [default: <data dir>/storage].
    #[arg(long, env = "STORAGE_PATH")]
    pub storage_path: Option<PathBuf>,

    /// Address to listen on. Anything but loopback requires --token.
    #[arg(long, env = "STIGMER_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// Port on 127.0.0.1 (upstream's variable); --listen wins.
    #[arg(long, env = "GRPC_PORT", default_value_t = 7234)]
    pub port: u16,

    /// Bearer tokens accepted from network callers, as principal=token,
    /// comma-separated. Without tokens every network caller is the local user.
    #[arg(
        long = "token",
        env = "STIGMER_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub tokens: Vec<String>,

    /// Key that encrypts secret values at rest: base64 of 32 bytes
    /// [default: generated into <data dir>/encryption.key on first start].
    #[arg(long, env = "STIGMER_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<String>,

    /// Log filter (error, warn, info, debug, trace or a tracing directive).
    #[arg(long, env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
}

/// A setting that cannot work, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no home directory to put ~/.stigmer in; set STIGMER_DATA_DIR")]
    NoHome,
    #[error("--token must look like principal=token, got an entry without '='")]
    MalformedToken,
    #[error(
        "listening on {0} exposes the server beyond this machine; configure --token (STIGMER_TOKENS) first"
    )]
    ExposedWithoutToken(SocketAddr),
}

impl Config {
    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::home_dir()
                .map(|home| home.join(".stigmer"))
                .ok_or(ConfigError::NoHome),
        }
    }

    pub fn db_path(&self) -> Result<PathBuf, ConfigError> {
        match &self.db_path {
            Some(path) => Ok(path.clone()),
            None => Ok(self.data_dir()?.join("stigmer.db")),
        }
    }

    pub fn storage_path(&self) -> Result<PathBuf, ConfigError> {
        match &self.storage_path {
            Some(path) => Ok(path.clone()),
            None => Ok(self.data_dir()?.join("storage")),
        }
    }

    /// Where the generated secrets key lives when no key is configured.
    pub fn encryption_key_path(&self) -> Result<PathBuf, ConfigError> {
        Ok(self.data_dir()?.join("encryption.key"))
    }

    /// The listen address; a non-loopback address needs tokens.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        let addr = self
            .listen
            .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port));
        if !addr.ip().is_loopback() && self.tokens.is_empty() {
            return Err(ConfigError::ExposedWithoutToken(addr));
        }
        Ok(addr)
    }

    /// (principal, token) pairs.
    pub fn token_pairs(&self) -> Result<Vec<(String, String)>, ConfigError> {
        self.tokens
            .iter()
            .map(|entry| {
                entry
                    .split_once('=')
                    .map(|(principal, token)| {
                        (principal.trim().to_owned(), token.trim().to_owned())
                    })
                    .ok_or(ConfigError::MalformedToken)
            })
            .collect()
    }
}
