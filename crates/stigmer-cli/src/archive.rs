//! Skill archives: a zip of a folder (or of one SKILL.md) as the server's
//! `push` expects it, with SKILL.md at the root.

use std::io::{Cursor, Write as _};
use std::path::Path;

use anyhow::{Context as _, bail};
use walkdir::WalkDir;
use zip::write::SimpleFileOptions;

pub const SKILL_FILE: &str = "SKILL.md";

/// Folders and files that never belong in a skill.
const SKIPPED_DIRS: [&str; 8] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    "target",
];

fn skipped_file(name: &str) -> bool {
    name.starts_with(".env") || name.ends_with(".log") || name == ".DS_Store"
}

/// Zips `dir` (entries in name order, so equal folders give equal zips).
pub fn zip_dir(dir: &Path) -> anyhow::Result<Vec<u8>> {
    if !dir.join(SKILL_FILE).is_file() {
        bail!(
            "{} has no {SKILL_FILE}: a skill folder needs one at its root",
            dir.display()
        );
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = options();
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_dir() && e.depth() > 0 && SKIPPED_DIRS.contains(&name.as_ref()))
        });
    for entry in walker {
        let entry = entry?;
        if !entry.file_type().is_file() || skipped_file(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let relative = entry.path().strip_prefix(dir)?;
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        writer.start_file(name, options)?;
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        writer.write_all(&bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// A zip with only SKILL.md (skills applied from manifests).
pub fn zip_skill_md(content: &str) -> anyhow::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(SKILL_FILE, options())?;
    writer.write_all(content.as_bytes())?;
    Ok(writer.finish()?.into_inner())
}

fn options() -> SimpleFileOptions {
    // A fixed timestamp keeps archives of unchanged content byte-identical,
    // so the server's content hash does not change.
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn names(bytes: &[u8]) -> Vec<String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        archive.file_names().map(str::to_owned).collect::<Vec<_>>()
    }

    #[test]
    fn a_folder_zips_without_junk_and_reproducibly() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("SKILL.md"), "# Search\n").unwrap();
        std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
        std::fs::write(dir.path().join("scripts/run.sh"), "echo hi").unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref").unwrap();
        std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
        let first = zip_dir(dir.path()).unwrap();
        let mut got = names(&first);
        got.sort();
        assert_eq!(got, ["SKILL.md", "scripts/run.sh"]);
        assert_eq!(first, zip_dir(dir.path()).unwrap());
    }

    #[test]
    fn a_folder_without_skill_md_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = zip_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("SKILL.md"), "{err}");
    }

    #[test]
    fn skill_md_alone_zips() {
        let bytes = zip_skill_md("# Hi\n").unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive
            .by_name("SKILL.md")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "# Hi\n");
    }
}
