//! `updateStatus`: the runner's write path, and a client's way to cancel.
//!
//! Read-merge-write over the record's revision, retried when another writer
//! got in between, so concurrent updates never overwrite each other. Merge
//! rules as upstream (behavior §5.8): lists and the todo map are replaced
//! when the input has entries, phase when specified, error and timestamps
//! when non-empty; callback token and audit in the input are ignored. Phase
//! changes follow [`check_transition`](crate::engine::check_transition). A CANCELLED phase is stored and
//! then the engine stops the run.

use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionStatus, AgentExecutionUpdateStatusInput, ExecutionPhase,
};
use tonic::{Request, Response, Status};

use super::AgentExecutionController;
use crate::engine::{StatusUpdate, update_status};

impl AgentExecutionController {
    pub(super) async fn update_status(
        &self,
        request: Request<AgentExecutionUpdateStatusInput>,
    ) -> Result<Response<AgentExecution>, Status> {
        let input = request.into_inner();
        let updated = update_status::<AgentExecution>(
            &self.store,
            self.engine.as_ref(),
            &input.execution_id,
            input.status,
        )
        .await?;
        Ok(Response::new(updated))
    }
}

impl StatusUpdate for AgentExecution {
    type Status = AgentExecutionStatus;

    fn status_mut(&mut self) -> &mut AgentExecutionStatus {
        self.status.get_or_insert_with(Default::default)
    }

    fn phase(status: &AgentExecutionStatus) -> i32 {
        status.phase
    }

    fn merge_status(status: &mut AgentExecutionStatus, input: &AgentExecutionStatus) {
        merge(status, input);
    }
}

/// Applies the present fields of `input` over `status`.
fn merge(status: &mut AgentExecutionStatus, input: &AgentExecutionStatus) {
    if !input.messages.is_empty() {
        status.messages = input.messages.clone();
    }
    if !input.tool_calls.is_empty() {
        status.tool_calls = input.tool_calls.clone();
    }
    if !input.sub_agent_executions.is_empty() {
        status.sub_agent_executions = input.sub_agent_executions.clone();
    }
    if !input.todos.is_empty() {
        status.todos = input.todos.clone();
    }
    if input.phase != ExecutionPhase::Unspecified as i32 {
        status.phase = input.phase;
    }
    if !input.error.is_empty() {
        status.error = input.error.clone();
    }
    if !input.started_at.is_empty() {
        status.started_at = input.started_at.clone();
    }
    if !input.completed_at.is_empty() {
        status.completed_at = input.completed_at.clone();
    }
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::agentexecution::v1::AgentMessage;

    use super::*;

    #[test]
    fn present_fields_replace_and_absent_fields_stay() {
        let mut status = AgentExecutionStatus {
            phase: ExecutionPhase::ExecutionInProgress as i32,
            started_at: "t0".into(),
            messages: vec![AgentMessage {
                content: "first".into(),
                ..Default::default()
            }],
            callback_token: b"token".to_vec(),
            ..Default::default()
        };
        merge(
            &mut status,
            &AgentExecutionStatus {
                messages: vec![AgentMessage {
                    content: "second".into(),
                    ..Default::default()
                }],
                callback_token: b"other".to_vec(),
                ..Default::default()
            },
        );
        assert_eq!(status.messages.len(), 1, "lists are replaced, not appended");
        assert_eq!(status.messages[0].content, "second");
        assert_eq!(status.phase, ExecutionPhase::ExecutionInProgress as i32);
        assert_eq!(status.started_at, "t0");
        assert_eq!(status.callback_token, b"token", "input token is ignored");
    }
}
