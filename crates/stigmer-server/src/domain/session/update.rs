//! `update`: the request's spec and metadata over the stored session; id,
//! slug, org and status stay.

use stigmer_api::agentic::session::v1::Session;
use tonic::{Request, Response, Status};

use super::SessionController;
use crate::domain::standard;

impl SessionController {
    pub(super) async fn update(
        &self,
        request: Request<Session>,
    ) -> Result<Response<Session>, Status> {
        standard::update(&self.store, "session.update", request).await
    }
}
