//! The config file `<data-dir>/config.yaml` and the settings the CLI reads
//! from it.
//!
//! The file is shared with the server (which reads its own keys, such as the
//! LLM settings, from the same file), so it is handled as a generic YAML
//! tree: keys this CLI does not know are kept untouched. Resolution order for
//! a CLI setting: flag > environment > file > default.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde_yaml_ng::{Mapping, Value};

/// What a setting's value must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    Address,
    Text,
    Secret,
    Bool,
}

/// A setting the CLI itself reads.
#[derive(Debug)]
pub struct Setting {
    pub key: &'static str,
    /// The environment variable (and global flag) that overrides the file.
    pub env: Option<&'static str>,
    pub default: Option<&'static str>,
    pub kind: SettingKind,
    pub about: &'static str,
}

pub const DEFAULT_SERVER_ADDRESS: &str = "127.0.0.1:7234";
pub const DEFAULT_ORG: &str = "local";

pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "server.address",
        env: Some("STIGMER_SERVER_ADDR"),
        default: Some(DEFAULT_SERVER_ADDRESS),
        kind: SettingKind::Address,
        about: "address of the server (host:port)",
    },
    Setting {
        key: "server.token",
        env: Some("STIGMER_TOKEN"),
        default: None,
        kind: SettingKind::Secret,
        about: "bearer token sent with every request",
    },
    Setting {
        key: "server.auto_start",
        env: Some("STIGMER_AUTO_START"),
        default: Some("true"),
        kind: SettingKind::Bool,
        about: "start the local server when a command needs it",
    },
    Setting {
        key: "org",
        env: Some("STIGMER_ORG"),
        default: Some(DEFAULT_ORG),
        kind: SettingKind::Text,
        about: "organization that owns the resources",
    },
];

pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The config file as a YAML tree.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    root: Mapping,
}

impl ConfigFile {
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join("config.yaml")
    }

    /// Reads the file; a missing file is an empty config, not an error.
    pub fn load(path: PathBuf) -> anyhow::Result<Self> {
        let root = match fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => Mapping::new(),
            Ok(text) => match serde_yaml_ng::from_str::<Value>(&text)
                .with_context(|| format!("{} is not valid YAML", path.display()))?
            {
                Value::Mapping(map) => map,
                Value::Null => Mapping::new(),
                _ => bail!("{} must hold a YAML mapping", path.display()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Mapping::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Self { path, root })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value at a dotted key, as text (`None` when absent).
    pub fn get(&self, key: &str) -> Option<String> {
        let mut node = &self.root;
        let parts: Vec<&str> = key.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let value = node.get(*part)?;
            if i + 1 == parts.len() {
                return scalar_text(value);
            }
            node = value.as_mapping()?;
        }
        None
    }

    /// Sets a dotted key. Values of known settings are checked; other keys
    /// (server settings) are stored as YAML scalars.
    pub fn set(&mut self, key: &str, raw: &str) -> anyhow::Result<()> {
        let value = match setting(key) {
            Some(s) => parse_setting(s, raw)?,
            None => parse_scalar(raw),
        };
        let parts: Vec<&str> = key.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            bail!("invalid key '{key}': use dotted names such as server.address");
        }
        let mut node = &mut self.root;
        for part in &parts[..parts.len() - 1] {
            let entry = node
                .entry(Value::String((*part).to_owned()))
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if !entry.is_mapping() {
                *entry = Value::Mapping(Mapping::new());
            }
            node = match entry {
                Value::Mapping(m) => m,
                _ => unreachable!("replaced by a mapping above"),
            };
        }
        let last = parts[parts.len() - 1];
        node.insert(Value::String(last.to_owned()), value);
        Ok(())
    }

    /// Removes a dotted key; returns whether it was present.
    pub fn unset(&mut self, key: &str) -> bool {
        fn remove(node: &mut Mapping, parts: &[&str]) -> bool {
            match parts {
                [] => false,
                [last] => node.remove(*last).is_some(),
                [first, rest @ ..] => match node.get_mut(*first) {
                    Some(Value::Mapping(child)) => {
                        let removed = remove(child, rest);
                        if removed && child.is_empty() {
                            node.remove(*first);
                        }
                        removed
                    }
                    _ => false,
                },
            }
        }
        let parts: Vec<&str> = key.split('.').collect();
        remove(&mut self.root, &parts)
    }

    /// Every leaf of the file as (dotted key, text).
    pub fn entries(&self) -> Vec<(String, String)> {
        fn walk(prefix: &str, node: &Mapping, out: &mut Vec<(String, String)>) {
            for (k, v) in node {
                let Some(k) = scalar_text(k) else { continue };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    Value::Mapping(child) => walk(&key, child, out),
                    other => out.push((key, scalar_text(other).unwrap_or_default())),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.root, &mut out);
        out
    }

    /// Writes the file with mode 0600 (it may hold a token), atomically.
    pub fn save(&self) -> anyhow::Result<()> {
        let dir = self
            .path
            .parent()
            .context("the config path has no parent directory")?;
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let text = serde_yaml_ng::to_string(&self.root)?;
        let tmp = self.path.with_extension("yaml.tmp");
        {
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&tmp)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            file.write_all(
                b"# stigmer configuration: `stigmer config list` shows every setting\n",
            )?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(())
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        Value::Sequence(_) | Value::Mapping(_) => serde_yaml_ng::to_string(value)
            .ok()
            .map(|s| s.trim_end().to_owned()),
        Value::Tagged(t) => scalar_text(&t.value),
    }
}

fn parse_scalar(raw: &str) -> Value {
    match serde_yaml_ng::from_str::<Value>(raw) {
        Ok(v @ (Value::Bool(_) | Value::Number(_))) => v,
        _ => Value::String(raw.to_owned()),
    }
}

/// Checks a value for a known setting and returns it as YAML.
pub fn parse_setting(setting: &Setting, raw: &str) -> anyhow::Result<Value> {
    match setting.kind {
        SettingKind::Bool => parse_bool(raw)
            .map(Value::Bool)
            .with_context(|| format!("{} must be true or false, not '{raw}'", setting.key)),
        SettingKind::Address => {
            crate::server::address::ServerAddress::parse(raw)
                .with_context(|| format!("invalid {}", setting.key))?;
            Ok(Value::String(raw.to_owned()))
        }
        SettingKind::Text | SettingKind::Secret => {
            if raw.trim().is_empty() {
                bail!(
                    "{} cannot be empty (use `stigmer config unset`)",
                    setting.key
                );
            }
            Ok(Value::String(raw.to_owned()))
        }
    }
}

pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_config(text: &str) -> (tempfile::TempDir, ConfigFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        fs::write(&path, text).unwrap();
        let config = ConfigFile::load(path).unwrap();
        (dir, config)
    }

    #[test]
    fn setting_a_key_keeps_the_server_keys_it_does_not_know() {
        let (_dir, mut config) = temp_config("llm:\n  provider: ollama\n  model: qwen\n");
        config.set("server.address", "127.0.0.1:9000").unwrap();
        config.save().unwrap();
        let reloaded = ConfigFile::load(config.path().to_owned()).unwrap();
        assert_eq!(reloaded.get("llm.provider").as_deref(), Some("ollama"));
        assert_eq!(
            reloaded.get("server.address").as_deref(),
            Some("127.0.0.1:9000")
        );
    }

    #[test]
    fn known_settings_are_checked() {
        let (_dir, mut config) = temp_config("");
        assert!(config.set("server.auto_start", "maybe").is_err());
        assert!(config.set("server.address", "not an address").is_err());
        config.set("server.auto_start", "no").unwrap();
        assert_eq!(config.get("server.auto_start").as_deref(), Some("false"));
    }

    #[test]
    fn unset_removes_empty_parents() {
        let (_dir, mut config) = temp_config("server:\n  address: 127.0.0.1:1\n");
        assert!(config.unset("server.address"));
        assert!(config.entries().is_empty());
        assert!(!config.unset("server.address"));
    }

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        let config = ConfigFile::load(dir.path().join("nope.yaml")).unwrap();
        assert!(config.entries().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut config = ConfigFile::load(dir.path().join("sub/config.yaml")).unwrap();
        config.set("org", "acme").unwrap();
        config.save().unwrap();
        let mode = fs::metadata(config.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
