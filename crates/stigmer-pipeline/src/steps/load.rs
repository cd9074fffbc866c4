use std::marker::PhantomData;

use async_trait::async_trait;
use stigmer_api::Resource;
use stigmer_store::Record;

use super::{Existing, SharedStore};
use crate::inputs::IdInput;
use crate::store_error::kind_label;
use crate::{ApiError, RequestContext, Step};

/// Decodes a stored record; a record that no longer decodes is reported,
/// never silently skipped.
pub fn decode_record<R: Resource>(record: &Record) -> Result<R, ApiError> {
    R::decode(record.data.as_slice()).map_err(|e| {
        tracing::error!(kind = ?R::KIND, id = %record.id, error = %e, "stored record does not decode");
        ApiError::Internal(format!("stored {} {} cannot be decoded: {e}", kind_label(R::KIND), record.id))
    })
}

/// Loads the resource an update names, by `metadata.id`, or by slug when the
/// id is empty (so `apply` can update by name), into [`Existing`].
pub struct LoadExisting {
    store: SharedStore,
}

impl LoadExisting {
    pub fn new(store: SharedStore) -> Self {
        LoadExisting { store }
    }
}

#[async_trait]
impl<R: Resource> Step<R, R> for LoadExisting {
    fn name(&self) -> &'static str {
        "load_existing"
    }

    async fn run(&self, ctx: &mut RequestContext<R, R>) -> Result<(), ApiError> {
        let (id, slug, org) = (
            ctx.new_state.id().to_owned(),
            ctx.new_state.slug().to_owned(),
            ctx.new_state.org().to_owned(),
        );
        let record = if !id.is_empty() {
            self.store
                .get(R::KIND, &id)
                .await?
                .ok_or_else(|| not_found::<R>(&id))?
        } else if !slug.is_empty() {
            self.store
                .get_by_slug(R::KIND, &org, &slug)
                .await?
                .ok_or_else(|| not_found::<R>(&slug))?
        } else {
            return Err(ApiError::InvalidArgument(format!(
                "metadata.id or metadata.name is required to update a {}",
                kind_label(R::KIND)
            )));
        };
        let resource: R = decode_record(&record)?;
        ctx.new_state.metadata_mut().id = record.id.clone();
        ctx.put(Existing {
            resource,
            revision: record.revision,
        });
        Ok(())
    }
}

/// Loads the resource an id request names into the new state (get).
pub struct LoadTarget<R> {
    store: SharedStore,
    kind: PhantomData<fn() -> R>,
}

impl<R> LoadTarget<R> {
    pub fn new(store: SharedStore) -> Self {
        LoadTarget {
            store,
            kind: PhantomData,
        }
    }
}

#[async_trait]
impl<I: IdInput, R: Resource> Step<I, R> for LoadTarget<R> {
    fn name(&self) -> &'static str {
        "load_target"
    }

    async fn run(&self, ctx: &mut RequestContext<I, R>) -> Result<(), ApiError> {
        let id = ctx.input.resource_id();
        if id.is_empty() {
            return Err(ApiError::InvalidArgument("resource id is required".into()));
        }
        let record = self
            .store
            .get(R::KIND, id)
            .await?
            .ok_or_else(|| not_found::<R>(id))?;
        ctx.new_state = decode_record(&record)?;
        ctx.put(Existing {
            resource: ctx.new_state.clone(),
            revision: record.revision,
        });
        Ok(())
    }
}

pub(super) fn not_found<R: Resource>(what: &str) -> ApiError {
    ApiError::NotFound(format!("{} not found: {what}", kind_label(R::KIND)))
}
