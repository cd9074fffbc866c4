use stigmer_api::agentic::session::v1::{Session, SessionId};
use tonic::{Request, Response, Status};

use super::SessionController;
use crate::domain::standard;

impl SessionController {
    pub(super) async fn get(
        &self,
        request: Request<SessionId>,
    ) -> Result<Response<Session>, Status> {
        standard::get(&self.store, "session.get", request).await
    }
}
