//! `delete`: answers with the deleted session; its executions are kept.

use stigmer_api::agentic::session::v1::{Session, SessionId};
use tonic::{Request, Response, Status};

use super::SessionController;
use crate::domain::standard;

impl SessionController {
    pub(super) async fn delete(
        &self,
        request: Request<SessionId>,
    ) -> Result<Response<Session>, Status> {
        standard::delete(&self.store, "session.delete", request).await
    }
}
