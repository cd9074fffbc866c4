//! The agent's MCP servers: started when an execution starts (stdio
//! processes, Docker containers spoken to over stdio, or streamable HTTP
//! endpoints), their tools offered to the model under `<server>__<tool>`,
//! and stopped when the execution ends.

mod process;
mod tool;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::Tool as McpToolDefinition;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use stigmer_api::agentic::agent::v1::McpServerDefinition;
use stigmer_api::agentic::agent::v1::mcp_server_definition::ServerType;
use tokio_util::sync::CancellationToken;

use crate::context::{MissingVariables, ResolvedEnvironment};
use crate::tools::Tool;
use process::ServerProcess;
use tool::McpTool;

/// An MCP server could not be used.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// A placeholder of its definition has no value.
    #[error(
        "MCP server '{server}' needs {missing}; provide it in an environment of the agent instance, \
         the agent's env_spec or the execution's runtime_env"
    )]
    MissingVariables {
        /// Server name.
        server: String,
        /// The unresolved placeholders.
        missing: MissingVariables,
    },
    /// Its definition cannot be used as given.
    #[error("MCP server '{server}' is misconfigured: {reason}")]
    Misconfigured {
        /// Server name.
        server: String,
        /// What is wrong.
        reason: String,
    },
    /// It did not start or did not answer the handshake.
    #[error("MCP server '{server}' failed to start: {reason}")]
    Start {
        /// Server name.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// Startup was interrupted by cancellation.
    #[error("execution cancelled")]
    Cancelled,
}

/// One connected server.
struct ConnectedServer {
    name: String,
    service: RunningService<RoleClient, ()>,
    tools: Vec<McpToolDefinition>,
    enabled_tools: Vec<String>,
    process: Option<ServerProcess>,
}

/// The servers of one execution.
#[derive(Default)]
pub(crate) struct McpHub {
    servers: Vec<ConnectedServer>,
}

impl McpHub {
    /// Starts every server in `definitions` (in order). On failure the ones
    /// already started are stopped before the error is returned.
    pub(crate) async fn start(
        definitions: &[McpServerDefinition],
        environment: &ResolvedEnvironment,
        workspace: &Path,
        startup_timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<Self, McpError> {
        let mut hub = Self::default();
        for definition in definitions {
            let started = tokio::select! {
                started = tokio::time::timeout(
                    startup_timeout,
                    connect(definition, environment, workspace),
                ) => started.unwrap_or_else(|_| Err(McpError::Start {
                    server: definition.name.clone(),
                    reason: format!("no answer within {} s", startup_timeout.as_secs()),
                })),
                () = cancel.cancelled() => Err(McpError::Cancelled),
            };
            match started {
                Ok(server) => hub.servers.push(server),
                Err(error) => {
                    hub.shutdown().await;
                    return Err(error);
                }
            }
        }
        Ok(hub)
    }

    /// Process ids of the stdio servers (for diagnostics and tests).
    pub(crate) fn process_ids(&self) -> Vec<u32> {
        self.servers
            .iter()
            .filter_map(|server| server.process.as_ref()?.id())
            .collect()
    }

    /// The tools for an agent: of the servers named in `selection` (all
    /// servers when `None`), filtered by each server's `enabled_tools` and
    /// by the selection's per-server allow-list.
    pub(crate) fn tools(
        &self,
        selection: Option<&ServerSelection>,
        tool_timeout: Duration,
    ) -> Vec<Arc<dyn Tool>> {
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        for server in &self.servers {
            let allowed_here: Option<&[String]> = match selection {
                None => None,
                Some(selection) => match selection.servers.get(&server.name) {
                    None => continue,
                    Some(list) => Some(list.as_slice()),
                },
            };
            for definition in &server.tools {
                let name = definition.name.as_ref();
                let enabled = server.enabled_tools.is_empty()
                    || server.enabled_tools.iter().any(|t| t == name);
                let selected = allowed_here
                    .is_none_or(|list| list.is_empty() || list.iter().any(|t| t == name));
                if enabled && selected {
                    tools.push(Arc::new(McpTool::new(
                        &server.name,
                        definition,
                        server.service.peer().clone(),
                        tool_timeout,
                    )));
                }
            }
        }
        tools
    }

    /// Closes every connection and stops every process (in parallel, so
    /// the whole hub stops within about a second).
    pub(crate) async fn shutdown(&mut self) {
        let servers = std::mem::take(&mut self.servers);
        futures::future::join_all(servers.into_iter().map(|server| async move {
            let name = server.name;
            // Closing the client drops the transport, which closes the
            // child's stdin — the MCP way of asking a stdio server to exit.
            if let Err(error) =
                tokio::time::timeout(Duration::from_millis(300), server.service.cancel()).await
            {
                tracing::debug!(mcp_server = name, %error, "MCP client did not close in time");
            }
            if let Some(process) = server.process {
                process.stop().await;
            }
            tracing::debug!(mcp_server = name, "MCP server stopped");
        }))
        .await;
    }
}

/// Which servers (and tools) a sub-agent may use.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerSelection {
    /// Server name → allow-list (empty: all tools of that server).
    pub servers: HashMap<String, Vec<String>>,
}

/// Expands `${NAME}` placeholders, naming the server on failure.
fn expand(
    server: &str,
    environment: &ResolvedEnvironment,
    template: &str,
) -> Result<String, McpError> {
    environment
        .expand(template)
        .map_err(|missing| McpError::MissingVariables {
            server: server.to_owned(),
            missing,
        })
}

fn expand_map(
    server: &str,
    environment: &ResolvedEnvironment,
    entries: &HashMap<String, String>,
) -> Result<BTreeMap<String, String>, McpError> {
    entries
        .iter()
        .map(|(key, template)| Ok((key.clone(), expand(server, environment, template)?)))
        .collect()
}

async fn connect(
    definition: &McpServerDefinition,
    environment: &ResolvedEnvironment,
    workspace: &Path,
) -> Result<ConnectedServer, McpError> {
    let name = definition.name.clone();
    let start_error = |reason: String| McpError::Start {
        server: name.clone(),
        reason,
    };
    let (service, process) = match &definition.server_type {
        Some(ServerType::Stdio(stdio)) => {
            let variables = expand_map(&name, environment, &stdio.env_placeholders)?;
            let args = stdio
                .args
                .iter()
                .map(|arg| expand(&name, environment, arg))
                .collect::<Result<Vec<_>, _>>()?;
            let working_dir = if stdio.working_dir.is_empty() {
                workspace.to_path_buf()
            } else {
                workspace.join(&stdio.working_dir)
            };
            spawn_and_handshake(&name, &stdio.command, &args, &variables, &working_dir).await?
        }
        Some(ServerType::Docker(docker)) => {
            let variables = expand_map(&name, environment, &docker.env_placeholders)?;
            let args = docker_run_args(docker, &variables);
            spawn_and_handshake(&name, "docker", &args, &variables, workspace).await?
        }
        Some(ServerType::Http(http)) => {
            let service = connect_http(&name, http, environment).await?;
            (service, None)
        }
        None => {
            return Err(McpError::Misconfigured {
                server: name,
                reason: "no stdio, http or docker settings".to_owned(),
            });
        }
    };
    let tools = match service.peer().list_all_tools().await {
        Ok(tools) => tools,
        Err(error) => {
            let _ = service.cancel().await;
            if let Some(process) = process {
                process.stop().await;
            }
            return Err(start_error(format!("listing its tools failed: {error}")));
        }
    };
    check_enabled_tools(&name, &definition.enabled_tools, &tools);
    tracing::info!(mcp_server = name, tools = tools.len(), "MCP server ready");
    Ok(ConnectedServer {
        name,
        service,
        tools,
        enabled_tools: definition.enabled_tools.clone(),
        process,
    })
}

fn check_enabled_tools(server: &str, enabled: &[String], tools: &[McpToolDefinition]) {
    let offered: HashSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for name in enabled {
        if !offered.contains(name.as_str()) {
            tracing::warn!(
                mcp_server = server,
                tool = name,
                "enabled tool not offered by the server"
            );
        }
    }
}

async fn spawn_and_handshake(
    name: &str,
    command: &str,
    args: &[String],
    variables: &BTreeMap<String, String>,
    working_dir: &Path,
) -> Result<(RunningService<RoleClient, ()>, Option<ServerProcess>), McpError> {
    let (process, stdout, stdin) =
        ServerProcess::spawn(name, command, args, variables, working_dir).map_err(|error| {
            McpError::Start {
                server: name.to_owned(),
                reason: format!("cannot run {command:?}: {error}"),
            }
        })?;
    match ().serve((stdout, stdin)).await {
        Ok(service) => Ok((service, Some(process))),
        Err(error) => {
            process.stop().await;
            Err(McpError::Start {
                server: name.to_owned(),
                reason: format!("MCP handshake failed: {error}"),
            })
        }
    }
}

/// `docker run -i --rm …`: the container speaks MCP over stdio. Variables
/// are passed by name (`-e NAME`) so their values never appear in argv.
fn docker_run_args(
    docker: &stigmer_api::agentic::agent::v1::DockerServer,
    variables: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut args = vec!["run".to_owned(), "-i".to_owned(), "--rm".to_owned()];
    if !docker.network.is_empty() {
        args.push(format!("--network={}", docker.network));
    }
    if !docker.container_name.is_empty() {
        args.push(format!("--name={}", docker.container_name));
    }
    for volume in &docker.volumes {
        let mut mount = format!("{}:{}", volume.host_path, volume.container_path);
        if volume.read_only {
            mount.push_str(":ro");
        }
        args.push("-v".to_owned());
        args.push(mount);
    }
    for port in &docker.ports {
        let protocol = if port.protocol.is_empty() {
            "tcp"
        } else {
            port.protocol.as_str()
        };
        args.push("-p".to_owned());
        args.push(format!(
            "{}:{}/{protocol}",
            port.host_port, port.container_port
        ));
    }
    for name in variables.keys() {
        args.push("-e".to_owned());
        args.push(name.clone());
    }
    args.push(docker.image.clone());
    args.extend(docker.args.iter().cloned());
    args
}

async fn connect_http(
    name: &str,
    http: &stigmer_api::agentic::agent::v1::HttpServer,
    environment: &ResolvedEnvironment,
) -> Result<RunningService<RoleClient, ()>, McpError> {
    let misconfigured = |reason: String| McpError::Misconfigured {
        server: name.to_owned(),
        reason,
    };
    let mut url = reqwest::Url::parse(&expand(name, environment, &http.url)?)
        .map_err(|error| misconfigured(format!("invalid url: {error}")))?;
    if !http.query_params.is_empty() {
        let params = expand_map(name, environment, &http.query_params)?;
        url.query_pairs_mut().extend_pairs(params.iter());
    }
    let mut headers = HashMap::new();
    for (key, value) in expand_map(name, environment, &http.headers)? {
        let header_name = http::HeaderName::from_bytes(key.as_bytes())
            .map_err(|_| misconfigured(format!("invalid header name {key:?}")))?;
        let header_value = http::HeaderValue::from_str(&value)
            .map_err(|_| misconfigured(format!("invalid value for header {key:?}")))?;
        headers.insert(header_name, header_value);
    }
    let timeout = if http.timeout_seconds > 0 {
        Duration::from_secs(u64::from(http.timeout_seconds.unsigned_abs()))
    } else {
        Duration::from_secs(30)
    };
    // Our reqwest is built without a bundled TLS provider (see llm::http).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(timeout)
        .build()
        .map_err(|error| misconfigured(format!("HTTP client: {error}")))?;
    let config =
        StreamableHttpClientTransportConfig::with_uri(url.to_string()).custom_headers(headers);
    let transport = StreamableHttpClientTransport::with_client(client, config);
    ().serve(transport).await.map_err(|error| McpError::Start {
        server: name.to_owned(),
        reason: format!("{url}: {error}"),
    })
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agent::v1::{DockerServer, PortMapping, VolumeMount};

    use super::*;

    #[test]
    fn docker_servers_run_interactively_without_secret_values_in_argv() {
        let docker = DockerServer {
            image: "ghcr.io/x/mcp:1".into(),
            args: vec!["--stdio".into()],
            env_placeholders: HashMap::from([("TOKEN".into(), "${TOKEN}".into())]),
            volumes: vec![VolumeMount {
                host_path: "/data".into(),
                container_path: "/d".into(),
                read_only: true,
            }],
            network: String::new(),
            ports: vec![PortMapping {
                host_port: 8080,
                container_port: 80,
                protocol: String::new(),
            }],
            container_name: String::new(),
        };
        let variables = BTreeMap::from([("TOKEN".to_owned(), "very-secret".to_owned())]);
        let args = docker_run_args(&docker, &variables);
        assert_eq!(
            args,
            [
                "run",
                "-i",
                "--rm",
                "-v",
                "/data:/d:ro",
                "-p",
                "8080:80/tcp",
                "-e",
                "TOKEN",
                "ghcr.io/x/mcp:1",
                "--stdio"
            ]
        );
        assert!(!args.iter().any(|arg| arg.contains("very-secret")));
    }
}
