//! Keeping the index in step with `resources` at start-up, as on SQLite
//! (see `sqlite::backfill`): index rows that have none, drop index rows
//! without records, re-index everything when the extractor version
//! changed. Runs under a table lock, but only when there is work, so
//! replicas starting next to running ones do not stall their writers.

use deadpool_postgres::{Object, Transaction};

use super::pg_error;
use super::write::insert_index;
use crate::error::StoreResult;
use crate::model::{IndexEntry, Indexer, kind_from_name, kind_name};

const INDEX_VERSION_KEY: &str = "index_version";

type PgResult<T> = Result<T, tokio_postgres::Error>;

pub(crate) async fn bring_up_to_date(
    client: &mut Object,
    indexer: &dyn Indexer,
    index_version: u32,
) -> StoreResult<()> {
    let known: Vec<&str> = stigmer_api::KindRegistry::global()
        .kinds()
        .map(|info| kind_name(info.kind))
        .collect();
    let version = index_version.to_string();
    let needs_work: bool = client
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM store_meta WHERE key = $2 AND value = $3)
                 OR EXISTS (SELECT 1 FROM resources r WHERE r.kind = ANY($1) AND NOT EXISTS
                              (SELECT 1 FROM resource_index i WHERE i.kind = r.kind AND i.id = r.id))
                 OR EXISTS (SELECT 1 FROM resource_index i WHERE NOT EXISTS
                              (SELECT 1 FROM resources r WHERE r.kind = i.kind AND r.id = i.id))",
            &[&known, &INDEX_VERSION_KEY, &version],
        )
        .await
        .map_err(pg_error)?
        .get(0);
    if !needs_work {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.batch_execute("LOCK TABLE resource_index IN SHARE ROW EXCLUSIVE MODE")
        .await
        .map_err(pg_error)?;
    let recorded: Option<String> = tx
        .query_opt(
            "SELECT value FROM store_meta WHERE key = $1",
            &[&INDEX_VERSION_KEY],
        )
        .await
        .map_err(pg_error)?
        .map(|row| row.get(0));
    let mut reindexed = 0;
    if recorded
        .as_ref()
        .is_some_and(|recorded| *recorded != version)
    {
        reindexed = reindex_all(&tx, indexer).await.map_err(pg_error)?;
    }
    tx.execute(
        "INSERT INTO store_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&INDEX_VERSION_KEY, &version],
    )
    .await
    .map_err(pg_error)?;
    let indexed = index_missing(&tx, indexer, &known)
        .await
        .map_err(pg_error)?;
    let orphans = tx
        .execute(
            "DELETE FROM resource_index i WHERE NOT EXISTS
               (SELECT 1 FROM resources r WHERE r.kind = i.kind AND r.id = i.id)",
            &[],
        )
        .await
        .map_err(pg_error)?;
    if indexed > 0 || reindexed > 0 || orphans > 0 {
        recount(&tx).await.map_err(pg_error)?;
        tracing::info!(
            indexed,
            reindexed,
            orphans,
            "PostgreSQL index brought up to date"
        );
    }
    tx.commit().await.map_err(pg_error)
}

/// The extractor's entry, minus a slug an earlier record already holds.
async fn entry_for(
    tx: &Transaction<'_>,
    indexer: &dyn Indexer,
    kind_text: &str,
    id: &str,
) -> PgResult<Option<IndexEntry>> {
    let Some(kind) = kind_from_name(kind_text) else {
        return Ok(None);
    };
    let row = tx
        .query_one(
            "SELECT data FROM resources WHERE kind = $1 AND id = $2",
            &[&kind_text, &id],
        )
        .await?;
    let mut entry = indexer.index(kind, row.get::<_, &[u8]>(0));
    entry.normalize();
    if let Some(slug) = &entry.slug {
        let owner = tx
            .query_opt(
                "SELECT id FROM resource_index WHERE kind = $1 AND org = $2 AND slug = $3",
                &[&kind_text, &entry.org, slug],
            )
            .await?;
        if owner.is_some_and(|row| row.get::<_, &str>(0) != id) {
            tracing::warn!(
                kind = %kind_text, %id, org = %entry.org, %slug,
                "duplicate slug in existing data; the record is indexed without it"
            );
            entry.slug = None;
        }
    }
    Ok(Some(entry))
}

async fn index_missing(
    tx: &Transaction<'_>,
    indexer: &dyn Indexer,
    known: &[&str],
) -> PgResult<u64> {
    let missing = tx
        .query(
            "SELECT r.kind, r.id FROM resources r
             WHERE r.kind = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM resource_index i WHERE i.kind = r.kind AND i.id = r.id)
             ORDER BY r.kind, r.id",
            &[&known],
        )
        .await?;
    let mut indexed = 0;
    for row in &missing {
        let (kind_text, id): (&str, &str) = (row.get(0), row.get(1));
        if let Some(entry) = entry_for(tx, indexer, kind_text, id).await? {
            insert_index(tx, kind_text, id, &entry, 1).await?;
            indexed += 1;
        }
    }
    Ok(indexed)
}

async fn reindex_all(tx: &Transaction<'_>, indexer: &dyn Indexer) -> PgResult<u64> {
    tx.batch_execute("UPDATE resource_index SET slug = NULL; DELETE FROM resource_parent;")
        .await?;
    let rows = tx
        .query("SELECT kind, id, seq FROM resource_index ORDER BY seq", &[])
        .await?;
    let insert_parent = tx
        .prepare(
            "INSERT INTO resource_parent (kind, parent_kind, parent_id, seq, id, phase)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    let mut reindexed = 0;
    for row in &rows {
        let (kind_text, id, seq): (&str, &str, i64) = (row.get(0), row.get(1), row.get(2));
        let entry = entry_for(tx, indexer, kind_text, id)
            .await?
            .unwrap_or_default();
        tx.execute(
            "UPDATE resource_index SET org = $3, slug = $4, phase = $5 WHERE kind = $1 AND id = $2",
            &[&kind_text, &id, &entry.org, &entry.slug, &entry.phase],
        )
        .await?;
        for parent in &entry.parents {
            tx.execute(
                &insert_parent,
                &[
                    &kind_text,
                    &kind_name(parent.kind),
                    &parent.id,
                    &seq,
                    &id,
                    &entry.phase,
                ],
            )
            .await?;
        }
        reindexed += 1;
    }
    Ok(reindexed)
}

/// Rebuilds every counter from the index tables (bucket strings as in
/// `index::bucket_of`).
pub(crate) async fn recount(
    client: &deadpool_postgres::Transaction<'_>,
) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(
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
        .await
}
