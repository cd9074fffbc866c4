//! The execution phase state machine shared by every status writer, for
//! both execution kinds (their `ExecutionPhase` enums share their numbers).

use stigmer_api::agentic::agentexecution::v1::ExecutionPhase;

pub fn is_terminal(phase: i32) -> bool {
    matches!(
        ExecutionPhase::try_from(phase),
        Ok(ExecutionPhase::ExecutionCompleted
            | ExecutionPhase::ExecutionFailed
            | ExecutionPhase::ExecutionCancelled)
    )
}

/// Whether a status write may move `from` to `to`. Terminal phases stay
/// terminal (re-sending the same terminal phase is accepted so a runner's
/// final report after a cancellation still lands); nothing goes back to
/// PENDING once started. `Err` says why, for FAILED_PRECONDITION.
pub fn check_transition(from: i32, to: i32) -> Result<(), String> {
    use ExecutionPhase::*;
    let name = |phase: i32| {
        ExecutionPhase::try_from(phase)
            .map(|p| p.as_str_name())
            .unwrap_or("an unknown phase")
    };
    let unspecified = Unspecified as i32;
    if to == unspecified || to == from {
        return Ok(());
    }
    if is_terminal(from) {
        return Err(format!(
            "the execution already ended with {}; it cannot become {}",
            name(from),
            name(to)
        ));
    }
    if to == ExecutionPending as i32 && from == ExecutionInProgress as i32 {
        return Err("a running execution cannot go back to EXECUTION_PENDING".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExecutionPhase::*;

    #[test]
    fn late_in_progress_after_completion_is_rejected() {
        let error =
            check_transition(ExecutionCompleted as i32, ExecutionInProgress as i32).unwrap_err();
        assert!(error.contains("EXECUTION_COMPLETED"), "{error}");
    }

    #[test]
    fn running_executions_may_end_any_way() {
        for end in [ExecutionCompleted, ExecutionFailed, ExecutionCancelled] {
            assert!(check_transition(ExecutionInProgress as i32, end as i32).is_ok());
            assert!(check_transition(ExecutionPending as i32, end as i32).is_ok());
        }
    }

    #[test]
    fn the_same_terminal_phase_again_is_accepted() {
        assert!(check_transition(ExecutionCancelled as i32, ExecutionCancelled as i32).is_ok());
        assert!(check_transition(ExecutionCancelled as i32, Unspecified as i32).is_ok());
        assert!(check_transition(ExecutionCancelled as i32, ExecutionCompleted as i32).is_err());
    }
}
