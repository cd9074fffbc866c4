//! `stigmer-server`: serves the Stigmer API over gRPC.
#![forbid(unsafe_code)]

use anyhow::Context;
use clap::Parser;
use stigmer_server::{App, Config};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// Many small, short-lived allocations per request and per stream (HTTP/2
/// frames, protobuf messages) contend on glibc malloc's arena locks;
/// mimalloc cut the 1 000-subscriber fan-out latency by about a quarter
/// (`execution-bench`, which uses the same allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::parse().with_file() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("stigmer-server: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(config.log_filter()).unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("stigmer-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let addr = config.listen_addr()?;
    let app = App::open(&config).await?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (is another server running there?)"))?;
    tracing::info!(%addr, "stigmer-server ready");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stigmer-server stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "SIGTERM handler unavailable; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutdown requested");
}
