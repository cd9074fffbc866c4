//! Pages of one kind, optionally of one organization: both are ranges of
//! the store's index (kind, or kind + org) with counters for the totals, so
//! an org's page costs the same at ten records as at a million.

use stigmer_api::Resource;
use stigmer_pipeline::ApiError;
use stigmer_pipeline::steps::{ListRequest, Listed, SharedStore, list_page};

pub(super) async fn page_of<R: Resource>(
    store: &SharedStore,
    org: &str,
    page_size: i32,
    page_token: &str,
) -> Result<Listed<R>, ApiError> {
    let request = ListRequest {
        org: (!org.is_empty()).then(|| org.to_owned()),
        page_size,
        page_token: page_token.to_owned(),
        ..Default::default()
    };
    list_page::<R>(store, &request).await
}
