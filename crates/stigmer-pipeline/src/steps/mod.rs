//! The reusable steps every kind's pipelines are built from, one file each.
//! All are generic over the resource type; none knows a particular kind.

mod audit;
mod build_new_state;
mod build_update_state;
mod check_duplicate;
mod delete;
mod list;
mod load;
mod load_by_reference;
mod load_for_apply;
mod persist;
mod resolve_slug;
mod validate;

use std::sync::Arc;

pub use audit::{stamp_created, stamp_updated};
pub use build_new_state::BuildNewState;
pub use build_update_state::BuildUpdateState;
pub use check_duplicate::CheckDuplicate;
pub use delete::DeleteResource;
pub use list::{ListRequest, Listed, list_page};
pub use load::{LoadExisting, LoadTarget, decode_record};
pub use load_by_reference::LoadByReference;
pub use load_for_apply::{LoadForApply, ShouldCreate};
pub use persist::Persist;
pub use resolve_slug::ResolveSlug;
pub use validate::ValidateState;

/// The store as steps hold it.
pub type SharedStore = Arc<dyn stigmer_store::Store>;

/// The stored resource a request is about, with the revision it was read
/// at (an update writes only if nobody wrote in between).
#[derive(Debug, Clone)]
pub struct Existing<R> {
    pub resource: R,
    pub revision: u64,
}
