//! Splitting a manifest file into documents: YAML (`---` separated) or JSON
//! (an object, an array of objects, or objects one after another).

use std::path::Path;

use serde::Deserialize as _;
use serde_json::Value;

use super::Problem;

/// The non-empty documents of `text`, each as a JSON value, numbered from 1.
/// A syntax error ends the file: later documents cannot be trusted.
pub fn documents(path: &Path, text: &str) -> Result<Vec<(usize, Value)>, Problem> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let values = if is_json {
        json(path, text)?
    } else {
        yaml(path, text)?
    };
    Ok(values
        .into_iter()
        .flat_map(|v| match v {
            // A list of documents, as `stigmer get -o json` writes them.
            Value::Array(items) => items,
            other => vec![other],
        })
        .filter(|v| !v.is_null())
        .enumerate()
        .map(|(i, v)| (i + 1, v))
        .collect())
}

fn yaml(path: &Path, text: &str) -> Result<Vec<Value>, Problem> {
    let mut values = Vec::new();
    for (i, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml_ng::Value::deserialize(document)
            .map_err(|e| Problem::in_document(path, i + 1, format!("invalid YAML: {e}")))?;
        let value = serde_json::to_value(&value).map_err(|e| {
            Problem::in_document(path, i + 1, format!("cannot be read as JSON data: {e}"))
        })?;
        values.push(value);
    }
    Ok(values)
}

fn json(path: &Path, text: &str) -> Result<Vec<Value>, Problem> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .enumerate()
        .map(|(i, v)| {
            v.map_err(|e| Problem::in_document(path, i + 1, format!("invalid JSON: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_documents_are_numbered_and_empty_ones_skipped() {
        let text = "---\nkind: Agent\n---\n---\nkind: Skill\n";
        let docs = documents(Path::new("a.yaml"), text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].0, 1);
        assert_eq!(docs[1].1["kind"], "Skill");
    }

    #[test]
    fn json_arrays_and_streams_are_documents() {
        let docs = documents(
            Path::new("a.json"),
            r#"[{"kind":"Agent"},{"kind":"Skill"}]"#,
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let docs = documents(Path::new("a.json"), r#"{"kind":"Agent"} {"kind":"Skill"}"#).unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn a_syntax_error_names_the_document_and_line() {
        let text = "kind: Agent\n---\nkind: [unclosed\n";
        let problem = documents(Path::new("a.yaml"), text).unwrap_err();
        assert_eq!(problem.index, Some(2));
        assert!(problem.message.contains("line"), "{}", problem.message);
    }
}
