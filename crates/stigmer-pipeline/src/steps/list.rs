//! Paginated lists over the store's indexes. `page_token` is a 1-based page
//! number in decimal (empty = 1) or a cursor from a previous page;
//! `page_size` defaults to 50 and is capped at 1000.

use stigmer_api::Resource;
use stigmer_store::{ListQuery, ParentRef};

use super::{SharedStore, decode_record};
use crate::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// What a list rpc asks for, in the wire's terms.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub parent: Option<ParentRef>,
    pub phase: Option<i32>,
    /// Only this org's records (no parent or phase filter with it).
    pub org: Option<String>,
    pub page_size: i32,
    pub page_token: String,
}

/// One page of decoded resources.
#[derive(Debug, Clone)]
pub struct Listed<R> {
    pub entries: Vec<R>,
    pub total: u64,
    pub total_pages: u64,
    /// Token of the next page; `None` on the last.
    pub next_page_token: Option<String>,
}

pub async fn list_page<R: Resource>(
    store: &SharedStore,
    request: &ListRequest,
) -> Result<Listed<R>, ApiError> {
    let page_size = match request.page_size {
        n if n < 0 => {
            return Err(ApiError::InvalidArgument(format!(
                "page_size must not be negative, got {n}"
            )));
        }
        0 => DEFAULT_PAGE_SIZE,
        n => (n as u32).min(MAX_PAGE_SIZE),
    };
    let mut query = ListQuery::new(R::KIND).page_size(page_size);
    query.parent = request.parent.clone();
    query.phase = request.phase;
    query.org = request.org.clone();
    let token = request.page_token.trim();
    if !token.is_empty() {
        query = match token.parse::<u32>() {
            Ok(0) => {
                return Err(ApiError::InvalidArgument(
                    "page_token pages start at 1".into(),
                ));
            }
            Ok(number) => query.page_number(number),
            Err(_) => query.after(token),
        };
    }
    let page = store.list(&query).await?;
    let entries = page
        .records
        .iter()
        .map(decode_record)
        .collect::<Result<Vec<R>, _>>()?;
    Ok(Listed {
        entries,
        total: page.total,
        total_pages: page.total_pages(page_size),
        next_page_token: page.next_cursor,
    })
}
