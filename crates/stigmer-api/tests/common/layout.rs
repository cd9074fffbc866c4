//! The structure of api.md: package chapters, element headings and how
//! the spec names types.

use super::markdown::{Section, backticked};

/// The `## N. Package `name`` sections with the subsections under each.
pub fn packages<'s, 'a>(sections: &'s [Section<'a>]) -> Vec<(&'a str, Vec<&'s Section<'a>>)> {
    let mut packages: Vec<(&'a str, Vec<&'s Section<'a>>)> = Vec::new();
    let mut in_package = false;
    for section in sections {
        if section.level == 2 {
            let name = section
                .title
                .split_once(". Package ")
                .and_then(|(_, rest)| backticked(rest).first().copied());
            in_package = name.is_some();
            if let Some(name) = name {
                packages.push((name, Vec::new()));
            }
        } else if in_package && let Some((_, subsections)) = packages.last_mut() {
            subsections.push(section);
        }
    }
    packages
}

/// The name in a `#### message `Name`` heading, when it declares `what`.
pub fn declared<'a>(section: &Section<'a>, what: &str) -> Option<&'a str> {
    let rest = section.title.strip_prefix(what)?.strip_prefix(' ')?;
    backticked(rest).first().copied()
}

/// The numbered top-level chapter (`## 25. …`).
pub fn chapter<'s, 'a>(sections: &'s [Section<'a>], number: u32) -> &'s Section<'a> {
    let prefix = format!("{number}. ");
    sections
        .iter()
        .find(|section| section.level == 2 && section.title.starts_with(&prefix))
        .unwrap_or_else(|| panic!("api.md has a chapter {number}"))
}

pub const SCALARS: [&str; 15] = [
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
];

/// A spec type as a full name: short names live in `package`.
pub fn resolve(spec_type: &str, package: &str) -> String {
    let spec_type = spec_type.trim();
    if let Some(inner) = spec_type
        .strip_prefix("map<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        let (key, value) = inner.split_once(',').unwrap_or((inner, ""));
        return format!(
            "map<{}, {}>",
            resolve(key, package),
            resolve(value, package)
        );
    }
    if SCALARS.contains(&spec_type) || spec_type.contains('.') {
        spec_type.to_owned()
    } else {
        format!("{package}.{spec_type}")
    }
}
