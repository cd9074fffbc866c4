//! `stigmer config get|set|unset|list|path`

use anyhow::bail;
use serde::Serialize;

use crate::cli::{ConfigCommand, OutputFormat};
use crate::config::{self, SettingKind};
use crate::context::{Context, Source};
use crate::output::{print_data, table};
use crate::ui;

#[derive(Serialize)]
struct Entry {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    about: &'static str,
}

pub fn run(ctx: &Context, command: ConfigCommand) -> anyhow::Result<u8> {
    match command {
        ConfigCommand::Path => {
            println!("{}", ctx.config.path().display());
        }
        ConfigCommand::Get { key } => match ctx.effective(&key) {
            Some((value, _)) => println!("{value}"),
            None if config::setting(&key).is_some() => {}
            None => bail!("'{key}' is not set (known keys: {})", known_keys()),
        },
        ConfigCommand::Set { key, value } => {
            let mut file = ctx.config.clone();
            file.set(&key, &value)?;
            file.save()?;
            if config::setting(&key).is_none() {
                ui::note(format!(
                    "'{key}' is not a CLI setting; it is kept in the file for the server"
                ));
            }
            ui::success(format!("{key} set in {}", file.path().display()));
            if let Some(env) = config::setting(&key)
                .and_then(|s| s.env)
                .filter(|e| std::env::var_os(e).is_some())
            {
                ui::warning(format!(
                    "{env} is set in your environment and overrides the file"
                ));
            }
        }
        ConfigCommand::Unset { key } => {
            let mut file = ctx.config.clone();
            if file.unset(&key) {
                file.save()?;
                ui::success(format!("{key} removed from {}", file.path().display()));
            } else {
                ui::note(format!("{key} was not set in {}", file.path().display()));
            }
        }
        ConfigCommand::List(output) => {
            let entries: Vec<Entry> = ctx
                .all_settings()
                .into_iter()
                .map(|(key, value)| {
                    let setting = config::setting(&key);
                    let secret = setting.is_some_and(|s| s.kind == SettingKind::Secret);
                    let (value, source) = match value {
                        Some((v, s)) => (
                            Some(if secret { "********".to_owned() } else { v }),
                            Some(s),
                        ),
                        None => (None, None),
                    };
                    Entry {
                        key,
                        value,
                        source,
                        about: setting.map_or("server setting", |s| s.about),
                    }
                })
                .collect();
            match output.output {
                OutputFormat::Table => {
                    let rows = entries
                        .iter()
                        .map(|e| {
                            vec![
                                e.key.clone(),
                                e.value.clone().unwrap_or_else(|| "(unset)".to_owned()),
                                e.source.map(|s| s.to_string()).unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print!("{}", table::render(&["key", "value", "source"], rows));
                }
                format => print_data(&entries, format)?,
            }
        }
    }
    Ok(super::exit::SUCCESS)
}

fn known_keys() -> String {
    config::SETTINGS
        .iter()
        .map(|s| s.key)
        .collect::<Vec<_>>()
        .join(", ")
}
