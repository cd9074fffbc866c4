//! A decoded manifest document, and a problem found in one.

use std::fmt;
use std::path::PathBuf;

use prost_reflect::DynamicMessage;
use stigmer_pipeline::slug::slugify;

use crate::kind::ResourceKind;
use crate::output::fields;

/// One resource to apply, with where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub file: PathBuf,
    /// 1-based position among the documents of its file.
    pub index: usize,
    pub kind: ResourceKind,
    pub resource: DynamicMessage,
    /// Resources (kind, slug) that must exist before this one.
    pub depends_on: Vec<(ResourceKind, String)>,
}

impl Document {
    pub fn name(&self) -> String {
        fields::display_name(&self.resource)
    }

    /// The slug the server will use: the given one, else derived from the name.
    pub fn slug(&self) -> String {
        let slug = fields::text(&self.resource, "metadata.slug");
        if slug.is_empty() {
            slugify(&fields::text(&self.resource, "metadata.name"))
        } else {
            slug
        }
    }

    pub fn key(&self) -> (ResourceKind, String) {
        (self.kind, self.slug())
    }

    pub fn location(&self) -> String {
        format!("{}, document {}", self.file.display(), self.index)
    }
}

/// Something wrong with a manifest, pinned to file, document and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub index: Option<usize>,
    /// "Agent support", when known.
    pub label: Option<String>,
    /// Dotted field path, when the problem is in one field.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn in_file(file: &std::path::Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            index: None,
            label: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn in_document(file: &std::path::Path, index: usize, message: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::in_file(file, message)
        }
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.field = (!field.is_empty()).then_some(field);
        self
    }

    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(index) = self.index {
            write!(f, ", document {index}")?;
        }
        if let Some(label) = &self.label {
            write!(f, " ({label})")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// The documents of one file, or why the file cannot be applied.
#[derive(Debug, Default)]
pub struct LoadedFile {
    pub path: PathBuf,
    pub documents: Vec<Document>,
    pub problems: Vec<Problem>,
}
