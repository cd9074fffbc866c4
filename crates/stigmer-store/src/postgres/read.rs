//! Reads: the same index seeks as on SQLite.

use std::time::{Duration, UNIX_EPOCH};

use deadpool_postgres::Object;
use stigmer_api::ApiResourceKind;
use tokio_postgres::types::ToSql;

use super::pg_error;
use crate::error::StoreResult;
use crate::index::{Cursor, bucket_of_query};
use crate::model::{AuditRecord, ListQuery, Order, Page, PagePosition, Record, kind_name};

pub(crate) async fn get(
    client: &Object,
    kind: ApiResourceKind,
    id: &str,
) -> StoreResult<Option<Record>> {
    let stmt = client
        .prepare_cached(
            "SELECT r.data, i.revision FROM resources r
             LEFT JOIN resource_index i ON i.kind = r.kind AND i.id = r.id
             WHERE r.kind = $1 AND r.id = $2",
        )
        .await
        .map_err(pg_error)?;
    let row = client
        .query_opt(&stmt, &[&kind_name(kind), &id])
        .await
        .map_err(pg_error)?;
    Ok(row.map(|row| Record {
        kind,
        id: id.to_owned(),
        data: row.get(0),
        revision: row.get::<_, Option<i64>>(1).unwrap_or(1) as u64,
    }))
}

pub(crate) async fn exists(client: &Object, kind: ApiResourceKind, id: &str) -> StoreResult<bool> {
    let stmt = client
        .prepare_cached("SELECT 1 FROM resources WHERE kind = $1 AND id = $2")
        .await
        .map_err(pg_error)?;
    Ok(client
        .query_opt(&stmt, &[&kind_name(kind), &id])
        .await
        .map_err(pg_error)?
        .is_some())
}

pub(crate) async fn get_by_slug(
    client: &Object,
    kind: ApiResourceKind,
    org: &str,
    slug: &str,
) -> StoreResult<Option<Record>> {
    let stmt = client
        .prepare_cached(
            "SELECT i.id, r.data, i.revision FROM resource_index i
             JOIN resources r ON r.kind = i.kind AND r.id = i.id
             WHERE i.kind = $1 AND i.org = $2 AND i.slug = $3",
        )
        .await
        .map_err(pg_error)?;
    let row = client
        .query_opt(&stmt, &[&kind_name(kind), &org, &slug])
        .await
        .map_err(pg_error)?;
    Ok(row.map(|row| Record {
        kind,
        id: row.get(0),
        data: row.get(1),
        revision: row.get::<_, i64>(2) as u64,
    }))
}

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
        "SELECT {alias}.seq, i.id, r.data, i.revision FROM {from}
         JOIN resources r ON r.kind = i.kind AND r.id = i.id
         WHERE {alias}.kind = $1"
    );
    let mut next = 2;
    if query.parent.is_some() {
        sql.push_str(" AND p.parent_kind = $2 AND p.parent_id = $3");
        next = 4;
    }
    if query.phase.is_some() {
        sql.push_str(&format!(" AND {alias}.phase = ${next}"));
        next += 1;
    }
    if query.org.is_some() {
        sql.push_str(&format!(" AND i.org = ${next}"));
        next += 1;
    }
    let (compare, direction) = match query.order {
        Order::OldestFirst => (">", "ASC"),
        Order::NewestFirst => ("<", "DESC"),
    };
    if with_cursor {
        sql.push_str(&format!(" AND {alias}.seq {compare} ${next}"));
        next += 1;
    }
    sql.push_str(&format!(
        " ORDER BY {alias}.seq {direction} LIMIT ${} OFFSET ${}",
        next,
        next + 1
    ));
    // One statement (one snapshot, one round trip) for the page and the
    // total: the total row always comes back, joined to the page's rows
    // (all NULL when the page is empty).
    format!(
        "SELECT page.seq, page.id, page.data, page.revision, total.n FROM
           (SELECT COALESCE(SUM(n), 0)::bigint AS n FROM resource_count
            WHERE kind = $1 AND bucket = ${bucket}) total
         LEFT JOIN LATERAL ({sql}) page ON true
         ORDER BY page.seq {direction}",
        bucket = next + 2
    )
}

pub(crate) async fn list(client: &Object, query: &ListQuery) -> StoreResult<Page> {
    let limit = i64::from(query.page_size);
    let (cursor, offset) = match &query.position {
        PagePosition::First => (None, 0),
        PagePosition::Number(number) => (None, i64::from(number.saturating_sub(1)) * limit),
        PagePosition::After(token) => (Some(Cursor::decode(token, query.order)?), 0),
    };
    let sql = list_sql(query, cursor.is_some());
    let kind = kind_name(query.kind);
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(kind)];
    if let Some(parent) = &query.parent {
        params.push(Box::new(kind_name(parent.kind)));
        params.push(Box::new(parent.id.clone()));
    }
    if let Some(phase) = query.phase {
        params.push(Box::new(phase));
    }
    if let Some(org) = &query.org {
        params.push(Box::new(org.clone()));
    }
    if let Some(cursor) = cursor {
        params.push(Box::new(cursor.seq));
    }
    params.push(Box::new(limit + 1));
    params.push(Box::new(offset));
    params.push(Box::new(bucket_of_query(query)));
    let params: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let stmt = client.prepare_cached(&sql).await.map_err(pg_error)?;
    let rows = client.query(&stmt, &params).await.map_err(pg_error)?;

    let total: i64 = rows.first().map_or(0, |row| row.get(4));
    let mut records = Vec::with_capacity(query.page_size as usize);
    let mut last_seq = None;
    let mut more = false;
    for row in &rows {
        let Some(seq) = row.get::<_, Option<i64>>(0) else {
            continue; // the empty page's row of NULLs
        };
        if records.len() == query.page_size as usize {
            more = true;
            break;
        }
        last_seq = Some(seq);
        records.push(Record {
            kind: query.kind,
            id: row.get(1),
            data: row.get(2),
            revision: row.get::<_, i64>(3) as u64,
        });
    }
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

const AUDIT_COLUMNS: &str = "id, resource_id, data, COALESCE(version_hash, ''), COALESCE(tag, ''),
    (extract(epoch FROM archived_at) * 1000)::bigint";

fn audit_row(kind: ApiResourceKind, row: &tokio_postgres::Row) -> AuditRecord {
    let archived_ms: i64 = row.get(5);
    AuditRecord {
        audit_id: row.get(0),
        kind,
        resource_id: row.get(1),
        data: row.get(2),
        version_hash: row.get(3),
        tag: row.get(4),
        archived_at: UNIX_EPOCH + Duration::from_millis(archived_ms.max(0) as u64),
    }
}

pub(crate) async fn audit_by(
    client: &Object,
    kind: ApiResourceKind,
    resource_id: &str,
    by_tag: bool,
    value: &str,
) -> StoreResult<Option<AuditRecord>> {
    let column = if by_tag { "tag" } else { "version_hash" };
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM resource_audit
         WHERE kind = $1 AND resource_id = $2 AND {column} = $3
         ORDER BY archived_at DESC, id DESC LIMIT 1"
    );
    let stmt = client.prepare_cached(&sql).await.map_err(pg_error)?;
    let row = client
        .query_opt(&stmt, &[&kind_name(kind), &resource_id, &value])
        .await
        .map_err(pg_error)?;
    Ok(row.map(|row| audit_row(kind, &row)))
}

pub(crate) async fn audit_history(
    client: &Object,
    kind: ApiResourceKind,
    resource_id: &str,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM resource_audit WHERE kind = $1 AND resource_id = $2
         ORDER BY archived_at DESC, id DESC"
    );
    let stmt = client.prepare_cached(&sql).await.map_err(pg_error)?;
    let rows = client
        .query(&stmt, &[&kind_name(kind), &resource_id])
        .await
        .map_err(pg_error)?;
    Ok(rows.iter().map(|row| audit_row(kind, row)).collect())
}
