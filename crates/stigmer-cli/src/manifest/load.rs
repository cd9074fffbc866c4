//! Reading manifests from files, directories (recursively) and stdin.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::{LoadedFile, Problem, decode, parse, synthesis};

const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Loads every manifest under `paths`, file by file.
pub fn load(paths: &[PathBuf], org: &str) -> Vec<LoadedFile> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            let stdin = Path::new("<stdin>");
            match std::io::stdin().read_to_string(&mut text) {
                Ok(_) => files.push(load_text(stdin, &text, org)),
                Err(e) => files.push(failed(stdin, format!("cannot read: {e}"))),
            }
        } else if path.is_dir() {
            files.extend(load_dir(path, org));
        } else if path.is_file() {
            files.push(load_file(path, org));
        } else {
            files.push(failed(path, "no such file or directory"));
        }
    }
    files
}

fn failed(path: &Path, message: impl Into<String>) -> LoadedFile {
    LoadedFile {
        path: path.to_owned(),
        documents: vec![],
        problems: vec![Problem::in_file(path, message)],
    }
}

fn load_dir(dir: &Path, org: &str) -> Vec<LoadedFile> {
    if synthesis::is_synthesis_dir(dir) {
        return synthesis::load_dir(dir, org);
    }
    let mut files = Vec::new();
    let mut walker = WalkDir::new(dir).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_owned();
                files.push(failed(&path, format!("cannot read: {e}")));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && synthesis::is_synthesis_dir(path) {
                files.extend(synthesis::load_dir(path, org));
                walker.skip_current_dir();
            } else if entry.depth() > 0 && is_hidden(path) {
                walker.skip_current_dir();
            }
            continue;
        }
        let is_manifest = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_manifest && !is_hidden(path) {
            files.push(load_file(path, org));
        }
    }
    if files.is_empty() {
        files.push(failed(
            dir,
            "no manifests here (*.yaml, *.yml, *.json, or SDK output with dependencies.json)",
        ));
    }
    files
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn load_file(path: &Path, org: &str) -> LoadedFile {
    if path.extension().is_some_and(|e| e == "pb") {
        return synthesis::load_file(path, org);
    }
    match std::fs::read_to_string(path) {
        Ok(text) => load_text(path, &text, org),
        Err(e) => failed(path, format!("cannot read: {e}")),
    }
}

fn load_text(path: &Path, text: &str, org: &str) -> LoadedFile {
    let mut loaded = LoadedFile {
        path: path.to_owned(),
        ..Default::default()
    };
    match parse::documents(path, text) {
        Ok(documents) => {
            if documents.is_empty() {
                loaded
                    .problems
                    .push(Problem::in_file(path, "holds no documents"));
            }
            for (index, value) in documents {
                match decode::from_json(path, index, value, org) {
                    Ok(doc) => loaded.documents.push(doc),
                    Err(problems) => loaded.problems.extend(problems),
                }
            }
        }
        Err(problem) => loaded.problems.push(problem),
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str =
        "kind: Agent\nmetadata: {name: bot}\nspec: {instructions: Answer questions politely.}\n";

    #[test]
    fn directories_are_read_recursively_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/z.yaml"), AGENT).unwrap();
        std::fs::write(dir.path().join("a.yml"), AGENT.replace("bot", "other")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a manifest").unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/x.yaml"), "garbage: [").unwrap();
        let files = load(&[dir.path().to_owned()], "local");
        let names: Vec<_> = files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a.yml", "z.yaml"]);
        assert!(files.iter().all(|f| f.problems.is_empty()));
    }

    #[test]
    fn an_empty_directory_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let files = load(&[dir.path().to_owned()], "local");
        assert!(files[0].problems[0].message.contains("no manifests"));
    }

    #[test]
    fn a_missing_path_is_a_problem() {
        let files = load(&[PathBuf::from("/nonexistent/x.yaml")], "local");
        assert!(files[0].problems[0].message.contains("no such file"));
    }
}
