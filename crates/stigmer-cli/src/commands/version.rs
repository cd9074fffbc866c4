//! `stigmer version`: this CLI's version, and the server's when one answers
//! (a running server is asked, never started).

use serde::Serialize;

use crate::cli::{OutputFormat, VersionArgs};
use crate::context::Context;
use crate::output::print_data;
use crate::server::health::{self, Health};

#[derive(Serialize)]
struct Versions {
    cli: &'static str,
    server_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    server_state: &'static str,
}

pub async fn run(ctx: &Context, args: VersionArgs) -> anyhow::Result<u8> {
    let health = health::probe(&ctx.address, ctx.token.as_deref()).await;
    let (server, state) = match health {
        Health::Serving(info) => (info.version, "running"),
        Health::NotServing { info, .. } => (info.version, "not serving"),
        Health::Unreachable(_) => (None, "not running"),
    };
    let versions = Versions {
        cli: env!("CARGO_PKG_VERSION"),
        server_address: ctx.address.to_string(),
        server,
        server_state: state,
    };
    match args.output.output {
        OutputFormat::Table => {
            println!("stigmer {}", versions.cli);
            match &versions.server {
                Some(v) => println!("server  {v} at {}", versions.server_address),
                None => println!(
                    "server  {} at {}",
                    versions.server_state, versions.server_address
                ),
            }
        }
        format => print_data(&versions, format)?,
    }
    Ok(super::exit::SUCCESS)
}
