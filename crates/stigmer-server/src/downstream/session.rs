use stigmer_api::agentic::session::v1::session_command_controller_client::SessionCommandControllerClient;
use stigmer_api::agentic::session::v1::{Session, SessionId};
use tonic::Status;

use super::Channel;

/// The Session service as other kinds see it (agent executions make a
/// session when they are started without one).
#[derive(Clone)]
pub struct SessionClient<C = super::Local> {
    command: SessionCommandControllerClient<C>,
}

impl<C: Channel> SessionClient<C> {
    pub fn new(channel: C) -> Self {
        SessionClient {
            command: SessionCommandControllerClient::new(channel),
        }
    }

    /// `create` for a caller that commits right after it and deletes the
    /// session again if that fails: the caller's commit syncs both.
    pub async fn create_committed_by_caller(&self, session: Session) -> Result<Session, Status> {
        tracing::debug!("downstream Session.create (committed by the caller)");
        Ok(self
            .command
            .clone()
            .create(super::committed_by_caller(session))
            .await?
            .into_inner())
    }

    pub async fn delete(&self, id: &str) -> Result<Session, Status> {
        tracing::debug!(id, "downstream Session.delete");
        Ok(self
            .command
            .clone()
            .delete(SessionId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }
}
