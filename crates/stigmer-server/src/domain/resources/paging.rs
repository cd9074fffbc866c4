//! Pages of one kind, optionally of one organization. The store indexes
//! org but lists by kind (and parent) only, so an org filter gathers the
//! kind through the index and pages in memory with the same token rules as
//! the store: a 1-based page number in decimal, or the cursor of the
//! previous page (here the last id seen, so records added meanwhile are
//! neither skipped nor repeated).

use stigmer_api::Resource;
use stigmer_pipeline::ApiError;
use stigmer_pipeline::steps::{ListRequest, Listed, SharedStore, list_page};

/// The store lists' defaults, so both paths page alike.
const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
/// Page size used to gather a whole kind.
const GATHER_PAGE_SIZE: i32 = 1000;

pub(super) async fn page_of<R: Resource>(
    store: &SharedStore,
    org: &str,
    page_size: i32,
    page_token: &str,
) -> Result<Listed<R>, ApiError> {
    if org.is_empty() {
        let request = ListRequest {
            page_size,
            page_token: page_token.to_owned(),
            ..Default::default()
        };
        return list_page::<R>(store, &request).await;
    }
    let mut in_org = Vec::new();
    let mut request = ListRequest {
        page_size: GATHER_PAGE_SIZE,
        ..Default::default()
    };
    loop {
        let page = list_page::<R>(store, &request).await?;
        in_org.extend(
            page.entries
                .into_iter()
                .filter(|r| r.metadata().is_some_and(|m| m.org == org)),
        );
        match page.next_page_token {
            Some(token) => request.page_token = token,
            None => break,
        }
    }
    page_in_memory(in_org, page_size, page_token)
}

/// One page of `resources`, ordered by id (ids carry their creation time,
/// so this is creation order).
fn page_in_memory<R: Resource>(
    mut resources: Vec<R>,
    page_size: i32,
    page_token: &str,
) -> Result<Listed<R>, ApiError> {
    let page_size = match page_size {
        n if n < 0 => {
            return Err(ApiError::InvalidArgument(format!(
                "page_size must not be negative, got {n}"
            )));
        }
        0 => DEFAULT_PAGE_SIZE,
        n => (n.unsigned_abs() as usize).min(MAX_PAGE_SIZE),
    };
    resources.sort_by(|a, b| a.id().cmp(b.id()));
    let total = resources.len();
    let token = page_token.trim();
    let start = if token.is_empty() {
        0
    } else {
        match token.parse::<usize>() {
            Ok(0) => {
                return Err(ApiError::InvalidArgument(
                    "page_token pages start at 1".into(),
                ));
            }
            Ok(number) => (number - 1).saturating_mul(page_size),
            Err(_) => resources.partition_point(|r| r.id() <= token),
        }
    };
    let entries: Vec<R> = resources.into_iter().skip(start).take(page_size).collect();
    let end = start.saturating_add(entries.len());
    let next_page_token = match entries.last() {
        Some(last) if end < total => Some(last.id().to_owned()),
        _ => None,
    };
    Ok(Listed {
        entries,
        total: total as u64,
        total_pages: total.div_ceil(page_size) as u64,
        next_page_token,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use stigmer_api::agentic::agent::v1::Agent;
    use stigmer_api::commons::apiresource::ApiResourceMetadata;

    use super::*;

    fn agents(ids: &[&str]) -> Vec<Agent> {
        ids.iter()
            .map(|id| Agent {
                metadata: Some(ApiResourceMetadata {
                    id: (*id).into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    }

    fn ids(listed: &Listed<Agent>) -> Vec<&str> {
        listed.entries.iter().map(|a| a.id()).collect()
    }

    #[test]
    fn page_numbers_and_cursors_walk_the_same_order() {
        let all = agents(&["agt-3", "agt-1", "agt-5", "agt-2", "agt-4"]);
        let second = page_in_memory(all.clone(), 2, "2").unwrap();
        assert_eq!(ids(&second), ["agt-3", "agt-4"]);
        assert_eq!(second.total_pages, 3);
        let first = page_in_memory(all.clone(), 2, "").unwrap();
        let token = first.next_page_token.clone().unwrap();
        assert_eq!(
            ids(&page_in_memory(all.clone(), 2, &token).unwrap()),
            ["agt-3", "agt-4"]
        );
        let last = page_in_memory(all, 2, "3").unwrap();
        assert_eq!(ids(&last), ["agt-5"]);
        assert_eq!(last.next_page_token, None);
    }

    #[test]
    fn page_zero_is_invalid() {
        assert!(page_in_memory(Vec::<Agent>::new(), 1, "0").is_err());
    }
}
