//! The pid file of a server this data dir started. It is only used to stop
//! that process; whether a server runs is always asked of the server itself.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidRecord {
    pub pid: u32,
    /// The address the server was told to listen on.
    pub address: String,
    /// The executable, to recognise the process (pids are reused).
    pub binary: PathBuf,
    /// Unix seconds.
    pub started_at: u64,
}

/// Reads the pid file; `Ok(None)` when there is none. An unreadable or
/// garbled file counts as stale: it is removed and reported as absent.
pub fn read(path: &Path) -> anyhow::Result<Option<PidRecord>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    match serde_json::from_str(&text) {
        Ok(record) => Ok(Some(record)),
        Err(_) => {
            remove(path)?;
            Ok(None)
        }
    }
}

/// Writes the pid file atomically (temp file + rename).
pub fn write(path: &Path, record: &PidRecord) -> anyhow::Result<()> {
    let tmp = path.with_extension("pid.tmp");
    fs::write(&tmp, serde_json::to_vec_pretty(record)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

pub fn remove(path: &Path) -> anyhow::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.pid");
        let record = PidRecord {
            pid: 42,
            address: "127.0.0.1:7234".into(),
            binary: "/usr/bin/stigmer-server".into(),
            started_at: 1,
        };
        write(&path, &record).unwrap();
        assert_eq!(read(&path).unwrap(), Some(record));
        remove(&path).unwrap();
        assert_eq!(read(&path).unwrap(), None);
    }

    #[test]
    fn a_garbled_file_is_stale_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.pid");
        fs::write(&path, "12345").unwrap();
        assert_eq!(read(&path).unwrap(), None);
        assert!(!path.exists());
    }
}
