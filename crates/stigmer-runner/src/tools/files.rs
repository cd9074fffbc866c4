//! File tools confined to the session workspace: every path is relative to
//! it, `..` is refused, and a path whose existing part resolves (through
//! symbolic links) outside the workspace is refused too.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};

use super::{Tool, ToolCallContext, ToolError, optional_str, required_str};
use crate::llm::ToolSpec;

/// Longest text a read returns; the model can page with offset/limit.
const MAX_READ_CHARS: usize = 100_000;
const MAX_LIST_ENTRIES: usize = 1_000;
const MAX_SEARCH_MATCHES: usize = 200;
const MAX_SEARCHED_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// The workspace root: created and canonicalized on first use.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    configured: PathBuf,
    root: Arc<OnceLock<PathBuf>>,
}

impl Workspace {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            configured: root.to_path_buf(),
            root: Arc::new(OnceLock::new()),
        }
    }

    fn root(&self) -> Result<&Path, ToolError> {
        if let Some(root) = self.root.get() {
            return Ok(root);
        }
        let unavailable =
            |error: std::io::Error| ToolError(format!("workspace unavailable: {error}"));
        fs::create_dir_all(&self.configured).map_err(unavailable)?;
        let canonical = self.configured.canonicalize().map_err(unavailable)?;
        Ok(self.root.get_or_init(|| canonical))
    }

    /// Maps a model-supplied path to a path inside the workspace.
    pub(crate) fn resolve(&self, requested: &str) -> Result<PathBuf, ToolError> {
        let root = self.root()?;
        let requested = requested.trim();
        let mut path = Path::new(if requested.is_empty() { "." } else { requested });
        if path.is_absolute() {
            path = path.strip_prefix(root).map_err(|_| {
                ToolError(format!(
                    "{requested}: absolute paths are not allowed; use a path relative to the workspace"
                ))
            })?;
        }
        let mut candidate = root.to_path_buf();
        for component in path.components() {
            match component {
                Component::Normal(part) => candidate.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(ToolError(format!(
                        "{requested}: '..' is not allowed; paths must stay inside the workspace"
                    )));
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(ToolError(format!(
                        "{requested}: absolute paths are not allowed"
                    )));
                }
            }
        }
        // The deepest part that exists (links included, even dangling ones)
        // must resolve inside the workspace.
        let mut existing = candidate.as_path();
        while fs::symlink_metadata(existing).is_err() {
            existing = match existing.parent() {
                Some(parent) => parent,
                None => break,
            };
        }
        let real = existing.canonicalize().map_err(|_| {
            ToolError(format!(
                "{requested}: leads through a broken symbolic link; refused"
            ))
        })?;
        if !real.starts_with(root) {
            return Err(ToolError(format!(
                "{requested}: leads outside the workspace (symbolic link); refused"
            )));
        }
        Ok(candidate)
    }

    fn display(&self, path: &Path) -> String {
        let relative = self
            .root
            .get()
            .and_then(|root| path.strip_prefix(root).ok())
            .unwrap_or(path);
        let text = relative.display().to_string();
        if text.is_empty() {
            ".".to_owned()
        } else {
            text
        }
    }
}

/// The four file tools over `workspace`.
pub(crate) fn file_tools(workspace: &Path) -> Vec<Arc<dyn Tool>> {
    let workspace = Workspace::new(workspace);
    vec![
        Arc::new(FileTool {
            kind: FileToolKind::Read,
            workspace: workspace.clone(),
        }),
        Arc::new(FileTool {
            kind: FileToolKind::Write,
            workspace: workspace.clone(),
        }),
        Arc::new(FileTool {
            kind: FileToolKind::List,
            workspace: workspace.clone(),
        }),
        Arc::new(FileTool {
            kind: FileToolKind::Search,
            workspace,
        }),
    ]
}

#[derive(Clone, Copy)]
enum FileToolKind {
    Read,
    Write,
    List,
    Search,
}

struct FileTool {
    kind: FileToolKind,
    workspace: Workspace,
}

#[async_trait::async_trait]
impl Tool for FileTool {
    fn spec(&self) -> ToolSpec {
        let (name, description, parameters) = match self.kind {
            FileToolKind::Read => (
                "read_file",
                "Read a text file of the workspace. Optional offset (first line, 1-based) and limit (number of lines).",
                json!({"type": "object", "properties": {
                    "path": {"type": "string", "description": "Path relative to the workspace"},
                    "offset": {"type": "integer", "minimum": 1},
                    "limit": {"type": "integer", "minimum": 1}
                }, "required": ["path"]}),
            ),
            FileToolKind::Write => (
                "write_file",
                "Create or overwrite a file of the workspace with the given content; parent directories are created.",
                json!({"type": "object", "properties": {
                    "path": {"type": "string", "description": "Path relative to the workspace"},
                    "content": {"type": "string"}
                }, "required": ["path", "content"]}),
            ),
            FileToolKind::List => (
                "list_files",
                "List the files and directories under a workspace directory (default: the workspace root).",
                json!({"type": "object", "properties": {
                    "path": {"type": "string", "description": "Directory relative to the workspace"},
                    "recursive": {"type": "boolean"}
                }}),
            ),
            FileToolKind::Search => (
                "search_files",
                "Find lines containing a text in the workspace files (case-sensitive).",
                json!({"type": "object", "properties": {
                    "pattern": {"type": "string", "description": "Text to look for"},
                    "path": {"type": "string", "description": "Directory or file to search, relative to the workspace"}
                }, "required": ["pattern"]}),
            ),
        };
        ToolSpec {
            name: name.to_owned(),
            description: description.to_owned(),
            parameters,
        }
    }

    fn component_type(&self) -> &'static str {
        "file"
    }

    async fn call(
        &self,
        arguments: &Map<String, Value>,
        _context: &ToolCallContext<'_>,
    ) -> Result<String, ToolError> {
        let kind = self.kind;
        let workspace = self.workspace.clone();
        let arguments = arguments.clone();
        tokio::task::spawn_blocking(move || match kind {
            FileToolKind::Read => read_file(&workspace, &arguments),
            FileToolKind::Write => write_file(&workspace, &arguments),
            FileToolKind::List => list_files(&workspace, &arguments),
            FileToolKind::Search => search_files(&workspace, &arguments),
        })
        .await
        .map_err(|error| ToolError(format!("file tool crashed: {error}")))?
    }
}

fn io_error(workspace: &Workspace, path: &Path) -> impl FnOnce(std::io::Error) -> ToolError {
    let shown = workspace.display(path);
    move |error| ToolError(format!("{shown}: {error}"))
}

fn positive(arguments: &Map<String, Value>, name: &str) -> Option<usize> {
    arguments
        .get(name)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
}

fn read_file(workspace: &Workspace, arguments: &Map<String, Value>) -> Result<String, ToolError> {
    let path = workspace.resolve(required_str(arguments, "path")?)?;
    let bytes = fs::read(&path).map_err(io_error(workspace, &path))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = match (positive(arguments, "offset"), positive(arguments, "limit")) {
        (None, None) => text.into_owned(),
        (offset, limit) => text
            .lines()
            .skip(offset.unwrap_or(1) - 1)
            .take(limit.unwrap_or(usize::MAX))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if text.len() > MAX_READ_CHARS {
        let mut end = MAX_READ_CHARS;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return Ok(format!(
            "{}\n[… truncated: the file has {} bytes; read further with offset/limit]",
            &text[..end],
            text.len()
        ));
    }
    Ok(text)
}

fn write_file(workspace: &Workspace, arguments: &Map<String, Value>) -> Result<String, ToolError> {
    let requested = required_str(arguments, "path")?;
    let content = required_str(arguments, "content")?;
    let path = workspace.resolve(requested)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error(workspace, parent))?;
        // The directories just created are ours, but re-check in case a
        // component was swapped for a link meanwhile.
        workspace.resolve(requested)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never write through a link at the last component.
        options.custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits());
    }
    let mut file = options.open(&path).map_err(io_error(workspace, &path))?;
    file.write_all(content.as_bytes())
        .map_err(io_error(workspace, &path))?;
    Ok(format!(
        "wrote {} bytes to {}",
        content.len(),
        workspace.display(&path)
    ))
}

fn list_files(workspace: &Workspace, arguments: &Map<String, Value>) -> Result<String, ToolError> {
    let root = workspace.resolve(optional_str(arguments, "path").unwrap_or("."))?;
    let recursive = arguments
        .get("recursive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut entries = Vec::new();
    let mut pending = vec![root.clone()];
    let mut truncated = false;
    while let Some(directory) = pending.pop() {
        let mut children: Vec<_> = fs::read_dir(&directory)
            .map_err(io_error(workspace, &directory))?
            .filter_map(Result::ok)
            .collect();
        children.sort_by_key(fs::DirEntry::file_name);
        for child in children {
            if entries.len() >= MAX_LIST_ENTRIES {
                truncated = true;
                break;
            }
            let path = child.path();
            let shown = workspace.display(&path);
            match child.file_type() {
                Ok(kind) if kind.is_symlink() => entries.push(format!("{shown} (link)")),
                Ok(kind) if kind.is_dir() => {
                    entries.push(format!("{shown}/"));
                    if recursive {
                        pending.push(path);
                    }
                }
                _ => entries.push(shown),
            }
        }
    }
    if entries.is_empty() {
        return Ok(format!("{} is empty", workspace.display(&root)));
    }
    entries.sort();
    let mut text = entries.join("\n");
    if truncated {
        text.push_str(&format!("\n[… only the first {MAX_LIST_ENTRIES} entries]"));
    }
    Ok(text)
}

fn search_files(
    workspace: &Workspace,
    arguments: &Map<String, Value>,
) -> Result<String, ToolError> {
    let pattern = required_str(arguments, "pattern")?;
    if pattern.is_empty() {
        return Err(ToolError::new("pattern must not be empty"));
    }
    let start = workspace.resolve(optional_str(arguments, "path").unwrap_or("."))?;
    let mut matches = Vec::new();
    let mut pending = vec![start];
    while let Some(path) = pending.pop() {
        let Ok(metadata) = fs::symlink_metadata(&path) else {
            continue;
        };
        if metadata.is_dir() {
            if let Ok(children) = fs::read_dir(&path) {
                let mut children: Vec<_> =
                    children.filter_map(Result::ok).map(|c| c.path()).collect();
                children.sort();
                children.reverse();
                pending.extend(children);
            }
            continue;
        }
        if !metadata.is_file() || metadata.len() > MAX_SEARCHED_FILE_BYTES {
            continue;
        }
        let Ok(file) = fs::File::open(&path) else {
            continue;
        };
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let Ok(line) = line else {
                break; // not text
            };
            if line.contains(pattern) {
                matches.push(format!(
                    "{}:{}: {}",
                    workspace.display(&path),
                    number + 1,
                    line.trim()
                ));
                if matches.len() >= MAX_SEARCH_MATCHES {
                    matches.push(format!("[… stopped after {MAX_SEARCH_MATCHES} matches]"));
                    return Ok(matches.join("\n"));
                }
            }
        }
    }
    if matches.is_empty() {
        Ok(format!("no line contains {pattern:?}"))
    } else {
        Ok(matches.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn write_read_list_and_search_stay_in_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::new(dir.path());
        write_file(
            &workspace,
            &args(&[
                ("path", json!("notes/todo.md")),
                ("content", json!("alpha\nbeta\n")),
            ]),
        )
        .unwrap();
        assert_eq!(
            read_file(&workspace, &args(&[("path", json!("notes/todo.md"))])).unwrap(),
            "alpha\nbeta\n"
        );
        assert_eq!(
            read_file(
                &workspace,
                &args(&[("path", json!("notes/todo.md")), ("offset", json!(2))])
            )
            .unwrap(),
            "beta"
        );
        let listing = list_files(&workspace, &args(&[("recursive", json!(true))])).unwrap();
        assert_eq!(listing, "notes/\nnotes/todo.md");
        let found = search_files(&workspace, &args(&[("pattern", json!("bet"))])).unwrap();
        assert_eq!(found, "notes/todo.md:2: beta");
    }

    #[test]
    fn traversal_and_absolute_paths_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let inner = outer.path().join("ws");
        fs::create_dir(&inner).unwrap();
        fs::write(outer.path().join("secret.txt"), "top secret").unwrap();
        let workspace = Workspace::new(&inner);
        for path in ["../secret.txt", "a/../../secret.txt", "/etc/passwd"] {
            let error = read_file(&workspace, &args(&[("path", json!(path))])).unwrap_err();
            assert!(error.0.contains("not allowed"), "{path}: {}", error.0);
        }
        let error = write_file(
            &workspace,
            &args(&[("path", json!("../escaped.txt")), ("content", json!("x"))]),
        )
        .unwrap_err();
        assert!(error.0.contains("not allowed"));
        assert!(!outer.path().join("escaped.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_out_of_the_workspace_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let inner = outer.path().join("ws");
        fs::create_dir(&inner).unwrap();
        let secrets = outer.path().join("secrets");
        fs::create_dir(&secrets).unwrap();
        fs::write(secrets.join("key"), "k").unwrap();
        std::os::unix::fs::symlink(&secrets, inner.join("link")).unwrap();
        std::os::unix::fs::symlink(outer.path().join("nowhere"), inner.join("dangling")).unwrap();
        let workspace = Workspace::new(&inner);

        let read = read_file(&workspace, &args(&[("path", json!("link/key"))])).unwrap_err();
        assert!(read.0.contains("outside the workspace"), "{}", read.0);
        let write = write_file(
            &workspace,
            &args(&[("path", json!("link/new")), ("content", json!("x"))]),
        )
        .unwrap_err();
        assert!(write.0.contains("outside the workspace"), "{}", write.0);
        assert!(!secrets.join("new").exists());
        let dangling = write_file(
            &workspace,
            &args(&[("path", json!("dangling")), ("content", json!("x"))]),
        )
        .unwrap_err();
        assert!(dangling.0.contains("refused"), "{}", dangling.0);
        assert!(!outer.path().join("nowhere").exists());
        let search = search_files(
            &workspace,
            &args(&[("pattern", json!("k")), ("path", json!("link"))]),
        )
        .unwrap_err();
        assert!(search.0.contains("outside"));
    }
}
