#!/usr/bin/env bash
# Supply-chain gate, no network and no Docker needed: lockfile hosts/HTTPS/integrity/names,
# dependency specs and allowScripts, then the delivery files (compose, Dockerfile, workflows).
# npm audit is not here: it needs the registry's advisory endpoint (security-audit.yml runs it).
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== lockfile-lint"
npm run --silent lint:lockfile
echo "== check:deps"
npm run --silent check:deps
echo "== validate:delivery"
npm run --silent validate:delivery
echo "supply-chain: all checks passed"
