#!/usr/bin/env bash
# The whole test suite, from a fresh machine: system packages, PostgreSQL for
# the storage conformance suite, formatting, lints, a standard-protoc compile
# of proto/, and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# One clean build per run: incremental caches and full debug info only cost
# time and disk here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
export CARGO_PROFILE_TEST_DEBUG="${CARGO_PROFILE_TEST_DEBUG:-line-tables-only}"

if [ -z "${STIGMER_TEST_POSTGRES_URL:-}" ] && [ -x scripts/postgres.sh ]; then
  STIGMER_TEST_POSTGRES_URL="$(scripts/postgres.sh start "${STIGMER_TEST_PG_DIR:-/tmp/stigmer-test-pg}")"
  export STIGMER_TEST_POSTGRES_URL
fi

echo "== protoc compiles proto/ (standard compiler, descriptors checked in tests)" >&2
validate_dir="$(cargo metadata --format-version 1 2>/dev/null \
  | python3 -c 'import json,sys,os; m=json.load(sys.stdin); print(next(os.path.dirname(p["manifest_path"]) for p in m["packages"] if p["name"]=="prost-protovalidate-types"))')/proto"
protoc -I proto -I "$validate_dir" --include_imports -o /dev/null $(find proto -name '*.proto' | sort)

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test" >&2
cargo test --workspace --locked
