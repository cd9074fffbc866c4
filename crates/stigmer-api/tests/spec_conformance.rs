//! The wire spec (`api.md`) against the embedded descriptors, element by
//! element: packages, files, messages (numbers, types, labels, rules),
//! enums (numbers and option payloads), services, custom option
//! declarations, authorization options, every CEL rule and regex verbatim
//! and every method path. A mismatch means the proto is wrong, except the
//! fixes listed in `common::rules::DELIBERATE_FIXES`. Each test lists all
//! of its mismatches in one failure.
//!
//! The spec is read from `$STIGMER_SPEC_DIR/api.md`, by default
//! `<workspace>/../shared/spec/api.md`; a missing spec fails the tests.

// Tests fail loudly on broken assumptions; that is what unwrap is for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use common::descriptors::{
    NONE, field_label, field_type, flag, is_extension, kind_name, option, option_payload_field,
    own_files, render, service_kind, streaming,
};
use common::layout::{chapter, declared, packages, resolve};
use common::markdown::{Section, Table, backticked, plain, sections};
use common::rules::{descriptor_rule_entries, field_rules, spec_rule_entries, spec_rules};
use common::{Mismatches, read_spec};
use prost_protovalidate::types::OneofRules;
use prost_reflect::{
    ExtensionDescriptor, FileDescriptor, MessageDescriptor, MethodDescriptor, Syntax,
};
use regex::Regex;
use stigmer_api::DESCRIPTOR_POOL;
use stigmer_api::commons::apiresource::apiresourcekind::ApiResourceKind;
use stigmer_api::iam::iampolicy::v1::rpcauthorization::{
    ApiResourceIamPermission, RpcAuthorizationConfig,
};

// ---------------------------------------------------------------- packages

#[test]
fn every_package_has_a_section_and_every_section_a_package() {
    let text = read_spec();
    let sections = sections(&text);
    let spec: BTreeSet<String> = packages(&sections)
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let ours: BTreeSet<String> = own_files()
        .map(|file| file.package_name().to_owned())
        .collect();
    let mut mismatches = Mismatches::new("packages");
    mismatches.compare_sets("packages", &spec, &ours);
    mismatches.assert_none();
    assert_eq!(spec.len(), 18, "packages in the spec (parser sanity)");
}

#[test]
fn files_declare_and_import_what_the_spec_lists() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("Files tables");
    let mut listed = BTreeSet::new();
    for (_, subsections) in packages(&sections) {
        for section in subsections.iter().filter(|s| s.title == "Files") {
            let table = section.table();
            for row in &table.rows {
                let path = plain(table.cell(row, "file"));
                let name = path.strip_prefix("apis/").unwrap_or(&path).to_owned();
                listed.insert(name.clone());
                // A missing file is reported by the set comparison below.
                if let Some(file) = DESCRIPTOR_POOL.get_file_by_name(&name) {
                    check_file(&file, &table, row, &mut mismatches);
                }
            }
        }
    }
    let ours = own_files().map(|file| file.name().to_owned()).collect();
    mismatches.compare_sets("files", &listed, &ours);
    mismatches.assert_none();
}

fn check_file(file: &FileDescriptor, table: &Table, row: &[String], mismatches: &mut Mismatches) {
    let name = file.name();
    // §3: every file is proto3.
    mismatches.compare(name, "syntax", Syntax::Proto3, file.syntax());
    let (imports, file_options) = table
        .cell(row, "imports")
        .split_once("; file option")
        .unwrap_or((table.cell(row, "imports"), ""));
    let spec_imports = backticked(imports).into_iter().map(str::to_owned).collect();
    let our_imports = file.dependencies().map(|d| d.name().to_owned()).collect();
    mismatches.compare_sets(&format!("{name} imports"), &spec_imports, &our_imports);

    let spec_options: BTreeMap<String, String> = backticked(file_options)
        .into_iter()
        .filter_map(|option| option.split_once(" = "))
        .map(|(key, value)| (key.to_owned(), value.trim_matches('"').to_owned()))
        .collect();
    let options = file.options();
    let our_options: BTreeMap<String, String> = options
        .fields()
        .map(|(field, value)| (field.name().to_owned(), render(value, &field)))
        .collect();
    mismatches.compare(name, "file options", spec_options, our_options);

    let spec_declares = table
        .cell(row, "declares")
        .split(", ")
        .map(|item| {
            let item = plain(item);
            let is_kinded = ["enum ", "service ", "extend "]
                .iter()
                .any(|kind| item.starts_with(kind));
            if is_kinded {
                item
            } else {
                format!("message {item}")
            }
        })
        .collect();
    let our_declares = file
        .messages()
        .map(|m| format!("message {}", m.name()))
        .chain(file.enums().map(|e| format!("enum {}", e.name())))
        .chain(file.services().map(|s| format!("service {}", s.name())))
        .chain(
            file.extensions()
                .map(|e| format!("extend {}", e.containing_message().full_name())),
        )
        .collect();
    mismatches.compare_sets(&format!("{name} declares"), &spec_declares, &our_declares);
}

// ---------------------------------------------------------------- messages

#[test]
fn messages_match_field_by_field() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("message tables");
    let (mut messages, mut fields) = (0, 0);
    for (package, subsections) in packages(&sections) {
        let mut listed = BTreeSet::new();
        for section in subsections {
            let Some(name) = declared(section, "message") else {
                continue;
            };
            let full_name = format!("{package}.{name}");
            listed.insert(full_name.clone());
            messages += 1;
            fields += table_rows(section);
            if let Some(message) = DESCRIPTOR_POOL.get_message_by_name(&full_name) {
                check_message(package, &message, section, &mut mismatches);
            }
        }
        let ours = DESCRIPTOR_POOL
            .all_messages()
            .filter(|m| m.package_name() == package && !m.is_map_entry())
            .map(|m| m.full_name().to_owned())
            .collect();
        mismatches.compare_sets(&format!("package {package} messages"), &listed, &ours);
    }
    mismatches.assert_none();
    assert_eq!(
        (messages, fields),
        (133, 441),
        "messages and fields in the spec (parser sanity; the spec counts 441 fields)"
    );
}

fn table_rows(section: &Section<'_>) -> usize {
    section.table().rows.len()
}

fn check_message(
    package: &str,
    message: &MessageDescriptor,
    section: &Section<'_>,
    mismatches: &mut Mismatches,
) {
    let table = section.table();
    let mut listed = BTreeSet::new();
    for row in &table.rows {
        let name = plain(table.cell(row, "field"));
        let element = format!("{}.{name}", message.full_name());
        listed.insert(name.clone());
        let Some(field) = message.get_field_by_name(&name) else {
            // Reported by the set comparison below.
            continue;
        };
        let cell = |column| table.cell(row, column);
        mismatches.compare(
            &element,
            "number",
            cell("#").to_owned(),
            field.number().to_string(),
        );
        mismatches.compare(
            &element,
            "type",
            resolve(&plain(cell("type")), package),
            field_type(&field),
        );
        mismatches.compare(&element, "label", plain(cell("label")), field_label(&field));
        // §3: no field uses proto3 `optional` (it would change presence).
        let optional = field.field_descriptor_proto().proto3_optional();
        mismatches.compare(&element, "proto3 optional", false, optional);
        mismatches.compare(
            &element,
            "rules",
            spec_rules(cell("validation")),
            field_rules(&field),
        );
    }
    let ours = message.fields().map(|f| f.name().to_owned()).collect();
    mismatches.compare_sets(
        &format!("message {} fields", message.full_name()),
        &listed,
        &ours,
    );

    let text = section.lines.join("\n");
    let options = message.options();
    let deprecated = options
        .get_field_by_name("deprecated")
        .is_some_and(|value| value.as_bool() == Some(true));
    mismatches.compare(
        message.full_name(),
        "deprecated",
        text.contains("Message options: `deprecated = true`"),
        deprecated,
    );

    let spec_required_oneofs = section
        .lines
        .iter()
        .filter(|line| {
            line.starts_with("Oneof ") && line.contains("(buf.validate.oneof).required = true")
        })
        .filter_map(|line| backticked(line).first().map(|name| (*name).to_owned()))
        .collect();
    let our_required_oneofs = message
        .oneofs()
        .filter(|oneof| {
            option::<OneofRules>(&oneof.options(), "buf.validate.oneof")
                .is_some_and(|rules| rules.required == Some(true))
        })
        .map(|oneof| oneof.name().to_owned())
        .collect();
    mismatches.compare_sets(
        &format!("message {} required oneofs", message.full_name()),
        &spec_required_oneofs,
        &our_required_oneofs,
    );
}

// ------------------------------------------------------------------- enums

#[test]
fn enums_match_value_by_value() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("enum tables");
    let mut enums = 0;
    for (package, subsections) in packages(&sections) {
        let mut listed = BTreeSet::new();
        for section in subsections {
            let Some(name) = declared(section, "enum") else {
                continue;
            };
            let full_name = format!("{package}.{name}");
            listed.insert(full_name.clone());
            enums += 1;
            let Some(enumeration) = DESCRIPTOR_POOL.get_enum_by_name(&full_name) else {
                // Reported by the set comparison below.
                continue;
            };
            let table = section.table();
            let mut values = BTreeSet::new();
            for row in &table.rows {
                let value_name = plain(table.cell(row, "value"));
                values.insert(value_name.clone());
                let element = format!("{full_name}.{value_name}");
                let Some(value) = enumeration.get_value_by_name(&value_name) else {
                    // Reported by the set comparison below.
                    continue;
                };
                mismatches.compare(
                    &element,
                    "number",
                    table.cell(row, "number").to_owned(),
                    value.number().to_string(),
                );
                let option_columns = table
                    .header
                    .iter()
                    .filter(|column| !["value", "number", "notes"].contains(&column.as_str()));
                for column in option_columns {
                    mismatches.compare(
                        &element,
                        column,
                        plain(table.cell(row, column)),
                        option_payload_field(&value, column),
                    );
                }
            }
            let ours = enumeration.values().map(|v| v.name().to_owned()).collect();
            mismatches.compare_sets(&format!("enum {full_name} values"), &values, &ours);
        }
        let ours = DESCRIPTOR_POOL
            .all_enums()
            .filter(|e| e.package_name() == package)
            .map(|e| e.full_name().to_owned())
            .collect();
        mismatches.compare_sets(&format!("package {package} enums"), &listed, &ours);
    }
    mismatches.assert_none();
    assert_eq!(enums, 22, "enums in the spec (parser sanity)");
}

// ---------------------------------------------------------------- services

#[test]
fn services_match_rpc_by_rpc() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("service tables");
    let (mut services, mut rpcs) = (0, 0);
    for (package, subsections) in packages(&sections) {
        let mut listed = BTreeSet::new();
        for section in subsections {
            let Some(name) = declared(section, "service") else {
                continue;
            };
            let full_name = format!("{package}.{name}");
            listed.insert(full_name.clone());
            services += 1;
            let Some(service) = DESCRIPTOR_POOL.get_service_by_name(&full_name) else {
                // Reported by the set comparison below.
                continue;
            };
            let spec_kind = section
                .lines
                .iter()
                .find_map(|line| line.split_once("service option `api_resource_kind` = "))
                .map(|(_, rest)| {
                    backticked(rest)
                        .first()
                        .filter(|_| rest.starts_with('`'))
                        .map_or_else(|| "(not set)".to_owned(), |kind| (*kind).to_owned())
                });
            mismatches.compare(
                &full_name,
                "api_resource_kind",
                spec_kind,
                Some(service_kind(&service)),
            );

            let table = section.table();
            let mut methods = BTreeSet::new();
            for row in &table.rows {
                rpcs += 1;
                let rpc = plain(table.cell(row, "rpc"));
                methods.insert(rpc.clone());
                let element = format!("{full_name}/{rpc}");
                let Some(method) = service.methods().find(|m| m.name() == rpc) else {
                    // Reported by the set comparison below.
                    continue;
                };
                let cell = |column| resolve(&plain(table.cell(row, column)), package);
                mismatches.compare(
                    &element,
                    "request",
                    cell("request"),
                    method.input().full_name().to_owned(),
                );
                mismatches.compare(
                    &element,
                    "response",
                    cell("response"),
                    method.output().full_name().to_owned(),
                );
                mismatches.compare(
                    &element,
                    "streaming",
                    table.cell(row, "streaming"),
                    streaming(&method),
                );
            }
            let ours = service.methods().map(|m| m.name().to_owned()).collect();
            mismatches.compare_sets(&format!("service {full_name} rpcs"), &methods, &ours);
        }
        let ours = DESCRIPTOR_POOL
            .services()
            .filter(|s| s.package_name() == package)
            .map(|s| s.full_name().to_owned())
            .collect();
        mismatches.compare_sets(&format!("package {package} services"), &listed, &ours);
    }
    mismatches.assert_none();
    assert_eq!(
        (services, rpcs),
        (23, 75),
        "services and rpcs in the spec (parser sanity)"
    );
}

// -------------------------------------------------------------- extensions

/// One row of an extension table; `listed_in` names the table in messages
/// because §3 repeats the per-package tables.
struct SpecExtension<'a> {
    listed_in: &'a str,
    name: &'a str,
    extendee: &'a str,
    number: &'a str,
    spec_type: &'a str,
}

fn check_extension(
    spec: &SpecExtension<'_>,
    mismatches: &mut Mismatches,
) -> Option<ExtensionDescriptor> {
    let element = format!("{} (as listed in {})", spec.name, spec.listed_in);
    let Some(extension) = DESCRIPTOR_POOL.get_extension_by_name(spec.name) else {
        mismatches.push(format!("extension {element}: not in the descriptors"));
        return None;
    };
    let package = spec
        .name
        .rsplit_once('.')
        .map_or("", |(package, _)| package);
    mismatches.compare(
        &element,
        "extendee",
        spec.extendee,
        extension.containing_message().full_name(),
    );
    mismatches.compare(
        &element,
        "number",
        spec.number.to_owned(),
        extension.number().to_string(),
    );
    mismatches.compare(
        &element,
        "type",
        resolve(spec.spec_type, package),
        kind_name(&extension.kind()),
    );
    Some(extension)
}

#[test]
fn custom_options_are_declared_as_the_spec_lists() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("extension tables");
    for (package, subsections) in packages(&sections) {
        let mut listed = BTreeSet::new();
        for section in subsections
            .iter()
            .filter(|s| s.title.starts_with("Extensions"))
        {
            let table = section.table();
            for row in &table.rows {
                let name = plain(table.cell(row, "extension (full name)"));
                listed.insert(name.clone());
                let spec = SpecExtension {
                    listed_in: package,
                    name: &name,
                    extendee: &plain(table.cell(row, "extends")),
                    number: table.cell(row, "number"),
                    spec_type: &plain(table.cell(row, "type")),
                };
                check_extension(&spec, &mut mismatches);
            }
        }
        let ours = DESCRIPTOR_POOL
            .all_extensions()
            .filter(|e| e.parent_file().package_name() == package)
            .map(|e| e.full_name().to_owned())
            .collect();
        mismatches.compare_sets(&format!("package {package} extensions"), &listed, &ours);
    }

    // §3 lists the same options with the file that declares each.
    let conventions = chapter(&sections, 3)
        .tables()
        .into_iter()
        .find(|table| table.header.first().is_some_and(|title| title == "option"))
        .expect("§3 has the option table");
    let mut declared_in = String::new();
    for row in &conventions.rows {
        let name = plain(conventions.cell(row, "option"));
        let spec_type = plain(conventions.cell(row, "type"));
        let spec_type = spec_type.strip_prefix("enum ").unwrap_or(&spec_type);
        let file = plain(conventions.cell(row, "declared in"));
        if file != "same" {
            declared_in = format!("ai/stigmer/{file}");
        }
        let spec = SpecExtension {
            listed_in: "§3",
            name: &name,
            extendee: &plain(conventions.cell(row, "extends")),
            number: conventions.cell(row, "number"),
            spec_type,
        };
        let extension = check_extension(&spec, &mut mismatches);
        if let Some(extension) = extension {
            let file = extension.parent_file().name().to_owned();
            mismatches.compare(&name, "declaring file", declared_in.clone(), file);
        }
    }
    mismatches.assert_none();
}

// ------------------------------------------------------ CEL rules, regexes

#[test]
fn every_cel_rule_and_regex_matches_verbatim() {
    let text = read_spec();
    let sections = sections(&text);
    let spec = spec_rule_entries(&chapter(&sections, 25).code_block());
    let mut mismatches = Mismatches::new("§25 CEL expressions and regular expressions");
    mismatches.compare_sets("rule", &spec, &descriptor_rule_entries());
    mismatches.assert_none();
    assert_eq!(spec.len(), 16, "entries in §25 (parser sanity)");
}

// ----------------------------------------------------- authorization (§24)

/// The §24 columns for one rpc, "—" where nothing is set.
fn authorization_row(method: &MethodDescriptor) -> [String; 6] {
    let options = method.options();
    let config: RpcAuthorizationConfig = option(
        &options,
        "ai.stigmer.iam.iampolicy.v1.rpcauthorization.config",
    )
    .unwrap_or_default();
    let or_none = |text: &str| {
        if text.is_empty() {
            NONE.to_owned()
        } else {
            text.to_owned()
        }
    };
    let kind = ApiResourceKind::try_from(config.resource_kind)
        .ok()
        .filter(|kind| *kind != ApiResourceKind::Unknown)
        .map_or(NONE, |kind| kind.as_str_name());
    let permission = ApiResourceIamPermission::try_from(config.permission)
        .ok()
        .filter(|permission| *permission != ApiResourceIamPermission::Unspecified)
        .map_or(NONE, |permission| permission.as_str_name());
    let skip = flag(
        &options,
        "ai.stigmer.iam.iampolicy.v1.rpcauthorization.is_skip_authorization",
    );
    [
        kind.to_owned(),
        permission.to_owned(),
        or_none(&config.field_path),
        or_none(&config.resource_id),
        if skip { "yes" } else { NONE }.to_owned(),
        or_none(&config.error_msg),
    ]
}

#[test]
fn authorization_options_match_rpc_by_rpc() {
    let text = read_spec();
    let sections = sections(&text);
    let table = chapter(&sections, 24).table();
    let mut mismatches = Mismatches::new("§24 authorization options");
    let mut listed = BTreeSet::new();
    for row in &table.rows {
        let service_name = plain(table.cell(row, "service"));
        let rpc = plain(table.cell(row, "rpc"));
        let element = format!("{service_name}/{rpc}");
        listed.insert(element.clone());
        let method = DESCRIPTOR_POOL
            .services()
            .filter(|service| service.name() == service_name)
            .flat_map(|service| service.methods().collect::<Vec<_>>())
            .find(|method| method.name() == rpc);
        let Some(method) = method else {
            // Reported by the set comparison below.
            continue;
        };
        let columns = [
            "resource_kind",
            "permission",
            "field_path",
            "resource_id",
            "skip auth",
            "error_msg",
        ];
        let spec =
            columns.map(|column| plain(table.cell(row, column)).trim_matches('"').to_owned());
        mismatches.compare(&element, "authorization", spec, authorization_row(&method));

        let options = method.options();
        let config: Option<RpcAuthorizationConfig> = option(
            &options,
            "ai.stigmer.iam.iampolicy.v1.rpcauthorization.config",
        );
        let unused_by_agentic = [
            flag(
                &options,
                "ai.stigmer.iam.iampolicy.v1.rpcauthorization.is_public",
            ),
            config.is_some_and(|config| !config.resource_kind_path.is_empty()),
        ];
        mismatches.compare(
            &element,
            "is_public / resource_kind_path set",
            [false, false],
            unused_by_agentic,
        );
    }
    let ours = DESCRIPTOR_POOL
        .services()
        .filter(|service| !is_extension(service.package_name()))
        .flat_map(|service| service.methods().collect::<Vec<_>>())
        .map(|method| format!("{}/{}", method.parent_service().name(), method.name()))
        .collect();
    mismatches.compare_sets("rpcs", &listed, &ours);
    mismatches.assert_none();
}

// ------------------------------------------------------- method paths (§26)

static PATH_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^/(\S+)/(\S+)\s+(\S+) -> (\S+)(\s+\(server-streaming\))?$").unwrap()
});

#[test]
fn every_method_path_matches_with_its_types() {
    let text = read_spec();
    let sections = sections(&text);
    let mut mismatches = Mismatches::new("§26 method paths");
    let mut listed = BTreeSet::new();
    for line in chapter(&sections, 26).code_block() {
        let Some(captures) = PATH_LINE.captures(line) else {
            mismatches.push(format!("unreadable line in §26: {line:?}"));
            continue;
        };
        let (service_name, rpc) = (&captures[1], &captures[2]);
        let path = format!("/{service_name}/{rpc}");
        listed.insert(path.clone());
        let method = DESCRIPTOR_POOL
            .get_service_by_name(service_name)
            .and_then(|service| service.methods().find(|method| method.name() == rpc));
        let Some(method) = method else {
            // Reported by the set comparison below.
            continue;
        };
        let package = method.parent_service().package_name().to_owned();
        let spec = (
            resolve(&captures[3], &package),
            resolve(&captures[4], &package),
            captures.get(5).is_some(),
        );
        let ours = (
            method.input().full_name().to_owned(),
            method.output().full_name().to_owned(),
            method.is_server_streaming(),
        );
        mismatches.compare(&path, "(request, response, server streaming)", spec, ours);
        mismatches.compare(
            &path,
            "client streaming",
            false,
            method.is_client_streaming(),
        );
    }
    let ours = DESCRIPTOR_POOL
        .services()
        .filter(|service| !is_extension(service.package_name()))
        .flat_map(|service| service.methods().collect::<Vec<_>>())
        .map(|method| format!("/{}/{}", method.parent_service().full_name(), method.name()))
        .collect();
    mismatches.compare_sets("paths", &listed, &ours);
    mismatches.assert_none();
    assert_eq!(listed.len(), 75, "paths in §26 (parser sanity)");
}
