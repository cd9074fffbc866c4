//! Ctrl-C and SIGTERM: the first asks to stop, the second insists.

use tokio_util::sync::CancellationToken;

/// Tokens cancelled by the first and by the second signal.
pub struct Shutdown {
    pub stop: CancellationToken,
    pub force: CancellationToken,
}

/// Listens for signals for the rest of the process.
pub fn listen() -> Shutdown {
    let shutdown = Shutdown {
        stop: CancellationToken::new(),
        force: CancellationToken::new(),
    };
    let (stop, force) = (shutdown.stop.clone(), shutdown.force.clone());
    tokio::spawn(async move {
        signal().await;
        tracing::info!("stopping: no new executions; a second Ctrl-C cancels running ones");
        stop.cancel();
        signal().await;
        force.cancel();
    });
    shutdown
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                () = ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    ctrl_c().await;
}

/// Ctrl-C; never, if it cannot be listened for (rather than stopping at once).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
