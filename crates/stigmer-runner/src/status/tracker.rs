//! The execution's status as the runner builds it, shared by the agent loop,
//! the tools and the publisher.

use std::collections::HashMap;
use std::sync::Mutex;

use stigmer_api::agentic::agentexecution::v1::{
    AgentExecutionStatus, AgentMessage, ExecutionPhase, SubAgentExecution, TodoItem, ToolCall,
};
use tokio::sync::Notify;

/// Accumulated status plus a "changed" signal for the publisher.
#[derive(Default)]
pub(crate) struct StatusTracker {
    status: Mutex<AgentExecutionStatus>,
    changed: Notify,
}

impl StatusTracker {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Applies `change` and wakes the publisher.
    fn update<R>(&self, change: impl FnOnce(&mut AgentExecutionStatus) -> R) -> R {
        let result = {
            let mut status = self
                .status
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            change(&mut status)
        };
        self.changed.notify_one();
        result
    }

    /// Resolves once something changed since the last call.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// The accumulated status with the given phase (UNSPECIFIED for batches).
    pub(crate) fn snapshot(&self, phase: ExecutionPhase) -> AgentExecutionStatus {
        let status = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut snapshot = status.clone();
        snapshot.phase = phase as i32;
        snapshot
    }

    /// Appends a message and returns its index.
    pub(crate) fn push_message(&self, message: AgentMessage) -> usize {
        self.update(|status| {
            status.messages.push(message);
            status.messages.len() - 1
        })
    }

    /// Edits the message at `index` (no-op when it does not exist).
    pub(crate) fn edit_message(&self, index: usize, edit: impl FnOnce(&mut AgentMessage)) {
        self.update(|status| {
            if let Some(message) = status.messages.get_mut(index) {
                edit(message);
            }
        });
    }

    /// Drops the message at `index` if it is the last one (an empty reply
    /// placeholder that never got content).
    pub(crate) fn remove_last_message_if(&self, index: usize) {
        self.update(|status| {
            if status.messages.len() == index + 1 {
                status.messages.pop();
            }
        });
    }

    pub(crate) fn add_tool_call(&self, call: ToolCall) {
        self.update(|status| status.tool_calls.push(call));
    }

    pub(crate) fn edit_tool_call(&self, id: &str, edit: impl FnOnce(&mut ToolCall)) {
        self.update(|status| {
            if let Some(call) = status.tool_calls.iter_mut().rev().find(|c| c.id == id) {
                edit(call);
            }
        });
    }

    pub(crate) fn add_sub_agent_execution(&self, execution: SubAgentExecution) {
        self.update(|status| status.sub_agent_executions.push(execution));
    }

    pub(crate) fn edit_sub_agent_execution(
        &self,
        id: &str,
        edit: impl FnOnce(&mut SubAgentExecution),
    ) {
        self.update(|status| {
            if let Some(execution) = status
                .sub_agent_executions
                .iter_mut()
                .find(|execution| execution.id == id)
            {
                edit(execution);
            }
        });
    }

    pub(crate) fn todos(&self) -> HashMap<String, TodoItem> {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .todos
            .clone()
    }

    pub(crate) fn set_todos(&self, todos: HashMap<String, TodoItem>) {
        self.update(|status| status.todos = todos);
    }

    pub(crate) fn set_started_at(&self, timestamp: String) {
        self.update(|status| status.started_at = timestamp);
    }

    /// Marks every tool call and sub-agent still running as failed with
    /// `reason` (used when the run ends early).
    pub(crate) fn fail_unfinished(&self, reason: &str, timestamp: &str) {
        use stigmer_api::agentic::agentexecution::v1::{SubAgentStatus, ToolCallStatus};
        self.update(|status| {
            for call in &mut status.tool_calls {
                if call.status == ToolCallStatus::ToolCallRunning as i32
                    || call.status == ToolCallStatus::ToolCallPending as i32
                {
                    call.status = ToolCallStatus::ToolCallFailed as i32;
                    call.error = reason.to_owned();
                    call.completed_at = timestamp.to_owned();
                }
            }
            for execution in &mut status.sub_agent_executions {
                if execution.status == SubAgentStatus::SubAgentInProgress as i32
                    || execution.status == SubAgentStatus::SubAgentPending as i32
                {
                    execution.status = SubAgentStatus::SubAgentFailed as i32;
                    execution.error = reason.to_owned();
                    execution.completed_at = timestamp.to_owned();
                }
            }
        });
    }
}
