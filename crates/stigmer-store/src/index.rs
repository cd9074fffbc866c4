//! Backend-independent index helpers: the count buckets kept per record and
//! the page cursor format.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use stigmer_api::ApiResourceKind;

use crate::error::{StoreError, StoreResult};
use crate::model::{IndexEntry, ListQuery, Order, ParentRef, kind_name};

/// The counter a list query reads its total from. Every record adds one to
/// the bucket of each query shape it matches (see [`buckets_of`]), so a
/// total is one primary-key lookup instead of a count over the index.
pub(crate) fn bucket_of(parent: Option<&ParentRef>, phase: Option<i32>) -> String {
    let mut bucket = String::new();
    if let Some(parent) = parent {
        bucket.push_str("parent:");
        bucket.push_str(kind_name(parent.kind));
        bucket.push('/');
        bucket.push_str(&parent.id);
    }
    if let Some(phase) = phase {
        if !bucket.is_empty() {
            bucket.push('|');
        }
        bucket.push_str("phase:");
        bucket.push_str(&phase.to_string());
    }
    bucket
}

/// The counter of one org's records of a kind.
pub(crate) fn org_bucket(org: &str) -> String {
    format!("org:{org}")
}

/// The query bucket of a list request.
pub(crate) fn bucket_of_query(query: &ListQuery) -> String {
    match &query.org {
        Some(org) => org_bucket(org),
        None => bucket_of(query.parent.as_ref(), query.phase),
    }
}

/// Every bucket one record counts in: all of its kind, its org, its phase,
/// each of its parents, each parent with its phase. The SQL that rebuilds
/// counters from the index tables spells the same strings.
pub(crate) fn buckets_of(entry: &IndexEntry) -> Vec<String> {
    let mut buckets = vec![bucket_of(None, None), org_bucket(&entry.org)];
    if entry.phase.is_some() {
        buckets.push(bucket_of(None, entry.phase));
    }
    for parent in &entry.parents {
        buckets.push(bucket_of(Some(parent), None));
        if entry.phase.is_some() {
            buckets.push(bucket_of(Some(parent), entry.phase));
        }
    }
    buckets
}

/// Counter changes of one transaction, applied once at its end in key
/// order (a fixed lock order on PostgreSQL).
#[derive(Debug, Default)]
pub(crate) struct CountDeltas {
    deltas: BTreeMap<(&'static str, String), i64>,
}

impl CountDeltas {
    pub(crate) fn remove(&mut self, kind: ApiResourceKind, entry: &IndexEntry) {
        self.add_all(kind, entry, -1);
    }

    pub(crate) fn add(&mut self, kind: ApiResourceKind, entry: &IndexEntry) {
        self.add_all(kind, entry, 1);
    }

    fn add_all(&mut self, kind: ApiResourceKind, entry: &IndexEntry, delta: i64) {
        for bucket in buckets_of(entry) {
            *self.deltas.entry((kind_name(kind), bucket)).or_default() += delta;
        }
    }

    /// Non-zero changes as (kind, bucket, delta), in key order.
    pub(crate) fn into_changes(self) -> impl Iterator<Item = (&'static str, String, i64)> {
        self.deltas
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .map(|((kind, bucket), delta)| (kind, bucket, delta))
    }
}

/// Where a cursor-paged list continues: after this creation sequence
/// number, in this order. Encoded as URL-safe base64 so clients treat it as
/// opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) order: Order,
    pub(crate) seq: i64,
}

const CURSOR_VERSION: &str = "c1";

impl Cursor {
    pub(crate) fn encode(self) -> String {
        let order = match self.order {
            Order::OldestFirst => 'a',
            Order::NewestFirst => 'd',
        };
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}:{order}:{}", self.seq))
    }

    /// Decodes a cursor for a query in `order`; a cursor of the other order
    /// is rejected rather than silently restarting the list.
    pub(crate) fn decode(token: &str, order: Order) -> StoreResult<Cursor> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| StoreError::InvalidCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
        let mut parts = text.splitn(3, ':');
        let (Some(CURSOR_VERSION), Some(order_tag), Some(seq)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(StoreError::InvalidCursor);
        };
        let cursor_order = match order_tag {
            "a" => Order::OldestFirst,
            "d" => Order::NewestFirst,
            _ => return Err(StoreError::InvalidCursor),
        };
        if cursor_order != order {
            return Err(StoreError::InvalidCursor);
        }
        let seq = seq.parse().map_err(|_| StoreError::InvalidCursor)?;
        Ok(Cursor { order, seq })
    }
}

/// Checks a list query's page size.
pub(crate) fn check_page_size(query: &ListQuery) -> StoreResult<()> {
    if query.page_size == 0 || query.page_size > ListQuery::MAX_PAGE_SIZE {
        return Err(StoreError::invalid(format!(
            "page size must be between 1 and {}",
            ListQuery::MAX_PAGE_SIZE
        )));
    }
    crate::batch::check_kind(query.kind)?;
    if let Some(parent) = &query.parent {
        crate::batch::check_kind(parent.kind)?;
    }
    if query.org.is_some() && (query.parent.is_some() || query.phase.is_some()) {
        return Err(StoreError::invalid(
            "an org filter combines with no parent or phase filter",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_foreign_tokens() {
        let cursor = Cursor {
            order: Order::NewestFirst,
            seq: 42,
        };
        let token = cursor.encode();
        assert_eq!(Cursor::decode(&token, Order::NewestFirst).unwrap(), cursor);
        assert!(Cursor::decode(&token, Order::OldestFirst).is_err());
        assert!(Cursor::decode("not a cursor", Order::OldestFirst).is_err());
        assert!(Cursor::decode("", Order::OldestFirst).is_err());
    }

    #[test]
    fn a_record_counts_in_every_query_shape_it_matches() {
        let entry = IndexEntry::new()
            .org("acme")
            .parent(ApiResourceKind::Session, "ses-1")
            .phase(3);
        let buckets = buckets_of(&entry);
        assert_eq!(
            buckets,
            vec![
                "".to_owned(),
                "org:acme".to_owned(),
                "phase:3".to_owned(),
                "parent:session/ses-1".to_owned(),
                "parent:session/ses-1|phase:3".to_owned()
            ]
        );
    }

    #[test]
    fn stored_kind_names_are_the_registry_value_names() {
        for info in stigmer_api::KindRegistry::global().kinds() {
            assert_eq!(kind_name(info.kind), info.value_name);
        }
    }
}
