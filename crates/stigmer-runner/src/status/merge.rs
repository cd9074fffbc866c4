//! The upstream `updateStatus` merge, for in-memory stores and tests.

use stigmer_api::agentic::agentexecution::v1::{AgentExecutionStatus, ExecutionPhase};

/// Applies `update` to `stored` the way the server's `updateStatus` does
/// (behavior.md §5.8): non-empty lists and maps replace the stored ones
/// wholesale, `phase` is copied unless unspecified, `error` and the
/// timestamps are copied when non-empty; `audit` and `callback_token` in the
/// update are ignored.
pub fn merge_status(stored: &mut AgentExecutionStatus, update: AgentExecutionStatus) {
    if !update.messages.is_empty() {
        stored.messages = update.messages;
    }
    if !update.tool_calls.is_empty() {
        stored.tool_calls = update.tool_calls;
    }
    if !update.sub_agent_executions.is_empty() {
        stored.sub_agent_executions = update.sub_agent_executions;
    }
    if !update.todos.is_empty() {
        stored.todos = update.todos;
    }
    if update.phase != ExecutionPhase::Unspecified as i32 {
        stored.phase = update.phase;
    }
    if !update.error.is_empty() {
        stored.error = update.error;
    }
    if !update.started_at.is_empty() {
        stored.started_at = update.started_at;
    }
    if !update.completed_at.is_empty() {
        stored.completed_at = update.completed_at;
    }
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agentexecution::v1::AgentMessage;

    use super::*;

    #[test]
    fn empty_fields_leave_the_stored_values_alone() {
        let mut stored = AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionCancelled as i32,
            messages: vec![AgentMessage {
                content: "kept".into(),
                ..Default::default()
            }],
            started_at: "t0".into(),
            ..Default::default()
        };
        merge_status(
            &mut stored,
            AgentExecutionStatus {
                error: "boom".into(),
                ..Default::default()
            },
        );
        assert_eq!(stored.phase, ExecutionPhase::ExecutionCancelled as i32);
        assert_eq!(stored.messages[0].content, "kept");
        assert_eq!(stored.started_at, "t0");
        assert_eq!(stored.error, "boom");
    }
}
