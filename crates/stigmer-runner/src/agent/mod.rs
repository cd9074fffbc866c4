//! The agent itself: the loop, its observers, and how an execution's
//! toolboxes are put together (MCP tools, todos, files, sub-agents).

mod delegate;
mod observer;
mod tool_loop;

use std::sync::Arc;

use stigmer_api::agentic::agent::v1::SubAgent;

pub(crate) use observer::MainObserver;
pub(crate) use tool_loop::{AgentLoop, LoopError};

use crate::config::RunnerConfig;
use crate::context::ExecutionContext;
use crate::llm::LlmProvider;
use crate::mcp::{McpHub, ServerSelection};
use crate::status::StatusTracker;
use crate::tools::{TodoTool, Tool, Toolbox, file_tools};
use delegate::DelegateTool;

/// The agent definition cannot run as declared.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SetupError(pub String);

/// Builds the main agent's loop for an execution.
pub(crate) fn main_loop(
    context: &ExecutionContext,
    provider: Arc<dyn LlmProvider>,
    config: &RunnerConfig,
    hub: &McpHub,
    tracker: &Arc<StatusTracker>,
) -> Result<AgentLoop, SetupError> {
    let spec = context.agent_spec();
    let model = context
        .model_override
        .clone()
        .unwrap_or_else(|| config.llm.model.clone());
    let environment = Arc::new(context.environment.clone());
    let files = file_tools(&context.workspace);

    let mut tools: Vec<Arc<dyn Tool>> = hub.tools(None, config.tool_timeout);
    tools.push(Arc::new(TodoTool::new(tracker.clone())));
    tools.extend(files.iter().cloned());
    for sub_agent in &spec.sub_agents {
        let selection = selection_for(sub_agent, &spec.mcp_servers)?;
        let mut sub_tools = hub.tools(Some(&selection), config.tool_timeout);
        sub_tools.extend(files.iter().cloned());
        let sub_loop = AgentLoop {
            provider: provider.clone(),
            model: model.clone(),
            system_prompt: context
                .sub_agent_prompts
                .get(&sub_agent.name)
                .cloned()
                .unwrap_or_else(|| sub_agent.instructions.clone()),
            temperature: config.llm.temperature,
            max_tokens: config.llm.max_tokens,
            max_steps: config.max_steps,
            tool_timeout: config.tool_timeout,
            tools: Toolbox::new(sub_tools),
            environment: environment.clone(),
        };
        tools.push(Arc::new(DelegateTool::new(
            &sub_agent.name,
            &sub_agent.description,
            sub_loop,
            tracker.clone(),
        )));
    }

    Ok(AgentLoop {
        provider,
        model,
        system_prompt: context.system_prompt.clone(),
        temperature: config.llm.temperature,
        max_tokens: config.llm.max_tokens,
        max_steps: config.max_steps,
        // A delegation runs a whole nested loop; give it the loop's budget.
        tool_timeout: config.tool_timeout * 4,
        tools: Toolbox::new(tools),
        environment,
    })
}

/// The MCP servers (and tool allow-lists) a sub-agent may use.
fn selection_for(
    sub_agent: &SubAgent,
    declared: &[stigmer_api::agentic::agent::v1::McpServerDefinition],
) -> Result<ServerSelection, SetupError> {
    let mut selection = ServerSelection::default();
    let names = sub_agent
        .mcp_servers
        .iter()
        .chain(sub_agent.mcp_tool_selections.keys());
    for name in names {
        if !declared.iter().any(|server| &server.name == name) {
            return Err(SetupError(format!(
                "sub-agent '{}' uses MCP server '{name}', which the agent does not declare",
                sub_agent.name
            )));
        }
        let allowed = sub_agent
            .mcp_tool_selections
            .get(name)
            .map(|choice| choice.enabled_tools.clone())
            .unwrap_or_default();
        selection.servers.insert(name.clone(), allowed);
    }
    Ok(selection)
}
