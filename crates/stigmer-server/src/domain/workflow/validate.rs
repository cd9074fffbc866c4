//! The spec-validation steps of create and update: check before anything
//! is written, record the result in the status after the state is built
//! (building a new state clears client-supplied status).

use std::time::SystemTime;

use async_trait::async_trait;
use stigmer_api::agentic::workflow::v1::Workflow;
use stigmer_api::agentic::workflow::v1::serverless::ServerlessWorkflowValidation;
use stigmer_pipeline::{ApiError, RequestContext, Step};

use super::spec_validator::validate_spec;

/// The validation result handed from [`ValidateWorkflowSpec`] to
/// [`RecordValidation`].
#[derive(Debug, Clone)]
struct Validated(ServerlessWorkflowValidation);

/// Validates `spec` locally; INVALID_ARGUMENT listing every problem.
pub(super) struct ValidateWorkflowSpec;

#[async_trait]
impl Step<Workflow, Workflow> for ValidateWorkflowSpec {
    fn name(&self) -> &'static str {
        "validate_workflow_spec"
    }

    async fn run(&self, ctx: &mut RequestContext<Workflow, Workflow>) -> Result<(), ApiError> {
        let Some(spec) = &ctx.input.spec else {
            return Err(ApiError::InvalidArgument("spec is required".into()));
        };
        let report = validate_spec(spec);
        if !report.is_valid() {
            return Err(ApiError::InvalidArgument(report.error_summary()));
        }
        ctx.put(Validated(report.to_status(SystemTime::now())));
        Ok(())
    }
}

/// Writes the validation result into `status.serverless_workflow_validation`.
pub(super) struct RecordValidation;

#[async_trait]
impl Step<Workflow, Workflow> for RecordValidation {
    fn name(&self) -> &'static str {
        "record_validation"
    }

    async fn run(&self, ctx: &mut RequestContext<Workflow, Workflow>) -> Result<(), ApiError> {
        let Validated(result) = ctx.require::<Validated>()?.clone();
        ctx.new_state
            .status
            .get_or_insert_with(Default::default)
            .serverless_workflow_validation = Some(result);
        Ok(())
    }
}
