#!/usr/bin/env bash
# Prints the bin directory of the Node the production image ships (major.minor from the
# Dockerfile's NODE_IMAGE), installed from the npm registry's node-linux-<arch> package (the
# official binary) into $1, or into node_modules/.cache/shipped-node when no directory is given.
# Used by .ci/run (the suite's second pass) and `npm run bench` (the servers measured).
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\.[0-9]*\)[-@].*/\1/p' Dockerfile)"
case "$version" in
  24.*) ;;
  *) echo "Dockerfile: NODE_IMAGE must be a node:24.<minor>-… image (found '${version}')" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
prefix="${1:-node_modules/.cache/shipped-node}"
bin="$prefix/node_modules/node-linux-${arch}/bin"
if ! "$bin/node" --version 2>/dev/null | grep -q "^v${version}\."; then
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    "node-linux-${arch}@${version}" >&2
fi
(cd "$bin" && pwd)
