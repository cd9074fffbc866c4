//! Audit stamps: who created and last changed a resource, and when.

use std::time::SystemTime;

use stigmer_api::commons::apiresource::{
    ApiResourceAudit, ApiResourceAuditActor, ApiResourceAuditInfo,
};

use crate::Actor;

fn info(actor: &Actor, now: SystemTime, event: &str) -> ApiResourceAuditInfo {
    let by = ApiResourceAuditActor {
        id: actor.id.clone(),
        avatar: String::new(),
    };
    let at = prost_types::Timestamp::from(now);
    ApiResourceAuditInfo {
        created_by: Some(by.clone()),
        created_at: Some(at),
        updated_by: Some(by),
        updated_at: Some(at),
        event: event.to_owned(),
    }
}

/// A fresh audit: spec and status both created now by `actor`.
pub fn stamp_created(audit: &mut ApiResourceAudit, actor: &Actor, now: SystemTime) {
    let created = info(actor, now, "created");
    audit.spec_audit = Some(created.clone());
    audit.status_audit = Some(created);
}

/// An update: creation facts are kept from `previous`, the update is
/// stamped now by `actor`.
pub fn stamp_updated(
    audit: &mut ApiResourceAudit,
    previous: Option<&ApiResourceAudit>,
    actor: &Actor,
    now: SystemTime,
) {
    let keep_created = |stamped: &mut ApiResourceAuditInfo, old: Option<&ApiResourceAuditInfo>| {
        if let Some(old) = old.filter(|o| o.created_at.is_some()) {
            stamped.created_by = old.created_by.clone();
            stamped.created_at = old.created_at;
        }
    };
    let mut spec = info(actor, now, "updated");
    keep_created(&mut spec, previous.and_then(|p| p.spec_audit.as_ref()));
    let mut status = info(actor, now, "updated");
    keep_created(&mut status, previous.and_then(|p| p.status_audit.as_ref()));
    audit.spec_audit = Some(spec);
    audit.status_audit = Some(status);
}
