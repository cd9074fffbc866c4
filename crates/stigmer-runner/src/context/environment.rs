//! The execution's environment: agent `env_spec` defaults < instance
//! environments (in order) < execution `runtime_env`. Values reach MCP
//! servers through `${NAME}` placeholders; secret values never appear in
//! logs or `Debug` output.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use stigmer_api::agentic::environment::v1::EnvironmentSpec;
use stigmer_api::agentic::executioncontext::v1::ExecutionValue;

/// Shortest secret that gets scrubbed from status text; shorter ones would
/// mangle ordinary words.
const MIN_REDACTED_SECRET_LEN: usize = 4;

#[derive(Clone)]
struct Variable {
    value: String,
    is_secret: bool,
}

/// The merged variables of one execution.
#[derive(Clone, Default)]
pub struct ResolvedEnvironment {
    variables: BTreeMap<String, Variable>,
    /// Names declared secret anywhere (a later plain layer cannot unmark them).
    secret_names: std::collections::BTreeSet<String>,
}

/// `${NAME}` placeholders that nothing provides a value for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no value for {}", .0.iter().map(|name| format!("${{{name}}}")).collect::<Vec<_>>().join(", "))]
pub struct MissingVariables(pub Vec<String>);

impl ResolvedEnvironment {
    /// Applies an environment spec (agent defaults or an environment):
    /// non-empty values override, empty ones only declare.
    pub(crate) fn apply_spec(&mut self, spec: &EnvironmentSpec) {
        for (name, entry) in &spec.data {
            if entry.is_secret {
                self.secret_names.insert(name.clone());
            }
            if !entry.value.is_empty() {
                self.variables.insert(
                    name.clone(),
                    Variable {
                        value: entry.value.clone(),
                        is_secret: entry.is_secret,
                    },
                );
            }
        }
    }

    /// Applies the execution's `runtime_env`, which wins over everything.
    pub(crate) fn apply_runtime(&mut self, runtime: &HashMap<String, ExecutionValue>) {
        for (name, entry) in runtime {
            if entry.is_secret {
                self.secret_names.insert(name.clone());
            }
            self.variables.insert(
                name.clone(),
                Variable {
                    value: entry.value.clone(),
                    is_secret: entry.is_secret,
                },
            );
        }
    }

    /// The value of `name`, if any layer set one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(|v| v.value.as_str())
    }

    /// Whether `name` is a secret.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secret_names.contains(name) || self.variables.get(name).is_some_and(|v| v.is_secret)
    }

    /// Names of all variables with a value.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.variables.keys().map(String::as_str)
    }

    /// Replaces every `${NAME}` in `template`; fails listing all names
    /// without a value.
    pub fn expand(&self, template: &str) -> Result<String, MissingVariables> {
        let mut output = String::with_capacity(template.len());
        let mut missing = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            output.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                output.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            match self.get(name) {
                Some(value) => output.push_str(value),
                None => missing.push(name.to_owned()),
            }
            rest = &after[end + 1..];
        }
        output.push_str(rest);
        if missing.is_empty() {
            Ok(output)
        } else {
            missing.sort();
            missing.dedup();
            Err(MissingVariables(missing))
        }
    }

    /// Replaces secret values in `text` with `[redacted]`, for anything that
    /// is stored or shown (tool results, model text).
    pub fn redact(&self, text: &str) -> String {
        let mut output = text.to_owned();
        for (name, variable) in &self.variables {
            if self.is_secret(name)
                && variable.value.len() >= MIN_REDACTED_SECRET_LEN
                && output.contains(&variable.value)
            {
                output = output.replace(&variable.value, "[redacted]");
            }
        }
        output
    }
}

impl fmt::Debug for ResolvedEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, variable) in &self.variables {
            if self.is_secret(name) {
                map.entry(name, &"<secret>");
            } else {
                map.entry(name, &variable.value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use stigmer_api::agentic::environment::v1::EnvironmentValue;

    use super::*;

    fn spec(entries: &[(&str, &str, bool)]) -> EnvironmentSpec {
        EnvironmentSpec {
            description: String::new(),
            data: entries
                .iter()
                .map(|(name, value, is_secret)| {
                    (
                        (*name).to_owned(),
                        EnvironmentValue {
                            value: (*value).to_owned(),
                            is_secret: *is_secret,
                            description: String::new(),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn later_layers_win_and_declarations_do_not_erase_values() {
        let mut env = ResolvedEnvironment::default();
        env.apply_spec(&spec(&[("REGION", "eu", false), ("TOKEN", "", true)]));
        env.apply_spec(&spec(&[
            ("TOKEN", "from-env", false),
            ("REGION", "", false),
        ]));
        env.apply_runtime(&HashMap::from([(
            "REGION".to_owned(),
            ExecutionValue {
                value: "us".into(),
                is_secret: false,
            },
        )]));
        assert_eq!(env.get("REGION"), Some("us"));
        assert_eq!(env.get("TOKEN"), Some("from-env"));
        assert!(env.is_secret("TOKEN"), "declared secret by the agent");
    }

    #[test]
    fn placeholders_expand_and_missing_ones_are_all_named() {
        let mut env = ResolvedEnvironment::default();
        env.apply_spec(&spec(&[("A", "1", false)]));
        assert_eq!(env.expand("x-${A}-${ A }").unwrap(), "x-1-1");
        assert_eq!(
            env.expand("${B}${A}${C}").unwrap_err().to_string(),
            "no value for ${B}, ${C}"
        );
        assert_eq!(
            env.expand("no placeholders $A").unwrap(),
            "no placeholders $A"
        );
    }

    #[test]
    fn secrets_are_hidden_from_debug_and_redacted_from_text() {
        let mut env = ResolvedEnvironment::default();
        env.apply_spec(&spec(&[
            ("TOKEN", "s3cr3t-value", true),
            ("NAME", "bob", false),
        ]));
        let debug = format!("{env:?}");
        assert!(!debug.contains("s3cr3t-value"), "{debug}");
        assert!(debug.contains("bob"));
        assert_eq!(env.redact("token=s3cr3t-value"), "token=[redacted]");
    }
}
