//! The ZIP rules a pushed skill must pass (behavior §5.10.1), checked before
//! anything is stored. The archive is never extracted here: only SKILL.md is
//! read, and only up to its limit. Sizes are the archive's own declared
//! values, which is what a later extraction would trust too.

use std::io::{Cursor, Read};

use sha2::{Digest, Sha256};
use zip::ZipArchive;

/// The limits of §5.10.1; tests shrink them to exercise each rule cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    pub max_zip_bytes: u64,
    pub max_entries: usize,
    pub max_ratio: u64,
    pub max_total_uncompressed: u64,
    pub max_skill_md_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_zip_bytes: 100 * 1024 * 1024,
            max_entries: 10_000,
            max_ratio: 100,
            max_total_uncompressed: 500 * 1024 * 1024,
            max_skill_md_bytes: 1024 * 1024,
        }
    }
}

/// What a valid skill archive yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillArchive {
    /// Lower-case hex SHA-256 of the whole ZIP: the version's identity.
    pub version_hash: String,
    pub skill_md: String,
}

/// Why an archive was refused; the text is what the caller reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("ZIP file too large: {size} bytes (max: {max} bytes)")]
    TooLarge { size: u64, max: u64 },
    #[error("invalid ZIP file: {0}")]
    Invalid(String),
    #[error("ZIP file is empty")]
    Empty,
    #[error("too many files in ZIP: {count} (max: {max})")]
    TooManyFiles { count: usize, max: usize },
    #[error("invalid character in filename: {0:?}")]
    ControlCharacter(String),
    #[error("unsafe path in ZIP: {0:?}")]
    UnsafePath(String),
    #[error("suspicious compression ratio in {name}: {ratio}:1 (max: {max}:1)")]
    CompressionRatio { name: String, ratio: u64, max: u64 },
    #[error("total uncompressed size too large: {total} bytes (max: {max} bytes)")]
    TotalTooLarge { total: u64, max: u64 },
    #[error("SKILL.md not found in ZIP archive")]
    SkillMdMissing,
    #[error("SKILL.md too large (max: {max} bytes)")]
    SkillMdTooLarge { max: u64 },
    #[error("SKILL.md is empty")]
    SkillMdEmpty,
}

/// The name SKILL.md must have, at the archive's root.
pub const SKILL_MD: &str = "SKILL.md";

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Checks every rule, in upstream's order, and returns the hash and the
/// SKILL.md text.
pub fn inspect(bytes: &[u8], limits: &ZipLimits) -> Result<SkillArchive, ArchiveError> {
    let size = bytes.len() as u64;
    if size > limits.max_zip_bytes {
        return Err(ArchiveError::TooLarge {
            size,
            max: limits.max_zip_bytes,
        });
    }
    let version_hash = sha256_hex(bytes);
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| ArchiveError::Invalid(e.to_string()))?;
    check_entries(&mut archive, limits)?;
    let skill_md = read_skill_md(&mut archive, limits)?;
    Ok(SkillArchive {
        version_hash,
        skill_md,
    })
}

fn check_entries(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    limits: &ZipLimits,
) -> Result<(), ArchiveError> {
    let count = archive.len();
    if count == 0 {
        return Err(ArchiveError::Empty);
    }
    if count > limits.max_entries {
        return Err(ArchiveError::TooManyFiles {
            count,
            max: limits.max_entries,
        });
    }
    let mut total: u64 = 0;
    for index in 0..count {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        let name = entry.name().to_owned();
        if name.chars().any(|c| (c as u32) < 32 || c as u32 == 127) {
            return Err(ArchiveError::ControlCharacter(name));
        }
        // Whoever extracts the skill later must not be led outside its
        // directory or to follow a link.
        if entry.enclosed_name().is_none() || entry.is_symlink() || name.contains('\\') {
            return Err(ArchiveError::UnsafePath(name));
        }
        let (compressed, uncompressed) = (entry.compressed_size(), entry.size());
        // Entries with a compressed size of 0 have no ratio to check.
        if let Some(ratio) = uncompressed.checked_div(compressed)
            && ratio > limits.max_ratio
        {
            return Err(ArchiveError::CompressionRatio {
                name,
                ratio,
                max: limits.max_ratio,
            });
        }
        total = total.saturating_add(uncompressed);
        if total > limits.max_total_uncompressed {
            return Err(ArchiveError::TotalTooLarge {
                total,
                max: limits.max_total_uncompressed,
            });
        }
    }
    Ok(())
}

fn read_skill_md(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    limits: &ZipLimits,
) -> Result<String, ArchiveError> {
    let entry = match archive.by_name(SKILL_MD) {
        Ok(entry) if entry.is_file() => entry,
        Ok(_) | Err(zip::result::ZipError::FileNotFound) => {
            return Err(ArchiveError::SkillMdMissing);
        }
        Err(e) => return Err(ArchiveError::Invalid(e.to_string())),
    };
    let mut content = Vec::new();
    entry
        .take(limits.max_skill_md_bytes + 1)
        .read_to_end(&mut content)
        .map_err(|e| ArchiveError::Invalid(format!("cannot read {SKILL_MD}: {e}")))?;
    if content.len() as u64 > limits.max_skill_md_bytes {
        return Err(ArchiveError::SkillMdTooLarge {
            max: limits.max_skill_md_bytes,
        });
    }
    if content.is_empty() {
        return Err(ArchiveError::SkillMdEmpty);
    }
    // Upstream hands the bytes on as text without checking UTF-8; a proto
    // string must be UTF-8, so invalid sequences become U+FFFD.
    Ok(String::from_utf8(content)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_of(entries, CompressionMethod::Stored)
    }

    fn inspect_default(bytes: &[u8]) -> Result<SkillArchive, ArchiveError> {
        inspect(bytes, &ZipLimits::default())
    }

    #[test]
    fn valid_archive_yields_hash_of_whole_zip_and_exact_skill_md() {
        let bytes = zip_of(
            &[
                ("SKILL.md", b"# Calc\nAdds numbers.\n"),
                ("scripts/add.py", b"print(1+1)"),
            ],
            CompressionMethod::Deflated,
        );
        let archive = inspect_default(&bytes).unwrap();
        assert_eq!(archive.skill_md, "# Calc\nAdds numbers.\n");
        assert_eq!(archive.version_hash, sha256_hex(&bytes));
        assert_eq!(archive.version_hash.len(), 64);
        assert!(
            archive
                .version_hash
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }

    #[test]
    fn known_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn oversized_zip_is_refused_before_parsing() {
        let limits = ZipLimits {
            max_zip_bytes: 10,
            ..ZipLimits::default()
        };
        let err = inspect(&[0u8; 11], &limits).unwrap_err();
        assert!(err.to_string().starts_with("ZIP file too large"), "{err}");
    }

    #[test]
    fn garbage_is_an_invalid_zip() {
        let err = inspect_default(b"definitely not a zip").unwrap_err();
        assert!(err.to_string().starts_with("invalid ZIP file"), "{err}");
    }

    #[test]
    fn empty_zip_is_refused() {
        assert_eq!(inspect_default(&stored(&[])), Err(ArchiveError::Empty));
    }

    #[test]
    fn too_many_files() {
        let limits = ZipLimits {
            max_entries: 2,
            ..ZipLimits::default()
        };
        let bytes = stored(&[("SKILL.md", b"x"), ("a", b"a"), ("b", b"b")]);
        let err = inspect(&bytes, &limits).unwrap_err();
        assert!(
            err.to_string().starts_with("too many files in ZIP"),
            "{err}"
        );
    }

    #[test]
    fn control_character_in_a_name() {
        let bytes = stored(&[("SKILL.md", b"x"), ("bad\u{7}name", b"a")]);
        let err = inspect_default(&bytes).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid character in filename"),
            "{err}"
        );
    }

    #[test]
    fn traversal_and_absolute_names_are_unsafe() {
        for name in ["../evil.sh", "/etc/passwd", "a/../../b", "dir\\..\\x"] {
            let bytes = stored(&[("SKILL.md", b"x"), (name, b"a")]);
            assert_eq!(
                inspect_default(&bytes),
                Err(ArchiveError::UnsafePath(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn compression_bomb_ratio() {
        let bytes = zip_of(
            &[("SKILL.md", b"x"), ("zeros", &vec![0u8; 1 << 20])],
            CompressionMethod::Deflated,
        );
        let err = inspect_default(&bytes).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("suspicious compression ratio in zeros"),
            "{err}"
        );
    }

    #[test]
    fn total_uncompressed_size() {
        let limits = ZipLimits {
            max_total_uncompressed: 10,
            ..ZipLimits::default()
        };
        let bytes = stored(&[("SKILL.md", b"123456"), ("b", b"123456")]);
        let err = inspect(&bytes, &limits).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("total uncompressed size too large"),
            "{err}"
        );
    }

    #[test]
    fn skill_md_must_be_at_the_root() {
        let bytes = stored(&[("docs/SKILL.md", b"# nested"), ("skill.md", b"# case")]);
        assert_eq!(inspect_default(&bytes), Err(ArchiveError::SkillMdMissing));
    }

    #[test]
    fn skill_md_too_large_and_exactly_at_the_limit() {
        let limits = ZipLimits {
            max_skill_md_bytes: 8,
            ..ZipLimits::default()
        };
        let over = stored(&[("SKILL.md", b"123456789")]);
        assert_eq!(
            inspect(&over, &limits),
            Err(ArchiveError::SkillMdTooLarge { max: 8 })
        );
        let exact = stored(&[("SKILL.md", b"12345678")]);
        assert_eq!(inspect(&exact, &limits).unwrap().skill_md, "12345678");
    }

    #[test]
    fn empty_skill_md() {
        let bytes = stored(&[("SKILL.md", b"")]);
        assert_eq!(inspect_default(&bytes), Err(ArchiveError::SkillMdEmpty));
    }
}
