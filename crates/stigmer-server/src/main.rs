//! `stigmer-server`: serves the Stigmer API over gRPC.
#![forbid(unsafe_code)]

fn main() -> anyhow::Result<()> {
    anyhow::bail!(
        "stigmer-server is not implemented yet: the controllers land with the server work"
    )
}
