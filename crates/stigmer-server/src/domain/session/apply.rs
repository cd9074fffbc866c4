use stigmer_api::agentic::session::v1::Session;
use tonic::{Request, Response, Status};

use super::SessionController;
use crate::domain::standard;

impl SessionController {
    pub(super) async fn apply(
        &self,
        request: Request<Session>,
    ) -> Result<Response<Session>, Status> {
        if standard::apply_creates(&self.store, "session.apply", &request).await? {
            self.create(request).await
        } else {
            self.update(request).await
        }
    }
}
