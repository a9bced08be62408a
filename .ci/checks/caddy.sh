#!/usr/bin/env bash
# Caddy for test/delivery/caddy-front.e2e-spec.ts (the compose stack's docker/caddy/Caddyfile run
# by a real Caddy). Debian's package only, like Chromium; the spec never downloads one. CI runs as
# root; elsewhere run this with sudo, or point CADDY_PATH at an installed Caddy.
set -euo pipefail
if [ ! -x /usr/bin/caddy ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends caddy
fi
# The package enables a caddy.service where systemd runs; the spec starts its own Caddy.
/usr/bin/caddy version
