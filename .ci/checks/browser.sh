#!/usr/bin/env bash
# Headless Chromium for test/security/docs-csp.e2e-spec.ts (Swagger UI under its CSP).
# Debian's package only: playwright-core drives it and never downloads a browser of its own.
# CI runs as root; elsewhere run this with sudo, or point CHROMIUM_PATH at an installed Chromium.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium
fi
/usr/bin/chromium --version 2>/dev/null
