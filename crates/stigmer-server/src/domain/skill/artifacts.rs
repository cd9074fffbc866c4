//! Content-addressed artifact files: `<storage>/skills/<sha256>.zip`.
//!
//! Keys are validated strictly (`skills/<64 lower-case hex>.zip` and nothing
//! else), so a key can never name a file outside the storage directory —
//! upstream joined the caller's key to the root unchecked. Files are written
//! to a temporary file in the same directory (mode 0600), synced and renamed
//! into place, so a reader never sees a half-written artifact.
//!
//! A push and the garbage collection of a delete must not interleave (a push
//! could reuse a file the collector is about to remove), so pushes hold a
//! shared lock and the collector an exclusive one.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

const SKILLS_DIR: &str = "skills";

/// Why an artifact could not be stored, read or removed.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("invalid artifact storage key {0:?}: expected skills/<sha256 hex>.zip")]
    InvalidKey(String),
    #[error("skill artifact not found: {0}")]
    NotFound(String),
    #[error("artifact storage failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("artifact storage task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Whether `value` is a version hash: exactly 64 lower-case hex digits.
pub fn is_version_hash(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The storage key of a version hash.
pub fn key_of(version_hash: &str) -> String {
    format!("{SKILLS_DIR}/{version_hash}.zip")
}

/// The version hash a well-formed key names.
pub fn hash_of_key(key: &str) -> Result<&str, ArtifactError> {
    key.strip_prefix("skills/")
        .and_then(|rest| rest.strip_suffix(".zip"))
        .filter(|hash| is_version_hash(hash))
        .ok_or_else(|| ArtifactError::InvalidKey(key.to_owned()))
}

/// The artifact files under one storage directory.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    skills_dir: PathBuf,
    gc_lock: Arc<RwLock<()>>,
}

impl ArtifactStore {
    pub fn new(storage_root: impl AsRef<Path>) -> Self {
        ArtifactStore {
            skills_dir: storage_root.as_ref().join(SKILLS_DIR),
            gc_lock: Arc::new(RwLock::new(())),
        }
    }

    fn path_of(&self, version_hash: &str) -> Result<PathBuf, ArtifactError> {
        if !is_version_hash(version_hash) {
            return Err(ArtifactError::InvalidKey(key_of(version_hash)));
        }
        Ok(self.skills_dir.join(format!("{version_hash}.zip")))
    }

    /// Held by a push from storing its file until its records are saved.
    pub async fn pushing(&self) -> OwnedRwLockReadGuard<()> {
        self.gc_lock.clone().read_owned().await
    }

    /// Held while deciding which files are unreferenced and removing them.
    pub async fn collecting(&self) -> OwnedRwLockWriteGuard<()> {
        self.gc_lock.clone().write_owned().await
    }

    /// Stores the bytes under their hash unless that file exists already
    /// (same hash, same content) and returns the key.
    pub async fn store(
        &self,
        version_hash: &str,
        bytes: Arc<Vec<u8>>,
    ) -> Result<String, ArtifactError> {
        let path = self.path_of(version_hash)?;
        let dir = self.skills_dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &path, &bytes)).await??;
        Ok(key_of(version_hash))
    }

    /// The bytes stored under a key.
    pub async fn read(&self, key: &str) -> Result<Vec<u8>, ArtifactError> {
        let path = self.path_of(hash_of_key(key)?)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(ArtifactError::NotFound(key.into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the file of a hash; `false` when there was none.
    pub async fn remove(&self, version_hash: &str) -> Result<bool, ArtifactError> {
        let path = self.path_of(version_hash)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    // tempfile creates the file with mode 0600; rename keeps it.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[tokio::test]
    async fn stores_under_the_hash_with_mode_0600_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(dir.path());
        let key = store.store(HASH, Arc::new(b"zip".to_vec())).await.unwrap();
        assert_eq!(key, format!("skills/{HASH}.zip"));
        let path = dir.path().join("skills").join(format!("{HASH}.zip"));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(store.read(&key).await.unwrap(), b"zip");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("skills"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn keys_outside_the_layout_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), b"s").unwrap();
        let store = ArtifactStore::new(dir.path().join("storage"));
        for key in [
            "../secret",
            "skills/../../secret",
            "/etc/passwd",
            "skills/../secret.zip",
            &format!("skills/{}.zip", HASH.to_uppercase()),
            &format!("skills/{HASH}.zip/"),
            &format!("./skills/{HASH}.zip"),
            &format!("skills//{HASH}.zip"),
            "skills/.zip",
            "",
        ] {
            assert!(
                matches!(store.read(key).await, Err(ArtifactError::InvalidKey(_))),
                "{key:?}"
            );
        }
    }

    #[tokio::test]
    async fn missing_and_removed_artifacts() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(dir.path());
        let key = key_of(HASH);
        assert!(matches!(
            store.read(&key).await,
            Err(ArtifactError::NotFound(_))
        ));
        store.store(HASH, Arc::new(b"zip".to_vec())).await.unwrap();
        assert!(store.remove(HASH).await.unwrap());
        assert!(!store.remove(HASH).await.unwrap());
        assert!(matches!(
            store.read(&key).await,
            Err(ArtifactError::NotFound(_))
        ));
    }

    #[test]
    fn version_hash_detection() {
        assert!(is_version_hash(HASH));
        assert!(!is_version_hash(&HASH.to_uppercase()));
        assert!(!is_version_hash(&format!("{HASH}ab")));
        assert!(!is_version_hash(&HASH.replace('a', "g")));
        assert!(!is_version_hash("stable"));
    }
}
