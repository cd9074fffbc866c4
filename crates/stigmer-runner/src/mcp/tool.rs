//! One MCP server tool as a [`Tool`].

use std::time::Duration;

use rmcp::model::{CallToolRequestParams, ContentBlock, Tool as McpToolDefinition};
use rmcp::service::{Peer, RoleClient};
use serde_json::{Map, Value};

use crate::llm::ToolSpec;
use crate::tools::{Tool, ToolCallContext, ToolError, sanitize_tool_name};

/// A tool of a connected server, offered as `<server>__<tool>`.
pub(crate) struct McpTool {
    spec: ToolSpec,
    remote_name: String,
    server: String,
    peer: Peer<RoleClient>,
    timeout: Duration,
}

impl McpTool {
    pub(crate) fn new(
        server: &str,
        definition: &McpToolDefinition,
        peer: Peer<RoleClient>,
        timeout: Duration,
    ) -> Self {
        let remote_name = definition.name.to_string();
        let description = definition
            .description
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        Self {
            spec: ToolSpec {
                name: sanitize_tool_name(&format!("{server}__{remote_name}")),
                description: format!("[{server}] {description}").trim().to_owned(),
                parameters: Value::Object((*definition.input_schema).clone()),
            },
            remote_name,
            server: server.to_owned(),
            peer,
            timeout,
        }
    }
}

#[async_trait::async_trait]
impl Tool for McpTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    fn component_type(&self) -> &'static str {
        "mcp"
    }

    async fn call(
        &self,
        arguments: &Map<String, Value>,
        _context: &ToolCallContext<'_>,
    ) -> Result<String, ToolError> {
        let request =
            CallToolRequestParams::new(self.remote_name.clone()).with_arguments(arguments.clone());
        let result = tokio::time::timeout(self.timeout, self.peer.call_tool(request))
            .await
            .map_err(|_| {
                ToolError(format!(
                    "MCP server '{}' did not answer within {} s",
                    self.server,
                    self.timeout.as_secs()
                ))
            })?
            .map_err(|error| ToolError(format!("MCP server '{}': {error}", self.server)))?;
        let mut parts = Vec::new();
        for block in &result.content {
            parts.push(match block {
                ContentBlock::Text(text) => text.text.clone(),
                ContentBlock::Image(_) => "[image omitted]".to_owned(),
                ContentBlock::Audio(_) => "[audio omitted]".to_owned(),
                ContentBlock::Resource(resource) => {
                    serde_json::to_string(resource).unwrap_or_else(|_| "[resource]".to_owned())
                }
                ContentBlock::ResourceLink(link) => format!("[resource link {}]", link.uri),
                _ => "[unsupported content omitted]".to_owned(),
            });
        }
        if let (true, Some(structured)) = (parts.is_empty(), &result.structured_content) {
            parts.push(structured.to_string());
        }
        let text = parts.join("\n");
        if result.is_error == Some(true) {
            Err(ToolError(if text.is_empty() {
                "the tool reported an error".to_owned()
            } else {
                text
            }))
        } else {
            Ok(text)
        }
    }
}
