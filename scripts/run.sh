#!/usr/bin/env bash
# Builds and runs the Stigmer server with its embedded defaults (SQLite in
# ~/.stigmer, gRPC on 127.0.0.1:7234), reachable by the `stigmer` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release --locked -p stigmer-server --bin stigmer-server -- "$@"
