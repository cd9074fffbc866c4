//! The Go SDK's synthesis output: `agent-N.pb` and `workflow-N.pb` (binary
//! resources), `skill-N.pb` (skills are pushed, not applied: skipped with a
//! warning, as upstream does) and `dependencies.json` (`"agent:slug"` →
//! `["skill:slug", …]`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{LoadedFile, Problem, decode};
use crate::kind::ResourceKind;

pub const DEPENDENCIES_FILE: &str = "dependencies.json";

pub fn is_synthesis_dir(dir: &Path) -> bool {
    dir.join(DEPENDENCIES_FILE).is_file()
}

/// The kind a synthesis file holds, from its name (`agent-0.pb`).
pub fn kind_of_file(path: &Path) -> Option<ResourceKind> {
    let stem = path.file_stem()?.to_str()?;
    let (prefix, number) = stem.rsplit_once('-')?;
    number.parse::<u32>().ok()?;
    match prefix {
        "agent" => Some(ResourceKind::Agent),
        "workflow" => Some(ResourceKind::Workflow),
        "skill" => Some(ResourceKind::Skill),
        _ => None,
    }
}

/// Loads one `.pb` file.
pub fn load_file(path: &Path, org: &str) -> LoadedFile {
    let mut loaded = LoadedFile {
        path: path.to_owned(),
        ..Default::default()
    };
    let Some(kind) = kind_of_file(path) else {
        loaded.problems.push(Problem::in_file(
            path,
            "not a synthesis file (expected agent-N.pb or workflow-N.pb)",
        ));
        return loaded;
    };
    if kind == ResourceKind::Skill {
        crate::ui::warning(format!(
            "{}: skills are not applied from SDK output; push them with `stigmer skill push`",
            path.display()
        ));
        return loaded;
    }
    match std::fs::read(path) {
        Ok(bytes) => match decode::from_bytes(path, kind, &bytes, org) {
            Ok(doc) => loaded.documents.push(doc),
            Err(problems) => loaded.problems = problems,
        },
        Err(e) => loaded
            .problems
            .push(Problem::in_file(path, format!("cannot read: {e}"))),
    }
    loaded
}

/// Loads a synthesis directory and adds the edges of `dependencies.json`.
pub fn load_dir(dir: &Path, org: &str) -> Vec<LoadedFile> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pb"))
                .collect()
        })
        .unwrap_or_default();
    // agent-2.pb before agent-10.pb
    files.sort_by_key(|p| {
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let (prefix, n) = stem.rsplit_once('-').map_or((stem.clone(), 0), |(a, b)| {
            (a.to_owned(), b.parse().unwrap_or(0))
        });
        (prefix, n)
    });
    let mut loaded: Vec<LoadedFile> = files.iter().map(|f| load_file(f, org)).collect();

    let deps_path = dir.join(DEPENDENCIES_FILE);
    let edges = match read_dependencies(&deps_path) {
        Ok(edges) => edges,
        Err(problem) => {
            loaded.push(LoadedFile {
                path: deps_path,
                documents: vec![],
                problems: vec![problem],
            });
            return loaded;
        }
    };
    for file in &mut loaded {
        for doc in &mut file.documents {
            let key = format!("{}:{}", doc.kind.info().value_name, doc.slug());
            if let Some(targets) = edges.get(&key) {
                doc.depends_on
                    .extend(targets.iter().filter_map(|t| parse_node(t)));
                doc.depends_on.sort();
                doc.depends_on.dedup();
            }
        }
    }
    loaded
}

fn read_dependencies(path: &Path) -> Result<HashMap<String, Vec<String>>, Problem> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Problem::in_file(path, format!("cannot read: {e}")))?;
    if text.trim().is_empty() {
        return Ok(HashMap::new());
    }
    serde_json::from_str(&text).map_err(|e| {
        Problem::in_file(
            path,
            format!("expected a JSON object of \"kind:slug\" → [\"kind:slug\", …]: {e}"),
        )
    })
}

/// `"skill:search"` → (Skill, "search").
fn parse_node(node: &str) -> Option<(ResourceKind, String)> {
    let (kind, slug) = node.split_once(':')?;
    Some((ResourceKind::parse(kind).ok()?, slug.to_owned()))
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use stigmer_api::agentic::agent::v1::{Agent, AgentSpec};
    use stigmer_api::commons::apiresource::ApiResourceMetadata;

    use super::*;

    fn agent(name: &str) -> Vec<u8> {
        Agent {
            metadata: Some(ApiResourceMetadata {
                name: name.into(),
                ..Default::default()
            }),
            spec: Some(AgentSpec {
                instructions: "Answer questions politely.".into(),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn sdk_output_loads_with_its_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("agent-0.pb"), agent("reviewer")).unwrap();
        std::fs::write(dir.path().join("agent-1.pb"), agent("writer")).unwrap();
        std::fs::write(
            dir.path().join(DEPENDENCIES_FILE),
            r#"{"agent:writer": ["agent:reviewer"]}"#,
        )
        .unwrap();
        assert!(is_synthesis_dir(dir.path()));
        let files = load_dir(dir.path(), "acme");
        assert_eq!(files.len(), 2);
        let writer = &files[1].documents[0];
        assert_eq!(writer.slug(), "writer");
        assert_eq!(
            writer.depends_on,
            vec![(ResourceKind::Agent, "reviewer".to_owned())]
        );
        assert_eq!(
            crate::output::fields::text(&writer.resource, "metadata.org"),
            "acme"
        );
    }

    #[test]
    fn file_names_tell_the_kind() {
        assert_eq!(
            kind_of_file(Path::new("x/agent-12.pb")),
            Some(ResourceKind::Agent)
        );
        assert_eq!(
            kind_of_file(Path::new("workflow-0.pb")),
            Some(ResourceKind::Workflow)
        );
        assert_eq!(kind_of_file(Path::new("agent.pb")), None);
    }
}
