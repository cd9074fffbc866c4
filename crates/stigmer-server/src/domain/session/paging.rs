//! Pagination shared by the two list rpcs. Indexed lists page in the store;
//! lists the store cannot answer with one index lookup (a tag filter, the
//! sessions of every instance of an agent) are gathered through the
//! indexes and paged here with the same token rules: a 1-based page number
//! in decimal, or the cursor of the previous page (here: the last id seen,
//! so records added meanwhile are neither skipped nor repeated).

use stigmer_api::agentic::session::v1::{Session, SessionList};
use stigmer_api::{ApiResourceKind, Resource};
use stigmer_pipeline::ApiError;
use stigmer_pipeline::steps::{ListRequest, Listed, SharedStore, list_page};
use stigmer_store::{ListQuery, ParentRef};
use tonic::Response;
use tonic::metadata::MetadataValue;

use super::NEXT_PAGE_TOKEN_HEADER;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;
/// Page size used to gather whole lists.
const GATHER_PAGE_SIZE: i32 = 1000;

/// The wire answer: entries and page count, the next cursor in metadata.
pub(super) fn session_list(listed: Listed<Session>) -> Response<SessionList> {
    let mut response = Response::new(SessionList {
        total_pages: i32::try_from(listed.total_pages).unwrap_or(i32::MAX),
        entries: listed.entries,
    });
    if let Some(token) = listed.next_page_token
        && let Ok(value) = MetadataValue::try_from(token.as_str())
    {
        response
            .metadata_mut()
            .insert(NEXT_PAGE_TOKEN_HEADER, value);
    }
    response
}

/// Every session listed under `parent` (every session when `None`).
pub(super) async fn gather_sessions(
    store: &SharedStore,
    parent: Option<ParentRef>,
) -> Result<Vec<Session>, ApiError> {
    let mut sessions = Vec::new();
    let mut request = ListRequest {
        parent,
        page_size: GATHER_PAGE_SIZE,
        ..Default::default()
    };
    loop {
        let page = list_page::<Session>(store, &request).await?;
        sessions.extend(page.entries);
        match page.next_page_token {
            Some(token) => request.page_token = token,
            None => return Ok(sessions),
        }
    }
}

/// Ids of the records of `kind` listed under `parent`, read from the index
/// alone (nothing is decoded).
pub(super) async fn child_ids(
    store: &SharedStore,
    kind: ApiResourceKind,
    parent: ParentRef,
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    let mut query = ListQuery::new(kind)
        .children_of(parent.kind, parent.id)
        .page_size(GATHER_PAGE_SIZE.unsigned_abs());
    loop {
        let page = store.list(&query).await?;
        ids.extend(page.records.into_iter().map(|record| record.id));
        match page.next_cursor {
            Some(cursor) => query = query.after(cursor),
            None => return Ok(ids),
        }
    }
}

/// One page of `sessions`, ordered by id (ids carry their creation time,
/// so this is creation order).
pub(super) fn page_in_memory(
    mut sessions: Vec<Session>,
    page_size: i32,
    page_token: &str,
) -> Result<Listed<Session>, ApiError> {
    let page_size = match page_size {
        n if n < 0 => {
            return Err(ApiError::InvalidArgument(format!(
                "page_size must not be negative, got {n}"
            )));
        }
        0 => DEFAULT_PAGE_SIZE,
        n => n.unsigned_abs().min(MAX_PAGE_SIZE as u32) as usize,
    };
    sessions.sort_by(|a, b| a.id().cmp(b.id()));
    let total = sessions.len();
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
            Err(_) => sessions.partition_point(|session| session.id() <= token),
        }
    };
    let entries: Vec<Session> = sessions.into_iter().skip(start).take(page_size).collect();
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

    use stigmer_api::commons::apiresource::ApiResourceMetadata;

    use super::*;

    fn sessions(ids: &[&str]) -> Vec<Session> {
        ids.iter()
            .map(|id| Session {
                metadata: Some(ApiResourceMetadata {
                    id: (*id).into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    }

    fn ids(listed: &Listed<Session>) -> Vec<&str> {
        listed.entries.iter().map(|s| s.id()).collect()
    }

    #[test]
    fn page_numbers_and_cursors_walk_the_same_order() {
        let all = sessions(&["ses-3", "ses-1", "ses-5", "ses-2", "ses-4"]);
        let second = page_in_memory(all.clone(), 2, "2").unwrap();
        assert_eq!(ids(&second), ["ses-3", "ses-4"]);
        assert_eq!(second.total_pages, 3);
        let first = page_in_memory(all.clone(), 2, "").unwrap();
        let token = first.next_page_token.clone().unwrap();
        assert_eq!(
            ids(&page_in_memory(all.clone(), 2, &token).unwrap()),
            ["ses-3", "ses-4"]
        );
        let last = page_in_memory(all, 2, "3").unwrap();
        assert_eq!(ids(&last), ["ses-5"]);
        assert_eq!(last.next_page_token, None);
    }

    #[test]
    fn a_cursor_of_a_deleted_session_still_continues_after_it() {
        let remaining = sessions(&["ses-1", "ses-3", "ses-4"]);
        assert_eq!(
            ids(&page_in_memory(remaining, 2, "ses-2").unwrap()),
            ["ses-3", "ses-4"]
        );
    }

    #[test]
    fn page_zero_and_negative_sizes_are_invalid() {
        assert!(page_in_memory(Vec::new(), 1, "0").is_err());
        assert!(page_in_memory(Vec::new(), -1, "").is_err());
    }
}
