//! Everything written to stdout: resources as tables, YAML or proto-JSON.

pub mod fields;
pub mod proto_json;
pub mod resources;
pub mod table;
pub mod transcript;

use std::io::Write;

use crate::cli::OutputFormat;

/// Prints a serialisable value as JSON or YAML (tables are the caller's).
pub fn print_data<T: serde::Serialize>(value: &T, format: OutputFormat) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json | OutputFormat::Table => {
            serde_json::to_writer_pretty(&mut out, value)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => {
            out.write_all(serde_yaml_ng::to_string(value)?.as_bytes())?;
        }
    }
    Ok(())
}
