//! Opening SQLite connections. Every connection — the writer and each
//! reader — gets the same pragmas, because most of them (busy_timeout,
//! foreign_keys, synchronous) are per connection; the upstream server set
//! them once on a pool and so only on whichever connection ran them.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{StoreError, StoreResult};

/// Pragmas as read back from a connection after opening it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// `wal` unless the file system cannot do WAL.
    pub journal_mode: String,
    /// 2 = FULL: a commit returns after the WAL is synced.
    pub synchronous: i64,
    pub busy_timeout_ms: i64,
    pub foreign_keys: bool,
    /// Reader connections refuse writes.
    pub query_only: bool,
}

/// Bytes of the database file each connection maps.
const MMAP_SIZE: i64 = 256 * 1024 * 1024;

/// Whether a connection may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
}

/// Opens and configures one connection to `path`.
pub(crate) fn open(
    path: &Path,
    role: Role,
    busy_timeout: Duration,
) -> StoreResult<(Connection, ConnectionSettings)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(StoreError::backend)?;
    let settings = configure(&conn, role, busy_timeout).map_err(StoreError::backend)?;
    if settings.journal_mode != "wal" {
        tracing::warn!(
            path = %path.display(),
            journal_mode = %settings.journal_mode,
            "SQLite could not switch to WAL; commits stay durable but readers wait for writers"
        );
    }
    Ok((conn, settings))
}

fn configure(
    conn: &Connection,
    role: Role,
    busy_timeout: Duration,
) -> rusqlite::Result<ConnectionSettings> {
    // busy_timeout first: switching to WAL may itself wait for a lock.
    conn.busy_timeout(busy_timeout)?;
    let journal_mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -64_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Reads map the file instead of copying pages through read(2) into each
    // connection's own cache; the readers then share the OS page cache.
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    conn.pragma_update(None, "query_only", role == Role::Reader)?;
    conn.set_prepared_statement_cache_capacity(64);

    let read_i64 = |pragma: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("PRAGMA {pragma}"), [], |row| row.get(0))
    };
    Ok(ConnectionSettings {
        journal_mode: journal_mode.to_ascii_lowercase(),
        synchronous: read_i64("synchronous")?,
        busy_timeout_ms: read_i64("busy_timeout")?,
        foreign_keys: read_i64("foreign_keys")? == 1,
        query_only: read_i64("query_only")? == 1,
    })
}
