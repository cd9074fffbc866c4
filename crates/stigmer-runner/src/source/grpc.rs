//! [`ExecutionSource`] over the generated gRPC clients, generic over the
//! channel: the server's in-process channel when embedded, a network
//! `tonic::transport::Channel` when the runner runs on its own.

use stigmer_api::agentic::agent::v1::agent_query_controller_client::AgentQueryControllerClient;
use stigmer_api::agentic::agent::v1::{Agent, AgentId};
use stigmer_api::agentic::agentexecution::v1::agent_execution_query_controller_client::AgentExecutionQueryControllerClient;
use stigmer_api::agentic::agentexecution::v1::{
    AgentExecution, AgentExecutionId, ListAgentExecutionsBySessionRequest,
};
use stigmer_api::agentic::agentinstance::v1::agent_instance_query_controller_client::AgentInstanceQueryControllerClient;
use stigmer_api::agentic::agentinstance::v1::{AgentInstance, AgentInstanceId};
use stigmer_api::agentic::environment::v1::Environment;
use stigmer_api::agentic::environment::v1::environment_query_controller_client::EnvironmentQueryControllerClient;
use stigmer_api::agentic::session::v1::session_query_controller_client::SessionQueryControllerClient;
use stigmer_api::agentic::session::v1::{Session, SessionId};
use stigmer_api::agentic::skill::v1::skill_query_controller_client::SkillQueryControllerClient;
use stigmer_api::agentic::skill::v1::{GetArtifactRequest, Skill};
use stigmer_api::commons::apiresource::ApiResourceReference;
use tonic::client::GrpcService;
use tonic::codegen::{Body, Bytes, StdError};

use super::{ExecutionSource, SourceError, describe_reference};
use crate::secret::SecretString;

/// Largest message accepted from the server; skill archives may be large.
const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;
/// Page size asked for when listing a session's executions (the server's maximum).
const SESSION_PAGE_SIZE: i32 = 1000;

/// Reads through the query controllers of a Stigmer server.
#[derive(Clone)]
pub struct GrpcExecutionSource<T> {
    channel: T,
    bearer_token: Option<SecretString>,
}

impl<T> GrpcExecutionSource<T> {
    /// Reads over `channel` without credentials (in-process calls carry the
    /// system identity already).
    pub fn new(channel: T) -> Self {
        Self {
            channel,
            bearer_token: None,
        }
    }

    /// Sends `authorization: Bearer <token>` with every call, like the
    /// upstream runner did with `STIGMER_API_KEY`.
    pub fn with_bearer_token(mut self, token: SecretString) -> Self {
        self.bearer_token = Some(token);
        self
    }
}

/// Wraps `message` in a request carrying the bearer token, if any.
pub(crate) fn authorized_request<M>(
    message: M,
    bearer_token: Option<&SecretString>,
) -> Result<tonic::Request<M>, String> {
    let mut request = tonic::Request::new(message);
    if let Some(token) = bearer_token {
        let value = format!("Bearer {}", token.expose())
            .parse()
            .map_err(|_| "the API token contains characters not allowed in a header".to_owned())?;
        request.metadata_mut().insert("authorization", value);
    }
    Ok(request)
}

fn status_error(kind: &'static str, key: &str, status: &tonic::Status) -> SourceError {
    if status.code() == tonic::Code::NotFound {
        SourceError::NotFound {
            kind,
            key: key.to_owned(),
        }
    } else {
        SourceError::Failed {
            kind,
            key: key.to_owned(),
            message: format!("{:?}: {}", status.code(), status.message()),
        }
    }
}

impl<T> GrpcExecutionSource<T> {
    fn request<M>(
        &self,
        message: M,
        kind: &'static str,
        key: &str,
    ) -> Result<tonic::Request<M>, SourceError> {
        authorized_request(message, self.bearer_token.as_ref()).map_err(|message| {
            SourceError::Failed {
                kind,
                key: key.to_owned(),
                message,
            }
        })
    }
}

#[async_trait::async_trait]
impl<T> ExecutionSource for GrpcExecutionSource<T>
where
    T: GrpcService<tonic::body::Body> + Clone + Send + Sync + 'static,
    T::Error: Into<StdError>,
    T::Future: Send,
    T::ResponseBody: Body<Data = Bytes> + Send + 'static,
    <T::ResponseBody as Body>::Error: Into<StdError> + Send,
{
    async fn execution(&self, id: &str) -> Result<AgentExecution, SourceError> {
        const KIND: &str = "agent execution";
        let request = self.request(
            AgentExecutionId {
                value: id.to_owned(),
            },
            KIND,
            id,
        )?;
        AgentExecutionQueryControllerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .get(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, id, &status))
    }

    async fn session(&self, id: &str) -> Result<Session, SourceError> {
        const KIND: &str = "session";
        let request = self.request(
            SessionId {
                value: id.to_owned(),
            },
            KIND,
            id,
        )?;
        SessionQueryControllerClient::new(self.channel.clone())
            .get(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, id, &status))
    }

    async fn agent_instance(&self, id: &str) -> Result<AgentInstance, SourceError> {
        const KIND: &str = "agent instance";
        let request = self.request(
            AgentInstanceId {
                value: id.to_owned(),
            },
            KIND,
            id,
        )?;
        AgentInstanceQueryControllerClient::new(self.channel.clone())
            .get(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, id, &status))
    }

    async fn agent(&self, id: &str) -> Result<Agent, SourceError> {
        const KIND: &str = "agent";
        let request = self.request(
            AgentId {
                value: id.to_owned(),
            },
            KIND,
            id,
        )?;
        AgentQueryControllerClient::new(self.channel.clone())
            .get(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, id, &status))
    }

    async fn session_executions(
        &self,
        session_id: &str,
    ) -> Result<Vec<AgentExecution>, SourceError> {
        const KIND: &str = "executions of session";
        // The list response carries no continuation token (api.md, note 13),
        // so one maximal page is all a client can ask for.
        let request = self.request(
            ListAgentExecutionsBySessionRequest {
                session_id: session_id.to_owned(),
                page_size: SESSION_PAGE_SIZE,
                page_token: String::new(),
            },
            KIND,
            session_id,
        )?;
        let list = AgentExecutionQueryControllerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .list_by_session(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, session_id, &status))?;
        let mut executions = list.entries;
        sort_oldest_first(&mut executions);
        Ok(executions)
    }

    async fn skill(&self, reference: &ApiResourceReference) -> Result<Skill, SourceError> {
        const KIND: &str = "skill";
        let key = describe_reference(reference);
        let request = self.request(reference.clone(), KIND, &key)?;
        SkillQueryControllerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .get_by_reference(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, &key, &status))
    }

    async fn skill_artifact(&self, storage_key: &str) -> Result<Vec<u8>, SourceError> {
        const KIND: &str = "skill artifact";
        let request = self.request(
            GetArtifactRequest {
                artifact_storage_key: storage_key.to_owned(),
            },
            KIND,
            storage_key,
        )?;
        SkillQueryControllerClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .get_artifact(request)
            .await
            .map(|response| response.into_inner().artifact)
            .map_err(|status| status_error(KIND, storage_key, &status))
    }

    async fn environment(
        &self,
        reference: &ApiResourceReference,
    ) -> Result<Environment, SourceError> {
        const KIND: &str = "environment";
        let key = describe_reference(reference);
        let request = self.request(reference.clone(), KIND, &key)?;
        EnvironmentQueryControllerClient::new(self.channel.clone())
            .get_by_reference(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| status_error(KIND, &key, &status))
    }
}

/// Ids are `aex-<ulid>`, and ULIDs sort by creation time, so sorting by id
/// gives creation order whatever order the server listed them in.
fn sort_oldest_first(executions: &mut [AgentExecution]) {
    executions.sort_by(|a, b| {
        let id = |execution: &AgentExecution| {
            execution
                .metadata
                .as_ref()
                .map(|metadata| metadata.id.clone())
                .unwrap_or_default()
        };
        id(a).cmp(&id(b))
    });
}
