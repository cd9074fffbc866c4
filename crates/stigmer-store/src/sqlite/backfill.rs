//! Keeping the index in step with `resources` when a database is opened:
//! rows without index entries (an upstream `stigmer.db`, rows an upstream
//! server wrote since) are indexed through the server's [`Indexer`];
//! index rows whose record is gone are dropped; and when the server's
//! index extractor changed (its version differs from the one recorded),
//! every record is re-indexed, keeping its creation order and revision.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::write::{insert_index, insert_parents};
use crate::error::{StoreError, StoreResult};
use crate::model::{IndexEntry, Indexer, kind_from_name, kind_name};

/// What opening did to the index.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backfill {
    /// Rows that had no index entry.
    pub(crate) indexed: u64,
    /// Rows re-indexed because the extractor version changed.
    pub(crate) reindexed: u64,
    pub(crate) orphans_removed: u64,
}

const INDEX_VERSION_KEY: &str = "index_version";

pub(crate) fn bring_up_to_date(
    conn: &mut Connection,
    indexer: &dyn Indexer,
    index_version: u32,
) -> StoreResult<Backfill> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::backend)?;
    let mut backfill = Backfill::default();
    let version = index_version.to_string();
    let recorded: Option<String> = tx
        .query_row(
            "SELECT value FROM store_meta WHERE key = ?1",
            [INDEX_VERSION_KEY],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::backend)?;
    if recorded
        .as_ref()
        .is_some_and(|recorded| *recorded != version)
    {
        backfill.reindexed = reindex_all(&tx, indexer).map_err(StoreError::backend)?;
    }
    if recorded.as_ref() != Some(&version) {
        tx.execute(
            "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![INDEX_VERSION_KEY, version],
        )
        .map_err(StoreError::backend)?;
    }
    backfill.indexed = index_missing(&tx, indexer).map_err(StoreError::backend)?;
    backfill.orphans_removed = tx
        .execute(
            "DELETE FROM resource_index WHERE NOT EXISTS
               (SELECT 1 FROM resources r WHERE r.kind = resource_index.kind AND r.id = resource_index.id)",
            [],
        )
        .map_err(StoreError::backend)? as u64;
    if backfill != Backfill::default() {
        recount(&tx).map_err(StoreError::backend)?;
        tracing::info!(
            indexed = backfill.indexed,
            reindexed = backfill.reindexed,
            orphans_removed = backfill.orphans_removed,
            "SQLite index brought up to date"
        );
    }
    tx.commit().map_err(StoreError::backend)?;
    Ok(backfill)
}

/// Every (kind, id) in `sql`'s first two columns, collected before writing
/// so no statement reads a table another one is changing.
fn keys(tx: &Transaction<'_>, sql: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

fn data(tx: &Transaction<'_>, kind: &str, id: &str) -> rusqlite::Result<Vec<u8>> {
    tx.prepare_cached("SELECT CAST(data AS BLOB) FROM resources WHERE kind = ?1 AND id = ?2")?
        .query_row(params![kind, id], |row| row.get(0))
}

/// The extractor's entry, minus a slug an earlier record already holds
/// (upstream allowed duplicates; the older record keeps the slug and the
/// newer one stays readable by id and in lists).
fn entry_for(
    tx: &Transaction<'_>,
    indexer: &dyn Indexer,
    kind_text: &str,
    id: &str,
) -> rusqlite::Result<Option<IndexEntry>> {
    let Some(kind) = kind_from_name(kind_text) else {
        return Ok(None);
    };
    let mut entry = indexer.index(kind, &data(tx, kind_text, id)?);
    entry.normalize();
    if let Some(slug) = &entry.slug {
        let owner: Option<String> = tx
            .prepare_cached(
                "SELECT id FROM resource_index WHERE kind = ?1 AND org = ?2 AND slug = ?3",
            )?
            .query_row(params![kind_name(kind), entry.org, slug], |row| row.get(0))
            .optional()?;
        if owner.as_deref().is_some_and(|owner| owner != id) {
            tracing::warn!(
                kind = %kind_text, %id, org = %entry.org, %slug,
                "duplicate slug in existing data; the record is indexed without it"
            );
            entry.slug = None;
        }
    }
    Ok(Some(entry))
}

fn index_missing(tx: &Transaction<'_>, indexer: &dyn Indexer) -> rusqlite::Result<u64> {
    // ULID ids sort in creation order, so that is the order we number them in.
    let missing = keys(
        tx,
        "SELECT r.kind, r.id FROM resources r
         WHERE NOT EXISTS (SELECT 1 FROM resource_index i WHERE i.kind = r.kind AND i.id = r.id)
         ORDER BY r.kind, r.id",
    )?;
    let mut indexed = 0;
    let mut unknown = std::collections::BTreeMap::<String, u64>::new();
    for (kind_text, id) in missing {
        match entry_for(tx, indexer, &kind_text, &id)? {
            Some(entry) => {
                insert_index(tx, &kind_text, &id, &entry, 1)?;
                indexed += 1;
            }
            None => *unknown.entry(kind_text).or_default() += 1,
        }
    }
    for (kind, rows) in unknown {
        tracing::warn!(%kind, rows, "rows of an unknown kind are not indexed");
    }
    Ok(indexed)
}

/// Recomputes every entry in creation order; slugs are cleared first so a
/// record may take over a slug another one gives up.
fn reindex_all(tx: &Transaction<'_>, indexer: &dyn Indexer) -> rusqlite::Result<u64> {
    tx.execute_batch("UPDATE resource_index SET slug = NULL; DELETE FROM resource_parent;")?;
    let indexed = keys(tx, "SELECT kind, id FROM resource_index ORDER BY seq")?;
    let mut reindexed = 0;
    for (kind_text, id) in indexed {
        let entry = entry_for(tx, indexer, &kind_text, &id)?.unwrap_or_default();
        let seq: i64 = tx
            .prepare_cached(
                "UPDATE resource_index SET org = ?3, slug = ?4, phase = ?5
                 WHERE kind = ?1 AND id = ?2 RETURNING seq",
            )?
            .query_row(
                params![kind_text, id, entry.org, entry.slug, entry.phase],
                |row| row.get(0),
            )?;
        insert_parents(tx, &kind_text, &id, seq, &entry)?;
        reindexed += 1;
    }
    Ok(reindexed)
}

/// Rebuilds every counter from the index tables; the bucket strings match
/// `index::bucket_of`.
fn recount(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM resource_count;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, '', COUNT(*) FROM resource_index GROUP BY kind;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'org:' || org, COUNT(*) FROM resource_index GROUP BY kind, org;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'phase:' || phase, COUNT(*) FROM resource_index
           WHERE phase IS NOT NULL GROUP BY kind, phase;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'parent:' || parent_kind || '/' || parent_id, COUNT(*) FROM resource_parent
           GROUP BY kind, parent_kind, parent_id;
         INSERT INTO resource_count (kind, bucket, n)
           SELECT kind, 'parent:' || parent_kind || '/' || parent_id || '|phase:' || phase, COUNT(*)
           FROM resource_parent WHERE phase IS NOT NULL GROUP BY kind, parent_kind, parent_id, phase;",
    )
}
