//! `updateStatus`: the workflow runner's write path, and a client's way to
//! cancel. Read-merge-write retried over the record's revision (see
//! [`merge_stored`](crate::engine::merge_stored)); merge rules as upstream (behavior §5.9): tasks are
//! replaced when the input has entries, phase when specified, output when
//! set, error, timestamps and the Temporal id when non-empty; audit in the
//! input is ignored. Phase changes follow [`check_transition`](crate::engine::check_transition).

use stigmer_api::agentic::workflowexecution::v1::{
    ExecutionPhase, WorkflowExecution, WorkflowExecutionStatus, WorkflowExecutionUpdateStatusInput,
};
use tonic::{Request, Response, Status};

use super::WorkflowExecutionController;
use crate::engine::{StatusUpdate, update_status};

impl WorkflowExecutionController {
    pub(super) async fn update_status(
        &self,
        request: Request<WorkflowExecutionUpdateStatusInput>,
    ) -> Result<Response<WorkflowExecution>, Status> {
        let input = request.into_inner();
        let updated = update_status::<WorkflowExecution>(
            &self.store,
            self.engine.as_ref(),
            &input.execution_id,
            input.status,
        )
        .await?;
        Ok(Response::new(updated))
    }
}

impl StatusUpdate for WorkflowExecution {
    type Status = WorkflowExecutionStatus;

    fn status_mut(&mut self) -> &mut WorkflowExecutionStatus {
        self.status.get_or_insert_with(Default::default)
    }

    fn phase(status: &WorkflowExecutionStatus) -> i32 {
        status.phase
    }

    fn merge_status(status: &mut WorkflowExecutionStatus, input: &WorkflowExecutionStatus) {
        merge(status, input);
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
