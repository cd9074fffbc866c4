use stigmer_api::agentic::skill::v1::{Skill, SkillId};
use tonic::{Request, Response, Status};

use super::SkillController;
use crate::domain::standard;

impl SkillController {
    pub(super) async fn get(&self, request: Request<SkillId>) -> Result<Response<Skill>, Status> {
        standard::get(&self.store, "skill.get", request).await
    }
}
