#!/usr/bin/env bash
# Installs the system packages a build needs on a fresh Debian machine.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
# prost-protovalidate-types' build script runs protoc on buf/validate/validate.proto;
# our own protos compile with protox and need nothing.
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)

if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
