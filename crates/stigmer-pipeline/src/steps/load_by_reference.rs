use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::commons::apiresource::ApiResourceReference;
use stigmer_api::{ApiResourceKind, Resource};

use super::load::not_found;
use super::{Existing, SharedStore, decode_record};
use crate::{ApiError, RequestContext, Step};

/// Loads the resource a reference names: by slug within the reference's
/// org (an index lookup). A reference to another kind is refused.
pub struct LoadByReference<R> {
    store: SharedStore,
    kind: PhantomData<fn() -> R>,
}

impl<R> LoadByReference<R> {
    pub fn new(store: SharedStore) -> Self {
        LoadByReference {
            store,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<R: Resource> Step<ApiResourceReference, R> for LoadByReference<R> {
    fn name(&self) -> &'static str {
        "load_by_reference"
    }

    async fn run(&self, ctx: &mut RequestContext<ApiResourceReference, R>) -> Result<(), ApiError> {
        let reference = &ctx.input;
        if reference.slug.is_empty() {
            return Err(ApiError::InvalidArgument(
                "slug is required in reference".into(),
            ));
        }
        if reference.kind != ApiResourceKind::Unknown as i32 && reference.kind != R::KIND as i32 {
            let got = ApiResourceKind::try_from(reference.kind).map_or_else(
                |_| reference.kind.to_string(),
                |k| k.as_str_name().to_owned(),
            );
            return Err(ApiError::InvalidArgument(format!(
                "kind mismatch: expected {}, got {got}",
                R::KIND.as_str_name()
            )));
        }
        let record = self
            .store
            .get_by_slug(R::KIND, &reference.org, &reference.slug)
            .await?
            .ok_or_else(|| not_found::<R>(&reference.slug))?;
        ctx.new_state = decode_record(&record)?;
        ctx.put(Existing {
            resource: ctx.new_state.clone(),
            revision: record.revision,
        });
        Ok(())
    }
}
