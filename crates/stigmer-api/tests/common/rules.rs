//! protovalidate rules in the spec's words: the "validation" column of
//! message tables and the verbatim CEL/regex list of §25.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use prost_protovalidate::types::{FieldRules, MessageRules, field_rules};
use prost_reflect::FieldDescriptor;
use regex::Regex;
use stigmer_api::DESCRIPTOR_POOL;

use super::descriptors::{flag, option};
use super::markdown::backticked;

/// Where we differ from the spec on purpose: `(field, spec expression, our
/// expression)`. ARCHITECTURE.md decision 10: `environment_refs` must point
/// at environments (kind 53); upstream compares with 52
/// (`workflow_execution`), spec §27.1 item 1.
pub const DELIBERATE_FIXES: [(&str, &str, &str); 1] = [(
    "ai.stigmer.agentic.agentinstance.v1.AgentInstanceSpec.environment_refs",
    "this.kind == 52",
    "this.kind == 53",
)];

/// The rule vocabulary of the spec's "validation" column, one regex each;
/// the capture becomes part of the normalised rule.
pub static SPEC_RULE_PATTERNS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("required", r"\brequired\b()"),
        ("const", r#"\bconst `"([^"]*)"`"#),
        ("min_len", r"\bmin_len (\d+)"),
        ("max_len", r"\bmax_len (\d+)"),
        ("min_items", r"\bmin_items (\d+)"),
        ("gte", r"\bgte (-?[\d.]+)"),
        ("lte", r"\blte (-?[\d.]+)"),
        ("in", r"\bin \{([^}]*)\}"),
        ("pattern", r"\bpattern `([^`]+)`"),
        ("defined_only", r"\bdefined_only\b()"),
        ("uri", r"\bstring\.uri\b()"),
        ("is_expression", r"\bis_expression = true\b()"),
        ("items.cel", r"every item: CEL id `([^`]+)`"),
        ("cel", r"(?:^|; )CEL id `([^`]+)`"),
    ]
    .into_iter()
    .map(|(rule, pattern)| (rule, Regex::new(pattern).unwrap()))
    .collect()
});

pub fn rule(name: &str, argument: &str) -> String {
    if argument.is_empty() {
        name.to_owned()
    } else {
        format!("{name}={argument}")
    }
}

/// Numbers as the spec writes them and as descriptors hold them (`0.0`,
/// `0`) compare equal.
pub fn number(text: &str) -> String {
    text.parse::<f64>()
        .map_or_else(|_| text.to_owned(), |n| n.to_string())
}

/// The rules a "validation" cell names, normalised (`min_len=10`, ...).
pub fn spec_rules(cell: &str) -> BTreeSet<String> {
    let mut rules = BTreeSet::new();
    for (name, pattern) in SPEC_RULE_PATTERNS.iter() {
        for captures in pattern.captures_iter(cell) {
            let argument = match *name {
                "gte" | "lte" => number(&captures[1]),
                "in" => backticked(&captures[1])
                    .iter()
                    .map(|item| item.trim_matches('"'))
                    .collect::<Vec<_>>()
                    .join(","),
                _ => captures[1].to_owned(),
            };
            rules.insert(rule(name, &argument));
        }
    }
    rules
}

/// The `buf.validate.field` rules of `field`, plus the `is_expression`
/// option, in the vocabulary of [`spec_rules`]. Rules the spec vocabulary
/// does not know are rendered whole, so they show up as mismatches.
pub fn field_rules(field: &FieldDescriptor) -> BTreeSet<String> {
    let mut rules = BTreeSet::new();
    if flag(
        &field.options(),
        "ai.stigmer.commons.apiresource.is_expression",
    ) {
        rules.insert("is_expression".to_owned());
    }
    let Some(mut field_rules) = option::<FieldRules>(&field.options(), "buf.validate.field") else {
        return rules;
    };
    if field_rules.required.take() == Some(true) {
        rules.insert("required".to_owned());
    }
    for cel in field_rules.cel.drain(..) {
        rules.insert(rule("cel", cel.id()));
    }
    let leftover = match field_rules.r#type.take() {
        None => None,
        Some(field_rules::Type::String(mut string)) => {
            if let Some(value) = string.r#const.take() {
                rules.insert(rule("const", &value));
            }
            for (name, value) in [
                ("min_len", string.min_len.take()),
                ("max_len", string.max_len.take()),
            ] {
                if let Some(value) = value {
                    rules.insert(rule(name, &value.to_string()));
                }
            }
            if let Some(pattern) = string.pattern.take() {
                rules.insert(rule("pattern", &pattern));
            }
            if !string.r#in.is_empty() {
                rules.insert(rule("in", &std::mem::take(&mut string.r#in).join(",")));
            }
            if string.well_known
                == Some(prost_protovalidate::types::string_rules::WellKnown::Uri(
                    true,
                ))
            {
                string.well_known = None;
                rules.insert("uri".to_owned());
            }
            (string != Default::default()).then(|| format!("{string:?}"))
        }
        Some(field_rules::Type::Int32(mut int)) => {
            use prost_protovalidate::types::int32_rules::{GreaterThan, LessThan};
            if let Some(GreaterThan::Gte(value)) = int.greater_than {
                int.greater_than = None;
                rules.insert(rule("gte", &number(&value.to_string())));
            }
            if let Some(LessThan::Lte(value)) = int.less_than {
                int.less_than = None;
                rules.insert(rule("lte", &number(&value.to_string())));
            }
            (int != Default::default()).then(|| format!("{int:?}"))
        }
        Some(field_rules::Type::Float(mut float)) => {
            use prost_protovalidate::types::float_rules::{GreaterThan, LessThan};
            if let Some(GreaterThan::Gte(value)) = float.greater_than {
                float.greater_than = None;
                rules.insert(rule("gte", &number(&value.to_string())));
            }
            if let Some(LessThan::Lte(value)) = float.less_than {
                float.less_than = None;
                rules.insert(rule("lte", &number(&value.to_string())));
            }
            (float != Default::default()).then(|| format!("{float:?}"))
        }
        Some(field_rules::Type::Enum(mut enumeration)) => {
            if enumeration.defined_only.take() == Some(true) {
                rules.insert("defined_only".to_owned());
            }
            (enumeration != Default::default()).then(|| format!("{enumeration:?}"))
        }
        Some(field_rules::Type::Repeated(mut repeated)) => {
            if let Some(min_items) = repeated.min_items.take() {
                rules.insert(rule("min_items", &min_items.to_string()));
            }
            if let Some(mut items) = repeated.items.take() {
                for cel in items.cel.drain(..) {
                    rules.insert(rule("items.cel", cel.id()));
                }
                if *items != FieldRules::default() {
                    rules.insert(format!("items: {items:?}"));
                }
            }
            (*repeated != Default::default()).then(|| format!("{repeated:?}"))
        }
        Some(other) => Some(format!("{other:?}")),
    };
    rules.extend(leftover);
    if field_rules != FieldRules::default() {
        rules.insert(format!("{field_rules:?}"));
    }
    rules
}

/// One CEL rule or regex rendered like an entry of spec §25.
pub fn rule_entry(field: &FieldDescriptor, kind: &str, detail: &str) -> String {
    format!(
        "{} (#{}) [{kind}] {detail}",
        field.full_name(),
        field.number()
    )
}

pub fn cel_detail(id: &str, expression: &str, message: &str) -> String {
    format!("id={id:?} expression={expression:?} message={message:?}")
}

/// Every CEL rule and regex of our own messages, as §25 entries.
pub fn descriptor_rule_entries() -> BTreeSet<String> {
    let mut entries = BTreeSet::new();
    let own = DESCRIPTOR_POOL.all_messages().filter(|m| {
        m.parent_file().name().starts_with("ai/stigmer/")
            && !super::descriptors::is_extension(m.package_name())
    });
    for message in own {
        if let Some(rules) = option::<MessageRules>(&message.options(), "buf.validate.message") {
            entries.insert(format!("{} [message rules] {rules:?}", message.full_name()));
        }
        for field in message.fields() {
            let Some(rules) = option::<FieldRules>(&field.options(), "buf.validate.field") else {
                continue;
            };
            let mut add = |kind: &str, rules: &FieldRules| {
                for cel in &rules.cel {
                    let detail = cel_detail(cel.id(), cel.expression(), cel.message());
                    entries.insert(rule_entry(&field, &format!("{kind}CEL"), &detail));
                }
                if let Some(field_rules::Type::String(string)) = &rules.r#type
                    && let Some(pattern) = &string.pattern
                {
                    let detail = format!("regex={pattern:?}");
                    entries.insert(rule_entry(
                        &field,
                        &format!("{kind}string.pattern"),
                        &detail,
                    ));
                }
            };
            add("field ", &rules);
            match &rules.r#type {
                Some(field_rules::Type::Repeated(repeated)) => {
                    if let Some(items) = &repeated.items {
                        add("each item ", items);
                    }
                }
                Some(field_rules::Type::Map(map)) => {
                    if let Some(keys) = &map.keys {
                        add("each key ", keys);
                    }
                    if let Some(values) = &map.values {
                        add("each value ", values);
                    }
                }
                _ => {}
            }
        }
    }
    entries
}

pub static ENTRY_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+) \(#(\d+)\)\s+\[(.+)\]$").unwrap());
pub static ENTRY_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+(id|expression|message|regex):\s+(.*)$").unwrap());

/// The §25 code block as entries, with [`DELIBERATE_FIXES`] applied.
pub fn spec_rule_entries(block: &[&str]) -> BTreeSet<String> {
    let mut entries = BTreeSet::new();
    let mut flush = |header: Option<(String, String, String)>,
                     values: &BTreeMap<String, String>| {
        let Some((path, number, kind)) = header else {
            return;
        };
        let detail = match values.get("regex") {
            Some(regex) => format!("regex={regex:?}"),
            None => {
                let mut expression = values.get("expression").cloned().unwrap_or_default();
                for (field, spec_expression, our_expression) in DELIBERATE_FIXES {
                    if path == field && expression == spec_expression {
                        expression = our_expression.to_owned();
                    }
                }
                let value = |key: &str| values.get(key).cloned().unwrap_or_default();
                cel_detail(&value("id"), &expression, &value("message"))
            }
        };
        // The spec writes `[field CEL]`, `[each item CEL]`, `[string.pattern]`.
        let kind = if kind == "string.pattern" {
            "field string.pattern".to_owned()
        } else {
            kind
        };
        entries.insert(format!("{path} (#{number}) [{kind}] {detail}"));
    };
    let mut header = None;
    let mut values = BTreeMap::new();
    for line in block {
        if let Some(captures) = ENTRY_HEADER.captures(line) {
            flush(header.take(), &values);
            values.clear();
            header = Some((
                captures[1].to_owned(),
                captures[2].to_owned(),
                captures[3].to_owned(),
            ));
        } else if let Some(captures) = ENTRY_LINE.captures(line) {
            values.insert(captures[1].to_owned(), captures[2].to_owned());
        } else if !line.trim().is_empty() {
            panic!("unreadable line in §25: {line:?}");
        }
    }
    flush(header, &values);
    entries
}
