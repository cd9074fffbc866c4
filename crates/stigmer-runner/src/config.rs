//! Runner settings, read from the same environment variables the upstream
//! Python runner used so existing setups keep working.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `STIGMER_LLM_PROVIDER` | `ollama`, `openai` or `anthropic` | `ollama` |
//! | `STIGMER_LLM_MODEL` | model name | per provider (see [`LlmProviderKind::default_model`]) |
//! | `STIGMER_LLM_BASE_URL` | provider endpoint (`OLLAMA_BASE_URL` also read for Ollama) | per provider |
//! | `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` | key of that provider | — |
//! | `STIGMER_LLM_API_KEY` | key of any provider (upstream name) | — |
//! | `STIGMER_AGENT_RUNNER_WORKSPACE` | root of the session workspaces | `$STIGMER_DATA_DIR/workspace`, else `~/.stigmer/data/workspace` |
//! | `STIGMER_AGENT_MAX_STEPS` | LLM turns per execution | 100 |

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::secret::SecretString;

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `STIGMER_LLM_PROVIDER` names a provider we do not speak.
    #[error("STIGMER_LLM_PROVIDER={0:?} is not supported; use one of: ollama, openai, anthropic")]
    UnknownProvider(String),
    /// A numeric setting is not a number.
    #[error("{name}={value:?} is not a valid number")]
    NotANumber {
        /// Variable name.
        name: &'static str,
        /// The rejected text.
        value: String,
    },
}

/// The LLM families the runner can talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProviderKind {
    /// A local Ollama, spoken to through its OpenAI-compatible `/v1` API.
    Ollama,
    /// OpenAI or any OpenAI-compatible chat-completions server (vLLM, LM Studio…).
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
}

impl LlmProviderKind {
    /// The name used in `STIGMER_LLM_PROVIDER`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ollama => "ollama",
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
        }
    }

    /// The model used when neither the execution nor `STIGMER_LLM_MODEL` names one.
    pub fn default_model(self) -> &'static str {
        match self {
            Self::Ollama => "qwen2.5-coder:7b",
            Self::OpenAi => "gpt-4o",
            Self::Anthropic => "claude-sonnet-4-5",
        }
    }

    /// The endpoint used when `STIGMER_LLM_BASE_URL` is unset.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::Ollama => "http://localhost:11434",
            Self::OpenAi => "https://api.openai.com/v1",
            Self::Anthropic => "https://api.anthropic.com",
        }
    }

    /// The provider-specific key variable.
    pub fn api_key_variable(self) -> Option<&'static str> {
        match self {
            Self::Ollama => None,
            Self::OpenAi => Some("OPENAI_API_KEY"),
            Self::Anthropic => Some("ANTHROPIC_API_KEY"),
        }
    }
}

impl FromStr for LlmProviderKind {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "ollama" => Ok(Self::Ollama),
            "openai" => Ok(Self::OpenAi),
            "anthropic" => Ok(Self::Anthropic),
            _ => Err(ConfigError::UnknownProvider(text.to_owned())),
        }
    }
}

/// How to reach the LLM and how patient to be with it.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Which API family to speak.
    pub provider: LlmProviderKind,
    /// Model used unless the execution's `execution_config.model_name` overrides it.
    pub model: String,
    /// Endpoint root; see [`LlmProviderKind::default_base_url`].
    pub base_url: String,
    /// Key for OpenAI or Anthropic; not needed for Ollama.
    pub api_key: Option<SecretString>,
    /// Sampling temperature; `None` leaves the provider's default.
    pub temperature: Option<f32>,
    /// Upper bound of tokens per model reply.
    pub max_tokens: u32,
    /// How long to wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// How long to wait for the response headers of one request (a local
    /// model may need to load first).
    pub response_timeout: Duration,
    /// How long a stream may stay silent before it is considered dead.
    pub idle_timeout: Duration,
    /// Extra attempts after a 429 or 5xx answer.
    pub max_retries: u32,
    /// First backoff delay; doubled on every retry.
    pub retry_base_delay: Duration,
}

impl LlmConfig {
    /// The defaults of one provider.
    pub fn for_provider(provider: LlmProviderKind) -> Self {
        Self {
            provider,
            model: provider.default_model().to_owned(),
            base_url: provider.default_base_url().to_owned(),
            api_key: None,
            temperature: match provider {
                // Upstream ran local models at temperature 0 for reproducible tool use.
                LlmProviderKind::Ollama => Some(0.0),
                _ => None,
            },
            max_tokens: 8192,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(300),
            max_retries: 4,
            retry_base_delay: Duration::from_millis(500),
        }
    }

    /// Reads the settings through `lookup` (the process environment in
    /// [`LlmConfig::from_env`]); empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let provider = match get("STIGMER_LLM_PROVIDER") {
            Some(name) => name.parse()?,
            None => LlmProviderKind::Ollama,
        };
        let mut config = Self::for_provider(provider);
        if let Some(model) = get("STIGMER_LLM_MODEL") {
            config.model = model;
        }
        let legacy_ollama_url = match provider {
            // The upstream supervisor also passed the URL as OLLAMA_BASE_URL.
            LlmProviderKind::Ollama => get("OLLAMA_BASE_URL"),
            _ => None,
        };
        if let Some(url) = get("STIGMER_LLM_BASE_URL").or(legacy_ollama_url) {
            config.base_url = url;
        }
        config.api_key = provider
            .api_key_variable()
            .and_then(&get)
            .or_else(|| get("STIGMER_LLM_API_KEY"))
            .map(SecretString::new);
        Ok(config)
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self::for_provider(LlmProviderKind::Ollama)
    }
}

/// Everything the runner needs besides the execution itself.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The model provider.
    pub llm: LlmConfig,
    /// Each session works in `<workspace_root>/<session id>`.
    pub workspace_root: PathBuf,
    /// LLM turns allowed per execution (and per sub-agent delegation).
    pub max_steps: u32,
    /// Progress is sent at most this often; terminal updates go out at once.
    pub status_interval: Duration,
    /// Without progress, an empty update is sent this often to learn whether
    /// a client cancelled the execution.
    pub status_heartbeat: Duration,
    /// How long an MCP server may take to start and list its tools.
    pub mcp_startup_timeout: Duration,
    /// How long one tool call may take.
    pub tool_timeout: Duration,
    /// How many earlier executions of the session are replayed as history.
    pub history_limit: usize,
}

impl RunnerConfig {
    /// Defaults with the given LLM settings and workspace root.
    pub fn new(llm: LlmConfig, workspace_root: impl Into<PathBuf>) -> Self {
        Self {
            llm,
            workspace_root: workspace_root.into(),
            max_steps: 100,
            status_interval: Duration::from_millis(250),
            status_heartbeat: Duration::from_secs(5),
            mcp_startup_timeout: Duration::from_secs(60),
            tool_timeout: Duration::from_secs(300),
            history_limit: 50,
        }
    }

    /// Reads the settings through `lookup`; see the module docs for names.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let llm = LlmConfig::from_lookup(&lookup)?;
        let workspace_root = get("STIGMER_AGENT_RUNNER_WORKSPACE")
            .map(PathBuf::from)
            .or_else(|| get("STIGMER_DATA_DIR").map(|dir| PathBuf::from(dir).join("workspace")))
            .or_else(|| get("HOME").map(|home| PathBuf::from(home).join(".stigmer/data/workspace")))
            .unwrap_or_else(|| PathBuf::from("workspace"));
        let mut config = Self::new(llm, workspace_root);
        if let Some(steps) = get("STIGMER_AGENT_MAX_STEPS") {
            config.max_steps = steps.trim().parse().map_err(|_| ConfigError::NotANumber {
                name: "STIGMER_AGENT_MAX_STEPS",
                value: steps,
            })?;
        }
        Ok(config)
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_configuration_means_local_ollama_with_qwen() {
        let config = RunnerConfig::from_lookup(lookup(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(config.llm.provider, LlmProviderKind::Ollama);
        assert_eq!(config.llm.model, "qwen2.5-coder:7b");
        assert_eq!(config.llm.base_url, "http://localhost:11434");
        assert_eq!(
            config.workspace_root,
            PathBuf::from("/home/u/.stigmer/data/workspace")
        );
    }

    #[test]
    fn openai_key_is_read_from_openai_api_key() {
        let config = LlmConfig::from_lookup(lookup(&[
            ("STIGMER_LLM_PROVIDER", "OpenAI"),
            ("OPENAI_API_KEY", "sk-test"),
        ]))
        .unwrap();
        assert_eq!(config.provider, LlmProviderKind::OpenAi);
        assert_eq!(config.api_key.unwrap().expose(), "sk-test");
        assert_eq!(config.model, "gpt-4o");
    }

    #[test]
    fn upstream_generic_key_variable_still_works() {
        let config = LlmConfig::from_lookup(lookup(&[
            ("STIGMER_LLM_PROVIDER", "anthropic"),
            ("STIGMER_LLM_API_KEY", "k"),
            ("STIGMER_LLM_MODEL", "claude-x"),
        ]))
        .unwrap();
        assert_eq!(config.api_key.unwrap().expose(), "k");
        assert_eq!(config.model, "claude-x");
    }

    #[test]
    fn unknown_provider_is_rejected_with_the_choices() {
        let error = LlmConfig::from_lookup(lookup(&[("STIGMER_LLM_PROVIDER", "gemini")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("ollama, openai, anthropic"), "{error}");
    }

    #[test]
    fn api_keys_are_redacted_in_debug_output() {
        let config = LlmConfig::from_lookup(lookup(&[
            ("STIGMER_LLM_PROVIDER", "openai"),
            ("OPENAI_API_KEY", "sk-very-secret"),
        ]))
        .unwrap();
        assert!(!format!("{config:?}").contains("sk-very-secret"));
    }
}
