//! Reads on a reader connection. Every lookup is an index seek: by primary
//! key, by the slug index, or a range of the (kind[, parent][, phase], seq)
//! or (kind, org, seq) indexes; totals come from the counter table.

use std::time::{Duration, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};
use stigmer_api::ApiResourceKind;

use crate::error::{StoreError, StoreResult};
use crate::index::{Cursor, bucket_of_query};
use crate::model::{AuditRecord, ListQuery, Order, Page, PagePosition, Record, kind_name};

pub(crate) fn get(
    conn: &Connection,
    kind: ApiResourceKind,
    id: &str,
) -> StoreResult<Option<Record>> {
    conn.prepare_cached(
        "SELECT CAST(r.data AS BLOB), i.revision FROM resources r
         LEFT JOIN resource_index i ON i.kind = r.kind AND i.id = r.id
         WHERE r.kind = ?1 AND r.id = ?2",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![kind_name(kind), id], |row| {
            Ok(Record {
                kind,
                id: id.to_owned(),
                data: row.get(0)?,
                revision: row.get::<_, Option<i64>>(1)?.unwrap_or(1) as u64,
            })
        })
        .optional()
    })
    .map_err(StoreError::backend)
}

pub(crate) fn exists(conn: &Connection, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM resources WHERE kind = ?1 AND id = ?2")
        .and_then(|mut stmt| stmt.exists(params![kind_name(kind), id]))
        .map_err(StoreError::backend)
}

pub(crate) fn get_by_slug(
    conn: &Connection,
    kind: ApiResourceKind,
    org: &str,
    slug: &str,
) -> StoreResult<Option<Record>> {
    conn.prepare_cached(
        "SELECT i.id, CAST(r.data AS BLOB), i.revision FROM resource_index i
         JOIN resources r ON r.kind = i.kind AND r.id = i.id
         WHERE i.kind = ?1 AND i.org = ?2 AND i.slug = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![kind_name(kind), org, slug], |row| {
            Ok(Record {
                kind,
                id: row.get(0)?,
                data: row.get(1)?,
                revision: row.get::<_, i64>(2)? as u64,
            })
        })
        .optional()
    })
    .map_err(StoreError::backend)
}

/// The SELECT of one list shape; parameters are ?1 kind, then the parent
/// (?2 kind, ?3 id) when listing children, then the phase, then the
/// cursor sequence number, LIMIT and OFFSET.
fn list_sql(query: &ListQuery, with_cursor: bool) -> String {
    let (from, alias) = if query.parent.is_some() {
        (
            "resource_parent p JOIN resource_index i ON i.kind = p.kind AND i.id = p.id",
            "p",
        )
    } else {
        ("resource_index i", "i")
    };
    let mut sql = format!(
        "SELECT {alias}.seq, i.id, CAST(r.data AS BLOB), i.revision FROM {from}
         JOIN resources r ON r.kind = i.kind AND r.id = i.id
         WHERE {alias}.kind = ?1"
    );
    let mut next = 2;
    if query.parent.is_some() {
        sql.push_str(" AND p.parent_kind = ?2 AND p.parent_id = ?3");
        next = 4;
    }
    if query.phase.is_some() {
        sql.push_str(&format!(" AND {alias}.phase = ?{next}"));
        next += 1;
    }
    if query.org.is_some() {
        sql.push_str(&format!(" AND i.org = ?{next}"));
        next += 1;
    }
    let (compare, direction) = match query.order {
        Order::OldestFirst => (">", "ASC"),
        Order::NewestFirst => ("<", "DESC"),
    };
    if with_cursor {
        sql.push_str(&format!(" AND {alias}.seq {compare} ?{next}"));
        next += 1;
    }
    sql.push_str(&format!(
        " ORDER BY {alias}.seq {direction} LIMIT ?{} OFFSET ?{}",
        next,
        next + 1
    ));
    sql
}

pub(crate) fn list(conn: &Connection, query: &ListQuery) -> StoreResult<Page> {
    let limit = i64::from(query.page_size);
    let (cursor, offset) = match &query.position {
        PagePosition::First => (None, 0),
        PagePosition::Number(number) => (None, i64::from(number.saturating_sub(1)) * limit),
        PagePosition::After(token) => (Some(Cursor::decode(token, query.order)?), 0),
    };
    let sql = list_sql(query, cursor.is_some());
    let kind = kind_name(query.kind);
    let mut params: Vec<rusqlite::types::Value> = vec![kind.to_owned().into()];
    if let Some(parent) = &query.parent {
        params.push(kind_name(parent.kind).to_owned().into());
        params.push(parent.id.clone().into());
    }
    if let Some(phase) = query.phase {
        params.push(i64::from(phase).into());
    }
    if let Some(org) = &query.org {
        params.push(org.clone().into());
    }
    if let Some(cursor) = cursor {
        params.push(cursor.seq.into());
    }
    // One more than the page, to know whether another page follows.
    params.push((limit + 1).into());
    params.push(offset.into());

    // Page and total from one snapshot.
    let tx = conn.unchecked_transaction().map_err(StoreError::backend)?;
    let mut records = Vec::with_capacity(query.page_size as usize);
    let mut last_seq = None;
    let mut more = false;
    {
        let mut stmt = tx.prepare_cached(&sql).map_err(StoreError::backend)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(StoreError::backend)?;
        while let Some(row) = rows.next().map_err(StoreError::backend)? {
            if records.len() == query.page_size as usize {
                more = true;
                break;
            }
            last_seq = Some(row.get::<_, i64>(0).map_err(StoreError::backend)?);
            records.push(Record {
                kind: query.kind,
                id: row.get(1).map_err(StoreError::backend)?,
                data: row.get(2).map_err(StoreError::backend)?,
                revision: row.get::<_, i64>(3).map_err(StoreError::backend)? as u64,
            });
        }
    }
    let total: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM resource_count WHERE kind = ?1 AND bucket = ?2",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![kind, bucket_of_query(query)], |row| row.get(0))
                .optional()
        })
        .map_err(StoreError::backend)?
        .unwrap_or(0);
    drop(tx);
    let next_cursor = match (more, last_seq) {
        (true, Some(seq)) => Some(
            Cursor {
                order: query.order,
                seq,
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(Page {
        records,
        next_cursor,
        total: total.max(0) as u64,
    })
}

const AUDIT_COLUMNS: &str =
    "id, kind, resource_id, CAST(data AS BLOB), COALESCE(version_hash, ''), COALESCE(tag, ''),
    CAST((julianday(archived_at) - 2440587.5) * 86400000.0 AS INTEGER)";

fn audit_row(kind: ApiResourceKind, row: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    let archived_ms: Option<i64> = row.get(6)?;
    Ok(AuditRecord {
        audit_id: row.get(0)?,
        kind,
        resource_id: row.get(2)?,
        data: row.get(3)?,
        version_hash: row.get(4)?,
        tag: row.get(5)?,
        archived_at: UNIX_EPOCH + Duration::from_millis(archived_ms.unwrap_or(0).max(0) as u64),
    })
}

/// The newest audit row of a resource where `column` equals `value`.
pub(crate) fn audit_by(
    conn: &Connection,
    kind: ApiResourceKind,
    resource_id: &str,
    column: AuditColumn,
    value: &str,
) -> StoreResult<Option<AuditRecord>> {
    let column = match column {
        AuditColumn::Hash => "version_hash",
        AuditColumn::Tag => "tag",
    };
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM resource_audit
         WHERE kind = ?1 AND resource_id = ?2 AND {column} = ?3
         ORDER BY archived_at DESC, id DESC LIMIT 1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![kind_name(kind), resource_id, value], |row| {
                audit_row(kind, row)
            })
            .optional()
        })
        .map_err(StoreError::backend)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum AuditColumn {
    Hash,
    Tag,
}

pub(crate) fn audit_history(
    conn: &Connection,
    kind: ApiResourceKind,
    resource_id: &str,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM resource_audit WHERE kind = ?1 AND resource_id = ?2
         ORDER BY archived_at DESC, id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let rows = stmt
        .query_map(params![kind_name(kind), resource_id], |row| {
            audit_row(kind, row)
        })
        .map_err(StoreError::backend)?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(StoreError::backend)
}
