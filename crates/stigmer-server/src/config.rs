//! Server settings: flags over environment variables (upstream names where
//! upstream has one) over the `server:` section of `<data dir>/config.yaml`
//! (the file the CLI writes) over defaults.

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

    /// Port on 127.0.0.1 (upstream's variable) [default: 7234]; --listen wins.
    #[arg(long, env = "GRPC_PORT")]
    pub port: Option<u16>,

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

    /// Log filter (error, warn, info, debug, trace or a tracing directive)
    /// [default: info].
    #[arg(long, env = "LOG_LEVEL")]
    pub log_level: Option<String>,
}

/// The `server:` section of the config file; every key optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    port: Option<u16>,
    db_path: Option<PathBuf>,
    database_url: Option<String>,
    storage_path: Option<PathBuf>,
    #[serde(default)]
    tokens: Vec<String>,
    log_level: Option<String>,
}

/// The file's top level: the CLI keeps its own keys there too.
#[derive(Debug, Default, serde::Deserialize)]
struct FileRoot {
    #[serde(default)]
    server: ServerSection,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ServerSection {
    #[serde(flatten)]
    settings: std::collections::BTreeMap<String, serde_yaml_ng::Value>,
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
    #[error("cannot read {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// Keys of the CLI's own under `server:`, which the server ignores.
const CLIENT_KEYS: [&str; 3] = ["address", "token", "auto_start"];

impl Config {
    /// Fills every setting the flags and environment left unset from the
    /// config file in the data directory (a missing file is fine).
    pub fn with_file(mut self) -> Result<Self, ConfigError> {
        let path = self.data_dir()?.join("config.yaml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(error) => {
                return Err(ConfigError::File {
                    path,
                    reason: error.to_string(),
                });
            }
        };
        let bad = |reason: String| ConfigError::File {
            path: path.clone(),
            reason,
        };
        let root: FileRoot = serde_yaml_ng::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let mut section = root.server.settings;
        section.retain(|key, _| !CLIENT_KEYS.contains(&key.as_str()));
        let value = serde_yaml_ng::to_value(section).map_err(|e| bad(e.to_string()))?;
        let file: FileSettings =
            serde_yaml_ng::from_value(value).map_err(|e| bad(format!("server: {e}")))?;
        self.listen = self.listen.or(file.listen);
        self.port = self.port.or(file.port);
        self.db_path = self.db_path.or(file.db_path);
        self.database_url = self.database_url.or(file.database_url);
        self.storage_path = self.storage_path.or(file.storage_path);
        if self.tokens.is_empty() {
            self.tokens = file.tokens;
        }
        self.log_level = self.log_level.or(file.log_level);
        Ok(self)
    }

    pub fn log_filter(&self) -> &str {
        self.log_level.as_deref().unwrap_or("info")
    }
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
        let addr = self.listen.unwrap_or(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            self.port.unwrap_or(7234),
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("stigmer-server").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn file_fills_what_flags_leave_unset_and_ignores_client_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.yaml"),
            "org: local\nserver:\n  address: 127.0.0.1:1\n  port: 9100\n  log_level: debug\n  db_path: /tmp/x.db\n",
        )
        .unwrap();
        let data_dir = dir.path().to_str().unwrap();
        let merged = config(&["--data-dir", data_dir, "--db-path", "/tmp/flag.db"])
            .with_file()
            .unwrap();
        assert_eq!(merged.listen_addr().unwrap().port(), 9100);
        assert_eq!(merged.log_filter(), "debug");
        assert_eq!(
            merged.db_path().unwrap(),
            PathBuf::from("/tmp/flag.db"),
            "flags win over the file"
        );
    }

    #[test]
    fn unknown_file_keys_are_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yaml"), "server:\n  prot: 1\n").unwrap();
        let err = config(&["--data-dir", dir.path().to_str().unwrap()])
            .with_file()
            .unwrap_err();
        assert!(
            err.to_string().contains("config.yaml") && err.to_string().contains("prot"),
            "{err}"
        );
    }

    #[test]
    fn exposed_listener_needs_a_token() {
        let err = config(&["--listen", "0.0.0.0:7234"])
            .listen_addr()
            .unwrap_err();
        assert!(matches!(err, ConfigError::ExposedWithoutToken(_)));
        assert!(
            config(&["--listen", "0.0.0.0:7234", "--token", "ci=secret"])
                .listen_addr()
                .is_ok()
        );
    }
}
