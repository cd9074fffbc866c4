//! Point reads on the caller's thread.
//!
//! A get by id or slug is one index seek into pages the connection maps
//! (`mmap_size`): a few microseconds, less than handing the query to a
//! reader thread and waking the task again. So point reads borrow an idle
//! connection from this small pool and run where they are called. Two
//! guards keep the async runtime from ever waiting on SQLite here: the
//! connections have no busy timeout (a lock conflict — rare in WAL mode —
//! answers `SQLITE_BUSY` at once), and a read that finds no idle connection
//! or a busy database is handed to the reader threads like any other read.

use std::sync::Mutex;

use rusqlite::{Connection, ErrorCode};

use crate::error::{StoreError, StoreResult};

/// What an inline attempt came to.
pub(crate) enum Inline<T, F> {
    /// The read ran; this is its answer.
    Done(StoreResult<T>),
    /// It could not run here; `F` is the untouched work for a reader thread.
    Deferred(F),
}

/// Idle connections for inline point reads; `None` once the store closed.
pub(crate) struct InlineReaders {
    idle: Mutex<Option<Vec<Connection>>>,
}

impl InlineReaders {
    pub(crate) fn new(connections: Vec<Connection>) -> Self {
        InlineReaders {
            idle: Mutex::new(Some(connections)),
        }
    }

    /// Runs `work` on an idle connection of this thread's choosing, or gives
    /// it back when none is idle or the database was busy.
    pub(crate) fn try_read<T, F>(&self, work: F) -> Inline<T, F>
    where
        F: Fn(&Connection) -> StoreResult<T>,
    {
        let Some(conn) = self.take() else {
            return Inline::Deferred(work);
        };
        let result = work(&conn);
        self.give_back(conn);
        match result {
            Err(error) if is_busy(&error) => Inline::Deferred(work),
            result => Inline::Done(result),
        }
    }

    /// Drops every idle connection; later reads go to the reader threads
    /// (which answer `Closed`), connections in use are dropped when returned.
    pub(crate) fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.take();
        }
    }

    fn take(&self) -> Option<Connection> {
        self.idle.lock().ok()?.as_mut()?.pop()
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && let Some(idle) = idle.as_mut()
        {
            idle.push(conn);
        }
    }
}

fn is_busy(error: &StoreError) -> bool {
    let StoreError::Backend(source) = error else {
        return false;
    };
    source
        .downcast_ref::<rusqlite::Error>()
        .and_then(rusqlite::Error::sqlite_error_code)
        .is_some_and(|code| matches!(code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn reader() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn runs_on_an_idle_connection_and_returns_it() {
        let pool = InlineReaders::new(vec![reader()]);
        for _ in 0..3 {
            let Inline::Done(answer) = pool.try_read(|conn| {
                conn.query_row("SELECT 41 + 1", [], |row| row.get::<_, i64>(0))
                    .map_err(StoreError::backend)
            }) else {
                panic!("an idle connection was available");
            };
            assert_eq!(answer.unwrap(), 42);
        }
    }

    #[test]
    fn defers_when_no_connection_is_idle_or_closed() {
        let empty = InlineReaders::new(Vec::new());
        assert!(matches!(
            empty.try_read(|_| Ok::<_, StoreError>(())),
            Inline::Deferred(_)
        ));
        let closed = InlineReaders::new(vec![reader()]);
        closed.close();
        assert!(matches!(
            closed.try_read(|_| Ok::<_, StoreError>(())),
            Inline::Deferred(_)
        ));
    }

    #[test]
    fn defers_a_busy_database_but_answers_other_errors() {
        let pool = InlineReaders::new(vec![reader()]);
        let busy = || {
            Err::<(), _>(StoreError::backend(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                None,
            )))
        };
        assert!(matches!(pool.try_read(|_| busy()), Inline::Deferred(_)));
        let other = pool.try_read(|_| Err::<(), _>(StoreError::invalid("nope")));
        assert!(matches!(
            other,
            Inline::Done(Err(StoreError::InvalidArgument(_)))
        ));
    }
}
