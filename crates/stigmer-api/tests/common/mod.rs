//! Shared by the spec conformance tests: where the wire spec lives, how it
//! is read, how descriptors are rendered in its words, and how mismatches
//! are collected.

pub mod descriptors;
pub mod layout;
pub mod markdown;
pub mod rules;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::PathBuf;

/// `$STIGMER_SPEC_DIR/api.md`, else `<workspace>/../shared/spec/api.md`.
pub fn spec_path() -> PathBuf {
    match std::env::var_os("STIGMER_SPEC_DIR") {
        Some(dir) => PathBuf::from(dir).join("api.md"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/api.md"),
    }
}

/// The spec text; a missing spec fails the test (a conformance check that
/// silently skips proves nothing).
pub fn read_spec() -> String {
    let path = spec_path();
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read the wire spec at {} ({error}); set STIGMER_SPEC_DIR to the \
             directory that holds api.md, e.g. STIGMER_SPEC_DIR=/path/to/shared/spec",
            path.display()
        )
    })
}

/// Collects every difference of one area, then fails once, listing all.
pub struct Mismatches {
    area: &'static str,
    found: Vec<String>,
}

impl Mismatches {
    pub fn new(area: &'static str) -> Self {
        Self {
            area,
            found: Vec::new(),
        }
    }

    pub fn push(&mut self, mismatch: String) {
        self.found.push(mismatch);
    }

    pub fn compare<T: PartialEq + Debug>(&mut self, element: &str, aspect: &str, spec: T, ours: T) {
        if spec != ours {
            self.push(format!(
                "{element}: {aspect} is {spec:?} in the spec but {ours:?} in the descriptors"
            ));
        }
    }

    pub fn compare_sets(
        &mut self,
        element: &str,
        spec: &BTreeSet<String>,
        ours: &BTreeSet<String>,
    ) {
        for only_spec in spec.difference(ours) {
            self.push(format!(
                "{element}: {only_spec} is in the spec, not in the descriptors"
            ));
        }
        for only_ours in ours.difference(spec) {
            self.push(format!(
                "{element}: {only_ours} is in the descriptors, not in the spec"
            ));
        }
    }

    pub fn assert_none(self) {
        assert!(
            self.found.is_empty(),
            "{} mismatch(es) between api.md ({}) and the embedded descriptors:\n  {}",
            self.found.len(),
            self.area,
            self.found.join("\n  ")
        );
    }
}
