#!/usr/bin/env bash
# Local security check: Snyk when a token is configured, then npm audit (moderate and up).
# Snyk is fetched by npx from the npm registry at a pinned major; it is not a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
if [[ -n "${SNYK_TOKEN:-}" ]]; then
  echo "== snyk test"
  npx --yes snyk@1 test --severity-threshold=high || status=$?
else
  echo "== snyk skipped (SNYK_TOKEN not set)"
fi

echo "== npm audit --audit-level=moderate"
npm audit --audit-level=moderate || status=$?
exit "$status"
