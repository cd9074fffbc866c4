//! `update`: the request's spec (all entries, secrets included) replaces the
//! stored one; id, slug, org and status stay.

use stigmer_api::agentic::environment::v1::Environment;
use tonic::{Request, Response, Status};

use super::EnvironmentController;
use crate::domain::sealed;

impl EnvironmentController {
    pub(super) async fn update(
        &self,
        request: Request<Environment>,
    ) -> Result<Response<Environment>, Status> {
        sealed::update(&self.store, &self.cipher, "environment.update", request).await
    }
}
