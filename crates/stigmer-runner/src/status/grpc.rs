//! [`StatusReporter`] over `AgentExecutionCommandController.updateStatus`,
//! generic over the channel like the source.

use stigmer_api::agentic::agentexecution::v1::agent_execution_command_controller_client::AgentExecutionCommandControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecutionStatus, AgentExecutionUpdateStatusInput, ExecutionPhase,
};
use tonic::client::GrpcService;
use tonic::codegen::{Body, Bytes, StdError};

use super::{ReportError, StatusReporter};
use crate::secret::SecretString;
use crate::source::grpc_request;

/// Largest status update sent; long conversations make big updates.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Reports through `updateStatus` of a Stigmer server.
#[derive(Clone)]
pub struct GrpcStatusReporter<T> {
    channel: T,
    bearer_token: Option<SecretString>,
}

impl<T> GrpcStatusReporter<T> {
    /// Reports over `channel` without credentials.
    pub fn new(channel: T) -> Self {
        Self {
            channel,
            bearer_token: None,
        }
    }

    /// Sends `authorization: Bearer <token>` with every update.
    pub fn with_bearer_token(mut self, token: SecretString) -> Self {
        self.bearer_token = Some(token);
        self
    }
}

#[async_trait::async_trait]
impl<T> StatusReporter for GrpcStatusReporter<T>
where
    T: GrpcService<tonic::body::Body> + Clone + Send + Sync + 'static,
    T::Error: Into<StdError>,
    T::Future: Send,
    T::ResponseBody: Body<Data = Bytes> + Send + 'static,
    <T::ResponseBody as Body>::Error: Into<StdError> + Send,
{
    async fn report(
        &self,
        execution_id: &str,
        status: AgentExecutionStatus,
    ) -> Result<ExecutionPhase, ReportError> {
        let request = grpc_request(
            AgentExecutionUpdateStatusInput {
                execution_id: execution_id.to_owned(),
                status: Some(status),
            },
            self.bearer_token.as_ref(),
        )
        .map_err(ReportError)?;
        let execution = AgentExecutionCommandControllerClient::new(self.channel.clone())
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .update_status(request)
            .await
            .map_err(|status| {
                ReportError(format!(
                    "updateStatus({execution_id}) failed with {:?}: {}",
                    status.code(),
                    status.message()
                ))
            })?
            .into_inner();
        let phase = execution.status.map_or(0, |status| status.phase);
        Ok(ExecutionPhase::try_from(phase).unwrap_or(ExecutionPhase::Unspecified))
    }
}
