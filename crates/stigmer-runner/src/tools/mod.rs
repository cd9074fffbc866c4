//! Tools the model can call: MCP server tools, the todo list, workspace
//! files and sub-agent delegation, all behind one small trait.

mod files;
mod todo;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub(crate) use files::file_tools;
pub(crate) use todo::TodoTool;

use crate::llm::ToolSpec;

/// What a tool call knows about itself.
pub(crate) struct ToolCallContext<'a> {
    /// Id of the call (also the id of a sub-agent execution it starts).
    pub call_id: &'a str,
    /// Fires when the execution is cancelled.
    pub cancel: &'a CancellationToken,
}

/// A failed tool call; the text goes back to the model and into `ToolCall.error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolError(pub String);

impl ToolError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One callable tool.
#[async_trait::async_trait]
pub(crate) trait Tool: Send + Sync {
    /// Name, description and argument schema offered to the model.
    fn spec(&self) -> ToolSpec;
    /// `ComponentMetadata.component_type` of its calls, for UIs.
    fn component_type(&self) -> &'static str;
    /// Runs the call.
    async fn call(
        &self,
        arguments: &Map<String, Value>,
        context: &ToolCallContext<'_>,
    ) -> Result<String, ToolError>;
}

/// The tools of one agent (or sub-agent), looked up by name.
#[derive(Clone, Default)]
pub(crate) struct Toolbox {
    specs: Vec<ToolSpec>,
    tools: HashMap<String, Arc<dyn Tool>>,
}

impl Toolbox {
    /// Builds the box; a later tool with an already used name is dropped.
    pub(crate) fn new(tools: Vec<Arc<dyn Tool>>) -> Self {
        let mut toolbox = Self::default();
        for tool in tools {
            let spec = tool.spec();
            if toolbox.tools.contains_key(&spec.name) {
                tracing::warn!(tool = spec.name, "duplicate tool name; keeping the first");
                continue;
            }
            toolbox.tools.insert(spec.name.clone(), tool);
            toolbox.specs.push(spec);
        }
        toolbox
    }

    pub(crate) fn specs(&self) -> &[ToolSpec] {
        &self.specs
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.get(name)
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.specs.iter().map(|spec| spec.name.as_str()).collect()
    }
}

/// Reads a required string argument.
pub(crate) fn required_str<'a>(
    arguments: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ToolError> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ToolError(format!("missing string argument '{name}'")))
}

/// Reads an optional string argument.
pub(crate) fn optional_str<'a>(arguments: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    arguments.get(name).and_then(Value::as_str)
}

/// Turns any text into a tool name the providers accept
/// (`[A-Za-z0-9_-]`, at most 64 characters).
pub(crate) fn sanitize_tool_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "tool".to_owned()
    } else {
        cleaned
    }
}
