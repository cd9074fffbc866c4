//! The settings a command runs with, resolved once: flag > environment >
//! config file > default.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::config::{self, ConfigFile, SETTINGS, Setting};
use crate::server::address::ServerAddress;

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        })
    }
}

/// Resolved settings of this invocation.
#[derive(Debug)]
pub struct Context {
    pub data_dir: PathBuf,
    pub config: ConfigFile,
    pub address: ServerAddress,
    pub token: Option<String>,
    pub org: String,
    pub auto_start: bool,
    /// Values given as flags or environment variables, with their source,
    /// by setting key.
    overrides: Vec<(&'static str, String, Source)>,
}

impl Context {
    pub fn resolve(global: &GlobalArgs, matches: &ArgMatches) -> anyhow::Result<Self> {
        let data_dir = match &global.data_dir {
            Some(dir) => dir.clone(),
            None => default_data_dir()?,
        };
        let config = ConfigFile::load(ConfigFile::path_in(&data_dir))?;

        let source_of = |id: &str| match matches.value_source(id) {
            Some(ValueSource::CommandLine) => Source::Flag,
            _ => Source::Env,
        };
        let mut overrides = Vec::new();
        if let Some(server) = &global.server {
            overrides.push(("server.address", server.clone(), source_of("server")));
        }
        if let Some(token) = &global.token {
            overrides.push(("server.token", token.clone(), source_of("token")));
        }
        if let Some(org) = &global.org {
            overrides.push(("org", org.clone(), source_of("org")));
        }
        if let Ok(auto_start) = std::env::var("STIGMER_AUTO_START") {
            overrides.push(("server.auto_start", auto_start, Source::Env));
        }

        let mut context = Self {
            data_dir,
            config,
            address: ServerAddress::parse(config::DEFAULT_SERVER_ADDRESS)?,
            token: None,
            org: config::DEFAULT_ORG.to_owned(),
            auto_start: true,
            overrides,
        };
        if let Some((address, source)) = context.effective("server.address") {
            context.address = ServerAddress::parse(&address)
                .with_context(|| format!("invalid server address (from {source})"))?;
        }
        context.token = context.effective("server.token").map(|(t, _)| t);
        if let Some((org, _)) = context.effective("org") {
            if org.trim().is_empty() {
                bail!("the organization cannot be empty");
            }
            context.org = org;
        }
        if let Some((raw, source)) = context.effective("server.auto_start") {
            context.auto_start = config::parse_bool(&raw).with_context(|| {
                format!("server.auto_start (from {source}) must be true or false, not '{raw}'")
            })?;
        }
        Ok(context)
    }

    /// The effective value of a key and its source; `None` when unset.
    pub fn effective(&self, key: &str) -> Option<(String, Source)> {
        if let Some((_, value, source)) = self.overrides.iter().find(|(k, _, _)| *k == key) {
            return Some((value.clone(), *source));
        }
        if let Some(value) = self.config.get(key) {
            return Some((value, Source::File));
        }
        config::setting(key)
            .and_then(|s: &Setting| s.default)
            .map(|d| (d.to_owned(), Source::Default))
    }

    /// Every known setting and every key of the file, with effective values.
    pub fn all_settings(&self) -> Vec<(String, Option<(String, Source)>)> {
        let mut keys: Vec<String> = SETTINGS.iter().map(|s| s.key.to_owned()).collect();
        for (key, _) in self.config.entries() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.into_iter()
            .map(|k| {
                let value = self.effective(&k);
                (k, value)
            })
            .collect()
    }
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .context("HOME is not set; pass --data-dir or set STIGMER_DATA_DIR")?;
    Ok(home.join(".stigmer"))
}
