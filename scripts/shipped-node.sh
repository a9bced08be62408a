#!/usr/bin/env bash
# Prints the bin directory of an official Node binary installed from the npm registry's
# node-linux-<arch> package. `bash scripts/shipped-node.sh [major] [prefix]`:
#   major   the Node major; default the one the production image ships (the Dockerfile's
#           NODE_IMAGE). That major gets the image's exact major.minor; another major (22, the
#           minimum `engines` allows) gets its latest release.
#   prefix  where to install; default node_modules/.cache/node-<major>.
# Used by .ci/run (the suite on Node 22, then on Node 24) and `npm run bench` (the servers measured).
set -euo pipefail
cd "$(dirname "$0")/.."

shipped="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\.[0-9]*\)[-@].*/\1/p' Dockerfile)"
case "$shipped" in
  24.*) ;;
  *) echo "Dockerfile: NODE_IMAGE must be a node:24.<minor>-… image (found '${shipped}')" >&2; exit 1 ;;
esac
major="${1:-${shipped%%.*}}"
case "$major" in
  ''|*[!0-9]*) echo "usage: shipped-node.sh [major] [prefix] (major: a number such as 22)" >&2; exit 2 ;;
esac
if [ "$major" = "${shipped%%.*}" ]; then version="$shipped"; else version="$major"; fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
prefix="${2:-node_modules/.cache/node-${major}}"
bin="$prefix/node_modules/node-linux-${arch}/bin"
if ! "$bin/node" --version 2>/dev/null | grep -q "^v${version}\."; then
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    "node-linux-${arch}@${version}" >&2
fi
(cd "$bin" && pwd)
