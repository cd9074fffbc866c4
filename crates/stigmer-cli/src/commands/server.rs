//! `stigmer server start|stop|restart|status|logs|run`

use std::time::Duration;

use crate::cli::{OutputFormat, ServerArgs, ServerCommand, StartArgs};
use crate::context::Context;
use crate::output::{print_data, table};
use crate::server::lifecycle::{
    LocalServer, StartOutcome, StatusReport, StopOutcome, human_duration,
};
use crate::server::logs;
use crate::ui;

use super::exit;

pub async fn run(ctx: &Context, args: ServerArgs) -> anyhow::Result<u8> {
    let server = LocalServer::new(ctx);
    match args
        .command
        .unwrap_or(ServerCommand::Start(StartArgs { timeout: 30 }))
    {
        ServerCommand::Start(args) => start(ctx, &server, args).await,
        ServerCommand::Stop(args) => stop(&server, Duration::from_secs(args.timeout)).await,
        ServerCommand::Restart(args) => {
            stop(&server, Duration::from_secs(10)).await?;
            start(ctx, &server, args).await
        }
        ServerCommand::Status(output) => status(&server, output.output).await,
        ServerCommand::Logs(args) => {
            let path = server.paths().log_file();
            let mut out = std::io::stdout().lock();
            let offset = logs::print_tail(&path, args.tail, &mut out)?;
            if args.follow {
                logs::follow(&path, offset, &mut out).await?;
            }
            Ok(exit::SUCCESS)
        }
        ServerCommand::Run => {
            let code = server.run_foreground().await?;
            Ok(u8::try_from(code).unwrap_or(exit::FAILURE))
        }
    }
}

async fn start(ctx: &Context, server: &LocalServer<'_>, args: StartArgs) -> anyhow::Result<u8> {
    match server.start(Duration::from_secs(args.timeout)).await? {
        StartOutcome::AlreadyRunning(info) => {
            let pid = info.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            ui::success(format!(
                "stigmer server already running at {}{pid}",
                ctx.address
            ));
        }
        StartOutcome::Started { pid, info } => {
            let version = info.version.map(|v| format!(" {v}")).unwrap_or_default();
            ui::success(format!(
                "stigmer server{version} started at {} (pid {pid}); log: {}",
                ctx.address,
                server.paths().log_file().display()
            ));
        }
    }
    println!("{}", ctx.address);
    Ok(exit::SUCCESS)
}

async fn stop(server: &LocalServer<'_>, timeout: Duration) -> anyhow::Result<u8> {
    match server.stop(timeout).await? {
        StopOutcome::Stopped { pid, forced: false } => {
            ui::success(format!("stigmer server stopped (pid {pid})"))
        }
        StopOutcome::Stopped { pid, forced: true } => ui::warning(format!(
            "stigmer server (pid {pid}) did not stop within {}s and was killed",
            timeout.as_secs()
        )),
        StopOutcome::NotRunning {
            removed_stale_pid_file,
        } => {
            let note = if removed_stale_pid_file {
                " (removed a stale pid file)"
            } else {
                ""
            };
            ui::note(format!("stigmer server is not running{note}"));
        }
    }
    Ok(exit::SUCCESS)
}

async fn status(server: &LocalServer<'_>, format: OutputFormat) -> anyhow::Result<u8> {
    let report = server.status().await?;
    match format {
        OutputFormat::Table => print!("{}", status_table(&report)),
        format => print_data(&report, format)?,
    }
    if let Some(note) = &report.note {
        ui::note(note);
    }
    if report.state == "running" {
        Ok(exit::SUCCESS)
    } else {
        if report.state == "not running" {
            ui::note("Start it with `stigmer server start`.");
        }
        Ok(exit::NOT_RUNNING)
    }
}

/// Key/value lines; fields the server does not report are left out, so new
/// ones slot in as servers start sending them.
fn status_table(report: &StatusReport) -> String {
    let mut rows = vec![
        ("state", Some(report.state.to_owned())),
        ("address", Some(report.address.clone())),
        ("health", report.health.clone()),
        ("version", report.info.version.clone()),
        ("data dir", report.info.data_dir.clone()),
        ("pid", report.info.pid.map(|p| p.to_string())),
        ("uptime", report.uptime_seconds.map(human_duration)),
        ("log", Some(report.log.clone())),
    ];
    rows.retain(|(_, v)| v.is_some());
    let text = table::render(
        &["", ""],
        rows.into_iter()
            .map(|(k, v)| vec![k.to_owned(), v.unwrap_or_default()])
            .collect(),
    );
    // The header of a key/value table carries nothing.
    text.lines().skip(1).map(|l| format!("{l}\n")).collect()
}
