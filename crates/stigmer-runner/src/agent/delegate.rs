//! One delegation tool per declared sub-agent: the call runs a nested
//! agent loop with the sub-agent's prompt and tools, recorded in
//! `status.sub_agent_executions` under the id of the tool call.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use stigmer_api::agentic::agentexecution::v1::{SubAgentExecution, SubAgentStatus};

use super::observer::SubAgentObserver;
use super::tool_loop::{AgentLoop, LoopError};
use crate::llm::{ChatMessage, ToolSpec};
use crate::status::StatusTracker;
use crate::time::now_iso8601;
use crate::tools::{Tool, ToolCallContext, ToolError, required_str, sanitize_tool_name};

/// Hands a task to one sub-agent.
pub(crate) struct DelegateTool {
    spec: ToolSpec,
    sub_agent: String,
    agent_loop: AgentLoop,
    tracker: Arc<StatusTracker>,
}

impl DelegateTool {
    pub(crate) fn new(
        sub_agent: &str,
        description: &str,
        agent_loop: AgentLoop,
        tracker: Arc<StatusTracker>,
    ) -> Self {
        let description = if description.trim().is_empty() {
            format!("Delegate a task to the sub-agent '{sub_agent}' and get its answer.")
        } else {
            format!(
                "Delegate a task to the sub-agent '{sub_agent}': {}. Returns its answer.",
                description.trim().trim_end_matches('.')
            )
        };
        Self {
            spec: ToolSpec {
                name: sanitize_tool_name(&format!("delegate_to_{sub_agent}")),
                description,
                parameters: json!({"type": "object", "properties": {
                    "task": {"type": "string", "description": "Complete instructions for the sub-agent; it sees nothing else of this conversation"}
                }, "required": ["task"]}),
            },
            sub_agent: sub_agent.to_owned(),
            agent_loop,
            tracker,
        }
    }
}

#[async_trait::async_trait]
impl Tool for DelegateTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    fn component_type(&self) -> &'static str {
        "sub_agent"
    }

    async fn call(
        &self,
        arguments: &Map<String, Value>,
        context: &ToolCallContext<'_>,
    ) -> Result<String, ToolError> {
        let task = required_str(arguments, "task")?;
        let id = context.call_id;
        self.tracker.add_sub_agent_execution(SubAgentExecution {
            id: id.to_owned(),
            name: self.sub_agent.clone(),
            input: task.to_owned(),
            status: SubAgentStatus::SubAgentInProgress as i32,
            started_at: now_iso8601(),
            ..Default::default()
        });
        let observer = SubAgentObserver::new(self.tracker.clone(), id, &self.sub_agent);
        let outcome = self
            .agent_loop
            .run(
                vec![ChatMessage::User(task.to_owned())],
                &observer,
                context.cancel,
            )
            .await;
        let completed_at = now_iso8601();
        match outcome {
            Ok(answer) => {
                self.tracker.edit_sub_agent_execution(id, |execution| {
                    execution.status = SubAgentStatus::SubAgentCompleted as i32;
                    execution.output.clone_from(&answer);
                    execution.completed_at = completed_at;
                });
                Ok(answer)
            }
            Err(error) => {
                let message = match &error {
                    LoopError::Cancelled => "cancelled".to_owned(),
                    other => other.to_string(),
                };
                self.tracker.edit_sub_agent_execution(id, |execution| {
                    execution.status = SubAgentStatus::SubAgentFailed as i32;
                    execution.error.clone_from(&message);
                    execution.completed_at = completed_at;
                });
                Err(ToolError(format!(
                    "sub-agent '{}' failed: {message}",
                    self.sub_agent
                )))
            }
        }
    }
}
