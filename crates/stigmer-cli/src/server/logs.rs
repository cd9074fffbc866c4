//! `server logs`: the tail of the server log, optionally followed across
//! restarts (the file is truncated, rotated or re-created).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// Writes the last `tail` lines (all when 0) and returns the offset read up to.
pub fn print_tail(path: &Path, tail: usize, out: &mut impl Write) -> anyhow::Result<u64> {
    let mut file = File::open(path).with_context(|| {
        format!(
            "no server log at {} (the server was not started from this data dir yet)",
            path.display()
        )
    })?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let start = if tail == 0 {
        0
    } else {
        tail_start(&bytes, tail)
    };
    out.write_all(&bytes[start..])?;
    out.flush()?;
    Ok(bytes.len() as u64)
}

/// Byte index where the last `n` lines begin.
fn tail_start(bytes: &[u8], n: usize) -> usize {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut seen = 0;
    for (i, b) in body.iter().enumerate().rev() {
        if *b == b'\n' {
            seen += 1;
            if seen == n {
                return i + 1;
            }
        }
    }
    0
}

/// Prints what is appended after `offset` until Ctrl-C. A shorter or
/// replaced file (a restart rotated it) is read again from its start.
pub async fn follow(path: &Path, mut offset: u64, out: &mut impl Write) -> anyhow::Result<()> {
    let mut inode = std::fs::metadata(path).map(|m| m.ino()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        if let Ok(meta) = std::fs::metadata(path) {
            if inode != Some(meta.ino()) || meta.len() < offset {
                inode = Some(meta.ino());
                offset = 0;
            }
            if meta.len() > offset {
                let mut file = File::open(path)?;
                file.seek(SeekFrom::Start(offset))?;
                let mut chunk = Vec::new();
                file.read_to_end(&mut chunk)?;
                offset += chunk.len() as u64;
                out.write_all(&chunk)?;
                out.flush()?;
            }
        }
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            () = tokio::time::sleep(FOLLOW_POLL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_is_the_last_n_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let mut out = Vec::new();
        print_tail(&path, 2, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "two\nthree\n");
        let mut out = Vec::new();
        print_tail(&path, 0, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "one\ntwo\nthree\n");
        let mut out = Vec::new();
        print_tail(&path, 10, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "one\ntwo\nthree\n");
    }

    #[test]
    fn a_missing_log_says_why() {
        let err = print_tail(Path::new("/nonexistent/s.log"), 5, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("no server log at"));
    }
}
