use stigmer_api::agentic::session::v1::session_query_controller_client::SessionQueryControllerClient;
use stigmer_api::agentic::session::v1::{Session, SessionId};
use tonic::Status;

use super::Channel;

/// Reads sessions through the Session service (agent executions check the
/// session they are given). Kept apart from `SessionClient`'s commands.
#[derive(Clone)]
pub struct SessionReader<C = super::Local> {
    query: SessionQueryControllerClient<C>,
}

impl<C: Channel> SessionReader<C> {
    pub fn new(channel: C) -> Self {
        SessionReader {
            query: SessionQueryControllerClient::new(channel),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Session, Status> {
        tracing::debug!(id, "downstream Session.get");
        Ok(self
            .query
            .clone()
            .get(SessionId {
                value: id.to_owned(),
            })
            .await?
            .into_inner())
    }
}
