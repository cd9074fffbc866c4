//! Apply order: every document after what it depends on, kinds in their
//! declared order (environments and skills first, executions last), and
//! otherwise the order of the files.

use std::collections::{BTreeSet, HashMap};

use super::Document;

/// Indexes of `documents` in apply order, or the documents that depend on
/// each other in a cycle.
pub fn apply_order(documents: &[Document]) -> Result<Vec<usize>, String> {
    let position: HashMap<_, _> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.key(), i))
        .collect();
    // Only dependencies inside this apply constrain the order; the others
    // must already exist on the server.
    let mut waiting_on: Vec<usize> = vec![0; documents.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); documents.len()];
    for (i, doc) in documents.iter().enumerate() {
        for dep in &doc.depends_on {
            if let Some(&j) = position.get(dep)
                && j != i
            {
                waiting_on[i] += 1;
                dependents[j].push(i);
            }
        }
    }
    let rank = |i: usize| (documents[i].kind, i);
    let mut ready: BTreeSet<_> = (0..documents.len())
        .filter(|&i| waiting_on[i] == 0)
        .map(rank)
        .collect();
    let mut order = Vec::with_capacity(documents.len());
    while let Some((_, i)) = ready.pop_first() {
        order.push(i);
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.insert(rank(d));
            }
        }
    }
    if order.len() < documents.len() {
        let stuck: Vec<String> = (0..documents.len())
            .filter(|&i| waiting_on[i] > 0)
            .map(|i| format!("{} ({})", documents[i].location(), documents[i].name()))
            .collect();
        return Err(format!(
            "these documents depend on each other in a cycle: {}",
            stuck.join("; ")
        ));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::kind::ResourceKind;
    use crate::manifest::decode;

    fn doc(index: usize, yaml: &str) -> Document {
        let value = serde_yaml_ng::from_str(yaml).unwrap();
        decode::from_json(Path::new("m.yaml"), index, value, "local").unwrap()
    }

    fn kinds(docs: &[Document], order: &[usize]) -> Vec<(ResourceKind, String)> {
        order.iter().map(|&i| docs[i].key()).collect()
    }

    #[test]
    fn parents_come_first_whatever_the_file_order() {
        let docs = vec![
            doc(
                1,
                "kind: WorkflowInstance\nmetadata: {name: wi}\nspec: {workflowId: wf}\n",
            ),
            doc(
                2,
                "kind: AgentInstance\nmetadata: {name: prod}\nspec: {agentId: bot}\n",
            ),
            doc(
                3,
                "kind: Agent\nmetadata: {name: bot}\nspec: {instructions: Answer questions politely., skillRefs: [{kind: skill, slug: search}]}\n",
            ),
            doc(4, "kind: Environment\nmetadata: {name: env}\n"),
            doc(
                5,
                "kind: Workflow\nmetadata: {name: wf}\nspec: {document: {dsl: 1.0.0, namespace: n, name: wf, version: 1.0.0}, tasks: [{name: t, kind: WORKFLOW_TASK_KIND_SET, taskConfig: {variables: {a: b}}}]}\n",
            ),
        ];
        let order = apply_order(&docs).unwrap();
        let names: Vec<String> = kinds(&docs, &order).into_iter().map(|(_, s)| s).collect();
        assert_eq!(names, ["env", "bot", "prod", "wf", "wi"]);
    }

    #[test]
    fn documents_of_one_kind_keep_their_file_order() {
        let docs = vec![
            doc(1, "kind: Environment\nmetadata: {name: b}\n"),
            doc(2, "kind: Environment\nmetadata: {name: a}\n"),
        ];
        assert_eq!(apply_order(&docs).unwrap(), [0, 1]);
    }
}
