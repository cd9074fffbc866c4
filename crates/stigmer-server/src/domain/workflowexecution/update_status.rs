//! `updateStatus`: the workflow runner's write path, and a client's way to
//! cancel. Read-merge-write retried over the record's revision (see
//! [`merge_stored`]); merge rules as upstream (behavior §5.9): tasks are
//! replaced when the input has entries, phase when specified, output when
//! set, error, timestamps and the Temporal id when non-empty; audit in the
//! input is ignored. Phase changes follow [`check_transition`].

use stigmer_api::agentic::workflowexecution::v1::{
    ExecutionPhase, WorkflowExecution, WorkflowExecutionStatus, WorkflowExecutionUpdateStatusInput,
};
use stigmer_pipeline::ApiError;
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::engine::{check_transition, merge_stored};

impl WorkflowExecutionController {
    pub(super) async fn update_status(
        &self,
        request: Request<WorkflowExecutionUpdateStatusInput>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        let input = request.into_inner();
        if input.execution_id.is_empty() {
            return Err(Status::invalid_argument("execution_id is required"));
        }
        let Some(status) = input.status else {
            return Err(Status::invalid_argument("status is required"));
        };
        let updated = merge_stored(
            &self.store,
            &input.execution_id,
            |execution: &mut WorkflowExecution| {
                let current = execution.status.get_or_insert_with(Default::default);
                check_transition(current.phase, status.phase)
                    .map_err(ApiError::FailedPrecondition)?;
                merge(current, &status);
                Ok(())
            },
        )
        .await?;
        if status.phase == ExecutionPhase::ExecutionCancelled as i32 {
            self.engine.request_cancel(&input.execution_id);
        }
        Ok(Response::new(updated))
    }
}

/// Applies the present fields of `input` over `status`.
fn merge(status: &mut WorkflowExecutionStatus, input: &WorkflowExecutionStatus) {
    if !input.tasks.is_empty() {
        status.tasks = input.tasks.clone();
    }
    if input.phase != ExecutionPhase::Unspecified as i32 {
        status.phase = input.phase;
    }
    if input.output.is_some() {
        status.output = input.output.clone();
    }
    for (field, value) in [
        (&mut status.error, &input.error),
        (&mut status.started_at, &input.started_at),
        (&mut status.completed_at, &input.completed_at),
        (
            &mut status.temporal_workflow_id,
            &input.temporal_workflow_id,
        ),
    ] {
        if !value.is_empty() {
            field.clone_from(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::workflowexecution::v1::WorkflowTask;

    use super::*;

    #[test]
    fn present_fields_replace_and_absent_fields_stay() {
        let mut status = WorkflowExecutionStatus {
            phase: ExecutionPhase::ExecutionInProgress as i32,
            started_at: "t0".into(),
            tasks: vec![WorkflowTask {
                task_id: "first".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        merge(
            &mut status,
            &WorkflowExecutionStatus {
                tasks: vec![WorkflowTask {
                    task_id: "second".into(),
                    ..Default::default()
                }],
                temporal_workflow_id: "wf-1".into(),
                ..Default::default()
            },
        );
        assert_eq!(status.tasks.len(), 1, "tasks are replaced, not appended");
        assert_eq!(status.tasks[0].task_id, "second");
        assert_eq!(status.phase, ExecutionPhase::ExecutionInProgress as i32);
        assert_eq!(status.started_at, "t0");
        assert_eq!(status.temporal_workflow_id, "wf-1");
    }
}
