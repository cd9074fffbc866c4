//! Skills: fetched by reference, their `SKILL.md` goes into the system
//! prompt and their archive is unpacked into `skills/<slug>/` of the
//! session workspace, with the same defences the server applies on push
//! (no traversal, no links, bounded size and entry count).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use stigmer_api::agentic::skill::v1::Skill;

/// Written next to the unpacked files so the same version is not unpacked twice.
const VERSION_MARKER: &str = ".stigmer-skill-version";
const MAX_ENTRIES: usize = 10_000;
const MAX_TOTAL_BYTES: u64 = 500 * 1024 * 1024;
const MAX_COMPRESSION_RATIO: u64 = 100;

/// A skill ready for the prompt.
#[derive(Debug, Clone)]
pub(crate) struct LoadedSkill {
    pub name: String,
    pub version: String,
    pub skill_md: String,
    /// Where its files are, relative to the workspace (when it has an archive).
    pub directory: Option<String>,
}

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnpackError {
    #[error("invalid zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("entry {0:?} points outside the skill directory")]
    UnsafePath(String),
    #[error("more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    #[error("unpacks to more than {} MiB", MAX_TOTAL_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("suspicious compression ratio in {0:?}")]
    SuspiciousRatio(String),
    #[error("could not write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> UnpackError + '_ {
    move |source| UnpackError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Turns a slug into a single safe path component.
pub(crate) fn safe_component(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('.');
    if trimmed.is_empty() {
        "_".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The name, slug and version hash of a skill, with fallbacks.
pub(crate) fn skill_identity(skill: &Skill) -> (String, String, String) {
    let metadata = skill.metadata.clone().unwrap_or_default();
    let name = if metadata.name.is_empty() {
        metadata.slug.clone()
    } else {
        metadata.name.clone()
    };
    let version = skill
        .status
        .as_ref()
        .map(|status| status.version_hash.clone())
        .unwrap_or_default();
    (name, metadata.slug, version)
}

/// Unpacks `archive` into `workspace/skills/<slug>` unless that version is
/// already there. Blocking: call from `spawn_blocking`.
pub(crate) fn install_archive(
    archive: &[u8],
    workspace: &Path,
    slug: &str,
    version: &str,
) -> Result<String, UnpackError> {
    let relative = format!("skills/{}", safe_component(slug));
    let target = workspace.join(&relative);
    let marker = target.join(VERSION_MARKER);
    if !version.is_empty() && fs::read_to_string(&marker).is_ok_and(|text| text.trim() == version) {
        return Ok(relative);
    }
    let skills_dir = workspace.join("skills");
    fs::create_dir_all(&skills_dir).map_err(io_error(&skills_dir))?;
    let staging = tempfile_dir(&skills_dir, slug)?;
    let unpacked = unpack(archive, &staging).and_then(|()| {
        fs::write(staging.join(VERSION_MARKER), version).map_err(io_error(&staging))
    });
    if let Err(error) = unpacked {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    if target.exists() {
        fs::remove_dir_all(&target).map_err(io_error(&target))?;
    }
    fs::rename(&staging, &target).map_err(io_error(&target))?;
    Ok(relative)
}

fn tempfile_dir(parent: &Path, slug: &str) -> Result<PathBuf, UnpackError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let path = parent.join(format!(
        ".unpacking-{}-{}-{nanos}",
        safe_component(slug),
        std::process::id()
    ));
    fs::create_dir(&path).map_err(io_error(&path))?;
    Ok(path)
}

/// Unpacks `archive` into the empty directory `destination`.
pub(crate) fn unpack(archive: &[u8], destination: &Path) -> Result<(), UnpackError> {
    let mut zip = zip::ZipArchive::new(io::Cursor::new(archive))?;
    if zip.len() > MAX_ENTRIES {
        return Err(UnpackError::TooManyEntries);
    }
    let mut written: u64 = 0;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index)?;
        let name = entry.name().to_owned();
        let Some(relative) = entry.enclosed_name() else {
            return Err(UnpackError::UnsafePath(name));
        };
        if entry.is_symlink() {
            // A link could point anywhere; skills never need one.
            tracing::warn!(entry = name, "skipping symbolic link in skill archive");
            continue;
        }
        let path = destination.join(&relative);
        if entry.is_dir() {
            fs::create_dir_all(&path).map_err(io_error(&path))?;
            continue;
        }
        if entry.compressed_size() > 0
            && entry.size() / entry.compressed_size() > MAX_COMPRESSION_RATIO
        {
            return Err(UnpackError::SuspiciousRatio(name));
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error(&path))?;
        // Count what is really inflated, not what the header claims.
        let budget = MAX_TOTAL_BYTES - written;
        let copied =
            io::copy(&mut (&mut entry).take(budget + 1), &mut file).map_err(io_error(&path))?;
        written += copied;
        if written > MAX_TOTAL_BYTES {
            return Err(UnpackError::TooLarge);
        }
        if entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0) {
            set_executable(&path)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), UnpackError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(io_error(path))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<(), UnpackError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn archive(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn archive_lands_under_skills_slug_once_per_version() {
        let workspace = tempfile::tempdir().unwrap();
        let zip = archive(&[("SKILL.md", "# Skill"), ("scripts/run.sh", "echo hi")]);
        let relative = install_archive(&zip, workspace.path(), "my-skill", "abc").unwrap();
        assert_eq!(relative, "skills/my-skill");
        let script = workspace.path().join("skills/my-skill/scripts/run.sh");
        assert_eq!(fs::read_to_string(&script).unwrap(), "echo hi");
        // Same version again: nothing is rewritten (a local edit survives).
        fs::write(&script, "edited").unwrap();
        install_archive(&zip, workspace.path(), "my-skill", "abc").unwrap();
        assert_eq!(fs::read_to_string(&script).unwrap(), "edited");
        // A new version replaces the directory.
        install_archive(&zip, workspace.path(), "my-skill", "def").unwrap();
        assert_eq!(fs::read_to_string(&script).unwrap(), "echo hi");
    }

    #[test]
    fn traversal_entries_are_refused_and_nothing_escapes() {
        let root = tempfile::tempdir().unwrap();
        let workspace = root.path().join("ws");
        fs::create_dir(&workspace).unwrap();
        let zip = archive(&[("SKILL.md", "x"), ("../../evil.txt", "pwned")]);
        let error = install_archive(&zip, &workspace, "s", "v").unwrap_err();
        assert!(matches!(error, UnpackError::UnsafePath(_)), "{error}");
        assert!(!root.path().join("evil.txt").exists());
        assert!(!workspace.join("skills/s").exists());
    }

    #[test]
    fn slugs_cannot_name_parent_directories() {
        assert_eq!(safe_component(".."), "_");
        assert_eq!(safe_component("a/b"), "a_b");
    }
}
